"""Watch-rule criteria: what a rule asks for, checked against one incident."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from shapely.errors import GEOSException
from shapely.geometry import Point, mapping, shape

from hoggar.geo.borders import haversine_km, load_borders
from hoggar.incidents.codebook_load import load_codebook
from hoggar.kernel.errors import Invalid, Problem
from hoggar.stix.types.incident import IncidentFacts


@dataclass(frozen=True)
class Near:
    lat: float
    lon: float
    km: float
    label: str = ""


@dataclass(frozen=True)
class BorderBuffer:
    a: str
    b: str
    km: float


@dataclass(frozen=True)
class Criteria:
    """Every given criterion must hold; an empty criterion does not restrict."""

    event_types: tuple[str, ...] = ()
    sub_types: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    min_killed: int = 0
    near: Near | None = None
    border: BorderBuffer | None = None
    area: dict[str, Any] | None = None  # a GeoJSON Polygon or MultiPolygon (lon, lat)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v not in ((), 0, None)}

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> Criteria:
        """From JSON-like input; Invalid names each wrong criterion."""
        problems: list[Problem] = []
        book = load_codebook()

        def strings(key: str) -> tuple[str, ...]:
            value = raw.get(key) or []
            if isinstance(value, str):
                value = [v.strip() for v in value.split(",") if v.strip()]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                problems.append(Problem(key, "must be a list of strings"))
                return ()
            return tuple(value)

        event_types = strings("event_types")
        known = {t.key for t in book.event_types}
        problems += [
            Problem("event_types", f"{t!r} is not a codebook event type")
            for t in event_types
            if t not in known
        ]
        sub_types = strings("sub_types")
        problems += [
            Problem("sub_types", f"{s!r} is not a codebook sub-type")
            for s in sub_types
            if book.find_sub_type(s) is None
        ]
        countries = tuple(c.upper() for c in strings("countries"))
        problems += [
            Problem("countries", f"{c!r} is not an ISO 3166 code")
            for c in countries
            if len(c) != 2 or not c.isalpha()
        ]
        groups = strings("groups")
        min_killed = raw.get("min_killed") or 0
        if not isinstance(min_killed, int) or isinstance(min_killed, bool) or min_killed < 0:
            problems.append(Problem("min_killed", "must be a whole number, 0 or more"))
            min_killed = 0
        near = None
        if raw.get("near"):
            n = raw["near"]
            try:
                near = Near(
                    float(n["lat"]), float(n["lon"]), float(n["km"]), str(n.get("label", ""))
                )
                if not (-90 <= near.lat <= 90 and -180 <= near.lon <= 180 and 0 < near.km <= 2000):
                    raise ValueError("out of range")
            except (KeyError, TypeError, ValueError):
                problems.append(Problem("near", "needs lat, lon and km (0 < km <= 2000)"))
                near = None
        border = None
        if raw.get("border"):
            b = raw["border"]
            try:
                border = BorderBuffer(str(b["a"]).upper(), str(b["b"]).upper(), float(b["km"]))
                load_borders().border(border.a, border.b)
                if not 0 < border.km <= 500:
                    raise ValueError("km")
            except (KeyError, TypeError, ValueError):
                problems.append(Problem("border", "needs a, b (countries) and km (0 < km <= 500)"))
                border = None
        area = None
        if raw.get("area"):
            try:
                geometry = shape(raw["area"])
                if geometry.geom_type not in ("Polygon", "MultiPolygon") or not geometry.is_valid:
                    raise ValueError(geometry.geom_type)
                area = dict(mapping(geometry))
            except (KeyError, TypeError, ValueError, AttributeError, GEOSException):
                problems.append(Problem("area", "must be a valid GeoJSON Polygon or MultiPolygon"))
        if problems:
            raise Invalid("The watch rule has problems.", problems)
        if not (
            event_types or sub_types or countries or groups or min_killed or near or border or area
        ):
            raise Invalid(
                "A watch rule needs at least one criterion.", [Problem("criteria", "empty")]
            )
        return cls(event_types, sub_types, countries, groups, min_killed, near, border, area)

    def check(self, incident: Mapping[str, Any]) -> list[str] | None:
        """The reasons the incident matches, or None if it does not."""
        inc = IncidentFacts.of(incident)
        reasons: list[str] = []
        if self.event_types:
            if inc.event_type not in self.event_types:
                return None
            reasons.append(f"event type {inc.event_type}")
        if self.sub_types:
            if inc.sub_type not in self.sub_types:
                return None
            reasons.append(f"sub-type {inc.sub_type}")
        if self.countries:
            if inc.country not in self.countries:
                return None
            reasons.append(f"in {inc.country}")
        if self.groups:
            named = set(inc.actor_refs) & set(self.groups)
            if not named:
                return None
            reasons.append("a watched group is named")
        if self.min_killed:
            killed = inc.killed
            if killed is None or killed < self.min_killed:
                return None
            reasons.append(f"{killed} killed")
        point = inc.point
        if self.near:
            if point is None:
                return None
            km = haversine_km(self.near.lat, self.near.lon, *point)
            if km > self.near.km or math.isnan(km):
                return None
            reasons.append(f"{km:.0f} km from {self.near.label or 'the watched point'}")
        if self.border:
            if point is None:
                return None
            distance = load_borders().distance_to(point[0], point[1], self.border.a, self.border.b)
            if distance.km > self.border.km:
                return None
            reasons.append(f"{distance.km:.0f} km from the {self.border.a}-{self.border.b} border")
        if self.area:
            if point is None or not shape(self.area).covers(Point(point[1], point[0])):
                return None
            reasons.append("inside the watched area")
        return reasons
