"""Incident pages: list and search, report and edit, detail with history, map, timeline."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from hoggar.context import Node
from hoggar.fusion import service as fusion
from hoggar.fusion.related import related_for
from hoggar.incidents import service
from hoggar.incidents.form import OPINIONS, IncidentInput
from hoggar.kernel import i18n
from hoggar.kernel.errors import HoggarError, NotFound, PermissionDenied
from hoggar.orgs.service import org_names
from hoggar.records.authoring import Sharing
from hoggar.sharing.markings import TLP
from hoggar.sources import review
from hoggar.store import aggregates, queries
from hoggar.store.filters import ObjectFilter
from hoggar.web.common import (
    FORM_EXPIRED,
    Viewer,
    csrf_ok,
    current_viewer,
    event_label,
    language_of,
    login_redirect,
    not_found,
    render,
)
from hoggar.web.filters import PERIODS, IncidentFilters

PAGE_SIZE = 50
MAP_LIMIT = 5000


def _form_dict(form: FormData) -> dict[str, Any]:
    data: dict[str, Any] = {k: form.get(k) for k in form}
    for key in ("actor_refs", "release_to", "seized_item", "seized_quantity", "seized_unit"):
        data[key] = form.getlist(key)
    return data


def _choices(node: Node, viewer: Viewer, lang: str) -> dict[str, Any]:
    """What the form offers: visible places and groups, member organizations."""
    with node.db.session() as session:
        names = org_names(session)
        places = service.visible_places(session, viewer.principal)
        groups = service.visible_groups(session, viewer.principal)
    members = sorted(
        ((oid, name) for oid, name in names.items() if oid != node.org_id), key=lambda x: x[1]
    )
    return {
        "places": [
            {
                "id": p["id"],
                "name": service.local_name(p, lang),
                "country": p.get("country") or "",
                "latitude": p.get("latitude"),
                "longitude": p.get("longitude"),
                "admin1": p.get("administrative_area") or "",
            }
            for p in places
        ],
        "groups": [{"id": g["id"], "name": service.local_name(g, lang)} for g in groups],
        "members": members,
        "names": names,
        "tlps": [t.value for t in TLP],
    }


def _filter_choices(node: Node, viewer: Viewer) -> dict[str, Any]:
    with node.db.session() as session:
        names = org_names(session)
        groups = service.visible_groups(session, viewer.principal)
        countries = [
            g["key"]
            for g in aggregates.aggregate(
                session, viewer.principal, ObjectFilter(types=("incident",)), "country"
            )
            if g["key"]
        ]
    lang = i18n.current_language()
    return {
        "names": names,
        "group_choices": [(g["id"], service.local_name(g, lang)) for g in groups],
        "countries": sorted(countries),
        "periods": list(PERIODS),
        "tlps": [t.value for t in TLP],
    }


def install(app: FastAPI) -> None:
    @app.get("/incidents", response_class=HTMLResponse, include_in_schema=False)
    def incident_list(request: Request, page: int = 1) -> Response:
        node: Node = request.app.state.node
        viewer = current_viewer(request)
        if viewer is None:
            return login_redirect(request)
        filters = IncidentFilters.from_query(request.query_params)
        flt, errors = filters.to_filter()
        page = max(1, min(page, 10_000))
        i18n.set_language(language_of(request))
        choices = _filter_choices(node, viewer)
        with node.db.session() as session:
            try:
                total = aggregates.count_objects(session, viewer.principal, flt)
                items = queries.by_start(
                    session,
                    viewer.principal,
                    flt,
                    limit=PAGE_SIZE,
                    offset=(page - 1) * PAGE_SIZE,
                )
            except HoggarError as exc:
                total, items = 0, []
                errors.append(i18n.Msg(exc.message))
        return render(
            request,
            "incidents.html",
            viewer,
            filters=filters,
            errors=errors,
            items=items,
            total=total,
            page=page,
            pages=max(1, -(-total // PAGE_SIZE)),
            **choices,
        )

    @app.get("/incidents/new", response_class=HTMLResponse, include_in_schema=False)
    def new_form(request: Request) -> Response:
        node: Node = request.app.state.node
        viewer = current_viewer(request)
        if viewer is None:
            return login_redirect(request)
        lang = language_of(request)
        inp = IncidentInput(lang=lang, tlp="amber")
        draft = request.query_params.get("draft", "")
        if draft.isdigit():
            try:
                with node.db.session() as session:
                    inp = review.form_of_draft(session, node, viewer.principal, int(draft), lang)
            except (NotFound, PermissionDenied):
                return not_found(request, viewer)
            except HoggarError as exc:
                return _form_page(
                    request, node, viewer, inp, {"": [i18n.Msg(exc.message)]}, None, status=409
                )
        return _form_page(request, node, viewer, inp, {}, editing=None, draft=draft)

    @app.post("/incidents/new", include_in_schema=False)
    async def create(request: Request) -> Response:
        node: Node = request.app.state.node
        viewer = current_viewer(request)
        if viewer is None:
            return login_redirect(request)
        form = await request.form()
        lang = language_of(request)
        inp = IncidentInput.from_mapping(_form_dict(form)).with_defaults(lang)
        if not csrf_ok(request, form):
            return _form_page(request, node, viewer, inp, _csrf_error(), editing=None, status=400)

        draft = str(form.get("draft", ""))

        def write() -> dict[str, Any]:
            with node.db.transaction() as session:
                if draft.isdigit():
                    return review.accept_draft(session, node, viewer.principal, int(draft), inp)
                return service.report_incident(session, node, viewer.principal, inp)

        try:
            obj = await run_in_threadpool(write)
        except service.FormInvalid as exc:
            return _form_page(
                request, node, viewer, inp, exc.errors, editing=None, status=422, draft=draft
            )
        except NotFound:
            return not_found(request, viewer)
        except PermissionDenied as exc:
            return _form_page(
                request, node, viewer, inp, {"": [i18n.Msg(exc.message)]}, None, status=403
            )
        return RedirectResponse(f"/incidents/{obj['id']}?saved=1", status_code=303)

    @app.get("/incidents/{stix_id}", response_class=HTMLResponse, include_in_schema=False)
    def detail(request: Request, stix_id: str) -> Response:
        node: Node = request.app.state.node
        viewer = current_viewer(request)
        if viewer is None:
            return login_redirect(request)
        return _detail_page(request, node, viewer, stix_id)

    @app.get("/incidents/{stix_id}/edit", response_class=HTMLResponse, include_in_schema=False)
    def edit_form(request: Request, stix_id: str) -> Response:
        node: Node = request.app.state.node
        viewer = current_viewer(request)
        if viewer is None:
            return login_redirect(request)
        with node.db.session() as session:
            try:
                view = service.view_incident(session, viewer.principal, stix_id)
                service.require_originator(viewer.principal, node, view)
            except (NotFound, PermissionDenied):
                return (
                    not_found(request, viewer)
                    if not _readable(node, viewer, stix_id)
                    else (RedirectResponse(f"/incidents/{stix_id}", status_code=303))
                )
        inp = IncidentInput.from_incident(
            view.incident, view.tlp, view.recipients or [], view.recipients_disclosed
        )
        return _form_page(request, node, viewer, inp, {}, editing=view.incident)

    @app.post("/incidents/{stix_id}/edit", include_in_schema=False)
    async def edit(request: Request, stix_id: str) -> Response:
        node: Node = request.app.state.node
        viewer = current_viewer(request)
        if viewer is None:
            return login_redirect(request)
        form = await request.form()
        inp = IncidentInput.from_mapping(_form_dict(form)).with_defaults(language_of(request))

        def current() -> dict[str, Any] | None:
            with node.db.session() as session:
                try:
                    return queries.get_object(session, viewer.principal, stix_id)
                except NotFound:
                    return None

        existing = await run_in_threadpool(current)
        if existing is None or existing.get("type") != "incident":
            return not_found(request, viewer)
        if not csrf_ok(request, form):
            return _form_page(request, node, viewer, inp, _csrf_error(), existing, status=400)

        def write() -> None:
            with node.db.transaction() as session:
                service.edit_incident(session, node, viewer.principal, stix_id, inp)

        try:
            await run_in_threadpool(write)
        except service.FormInvalid as exc:
            return _form_page(request, node, viewer, inp, exc.errors, existing, status=422)
        except PermissionDenied as exc:
            errors = {"": [i18n.Msg(exc.message)]}
            return _form_page(request, node, viewer, inp, errors, existing, status=403)
        return RedirectResponse(f"/incidents/{stix_id}?saved=1", status_code=303)

    @app.post("/incidents/{stix_id}/opinion", include_in_schema=False)
    async def opinion(request: Request, stix_id: str) -> Response:
        def write(session: Session, node: Node, viewer: Viewer, form: FormData) -> None:
            inp = service.OpinionInput(
                opinion=str(form.get("opinion", "")),
                explanation=str(form.get("explanation", "")).strip(),
                tlp=str(form.get("tlp", "amber")),
                release_to=tuple(str(v) for v in form.getlist("release_to")),
                disclose_recipients=form.get("disclose_recipients") == "1",
            )
            service.give_opinion(session, node, viewer.principal, stix_id, inp)

        return await _add_to_incident(request, stix_id, write, "opinion", "#opinions")

    @app.post("/incidents/{stix_id}/note", include_in_schema=False)
    async def note(request: Request, stix_id: str) -> Response:
        def write(session: Session, node: Node, viewer: Viewer, form: FormData) -> None:
            release = tuple(str(v) for v in form.getlist("release_to"))
            sharing = Sharing.parse(
                str(form.get("tlp", "amber")), release, form.get("disclose_recipients") == "1"
            )
            content = str(form.get("content", "")).strip()
            service.add_note(session, node, viewer.principal, stix_id, content, sharing)

        return await _add_to_incident(request, stix_id, write, "content", "#notes")

    @app.post("/incidents/{stix_id}/fuse", include_in_schema=False)
    async def fuse(request: Request, stix_id: str) -> Response:
        """Confirm or reject a proposed match ("same event") with another report."""

        def write(session: Session, node: Node, viewer: Viewer, form: FormData) -> None:
            other = str(form.get("other", ""))
            if form.get("decision") == "confirm":
                fusion.confirm(session, node, viewer.principal, stix_id, other)
            elif form.get("decision") == "relate":
                pattern = str(form.get("pattern", "related"))
                fusion.link_related(session, node, viewer.principal, stix_id, other, pattern)
            else:
                fusion.reject(session, node, viewer.principal, stix_id, other)

        return await _add_to_incident(request, stix_id, write, "fusion", "#fusion")

    @app.get("/map", response_class=HTMLResponse, include_in_schema=False)
    def map_page(request: Request) -> Response:
        node: Node = request.app.state.node
        viewer = current_viewer(request)
        if viewer is None:
            return login_redirect(request)
        filters = IncidentFilters.from_query(request.query_params)
        _, errors = filters.to_filter()
        i18n.set_language(language_of(request))
        return render(
            request,
            "map.html",
            viewer,
            filters=filters,
            errors=errors,
            **_filter_choices(node, viewer),
        )

    @app.get("/map/incidents.geojson", include_in_schema=False)
    def map_data(request: Request) -> Response:
        """The map layer: visible incidents with coordinates, as GeoJSON."""
        node: Node = request.app.state.node
        viewer = current_viewer(request)
        if viewer is None:
            return JSONResponse({"type": "FeatureCollection", "features": []}, status_code=401)
        filters = IncidentFilters.from_query(request.query_params)
        flt, _ = filters.to_filter()
        lang = language_of(request)
        with node.db.session() as session:
            names = org_names(session)
            points = aggregates.incident_points(session, viewer.principal, flt, limit=MAP_LIMIT)
            total = aggregates.count_objects(session, viewer.principal, flt)
        features = [
            {
                "type": "Feature",
                "id": p["stix_id"],
                "geometry": {"type": "Point", "coordinates": [p["lon"], p["lat"]]},
                "properties": {
                    "id": p["stix_id"],
                    "name": p["name"],
                    "event_type": p["event_type"],
                    "label": event_label(p["sub_type"] or p["event_type"], lang),
                    "start": p["start_at"].isoformat() if p["start_at"] else None,
                    "day": i18n.format_day(p["start_at"], lang),
                    "killed": p["killed"],
                    "kidnapped": p["kidnapped"],
                    "country": p["country"],
                    "lang": p["lang"],
                    "originator": names.get(p["originator_id"], p["originator_id"]),
                },
            }
            for p in points
        ]
        return JSONResponse(
            {"type": "FeatureCollection", "features": features, "total": total},
            media_type="application/geo+json",
        )

    @app.get("/timeline", response_class=HTMLResponse, include_in_schema=False)
    def timeline(request: Request) -> Response:
        node: Node = request.app.state.node
        viewer = current_viewer(request)
        if viewer is None:
            return login_redirect(request)
        filters = IncidentFilters.from_query(request.query_params)
        flt, errors = filters.to_filter()
        i18n.set_language(language_of(request))
        choices = _filter_choices(node, viewer)
        with node.db.session() as session:
            rows = aggregates.start_times(session, viewer.principal, flt)
            recent = queries.by_start(session, viewer.principal, flt, limit=40)
        months = _months(rows)
        return render(
            request,
            "timeline.html",
            viewer,
            filters=filters,
            errors=errors,
            months=months,
            max_month=max((m["count"] for m in months), default=0),
            items=recent,
            total=len(rows),
            **choices,
        )


Writer = Callable[[Session, Node, Viewer, FormData], None]


async def _add_to_incident(
    request: Request, stix_id: str, write: Writer, field: str, anchor: str
) -> Response:
    """Post an opinion or a note on an incident; problems come back on its page."""
    node: Node = request.app.state.node
    viewer = current_viewer(request)
    if viewer is None:
        return login_redirect(request)
    form = await request.form()
    if not csrf_ok(request, form):
        return _detail_page(request, node, viewer, stix_id, errors=_csrf_error(), status=400)

    def run() -> None:
        with node.db.transaction() as session:
            write(session, node, viewer, form)

    try:
        await run_in_threadpool(run)
    except NotFound:
        return not_found(request, viewer)
    except service.FormInvalid as exc:
        return _detail_page(request, node, viewer, stix_id, errors=exc.errors, status=422)
    except HoggarError as exc:
        status = 403 if isinstance(exc, PermissionDenied) else 422
        errors = {field: [i18n.Msg(exc.message)]}
        return _detail_page(request, node, viewer, stix_id, errors=errors, status=status)
    return RedirectResponse(f"/incidents/{stix_id}?saved=1{anchor}", status_code=303)


def _months(rows: list[tuple[datetime, str | None, int]]) -> list[dict[str, Any]]:
    """Incidents per month, with the split by event type, oldest month first."""
    counts: dict[tuple[int, int], Counter[str]] = {}
    killed: Counter[tuple[int, int]] = Counter()
    for start, event_type, dead in rows:
        key = (start.year, start.month)
        counts.setdefault(key, Counter())[event_type or ""] += 1
        killed[key] += dead
    if not counts:
        return []
    first, last = min(counts), max(counts)
    out = []
    year, month = first
    while (year, month) <= last:
        by_type = counts.get((year, month), Counter())
        out.append(
            {
                "key": f"{year:04d}-{month:02d}",
                "label": i18n.month_label(datetime(year, month, 1)),  # noqa: DTZ001
                "count": sum(by_type.values()),
                "killed": killed[(year, month)],
                "by_type": by_type.most_common(),
                "since": f"{year:04d}-{month:02d}-01",
            }
        )
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _csrf_error() -> dict[str, list[i18n.Msg]]:
    return {"": [i18n.Msg(FORM_EXPIRED)]}


def _readable(node: Node, viewer: Viewer, stix_id: str) -> bool:
    with node.db.session() as session:
        try:
            queries.get_object(session, viewer.principal, stix_id)
        except NotFound:
            return False
    return True


def _form_page(
    request: Request,
    node: Node,
    viewer: Viewer,
    inp: IncidentInput,
    errors: dict[str, list[i18n.Msg]],
    editing: dict[str, Any] | None,
    status: int = 200,
    draft: str = "",
) -> HTMLResponse:
    lang = language_of(request)
    i18n.set_language(lang)
    choices = _choices(node, viewer, lang)
    return render(
        request,
        "incident_form.html",
        viewer,
        status=status,
        inp=inp,
        errors=errors,
        editing=editing,
        draft=draft if draft.isdigit() else "",
        opinions=OPINIONS,
        **choices,
    )


def _detail_page(
    request: Request,
    node: Node,
    viewer: Viewer,
    stix_id: str,
    errors: dict[str, list[i18n.Msg]] | None = None,
    status: int = 200,
) -> HTMLResponse:
    lang = language_of(request)
    with node.db.session() as session:
        names = org_names(session)
        try:
            view = service.view_incident(session, viewer.principal, stix_id)
        except NotFound:
            return not_found(request, viewer)
        try:
            candidates = fusion.find_candidates(session, viewer.principal, stix_id)
        except HoggarError:
            candidates = []  # no start time: nothing to match on
        fused = [
            (g, fusion.summary(session, viewer.principal, g))
            for g in fusion.fused_with(session, viewer.principal, stix_id)
        ]
        linked = {
            r["target_ref"] if r["source_ref"] == stix_id else r["source_ref"]
            for role in ("source", "target")
            for r in service.pointing_at(
                session, viewer.principal, stix_id, ("relationship",), role
            )
            if r.get("relationship_type") == "related-to"
        }
        related = related_for(session, viewer.principal, view.incident)
    members = sorted(
        ((oid, name) for oid, name in names.items() if oid != node.org_id), key=lambda x: x[1]
    )
    return render(
        request,
        "incident.html",
        viewer,
        status=status,
        view=view,
        obj=view.incident,
        ext=service.extension_of(view.incident),
        names=names,
        members=members,
        errors=errors or {},
        own=view.originator == node.org_id,
        can_write=viewer.principal.can_write and viewer.principal.org_id == node.org_id,
        opinions_choices=OPINIONS,
        place_names=[service.local_name(p, lang) for p in view.places],
        group_links=[(g["id"], service.local_name(g, lang)) for g in view.groups],
        tlps=[t.value for t in TLP],
        saved=request.query_params.get("saved") == "1",
        candidates=candidates,
        fused=fused,
        related=related,
        linked=linked,
    )
