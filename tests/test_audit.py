"""The audit log: every security-relevant action recorded, any edit or deletion detected."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from conftest import ADMIN_PASSWORD
from hoggar.audit.models import AuditEntry, AuditHead
from hoggar.audit.service import Action, verify
from hoggar.auth.logins import login
from hoggar.auth.service import create_user, principal_of, update_user
from hoggar.auth.tokens import authenticate_token, create_token
from hoggar.context import Node
from hoggar.kernel.errors import Unauthenticated
from hoggar.records import authoring
from hoggar.records.bundles import export_bundle_text
from hoggar.store.filters import ObjectFilter


def _actions(node: Node) -> list[str]:
    with node.db.session() as session:
        return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))


def _activity(node: Node) -> None:
    """One of each security-relevant action."""
    user = login(node, "admin", ADMIN_PASSWORD)
    with pytest.raises(Unauthenticated):
        login(node, "admin", "wrong password!")
    principal = principal_of(user)
    with node.db.transaction() as session:
        obj = authoring.create_object(
            session,
            node,
            principal,
            {"type": "incident", "name": "x"},
            authoring.Sharing.parse("amber", []),
        )
        authoring.update_object(session, node, principal, obj["id"], {"description": "y"})
        authoring.change_sharing(
            session, node, principal, obj["id"], authoring.Sharing.parse("red", [])
        )
        create_user(
            session,
            node,
            username="amina",
            password="a-long-password",
            role="analyst",
            actor="admin",
        )
        update_user(session, node, "amina", actor="admin", role="viewer")
        _, secret = create_token(session, node, "amina", name="t", actor="admin")
    with node.db.transaction() as session:
        authenticate_token(session, node, secret)
    "".join(export_bundle_text(node, principal, ObjectFilter()))


def test_audit_records_every_security_relevant_action(node: Node) -> None:
    _activity(node)
    actions = set(_actions(node))
    for action in (
        Action.NODE_INIT,
        Action.LOGIN,
        Action.LOGIN_FAILED,
        Action.OBJECT_CREATE,
        Action.OBJECT_UPDATE,
        Action.SHARE_CHANGE,
        Action.USER_CREATE,
        Action.USER_CHANGE,
        Action.TOKEN_CREATE,
        Action.TOKEN_USE,
        Action.EXPORT,
    ):
        assert action.value in actions, action
    with node.db.session() as session:
        assert verify(session, node.signer.public_b64).ok


def _tamper_detail(session: Session) -> int:
    session.execute(update(AuditEntry).where(AuditEntry.seq == 3).values(detail='{"x":1}'))
    return 3


def _tamper_actor(session: Session) -> int:
    session.execute(update(AuditEntry).where(AuditEntry.seq == 2).values(actor="someone-else"))
    return 2


def _delete_middle(session: Session) -> int:
    session.execute(delete(AuditEntry).where(AuditEntry.seq == 4))
    return 4


def _delete_last(session: Session) -> int:
    last = session.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1))
    assert last is not None
    session.execute(delete(AuditEntry).where(AuditEntry.seq == last))
    return last


def _delete_tail_and_fix_head(session: Session) -> int:
    """Remove the last two entries and point the head at the new last one (no key)."""
    rows = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(3)).all()
    session.execute(delete(AuditEntry).where(AuditEntry.seq >= rows[1].seq))
    session.execute(update(AuditHead).values(seq=rows[2].seq, hash=rows[2].hash))
    return rows[2].seq


def _rewrite_and_rehash(session: Session) -> int:
    """Edit an entry and recompute the whole chain: only the signed head catches it."""
    from hoggar.audit.service import GENESIS, _at_text, _entry_hash

    entries = session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
    entries[1].detail = '{"rewritten":true}'
    prev = GENESIS
    for e in entries:
        e.prev_hash = prev
        e.hash = _entry_hash(
            e.seq, _at_text(e), e.actor, e.org_id, e.action, e.target, e.detail, prev
        )
        prev = e.hash
    return entries[-1].seq


@pytest.mark.parametrize(
    "tamper",
    [
        _tamper_detail,
        _tamper_actor,
        _delete_middle,
        _delete_last,
        _delete_tail_and_fix_head,
        _rewrite_and_rehash,
    ],
)
def test_audit_verify_detects_tampering_and_names_first_bad_entry(
    node: Node, tamper: Callable[[Session], int]
) -> None:
    _activity(node)
    with node.db.transaction() as session:
        first_bad = tamper(session)
    with node.db.session() as session:
        result = verify(session, node.signer.public_b64)
    assert not result.ok
    assert result.reason
    if tamper in (_tamper_detail, _tamper_actor, _delete_middle):
        assert result.first_bad_seq == first_bad
