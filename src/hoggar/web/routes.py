"""Web pages: sign-in, dashboard, object list and search, object detail with history."""

from __future__ import annotations

import hmac
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from hoggar.api.routes.accounts import start_session
from hoggar.auth.models import User
from hoggar.auth.service import login, principal_of
from hoggar.auth.service import logout as logout_user
from hoggar.incidents.codebook import load_codebook
from hoggar.kernel.errors import HoggarError, NotFound, Unauthenticated
from hoggar.node.context import Node
from hoggar.orgs.service import org_names
from hoggar.sharing.markings import TLP_BY_ID
from hoggar.sharing.rule import Principal
from hoggar.stix import queries
from hoggar.stix.projections import display_name

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.globals["tlp_labels"] = {mid: level.label for mid, level in TLP_BY_ID.items()}


def event_label(key: str | None, lang: str = "en") -> str:
    """The codebook's name for an event type or sub-type; the key itself if unknown."""
    if not key:
        return "—"
    try:
        return load_codebook().label(key, lang)
    except KeyError:
        return key


templates.env.globals["event_label"] = event_label
PAGE_SIZE = 50


def _user(request: Request, node: Node) -> tuple[User, Principal] | None:
    user_id = request.session.get("user_id")
    if user_id is None:
        return None
    with node.db.session() as session:
        user = session.get(User, user_id)
    if user is None or not user.active or request.session.get("org") != user.org_id:
        request.session.clear()
        return None
    return user, principal_of(user)


def _render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    node: Node = request.app.state.node
    context.setdefault("user", None)
    context.update(request=request, org_name=node.org_name, csrf=request.session.get("csrf", ""))
    return templates.TemplateResponse(request, name, context, status_code=status)


def _login_redirect(request: Request) -> RedirectResponse:
    return RedirectResponse(f"/login?next={request.url.path}", status_code=303)


def install(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_form(request: Request, next: str = "/") -> HTMLResponse:
        return _render(request, "login.html", next=_safe_next(next), error=None)

    @app.post("/login", include_in_schema=False)
    def login_submit(
        request: Request, username: str = Form(""), password: str = Form(""), next: str = Form("/")
    ) -> Response:
        node: Node = request.app.state.node
        client = request.client.host if request.client else ""
        try:
            user = login(node, username, password, source=f"web:{client}")
        except Unauthenticated as exc:
            return _render(
                request,
                "login.html",
                status=401,
                next=_safe_next(next),
                error=exc.message,
                username=username,
            )
        start_session(request, user)
        return RedirectResponse(_safe_next(next), status_code=303)

    @app.post("/logout", include_in_schema=False)
    def logout(request: Request, csrf: str = Form("")) -> Response:
        if hmac.compare_digest(str(request.session.get("csrf", "")), csrf):
            user_id = request.session.get("user_id")
            if user_id is not None:
                logout_user(request.app.state.node, int(user_id), source="web")
            request.session.clear()
        return RedirectResponse("/login", status_code=303)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def dashboard(request: Request) -> Response:
        node: Node = request.app.state.node
        who = _user(request, node)
        if who is None:
            return _login_redirect(request)
        user, principal = who
        with node.db.session() as session:
            names = org_names(session)
            incidents = queries.ObjectFilter(types=("incident",))
            by_type = queries.aggregate(session, principal, incidents, "event_type")
            by_country = queries.aggregate(session, principal, incidents, "country")
            by_originator = queries.aggregate(
                session, principal, queries.ObjectFilter(), "originator"
            )
            recent = queries.list_objects(session, principal, incidents, limit=15).items
            total = queries.count_objects(session, principal, queries.ObjectFilter())
        return _render(
            request,
            "dashboard.html",
            user=user,
            by_type=by_type,
            by_country=by_country,
            by_originator=by_originator,
            recent=recent,
            names=names,
            total=total,
        )

    @app.get("/objects", response_class=HTMLResponse, include_in_schema=False)
    def object_list(
        request: Request,
        type: str = "",
        q: str = "",
        country: str = "",
        originator: str = "",
        tlp: str = "",
        event_type: str = "",
        cursor: str = "",
    ) -> Response:
        node: Node = request.app.state.node
        who = _user(request, node)
        if who is None:
            return _login_redirect(request)
        user, principal = who
        flt = queries.ObjectFilter(
            types=(type,) if type else (),
            text=q or None,
            country=country or None,
            originator=originator or None,
            tlp=tlp or None,
            event_type=event_type or None,
        )
        error = None
        with node.db.session() as session:
            names = org_names(session)
            try:
                page = queries.list_objects(
                    session, principal, flt, limit=PAGE_SIZE, cursor=cursor or None
                )
                total = queries.count_objects(session, principal, flt)
            except HoggarError as exc:
                page, total, error = queries.Page([], None), 0, exc.message
        return _render(
            request,
            "objects.html",
            user=user,
            page=page,
            total=total,
            names=names,
            filters={
                "type": type,
                "q": q,
                "country": country,
                "originator": originator,
                "tlp": tlp,
                "event_type": event_type,
            },
            error=error,
        )

    @app.get("/objects/{stix_id}", response_class=HTMLResponse, include_in_schema=False)
    def object_detail(request: Request, stix_id: str) -> Response:
        node: Node = request.app.state.node
        who = _user(request, node)
        if who is None:
            return _login_redirect(request)
        user, principal = who
        with node.db.session() as session:
            names = org_names(session)
            try:
                versions = queries.get_versions(session, principal, stix_id)
                row = queries.get_version_row(session, principal, stix_id)
            except NotFound as exc:
                return _render(
                    request, "not_found.html", status=404, user=user, message=exc.message
                )
            recipients = queries.recipients_of(session, principal, row)
        current = versions[-1]
        return _render(
            request,
            "object.html",
            user=user,
            obj=current,
            versions=versions,
            names=names,
            tlp=row.tlp,
            originator=row.originator_id,
            recipients=[names.get(o, o) for o in recipients or []],
            show_recipients=recipients is not None,
            title=display_name(current) or stix_id,
        )


def _safe_next(target: str) -> str:
    """Only same-site paths: never redirect to another host after sign-in."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
