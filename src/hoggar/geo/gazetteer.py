"""The offline gazetteer: places of the member states and their neighbours.

Data: `data/gazetteer.json.gz` (GeoNames populated places, Hoggar's curated towns and
sites, administrative regions; sources and licences in `data/README.md`), plus an
optional node-local file of extra places and names (`gazetteer-local.json` in the
node's data directory, see docs/gazetteer.md). Names are matched by
`hoggar.text.matching`, the same service that finds armed groups and search terms.
"""

from __future__ import annotations

import gzip
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from hoggar.geo.borders import haversine_km
from hoggar.text.matching import Candidate, Entry, NameIndex, population_weight

LOCAL_FILE = "gazetteer-local.json"
# Prior weights of places GeoNames gives no population for (curated sites, regions).
_KIND_WEIGHT = {
    "admin1": 0.35,
    "capital": 0.8,
    "border-town": 0.5,
    "border-post": 0.4,
    "military-camp": 0.4,
    "military-post": 0.4,
    "town": 0.45,
    "site": 0.4,
}
MEMBER_STATES = frozenset({"DZ", "BF", "TD", "LY", "ML", "MR", "NE"})


@dataclass(frozen=True)
class Place:
    id: str
    name: str
    names: Mapping[str, Sequence[str]]
    country: str
    admin1: str | None
    lat: float
    lon: float
    population: int | None
    kind: str
    source: str

    def name_in(self, lang: str) -> str:
        names = self.names.get(lang)
        return names[0] if names else self.name

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "names": {k: list(v) for k, v in self.names.items()},
            "country": self.country,
            "admin1": self.admin1,
            "lat": self.lat,
            "lon": self.lon,
            "population": self.population,
            "kind": self.kind,
            "source": self.source,
        }


class GazetteerError(ValueError):
    """A gazetteer file is malformed; the message says which entry and why."""


def _place(raw: Mapping[str, Any], where: str) -> Place:
    try:
        lat, lon = float(raw["lat"]), float(raw["lon"])
        names = {str(k): tuple(str(n) for n in v) for k, v in (raw.get("names") or {}).items()}
        place = Place(
            id=str(raw["id"]),
            name=str(raw["name"]),
            names=names,
            country=str(raw["country"]).upper(),
            admin1=raw.get("admin1"),
            lat=lat,
            lon=lon,
            population=int(raw["population"]) if raw.get("population") else None,
            kind=str(raw.get("kind") or "town"),
            source=str(raw.get("source") or "local"),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise GazetteerError(f"{where}: {exc!r} (needs id, name, country, lat, lon)") from exc
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or len(place.country) != 2:
        raise GazetteerError(f"{where}: coordinates or country code out of range")
    return place


class Gazetteer:
    """Places with a name index and a spatial look-up."""

    def __init__(self, places: Iterable[Place]) -> None:
        by_id: dict[str, Place] = {}
        for p in places:
            by_id[p.id] = p  # a local entry with the same id replaces the packaged one
        self.places = list(by_id.values())
        self._by_id = by_id
        self.index = NameIndex(
            Entry(
                id=p.id,
                label=f"{p.name} ({p.country})",
                names=(("", p.name), *((lang, n) for lang, ns in p.names.items() for n in ns)),
                weight=population_weight(p.population)
                if p.population
                else _KIND_WEIGHT.get(p.kind, 0.0),
                # A town and its region often share a name: the town is meant more often.
                # Curated entries (checked names and points) win over raw GeoNames ones.
                # The member states are where incidents are reported: their places come
                # before a namesake village across the border.
                bias=(-0.03 if p.kind == "admin1" else 0.0)
                + (0.02 if p.source.startswith("curated") else 0.0)
                + (0.03 if p.country in MEMBER_STATES else 0.0),
                data=p,
            )
            for p in self.places
        )

    def __len__(self) -> int:
        return len(self.places)

    def get(self, place_id: str) -> Place:
        return self._by_id[place_id]

    def lookup(self, query: str, limit: int = 5, *, country: str | None = None) -> list[Candidate]:
        """Ranked places for a name in any script; each candidate explains its match."""
        accept = (lambda e: e.data.country == country.upper()) if country else None
        return self.index.search(query, limit, accept=accept)

    def near(
        self, lat: float, lon: float, km: float = 50.0, limit: int = 20
    ) -> list[tuple[Place, float]]:
        """Places within `km` of a point, nearest first, with their distance."""
        dlat = km / 111.0
        dlon = km / max(111.32 * math.cos(math.radians(lat)), 1e-6)
        found = [
            (p, haversine_km(lat, lon, p.lat, p.lon))
            for p in self.places
            if abs(p.lat - lat) <= dlat and abs(p.lon - lon) <= dlon and p.kind != "admin1"
        ]
        return sorted((x for x in found if x[1] <= km), key=lambda x: x[1])[:limit]


def _read_packaged() -> list[Place]:
    raw = resources.files("hoggar.geo").joinpath("data/gazetteer.json.gz").read_bytes()
    data = json.loads(gzip.decompress(raw))
    return [_place(p, f"gazetteer.json.gz/places/{i}") for i, p in enumerate(data["places"])]


@cache
def _packaged() -> tuple[Place, ...]:
    return tuple(_read_packaged())


def read_local(path: Path) -> list[Place]:
    """A node's own places: a JSON list of places in the packaged format."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise GazetteerError(f"{path}: {exc}") from exc
    if not isinstance(data, list):
        raise GazetteerError(f"{path}: expected a JSON list of places")
    return [_place(p, f"{path.name}[{i}]") for i, p in enumerate(data)]


_cache: dict[str, tuple[float, Gazetteer]] = {}


def load_gazetteer(data_dir: Path | None = None) -> Gazetteer:
    """The packaged gazetteer plus the node's local file, if any (reloaded when it changes)."""
    local = data_dir / LOCAL_FILE if data_dir else None
    stamp = local.stat().st_mtime if local and local.exists() else 0.0
    key = str(local)
    hit = _cache.get(key)
    if hit and hit[0] == stamp:
        return hit[1]
    extra = read_local(local) if local and stamp else []
    gazetteer = Gazetteer([*_packaged(), *extra])
    _cache[key] = (stamp, gazetteer)
    return gazetteer
