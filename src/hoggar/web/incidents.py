"""Incident pages: the list and search, an incident with its history, opinions, notes
and proposed matches."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from hoggar.context import Node
from hoggar.fusion import service as fusion
from hoggar.fusion.related import related_for
from hoggar.incidents import responses, service
from hoggar.incidents.form import OPINIONS, FormInvalid
from hoggar.incidents.names import local_name, visible_groups
from hoggar.kernel import i18n
from hoggar.kernel.errors import HoggarError, NotFound, PermissionDenied
from hoggar.orgs.service import org_names
from hoggar.records.authoring import Sharing
from hoggar.sharing.markings import TLP
from hoggar.stix.types.incident import IncidentFacts
from hoggar.store import aggregates, queries
from hoggar.store.filters import ObjectFilter
from hoggar.web.common import FORM_EXPIRED, Viewer, language_of, render
from hoggar.web.deps import Lang, NodeDep, Posted, PostedForm, SignedIn, page_router
from hoggar.web.filters import PERIODS, IncidentFilters

router = page_router()
PAGE_SIZE = 50


@router.get("/incidents")
def incident_list(
    request: Request, node: NodeDep, viewer: SignedIn, lang: Lang, page: int = 1
) -> Response:
    filters = IncidentFilters.from_query(request.query_params)
    flt, errors = filters.to_filter()
    page = max(1, min(page, 10_000))
    i18n.set_language(lang)
    choices = filter_choices(node, viewer)
    with node.db.session() as session:
        try:
            total = aggregates.count_objects(session, viewer.principal, flt)
            items = queries.by_start(
                session, viewer.principal, flt, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
            )
        except HoggarError as exc:  # a search the index refuses: the list says why
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


@router.get("/incidents/{stix_id}")
def detail(request: Request, node: NodeDep, viewer: SignedIn, stix_id: str) -> Response:
    return _detail_page(request, node, viewer, stix_id)


@router.post("/incidents/{stix_id}/opinion")
async def opinion(
    request: Request, node: NodeDep, viewer: SignedIn, form: Posted, stix_id: str
) -> Response:
    def write(session: Session, data: FormData) -> None:
        inp = responses.OpinionInput(
            opinion=str(data.get("opinion", "")),
            explanation=str(data.get("explanation", "")).strip(),
            tlp=str(data.get("tlp", "amber")),
            release_to=tuple(str(v) for v in data.getlist("release_to")),
            disclose_recipients=data.get("disclose_recipients") == "1",
        )
        responses.give_opinion(session, node, viewer.principal, stix_id, inp)

    return await _add_to_incident(request, node, viewer, form, stix_id, write, "opinion")


@router.post("/incidents/{stix_id}/note")
async def note(
    request: Request, node: NodeDep, viewer: SignedIn, form: Posted, stix_id: str
) -> Response:
    def write(session: Session, data: FormData) -> None:
        release = tuple(str(v) for v in data.getlist("release_to"))
        sharing = Sharing.parse(
            str(data.get("tlp", "amber")), release, data.get("disclose_recipients") == "1"
        )
        content = str(data.get("content", "")).strip()
        responses.add_note(session, node, viewer.principal, stix_id, content, sharing)

    return await _add_to_incident(request, node, viewer, form, stix_id, write, "content")


@router.post("/incidents/{stix_id}/fuse")
async def fuse(
    request: Request, node: NodeDep, viewer: SignedIn, form: Posted, stix_id: str
) -> Response:
    """Confirm or reject a proposed match ("same event") with another report."""

    def write(session: Session, data: FormData) -> None:
        other = str(data.get("other", ""))
        if data.get("decision") == "confirm":
            fusion.confirm(session, node, viewer.principal, stix_id, other)
        elif data.get("decision") == "relate":
            pattern = str(data.get("pattern", "related"))
            fusion.link_related(session, node, viewer.principal, stix_id, other, pattern)
        else:
            fusion.reject(session, node, viewer.principal, stix_id, other)

    return await _add_to_incident(request, node, viewer, form, stix_id, write, "fusion")


Writer = Callable[[Session, FormData], None]
ANCHORS = {"opinion": "#opinions", "content": "#notes", "fusion": "#fusion"}


async def _add_to_incident(
    request: Request,
    node: Node,
    viewer: Viewer,
    form: PostedForm,
    stix_id: str,
    write: Writer,
    field: str,
) -> Response:
    """Post an opinion, a note or a match decision; problems come back on its page,
    under the form's `field`."""
    if not form.fresh:
        errors = {"": [i18n.Msg(FORM_EXPIRED)]}
        return _detail_page(request, node, viewer, stix_id, errors=errors, status=400)

    def run() -> None:
        with node.db.transaction() as session:
            write(session, form.data)

    try:
        await run_in_threadpool(run)
    except NotFound:  # the not-found page (deps.page_error)
        raise
    except FormInvalid as exc:
        return _detail_page(request, node, viewer, stix_id, errors=exc.errors, status=422)
    except HoggarError as exc:
        status = 403 if isinstance(exc, PermissionDenied) else 422
        errors = {field: [i18n.Msg(exc.message)]}
        return _detail_page(request, node, viewer, stix_id, errors=errors, status=status)
    return RedirectResponse(f"/incidents/{stix_id}?saved=1{ANCHORS[field]}", status_code=303)


def filter_choices(node: Node, viewer: Viewer) -> dict[str, Any]:
    """What the incident filters offer (the list, the map, the timeline)."""
    with node.db.session() as session:
        names = org_names(session)
        groups = visible_groups(session, viewer.principal)
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
        "group_choices": [(g["id"], local_name(g, lang)) for g in groups],
        "countries": sorted(countries),
        "periods": list(PERIODS),
        "tlps": [t.value for t in TLP],
    }


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
        view = service.view_incident(session, viewer.principal, stix_id)
        matches = _matches(session, viewer, stix_id)
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
        ext=IncidentFacts.of(view.incident),
        names=names,
        members=members,
        errors=errors or {},
        own=view.originator == node.org_id,
        can_write=viewer.principal.can_write and viewer.principal.org_id == node.org_id,
        opinions_choices=OPINIONS,
        place_names=[local_name(p, lang) for p in view.places],
        group_links=[(g["id"], local_name(g, lang)) for g in view.groups],
        tlps=[t.value for t in TLP],
        saved=request.query_params.get("saved") == "1",
        related=related,
        **matches,
    )


def _matches(session: Session, viewer: Viewer, stix_id: str) -> dict[str, Any]:
    """Proposed matches, the reports fused with this one, and those linked to it."""
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
        for r in responses.pointing_at(session, viewer.principal, stix_id, ("relationship",), role)
        if r.get("relationship_type") == "related-to"
    }
    return {"candidates": candidates, "fused": fused, "linked": linked}
