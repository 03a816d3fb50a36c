"""Armed groups (intrusion-set) and trafficking networks (threat-actor) the joint staff tracks."""

from __future__ import annotations

from typing import Any

from hoggar.demo.catalog import LANGS, Catalog, Group
from hoggar.demo.parties import JOINT_STAFF_KEY, SETUP_AT, Parties, demo_id
from hoggar.demo.places import names_extension
from hoggar.sharing.markings import TLP
from hoggar.stix.extensions import NAMES_EXTENSION_ID


def group_id(group: Group) -> str:
    return demo_id(group.stix_type, group.key)


def _aliases(group: Group) -> list[str]:
    """Every other name of the group: its names in the three languages, then its aliases."""
    out: list[str] = []
    for alias in [*(group.names[lang] for lang in LANGS), *group.aliases]:
        if alias != group.names["en"] and alias not in out:
            out.append(alias)
    return out


def group_object(group: Group, parties: Parties) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "type": group.stix_type,
        "spec_version": "2.1",
        "id": group_id(group),
        "created": SETUP_AT,
        "modified": SETUP_AT,
        "created_by_ref": parties.by_key[JOINT_STAFF_KEY].org_id,
        "name": group.names["en"],
        "description": group.description,
        "aliases": _aliases(group),
        "first_seen": group.first_seen,
        "resource_level": group.resource_level,
        "primary_motivation": group.primary_motivation,
        "object_marking_refs": parties.marking_refs(
            JOINT_STAFF_KEY, TLP.GREEN, parties.all_members()
        ),
        "extensions": {NAMES_EXTENSION_ID: names_extension(group.names, group.aliases, None)},
    }
    if group.last_seen:
        obj["last_seen"] = group.last_seen
    if group.goals:
        obj["goals"] = list(group.goals)
    if group.stix_type == "threat-actor":
        obj["threat_actor_types"] = list(group.threat_actor_types)
        obj["sophistication"] = "intermediate"
    return obj


def _link(cat: Catalog, parties: Parties, source: str, target: str, text: str) -> dict[str, Any]:
    src, dst = group_id(cat.groups[source]), group_id(cat.groups[target])
    return {
        "type": "relationship",
        "spec_version": "2.1",
        "id": demo_id("relationship", src, "related-to", dst),
        "created": SETUP_AT,
        "modified": SETUP_AT,
        "created_by_ref": parties.by_key[JOINT_STAFF_KEY].org_id,
        "relationship_type": "related-to",
        "description": text,
        "source_ref": src,
        "target_ref": dst,
        "object_marking_refs": parties.marking_refs(
            JOINT_STAFF_KEY, TLP.GREEN, parties.all_members()
        ),
    }


def group_objects(cat: Catalog, parties: Parties) -> list[dict[str, Any]]:
    """The groups, then the joint staff's links between them (mergers, affiliations)."""
    groups = [group_object(g, parties) for g in cat.groups.values()]
    links = [_link(cat, parties, x.source, x.target, x.description) for x in cat.links]
    return groups + links
