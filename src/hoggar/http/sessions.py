"""The signed session cookie, shared by the REST API and the web interface: what it
holds, signing in and out, and the CSRF token that every write with it must carry."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request

from hoggar.auth import logins
from hoggar.auth.models import User
from hoggar.context import Node

SESSION_COOKIE = "hoggar_session"
# What the cookie holds.
USER_ID = "user_id"
ORG = "org"
CSRF = "csrf"
LANG = "lang"
LAST_VISIT = "since"  # the sign-in before this one (the dashboard's "since your last visit")


@dataclass(frozen=True)
class SignedIn:
    user: User
    csrf: str


def start_session(request: Request, user: User) -> str:
    """Put the signed-in user in the (signed) session cookie; returns the CSRF token."""
    request.session.clear()
    csrf = secrets.token_urlsafe(24)
    request.session.update({USER_ID: user.id, ORG: user.org_id, CSRF: csrf, LANG: user.language})
    return csrf


def sign_in(
    request: Request,
    node: Node,
    username: str,
    password: str,
    *,
    source: str,
    keep_last_visit: bool = False,
) -> SignedIn:
    """Check the credentials (Unauthenticated or TooManyAttempts if refused), then start
    a session; `keep_last_visit` remembers when the user had signed in before."""
    previous = None
    if keep_last_visit:
        with node.db.session() as session:
            previous = session.scalar(select(User.last_login_at).where(User.username == username))
    user = logins.login(node, username, password, source=source)
    csrf = start_session(request, user)
    if previous is not None:
        request.session[LAST_VISIT] = previous.isoformat()
    return SignedIn(user, csrf)


def sign_out(request: Request, node: Node, *, source: str) -> None:
    """End the session (audited when someone was signed in)."""
    user_id = request.session.get(USER_ID)
    if user_id is not None:
        logins.logout(node, int(user_id), source=source)
    request.session.clear()


def has_session(request: Request) -> bool:
    """Whether the request claims a signed-in user (still to be checked)."""
    return "session" in request.scope and request.session.get(USER_ID) is not None


def session_user(request: Request, db: Session) -> User | None:
    """The session's user while the account is active and in the same organization;
    a session that no longer holds is cleared."""
    user_id = request.session.get(USER_ID) if "session" in request.scope else None
    if user_id is None:
        return None
    user = db.get(User, user_id)
    if user is None or not user.active or request.session.get(ORG) != user.org_id:
        request.session.clear()
        return None
    return user


def csrf_token(request: Request) -> str:
    return str(request.session.get(CSRF, ""))


def csrf_matches(request: Request, given: str) -> bool:
    """Whether `given` is the session's CSRF token (there must be one)."""
    expected = csrf_token(request)
    return bool(expected) and hmac.compare_digest(expected, given)


def session_language(request: Request) -> Any:
    return request.session.get(LANG)


def remember_language(request: Request, lang: str) -> None:
    request.session[LANG] = lang


def last_visit(request: Request) -> datetime | None:
    raw: Any = request.session.get(LAST_VISIT)
    try:
        return datetime.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        return None
