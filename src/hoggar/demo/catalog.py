"""The curated demo data (places, groups, organizations, codebook, theatres) as typed records."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

LANGS = ("ar", "fr", "en")
Texts = dict[str, str]


@dataclass(frozen=True)
class Place:
    key: str
    country: str
    admin1: str
    lat: float
    lon: float
    kind: str
    quality: str
    names: Texts
    aliases: tuple[str, ...]
    neighbours: tuple[str, ...]
    coastal: bool  # recorded at the town point: a jittered one could fall in the sea


@dataclass(frozen=True)
class Group:
    key: str
    stix_type: str
    role: str
    family: str
    names: Texts
    short: Texts
    fighters: Texts
    aliases: tuple[str, ...]
    first_seen: str
    last_seen: str | None
    description: str
    goals: tuple[str, ...]
    resource_level: str
    primary_motivation: str
    threat_actor_types: tuple[str, ...]


@dataclass(frozen=True)
class GroupLink:
    source: str
    target: str
    description: str


@dataclass(frozen=True)
class Org:
    key: str
    name: str
    country: str | None
    kind: str
    names: Texts
    languages: dict[str, float]


@dataclass(frozen=True)
class Casualty:
    """[probability of zero, mu, sigma, cap] of a lognormal count."""

    p_zero: float
    mu: float
    sigma: float
    cap: int


@dataclass(frozen=True)
class SeizedSpec:
    item: str
    p: float
    low: int
    high: int


@dataclass(frozen=True)
class SubType:
    key: str
    event_type: str
    sub_type: str
    actors: str  # "any" | "jihadist" | "smuggling" | "none"
    only: tuple[str, ...]  # the groups allowed, when narrower than the role
    actor_required: bool
    hour: str
    toll: str  # "always" | "if_any" | "never"
    unclaimed: str  # phrase key used when no actor is known
    killed: Casualty | None
    wounded: Casualty | None
    kidnapped: Casualty | None
    released: Casualty | None
    civilian_share: float
    arrested: tuple[int, int] | None
    migrants: tuple[int, int] | None
    seized: tuple[SeizedSpec, ...]
    title: Texts
    narrative: Texts


@dataclass(frozen=True)
class Item:
    key: str
    unit: str
    forms: dict[str, tuple[str, ...]]  # one form (mass noun) or (singular, plural)


@dataclass(frozen=True)
class Phrases:
    unidentified_short: Texts
    unidentified_fighters: Texts
    attributed: Texts
    unclaimed: Texts
    inquiry: Texts
    no_casualties: Texts
    units: dict[str, Texts]


@dataclass(frozen=True)
class Theatre:
    key: str
    share: float
    season: tuple[float, ...]
    trend: tuple[float, ...]
    places: dict[str, float]
    actors: dict[str, float]
    events: dict[str, float]
    reporters: dict[str, float]


@dataclass(frozen=True)
class Catalog:
    places: dict[str, Place]
    groups: dict[str, Group]
    links: tuple[GroupLink, ...]
    orgs: dict[str, Org]
    field_countries: tuple[str, ...]
    forces: dict[str, dict[str, Texts]]
    sub_types: dict[str, SubType]
    items: dict[str, Item]
    phrases: Phrases
    years: tuple[int, ...]
    theatres: tuple[Theatre, ...]


def _read(name: str) -> Any:
    return json.loads(resources.files("hoggar.demo").joinpath("data", name).read_text("utf-8"))


def read_article(name: str) -> str:
    """One of the two sample articles shipped with the demo, verbatim."""
    return resources.files("hoggar.demo").joinpath("data", name).read_text("utf-8")


def _texts(raw: Any) -> Texts:
    return {lang: str(raw[lang]) for lang in LANGS if lang in raw}


def _casualty(raw: Any) -> Casualty | None:
    if raw is None:
        return None
    p_zero, mu, sigma, cap = raw
    return Casualty(float(p_zero), float(mu), float(sigma), int(cap))


def _range(raw: Any) -> tuple[int, int] | None:
    return (int(raw[0]), int(raw[1])) if raw is not None else None


def _place(raw: Any) -> Place:
    return Place(
        key=raw["key"],
        country=raw["country"],
        admin1=raw["admin1"],
        lat=float(raw["lat"]),
        lon=float(raw["lon"]),
        kind=raw["kind"],
        quality=raw["quality"],
        names=_texts(raw["names"]),
        aliases=tuple(raw["aliases"]),
        neighbours=tuple(raw["neighbours"]),
        coastal=bool(raw.get("coastal", False)),
    )


def _group(raw: Any) -> Group:
    return Group(
        key=raw["key"],
        stix_type=raw["stix_type"],
        role=raw["role"],
        family=raw["family"],
        names=_texts(raw["names"]),
        short=_texts(raw["short"]),
        fighters=_texts(raw["fighters"]),
        aliases=tuple(raw["aliases"]),
        first_seen=raw["first_seen"],
        last_seen=raw.get("last_seen"),
        description=raw["description"],
        goals=tuple(raw.get("goals", ())),
        resource_level=raw["resource_level"],
        primary_motivation=raw["primary_motivation"],
        threat_actor_types=tuple(raw.get("threat_actor_types", ())),
    )


def _sub_type(key: str, raw: Any) -> SubType:
    return SubType(
        key=key,
        event_type=raw["event_type"],
        sub_type=raw.get("sub_type", key),
        actors=raw["actors"],
        only=tuple(raw.get("only", ())),
        actor_required=bool(raw.get("actor_required", False)),
        hour=raw["hour"],
        toll=raw["toll"],
        unclaimed=raw["unclaimed"],
        killed=_casualty(raw.get("killed")),
        wounded=_casualty(raw.get("wounded")),
        kidnapped=_casualty(raw.get("kidnapped")),
        released=_casualty(raw.get("released")),
        civilian_share=float(raw.get("civilian_share", 0.0)),
        arrested=_range(raw.get("arrested")),
        migrants=_range(raw.get("migrants")),
        seized=tuple(
            SeizedSpec(s["item"], float(s["p"]), int(s["min"]), int(s["max"]))
            for s in raw.get("seized", ())
        ),
        title=_texts(raw["title"]),
        narrative=_texts(raw["narrative"]),
    )


def _item(key: str, raw: Any) -> Item:
    forms = {
        lang: (raw[lang],) if isinstance(raw[lang], str) else tuple(raw[lang]) for lang in LANGS
    }
    return Item(key=key, unit=raw["unit"], forms=forms)


def _phrases(raw: Any) -> Phrases:
    return Phrases(
        unidentified_short=_texts(raw["unidentified"]["short"]),
        unidentified_fighters=_texts(raw["unidentified"]["fighters"]),
        attributed=_texts(raw["attributed"]),
        unclaimed=_texts(raw["unclaimed"]),
        inquiry=_texts(raw["inquiry"]),
        no_casualties=_texts(raw["no_casualties"]),
        units={unit: _texts(t) for unit, t in raw["units"].items()},
    )


def _theatre(raw: Any, seasons: Any) -> Theatre:
    return Theatre(
        key=raw["key"],
        share=float(raw["share"]),
        season=tuple(float(x) for x in seasons[raw["season"]]),
        trend=tuple(float(x) for x in raw["trend"]),
        places={k: float(v) for k, v in raw["places"].items()},
        actors={k: float(v) for k, v in raw["actors"].items()},
        events={k: float(v) for k, v in raw["events"].items()},
        reporters={k: float(v) for k, v in raw["reporters"].items()},
    )


@cache
def load_catalog() -> Catalog:
    """Read and type every curated file once per process."""
    places, groups, orgs = _read("places.json"), _read("groups.json"), _read("orgs.json")
    events, theatres = _read("events.json"), _read("theatres.json")
    return Catalog(
        places={p["key"]: _place(p) for p in places["places"]},
        groups={g["key"]: _group(g) for g in groups["groups"]},
        links=tuple(GroupLink(x["source"], x["target"], x["description"]) for x in groups["links"]),
        orgs={
            o["key"]: Org(
                key=o["key"],
                name=o["name"],
                country=o["country"],
                kind=o["kind"],
                names=_texts(o["names"]),
                languages={k: float(v) for k, v in o["languages"].items()},
            )
            for o in orgs["orgs"]
        },
        field_countries=tuple(orgs["field_countries"]),
        forces={c: {lang: dict(t) for lang, t in f.items()} for c, f in orgs["forces"].items()},
        sub_types={k: _sub_type(k, v) for k, v in events["sub_types"].items()},
        items={k: _item(k, v) for k, v in events["items"].items()},
        phrases=_phrases(events["phrases"]),
        years=tuple(int(y) for y in theatres["years"]),
        theatres=tuple(_theatre(t, theatres["seasons"]) for t in theatres["theatres"]),
    )
