"""The incident codebook as typed, read-only data, and the codebook check of an incident extension.

The data live in one file, `data/codebook.json` (shipped as package data); this module
reads it once, checks its internal consistency and offers look-ups. The check here is
about meaning (is this a codebook event type, does the sub-type belong to it, are the
fields the sub-type needs present); the structural checks of the same extension
(number ranges, timestamp syntax, precision values) stay in `hoggar.stix.validation`.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from typing import Any, TypeGuard

from hoggar.kernel.clock import parse_stix
from hoggar.kernel.errors import Problem

LANGUAGES = ("ar", "fr", "en")
DATA_FILE = "data/codebook.json"


@dataclass(frozen=True)
class Text:
    """One piece of text in the three working languages."""

    ar: str
    fr: str
    en: str

    def get(self, lang: str) -> str:
        if lang not in LANGUAGES:
            raise ValueError(f"unsupported language {lang!r}; expected one of {LANGUAGES}")
        value: str = getattr(self, lang)
        return value


@dataclass(frozen=True)
class Field:
    """A property of the incident extension: its key, kind of value and meaning."""

    key: str
    type: str
    label: Text
    definition: Text


@dataclass(frozen=True)
class Precision:
    """A time or geo precision level and its ACLED equivalent (None when ACLED has none)."""

    key: str
    acled: str | None
    label: Text
    definition: Text


@dataclass(frozen=True)
class Grade:
    """One grade of an Admiralty scale (A-F or 1-6) and what it means."""

    key: str
    label: Text
    meaning: Text


@dataclass(frozen=True)
class GradingScale:
    """An Admiralty (NATO) scale: source reliability A-F or information credibility 1-6."""

    label: Text
    definition: Text
    grades: tuple[Grade, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(g.key for g in self.grades)


@dataclass(frozen=True)
class Unit:
    """A unit a seized quantity may be recorded in."""

    key: str
    label: Text


@dataclass(frozen=True)
class ItemKind:
    """A kind of seized item, the units it is counted in and the item names it covers."""

    key: str
    label: Text
    definition: Text
    units: tuple[str, ...]
    items: tuple[str, ...]


@dataclass(frozen=True)
class SubType:
    """A sub-type of an event type; `required`/`optional` are its own additions."""

    key: str
    event_type: str
    acled: str | None
    label: Text
    definition: Text
    examples: tuple[Text, ...]
    required: tuple[str, ...]
    optional: tuple[str, ...]
    default_time_precision: str
    time_guidance: Text | None


@dataclass(frozen=True)
class EventType:
    """An event type (adapted from ACLED) and its sub-types."""

    key: str
    acled: str | None
    label: Text
    definition: Text
    examples: tuple[Text, ...]
    required: tuple[str, ...]
    optional: tuple[str, ...]
    time_guidance: Text
    sub_types: tuple[SubType, ...]

    def has_sub_type(self, key: str) -> bool:
        return any(s.key == key for s in self.sub_types)


@dataclass(frozen=True)
class Codebook:
    """The whole codebook; look-ups raise KeyError for keys it does not define."""

    version: str
    title: Text
    source: Text
    common_required: tuple[str, ...]
    common_optional: tuple[str, ...]
    fields: tuple[Field, ...]
    event_types: tuple[EventType, ...]
    time_precisions: tuple[Precision, ...]
    geo_precisions: tuple[Precision, ...]
    source_reliability: GradingScale
    information_credibility: GradingScale
    units: tuple[Unit, ...]
    seized_items: tuple[ItemKind, ...]

    @cached_property
    def _types(self) -> dict[str, EventType]:
        return {t.key: t for t in self.event_types}

    @cached_property
    def _subs(self) -> dict[str, SubType]:
        return {s.key: s for t in self.event_types for s in t.sub_types}

    @cached_property
    def _fields(self) -> dict[str, Field]:
        return {f.key: f for f in self.fields}

    @cached_property
    def _items(self) -> dict[str, ItemKind]:
        return {item: kind for kind in self.seized_items for item in kind.items}

    @property
    def unit_keys(self) -> tuple[str, ...]:
        return tuple(u.key for u in self.units)

    def event_type(self, key: str) -> EventType:
        try:
            return self._types[key]
        except KeyError:
            raise KeyError(f"{key!r} is not a codebook event type") from None

    def sub_type(self, event_key: str, sub_key: str) -> SubType:
        event = self.event_type(event_key)
        for sub in event.sub_types:
            if sub.key == sub_key:
                return sub
        raise KeyError(f"{sub_key!r} is not a sub-type of {event_key!r}")

    def find_sub_type(self, sub_key: str) -> SubType | None:
        """The sub-type with this key, whatever its event type (sub-type keys are unique)."""
        return self._subs.get(sub_key)

    def field(self, key: str) -> Field:
        try:
            return self._fields[key]
        except KeyError:
            raise KeyError(f"{key!r} is not a field of the incident extension") from None

    def item_kind(self, item: str) -> ItemKind | None:
        """The kind a recorded item name (e.g. 'kalashnikov rifles') belongs to, if known."""
        return self._items.get(item.strip().lower())

    def label(self, key: str, lang: str) -> str:
        """The name of an event type or sub-type in "ar", "fr" or "en"."""
        entry = self._types.get(key) or self._subs.get(key)
        if entry is None:
            raise KeyError(f"{key!r} is neither an event type nor a sub-type of the codebook")
        return entry.label.get(lang)

    def required_fields(self, event_key: str, sub_key: str) -> tuple[str, ...]:
        """Every field an incident of this sub-type needs, common ones first."""
        event, sub = self.event_type(event_key), self.sub_type(event_key, sub_key)
        return _unique(self.common_required + event.required + sub.required)

    def optional_fields(self, event_key: str, sub_key: str) -> tuple[str, ...]:
        """The fields worth recording for this sub-type beyond the required ones."""
        event, sub = self.event_type(event_key), self.sub_type(event_key, sub_key)
        required = set(self.required_fields(event_key, sub_key))
        extra = event.optional + sub.optional + self.common_optional
        return tuple(k for k in _unique(extra) if k not in required)


def _unique(keys: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(keys))


# Parsing: every malformed entry is reported with where it is in the file.


class CodebookError(ValueError):
    """The codebook data file is malformed or inconsistent."""


def _obj(raw: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise CodebookError(f"{where}: expected an object")
    return raw


def _list(raw: Any, where: str) -> list[Any]:
    if not isinstance(raw, list):
        raise CodebookError(f"{where}: expected a list")
    return raw


def _str(raw: Any, where: str) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise CodebookError(f"{where}: expected a non-empty string")
    return raw


def _opt_str(raw: Any, where: str) -> str | None:
    return None if raw is None else _str(raw, where)


def _strs(raw: Any, where: str) -> tuple[str, ...]:
    return tuple(_str(x, f"{where}/{i}") for i, x in enumerate(_list(raw, where)))


def _text(raw: Any, where: str) -> Text:
    obj = _obj(raw, where)
    return Text(**{lang: _str(obj.get(lang), f"{where}/{lang}") for lang in LANGUAGES})


def _texts(raw: Any, where: str) -> tuple[Text, ...]:
    texts = tuple(_text(x, f"{where}/{i}") for i, x in enumerate(_list(raw, where)))
    if not texts:
        raise CodebookError(f"{where}: needs at least one example")
    return texts


def _precision(raw: Any, where: str) -> Precision:
    obj = _obj(raw, where)
    return Precision(
        key=_str(obj.get("key"), f"{where}/key"),
        acled=_opt_str(obj.get("acled"), f"{where}/acled"),
        label=_text(obj.get("label"), f"{where}/label"),
        definition=_text(obj.get("definition"), f"{where}/definition"),
    )


def _scale(raw: Any, where: str) -> GradingScale:
    obj = _obj(raw, where)
    grades = tuple(
        Grade(
            key=_str(_obj(g, f"{where}/grades/{i}").get("key"), f"{where}/grades/{i}/key"),
            label=_text(g.get("label"), f"{where}/grades/{i}/label"),
            meaning=_text(g.get("meaning"), f"{where}/grades/{i}/meaning"),
        )
        for i, g in enumerate(_list(obj.get("grades"), f"{where}/grades"))
    )
    return GradingScale(
        label=_text(obj.get("label"), f"{where}/label"),
        definition=_text(obj.get("definition"), f"{where}/definition"),
        grades=grades,
    )


def _sub_type(raw: Any, event_key: str, where: str) -> SubType:
    obj = _obj(raw, where)
    guidance = obj.get("time_guidance")
    return SubType(
        key=_str(obj.get("key"), f"{where}/key"),
        event_type=event_key,
        acled=_opt_str(obj.get("acled"), f"{where}/acled"),
        label=_text(obj.get("label"), f"{where}/label"),
        definition=_text(obj.get("definition"), f"{where}/definition"),
        examples=_texts(obj.get("examples"), f"{where}/examples"),
        required=_strs(obj.get("required", []), f"{where}/required"),
        optional=_strs(obj.get("optional", []), f"{where}/optional"),
        default_time_precision=_str(
            obj.get("default_time_precision"), f"{where}/default_time_precision"
        ),
        time_guidance=None if guidance is None else _text(guidance, f"{where}/time_guidance"),
    )


def _event_type(raw: Any, where: str) -> EventType:
    obj = _obj(raw, where)
    key = _str(obj.get("key"), f"{where}/key")
    subs_raw = _list(obj.get("sub_types"), f"{where}/sub_types")
    return EventType(
        key=key,
        acled=_opt_str(obj.get("acled"), f"{where}/acled"),
        label=_text(obj.get("label"), f"{where}/label"),
        definition=_text(obj.get("definition"), f"{where}/definition"),
        examples=_texts(obj.get("examples"), f"{where}/examples"),
        required=_strs(obj.get("required", []), f"{where}/required"),
        optional=_strs(obj.get("optional", []), f"{where}/optional"),
        time_guidance=_text(obj.get("time_guidance"), f"{where}/time_guidance"),
        sub_types=tuple(
            _sub_type(s, key, f"{where}/sub_types/{i}") for i, s in enumerate(subs_raw)
        ),
    )


def parse_codebook(raw: Any) -> Codebook:
    """Build a Codebook from the decoded JSON; CodebookError says what is wrong and where."""
    obj = _obj(raw, "")
    book = Codebook(
        version=_str(obj.get("version"), "/version"),
        title=_text(obj.get("title"), "/title"),
        source=_text(obj.get("source"), "/source"),
        common_required=_strs(obj.get("common_required"), "/common_required"),
        common_optional=_strs(obj.get("common_optional"), "/common_optional"),
        fields=tuple(
            Field(
                key=_str(_obj(f, f"/fields/{i}").get("key"), f"/fields/{i}/key"),
                type=_str(f.get("type"), f"/fields/{i}/type"),
                label=_text(f.get("label"), f"/fields/{i}/label"),
                definition=_text(f.get("definition"), f"/fields/{i}/definition"),
            )
            for i, f in enumerate(_list(obj.get("fields"), "/fields"))
        ),
        event_types=tuple(
            _event_type(t, f"/event_types/{i}")
            for i, t in enumerate(_list(obj.get("event_types"), "/event_types"))
        ),
        time_precisions=tuple(
            _precision(p, f"/time_precisions/{i}")
            for i, p in enumerate(_list(obj.get("time_precisions"), "/time_precisions"))
        ),
        geo_precisions=tuple(
            _precision(p, f"/geo_precisions/{i}")
            for i, p in enumerate(_list(obj.get("geo_precisions"), "/geo_precisions"))
        ),
        source_reliability=_scale(obj.get("source_reliability"), "/source_reliability"),
        information_credibility=_scale(
            obj.get("information_credibility"), "/information_credibility"
        ),
        units=tuple(
            Unit(
                key=_str(_obj(u, f"/units/{i}").get("key"), f"/units/{i}/key"),
                label=_text(u.get("label"), f"/units/{i}/label"),
            )
            for i, u in enumerate(_list(obj.get("units"), "/units"))
        ),
        seized_items=tuple(
            ItemKind(
                key=_str(_obj(k, f"/seized_items/{i}").get("key"), f"/seized_items/{i}/key"),
                label=_text(k.get("label"), f"/seized_items/{i}/label"),
                definition=_text(k.get("definition"), f"/seized_items/{i}/definition"),
                units=_strs(k.get("units"), f"/seized_items/{i}/units"),
                items=_strs(k.get("items"), f"/seized_items/{i}/items"),
            )
            for i, k in enumerate(_list(obj.get("seized_items"), "/seized_items"))
        ),
    )
    _check_consistency(book)
    return book


def _duplicates(keys: Sequence[str]) -> list[str]:
    return sorted(k for k, n in Counter(keys).items() if n > 1)


def _check_consistency(book: Codebook) -> None:
    """Keys unique, every referenced field, precision and unit defined."""
    categories = [t.key for t in book.event_types] + [
        s.key for t in book.event_types for s in t.sub_types
    ]
    groups: dict[str, Sequence[str]] = {
        "event type and sub-type keys": categories,
        "field keys": [f.key for f in book.fields],
        "time precision keys": [p.key for p in book.time_precisions],
        "geo precision keys": [p.key for p in book.geo_precisions],
        "unit keys": book.unit_keys,
        "seized item kinds": [k.key for k in book.seized_items],
        "seized item names": [i.lower() for k in book.seized_items for i in k.items],
        "reliability grades": book.source_reliability.keys,
        "credibility grades": book.information_credibility.keys,
    }
    for what, keys in groups.items():
        if dup := _duplicates(keys):
            raise CodebookError(f"duplicate {what}: {dup}")
    fields = {f.key for f in book.fields}
    listed = [("common", book.common_required + book.common_optional)]
    for t in book.event_types:
        listed.append((t.key, t.required + t.optional))
        listed += [(s.key, s.required + s.optional) for s in t.sub_types]
    for owner, keys in listed:
        if unknown := sorted(set(keys) - fields):
            raise CodebookError(f"{owner} names fields the codebook does not define: {unknown}")
    time_keys = {p.key for p in book.time_precisions}
    for t in book.event_types:
        for s in t.sub_types:
            if s.default_time_precision not in time_keys:
                raise CodebookError(f"{s.key}: unknown time precision {s.default_time_precision}")
    units = set(book.unit_keys)
    for kind in book.seized_items:
        if unknown := sorted(set(kind.units) - units):
            raise CodebookError(f"seized item kind {kind.key} uses unknown units {unknown}")


@cache
def load_codebook() -> Codebook:
    """The codebook shipped with Hoggar (read and checked once per process)."""
    text = resources.files("hoggar.incidents").joinpath(DATA_FILE).read_text(encoding="utf-8")
    return parse_codebook(json.loads(text))


# The codebook check of one incident extension.


def _missing(ext: Mapping[str, Any], key: str) -> bool:
    value = ext.get(key)
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, list | tuple | Mapping) and len(value) == 0


def _is_count(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_quantity(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    if isinstance(value, float) and not math.isfinite(value):
        return False
    return value > 0


def _keys(keys: Sequence[str]) -> str:
    return ", ".join(keys)


def _check_categories(
    book: Codebook, ext: Mapping[str, Any], problems: list[Problem]
) -> tuple[EventType, SubType] | None:
    """The event type and sub-type if both are valid and belong together, else None."""
    event_key, sub_key = ext.get("event_type"), ext.get("sub_type")
    type_keys = [t.key for t in book.event_types]
    event: EventType | None = None
    if isinstance(event_key, str) and event_key:
        if event_key in type_keys:
            event = book.event_type(event_key)
        elif (as_sub := book.find_sub_type(event_key)) is not None:
            problems.append(
                Problem(
                    "/event_type",
                    f"{event_key!r} is a sub-type, not an event type: use event_type "
                    f"{as_sub.event_type!r} with sub_type {event_key!r}",
                )
            )
        else:
            problems.append(
                Problem(
                    "/event_type",
                    f"{event_key!r} is not a codebook event type; "
                    f"expected one of: {_keys(type_keys)}",
                )
            )
    elif event_key is not None:
        problems.append(Problem("/event_type", "must be a codebook event type key (a string)"))
    if sub_key is None or event is None:
        if sub_key is not None and not isinstance(sub_key, str):
            problems.append(Problem("/sub_type", "must be a codebook sub-type key (a string)"))
        return None
    if not isinstance(sub_key, str):
        problems.append(Problem("/sub_type", "must be a codebook sub-type key (a string)"))
        return None
    if not sub_key:
        return None  # reported as missing
    if event.has_sub_type(sub_key):
        return event, book.sub_type(event.key, sub_key)
    other = book.find_sub_type(sub_key)
    if other is not None:
        message = f"{sub_key!r} is a sub-type of {other.event_type!r}, not of {event.key!r}"
    else:
        expected = _keys([s.key for s in event.sub_types])
        message = f"{sub_key!r} is not a sub-type of {event.key!r}; expected one of: {expected}"
    problems.append(Problem("/sub_type", message))
    return None


def _check_required(
    book: Codebook,
    ext: Mapping[str, Any],
    pair: tuple[EventType, SubType] | None,
    problems: list[Problem],
) -> None:
    needs: dict[str, str] = {k: "every incident" for k in book.common_required}
    if pair is not None:
        event, sub = pair
        needs.update({k: f"event type {event.key!r}" for k in event.required if k not in needs})
        needs.update({k: f"sub-type {sub.key!r}" for k in sub.required if k not in needs})
    for key, who in needs.items():
        if _missing(ext, key):
            label = book.field(key).label.en.lower()
            problems.append(Problem(f"/{key}", f"is required for {who} ({label})"))


def _check_period(ext: Mapping[str, Any], problems: list[Problem]) -> None:
    start, end = ext.get("start_time"), ext.get("end_time")
    if not (isinstance(start, str) and isinstance(end, str)):
        return
    try:
        if parse_stix(end) < parse_stix(start):
            problems.append(Problem("/end_time", "must not be earlier than start_time"))
    except (ValueError, OverflowError):
        return  # malformed timestamps are reported by hoggar.stix.validation


def _check_counts(ext: Mapping[str, Any], problems: list[Problem]) -> None:
    killed, civilians = ext.get("killed"), ext.get("civilians_killed")
    if _is_count(killed) and _is_count(civilians) and civilians > killed:
        problems.append(
            Problem("/civilians_killed", f"must not exceed killed ({civilians} > {killed})")
        )


def _check_seized(book: Codebook, ext: Mapping[str, Any], problems: list[Problem]) -> None:
    if _missing(ext, "seized"):
        return
    seized = ext["seized"]
    if not isinstance(seized, list):
        problems.append(Problem("/seized", "must be a list of {item, quantity, unit} objects"))
        return
    units = book.unit_keys
    for i, entry in enumerate(seized):
        where = f"/seized/{i}"
        if not isinstance(entry, Mapping):
            problems.append(Problem(where, "must be an object with item, quantity and unit"))
            continue
        item, quantity, unit = entry.get("item"), entry.get("quantity"), entry.get("unit")
        if not isinstance(item, str) or not item.strip():
            problems.append(Problem(f"{where}/item", "is required (what was seized)"))
        if not _is_quantity(quantity):
            problems.append(Problem(f"{where}/quantity", "must be a number greater than 0"))
        if not isinstance(unit, str) or unit not in units:
            problems.append(
                Problem(f"{where}/unit", f"must be one of the codebook units: {_keys(units)}")
            )
            continue
        kind = book.item_kind(item) if isinstance(item, str) else None
        if kind is not None and unit not in kind.units:
            problems.append(
                Problem(
                    f"{where}/unit",
                    f"{item!r} ({kind.key}) is counted in {_keys(kind.units)}, not {unit!r}",
                )
            )


def check_incident_extension(
    ext: Mapping[str, Any], codebook: Codebook | None = None
) -> list[Problem]:
    """What is wrong with an incident extension in the codebook's terms; [] if nothing.

    Each problem's `where` is a JSON pointer relative to the extension ("/sub_type").
    Never raises on JSON-like input.
    """
    received: object = ext  # callers may pass anything decoded from JSON
    if not isinstance(received, Mapping):
        return [Problem("/", "the incident extension must be a JSON object")]
    book = codebook or load_codebook()
    problems: list[Problem] = []
    pair = _check_categories(book, ext, problems)
    _check_required(book, ext, pair, problems)
    _check_period(ext, problems)
    _check_counts(ext, problems)
    _check_seized(book, ext, problems)
    return problems
