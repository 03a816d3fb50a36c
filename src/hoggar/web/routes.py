"""Web pages: sign-in, language, dashboard, all records, the codebook."""

from __future__ import annotations

from datetime import datetime
from importlib import resources
from typing import Any

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import select

from hoggar.auth.logins import login
from hoggar.auth.logins import logout as logout_user
from hoggar.auth.models import User
from hoggar.context import Node
from hoggar.geo.gazetteer import load_gazetteer
from hoggar.http.sessions import start_session
from hoggar.incidents.dashboard import FIRST_VISIT_DAYS, PARTNER_CAP
from hoggar.incidents.dashboard import dashboard as dashboard_figures
from hoggar.kernel import i18n
from hoggar.kernel.errors import HoggarError, NotFound, TooManyAttempts, Unauthenticated
from hoggar.orgs.service import org_names
from hoggar.store import aggregates, queries
from hoggar.store.filters import ObjectFilter
from hoggar.store.projections import display_name
from hoggar.web import alerts, groups, incidents, meetings, reports, sources
from hoggar.web.common import (
    HERE,
    LANG_COOKIE,
    csrf_ok,
    current_viewer,
    language_of,
    login_redirect,
    not_found,
    render,
    safe_next,
)
from hoggar.web.filters import PERIODS, IncidentFilters

PAGE_SIZE = 50
GEO_LAYERS = frozenset({"borders", "towns"})
SINCE_KEY = "since"


def install(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_form(request: Request, next: str = "/") -> HTMLResponse:
        return render(request, "login.html", next=safe_next(next), error=None)

    @app.post("/login", include_in_schema=False)
    def login_submit(
        request: Request, username: str = Form(""), password: str = Form(""), next: str = Form("/")
    ) -> Response:
        node: Node = request.app.state.node
        client = request.client.host if request.client else ""
        with node.db.session() as session:
            previous = session.scalar(select(User.last_login_at).where(User.username == username))
        try:
            user = login(node, username, password, source=f"web:{client}")
        except (Unauthenticated, TooManyAttempts) as exc:
            i18n.set_language(language_of(request))
            locked = isinstance(exc, TooManyAttempts)
            wait = int(exc.extra.get("retry_after", 60)) if locked else 0
            refused = render(
                request,
                "login.html",
                status=429 if locked else 401,
                next=safe_next(next),
                error=i18n.ngettext(
                    "Too many failed sign-ins. Try again in %(num)s minute.",
                    "Too many failed sign-ins. Try again in %(num)s minutes.",
                    (wait + 59) // 60,
                )
                % {"num": (wait + 59) // 60}
                if locked
                else i18n.gettext("Wrong username or password."),
                username=username,
            )
            if locked:
                refused.headers["Retry-After"] = str(wait)
            return refused
        start_session(request, user)
        if previous is not None:
            request.session[SINCE_KEY] = previous.isoformat()
        response = RedirectResponse(safe_next(next), status_code=303)
        response.set_cookie(LANG_COOKIE, user.language, max_age=365 * 86400, samesite="strict")
        return response

    @app.post("/logout", include_in_schema=False)
    async def logout(request: Request) -> Response:
        form = await request.form()
        if csrf_ok(request, form):
            user_id = request.session.get("user_id")
            if user_id is not None:
                logout_user(request.app.state.node, int(user_id), source="web")
            request.session.clear()
        return RedirectResponse("/login", status_code=303)

    @app.post("/language", include_in_schema=False)
    async def choose_language(request: Request) -> Response:
        """The language sticks: on the account when signed in, in a cookie before."""
        form = await request.form()
        lang = i18n.normalize_language(str(form.get("lang", ""))) or i18n.DEFAULT_LANGUAGE
        target = safe_next(str(form.get("next", "/")))
        viewer = current_viewer(request)
        if viewer is not None:
            if not csrf_ok(request, form):
                return RedirectResponse(target, status_code=303)
            node: Node = request.app.state.node
            with node.db.transaction() as session:
                user = session.get(User, viewer.user.id)
                if user is not None:
                    user.language = lang
            request.session["lang"] = lang
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="strict")
        return response

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def dashboard(request: Request) -> Response:
        node: Node = request.app.state.node
        viewer = current_viewer(request)
        if viewer is None:
            return login_redirect(request)
        filters = IncidentFilters.from_query(request.query_params)
        flt, errors = filters.to_filter()
        since = _since(request)
        with node.db.session() as session:
            names = org_names(session)
            figures = dashboard_figures(
                session, viewer.principal, flt, own_org_id=node.org_id, since=since
            )
        return render(
            request,
            "dashboard.html",
            viewer,
            filters=filters,
            periods=list(PERIODS),
            errors=errors,
            by_type=figures.by_type,
            by_country=figures.by_country,
            recent=figures.recent,
            total=figures.total,
            names=names,
            since=since,
            partners=figures.partners,
            partners_more=figures.partners_more,
            partner_cap=PARTNER_CAP,
            first_visit_days=FIRST_VISIT_DAYS,
            partner_incidents=figures.partner_incidents,
            max_type=max((g["count"] for g in figures.by_type), default=0),
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
        viewer = current_viewer(request)
        if viewer is None:
            return login_redirect(request)
        flt = ObjectFilter(
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
                    session, viewer.principal, flt, limit=PAGE_SIZE, cursor=cursor or None
                )
                total = aggregates.count_objects(session, viewer.principal, flt)
            except HoggarError as exc:
                page, total, error = queries.Page([], None), 0, exc.message
        filters = {
            "type": type,
            "q": q,
            "country": country,
            "originator": originator,
            "tlp": tlp,
            "event_type": event_type,
        }
        return render(
            request,
            "objects.html",
            viewer,
            page=page,
            total=total,
            names=names,
            filters=filters,
            error=error,
        )

    @app.get("/objects/{stix_id}", response_class=HTMLResponse, include_in_schema=False)
    def object_detail(request: Request, stix_id: str) -> Response:
        node: Node = request.app.state.node
        viewer = current_viewer(request)
        if viewer is None:
            return login_redirect(request)
        with node.db.session() as session:
            names = org_names(session)
            try:
                versions = queries.get_versions(session, viewer.principal, stix_id)
                row = queries.get_version_row(session, viewer.principal, stix_id)
            except NotFound:
                return not_found(request, viewer)
            recipients = queries.recipients_of(session, viewer.principal, row)
        current = versions[-1]
        return render(
            request,
            "object.html",
            viewer,
            obj=current,
            versions=versions,
            names=names,
            tlp=row.tlp,
            originator=row.originator_id,
            recipients=[names.get(o, o) for o in recipients or []],
            show_recipients=recipients is not None,
            title=display_name(current) or stix_id,
        )

    @app.get("/codebook", response_class=HTMLResponse, include_in_schema=False)
    def codebook_page(request: Request) -> Response:
        viewer = current_viewer(request)
        if viewer is None:
            return login_redirect(request)
        return render(request, "codebook.html", viewer)

    @app.get("/geo/{layer}.geojson", include_in_schema=False)
    def geo_layer(request: Request, layer: str) -> Response:
        """Packaged base layers (country borders, towns): public data, served offline."""
        if layer not in GEO_LAYERS or current_viewer(request) is None:
            return Response(status_code=404)
        data = resources.files("hoggar.geo").joinpath(f"data/{layer}.geojson").read_bytes()
        return Response(
            data,
            media_type="application/geo+json",
            headers={"Cache-Control": "private, max-age=86400"},
        )

    @app.get("/geo/lookup", include_in_schema=False)
    def geo_lookup(request: Request, q: str = "", country: str = "") -> Response:
        """Gazetteer candidates for the incident form's place finder (public data)."""
        viewer = current_viewer(request)
        if viewer is None:
            return JSONResponse({"detail": "sign in first"}, status_code=401)
        node: Node = request.app.state.node
        lang = language_of(request)
        gazetteer = load_gazetteer(node.settings.data_dir)
        found = gazetteer.lookup(q[:200], 8, country=country or None) if q.strip() else []
        return JSONResponse(
            [
                {
                    "id": c.id,
                    "name": c.entry.data.name_in(lang),
                    "country": c.entry.data.country,
                    "country_name": i18n.country_name(c.entry.data.country, lang),
                    "admin1": c.entry.data.admin1,
                    "lat": c.entry.data.lat,
                    "lon": c.entry.data.lon,
                    "kind": c.entry.data.kind,
                    "score": round(c.score, 3),
                    "why": c.explain(),
                }
                for c in found
            ]
        )

    incidents.install(app)
    groups.install(app)
    alerts.install(app)
    sources.install(app)
    meetings.install(app)
    reports.install(app)


def _since(request: Request) -> datetime | None:
    raw: Any = request.session.get(SINCE_KEY)
    try:
        return datetime.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        return None
