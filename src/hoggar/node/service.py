"""Creating a node (`hoggar init`) and opening an existing one."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from hoggar.audit.service import Action, record
from hoggar.auth.service import create_user
from hoggar.kernel.clock import format_stix, utcnow
from hoggar.kernel.db import Database
from hoggar.kernel.errors import Conflict, HoggarError, Invalid, Problem
from hoggar.kernel.ids import new_id
from hoggar.kernel.settings import Settings
from hoggar.node.context import Node
from hoggar.node.migrate import upgrade
from hoggar.node.secrets import seal_clear_peer_tokens
from hoggar.orgs.models import Organization
from hoggar.orgs.service import get_setting, list_orgs, set_setting, upsert_org
from hoggar.sharing.markings import TLP, TLP2_IDS, ReleaseSet
from hoggar.sharing.rule import Principal, Role
from hoggar.stix.authoring import Sharing, change_sharing
from hoggar.stix.extensions import NAMES_EXTENSION_ID
from hoggar.stix.models import ObjectVersion, VersionRelease
from hoggar.stix.signing import Signer, generate_private_key, load_private_key
from hoggar.stix.store import ingest_object

ORG_KEY = "org_id"


class NotInitialised(HoggarError):
    pass


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


def init_node(
    settings: Settings,
    *,
    org_name: str,
    country: str | None,
    admin_user: str,
    admin_password: str,
    kind: str = "member",
    org_id: str | None = None,
    names: dict[str, str] | None = None,
) -> Node:
    """Create the data directory, key, schema, own identity and first admin account."""
    country = country.upper() if country else None
    if country is not None and not re.fullmatch(r"[A-Z]{2}", country):
        raise Invalid(
            "Invalid country.", [Problem("--country", "an ISO 3166-1 alpha-2 code such as DZ")]
        )
    settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    db = Database(settings.database_url)
    upgrade(db.engine)
    with db.session() as session:
        if get_setting(session, ORG_KEY):
            db.dispose()
            raise Conflict(
                f"A node is already initialised at {settings.data_dir} "
                f"(database {_safe_url(settings.database_url)})."
            )
    if settings.signing_key_path.exists():
        key = load_private_key(settings.signing_key_path)
    else:
        key = generate_private_key(settings.signing_key_path)
    signer = Signer(key)
    org_id = org_id or new_id("identity")
    node = Node(settings=settings, db=db, signer=signer, org_id=org_id, org_name=org_name)
    with db.transaction() as session:
        set_setting(session, ORG_KEY, org_id)
        set_setting(session, "key_id", signer.kid)
        upsert_org(
            session,
            None,
            identity_id=org_id,
            name=org_name,
            country=country,
            kind=kind,
            public_key=signer.public_b64,
            is_self=True,
        )
        record(
            session,
            signer,
            actor=admin_user,
            org_id=org_id,
            action=Action.NODE_INIT,
            target=org_id,
            detail={"name": org_name, "country": country, "kind": kind, "key_id": signer.kid},
        )
        identity = identity_object(org_id, org_name, country, kind, names)
        release = ReleaseSet(creator=org_id, members=frozenset())
        marking = signer.sign(release.to_marking(identity["created"]))
        ingest_object(session, marking, node_org_id=org_id)
        identity["object_marking_refs"] = [TLP2_IDS[TLP.CLEAR], release.marking_id]
        result = ingest_object(session, signer.sign(identity), node_org_id=org_id)
        if not result.ok:
            raise Invalid("Could not create the node identity.", result.problems)
        create_user(
            session,
            node,
            username=admin_user,
            password=admin_password,
            role=Role.ADMIN.value,
            actor=admin_user,
        )
    return node


def _safe_url(url: str) -> str:
    return re.sub(r"//[^@/]*@", "//***@", url)


def open_node(settings: Settings, *, migrate: bool = True) -> Node:
    """Open an initialised node; migrate its schema to the latest version first."""
    if settings.is_sqlite and not settings.database_url.endswith(":memory:"):
        path = settings.database_url.split("///", 1)[-1]
        if not Path(path).exists():  # never leave an empty database behind
            raise NotInitialised(_not_init_message(settings))
    db = Database(settings.database_url)
    if migrate:
        upgrade(db.engine)
    elif not inspect(db.engine).has_table("node_settings"):
        db.dispose()
        raise NotInitialised(_not_init_message(settings))
    with db.session() as session:
        org_id = get_setting(session, ORG_KEY)
        from hoggar.orgs.service import get_org

        name = get_org(session, org_id).name if org_id else ""
    if not org_id:
        db.dispose()
        raise NotInitialised(_not_init_message(settings))
    if not settings.signing_key_path.exists():
        db.dispose()
        raise NotInitialised(f"The node's signing key is missing: {settings.signing_key_path}")
    signer = Signer(load_private_key(settings.signing_key_path))
    if migrate:
        with db.transaction() as session:
            seal_clear_peer_tokens(session, signer)
    return Node(settings=settings, db=db, signer=signer, org_id=org_id, org_name=name)


def _not_init_message(settings: Settings) -> str:
    return (
        f"No node is initialised at {settings.data_dir} (database "
        f"{_safe_url(settings.database_url)}). "
        f"Run `hoggar init --data-dir {settings.data_dir} ...` first."
    )


def own_card(node: Node) -> OrgCard:
    with node.db.session() as session:
        from hoggar.orgs.service import get_org

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


def system_principal(node: Node) -> Principal:
    return Principal(org_id=node.org_id, name="system", role=Role.ADMIN, kind="system")
