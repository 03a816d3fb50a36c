"""What a page's route asks for: the node, the signed-in viewer (or else the sign-in
page), the posted form with its CSRF check, the page's language; and the one place
core errors on a page become a page."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from hoggar.auth.service import principal_of
from hoggar.context import Node
from hoggar.http.deps import get_node
from hoggar.http.problems import serves_pages
from hoggar.http.sessions import csrf_matches, session_user
from hoggar.kernel.errors import HoggarError, NotFound, PermissionDenied
from hoggar.web.common import Viewer, language_of, not_found


def current_viewer(request: Request) -> Viewer | None:
    """Who is signed in, if anyone (a session that no longer holds is ended)."""
    node: Node = request.app.state.node
    with node.db.session() as session:
        user = session_user(request, session)
    return None if user is None else Viewer(user, principal_of(user))


def login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse("/login?" + urlencode({"next": target}), status_code=303)


def csrf_ok(request: Request, form: FormData) -> bool:
    return csrf_matches(request, str(form.get("csrf", "")))


class SignInRequired(Exception):
    """No one is (still) signed in: the sign-in page answers, and comes back here after."""


def signed_in(request: Request) -> Viewer:
    viewer = current_viewer(request)
    if viewer is None:
        raise SignInRequired
    request.state.viewer = viewer
    return viewer


@dataclass(frozen=True)
class PostedForm:
    """A posted form, and whether it carries the session's CSRF token."""

    data: FormData
    fresh: bool


async def posted_form(request: Request) -> PostedForm:
    form = await request.form()
    return PostedForm(form, csrf_ok(request, form))


async def page_language(request: Request) -> str:
    return language_of(request)


NodeDep = Annotated[Node, Depends(get_node)]
SignedIn = Annotated[Viewer, Depends(signed_in)]
MaybeViewer = Annotated[Viewer | None, Depends(current_viewer)]
Posted = Annotated[PostedForm, Depends(posted_form)]
Lang = Annotated[str, Depends(page_language)]


def page_router() -> APIRouter:
    """A router of pages: left out of the API's schema; core errors become pages."""
    return APIRouter(include_in_schema=False, dependencies=[Depends(serves_pages)])


async def sign_in_first(request: Request, exc: Exception) -> Response:
    """The handler of SignInRequired: to the sign-in page, then back to this page."""
    return login_redirect(request)


def page_error(request: Request, exc: HoggarError) -> Response | None:
    """A record that is missing, or not for this reader, answers the not-found page in
    the page's language; other core errors keep their problem details."""
    viewer: Viewer | None = getattr(request.state, "viewer", None)
    if isinstance(exc, NotFound) and viewer is not None:
        return not_found(request, viewer)
    return None


@contextmanager
def hidden_unless_allowed() -> Iterator[None]:
    """What the reader may not act on answers exactly like a missing record."""
    try:
        yield
    except PermissionDenied as exc:
        raise NotFound(exc.message) from exc
