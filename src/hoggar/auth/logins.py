"""Signing in and out: passwords checked under the throttle (`hoggar.auth.throttle`),
success and failure audited alike."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hoggar.audit.service import Action, record
from hoggar.auth import throttle
from hoggar.auth.models import User
from hoggar.auth.passwords import hash_password, needs_rehash, verify_password
from hoggar.auth.tokens import TOKEN_USE_AUDIT_INTERVAL
from hoggar.context import Node
from hoggar.kernel.clock import utcnow
from hoggar.kernel.errors import HoggarError, TooManyAttempts, Unauthenticated


def authenticate(
    session: Session,
    node: Node,
    username: str,
    password: str,
    *,
    source: str = "",
    per_request: bool = False,
) -> User | None:
    """Check a password; audit success and failure alike; None when it fails.

    Returning rather than raising lets the caller commit the failure's audit entry.
    """
    watched = throttle.keys(username, source)
    until = throttle.locked_until(session, watched)
    if until is not None:  # locked: no password is even checked (see auth.throttle)
        record(
            session,
            node.signer,
            actor=username[:64] or "?",
            org_id=node.org_id,
            action=Action.LOGIN_THROTTLED,
            target=f"user:{username[:64]}",
            detail={"source": source, "until": until.isoformat()},
        )
        return None
    user = session.scalar(select(User).where(User.username == username))
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        _failed(session, node, username, source, watched)
        return None
    throttle.succeeded(session, username)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    now, last = utcnow(), user.last_login_at
    user.last_login_at = now
    if per_request and last is not None and now - last < TOKEN_USE_AUDIT_INTERVAL:
        return user  # HTTP Basic on every request: audited at most once a minute
    record(
        session,
        node.signer,
        actor=username,
        org_id=node.org_id,
        action=Action.LOGIN,
        target=f"user:{username}",
        detail={"source": source},
    )
    return user


def _failed(session: Session, node: Node, username: str, source: str, watched: list[str]) -> None:
    """Audit a failed sign-in, and the locks it sets off (`hoggar.auth.throttle`)."""
    record(
        session,
        node.signer,
        actor=username[:64] or "?",
        org_id=node.org_id,
        action=Action.LOGIN_FAILED,
        target=f"user:{username[:64]}",
        detail={"source": source},
    )
    for key in throttle.failed(session, watched):
        record(
            session,
            node.signer,
            actor=username[:64] or "?",
            org_id=node.org_id,
            action=Action.LOGIN_LOCKED,
            target=key,
            detail={"source": source, "minutes": int(throttle.LOCK.total_seconds() // 60)},
        )


def logout(node: Node, user_id: int, *, source: str = "") -> None:
    with node.db.transaction() as session:
        user = session.get(User, user_id)
        if user is not None:
            record(
                session,
                node.signer,
                actor=user.username,
                org_id=node.org_id,
                action=Action.LOGOUT,
                target=f"user:{user.username}",
                detail={"source": source},
            )


def login(node: Node, username: str, password: str, *, source: str = "") -> User:
    """Authenticate in a transaction of its own, so a failure's audit entry is kept."""
    with node.db.transaction() as session:
        user = authenticate(session, node, username, password, source=source)
    if user is None:
        raise refusal(node, username, source)
    return user


def refusal(node: Node, username: str, source: str) -> HoggarError:
    """Why a sign-in failed, said after its audit entries are committed: a lock (with
    when to come back) or wrong credentials."""
    with node.db.session() as session:
        until = throttle.locked_until(session, throttle.keys(username, source))
    if until is None:
        return Unauthenticated("Wrong username or password.")
    wait = max(1, int((until - utcnow()).total_seconds()))
    return TooManyAttempts(
        f"Too many failed sign-ins; try again in {(wait + 59) // 60} minutes.",
        extra={"retry_after": wait},
    )
