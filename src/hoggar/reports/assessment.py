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

from hoggar.sharing.rule import Principal
from hoggar.stix import queries

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


def _rows(
    session: Session,
    principal: Principal,
    period: Period,
    sub_types: Sequence[str],
    countries: Sequence[str],
    also_readable_by: str | None = None,
) -> list[Any]:
    lo, hi = period.bounds()
    flt = queries.ObjectFilter(
        types=("incident",),
        sub_types=tuple(sub_types),
        countries=tuple(countries),
        start_after=lo,
        start_before=hi,
        fused_once=True,
        also_readable_by=also_readable_by,
    )
    return queries.incident_facts(session, principal, flt)


def _figures(rows: Sequence[Any]) -> Figures:
    out = Figures()
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
            out.points.append((r.lat, r.lon))
        for item, unit, quantity in json.loads(r.seized) if r.seized else ():
            out.seized[(item, unit)] += quantity
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
    results = []
    for theme in themes or THEMES:
        subs = THEMES[theme]
        if current_rows is not None:
            rows = [r for r in current_rows if r.sub_type in subs]
        else:
            rows = _rows(session, principal, period, subs, countries, also_readable_by)
        current = _figures(rows)
        previous = _figures(
            _rows(session, principal, period.previous(), subs, countries, also_readable_by)
        )
        links = {"current": _query(subs, period), "previous": _query(subs, period.previous())}
        links.update({f"country:{c}": _query(subs, period, c) for c in current.by_country})
        results.append(ThemeResult(theme, current, previous, links))
    return Assessment(period, tuple(countries), results)
