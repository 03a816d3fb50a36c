"""Synthetic ground truth for duplicate detection, and precision/recall of the scorer.

Events happen at real towns of the member states; each is reported by one to three
organizations with the noise real reports have: a different time precision and a
shifted time, coordinates off by their geo precision, the place written in another
language or transliteration, different casualty counts, a compatible but different
sub-type, a group named by one report only. Unrelated near-misses are added: the same
town another week, a town 100-200 km away the same day, or the same place and day
with an incompatible kind of event.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import combinations

from hoggar.fusion.score import DEFAULT_THRESHOLD, Facts, score_pair, search_window
from hoggar.geo.borders import haversine_km
from hoggar.geo.gazetteer import MEMBER_STATES, Place, load_gazetteer

REPORTERS = [f"identity--0000000{i}-0000-4000-8000-000000000000" for i in range(8)]
GROUPS = [f"intrusion-set--0000000{i}-0000-4000-8000-00000000000a" for i in range(6)]
SUB_TYPES = {
    "ambush": ("battle", ["armed_clash", "attack_on_post"]),
    "attack_on_post": ("battle", ["ambush", "armed_clash"]),
    "ied": ("explosion_remote_violence", ["ambush"]),
    "kidnapping": ("violence_against_civilians", ["attack_on_civilians"]),
    "drug_seizure": ("strategic_development", ["arrest"]),
    "peaceful_protest": ("protest", ["protest_with_intervention"]),
}
EVENT_OF = {
    "armed_clash": "battle",
    "attack_on_post": "battle",
    "ambush": "battle",
    "attack_on_civilians": "violence_against_civilians",
    "arrest": "strategic_development",
    "protest_with_intervention": "protest",
}
INCOMPATIBLE = {
    "ambush": "peaceful_protest",
    "ied": "drug_seizure",
    "kidnapping": "drug_seizure",
    "drug_seizure": "ambush",
    "peaceful_protest": "ied",
    "attack_on_post": "peaceful_protest",
}
TIME_NOISE = {
    "exact": timedelta(hours=2),
    "hour": timedelta(hours=4),
    "day": timedelta(hours=10),
    "week": timedelta(days=3),
}
GEO_NOISE_KM = {"exact": 2.0, "town": 8.0, "district": 20.0}


@dataclass
class Truth:
    reports: list[Facts]
    same: set[frozenset[str]] = field(default_factory=set)  # pairs of report ids


def _shift(lat: float, lon: float, km: float, rng: random.Random) -> tuple[float, float]:
    angle = rng.uniform(0, 2 * math.pi)
    d = rng.uniform(0, km)
    return (
        lat + d * math.cos(angle) / 111.0,
        lon + d * math.sin(angle) / (111.32 * max(math.cos(math.radians(lat)), 0.1)),
    )


def _name(place: Place, rng: random.Random) -> str:
    choices = [n for names in place.names.values() for n in names] or [place.name]
    return rng.choice(choices)


def _report(
    rid: str,
    reporter: str,
    place: Place,
    when: datetime,
    sub: str,
    actors: frozenset[str],
    killed: int | None,
    rng: random.Random,
    noisy: bool,
) -> Facts:
    time_precision = rng.choice(["exact", "hour", "day", "day", "week"]) if noisy else "day"
    geo_precision = rng.choice(["exact", "town", "town", "district"]) if noisy else "town"
    start = when + (rng.uniform(-1, 1) * TIME_NOISE[time_precision] if noisy else timedelta(0))
    if time_precision == "day":
        start = start.replace(hour=0, minute=0, second=0, microsecond=0)
        end = start + timedelta(days=1) - timedelta(milliseconds=1)
    elif time_precision == "week":
        end = start + timedelta(days=7)
    else:
        end = start
    lat, lon = (
        _shift(place.lat, place.lon, GEO_NOISE_KM[geo_precision], rng)
        if noisy
        else (place.lat, place.lon)
    )
    event_type, compatible = SUB_TYPES[sub]
    if noisy and rng.random() < 0.2:
        sub = rng.choice(compatible)
        event_type = EVENT_OF.get(sub, event_type)
    if noisy and actors and rng.random() < 0.3:
        actors = frozenset()
    if noisy and killed is not None:
        killed = None if rng.random() < 0.15 else max(0, round(killed * rng.uniform(0.7, 1.3)))
    return Facts(
        id=rid,
        originator=reporter,
        start=start,
        end=end,
        time_precision=time_precision,
        lat=lat,
        lon=lon,
        geo_precision=geo_precision,
        event_type=event_type,
        sub_type=sub,
        actors=actors,
        killed=killed,
        place_name=_name(place, rng),
        country=place.country,
    )


def generate(events: int = 400, seed: int = 11, near_misses: float = 0.5) -> Truth:
    rng = random.Random(seed)
    towns = [
        p
        for p in load_gazetteer().places
        if p.country in MEMBER_STATES and p.kind != "admin1" and (p.population or 0) >= 2000
    ]
    truth = Truth(reports=[])
    base = datetime(2024, 1, 1, tzinfo=UTC)
    n = 0

    def rid() -> str:
        nonlocal n
        n += 1
        return f"incident--{n:08d}-0000-4000-8000-000000000000"

    for _ in range(events):
        place = rng.choice(towns)
        when = base + timedelta(minutes=rng.randrange(0, 2 * 365 * 24 * 60))
        sub = rng.choice(list(SUB_TYPES))
        actors = frozenset(rng.sample(GROUPS, 1)) if rng.random() < 0.6 else frozenset()
        killed = (
            rng.choice([0, 1, 2, 3, 5, 8, 12, 20])
            if sub in ("ambush", "attack_on_post", "ied")
            else None
        )
        reporters = rng.sample(REPORTERS, rng.choice([1, 2, 2, 3]))
        ids = []
        for reporter in reporters:
            ids.append(rid())
            truth.reports.append(
                _report(ids[-1], reporter, place, when, sub, actors, killed, rng, True)
            )
        truth.same |= {frozenset(p) for p in combinations(ids, 2)}
        if rng.random() < near_misses:
            kind = rng.choice(["later", "elsewhere", "other-type"])
            other_when, other_place, other_sub = when, place, sub
            if kind == "later":
                other_when = when + timedelta(days=rng.choice([-1, 1]) * rng.uniform(8, 30))
            elif kind == "elsewhere":
                far = [t for t in towns if 100 <= _km(t, place) <= 200]
                if not far:
                    continue
                other_place = rng.choice(far)
            else:
                other_sub = INCOMPATIBLE[sub]
            truth.reports.append(
                _report(
                    rid(),
                    rng.choice(REPORTERS),
                    other_place,
                    other_when,
                    other_sub,
                    frozenset(rng.sample(GROUPS, 1)) if rng.random() < 0.5 else frozenset(),
                    killed,
                    rng,
                    True,
                )
            )
    return truth


def _km(a: Place, b: Place) -> float:
    return haversine_km(a.lat, a.lon, b.lat, b.lon)


@dataclass(frozen=True)
class Scores:
    threshold: float
    true_pairs: int
    predicted: int
    correct: int

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.true_pairs if self.true_pairs else 1.0


def candidate_pairs(reports: Iterable[Facts]) -> Iterable[tuple[Facts, Facts]]:
    """Pairs within each other's search window (sweep over start times)."""
    ordered = sorted(reports, key=lambda f: f.start)
    for i, a in enumerate(ordered):
        _, until, radius = search_window(a)
        for b in ordered[i + 1 :]:
            if b.start > until:
                break
            if a.lat is not None and b.lat is not None and abs(a.lat - b.lat) * 111 > radius:
                continue
            yield a, b


def evaluate(truth: Truth, threshold: float = DEFAULT_THRESHOLD) -> Scores:
    predicted = {
        frozenset((a.id, b.id))
        for a, b in candidate_pairs(truth.reports)
        if score_pair(a, b).score >= threshold
    }
    return Scores(threshold, len(truth.same), len(predicted), len(predicted & truth.same))
