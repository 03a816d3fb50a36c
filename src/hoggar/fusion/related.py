"""Related incidents: patterns across separate events that an analyst should link.

Three patterns of this region's cooperation are proposed, each with its reason:

- a kidnapping and a later hostage release (same armed group if both name one, within
  two years, the same country or within 400 km);
- repeated attacks on one post (attacks, ambushes or bombs within 5 km, within a year);
- a smuggling route: seizures of the same kind of goods within 90 days and 600 km.

Linking writes a STIX `related-to` relationship whose description names the pattern.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from hoggar.context import Principal
from hoggar.fusion.score import Facts
from hoggar.fusion.service import nearby_incidents
from hoggar.geo.borders import haversine_km
from hoggar.incidents.codebook_load import load_codebook
from hoggar.stix.types.incident import IncidentFacts

KIDNAPPINGS = {"kidnapping", "kidnapping_foreign_national"}
ATTACKS = {"attack_on_post", "ambush", "ied", "suicide_attack", "rocket_mortar"}
SEIZURES = {"drug_seizure", "arms_seizure", "fuel_smuggling", "human_trafficking_interception"}


@dataclass(frozen=True)
class Related:
    incident: dict[str, Any]
    pattern: str
    reason: str


def _kinds(obj: dict[str, Any]) -> set[str]:
    book = load_codebook()
    kinds = set()
    for entry in IncidentFacts.of(obj).seized:
        kind = book.item_kind(str(entry.get("item", "")))
        if kind is not None:
            kinds.add(kind.key)
    return kinds


def _nearby(
    session: Session,
    principal: Principal,
    facts: Facts,
    sub_types: set[str],
    before: timedelta,
    after: timedelta,
    km: float,
) -> list[tuple[dict[str, Any], Facts, float]]:
    """Incidents of these sub-types in the window, with their distance (km)."""
    out = []
    for obj, other in nearby_incidents(
        session, principal, facts, facts.start - before, facts.end + after, km, sub_types, 500
    ):
        if facts.lat is None or facts.lon is None or other.lat is None or other.lon is None:
            distance = 0.0 if facts.country and facts.country == other.country else math.inf
        else:
            distance = haversine_km(facts.lat, facts.lon, other.lat, other.lon)
        if distance <= km:
            out.append((obj, other, distance))
    return out


def related_for(session: Session, principal: Principal, incident: dict[str, Any]) -> list[Related]:
    """Incidents the reader may see that follow one of the patterns with this one."""
    facts = Facts.from_incident(incident)
    if facts is None or not facts.sub_type:
        return []
    found: list[Related] = []
    year = timedelta(days=365)
    if facts.sub_type in KIDNAPPINGS or facts.sub_type == "hostage_release":
        releases = facts.sub_type in KIDNAPPINGS
        wanted = {"hostage_release"} if releases else KIDNAPPINGS
        before, after = (timedelta(0), 2 * year) if releases else (2 * year, timedelta(0))
        for obj, other, km in _nearby(session, principal, facts, wanted, before, after, 400):
            if facts.actors and other.actors and not facts.actors & other.actors:
                continue
            days = abs((other.start - facts.start).days)
            pattern = "kidnapping and release"
            what = "released" if releases else "kidnapped"
            found.append(
                Related(
                    obj,
                    pattern,
                    f"{what} {days} days {'later' if releases else 'earlier'}, {km:.0f} km away",
                )
            )
    if facts.sub_type in ATTACKS:
        for obj, other, km in _nearby(session, principal, facts, ATTACKS, year, year, 5):
            days = abs((other.start - facts.start).days)
            found.append(
                Related(
                    obj, "repeated attacks on one place", f"{km:.1f} km away, {days} days apart"
                )
            )
    if facts.sub_type in SEIZURES:
        kinds = _kinds(incident)
        window = timedelta(days=90)
        for obj, other, km in _nearby(session, principal, facts, SEIZURES, window, window, 600):
            shared = kinds & _kinds(obj)
            if not shared:
                continue
            days = abs((other.start - facts.start).days)
            found.append(
                Related(
                    obj,
                    "smuggling route",
                    f"{', '.join(sorted(shared))} seized {km:.0f} km and {days} days apart",
                )
            )
    return found
