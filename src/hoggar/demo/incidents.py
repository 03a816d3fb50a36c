"""Generate the incidents as STIX objects, with their attributed-to and located-at links."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hoggar.demo import sampling
from hoggar.demo.catalog import Catalog, Group, Place, SubType, Theatre
from hoggar.demo.groups import group_id
from hoggar.demo.parties import Parties, choose_sharing, demo_id
from hoggar.demo.places import location_id
from hoggar.demo.texts import date_opening, fill, format_number, seized_phrase, toll_phrase
from hoggar.kernel.clock import format_stix
from hoggar.stix.extensions import INCIDENT_EXTENSION_ID

ATTRIBUTED_SHARE = 0.6  # incidents with actors that also get attributed-to relationships
LOCATED_SHARE = 0.35  # incidents that also get a located-at relationship


@dataclass(frozen=True)
class Draft:
    """Everything drawn for one incident, before it is written in a language."""

    index: int
    place: Place
    sub: SubType
    actors: tuple[Group, ...]
    reporter: str
    lang: str
    when: sampling.When
    reported_at: str
    point: tuple[float, float, str]
    killed: int
    civilians: int
    wounded: int
    kidnapped: int
    released: int
    arrested: int
    migrants: int
    seized: list[dict[str, Any]]
    grading: tuple[str, int]


def _compatible(group: Group, sub: SubType) -> bool:
    if sub.only:
        return group.key in sub.only
    return sub.actors == "any" or group.role == sub.actors


def _rival_pair(rng: random.Random, cat: Catalog, theatre: Theatre) -> tuple[Group, ...] | None:
    """Two armed groups of rival families (al-Qaeda vs Islamic State, ISWAP vs JAS)."""
    armed = [cat.groups[k] for k in theatre.actors if k and cat.groups[k].role == "jihadist"]
    if not armed:
        return None
    first = rng.choice(armed)
    rivals = [g for g in armed if g.family != first.family]
    return (first, rng.choice(rivals)) if rivals else None


def _draw_actors(
    rng: random.Random, cat: Catalog, theatre: Theatre, sub: SubType
) -> tuple[Group, ...] | None:
    """The groups behind an event, () if unattributed, None if none can fit."""
    if sub.actors == "none":
        return ()
    if sub.key == "armed_clash_groups":
        return _rival_pair(rng, cat, theatre)
    weights = {k: w for k, w in theatre.actors.items() if k and _compatible(cat.groups[k], sub)}
    if not sub.actor_required and theatre.actors.get("", 0) > 0:
        weights[""] = theatre.actors[""]
    if not weights:
        return None if sub.actor_required else ()
    key = sampling.pick(rng, weights)
    return (cat.groups[key],) if key else ()


def _draw_event(
    rng: random.Random, cat: Catalog, theatre: Theatre
) -> tuple[SubType, tuple[Group, ...]]:
    for _ in range(20):
        sub = cat.sub_types[sampling.pick(rng, theatre.events)]
        actors = _draw_actors(rng, cat, theatre, sub)
        if actors is not None:
            return sub, actors
    return cat.sub_types["arrest"], ()


def draw_incident(
    rng: random.Random, cat: Catalog, calendar: sampling.Calendar, index: int
) -> Draft:
    cell = calendar.draw(rng)
    place = cat.places[sampling.pick(rng, cell.theatre.places)]
    sub, actors = _draw_event(rng, cat, cell.theatre)
    reporter = sampling.pick(rng, cell.theatre.reporters)
    reporter = place.country if reporter == "@country" else reporter
    when = sampling.draw_when(rng, cell, sub)
    killed = sampling.draw_count(rng, sub.killed)
    return Draft(
        index=index,
        place=place,
        sub=sub,
        actors=actors,
        reporter=reporter,
        lang=sampling.pick(rng, cat.orgs[reporter].languages),
        when=when,
        reported_at=format_stix(sampling.draw_reported_at(rng, when)),
        point=sampling.draw_point(rng, place),
        killed=killed,
        civilians=sampling.draw_civilians(rng, killed, sub.civilian_share),
        wounded=sampling.draw_count(rng, sub.wounded),
        kidnapped=sampling.draw_count(rng, sub.kidnapped),
        released=sampling.draw_count(rng, sub.released),
        arrested=rng.randint(*sub.arrested) if sub.arrested else 0,
        migrants=sampling.log_uniform(rng, *sub.migrants) if sub.migrants else 0,
        seized=sampling.draw_seized(rng, sub.seized, cat) if sub.seized else [],
        grading=sampling.draw_grading(rng, own_territory=reporter == place.country),
    )


def _area(cat: Catalog, place: Place, lang: str) -> str:
    """'Mopti, Mali' in French/English; the country alone in Arabic (admin names are Latin)."""
    country = cat.orgs[place.country].names[lang]
    if lang == "ar" or place.admin1 in (place.names["fr"], place.names["en"]):
        return country
    return f"{place.admin1}, {country}"


def _actor_texts(cat: Catalog, actors: Sequence[Group], lang: str) -> dict[str, str]:
    unknown = (cat.phrases.unidentified_short[lang], cat.phrases.unidentified_fighters[lang])
    first = (actors[0].short[lang], actors[0].fighters[lang]) if actors else unknown
    second = (actors[1].short[lang], actors[1].fighters[lang]) if len(actors) > 1 else unknown
    return {
        "actor_short": first[0],
        "actor": first[1],
        "actor2_short": second[0],
        "actor2": second[1],
    }


def _values(cat: Catalog, d: Draft, lang: str) -> dict[str, str]:
    forces = cat.forces[d.place.country][lang]
    values = {
        "date": date_opening(d.when.start, d.when.precision, lang, cat.orgs[d.reporter].country),
        "place": d.place.names[lang],
        "admin1": _area(cat, d.place, lang),
        "forces": forces["phrase"],
        "forces_short": forces["short"],
        "seized": seized_phrase(d.seized, lang, cat),
        "kidnapped": format_number(d.kidnapped, lang),
        "released": format_number(d.released, lang),
        "arrested": format_number(d.arrested, lang),
        "migrants": format_number(d.migrants, lang),
        **_actor_texts(cat, d.actors, lang),
    }
    if d.actors:
        values["attribution"] = cat.phrases.attributed[lang].format(actor=values["actor"])
    else:
        unclaimed = {"claim": cat.phrases.unclaimed, "inquiry": cat.phrases.inquiry}
        values["attribution"] = unclaimed[d.sub.unclaimed][lang]
    show_toll = d.sub.toll == "always" or (d.sub.toll == "if_any" and (d.killed or d.wounded))
    values["toll"] = toll_phrase(d.killed, d.civilians, d.wounded, lang, cat) if show_toll else ""
    return values


def incident_id(seed: int, index: int) -> str:
    return demo_id("incident", str(seed), str(index))


def incident_object(
    cat: Catalog, parties: Parties, d: Draft, seed: int, markings: list[str]
) -> dict[str, Any]:
    local, english = _values(cat, d, d.lang), _values(cat, d, "en")
    narrative = fill(d.sub.narrative[d.lang], local, d.lang)
    lat, lon, geo_precision = d.point
    ext: dict[str, Any] = {
        "extension_type": "property-extension",
        "event_type": d.sub.event_type,
        "sub_type": d.sub.sub_type,
        "start_time": format_stix(d.when.start),
        "end_time": format_stix(d.when.end),
        "time_precision": d.when.precision,
        "latitude": lat,
        "longitude": lon,
        "country": d.place.country,
        "admin1": d.place.admin1,
        "place_name": d.place.names[d.lang],
        "geo_precision": geo_precision,
        "location_refs": [location_id(d.place.key)],
        "killed": d.killed,
        "wounded": d.wounded,
        "kidnapped": d.kidnapped,
        "released": d.released,
        "civilians_killed": d.civilians,
        "source_reliability": d.grading[0],
        "information_credibility": d.grading[1],
        "narrative": narrative,
        "narrative_lang": d.lang,
    }
    # STIX forbids empty lists: an unattributed event has no actor_refs at all.
    if d.actors:
        ext["actor_refs"] = [group_id(g) for g in d.actors]
    if d.seized:
        ext["seized"] = d.seized
    return {
        "type": "incident",
        "spec_version": "2.1",
        "id": incident_id(seed, d.index),
        "created": d.reported_at,
        "modified": d.reported_at,
        "created_by_ref": parties.by_key[d.reporter].org_id,
        "name": fill(d.sub.title[d.lang], local, d.lang),
        "description": fill(d.sub.narrative["en"], english, "en"),
        "object_marking_refs": markings,
        "extensions": {INCIDENT_EXTENSION_ID: ext},
    }


def _relationship(incident: dict[str, Any], rel_type: str, target: str) -> dict[str, Any]:
    """A link made by the incident's originator, shared exactly like the incident."""
    return {
        "type": "relationship",
        "spec_version": "2.1",
        "id": demo_id("relationship", incident["id"], rel_type, target),
        "created": incident["created"],
        "modified": incident["created"],
        "created_by_ref": incident["created_by_ref"],
        "relationship_type": rel_type,
        "source_ref": incident["id"],
        "target_ref": target,
        "object_marking_refs": incident["object_marking_refs"],
    }


def generate_incidents(
    cat: Catalog, parties: Parties, seed: int, count: int
) -> list[dict[str, Any]]:
    """`count` incidents in 2019-2025 and, for a share of them, their relationships."""
    rng = random.Random(f"hoggar-demo:{seed}:incidents")
    calendar = sampling.build_calendar(cat)
    out: list[dict[str, Any]] = []
    for index in range(count):
        draft = draw_incident(rng, cat, calendar, index)
        neighbours = {draft.place.country, *draft.place.neighbours}
        tlp, members = choose_sharing(rng, parties, draft.reporter, neighbours)
        incident = incident_object(
            cat, parties, draft, seed, parties.marking_refs(draft.reporter, tlp, members)
        )
        out.append(incident)
        if draft.actors and rng.random() < ATTRIBUTED_SHARE:
            out += [_relationship(incident, "attributed-to", group_id(g)) for g in draft.actors]
        if rng.random() < LOCATED_SHARE:
            out.append(_relationship(incident, "located-at", location_id(draft.place.key)))
    return out
