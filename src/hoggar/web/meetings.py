"""Meeting pages: the list with action items by member, a meeting with its decisions,
action items, statuses and evidence, and the status form for the responsible member."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from hoggar.context import Node
from hoggar.incidents.service import local_name
from hoggar.kernel import i18n
from hoggar.kernel.clock import utcnow
from hoggar.kernel.errors import HoggarError, NotFound, PermissionDenied, Problem
from hoggar.orgs.service import org_names
from hoggar.stix.types.meetings import STATUSES, THEME_LABELS
from hoggar.summits import service
from hoggar.web.common import (
    FORM_EXPIRED,
    Viewer,
    csrf_ok,
    current_viewer,
    env,
    error_text,
    login_redirect,
    not_found,
    render,
)

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


def install(app: FastAPI) -> None:
    @app.get("/meetings", response_class=HTMLResponse, include_in_schema=False)
    def meetings_page(request: Request) -> Response:
        node: Node = request.app.state.node
        viewer = current_viewer(request)
        if viewer is None:
            return login_redirect(request)
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

    @app.get("/meetings/new", response_class=HTMLResponse, include_in_schema=False)
    def new_meeting(request: Request) -> Response:
        node: Node = request.app.state.node
        viewer = current_viewer(request)
        if viewer is None:
            return login_redirect(request)
        if not viewer.principal.can_write:
            return not_found(request, viewer)
        return _form_page(request, node, viewer, None, [])

    @app.post("/meetings/new", include_in_schema=False)
    async def record(request: Request) -> Response:
        node: Node = request.app.state.node
        viewer = current_viewer(request)
        if viewer is None:
            return login_redirect(request)
        form = await request.form()
        if not csrf_ok(request, form):
            problem = Problem("csrf", i18n.gettext(FORM_EXPIRED))
            return _form_page(request, node, viewer, form, [problem], 400)
        inp = meeting_input(form)

        def write() -> dict[str, Any]:
            with node.db.transaction() as session:
                return service.record_meeting(session, node, viewer.principal, inp)

        try:
            meeting = await run_in_threadpool(write)
        except PermissionDenied:
            return not_found(request, viewer)
        except HoggarError as exc:
            return _form_page(request, node, viewer, form, exc.problems, 422)
        return RedirectResponse(f"/meetings/{meeting['id']}", status_code=303)

    @app.get("/meetings/{meeting_id}", response_class=HTMLResponse, include_in_schema=False)
    def meeting_page(request: Request, meeting_id: str) -> Response:
        node: Node = request.app.state.node
        viewer = current_viewer(request)
        if viewer is None:
            return login_redirect(request)
        return _meeting_page(request, node, viewer, meeting_id)

    @app.post("/actions/{action_id}/status", include_in_schema=False)
    async def action_status(request: Request, action_id: str) -> Response:
        node: Node = request.app.state.node
        viewer = current_viewer(request)
        if viewer is None:
            return login_redirect(request)
        form = await request.form()
        meeting_id = str(form.get("meeting", ""))
        if not csrf_ok(request, form):
            return _meeting_page(
                request,
                node,
                viewer,
                meeting_id,
                i18n.gettext(FORM_EXPIRED),
                400,
            )
        evidence = [e.strip() for e in str(form.get("evidence", "")).split() if e.strip()]

        def write() -> None:
            with node.db.transaction() as session:
                service.update_action(
                    session,
                    node,
                    viewer.principal,
                    action_id,
                    str(form.get("status", "")),
                    str(form.get("as_of", "")) or _today().isoformat(),
                    str(form.get("text", "")),
                    evidence,
                )

        try:
            await run_in_threadpool(write)
        except NotFound:
            return not_found(request, viewer)
        except HoggarError as exc:
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
    try:
        with node.db.session() as session:
            view = service.view_meeting(session, viewer.principal, meeting_id, _today())
            names = org_names(session)
    except NotFound:
        return not_found(request, viewer)
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
