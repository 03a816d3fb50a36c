"""Is this the same event? Scoring two incident reports, part by part, with reasons.

Pure functions over `Facts` (what a report says), so the same scoring serves the
database search (`hoggar.fusion.service`) and the evaluation on synthetic ground truth
(`hoggar.fusion.truth`). Each part gives a similarity in [0, 1] and a sentence; the
score is their weighted mean, and some parts veto a match outright (places too far
apart for both reports' precision, times that cannot overlap, incompatible types,
different armed groups both named).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from hoggar.geo.borders import haversine_km
from hoggar.stix.types.incident import IncidentFacts
from hoggar.text.normalize import key_variants, normalize

# How far a report's point may be from the event, by geo precision (km), and how far
# its time may be from the event's, by time precision.
GEO_RADIUS_KM = {"exact": 10.0, "town": 25.0, "district": 60.0, "region": 150.0, "country": 500.0}
TIME_SLACK = {
    "exact": timedelta(hours=6),
    "hour": timedelta(hours=12),
    "day": timedelta(days=1),
    "week": timedelta(days=4),
    "month": timedelta(days=16),
    "year": timedelta(days=183),
}
DEFAULT_THRESHOLD = 0.72
# Sub-types that partners often file differently for one event.
COMPATIBLE = [
    {"armed_clash", "ambush", "attack_on_post"},
    {"ied", "suicide_attack", "rocket_mortar", "grenade", "air_drone_strike"},
    {"attack_on_civilians", "kidnapping", "kidnapping_foreign_national", "mob_violence"},
    {"arms_seizure", "drug_seizure", "fuel_smuggling", "human_trafficking_interception", "arrest"},
    {"peaceful_protest", "protest_with_intervention", "violent_demonstration"},
    {"ambush", "ied"},  # an ambush opened by a roadside bomb
    {"attack_on_post", "suicide_attack", "rocket_mortar"},
]
WEIGHTS = {"place": 0.3, "time": 0.25, "type": 0.2, "actors": 0.1, "counts": 0.1, "names": 0.05}


@dataclass(frozen=True)
class Facts:
    """What one incident report says, as far as matching is concerned."""

    id: str
    originator: str
    start: datetime
    end: datetime
    time_precision: str
    lat: float | None
    lon: float | None
    geo_precision: str
    event_type: str | None
    sub_type: str | None
    actors: frozenset[str] = frozenset()
    killed: int | None = None
    wounded: int | None = None
    kidnapped: int | None = None
    place_name: str = ""
    country: str | None = None

    @property
    def radius_km(self) -> float:
        return GEO_RADIUS_KM.get(self.geo_precision, 60.0)

    @property
    def slack(self) -> timedelta:
        return TIME_SLACK.get(self.time_precision, timedelta(days=1))

    @classmethod
    def from_incident(cls, obj: Mapping[str, Any]) -> Facts | None:
        """From a STIX incident with the Hoggar extension; None without a start time."""
        inc = IncidentFacts.of(obj)
        times = inc.times()
        if times is None:
            return None
        start, end = times
        return cls(
            id=str(obj["id"]),
            originator=str(obj.get("created_by_ref") or ""),
            start=start,
            end=end,
            time_precision=inc.time_precision or "day",
            lat=inc.latitude,
            lon=inc.longitude,
            geo_precision=inc.geo_precision or "town",
            event_type=inc.event_type,
            sub_type=inc.sub_type,
            actors=frozenset(inc.actor_refs),
            killed=inc.killed,
            wounded=inc.wounded,
            kidnapped=inc.kidnapped,
            place_name=inc.place_name or "",
            country=inc.country,
        )


@dataclass(frozen=True)
class Part:
    name: str
    similarity: float
    reason: str


@dataclass(frozen=True)
class Match:
    a: str
    b: str
    score: float
    parts: tuple[Part, ...] = field(default=())
    veto: str = ""

    @property
    def explanation(self) -> list[str]:
        return [self.veto] if self.veto else [p.reason for p in self.parts]


def search_window(f: Facts) -> tuple[datetime, datetime, float]:
    """The time range and radius (km) to search for other reports of the same event.

    Wide enough for any partner report of up to week and district precision (what the
    vetoes below allow); coarser reports are matched when they fall inside it.
    """
    slack = 2 * (f.slack + TIME_SLACK["week"])
    return f.start - slack, f.end + slack, 2 * (f.radius_km + GEO_RADIUS_KM["district"])


def _place(a: Facts, b: Facts) -> Part | str:
    if a.lat is None or b.lat is None or a.lon is None or b.lon is None:
        same = a.country and a.country == b.country
        return Part("place", 0.5 if same else 0.2, "no coordinates on one report")
    km = haversine_km(a.lat, a.lon, b.lat, b.lon)
    allowed = a.radius_km + b.radius_km
    if km > 2 * allowed:
        return f"{km:.0f} km apart, more than both reports' precision allows ({allowed:.0f} km)"
    similarity = math.exp(-km / allowed * 1.5)
    return Part(
        "place",
        similarity,
        f"{km:.0f} km apart (within {allowed:.0f} km for "
        f"{a.geo_precision}/{b.geo_precision} precision)",
    )


def _time(a: Facts, b: Facts) -> Part | str:
    slack = a.slack + b.slack
    gap = max(a.start - b.end, b.start - a.end, timedelta(0))
    if gap > 2 * slack:
        return f"{gap.total_seconds() / 86400:.1f} days apart, beyond both reports' time precision"
    if gap == timedelta(0):
        return Part("time", 1.0, "the reported times overlap")
    return Part(
        "time",
        max(0.0, 1 - gap / (2 * slack)),
        f"{gap.total_seconds() / 3600:.0f} h apart "
        f"(precision {a.time_precision}/{b.time_precision})",
    )


def _type(a: Facts, b: Facts) -> Part | str:
    if a.sub_type and a.sub_type == b.sub_type:
        return Part("type", 1.0, f"same sub-type ({a.sub_type})")
    if a.sub_type and b.sub_type and any({a.sub_type, b.sub_type} <= group for group in COMPATIBLE):
        return Part("type", 0.75, f"compatible sub-types ({a.sub_type}, {b.sub_type})")
    if a.event_type and a.event_type == b.event_type:
        return Part("type", 0.5, f"same event type ({a.event_type})")
    return f"incompatible event types ({a.sub_type or a.event_type}, {b.sub_type or b.event_type})"


def _actors(a: Facts, b: Facts) -> Part | str:
    if a.actors and b.actors:
        shared = a.actors & b.actors
        if not shared:
            return "different armed groups named by each report"
        return Part("actors", 1.0, f"{len(shared)} armed group(s) named by both")
    if a.actors or b.actors:
        return Part("actors", 0.6, "only one report names an armed group")
    return Part("actors", 0.6, "neither report names an armed group")


def _counts(a: Facts, b: Facts) -> Part:
    pairs = [
        (k, x, y)
        for k, x, y in (
            ("killed", a.killed, b.killed),
            ("wounded", a.wounded, b.wounded),
            ("kidnapped", a.kidnapped, b.kidnapped),
        )
        if x is not None and y is not None and (x or y)
    ]
    if not pairs:
        return Part("counts", 0.6, "no casualty figures to compare")
    sims = [1 - abs(x - y) / max(x, y) for _, x, y in pairs]
    text = ", ".join(f"{k} {x} vs {y}" for k, x, y in pairs)
    return Part("counts", sum(sims) / len(sims), text)


def _names(a: Facts, b: Facts) -> Part:
    if not a.place_name or not b.place_name:
        return Part("names", 0.5, "a place name is missing")
    if normalize(a.place_name) == normalize(b.place_name):
        return Part("names", 1.0, f"same place name ({a.place_name})")
    if key_variants(a.place_name) & key_variants(b.place_name):
        return Part("names", 0.9, f"{a.place_name} ~ {b.place_name} (transliteration)")
    return Part("names", 0.3, f"different place names ({a.place_name}, {b.place_name})")


def score_pair(a: Facts, b: Facts) -> Match:
    """How likely two reports describe the same event, with the reasons."""
    parts: list[Part] = []
    for check in (_place, _time, _type, _actors):
        result = check(a, b)
        if isinstance(result, str):
            return Match(a.id, b.id, 0.0, tuple(parts), veto=result)
        parts.append(result)
    parts += [_counts(a, b), _names(a, b)]
    score = sum(WEIGHTS[p.name] * p.similarity for p in parts)
    return Match(a.id, b.id, round(score, 4), tuple(parts))
