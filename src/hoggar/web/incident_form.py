"""The incident form: report an incident (or accept an open-source draft), edit one."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from hoggar.context import Node
from hoggar.incidents import service
from hoggar.incidents.form import OPINIONS, FormInvalid, IncidentInput
from hoggar.incidents.names import local_name, visible_groups, visible_places
from hoggar.kernel import i18n
from hoggar.kernel.errors import HoggarError, NotFound, PermissionDenied
from hoggar.orgs.service import org_names
from hoggar.sharing.markings import TLP
from hoggar.sources import review
from hoggar.store import queries
from hoggar.web.common import FORM_EXPIRED, Viewer, language_of, render
from hoggar.web.deps import Lang, NodeDep, Posted, SignedIn, hidden_unless_allowed, page_router

router = page_router()


@router.get("/incidents/new")
def new_form(request: Request, node: NodeDep, viewer: SignedIn, lang: Lang) -> Response:
    inp = IncidentInput(lang=lang, tlp="amber")
    draft = request.query_params.get("draft", "")
    if draft.isdigit():
        try:
            with hidden_unless_allowed(), node.db.session() as session:
                inp = review.form_of_draft(session, node, viewer.principal, int(draft), lang)
        except NotFound:  # the not-found page (deps.page_error)
            raise
        except HoggarError as exc:  # the draft was already accepted or rejected
            return _form_page(
                request, node, viewer, inp, {"": [i18n.Msg(exc.message)]}, None, status=409
            )
    return _form_page(request, node, viewer, inp, {}, editing=None, draft=draft)


@router.post("/incidents/new")
async def create(
    request: Request, node: NodeDep, viewer: SignedIn, form: Posted, lang: Lang
) -> Response:
    inp = IncidentInput.from_mapping(_form_dict(form.data)).with_defaults(lang)
    if not form.fresh:
        return _form_page(request, node, viewer, inp, _csrf_error(), editing=None, status=400)
    draft = str(form.data.get("draft", ""))

    def write() -> dict[str, Any]:
        with node.db.transaction() as session:
            if draft.isdigit():
                return review.accept_draft(session, node, viewer.principal, int(draft), inp)
            return service.report_incident(session, node, viewer.principal, inp)

    try:
        obj = await run_in_threadpool(write)
    except FormInvalid as exc:
        return _form_page(
            request, node, viewer, inp, exc.errors, editing=None, status=422, draft=draft
        )
    except PermissionDenied as exc:
        return _form_page(
            request, node, viewer, inp, {"": [i18n.Msg(exc.message)]}, None, status=403
        )
    return RedirectResponse(f"/incidents/{obj['id']}?saved=1", status_code=303)


@router.get("/incidents/{stix_id}/edit")
def edit_form(request: Request, node: NodeDep, viewer: SignedIn, stix_id: str) -> Response:
    with node.db.session() as session:
        try:
            view = service.view_incident(session, viewer.principal, stix_id)
            service.require_originator(viewer.principal, node, view)
        except (NotFound, PermissionDenied) as exc:
            if _readable(node, viewer, stix_id):  # someone else's: its page instead
                return RedirectResponse(f"/incidents/{stix_id}", status_code=303)
            raise NotFound(exc.message) from exc
    inp = IncidentInput.from_incident(
        view.incident, view.tlp, view.recipients or [], view.recipients_disclosed
    )
    return _form_page(request, node, viewer, inp, {}, editing=view.incident)


@router.post("/incidents/{stix_id}/edit")
async def edit(
    request: Request, node: NodeDep, viewer: SignedIn, form: Posted, lang: Lang, stix_id: str
) -> Response:
    inp = IncidentInput.from_mapping(_form_dict(form.data)).with_defaults(lang)

    def current() -> dict[str, Any]:
        with node.db.session() as session:
            return queries.get_object(session, viewer.principal, stix_id)

    existing = await run_in_threadpool(current)
    if existing.get("type") != "incident":
        raise NotFound("No such incident.")
    if not form.fresh:
        return _form_page(request, node, viewer, inp, _csrf_error(), existing, status=400)

    def write() -> None:
        with node.db.transaction() as session:
            service.edit_incident(session, node, viewer.principal, stix_id, inp)

    try:
        await run_in_threadpool(write)
    except FormInvalid as exc:
        return _form_page(request, node, viewer, inp, exc.errors, existing, status=422)
    except PermissionDenied as exc:
        errors = {"": [i18n.Msg(exc.message)]}
        return _form_page(request, node, viewer, inp, errors, existing, status=403)
    return RedirectResponse(f"/incidents/{stix_id}?saved=1", status_code=303)


def _form_dict(form: FormData) -> dict[str, Any]:
    data: dict[str, Any] = {k: form.get(k) for k in form}
    for key in ("actor_refs", "release_to", "seized_item", "seized_quantity", "seized_unit"):
        data[key] = form.getlist(key)
    return data


def _csrf_error() -> dict[str, list[i18n.Msg]]:
    return {"": [i18n.Msg(FORM_EXPIRED)]}


def _readable(node: Node, viewer: Viewer, stix_id: str) -> bool:
    with node.db.session() as session:
        try:
            queries.get_object(session, viewer.principal, stix_id)
        except NotFound:
            return False
    return True


def _choices(node: Node, viewer: Viewer, lang: str) -> dict[str, Any]:
    """What the form offers: visible places and groups, member organizations."""
    with node.db.session() as session:
        names = org_names(session)
        places = visible_places(session, viewer.principal)
        groups = visible_groups(session, viewer.principal)
    members = sorted(
        ((oid, name) for oid, name in names.items() if oid != node.org_id), key=lambda x: x[1]
    )
    return {
        "places": [
            {
                "id": p["id"],
                "name": local_name(p, lang),
                "country": p.get("country") or "",
                "latitude": p.get("latitude"),
                "longitude": p.get("longitude"),
                "admin1": p.get("administrative_area") or "",
            }
            for p in places
        ],
        "groups": [{"id": g["id"], "name": local_name(g, lang)} for g in groups],
        "members": members,
        "names": names,
        "tlps": [t.value for t in TLP],
    }


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
