"""The alerts page: a user's watch rules, the alerts they raised, delivery states."""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from hoggar.alerts import service
from hoggar.auth.models import User
from hoggar.context import Node
from hoggar.geo.gazetteer import load_gazetteer
from hoggar.incidents.service import local_name, visible_groups
from hoggar.kernel import i18n
from hoggar.kernel.errors import Invalid
from hoggar.web.common import (
    FORM_EXPIRED,
    Viewer,
    csrf_ok,
    current_viewer,
    language_of,
    login_redirect,
    render,
)


def _criteria(form: Any, node: Node) -> dict[str, Any]:
    """The rule form's fields as criteria; a place name is found in the gazetteer."""
    criteria: dict[str, Any] = {
        "event_types": form.getlist("event_types"),
        "countries": form.getlist("countries"),
        "groups": form.getlist("groups"),
    }
    killed = str(form.get("min_killed", "")).strip()
    if killed:
        criteria["min_killed"] = int(killed) if killed.isdigit() else -1
    place, km = str(form.get("place", "")).strip(), str(form.get("place_km", "")).strip() or "50"
    if place:
        found = load_gazetteer(node.settings.data_dir).lookup(place, 1)
        if not found:
            raise Invalid("Unknown place.", [])
        p = found[0].entry.data
        criteria["near"] = {"lat": p.lat, "lon": p.lon, "km": float(km), "label": p.name}
    area = str(form.get("area", "")).strip()
    if area:
        try:
            parsed = json.loads(area)
        except json.JSONDecodeError as exc:
            raise Invalid("The area is not JSON.", []) from exc
        criteria["area"] = parsed.get("geometry", parsed) if isinstance(parsed, dict) else parsed
    pair = str(form.get("border", "")).strip().upper()
    if pair:
        a, _, b = pair.partition("-")
        criteria["border"] = {"a": a, "b": b, "km": float(str(form.get("border_km", "")) or "50")}
    return criteria


def _page(
    request: Request, node: Node, viewer: Viewer, error: str = "", status: int = 200
) -> HTMLResponse:
    lang = language_of(request)
    i18n.set_language(lang)
    with node.db.session() as session:
        user = session.get(User, viewer.user.id)
        assert user is not None
        rules = service.rules_of(session, user)
        alerts = service.alerts_of(session, user)
        groups = [(g["id"], local_name(g, lang)) for g in visible_groups(session, viewer.principal)]
    return render(
        request,
        "alerts.html",
        viewer,
        status=status,
        rules=rules,
        alerts=alerts,
        groups=groups,
        error=error,
    )


def install(app: FastAPI) -> None:
    @app.get("/alerts", response_class=HTMLResponse, include_in_schema=False)
    def alerts_page(request: Request) -> Response:
        node: Node = request.app.state.node
        viewer = current_viewer(request)
        if viewer is None:
            return login_redirect(request)
        return _page(request, node, viewer)

    @app.post("/alerts/rules", include_in_schema=False)
    async def add_rule(request: Request) -> Response:
        node: Node = request.app.state.node
        viewer = current_viewer(request)
        if viewer is None:
            return login_redirect(request)
        form = await request.form()
        if not csrf_ok(request, form):
            return _page(
                request,
                node,
                viewer,
                error=i18n.gettext(FORM_EXPIRED),
                status=400,
            )

        def write() -> None:
            criteria = _criteria(form, node)
            with node.db.transaction() as session:
                user = session.get(User, viewer.user.id)
                assert user is not None
                service.create_rule(
                    session,
                    user,
                    name=str(form.get("name", "")),
                    criteria=criteria,
                    email=str(form.get("email", "")).strip() or None,
                    webhook_url=str(form.get("webhook_url", "")).strip() or None,
                    max_per_hour=int(str(form.get("max_per_hour", "20")) or 20),
                )

        try:
            await run_in_threadpool(write)
        except (Invalid, ValueError) as exc:
            detail = "; ".join(f"{p.where}: {p.message}" for p in getattr(exc, "problems", []))
            message = getattr(exc, "message", str(exc))
            return _page(request, node, viewer, error=f"{message} {detail}".strip(), status=422)
        return RedirectResponse("/alerts?saved=1", status_code=303)
