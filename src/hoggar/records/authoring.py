"""Creating and changing objects as this node's organization (the originator).

`create_object`, `update_object`, `change_sharing` and `revoke_object` each build a
new signed STIX version, ingest it through the one write path and audit it in the
same transaction. Only the originator issues new versions (DESIGN.md principle 1).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hoggar.audit.service import Action, record
from hoggar.context import Node, Principal
from hoggar.kernel.clock import format_stix, parse_stix, utcnow
from hoggar.kernel.errors import Conflict, Invalid, PermissionDenied, Problem
from hoggar.kernel.ids import TYPE_RE, is_id, new_id
from hoggar.kernel.jsonutil import load_object
from hoggar.kernel.sealing import seal, sealed_marking_id
from hoggar.kernel.signing import SIGNATURE_PROPERTY
from hoggar.orgs.models import Organization
from hoggar.orgs.service import list_orgs, org_names
from hoggar.sharing.markings import (
    TLP,
    TLP2_IDS,
    TLP_BY_ID,
    ReleaseSet,
    parse_tlp,
    sealed_release_marking,
)
from hoggar.stix.models import ObjectVersion
from hoggar.stix.validation import validate_object
from hoggar.store.check import IngestResult, ReleaseResolver
from hoggar.store.ingest import ingest_object
from hoggar.store.queries import get_version_row

# Properties the server owns: a client may not set them on create or update.
SERVER_PROPS = {
    "id",
    "spec_version",
    "created",
    "modified",
    "created_by_ref",
    "object_marking_refs",
    "revoked",
    SIGNATURE_PROPERTY,
}


@dataclass(frozen=True)
class Sharing:
    """What the originator chooses: a TLP level, who receives the record, and whether
    the recipients see each other (`disclose`; else a sealed set, hoggar.kernel.sealing)."""

    tlp: TLP
    release_to: frozenset[str]
    disclose: bool = True

    @classmethod
    def parse(cls, tlp: str, release_to: Sequence[str], disclose: bool = True) -> Sharing:
        try:
            level = parse_tlp(tlp)
        except ValueError as exc:
            raise Invalid("Invalid sharing.", [Problem("sharing/tlp", str(exc))]) from exc
        bad = [r for r in release_to if not is_id(r, "identity")]
        if bad:
            raise Invalid(
                "Invalid sharing.",
                [Problem("sharing/release_to", f"{bad[0]!r} is not an identity id")],
            )
        return cls(level, frozenset(release_to), disclose)


def _sharing_detail(sharing: Sharing) -> dict[str, Any]:
    """What the audit log records of a sharing choice."""
    detail: dict[str, Any] = {"tlp": sharing.tlp.value, "release_to": sorted(sharing.release_to)}
    if sharing.release_to and not sharing.disclose:
        detail["recipients_disclosed"] = False
    return detail


def preview_recipients(session: Session, node: Node, sharing: Sharing) -> list[dict[str, str]]:
    """Exactly which organizations will be able to read a record shared this way."""
    names = org_names(session)
    unknown = sorted(r for r in sharing.release_to if r not in names)
    if unknown:
        raise Invalid(
            "Unknown recipient.",
            [Problem("sharing/release_to", f"{unknown[0]} is not in the member directory")],
        )
    ids = {node.org_id, *sharing.release_to}
    return [
        {
            "id": i,
            "name": names.get(i, i),
            "role": "originator" if i == node.org_id else "recipient",
        }
        for i in sorted(ids, key=lambda i: (i != node.org_id, names.get(i, i)))
    ]


def _ensure_release_marking(
    session: Session, node: Node, sharing: Sharing, resolver: ReleaseResolver
) -> str:
    members = sharing.release_to - {node.org_id}
    if not sharing.disclose and members:
        return _ensure_sealed_marking(session, node, members, resolver)
    release = ReleaseSet(creator=node.org_id, members=members)
    marking_id = release.marking_id
    if resolver.resolve(marking_id) is None:
        marking = node.signer.sign(release.to_marking(format_stix(utcnow()), org_names(session)))
        _check(ingest_object(session, marking, node_org_id=node.org_id, resolver=resolver))
    return marking_id


def keyless_recipients(session: Session, members: Iterable[str]) -> list[str]:
    """Names of the recipients a sealed set cannot be sealed to (no key in the directory)."""
    return _keyless(_directory(session), members)


def _directory(session: Session) -> dict[str, Organization]:
    return {o.identity_id: o for o in list_orgs(session)}


def _keyless(orgs: Mapping[str, Organization], members: Iterable[str]) -> list[str]:
    return sorted(
        orgs[m].name if m in orgs else m for m in members if not (m in orgs and orgs[m].public_key)
    )


def _ensure_sealed_marking(
    session: Session, node: Node, members: frozenset[str], resolver: ReleaseResolver
) -> str:
    """A release set whose recipients do not learn of each other (sealed.seal)."""
    marking_id = sealed_marking_id(node.org_id, members, node.signer.seed())
    if resolver.resolve(marking_id) is not None:
        return marking_id
    orgs = _directory(session)
    keyless = _keyless(orgs, members)
    if keyless:
        raise Invalid(
            "Recipients cannot be hidden from each other: no key in the member directory "
            f"for {', '.join(keyless)}.",
            [
                Problem(
                    "sharing/disclose_recipients",
                    f"no public key in the member directory for {', '.join(keyless)}: "
                    "add its card (`hoggar org add`) or let the recipients see each other",
                )
            ],
        )
    keys = {m: str(orgs[m].public_key) for m in members} | {node.org_id: node.signer.public_b64}
    relays = [m for m in members if orgs[m].kind == "joint-staff"]
    boxes = seal(node.org_id, members, keys, relays)
    marking = node.signer.sign(
        sealed_release_marking(marking_id, node.org_id, boxes, format_stix(utcnow()))
    )
    _check(ingest_object(session, marking, node_org_id=node.org_id, resolver=resolver))
    return marking_id


def _check(result: IngestResult) -> IngestResult:
    if not result.ok:
        raise Invalid("The object is not valid STIX 2.1.", result.problems)
    return result


def _markings(
    session: Session, node: Node, sharing: Sharing, keep: Sequence[str], resolver: ReleaseResolver
) -> list[str]:
    release_id = _ensure_release_marking(session, node, sharing, resolver)
    others = [m for m in keep if m not in TLP_BY_ID and resolver.resolve(m) is None]
    return [TLP2_IDS[sharing.tlp], release_id, *others]


def _require_writer(principal: Principal, node: Node) -> None:
    if not principal.can_write or principal.org_id != node.org_id:
        raise PermissionDenied("Your role may read but not create or change records.")


def create_object(
    session: Session, node: Node, principal: Principal, draft: Mapping[str, Any], sharing: Sharing
) -> dict[str, Any]:
    _require_writer(principal, node)
    stix_type = draft.get("type")
    if not isinstance(stix_type, str) or not TYPE_RE.match(stix_type):
        raise Invalid(
            "The object needs a type.", [Problem("/type", "a STIX type such as 'incident'")]
        )
    forbidden = sorted(SERVER_PROPS & draft.keys() - {"id"})
    if forbidden:
        raise Invalid(
            "Some properties are set by the server.",
            [Problem(f"/{p}", "set by the node; leave it out") for p in forbidden],
        )
    stix_id = draft.get("id") or new_id(stix_type)
    taken = session.scalar(
        select(ObjectVersion.pk).where(ObjectVersion.stix_id == stix_id).limit(1)
    )
    if taken is not None:
        raise Conflict(
            f"The id {stix_id} is already used; leave id out to get a new one.",
            [Problem("/id", "already used")],
        )
    resolver = ReleaseResolver(session, node.opener)
    now = format_stix(utcnow())
    obj: dict[str, Any] = {
        "type": stix_type,
        "spec_version": "2.1",
        "id": stix_id,
        "created": now,
        "modified": now,
        "created_by_ref": node.org_id,
    }
    obj.update({k: v for k, v in draft.items() if k not in obj})
    obj["object_marking_refs"] = _markings(session, node, sharing, [], resolver)
    result = _check(
        ingest_object(session, _signed(node, obj), node_org_id=node.org_id, resolver=resolver)
    )
    if result.outcome.value != "created":
        raise Conflict(
            f"An object with id {stix_id} already exists.", [Problem("/id", "already used")]
        )
    record(
        session,
        node.signer,
        actor=principal.name,
        org_id=node.org_id,
        action=Action.OBJECT_CREATE,
        target=stix_id,
        detail=_sharing_detail(sharing),
    )
    return load_object(_current_body(session, principal, stix_id))


def _signed(node: Node, obj: dict[str, Any]) -> dict[str, Any]:
    """The object signed by this node, once validation found nothing wrong with it (a
    value the canonical form cannot carry — NaN, a lone surrogate — would otherwise fail
    in the signature, not with its reason)."""
    problems = validate_object(obj)
    if problems:
        raise Invalid("The object has problems; see each.", problems)
    return node.signer.sign(obj)


def _current_body(session: Session, principal: Principal, stix_id: str) -> str:
    return get_version_row(session, principal, stix_id).body


def _load_own(session: Session, node: Node, principal: Principal, stix_id: str) -> dict[str, Any]:
    _require_writer(principal, node)
    row = get_version_row(session, principal, stix_id)
    if row.originator_id != node.org_id or principal.org_id != node.org_id:
        raise PermissionDenied(
            "Only the originating organization may issue new versions of this record; "
            "add a note or an opinion instead."
        )
    if row.revoked:
        raise Conflict("This record was revoked; it cannot change any more.")
    return dict(load_object(row.body))


def _next_modified(previous: str) -> str:
    now = utcnow()
    prev = parse_stix(previous)
    return format_stix(
        now if now > prev + timedelta(milliseconds=1) else prev + timedelta(milliseconds=1)
    )


def _new_version(
    session: Session,
    node: Node,
    base: dict[str, Any],
    changes: Mapping[str, Any],
    sharing: Sharing | None,
) -> tuple[dict[str, Any], bool]:
    resolver = ReleaseResolver(session, node.opener)
    obj = {k: v for k, v in base.items() if k != SIGNATURE_PROPERTY}
    for key, value in changes.items():
        if value is None:
            obj.pop(key, None)
        else:
            obj[key] = value
    obj["modified"] = _next_modified(base["modified"])
    old_marks = list(base.get("object_marking_refs") or [])
    if sharing is not None:
        obj["object_marking_refs"] = _markings(session, node, sharing, old_marks, resolver)
    shared_changed = obj.get("object_marking_refs") != old_marks
    _check(ingest_object(session, _signed(node, obj), node_org_id=node.org_id, resolver=resolver))
    return obj, shared_changed


def update_object(
    session: Session,
    node: Node,
    principal: Principal,
    stix_id: str,
    changes: Mapping[str, Any],
    sharing: Sharing | None = None,
) -> dict[str, Any]:
    """A new version with `changes` applied (a None value removes the property)."""
    forbidden = sorted(SERVER_PROPS & changes.keys())
    if forbidden or "type" in changes:
        raise Invalid(
            "Some properties cannot be changed.",
            [
                Problem(f"/{p}", "set by the node")
                for p in [*forbidden, *(["type"] if "type" in changes else [])]
            ],
        )
    base = _load_own(session, node, principal, stix_id)
    _, shared_changed = _new_version(session, node, base, changes, sharing)
    record(
        session,
        node.signer,
        actor=principal.name,
        org_id=node.org_id,
        action=Action.OBJECT_UPDATE,
        target=stix_id,
        detail={"properties": sorted(changes)},
    )
    if shared_changed:
        _audit_share(session, node, principal, stix_id, sharing)
    return load_object(_current_body(session, principal, stix_id))


def _audit_share(
    session: Session, node: Node, principal: Principal, stix_id: str, sharing: Sharing | None
) -> None:
    detail = _sharing_detail(sharing) if sharing else {}
    record(
        session,
        node.signer,
        actor=principal.name,
        org_id=node.org_id,
        action=Action.SHARE_CHANGE,
        target=stix_id,
        detail=detail,
    )


def change_sharing(
    session: Session, node: Node, principal: Principal, stix_id: str, sharing: Sharing
) -> dict[str, Any]:
    base = _load_own(session, node, principal, stix_id)
    _, changed = _new_version(session, node, base, {}, sharing)
    if changed:
        _audit_share(session, node, principal, stix_id, sharing)
    return load_object(_current_body(session, principal, stix_id))


def revoke_object(
    session: Session, node: Node, principal: Principal, stix_id: str
) -> dict[str, Any]:
    base = _load_own(session, node, principal, stix_id)
    _new_version(session, node, base, {"revoked": True}, None)
    record(
        session,
        node.signer,
        actor=principal.name,
        org_id=node.org_id,
        action=Action.OBJECT_REVOKE,
        target=stix_id,
    )
    return load_object(_current_body(session, principal, stix_id))
