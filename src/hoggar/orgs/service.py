"""Reading and changing the member directory."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from hoggar.audit.service import Action, record
from hoggar.context import Node
from hoggar.kernel.clock import utcnow
from hoggar.kernel.errors import Invalid, NotFound, Problem
from hoggar.kernel.ids import is_id
from hoggar.kernel.signing import load_public_key
from hoggar.orgs.models import NodeSetting, Organization

KINDS = ("member", "joint-staff")
COUNTRY_RE = re.compile(r"^[A-Z]{2}$")


def get_setting(session: Session, key: str) -> str | None:
    row = session.get(NodeSetting, key)
    return row.value if row else None


def set_setting(session: Session, key: str, value: str) -> None:
    row = session.get(NodeSetting, key)
    if row is None:
        session.add(NodeSetting(key=key, value=value))
    else:
        row.value = value


def validate_org_fields(
    identity_id: str, name: str, country: str | None, kind: str, public_key: str | None
) -> None:
    problems = []
    if not is_id(identity_id, "identity"):
        problems.append(Problem("identity_id", "must be an identity id (identity--UUID)"))
    if not name.strip():
        problems.append(Problem("name", "is required"))
    if country is not None and not COUNTRY_RE.match(country):
        problems.append(Problem("country", "must be an ISO 3166-1 alpha-2 code such as DZ"))
    if kind not in KINDS:
        problems.append(Problem("kind", f"must be one of {', '.join(KINDS)}"))
    if public_key:
        try:
            load_public_key(public_key)
        except ValueError as exc:
            problems.append(Problem("public_key", str(exc)))
    if problems:
        raise Invalid("The organization is not valid.", problems)


def upsert_org(
    session: Session,
    node: Node | None,
    *,
    identity_id: str,
    name: str,
    country: str | None,
    kind: str = "member",
    public_key: str | None = None,
    is_self: bool = False,
    actor: str = "system",
) -> Organization:
    validate_org_fields(identity_id, name, country, kind, public_key)
    org = session.get(Organization, identity_id)
    if org is not None and org.is_self and not is_self:
        raise Invalid(
            "That is this node's own organization.",
            [Problem("identity_id", "its entry changes only through `hoggar init`")],
        )
    if org is None:
        org = Organization(identity_id=identity_id, added_at=utcnow())
        session.add(org)
    org.name, org.country, org.kind, org.is_self = name, country, kind, is_self
    if public_key:
        org.public_key = public_key
    if node is not None:
        record(
            session,
            node.signer,
            actor=actor,
            org_id=node.org_id,
            action=Action.ORG_CHANGE,
            target=identity_id,
            detail={"name": name, "country": country, "kind": kind, "public_key": public_key or ""},
        )
    return org


def list_orgs(session: Session) -> list[Organization]:
    return list(session.scalars(select(Organization).order_by(Organization.name)))


def get_org(session: Session, identity_id: str) -> Organization:
    org = session.get(Organization, identity_id)
    if org is None:
        raise NotFound(f"No organization {identity_id!r} in the member directory.")
    return org


def public_key_of(session: Session, identity_id: str) -> str | None:
    return session.scalar(
        select(Organization.public_key).where(Organization.identity_id == identity_id)
    )


def org_names(session: Session) -> dict[str, str]:
    return {o.identity_id: o.name for o in list_orgs(session)}
