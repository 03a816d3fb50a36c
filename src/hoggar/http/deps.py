"""Request-scoped dependencies of both interfaces: the node, the database session, who
is asking (a session or an API token)."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from hoggar.auth.models import User
from hoggar.auth.service import principal_of
from hoggar.auth.tokens import SAFE_METHODS, authenticate_token
from hoggar.context import Node, Principal
from hoggar.http.sessions import csrf_matches, has_session, session_user
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
    """A bearer token's user, else the session's (writes then need the CSRF header)."""
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return authenticate_token(session, node, auth[7:].strip(), request.method)
    if not has_session(request):
        raise Unauthenticated("Sign in, or send an API token as 'Authorization: Bearer …'.")
    user = session_user(request, session)
    if user is None:
        raise Unauthenticated("Your session has ended; sign in again.")
    if request.method not in SAFE_METHODS and not csrf_matches(
        request, request.headers.get(CSRF_HEADER, "")
    ):
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
