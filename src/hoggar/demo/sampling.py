"""Random draws for one incident: when, where exactly, how many victims, what was seized."""

from __future__ import annotations

import calendar
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from hoggar.demo.catalog import Casualty, Catalog, Place, SeizedSpec, SubType, Theatre

PERIOD_START = datetime(2019, 1, 1, tzinfo=UTC)
PERIOD_END = datetime(2025, 12, 31, 23, 59, 59, 999000, tzinfo=UTC)
_MS = timedelta(milliseconds=1)
K = TypeVar("K")

# ACLED-style precision mixes: communiqués on seizures and arrests often cover a week.
TIME_PRECISION = {
    "violent": {"day": 72, "hour": 10, "exact": 6, "week": 8, "month": 4},
    "strategic_development": {"day": 55, "week": 30, "month": 5, "hour": 5, "exact": 5},
}
GEO_PRECISION = {"exact": 20, "town": 55, "district": 20, "region": 5}
GEO_PRECISION_APPROXIMATE = {"district": 3, "region": 1}
# Distance (km) between the recorded point and the town, per geo precision.
JITTER_KM = {
    "exact": (1.0, 12.0),
    "town": (0.0, 2.0),
    "district": (8.0, 35.0),
    "region": (0.0, 0.0),
}
# NATO Admiralty grading: reporting on one's own territory is graded higher.
RELIABILITY = {
    True: {"A": 25, "B": 45, "C": 22, "D": 6, "E": 1, "F": 1},
    False: {"B": 35, "C": 40, "D": 15, "F": 10},
}
CREDIBILITY = {True: {1: 25, 2: 40, 3: 25, 4: 6, 5: 2, 6: 2}, False: {2: 30, 3: 40, 4: 20, 6: 10}}


def pick(rng: random.Random, weights: Mapping[K, float]) -> K:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


@dataclass(frozen=True)
class Cell:
    """One theatre in one month: the unit the incident count is spread over."""

    theatre: Theatre
    year: int
    month: int


@dataclass(frozen=True)
class Calendar:
    cells: tuple[Cell, ...]
    cum_weights: tuple[float, ...]

    def draw(self, rng: random.Random) -> Cell:
        return rng.choices(self.cells, cum_weights=self.cum_weights)[0]


def build_calendar(cat: Catalog) -> Calendar:
    """Weights = theatre share x yearly trend x seasonality x days in the month."""
    cells: list[Cell] = []
    cum: list[float] = []
    total = 0.0
    for theatre in cat.theatres:
        for y_index, year in enumerate(cat.years):
            for month in range(1, 13):
                days = calendar.monthrange(year, month)[1]
                total += theatre.share * theatre.trend[y_index] * theatre.season[month - 1] * days
                cells.append(Cell(theatre, year, month))
                cum.append(total)
    return Calendar(tuple(cells), tuple(cum))


def _draw_hour(rng: random.Random, pattern: str) -> int:
    if pattern == "dawn" and rng.random() < 0.6:
        return rng.randint(4, 7)
    if pattern == "night":
        return rng.choice([19, 20, 21, 22, 23, 0, 1, 2, 3])
    if pattern in ("day", "dawn"):
        return rng.randint(7, 18)
    return rng.randint(0, 23)


@dataclass(frozen=True)
class When:
    start: datetime
    end: datetime
    precision: str


def draw_when(rng: random.Random, cell: Cell, sub: SubType) -> When:
    """Start, end and precision: a day precision spans the whole day (ACLED practice)."""
    day = rng.randint(1, calendar.monthrange(cell.year, cell.month)[1])
    moment = datetime(
        cell.year, cell.month, day, _draw_hour(rng, sub.hour), rng.randrange(0, 60, 5), tzinfo=UTC
    )
    kind = "strategic_development" if sub.event_type == "strategic_development" else "violent"
    precision = pick(rng, TIME_PRECISION[kind])
    midnight = moment.replace(hour=0, minute=0)
    if precision == "exact":
        start, end = moment, moment + timedelta(minutes=rng.randint(20, 240))
    elif precision == "hour":
        start = moment.replace(minute=0)
        end = start + timedelta(hours=1) - _MS
    elif precision == "day":
        start, end = midnight, midnight + timedelta(days=1) - _MS
    elif precision == "week":
        start = midnight - timedelta(days=midnight.weekday())
        end = start + timedelta(days=7) - _MS
    else:
        start = midnight.replace(day=1)
        end = start + timedelta(days=calendar.monthrange(cell.year, cell.month)[1]) - _MS
    return When(max(start, PERIOD_START), min(end, PERIOD_END), precision)


def draw_reported_at(rng: random.Random, when: When) -> datetime:
    """When the originator entered the report: hours to days after the event."""
    if when.precision in ("exact", "hour"):
        at = when.start + timedelta(seconds=rng.randint(3600, 18 * 3600))
    else:
        at = when.end + timedelta(seconds=rng.randint(1800, 3 * 24 * 3600))
    return min(at.replace(microsecond=0), PERIOD_END)


def draw_point(rng: random.Random, place: Place) -> tuple[float, float, str]:
    """Latitude, longitude and geo precision: a few km around the town, more when vaguer."""
    if place.coastal:
        return place.lat, place.lon, "town"
    table = GEO_PRECISION_APPROXIMATE if place.quality == "approximate" else GEO_PRECISION
    precision = pick(rng, table)
    low, high = JITTER_KM[precision]
    km, bearing = rng.uniform(low, high), rng.uniform(0.0, 2 * math.pi)
    lat = place.lat + km * math.cos(bearing) / 111.32
    lon = place.lon + km * math.sin(bearing) / (111.32 * math.cos(math.radians(place.lat)))
    return round(lat, 4), round(lon, 4), precision


def draw_count(rng: random.Random, spec: Casualty | None) -> int:
    """Zero with probability p_zero, else a lognormal count: mostly small, a long tail."""
    if spec is None or rng.random() < spec.p_zero:
        return 0
    return min(spec.cap, max(1, round(rng.lognormvariate(spec.mu, spec.sigma))))


def draw_civilians(rng: random.Random, killed: int, share: float) -> int:
    if share >= 1.0:
        return killed
    return sum(1 for _ in range(killed) if rng.random() < share)


def _round_quantity(q: float) -> int:
    step = 1 if q < 20 else 5 if q < 200 else 10 if q < 2000 else 50
    return max(1, int(round(q / step) * step))


def log_uniform(rng: random.Random, low: int, high: int) -> int:
    return _round_quantity(math.exp(rng.uniform(math.log(max(low, 1)), math.log(max(high, 1)))))


def draw_seized(
    rng: random.Random, specs: Sequence[SeizedSpec], cat: Catalog
) -> list[dict[str, Any]]:
    """Items seized in one operation; a seizure always seizes at least its main item."""
    chosen = [s for s in specs if rng.random() < s.p] or list(specs[:1])
    return [
        {
            "item": s.item,
            "quantity": log_uniform(rng, s.low, s.high),
            "unit": cat.items[s.item].unit,
        }
        for s in chosen
    ]


def draw_grading(rng: random.Random, own_territory: bool) -> tuple[str, int]:
    """Source reliability (A-F) and information credibility (1-6)."""
    return pick(rng, RELIABILITY[own_territory]), pick(rng, CREDIBILITY[own_territory])
