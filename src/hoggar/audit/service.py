"""Appending to and verifying the hash-chained audit log.

Each entry's hash covers its fields and the previous entry's hash, so editing or
deleting an entry breaks the chain from there on; the head (last seq and hash) is
signed with the node key, so cutting entries off the end is caught too.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hoggar.audit.models import AuditEntry, AuditHead
from hoggar.kernel.added_clock import lock_clock
from hoggar.kernel.clock import utcnow
from hoggar.kernel.jsonutil import dumps_compact
from hoggar.kernel.signing import Signer, verify_bytes

GENESIS = "0" * 64


class Action(StrEnum):
    NODE_INIT = "node.init"
    BACKUP = "node.backup"
    RESTORE = "node.restore"
    LOGIN = "auth.login"
    LOGIN_FAILED = "auth.login_failed"
    LOGIN_LOCKED = "auth.locked"  # an account or an address refused for a while
    LOGIN_THROTTLED = "auth.throttled"  # a sign-in refused during such a lock
    LOGOUT = "auth.logout"
    TOKEN_CREATE = "token.create"
    TOKEN_REVOKE = "token.revoke"
    TOKEN_USE = "token.use"
    USER_CREATE = "user.create"
    USER_CHANGE = "user.change"
    ORG_CHANGE = "org.change"
    OBJECT_CREATE = "object.create"
    OBJECT_UPDATE = "object.update"
    OBJECT_REVOKE = "object.revoke"
    SHARE_CHANGE = "object.share_change"
    OBJECT_REJECTED = "object.rejected"
    OBJECT_DELETE = "object.delete"
    PEER_CHANGE = "peer.change"
    SYNC = "peer.sync"
    BUNDLE_EXPORT = "offline_bundle.export"
    BUNDLE_IMPORT = "offline_bundle.import"
    BUNDLE_REFUSED = "offline_bundle.refused"
    IMPORT = "bundle.import"
    EXPORT = "bundle.export"
    PROJECTIONS_REBUILD = "projections.rebuild"
    SOURCE_INGEST = "source.ingest"
    SOURCE_FEED = "source.feed_change"
    DRAFT_ACCEPT = "source.draft_accept"
    DRAFT_REJECT = "source.draft_reject"


def _entry_hash(
    seq: int,
    at: str,
    actor: str,
    org_id: str,
    action: str,
    target: str,
    detail: str,
    prev_hash: str,
) -> str:
    payload = json.dumps(
        [seq, at, actor, org_id, action, target, detail, prev_hash], ensure_ascii=False
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _head_message(seq: int, digest: str) -> bytes:
    return f"hoggar-audit-head:{seq}:{digest}".encode()


def _at_text(entry: AuditEntry) -> str:
    return entry.at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def record(
    session: Session,
    signer: Signer,
    *,
    actor: str,
    org_id: str,
    action: Action,
    target: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry inside the caller's transaction (Zulip: audit in the same commit)."""
    lock_clock(session)  # lock order everywhere: date_added clock, then audit head
    head = session.execute(
        select(AuditHead).where(AuditHead.id == 1).with_for_update()
    ).scalar_one_or_none()
    prev_seq, prev_hash = (head.seq, head.hash) if head else (0, GENESIS)
    entry = AuditEntry(
        seq=prev_seq + 1,
        at=utcnow(),
        actor=actor[:200],
        org_id=org_id,
        action=action.value,
        target=target[:300],
        detail=dumps_compact(detail or {}),
        prev_hash=prev_hash,
    )
    entry.hash = _entry_hash(
        entry.seq,
        _at_text(entry),
        entry.actor,
        entry.org_id,
        entry.action,
        entry.target,
        entry.detail,
        prev_hash,
    )
    session.add(entry)
    signature = base64.b64encode(signer.sign_bytes(_head_message(entry.seq, entry.hash))).decode()
    if head is None:
        session.add(AuditHead(id=1, seq=entry.seq, hash=entry.hash, signature=signature))
    else:
        head.seq, head.hash, head.signature = entry.seq, entry.hash, signature
    return entry


@dataclass
class VerifyResult:
    ok: bool
    entries: int
    first_bad_seq: int | None = None
    reason: str = ""


def _iter_entries(session: Session, batch: int = 2000) -> Iterator[AuditEntry]:
    last = 0
    while True:
        rows = (
            session.execute(
                select(AuditEntry)
                .where(AuditEntry.seq > last)
                .order_by(AuditEntry.seq)
                .limit(batch)
            )
            .scalars()
            .all()
        )
        if not rows:
            return
        yield from rows
        last = rows[-1].seq
        session.expunge_all()


def verify(session: Session, public_key_b64: str) -> VerifyResult:
    """Walk the chain; report the first entry that was edited, inserted or removed."""
    expected_seq, prev_hash, count = 1, GENESIS, 0
    for entry in _iter_entries(session):
        if entry.seq != expected_seq:
            return VerifyResult(
                False,
                count,
                expected_seq,
                f"entry {expected_seq} is missing (next present is {entry.seq})",
            )
        if entry.prev_hash != prev_hash:
            return VerifyResult(
                False, count, entry.seq, f"entry {entry.seq} does not follow entry {entry.seq - 1}"
            )
        digest = _entry_hash(
            entry.seq,
            _at_text(entry),
            entry.actor,
            entry.org_id,
            entry.action,
            entry.target,
            entry.detail,
            entry.prev_hash,
        )
        if digest != entry.hash:
            return VerifyResult(False, count, entry.seq, f"entry {entry.seq} was altered")
        prev_hash, expected_seq, count = entry.hash, expected_seq + 1, count + 1
    head = session.get(AuditHead, 1)
    if head is None:
        if count:
            return VerifyResult(False, count, None, "the signed head of the log is missing")
        return VerifyResult(True, 0)
    signature = base64.b64decode(head.signature)
    if not verify_bytes(_head_message(head.seq, head.hash), signature, public_key_b64):
        return VerifyResult(False, count, head.seq, "the signed head of the log was altered")
    if head.seq != count or head.hash != prev_hash:
        return VerifyResult(
            False,
            count,
            count + 1,
            f"entries after {count} were removed (the head says {head.seq})",
        )
    return VerifyResult(True, count)


def list_entries(
    session: Session, *, after: int = 0, limit: int = 100, action: str | None = None
) -> list[AuditEntry]:
    stmt = select(AuditEntry).where(AuditEntry.seq > after)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    return list(session.execute(stmt.order_by(AuditEntry.seq).limit(limit)).scalars())
