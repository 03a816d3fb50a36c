"""Request-scoped dependencies: the node, the database session, the authenticated principal."""

from __future__ import annotations

import hmac
from collections.abc import Iterator

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from hoggar.auth.models import User
from hoggar.auth.service import principal_of
from hoggar.auth.tokens import SAFE_METHODS, authenticate_token
from hoggar.context import Node, Principal
from hoggar.kernel.errors import PermissionDenied, Unauthenticated

CSRF_HEADER = "x-csrf-token"


def get_node(request: Request) -> Node:
    node: Node = request.app.state.node
    return node


def get_read_session(node: Node = Depends(get_node)) -> Iterator[Session]:
    """A read-only session: never takes the write lock, never blocks writers.

    Writes do not use a dependency: FastAPI may run a yield-dependency's exit after the
    response is sent, so a client could see the answer before the commit. Handlers that
    write open `node.db.transaction()` themselves and return inside it.
    """
    with node.db.session() as session:
        yield session


def current_user(request: Request, session: Session, node: Node) -> User:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return authenticate_token(session, node, auth[7:].strip(), request.method)
    user_id = request.session.get("user_id") if "session" in request.scope else None
    if user_id is None:
        raise Unauthenticated("Sign in, or send an API token as 'Authorization: Bearer …'.")
    user = session.get(User, user_id)
    if user is None or not user.active or request.session.get("org") != user.org_id:
        request.session.clear()
        raise Unauthenticated("Your session has ended; sign in again.")
    if request.method not in SAFE_METHODS:
        expected = str(request.session.get("csrf", ""))
        given = request.headers.get(CSRF_HEADER, "")
        if not expected or not hmac.compare_digest(expected, given):
            raise PermissionDenied("Missing or wrong CSRF token (send the X-CSRF-Token header).")
    return user


def get_principal(request: Request, node: Node = Depends(get_node)) -> Principal:
    """Authenticate in a short transaction of its own (token use may be audited)."""
    with node.db.transaction() as session:
        user = current_user(request, session, node)
    request.state.user = user
    return principal_of(user)


def require_admin(principal: Principal = Depends(get_principal)) -> Principal:
    if not principal.is_admin:
        raise PermissionDenied("This needs the admin role.")
    return principal
