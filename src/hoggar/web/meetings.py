"""Meeting pages: the list with action items by member, a meeting with its decisions,
action items, statuses and evidence, and the status form for the responsible member."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from hoggar.context import Node
from hoggar.incidents.names import local_name
from hoggar.kernel import i18n
from hoggar.kernel.clock import utcnow
from hoggar.kernel.errors import HoggarError, NotFound, PermissionDenied, Problem
from hoggar.orgs.service import org_names
from hoggar.stix.types.meetings import STATUSES, THEME_LABELS
from hoggar.summits import service
from hoggar.web.common import FORM_EXPIRED, Viewer, env, error_text, render
from hoggar.web.deps import NodeDep, Posted, SignedIn, page_router

router = page_router()
STATUS_LABELS = {
    "open": i18n.N_("open"),
    "in-progress": i18n.N_("in progress"),
    "done": i18n.N_("done"),
    "cancelled": i18n.N_("cancelled"),
    "late": i18n.N_("late"),
}
KIND_LABELS = {
    "heads-of-state-summit": i18n.N_("Summit of heads of state"),
    "chiefs-of-staff-meeting": i18n.N_("Meeting of chiefs of staff"),
    "ministerial-conference": i18n.N_("Ministerial conference"),
    "technical-committee": i18n.N_("Technical committee"),
    "expert-meeting": i18n.N_("Expert meeting"),
    "other": i18n.N_("Other meeting"),
}


def by_member(actions: list[service.ActionView]) -> list[tuple[str, dict[str, int]]]:
    """Done, late, open (and in progress, cancelled) action items per responsible member."""
    counts: dict[str, Counter[str]] = {}
    for a in actions:
        key = "late" if a.late else a.status
        counts.setdefault(str(a.item.get("responsible_ref")), Counter())[key] += 1
    return sorted(((org, dict(c)) for org, c in counts.items()), key=lambda x: x[0])


def _today() -> date:
    return utcnow().date()


@router.get("/meetings")
def meetings_page(request: Request, node: NodeDep, viewer: SignedIn) -> Response:
    with node.db.session() as session:
        meetings = service.list_meetings(session, viewer.principal)
        actions = service.action_items(session, viewer.principal, _today())
        names = org_names(session)
    per_meeting: dict[str, Counter[str]] = {}
    for a in actions:
        key = "late" if a.late else a.status
        per_meeting.setdefault(str(a.item.get("meeting_ref")), Counter())[key] += 1
    return render(
        request,
        "meetings.html",
        viewer,
        meetings=meetings,
        per_meeting=per_meeting,
        members=by_member(actions),
        names=names,
        kinds=KIND_LABELS,
        statuses=STATUS_LABELS,
    )


@router.get("/meetings/new")
def new_meeting(request: Request, node: NodeDep, viewer: SignedIn) -> Response:
    if not viewer.principal.can_write:
        raise NotFound("Only writers record meetings.")
    return _form_page(request, node, viewer, None, [])


@router.post("/meetings/new")
async def record(request: Request, node: NodeDep, viewer: SignedIn, form: Posted) -> Response:
    if not form.fresh:
        problem = Problem("csrf", i18n.gettext(FORM_EXPIRED))
        return _form_page(request, node, viewer, form.data, [problem], 400)
    inp = meeting_input(form.data)

    def write() -> dict[str, Any]:
        with node.db.transaction() as session:
            return service.record_meeting(session, node, viewer.principal, inp)

    try:
        meeting = await run_in_threadpool(write)
    except PermissionDenied as exc:  # not a writer: as if there were no such form
        raise NotFound(exc.message) from exc
    except HoggarError as exc:  # the form again, with the problems by field
        return _form_page(request, node, viewer, form.data, exc.problems, 422)
    return RedirectResponse(f"/meetings/{meeting['id']}", status_code=303)


@router.get("/meetings/{meeting_id}")
def meeting_page(request: Request, node: NodeDep, viewer: SignedIn, meeting_id: str) -> Response:
    return _meeting_page(request, node, viewer, meeting_id)


@router.post("/actions/{action_id}/status")
async def action_status(
    request: Request, node: NodeDep, viewer: SignedIn, form: Posted, action_id: str
) -> Response:
    meeting_id = str(form.data.get("meeting", ""))
    if not form.fresh:
        return _meeting_page(request, node, viewer, meeting_id, i18n.gettext(FORM_EXPIRED), 400)
    evidence = [e.strip() for e in str(form.data.get("evidence", "")).split() if e.strip()]

    def write() -> None:
        with node.db.transaction() as session:
            service.update_action(
                session,
                node,
                viewer.principal,
                action_id,
                str(form.data.get("status", "")),
                str(form.data.get("as_of", "")) or _today().isoformat(),
                str(form.data.get("text", "")),
                evidence,
            )

    try:
        await run_in_threadpool(write)
    except NotFound:  # the not-found page (deps.page_error)
        raise
    except HoggarError as exc:  # the meeting again, with what was refused
        return _meeting_page(request, node, viewer, meeting_id, error_text(exc), 422)
    return RedirectResponse(f"/meetings/{meeting_id}#{action_id}", status_code=303)


def meeting_input(form: FormData) -> service.MeetingIn:
    """The meeting form's fields (three decisions of two actions; blank ones dropped)."""

    def text(key: str) -> str:
        return str(form.get(key, "")).strip()

    decisions = []
    for i in range(3):
        if not text(f"d{i}_text"):
            continue
        actions = tuple(
            service.ActionIn(
                text(f"d{i}a{j}_text"), text(f"d{i}a{j}_responsible"), text(f"d{i}a{j}_due")
            )
            for j in range(2)
            if text(f"d{i}a{j}_text")
        )
        decisions.append(service.DecisionIn(text(f"d{i}_text"), text(f"d{i}_theme"), actions))
    return service.MeetingIn(
        name=text("name"),
        kind=text("kind"),
        start_date=text("start_date"),
        end_date=text("end_date") or None,
        host=text("host"),
        participants=tuple(str(p) for p in form.getlist("participants")),
        place_name=text("place_name"),
        country=text("country").upper() or None,
        agenda=tuple(line.strip() for line in text("agenda").splitlines() if line.strip()),
        final_statement=text("final_statement"),
        lang=i18n.current_language(),
        decisions=tuple(decisions),
    )


def _form_page(
    request: Request,
    node: Node,
    viewer: Viewer,
    form: FormData | None,
    errors: list[Problem],
    status: int = 200,
) -> HTMLResponse:
    with node.db.session() as session:
        names = org_names(session)
    return render(
        request,
        "meeting_form.html",
        viewer,
        status=status,
        form=form or FormData(),
        errors=errors,
        names=names,
        kinds=KIND_LABELS,
        themes=THEME_LABELS,
    )


def _meeting_page(
    request: Request,
    node: Node,
    viewer: Viewer,
    meeting_id: str,
    error: str = "",
    status: int = 200,
) -> HTMLResponse:
    with node.db.session() as session:
        view = service.view_meeting(session, viewer.principal, meeting_id, _today())
        names = org_names(session)
    return render(
        request,
        "meeting.html",
        viewer,
        status=status,
        view=view,
        names=names,
        kinds=KIND_LABELS,
        themes=THEME_LABELS,
        statuses=STATUS_LABELS,
        status_keys=STATUSES,
        can_update=lambda item: (
            viewer.principal.can_write
            and node.org_id in (item.get("responsible_ref"), item.get("created_by_ref"))
        ),
        today=_today().isoformat(),
        error=error,
    )


def meeting_name(meeting: dict[str, Any], lang: str) -> str:
    return local_name(meeting, lang)


env.globals["meeting_name"] = meeting_name
