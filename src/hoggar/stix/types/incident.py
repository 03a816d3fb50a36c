"""The Hoggar incident extension: its checks, and one typed view of it read once.

A STIX incident carries the codebook's event type and sub-type, times with their
precision, the place with its precision, actors, counts of people harmed, seized
items, the source's grading and the original-language narrative under
`extensions[INCIDENT_EXTENSION_ID]` (docs/data-model.md). Code that reads those facts
takes them from `IncidentFacts.of(obj)`; `IncidentFacts.raw` (or `extension`) is the
extension as stored, for code that shows or compares it whole.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hoggar.kernel.clock import parse_stix
from hoggar.kernel.errors import Problem
from hoggar.stix.checks import as_count, as_number, check_int, check_number, check_refs
from hoggar.stix.extensions import INCIDENT_EXTENSION_ID

EXTENSION_ID = INCIDENT_EXTENSION_ID
EVENT_PRECISIONS = {"exact", "hour", "day", "week", "month", "year"}
GEO_PRECISIONS = {"exact", "town", "district", "region", "country"}
RELIABILITY = set("ABCDEF")
COUNTS = ("killed", "wounded", "kidnapped", "released", "civilians_killed")
# Free-text properties (the codebook checks sub-types against the event type).
TEXTS = ("sub_type", "place_name", "admin1", "narrative", "narrative_lang")


def extension(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    """The incident extension of an object as stored (empty if it has none)."""
    exts = obj.get("extensions")
    ext = exts.get(INCIDENT_EXTENSION_ID) if isinstance(exts, Mapping) else None
    return ext if isinstance(ext, Mapping) else {}


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _refs(value: Any) -> tuple[str, ...]:
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


@dataclass(frozen=True, slots=True)
class IncidentFacts:
    """The incident extension of one object, typed: a value that is absent or not of its
    type reads as None (validation refuses such objects at ingest); `raw` is the
    extension exactly as stored."""

    raw: Mapping[str, Any]
    event_type: str | None
    sub_type: str | None
    start_time: str | None
    end_time: str | None
    time_precision: str | None
    geo_precision: str | None
    latitude: float | None
    longitude: float | None
    country: str | None
    admin1: str | None
    place_name: str | None
    narrative: str | None
    narrative_lang: str | None
    killed: int | None
    wounded: int | None
    kidnapped: int | None
    released: int | None
    civilians_killed: int | None
    seized: tuple[Mapping[str, Any], ...]
    source_reliability: str | None
    information_credibility: int | None
    location_refs: tuple[str, ...]
    actor_refs: tuple[str, ...]

    @classmethod
    def of(cls, obj: Mapping[str, Any]) -> IncidentFacts:
        """The view of an object's incident extension (all None if it has none)."""
        return cls.parse(extension(obj))

    @classmethod
    def parse(cls, ext: Mapping[str, Any]) -> IncidentFacts:
        seized = ext.get("seized")
        return cls(
            raw=ext,
            event_type=_str(ext.get("event_type")),
            sub_type=_str(ext.get("sub_type")),
            start_time=_str(ext.get("start_time")),
            end_time=_str(ext.get("end_time")),
            time_precision=_str(ext.get("time_precision")),
            geo_precision=_str(ext.get("geo_precision")),
            latitude=as_number(ext.get("latitude")),
            longitude=as_number(ext.get("longitude")),
            country=_str(ext.get("country")),
            admin1=_str(ext.get("admin1")),
            place_name=_str(ext.get("place_name")),
            narrative=_str(ext.get("narrative")),
            narrative_lang=_str(ext.get("narrative_lang")),
            killed=as_count(ext.get("killed")),
            wounded=as_count(ext.get("wounded")),
            kidnapped=as_count(ext.get("kidnapped")),
            released=as_count(ext.get("released")),
            civilians_killed=as_count(ext.get("civilians_killed")),
            seized=tuple(s for s in seized if isinstance(s, Mapping))
            if isinstance(seized, list)
            else (),
            source_reliability=_str(ext.get("source_reliability")),
            information_credibility=as_count(ext.get("information_credibility")),
            location_refs=_refs(ext.get("location_refs")),
            actor_refs=_refs(ext.get("actor_refs")),
        )

    @property
    def point(self) -> tuple[float, float] | None:
        """(latitude, longitude), when both are given."""
        if self.latitude is None or self.longitude is None:
            return None
        return self.latitude, self.longitude

    def times(self) -> tuple[datetime, datetime] | None:
        """(start, end) as datetimes, the end no earlier than the start; None without a
        readable start time."""
        if self.start_time is None:
            return None
        try:
            start = parse_stix(self.start_time)
            end = parse_stix(self.end_time or self.start_time)
        except ValueError:
            return None
        return start, max(end, start)


def check_extension(ext: Mapping[str, Any], base: str, problems: list[Problem]) -> None:
    if ext.get("extension_type") != "property-extension":
        problems.append(Problem(f"{base}/extension_type", "must be 'property-extension'"))
    if not isinstance(ext.get("event_type"), str) or not ext.get("event_type"):
        problems.append(Problem(f"{base}/event_type", "is required (a codebook event type)"))
    for prop in TEXTS:
        if prop in ext and not isinstance(ext[prop], str):
            problems.append(Problem(f"{base}/{prop}", "must be a string"))
    for prop in ("start_time", "end_time"):
        if prop in ext:
            try:
                parse_stix(ext[prop])
            except ValueError as exc:
                problems.append(Problem(f"{base}/{prop}", str(exc)))
    if "time_precision" in ext and ext["time_precision"] not in EVENT_PRECISIONS:
        problems.append(
            Problem(f"{base}/time_precision", f"must be one of {sorted(EVENT_PRECISIONS)}")
        )
    if "geo_precision" in ext and ext["geo_precision"] not in GEO_PRECISIONS:
        problems.append(
            Problem(f"{base}/geo_precision", f"must be one of {sorted(GEO_PRECISIONS)}")
        )
    if "latitude" in ext or "longitude" in ext:
        check_number(problems, f"{base}/latitude", ext.get("latitude"), -90, 90)
        check_number(problems, f"{base}/longitude", ext.get("longitude"), -180, 180)
    if "country" in ext and not (
        isinstance(ext["country"], str) and re.fullmatch(r"[A-Z]{2}", ext["country"])
    ):
        problems.append(Problem(f"{base}/country", "must be an ISO 3166-1 alpha-2 code, e.g. 'ML'"))
    for prop in COUNTS:
        if prop in ext:
            check_int(problems, f"{base}/{prop}", ext[prop], 0, 1_000_000)
    if "source_reliability" in ext and ext["source_reliability"] not in RELIABILITY:
        problems.append(Problem(f"{base}/source_reliability", "must be a letter from A to F"))
    if "information_credibility" in ext:
        check_int(problems, f"{base}/information_credibility", ext["information_credibility"], 1, 6)
    for prop in ("location_refs", "actor_refs"):
        if prop in ext:
            check_refs(problems, f"{base}/{prop}", ext[prop])
