"""This node's own identity record, its card, and the member directory it is released to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hoggar.context import Node, system_principal
from hoggar.kernel.clock import format_stix, utcnow
from hoggar.orgs.models import Organization
from hoggar.orgs.service import get_org, list_orgs, upsert_org
from hoggar.records.authoring import Sharing, change_sharing
from hoggar.sharing.markings import TLP
from hoggar.stix.extensions import NAMES_EXTENSION_ID
from hoggar.stix.models import ObjectVersion, VersionRelease


@dataclass(frozen=True)
class OrgCard:
    """What one node tells the others about itself: enough to add it as a member."""

    identity_id: str
    name: str
    country: str | None
    kind: str
    public_key: str

    def as_dict(self) -> dict[str, Any]:
        return dict(vars(self))


def identity_object(
    org_id: str, name: str, country: str | None, kind: str, names: dict[str, str] | None = None
) -> dict[str, Any]:
    now = format_stix(utcnow())
    ext: dict[str, Any] = {"extension_type": "property-extension"}
    if names:  # STIX 2.1 forbids empty lists
        ext["names"] = [{"lang": k, "value": v} for k, v in names.items()]
    if country:
        ext["country"] = country
    return {
        "type": "identity",
        "spec_version": "2.1",
        "id": org_id,
        "created": now,
        "modified": now,
        "created_by_ref": org_id,
        "name": name,
        "identity_class": "organization",
        "sectors": ["defense"] if kind == "member" else ["government-national"],
        "description": "Joint staff"
        if kind == "joint-staff"
        else f"Member organization ({country})",
        "extensions": {NAMES_EXTENSION_ID: ext},
    }


def own_card(node: Node) -> OrgCard:
    with node.db.session() as session:
        org = get_org(session, node.org_id)
        return OrgCard(org.identity_id, org.name, org.country, org.kind, node.signer.public_b64)


def add_member(
    session: Session,
    node: Node,
    *,
    identity_id: str,
    name: str,
    country: str | None,
    kind: str = "member",
    public_key: str | None = None,
    actor: str = "system",
) -> Organization:
    """Add or update a member organization, and release this node's identity to it."""
    org = upsert_org(
        session,
        node,
        identity_id=identity_id,
        name=name,
        country=country,
        kind=kind,
        public_key=public_key,
        actor=actor,
    )
    share_identity_with_members(session, node)
    return org


def share_identity_with_members(session: Session, node: Node) -> None:
    """Release this node's identity object to every organization in the directory."""
    members = frozenset(o.identity_id for o in list_orgs(session) if not o.is_self)
    row = session.scalar(
        select(ObjectVersion).where(
            ObjectVersion.stix_id == node.org_id, ObjectVersion.is_current.is_(True)
        )
    )
    if row is None or row.originator_id != node.org_id:
        return
    current = set(
        session.scalars(select(VersionRelease.org_id).where(VersionRelease.version_pk == row.pk))
    )
    if current == set(members):
        return
    principal = system_principal(node)
    change_sharing(session, node, principal, node.org_id, Sharing(TLP.CLEAR, members))
