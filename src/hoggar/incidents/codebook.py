"""The incident codebook as typed, read-only data, and its look-ups.

The data live in one file, `data/codebook.json` (shipped as package data);
`hoggar.incidents.codebook_load` reads it once and checks its internal consistency,
`hoggar.incidents.codebook_check` checks an incident extension in the codebook's terms.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

LANGUAGES = ("ar", "fr", "en")


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
