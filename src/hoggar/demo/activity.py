"""Plausible activity for a demo federation: each node reports incidents in its country.

Every incident is authored through the normal write path (signed, audited) with a
release set drawn from what a liaison officer would choose: own organization only,
the joint staff, the joint staff and neighbours, or every member.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from hoggar.context import Node, system_principal
from hoggar.demo.catalog import load_catalog
from hoggar.kernel.clock import format_stix
from hoggar.orgs.service import list_orgs
from hoggar.records import authoring
from hoggar.sharing.markings import TLP
from hoggar.stix.extensions import INCIDENT_EXTENSION_ID

EVENTS = [
    ("battle", "armed_clash", "Affrontement armé près de {place}"),
    ("battle", "ambush", "Embuscade contre une patrouille près de {place}"),
    ("explosion_remote_violence", "ied", "Engin explosif improvisé sur l'axe de {place}"),
    ("violence_against_civilians", "kidnapping", "Enlèvement de civils près de {place}"),
    ("strategic_development", "arms_seizure", "Saisie d'armes à {place}"),
    ("strategic_development", "drug_seizure", "Saisie de résine de cannabis près de {place}"),
    (
        "strategic_development",
        "fuel_smuggling",
        "Interception de contrebande de carburant à {place}",
    ),
]
SHARING = [
    ("own", TLP.RED, 0.15),
    ("staff", TLP.AMBER, 0.35),
    ("neighbours", TLP.AMBER, 0.25),
    ("all", TLP.GREEN, 0.25),
]


def _release(rng: random.Random, node: Node, members: list[Any]) -> tuple[frozenset[str], TLP]:
    choice = rng.choices(SHARING, weights=[w for *_, w in SHARING])[0]
    others = [o for o in members if not o.is_self]
    staff = {o.identity_id for o in others if o.kind == "joint-staff"}
    states = [o.identity_id for o in others if o.kind == "member"]
    if choice[0] == "own":
        return frozenset(), choice[1]
    if choice[0] == "staff":
        return frozenset(staff), choice[1]
    if choice[0] == "neighbours":
        return frozenset(
            staff | set(rng.sample(states, k=min(len(states), rng.randint(1, 2))))
        ), choice[1]
    return frozenset(staff | set(states)), choice[1]


def report_incidents(node: Node, country: str | None, count: int, seed: int) -> list[str]:
    """Author `count` incidents as this node's organization; returns their ids."""
    rng = random.Random(f"{seed}:{node.org_id}")
    catalog = load_catalog().places.values()
    places = [p for p in catalog if country is None or p.country == country]
    places = places or list(catalog)
    principal = system_principal(node)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    ids = []
    with node.db.transaction() as session:
        members = list_orgs(session)
        for _ in range(count):
            place = rng.choice(places)
            event_type, sub_type, title = rng.choice(EVENTS)
            when = start + timedelta(hours=rng.randint(0, 24 * 300))
            release, tlp = _release(rng, node, members)
            draft = {
                "type": "incident",
                "name": title.format(place=place.names.get("fr") or place.key),
                "extensions": {
                    INCIDENT_EXTENSION_ID: {
                        "extension_type": "property-extension",
                        "event_type": event_type,
                        "sub_type": sub_type,
                        "start_time": format_stix(when),
                        "time_precision": "day",
                        "latitude": round(place.lat + rng.uniform(-0.05, 0.05), 4),
                        "longitude": round(place.lon + rng.uniform(-0.05, 0.05), 4),
                        "country": place.country,
                        "place_name": place.key,
                        "geo_precision": "town",
                        "killed": rng.choice([0, 0, 0, 1, 2, 3, 5]),
                        "source_reliability": "B",
                        "information_credibility": 2,
                    }
                },
            }
            obj = authoring.create_object(
                session, node, principal, draft, authoring.Sharing(tlp, release)
            )
            ids.append(str(obj["id"]))
    return ids
