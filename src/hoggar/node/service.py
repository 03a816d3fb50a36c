"""Creating a node (`hoggar init`) and opening an existing one."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import inspect

from hoggar.audit.service import Action, record
from hoggar.auth.service import create_user
from hoggar.context import Node, Role
from hoggar.federation.peers import seal_clear_peer_tokens
from hoggar.kernel.db import Database
from hoggar.kernel.errors import Conflict, HoggarError, Invalid, Problem
from hoggar.kernel.ids import new_id
from hoggar.kernel.settings import Settings
from hoggar.kernel.signing import Signer, generate_private_key, load_private_key
from hoggar.node.migrate import upgrade
from hoggar.orgs.service import get_setting, set_setting, upsert_org
from hoggar.records.identity import identity_object
from hoggar.sharing.markings import TLP, TLP2_IDS, ReleaseSet
from hoggar.store.ingest import ingest_object

ORG_KEY = "org_id"


class NotInitialised(HoggarError):
    pass


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
