"""Signing in and out, and the language of the pages."""

from __future__ import annotations

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hoggar.auth.models import User
from hoggar.http.sessions import remember_language, sign_in, sign_out
from hoggar.kernel import i18n
from hoggar.kernel.errors import HoggarError, TooManyAttempts, Unauthenticated
from hoggar.web.common import LANG_COOKIE, language_of, render, safe_next
from hoggar.web.deps import MaybeViewer, NodeDep, Posted, page_router

router = page_router()
YEAR_S = 365 * 86400


@router.get("/login")
def login_form(request: Request, next: str = "/") -> HTMLResponse:
    return render(request, "login.html", next=safe_next(next), error=None)


@router.post("/login")
def login_submit(
    request: Request,
    node: NodeDep,
    username: str = Form(""),
    password: str = Form(""),
    next: str = Form("/"),
) -> Response:
    client = request.client.host if request.client else ""
    try:
        user = sign_in(
            request, node, username, password, source=f"web:{client}", keep_last_visit=True
        ).user
    except (Unauthenticated, TooManyAttempts) as exc:
        return _refused(request, exc, username, next)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(LANG_COOKIE, user.language, max_age=YEAR_S, samesite="strict")
    return response


def _refused(request: Request, exc: HoggarError, username: str, next: str) -> HTMLResponse:
    """The sign-in form again: wrong credentials (401), or locked for a while (429)."""
    i18n.set_language(language_of(request))
    locked = isinstance(exc, TooManyAttempts)
    wait = int(exc.extra.get("retry_after", 60)) if locked else 0
    minutes = (wait + 59) // 60
    refused = render(
        request,
        "login.html",
        status=429 if locked else 401,
        next=safe_next(next),
        error=i18n.ngettext(
            "Too many failed sign-ins. Try again in %(num)s minute.",
            "Too many failed sign-ins. Try again in %(num)s minutes.",
            minutes,
        )
        % {"num": minutes}
        if locked
        else i18n.gettext("Wrong username or password."),
        username=username,
    )
    if locked:
        refused.headers["Retry-After"] = str(wait)
    return refused


@router.post("/logout")
def logout(request: Request, node: NodeDep, form: Posted) -> Response:
    if form.fresh:
        sign_out(request, node, source="web")
    return RedirectResponse("/login", status_code=303)


@router.post("/language")
def choose_language(request: Request, node: NodeDep, form: Posted, viewer: MaybeViewer) -> Response:
    """The language sticks: on the account when signed in, in a cookie before."""
    lang = i18n.normalize_language(str(form.data.get("lang", ""))) or i18n.DEFAULT_LANGUAGE
    target = safe_next(str(form.data.get("next", "/")))
    if viewer is not None:
        if not form.fresh:
            return RedirectResponse(target, status_code=303)
        with node.db.transaction() as session:
            user = session.get(User, viewer.user.id)
            if user is not None:
                user.language = lang
        remember_language(request, lang)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(LANG_COOKIE, lang, max_age=YEAR_S, samesite="strict")
    return response
