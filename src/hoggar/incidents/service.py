"""Incidents: report, edit (a new version), corroborate or dispute, and read one in full.

Writes go through `hoggar.records.authoring` (signed versions, the one ingest path, the
audit log); reads through `hoggar.store.queries`, so the releasability rule applies to
the incident and to everything shown beside it (places, groups, opinions, notes).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hoggar.context import Node, Principal
from hoggar.incidents.form import Checked, FormInvalid, IncidentInput
from hoggar.incidents.form_checks import check_input
from hoggar.incidents.names import member_ids, place_of, visible_groups
from hoggar.incidents.responses import pointing_at, readable_objects
from hoggar.kernel.errors import NotFound, PermissionDenied
from hoggar.kernel.i18n import N_
from hoggar.records.authoring import (
    Sharing,
    change_sharing,
    create_object,
    keyless_recipients,
    revoke_object,
    update_object,
)
from hoggar.stix.extensions import INCIDENT_EXTENSION_ID
from hoggar.stix.models import ObjectLink, ObjectVersion
from hoggar.stix.types.incident import extension
from hoggar.store import queries

LINK_TYPES = {"actor": "attributed-to", "location": "located-at"}


def extension_of(obj: Mapping[str, Any]) -> dict[str, Any]:
    """The incident extension as stored, as a dict (to show or compare it whole)."""
    return dict(extension(obj))


# Choices the form offers: only what the reader may see.


def check(session: Session, node: Node, principal: Principal, inp: IncidentInput) -> Checked:
    place = place_of(session, principal, inp.location_ref, inp.lang or "en")
    groups = [g["id"] for g in visible_groups(session, principal)]
    checked = check_input(inp, place=place, known_actors=groups, members=member_ids(session, node))
    keyless = [] if inp.disclose_recipients else keyless_recipients(session, inp.release_to)
    if keyless:
        checked.add(
            "release_to",
            N_(
                "The recipients cannot be hidden from each other: no key in the member "
                "directory for {names}. Add their cards, or let the recipients see each other."
            ),
            names=", ".join(keyless),
        )
    return checked


def _sharing(checked: Checked, inp: IncidentInput) -> Sharing:
    assert checked.tlp is not None
    return Sharing(checked.tlp, frozenset(inp.release_to), disclose=inp.disclose_recipients == "1")


def _link(
    session: Session,
    node: Node,
    principal: Principal,
    incident_id: str,
    role: str,
    target: str,
    sharing: Sharing,
) -> None:
    create_object(
        session,
        node,
        principal,
        {
            "type": "relationship",
            "relationship_type": LINK_TYPES[role],
            "source_ref": incident_id,
            "target_ref": target,
        },
        sharing,
    )


def report_incident(
    session: Session,
    node: Node,
    principal: Principal,
    inp: IncidentInput,
    external_references: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """Create an incident and its attributed-to / located-at relationships, shared alike.

    `external_references` cite where it was read (an open-source article)."""
    checked = check(session, node, principal, inp)
    if not checked.ok:
        raise FormInvalid(checked)
    sharing = _sharing(checked, inp)
    draft: dict[str, Any] = {
        "type": "incident",
        "name": checked.name,
        "lang": checked.lang,
        "extensions": {INCIDENT_EXTENSION_ID: checked.extension},
    }
    if external_references:
        draft["external_references"] = [dict(r) for r in external_references]
    obj = create_object(session, node, principal, draft, sharing)
    for role, key in (("actor", "actor_refs"), ("location", "location_refs")):
        for target in checked.extension.get(key) or []:
            _link(session, node, principal, obj["id"], role, target, sharing)
    return obj


def _own_links(session: Session, node: Node, incident_id: str) -> dict[tuple[str, str], str]:
    """(role, target) → relationship id, for the originator's current links of an incident."""
    source = select(ObjectLink.stix_id).where(
        ObjectLink.ref_id == incident_id, ObjectLink.role == "source"
    )
    rows = session.execute(
        select(ObjectLink.stix_id, ObjectLink.ref_id, ObjectLink.relationship_type)
        .join(ObjectVersion, ObjectVersion.stix_id == ObjectLink.stix_id)
        .where(
            ObjectLink.stix_id.in_(source),
            ObjectLink.role == "target",
            ObjectVersion.is_current.is_(True),
            ObjectVersion.revoked.is_(False),
            ObjectVersion.originator_id == node.org_id,
        )
    ).all()
    roles = {v: k for k, v in LINK_TYPES.items()}
    return {
        (roles[r.relationship_type], r.ref_id): r.stix_id
        for r in rows
        if r.relationship_type in roles
    }


def edit_incident(
    session: Session, node: Node, principal: Principal, stix_id: str, inp: IncidentInput
) -> dict[str, Any]:
    """A new version (originator only); links follow the places and groups chosen."""
    current = queries.get_object(session, principal, stix_id)
    if current.get("type") != "incident":
        raise NotFound(f"No incident {stix_id}.")
    _require_own(str(current.get("created_by_ref")), node, principal)
    checked = check(session, node, principal, inp)
    if not checked.ok:
        raise FormInvalid(checked)
    sharing = _sharing(checked, inp)
    obj = update_object(
        session,
        node,
        principal,
        stix_id,
        {
            "name": checked.name,
            "lang": checked.lang,
            "extensions": {
                **(current.get("extensions") or {}),
                INCIDENT_EXTENSION_ID: checked.extension,
            },
        },
        sharing,
    )
    wanted = {("actor", t) for t in checked.extension.get("actor_refs") or []} | {
        ("location", t) for t in checked.extension.get("location_refs") or []
    }
    existing = _own_links(session, node, stix_id)
    for key, rel_id in existing.items():
        if key in wanted:
            change_sharing(session, node, principal, rel_id, sharing)
        else:
            revoke_object(session, node, principal, rel_id)
    for role, target in sorted(wanted - existing.keys()):
        _link(session, node, principal, stix_id, role, target, sharing)
    return obj


# Reading one incident with everything around it.


@dataclass
class IncidentView:
    incident: dict[str, Any]
    versions: list[dict[str, Any]]
    changes: list[list[str]]  # per version after the first: the fields it changed
    places: list[dict[str, Any]]
    groups: list[dict[str, Any]]
    opinions: list[dict[str, Any]]
    notes: list[dict[str, Any]]
    tlp: str | None
    originator: str
    recipients: list[str] | None  # told to the originator only
    recipients_disclosed: bool = True  # do the recipients see each other?


def _changed(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    skip = {"modified", "x_hoggar_signature", "extensions"}
    keys = sorted(
        k for k in before.keys() | after.keys() if k not in skip and before.get(k) != after.get(k)
    )
    b, a = extension_of(before), extension_of(after)
    keys += sorted(k for k in b.keys() | a.keys() if b.get(k) != a.get(k))
    return keys


def view_incident(session: Session, principal: Principal, stix_id: str) -> IncidentView:
    """The incident, its history and what surrounds it; NotFound exactly like a missing one."""
    versions = queries.get_versions(session, principal, stix_id)
    current = versions[-1]
    if current.get("type") != "incident":
        raise NotFound(f"No incident {stix_id}.")
    row = queries.get_version_row(session, principal, stix_id)
    ext = extension_of(current)
    actor_ids = list(ext.get("actor_refs") or [])
    place_ids = list(ext.get("location_refs") or [])
    for rel in pointing_at(session, principal, stix_id, ("relationship",), role="source"):
        target = rel.get("target_ref")
        if rel.get("relationship_type") == "attributed-to" and target not in actor_ids:
            actor_ids.append(target)
        if rel.get("relationship_type") == "located-at" and target not in place_ids:
            place_ids.append(target)
    return IncidentView(
        incident=current,
        versions=versions,
        changes=[_changed(a, b) for a, b in itertools.pairwise(versions)],
        places=readable_objects(session, principal, place_ids),
        groups=readable_objects(session, principal, actor_ids),
        opinions=pointing_at(session, principal, stix_id, ("opinion",)),
        notes=pointing_at(session, principal, stix_id, ("note",)),
        tlp=row.tlp,
        originator=row.originator_id,
        recipients=queries.recipients_of(session, principal, row),
        recipients_disclosed=queries.recipients_disclosed(session, row),
    )


def _require_own(originator: str, node: Node, principal: Principal) -> None:
    if originator != node.org_id or principal.org_id != node.org_id or not principal.can_write:
        raise PermissionDenied(
            "Only the originating organization may issue new versions of this record; "
            "add a note or an opinion instead."
        )


def require_originator(principal: Principal, node: Node, view: IncidentView) -> None:
    _require_own(view.originator, node, principal)
