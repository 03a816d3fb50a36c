"""An incident as an analyst fills it in, checked field by field against the codebook.

`IncidentInput` holds what a form sends (strings, as typed). `check_input` turns it
into the Hoggar incident extension, or reports every problem under the field it
belongs to, as a `Msg` the web layer renders in the reader's language. Nothing here
knows about HTTP.
"""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from hoggar.incidents.codebook import Codebook
from hoggar.incidents.codebook_check import check_incident_extension
from hoggar.incidents.codebook_load import load_codebook
from hoggar.kernel.clock import format_stix, parse_stix
from hoggar.kernel.i18n import LANGUAGES, N_, Msg
from hoggar.sharing.markings import TLP, parse_tlp
from hoggar.stix.extensions import INCIDENT_EXTENSION_ID

COUNT_FIELDS = ("killed", "wounded", "kidnapped", "released", "civilians_killed")
OPINIONS = ("strongly-agree", "agree", "neutral", "disagree", "strongly-disagree")
_COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
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
        ext = (obj.get("extensions") or {}).get(INCIDENT_EXTENSION_ID) or {}
        refs = ext.get("location_refs") or []

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
            actor_refs=tuple(ext.get("actor_refs") or ()),
            **{k: text(k) for k in COUNT_FIELDS},
            seized=tuple(
                (str(s.get("item", "")), _plain_number(s.get("quantity")), str(s.get("unit", "")))
                for s in ext.get("seized") or []
                if isinstance(s, Mapping)
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


def _count(out: Checked, key: str, raw: str) -> int | None:
    if not raw:
        return None
    if not re.fullmatch(r"\d{1,7}", raw):
        out.add(key, N_("Enter a whole number, 0 or more."))
        return None
    return int(raw)


def _coordinate(out: Checked, key: str, raw: str, bound: float) -> float | None:
    if not raw:
        return None
    try:
        value = float(raw.replace(",", "."))
    except ValueError:
        out.add(key, N_("Enter a number in decimal degrees, e.g. 22.785."))
        return None
    if not math.isfinite(value) or not -bound <= value <= bound:
        out.add(key, N_("Must be between -{bound} and {bound}."), bound=int(bound))
        return None
    return round(value, 6)


def _check_categories(out: Checked, inp: IncidentInput, book: Codebook) -> None:
    if not inp.event_type:
        out.add("event_type", N_("Choose the type of event."))
        return
    try:
        event = book.event_type(inp.event_type)
    except KeyError:
        out.add("event_type", N_("This is not an event type of the codebook."))
        return
    if not inp.sub_type:
        out.add("sub_type", N_("Choose the sub-type of event."))
    elif not event.has_sub_type(inp.sub_type):
        out.add("sub_type", N_("This sub-type does not belong to the chosen event type."))


def _check_time(out: Checked, inp: IncidentInput, book: Codebook, ext: dict[str, Any]) -> None:
    precisions = {p.key for p in book.time_precisions}
    start = parse_moment(inp.start) if inp.start else None
    if not inp.start:
        out.add("start", N_("Enter when the event happened (at least the day)."))
    elif start is None:
        out.add("start", N_("Enter a date as YYYY-MM-DD, with a time HH:MM if known."))
    end = parse_moment(inp.end) if inp.end else None
    if inp.end and end is None:
        out.add("end", N_("Enter a date as YYYY-MM-DD, with a time HH:MM if known."))
    if start is not None and end is not None and end < start:
        out.add("end", N_("The end cannot be before the start."))
    if start is not None and start > datetime.now(UTC) + timedelta(days=1):
        out.add("start", N_("The event cannot start in the future."))
    if not inp.time_precision:
        out.add("time_precision", N_("Say how precise the time is."))
    elif inp.time_precision not in precisions:
        out.add("time_precision", N_("This is not a time precision of the codebook."))
    if start is not None:
        ext["start_time"] = format_stix(start)
        if end is None and len(inp.start) == 10:  # a day: the event lasts until its end
            end = start + timedelta(days=1) - timedelta(milliseconds=1)
        ext["end_time"] = format_stix(end or start)
    if inp.time_precision in precisions:
        ext["time_precision"] = inp.time_precision


def _check_place(
    out: Checked, inp: IncidentInput, book: Codebook, place: Place | None, ext: dict[str, Any]
) -> None:
    lat = _coordinate(out, "latitude", inp.latitude, 90)
    lon = _coordinate(out, "longitude", inp.longitude, 180)
    if inp.location_ref and place is None:
        out.add("location_ref", N_("This place is unknown; choose one from the list."))
    if place is not None:
        ext["location_refs"] = [place.id]
        lat = lat if lat is not None else place.latitude
        lon = lon if lon is not None else place.longitude
    if (lat is None) != (lon is None) and "latitude" not in out.errors:
        out.add("latitude", N_("Give both latitude and longitude, or neither."))
    if lat is not None and lon is not None:
        ext["latitude"], ext["longitude"] = lat, lon
    elif place is None and "latitude" not in out.errors and "longitude" not in out.errors:
        out.add("location_ref", N_("Choose a known place or give coordinates."))
    country = (inp.country or (place.country if place else "") or "").upper()
    if not country:
        out.add("country", N_("Choose the country where the event happened."))
    elif not _COUNTRY_RE.match(country):
        out.add("country", N_("Use a two-letter ISO 3166 code, e.g. ML."))
    else:
        ext["country"] = country
    place_name = inp.place_name or (place.name if place else "")
    if place_name:
        ext["place_name"] = place_name[:200]
    admin1 = inp.admin1 or (place.admin1 if place else "")
    if admin1:
        ext["admin1"] = admin1[:200]
    if not inp.geo_precision:
        out.add("geo_precision", N_("Say how precise the place is."))
    elif inp.geo_precision not in {p.key for p in book.geo_precisions}:
        out.add("geo_precision", N_("This is not a geo precision of the codebook."))
    else:
        ext["geo_precision"] = inp.geo_precision


def _check_grading(out: Checked, inp: IncidentInput, book: Codebook, ext: dict[str, Any]) -> None:
    if not inp.source_reliability:
        out.add("source_reliability", N_("Grade the source (A to F)."))
    elif inp.source_reliability not in book.source_reliability.keys:
        out.add("source_reliability", N_("Choose a grade from A to F."))
    else:
        ext["source_reliability"] = inp.source_reliability
    if not inp.information_credibility:
        out.add("information_credibility", N_("Grade the information (1 to 6)."))
    elif inp.information_credibility not in book.information_credibility.keys:
        out.add("information_credibility", N_("Choose a grade from 1 to 6."))
    else:
        ext["information_credibility"] = int(inp.information_credibility)


def _check_seized(out: Checked, inp: IncidentInput, book: Codebook, ext: dict[str, Any]) -> None:
    rows: list[dict[str, Any]] = []
    for item, quantity, unit in inp.seized:
        if not item:
            out.add("seized", N_("Say what was seized on each row."))
            continue
        try:
            amount = float(quantity.replace(",", "."))
        except ValueError:
            amount = math.nan
        if not math.isfinite(amount) or amount <= 0:
            out.add("seized", N_("Each seized quantity must be a number greater than 0."))
            continue
        if unit not in book.unit_keys:
            out.add("seized", N_("Choose a unit for each seized item."))
            continue
        rows.append(
            {
                "item": item[:200],
                "quantity": int(amount) if amount.is_integer() else amount,
                "unit": unit,
            }
        )
    if rows and "seized" not in out.errors:
        ext["seized"] = rows


# Where the codebook's own check (required fields of a sub-type) puts its findings.
_POINTER_FIELD = {"/start_time": "start", "/end_time": "end"}


def check_input(
    inp: IncidentInput,
    *,
    place: Place | None,
    known_actors: Sequence[str],
    members: Sequence[str],
    codebook: Codebook | None = None,
) -> Checked:
    """Check every field; the extension is complete only when `ok`.

    `place` is the location record `inp.location_ref` names, if the reader may see it;
    `known_actors` the armed groups the reader may see; `members` the organizations of
    the member directory (the possible recipients).
    """
    book = codebook or load_codebook()
    ext: dict[str, Any] = {"extension_type": "property-extension"}
    tlp: TLP | None = None
    with contextlib.suppress(ValueError):
        tlp = parse_tlp(inp.tlp)
    out = Checked(extension=ext, name=inp.name[:300], lang=inp.lang, tlp=tlp)
    if not inp.name:
        out.add("name", N_("Give the incident a short title."))
    _check_categories(out, inp, book)
    if "event_type" not in out.errors:
        ext["event_type"] = inp.event_type
    if inp.sub_type and not out.errors.get("sub_type"):
        ext["sub_type"] = inp.sub_type
    _check_time(out, inp, book, ext)
    _check_place(out, inp, book, place, ext)
    unknown = [a for a in inp.actor_refs if a not in set(known_actors)]
    if unknown:
        out.add("actor_refs", N_("One of the chosen groups is unknown."))
    elif inp.actor_refs:
        ext["actor_refs"] = list(inp.actor_refs)
    for key in COUNT_FIELDS:
        value = _count(out, key, getattr(inp, key))
        if value is not None:
            ext[key] = value
    _check_seized(out, inp, book, ext)
    _check_grading(out, inp, book, ext)
    if inp.lang not in LANGUAGES:
        out.add("lang", N_("Choose the language the record is written in."))
    if inp.narrative:
        ext["narrative"] = inp.narrative[:20000]
        ext["narrative_lang"] = inp.lang if inp.lang in LANGUAGES else "und"
    if tlp is None:
        out.add("tlp", N_("Choose a TLP level."))
    strangers = [r for r in inp.release_to if r not in set(members)]
    if strangers:
        out.add("release_to", N_("One of the chosen recipients is not a member organization."))
    if not out.errors.get("event_type") and not out.errors.get("sub_type"):
        for problem in check_incident_extension(ext, book):
            key = _POINTER_FIELD.get(problem.where, problem.where.strip("/").split("/")[0])
            if key in out.errors:
                continue
            if "required" in problem.message:
                out.add(key, N_("Required for this type of event."))
            elif key == "civilians_killed":
                out.add(key, N_("Cannot be more than the number killed."))
            else:
                out.add(key, N_("Not valid here: {detail}"), detail=problem.message)
    return out
