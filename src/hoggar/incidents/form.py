"""An incident as an analyst fills it in, checked field by field against the codebook.

`IncidentInput` holds what a form sends (strings, as typed). `check_input` turns it
into the Hoggar incident extension, or reports every problem under the field it
belongs to, as a `Msg` the web layer renders in the reader's language. Nothing here
knows about HTTP.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime
from typing import Any

from hoggar.incidents.codebook import Codebook
from hoggar.incidents.codebook_load import load_codebook
from hoggar.kernel.clock import parse_stix
from hoggar.kernel.errors import Invalid, Problem
from hoggar.kernel.i18n import Msg
from hoggar.sharing.markings import TLP
from hoggar.stix.types.incident import COUNTS, IncidentFacts

COUNT_FIELDS = COUNTS
OPINIONS = ("strongly-agree", "agree", "neutral", "disagree", "strongly-disagree")
_DATE_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d")


@dataclass(frozen=True)
class IncidentInput:
    """The incident form's values, as strings (lists for multiple choices)."""

    name: str = ""
    event_type: str = ""
    sub_type: str = ""
    start: str = ""
    end: str = ""
    time_precision: str = ""
    location_ref: str = ""
    place_name: str = ""
    latitude: str = ""
    longitude: str = ""
    country: str = ""
    admin1: str = ""
    geo_precision: str = ""
    actor_refs: tuple[str, ...] = ()
    killed: str = ""
    wounded: str = ""
    kidnapped: str = ""
    released: str = ""
    civilians_killed: str = ""
    source_reliability: str = ""
    information_credibility: str = ""
    seized: tuple[tuple[str, str, str], ...] = ()  # (item, quantity, unit) rows
    narrative: str = ""
    lang: str = ""
    tlp: str = "amber"
    release_to: tuple[str, ...] = ()
    # "1": the recipients see who else receives the record; else each learns only
    # that it does (a sealed release set, hoggar.kernel.sealing).
    disclose_recipients: str = ""

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> IncidentInput:
        """From decoded form fields; lists for actor_refs and release_to, strings elsewhere."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = data.get(f.name)
            if f.name in ("actor_refs", "release_to"):
                items = raw if isinstance(raw, list | tuple) else ([raw] if raw else [])
                values[f.name] = tuple(dict.fromkeys(str(i).strip() for i in items if i))
            elif f.name == "seized":
                values[f.name] = _seized_rows(data)
            elif raw is not None:
                values[f.name] = str(raw).strip()
        return cls(**values)

    @classmethod
    def from_incident(
        cls,
        obj: Mapping[str, Any],
        tlp: str | None,
        release_to: Sequence[str],
        disclosed: bool = False,
    ) -> IncidentInput:
        """The form of an existing incident, to edit it."""
        inc = IncidentFacts.of(obj)
        ext, refs = inc.raw, inc.location_refs

        def text(key: str) -> str:
            value = ext.get(key)
            return "" if value is None else str(value)

        return cls(
            name=str(obj.get("name") or ""),
            event_type=text("event_type"),
            sub_type=text("sub_type"),
            start=_form_time(ext.get("start_time")),
            end=_form_time(ext.get("end_time")),
            time_precision=text("time_precision"),
            location_ref=refs[0] if refs else "",
            place_name=text("place_name"),
            latitude=text("latitude"),
            longitude=text("longitude"),
            country=text("country"),
            admin1=text("admin1"),
            geo_precision=text("geo_precision"),
            actor_refs=inc.actor_refs,
            **{k: text(k) for k in COUNT_FIELDS},
            seized=tuple(
                (str(s.get("item", "")), _plain_number(s.get("quantity")), str(s.get("unit", "")))
                for s in inc.seized
            ),
            source_reliability=text("source_reliability"),
            information_credibility=text("information_credibility"),
            narrative=text("narrative"),
            lang=text("narrative_lang") or str(obj.get("lang") or ""),
            tlp=tlp or "amber",
            release_to=tuple(release_to),
            disclose_recipients="1" if disclosed else "",
        )

    def with_defaults(self, lang: str, codebook: Codebook | None = None) -> IncidentInput:
        """Fill what the analyst did not choose: language, the sub-type's time precision."""
        book = codebook or load_codebook()
        result = self if self.lang else replace(self, lang=lang)
        if not self.time_precision and self.sub_type:
            sub = book.find_sub_type(self.sub_type)
            if sub is not None:
                result = replace(result, time_precision=sub.default_time_precision)
        return result


@dataclass(frozen=True)
class Place:
    """A location record the analyst picked (already checked readable by the caller)."""

    id: str
    name: str
    latitude: float | None
    longitude: float | None
    country: str | None
    admin1: str | None


@dataclass
class Checked:
    """The outcome of `check_input`: the extension, or the problems by field."""

    extension: dict[str, Any]
    name: str
    lang: str
    tlp: TLP | None
    errors: dict[str, list[Msg]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def add(self, key: str, msgid: str, **params: Any) -> None:
        self.errors.setdefault(key, []).append(Msg(msgid, params))


def _as_list(value: Any) -> list[str]:
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value]
    return [str(value).strip()] if value is not None else []


def _seized_rows(data: Mapping[str, Any]) -> tuple[tuple[str, str, str], ...]:
    """Rows of the seized-items table (`seized_item`, `seized_quantity`, `seized_unit`)."""
    items, quantities, units = (
        _as_list(data.get(k)) for k in ("seized_item", "seized_quantity", "seized_unit")
    )
    n = max(len(items), len(quantities), len(units))
    rows = []
    for i in range(n):
        row = tuple(col[i] if i < len(col) else "" for col in (items, quantities, units))
        if any(row[:2]):  # an untouched row only has its unit preselected
            rows.append((row[0], row[1], row[2]))
    return tuple(rows)


def _plain_number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def _form_time(value: Any) -> str:
    if not isinstance(value, str):
        return ""
    try:
        moment = parse_stix(value)
    except ValueError:
        return ""
    if moment.hour == moment.minute == moment.second == 0:
        return moment.strftime("%Y-%m-%d")
    return moment.strftime("%Y-%m-%dT%H:%M")


def parse_moment(text: str) -> datetime | None:
    """A date or date-and-time as a form sends it (UTC); None if it is not one."""
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


class FormInvalid(Invalid):
    """The form has problems; `errors` holds them by field, as translatable messages."""

    def __init__(self, checked: Checked) -> None:
        problems = [
            Problem(k, m.msgid.format(**m.params)) for k, v in checked.errors.items() for m in v
        ]
        super().__init__("The incident has problems; see each field.", problems)
        self.errors: dict[str, list[Msg]] = checked.errors
