"""Country borders from the packaged polygons: which country a point is in, and how
far it is from the nearest land border or from the border between two given countries.

The polygons are Natural Earth 1:10m, simplified so that neighbours keep exactly the
same shared edges (`data/README.md`); that simplification moves a border by at most
about 1 km, which is the tolerance of every distance here. Distances are great-circle
kilometres to the nearest point of the border (found in a local equirectangular
projection around the query point, then measured with the haversine formula).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from shapely import STRtree, affinity
from shapely.geometry import MultiLineString, Point, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import linemerge, nearest_points, unary_union

EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class Country:
    iso2: str
    names: dict[str, str]  # "ar", "fr", "en"
    member: bool
    geometry: BaseGeometry


@dataclass(frozen=True)
class BorderDistance:
    countries: tuple[str, str]  # the two countries the border separates, sorted
    km: float
    nearest: tuple[float, float]  # (lat, lon) of the nearest border point


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


class Borders:
    """The packaged country polygons and the land borders between them."""

    def __init__(self, features: list[dict[str, Any]]) -> None:
        self.countries: dict[str, Country] = {}
        for f in features:
            p = f["properties"]
            self.countries[p["iso2"]] = Country(
                iso2=p["iso2"],
                names={k: p[f"name_{k}"] for k in ("ar", "fr", "en") if p.get(f"name_{k}")},
                member=bool(p.get("member")),
                geometry=shape(f["geometry"]),
            )
        codes = sorted(self.countries)
        self._codes = codes
        self._tree = STRtree([self.countries[c].geometry for c in codes])
        self.lines: dict[tuple[str, str], BaseGeometry] = {}
        for i, a in enumerate(codes):
            ga = self.countries[a].geometry
            for idx in self._tree.query(ga):
                b = codes[int(idx)]
                if b <= a:
                    continue
                shared = ga.boundary.intersection(self.countries[b].geometry.boundary)
                if not shared.is_empty and shared.length > 0:
                    lines = [g for g in getattr(shared, "geoms", [shared]) if g.length > 0]
                    merged = unary_union(lines)
                    if isinstance(merged, MultiLineString):
                        merged = linemerge(merged)
                    self.lines[(a, b)] = merged
            del i

    def country_at(self, lat: float, lon: float) -> str | None:
        """The ISO code of the country containing the point, None at sea or outside."""
        point = Point(lon, lat)
        for idx in self._tree.query(point):
            code = self._codes[int(idx)]
            if self.countries[code].geometry.covers(point):
                return code
        return None

    def neighbours(self, iso2: str) -> list[str]:
        return sorted({b if a == iso2 else a for a, b in self.lines if iso2 in (a, b)})

    def border(self, a: str, b: str) -> BaseGeometry:
        pair = (a, b) if a <= b else (b, a)
        line = self.lines.get(pair)
        if line is None:
            raise KeyError(f"{a} and {b} do not share a land border in the packaged data")
        return line

    def distance_to(self, lat: float, lon: float, a: str, b: str) -> BorderDistance:
        """Distance from the point to the border between countries a and b."""
        line = self.border(a, b)
        pair = (a, b) if a <= b else (b, a)
        return _distance(lat, lon, line, pair)

    def nearest_border(self, lat: float, lon: float, iso2: str | None = None) -> BorderDistance:
        """The nearest land border of the country the point is in (or of `iso2`)."""
        country = iso2 or self.country_at(lat, lon)
        if country is None:
            raise ValueError(f"({lat}, {lon}) is not inside any packaged country")
        candidates = [
            _distance(lat, lon, line, pair) for pair, line in self.lines.items() if country in pair
        ]
        if not candidates:
            raise ValueError(f"{country} has no land border in the packaged data")
        return min(candidates, key=lambda d: d.km)


def _distance(lat: float, lon: float, line: BaseGeometry, pair: tuple[str, str]) -> BorderDistance:
    # Stretch longitudes by cos(lat) so that planar nearest points approximate geodesic ones.
    scale = max(math.cos(math.radians(lat)), 1e-6)
    projected = affinity.scale(line, xfact=scale, yfact=1.0, origin=(0, 0))
    point = Point(lon * scale, lat)
    nearest = nearest_points(point, projected)[1]
    n_lat, n_lon = nearest.y, nearest.x / scale
    return BorderDistance(pair, haversine_km(lat, lon, n_lat, n_lon), (n_lat, n_lon))


@cache
def load_borders() -> Borders:
    """The borders shipped with Hoggar (read once per process)."""
    raw = resources.files("hoggar.geo").joinpath("data/borders.geojson").read_text("utf-8")
    return Borders(json.loads(raw)["features"])
