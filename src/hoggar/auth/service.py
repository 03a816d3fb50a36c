"""Accounts (argon2id), roles, logins and API tokens; every change audited."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from hoggar.audit.service import Action, record
from hoggar.auth import throttle
from hoggar.auth.models import ApiToken, User
from hoggar.context import Node, Principal, Role
from hoggar.kernel.clock import utcnow
from hoggar.kernel.errors import (
    Conflict,
    HoggarError,
    Invalid,
    NotFound,
    PermissionDenied,
    Problem,
    TooManyAttempts,
    Unauthenticated,
)

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# A hash to verify against when the user does not exist, so timing does not tell.
_dummy_hash: list[str] = []  # made on first use: hashing at import slows every command


def _dummy() -> str:
    if not _dummy_hash:
        _dummy_hash.append(_hasher.hash("hoggar-dummy-password"))
    return _dummy_hash[0]


USERNAME_RE = re.compile(r"^[A-Za-z0-9_.@-]{2,64}$")
MIN_PASSWORD = 10
TOKEN_SCOPES = ("read", "write")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
TOKEN_PREFIX = "hgr_"
LANGUAGES = ("ar", "fr", "en")


def principal_of(user: User) -> Principal:
    role = Role(user.role)
    kind = "peer" if role is Role.PEER else "user"
    return Principal(org_id=user.org_id, name=user.username, role=role, user_id=user.id, kind=kind)


MAX_PASSWORD = 1024
# NIST SP 800-63B §5.1.1.2: length, no composition rules, but refuse what is known to
# be guessed first — the commonest long passwords (in the languages of the members'
# keyboards), a keyboard row or a run of digits, few distinct characters, the account
# name itself.
COMMON_PASSWORDS = frozenset(
    {
        "1234567890",
        "12345678910",
        "123456789a",
        "0123456789",
        "1111111111",
        "0987654321",
        "qwertyuiop",
        "azertyuiop",
        "qwertyuiop123",
        "azertyuiop123",
        "password123",
        "password1234",
        "password12345",
        "passwordpassword",
        "motdepasse",
        "motdepasse123",
        "iloveyou123",
        "administrator",
        "administrateur",
        "changeme123",
        "welcome123",
        "bienvenue123",
        "letmein12345",
        "football123",
        "1q2w3e4r5t",
        "1qaz2wsx3edc",
        "q1w2e3r4t5",
        "a1b2c3d4e5",
        "abcdefghij",
        "abcd123456",
        "aaaaaaaaaa",
        "zaq12wsxcde",
        "trustno1234",
    }
)


def password_problem(password: str, username: str = "") -> str | None:
    """Why a password may not be used, or None (checked on every password set)."""
    if len(password) < MIN_PASSWORD:
        return f"use at least {MIN_PASSWORD} characters"
    if len(password) > MAX_PASSWORD:
        return f"use at most {MAX_PASSWORD} characters"
    folded = password.casefold()
    if folded in COMMON_PASSWORDS or folded.rstrip("!.?") in COMMON_PASSWORDS:
        return "this password is among the first that attackers try"
    if len(set(folded)) < 4:
        return "use more than three different characters"
    letters = "".join(c for c in folded if c.isalpha())
    if letters and letters == "".join(c for c in username.casefold() if c.isalpha()):
        return "do not build it from the account name"
    return None


def _check_password(password: str, username: str = "") -> None:
    problem = password_problem(password, username)
    if problem:
        raise Invalid("The password cannot be used.", [Problem("password", problem)])


def _parse_role(role: str) -> Role:
    try:
        parsed = Role(role)
        if parsed is Role.PEER:
            raise ValueError("peer accounts are made with `hoggar peer add`")
        return parsed
    except ValueError as exc:
        raise Invalid(
            "Unknown role.",
            [Problem("role", f"{role!r} is not one of admin, analyst, viewer")],
        ) from exc


def create_user(
    session: Session,
    node: Node,
    *,
    username: str,
    password: str,
    role: str,
    actor: str,
    display_name: str = "",
    language: str = "en",
) -> User:
    if not USERNAME_RE.match(username):
        raise Invalid("Invalid username.", [Problem("username", "2-64 letters, digits, _ . @ -")])
    _check_password(password, username)
    parsed = _parse_role(role)
    if language not in LANGUAGES:
        raise Invalid("Unknown language.", [Problem("language", f"one of {', '.join(LANGUAGES)}")])
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"A user named {username!r} already exists.", [Problem("username", "taken")])
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=_hasher.hash(password),
        role=parsed.value,
        org_id=node.org_id,
        language=language,
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
        detail={"role": parsed.value},
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
            password_hash=_hasher.hash(secrets.token_urlsafe(32)),
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


def get_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"No user named {username!r}.")
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))


def update_user(
    session: Session,
    node: Node,
    username: str,
    *,
    actor: str,
    role: str | None = None,
    password: str | None = None,
    active: bool | None = None,
    language: str | None = None,
    display_name: str | None = None,
) -> User:
    user = get_user(session, username)
    changes: dict[str, object] = {}
    if role is not None:
        user.role = _parse_role(role).value
        changes["role"] = user.role
    if password is not None:
        _check_password(password, username)
        user.password_hash = _hasher.hash(password)
        changes["password"] = "changed"
    if active is not None:
        user.active = active
        changes["active"] = active
    if language is not None:
        if language not in LANGUAGES:
            raise Invalid(
                "Unknown language.", [Problem("language", f"one of {', '.join(LANGUAGES)}")]
            )
        user.language = language
        changes["language"] = language
    if display_name is not None:
        user.display_name = display_name
        changes["display_name"] = display_name
    record(
        session,
        node.signer,
        actor=actor,
        org_id=node.org_id,
        action=Action.USER_CHANGE,
        target=f"user:{username}",
        detail=changes,
    )
    return user


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
    ok = False
    try:
        ok = _hasher.verify(user.password_hash if user else _dummy(), password)
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or user is None or not user.active:
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
        return None
    throttle.succeeded(session, username)
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
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


TOKEN_USE_AUDIT_INTERVAL = timedelta(minutes=1)


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
