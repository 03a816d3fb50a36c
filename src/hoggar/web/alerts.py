"""The alerts page: a user's watch rules, the alerts they raised, delivery states."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from hoggar.alerts import service
from hoggar.auth.models import User
from hoggar.context import Node
from hoggar.geo.gazetteer import load_gazetteer
from hoggar.incidents.names import local_name, visible_groups
from hoggar.kernel import i18n
from hoggar.kernel.errors import Invalid
from hoggar.web.common import FORM_EXPIRED, Viewer, language_of, render
from hoggar.web.deps import NodeDep, Posted, SignedIn, page_router

router = page_router()


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


@router.get("/alerts")
def alerts_page(request: Request, node: NodeDep, viewer: SignedIn) -> Response:
    return _page(request, node, viewer)


@router.post("/alerts/rules")
async def add_rule(request: Request, node: NodeDep, viewer: SignedIn, form: Posted) -> Response:
    if not form.fresh:
        return _page(request, node, viewer, error=i18n.gettext(FORM_EXPIRED), status=400)

    def write() -> None:
        criteria = _criteria(form.data, node)
        with node.db.transaction() as session:
            user = session.get(User, viewer.user.id)
            assert user is not None
            service.create_rule(
                session,
                user,
                name=str(form.data.get("name", "")),
                criteria=criteria,
                email=str(form.data.get("email", "")).strip() or None,
                webhook_url=str(form.data.get("webhook_url", "")).strip() or None,
                max_per_hour=int(str(form.data.get("max_per_hour", "20")) or 20),
            )

    try:
        await run_in_threadpool(write)
    except (Invalid, ValueError) as exc:  # the form again, with what is wrong in it
        detail = "; ".join(f"{p.where}: {p.message}" for p in getattr(exc, "problems", []))
        message = getattr(exc, "message", str(exc))
        return _page(request, node, viewer, error=f"{message} {detail}".strip(), status=422)
    return RedirectResponse("/alerts?saved=1", status_code=303)
