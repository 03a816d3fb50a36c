"""A place and an armed group a node can link incidents to, and a filled incident form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hoggar.context import Node, Principal, Role
from hoggar.incidents.form import IncidentInput
from hoggar.records import authoring
from hoggar.stix.extensions import NAMES_EXTENSION_ID


@dataclass(frozen=True)
class Seeded:
    place: str
    group: str


def analyst(node: Node) -> Principal:
    return Principal(org_id=node.org_id, name="analyst", role=Role.ANALYST)


def seed_place_and_group(node: Node, release_to: list[str], tlp: str = "green") -> Seeded:
    """Tin Zaouatine and AQIM, made by `node` and released to `release_to`."""
    sharing = authoring.Sharing.parse(tlp, release_to)
    names = {"extension_type": "property-extension"}
    with node.db.transaction() as session:
        place = authoring.create_object(
            session,
            node,
            analyst(node),
            {
                "type": "location",
                "name": "Tin Zaouatine",
                "latitude": 19.956,
                "longitude": 2.96,
                "country": "DZ",
                "administrative_area": "Tamanrasset",
                "extensions": {
                    NAMES_EXTENSION_ID: {
                        **names,
                        "names": [
                            {"lang": "ar", "value": "تين زواتين"},
                            {"lang": "fr", "value": "Tin Zaouatine"},
                            {"lang": "en", "value": "Tin Zaouatine"},
                        ],
                        "country": "DZ",
                    }
                },
            },
            sharing,
        )
        group = authoring.create_object(
            session,
            node,
            analyst(node),
            {
                "type": "intrusion-set",
                "name": "Al-Qaeda in the Islamic Maghreb",
                "aliases": ["AQIM", "AQMI"],
                "extensions": {
                    NAMES_EXTENSION_ID: {
                        **names,
                        "names": [
                            {"lang": "ar", "value": "القاعدة في بلاد المغرب الإسلامي"},
                            {"lang": "fr", "value": "Al-Qaïda au Maghreb islamique"},
                            {"lang": "en", "value": "Al-Qaeda in the Islamic Maghreb"},
                        ],
                    }
                },
            },
            sharing,
        )
    return Seeded(place=place["id"], group=group["id"])


def ambush_form(seeded: Seeded, **changes: Any) -> IncidentInput:
    values: dict[str, Any] = {
        "name": "كمين قرب تين زواتين",
        "event_type": "battle",
        "sub_type": "ambush",
        "start": "2026-11-20 05:40",
        "time_precision": "exact",
        "location_ref": seeded.place,
        "geo_precision": "town",
        "actor_refs": (seeded.group,),
        "killed": "3",
        "wounded": "2",
        "source_reliability": "B",
        "information_credibility": "2",
        "narrative": "تعرضت دورية لكمين نصبته عناصر مسلحة شمال تين زواتين.",
        "lang": "ar",
        "tlp": "amber",
        "release_to": (),
    }
    values.update(changes)
    return IncidentInput(**values)
