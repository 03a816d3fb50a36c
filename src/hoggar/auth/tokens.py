"""API tokens (the secret shown once, only its digest stored; read or write scope),
and the peer accounts another node signs in with by token; every change audited."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hoggar.audit.service import Action, record
from hoggar.auth.models import ApiToken, User
from hoggar.auth.passwords import hash_password
from hoggar.auth.service import USERNAME_RE, get_user
from hoggar.context import Node, Role
from hoggar.kernel.clock import utcnow
from hoggar.kernel.errors import (
    Conflict,
    Invalid,
    NotFound,
    PermissionDenied,
    Problem,
    Unauthenticated,
)

TOKEN_SCOPES = ("read", "write")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
TOKEN_PREFIX = "hgr_"
TOKEN_USE_AUDIT_INTERVAL = timedelta(minutes=1)


def _token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(
    session: Session,
    node: Node,
    username: str,
    *,
    name: str,
    actor: str,
    expires_in_days: int | None = None,
    scope: str = "write",
) -> tuple[ApiToken, str]:
    """A new token; the secret is returned once and never stored.

    `scope` "read" limits the token to safe methods (GET, HEAD, OPTIONS), whatever
    its user's role; "write" gives it the role's powers."""
    if scope not in TOKEN_SCOPES:
        raise Invalid("Unknown token scope.", [Problem("scope", "read or write")])
    user = get_user(session, username)
    prefix = secrets.token_hex(4)
    secret = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    expires = utcnow() + timedelta(days=expires_in_days) if expires_in_days else None
    token = ApiToken(
        user_id=user.id,
        name=name[:100] or "token",
        prefix=prefix,
        token_hash=_token_digest(secret),
        created_at=utcnow(),
        expires_at=expires,
        scope=scope,
    )
    session.add(token)
    session.flush()
    record(
        session,
        node.signer,
        actor=actor,
        org_id=node.org_id,
        action=Action.TOKEN_CREATE,
        target=f"user:{username}",
        detail={"token_id": token.id, "name": token.name},
    )
    return token, secret


def list_tokens(session: Session, username: str | None = None) -> list[tuple[ApiToken, User]]:
    stmt = select(ApiToken, User).join(User, User.id == ApiToken.user_id).order_by(ApiToken.id)
    if username:
        stmt = stmt.where(User.username == username)
    return [(row[0], row[1]) for row in session.execute(stmt)]


def revoke_token(session: Session, node: Node, token_id: int, *, actor: str) -> None:
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(f"No token with id {token_id}.")
    token.revoked_at = utcnow()
    record(
        session,
        node.signer,
        actor=actor,
        org_id=node.org_id,
        action=Action.TOKEN_REVOKE,
        target=f"token:{token_id}",
    )


def authenticate_token(session: Session, node: Node, secret: str, method: str = "GET") -> User:
    """Resolve a bearer token for a request of `method`; token use is audited at most
    once a minute per token. A read-scoped token is refused for anything but reading."""
    parts = secret.split("_")
    if not secret.startswith(TOKEN_PREFIX) or len(parts) < 3:
        raise Unauthenticated("The API token is malformed.")
    token = session.scalar(select(ApiToken).where(ApiToken.prefix == parts[1]))
    now = utcnow()
    if token is None or not hmac.compare_digest(token.token_hash, _token_digest(secret)):
        raise Unauthenticated("The API token is not valid.")
    if token.revoked_at is not None or (token.expires_at is not None and token.expires_at < now):
        raise Unauthenticated("The API token has expired or was revoked.")
    if token.scope != "write" and method.upper() not in SAFE_METHODS:
        raise PermissionDenied("This token may only read (scope read).")
    user = session.get(User, token.user_id)
    if user is None or not user.active:
        raise Unauthenticated("The API token's user is disabled.")
    last: datetime | None = token.last_used_at
    if last is None or now - last >= TOKEN_USE_AUDIT_INTERVAL:
        token.last_used_at = now
        record(
            session,
            node.signer,
            actor=user.username,
            org_id=node.org_id,
            action=Action.TOKEN_USE,
            target=f"token:{token.id}",
        )
    return user


def create_peer_account(
    session: Session, node: Node, *, username: str, org_id: str, actor: str
) -> tuple[User, str]:
    """An account a peer node uses to read and push as its organization; returns a token."""
    if not USERNAME_RE.match(username):
        raise Invalid(
            "Invalid peer account name.", [Problem("name", "2-64 letters, digits, _ . @ -")]
        )
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        user = User(
            username=username,
            display_name=username,
            password_hash=hash_password(secrets.token_urlsafe(32)),
            role=Role.PEER.value,
            org_id=org_id,
            language="en",
            active=True,
            created_at=utcnow(),
        )
        session.add(user)
        session.flush()
        record(
            session,
            node.signer,
            actor=actor,
            org_id=node.org_id,
            action=Action.USER_CREATE,
            target=f"user:{username}",
            detail={"role": "peer", "org": org_id},
        )
    elif user.role != Role.PEER.value or user.org_id != org_id:
        raise Conflict(f"An account named {username!r} already exists for someone else.")
    _, secret = create_token(session, node, username, name="peer sync", actor=actor)
    return user, secret
