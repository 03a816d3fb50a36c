"""Indicators per theme over a period, compared with the period before it.

Themes (the joint staff's words: terrorism and crime, securing borders, smuggling,
arms above all) are sets of codebook sub-types; each theme's indicators are counted
over the incidents the reader may see, fused events once (a report marked
duplicate-of another is left out), by country and month. Seizures are summed by item
kind and unit from the incidents' seized items. Every figure carries the incident-list
query that shows the records behind it.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from hoggar.context import Principal
from hoggar.store import aggregates
from hoggar.store.filters import ObjectFilter

THEMES: dict[str, tuple[str, ...]] = {
    "armed-group-violence": (
        "armed_clash",
        "ambush",
        "attack_on_post",
        "government_regains_territory",
        "non_state_actor_overtakes_territory",
        "ied",
        "suicide_attack",
        "rocket_mortar",
        "air_drone_strike",
        "grenade",
    ),
    "kidnapping": ("kidnapping", "kidnapping_foreign_national", "hostage_release"),
    "arms-smuggling": ("arms_seizure",),
    "drug-smuggling": ("drug_seizure",),
    "human-smuggling": ("human_trafficking_interception",),
    "border-security": ("border_incursion", "fuel_smuggling"),
    "civilian-harm": (
        "attack_on_civilians",
        "sexual_violence",
        "kidnapping",
        "looting_property_destruction",
    ),
}
MEASURES = ("incidents", "killed", "civilians_killed", "wounded", "kidnapped", "released")


@dataclass(frozen=True)
class Period:
    start: date  # first day
    end: date  # last day, inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        end = self.start - timedelta(days=1)
        return Period(end - timedelta(days=self.days - 1), end)

    def months(self) -> list[str]:
        """ "YYYY-MM" of every month the period touches."""
        out, d = [], self.start.replace(day=1)
        while d <= self.end:
            out.append(d.strftime("%Y-%m"))
            d = (d + timedelta(days=32)).replace(day=1)
        return out

    def bounds(self) -> tuple[datetime, datetime]:
        lo = datetime(self.start.year, self.start.month, self.start.day, tzinfo=UTC)
        return lo, lo + timedelta(days=self.days)


@dataclass
class Figures:
    values: Counter[str] = field(default_factory=Counter)
    seized: Counter[tuple[str, str]] = field(default_factory=Counter)  # (item, unit) → qty
    by_country: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    by_month: Counter[str] = field(default_factory=Counter)  # "YYYY-MM" → incidents
    by_region: Counter[tuple[str, str]] = field(default_factory=Counter)  # (country, admin1)
    points: list[tuple[float, float]] = field(default_factory=list)  # (lat, lon)


@dataclass
class ThemeResult:
    theme: str
    current: Figures
    previous: Figures
    links: dict[str, str]  # "current", "previous", "country:XX" → incident list query

    def change(self, measure: str) -> float | None:
        before = self.previous.values[measure]
        now = self.current.values[measure]
        return None if before == 0 else (now - before) / before


@dataclass
class Assessment:
    period: Period
    countries: tuple[str, ...]
    themes: list[ThemeResult]


def _filter(
    period: Period,
    sub_types: Sequence[str],
    countries: Sequence[str],
    also_readable_by: str | None = None,
) -> ObjectFilter:
    lo, hi = period.bounds()
    return ObjectFilter(
        types=("incident",),
        sub_types=tuple(sub_types),
        countries=tuple(countries),
        start_after=lo,
        start_before=hi,
        fused_once=True,
        also_readable_by=also_readable_by,
    )


def _centres(cells: set[tuple[int, int]]) -> list[tuple[float, float]]:
    """Map points: the centre of each map cell (`aggregates.map_cell`) holding incidents."""
    step = 1 / aggregates.CELLS_PER_DEGREE
    return [((y + 0.5) * step - 90, (x + 0.5) * step - 180) for y, x in sorted(cells)]


def _add_seized(out: Figures, seized: str | None) -> None:
    for item, unit, quantity in json.loads(seized) if seized else ():
        out.seized[(item, unit)] += quantity


def _figures(rows: Sequence[Any]) -> Figures:
    """A theme's figures from its incident rows (`aggregates.incident_facts`)."""
    out = Figures()
    cells: set[tuple[int, int]] = set()
    for r in rows:
        civilians = r.civilians_killed
        if civilians is None:
            civilians = (r.killed or 0) if r.event_type == "violence_against_civilians" else 0
        values = {
            "incidents": 1,
            "killed": r.killed or 0,
            "civilians_killed": civilians,
            "wounded": r.wounded or 0,
            "kidnapped": r.kidnapped or 0,
            "released": r.released or 0,
        }
        out.values.update(values)
        out.by_country[r.country or "??"].update(values)
        if r.start_at is not None:
            out.by_month[r.start_at.strftime("%Y-%m")] += 1
        if r.admin1:
            out.by_region[(r.country or "??", r.admin1)] += 1
        if r.lat is not None and r.lon is not None:
            cells.add(aggregates.map_cell(r.lat, r.lon))
        _add_seized(out, r.seized)
    out.points = _centres(cells)
    return out


def _grouped_figures(groups: aggregates.IncidentGroups, sub_types: Sequence[str]) -> Figures:
    """The same figures from sums made by the database (`aggregates.incident_groups`)."""
    subs = set(sub_types)
    out = Figures()
    for sub, country, month, sums in groups.sums:
        if sub not in subs:
            continue
        values = dict(zip(MEASURES, sums, strict=True))
        out.values.update(values)
        out.by_country[country or "??"].update(values)
        if month:
            out.by_month[month] += sums[0]
    for sub, country, admin1, n in groups.regions:
        if sub in subs:
            out.by_region[(country or "??", admin1)] += n
    out.points = _centres({(y, x) for sub, y, x in groups.places if sub in subs})
    for sub, seized in groups.seized:
        if sub in subs:
            _add_seized(out, seized)
    return out


def _query(sub_types: Sequence[str], period: Period, country: str | None = None) -> str:
    params = {
        "sub_type": ",".join(sub_types),
        "since": period.start.isoformat(),
        "until": period.end.isoformat(),
    }
    if country:
        params["country"] = country
    return urlencode(params)


def assess(
    session: Session,
    principal: Principal,
    period: Period,
    countries: Sequence[str] = (),
    themes: Sequence[str] = (),
    also_readable_by: str | None = None,
    current_rows: Sequence[Any] | None = None,
) -> Assessment:
    """Each theme's figures for `period` and the period before, as `principal` may see.

    `current_rows`: the period's incidents already read with the same filter (every
    sub-type), as a situation report has them; the themes then take theirs from it."""
    chosen = list(themes or THEMES)
    every = sorted({s for t in chosen for s in THEMES[t]})

    def grouped(p: Period) -> aggregates.IncidentGroups:
        flt = _filter(p, every, countries, also_readable_by)
        return aggregates.incident_groups(session, principal, flt)

    now = grouped(period) if current_rows is None else None
    before = grouped(period.previous())
    results = []
    for theme in chosen:
        subs = THEMES[theme]
        if current_rows is not None:
            current = _figures([r for r in current_rows if r.sub_type in subs])
        else:
            assert now is not None
            current = _grouped_figures(now, subs)
        previous = _grouped_figures(before, subs)
        links = {"current": _query(subs, period), "previous": _query(subs, period.previous())}
        links.update({f"country:{c}": _query(subs, period, c) for c in current.by_country})
        results.append(ThemeResult(theme, current, previous, links))
    return Assessment(period, tuple(countries), results)
