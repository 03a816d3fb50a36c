"""Accounts and roles (passwords in `hoggar.auth.passwords`, sign-ins in
`hoggar.auth.logins`, API tokens in `hoggar.auth.tokens`); every change audited."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from hoggar.audit.service import Action, record
from hoggar.auth.models import User
from hoggar.auth.passwords import check_password, hash_password
from hoggar.context import Node, Principal, Role
from hoggar.kernel.clock import utcnow
from hoggar.kernel.errors import Conflict, Invalid, NotFound, Problem

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.@-]{2,64}$")
LANGUAGES = ("ar", "fr", "en")


def principal_of(user: User) -> Principal:
    role = Role(user.role)
    kind = "peer" if role is Role.PEER else "user"
    return Principal(org_id=user.org_id, name=user.username, role=role, user_id=user.id, kind=kind)


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
    check_password(password, username)
    parsed = _parse_role(role)
    if language not in LANGUAGES:
        raise Invalid("Unknown language.", [Problem("language", f"one of {', '.join(LANGUAGES)}")])
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"A user named {username!r} already exists.", [Problem("username", "taken")])
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=hash_password(password),
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
        check_password(password, username)
        user.password_hash = hash_password(password)
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
