"""The assessment of progress and situation reports in the web interface."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from hoggar.context import Node
from hoggar.geo.gazetteer import MEMBER_STATES as MEMBERS
from hoggar.kernel import i18n
from hoggar.kernel.clock import utcnow
from hoggar.kernel.errors import Invalid
from hoggar.orgs.service import org_names
from hoggar.reports import sitrep
from hoggar.reports.assessment import THEMES, Assessment, Period, assess
from hoggar.reports.charts import bars, map_svg
from hoggar.stix.types.meetings import THEME_LABELS
from hoggar.summits import service as summits
from hoggar.web.common import Viewer, error_text, render
from hoggar.web.deps import Lang, NodeDep, SignedIn, page_router
from hoggar.web.meetings import by_member

router = page_router()
MEMBER_STATES = tuple(sorted(MEMBERS))


def _day(value: str | None, default: date) -> date:
    try:
        return date.fromisoformat(value) if value else default
    except ValueError:
        return default


@router.get("/assessment")
def assessment_page(request: Request, node: NodeDep, viewer: SignedIn) -> Response:
    today = utcnow().date()
    until = _day(request.query_params.get("until"), today)
    since = _day(request.query_params.get("since"), until - timedelta(days=364))
    if since > until:
        since, until = until, since
    countries = tuple(c for c in request.query_params.getlist("country") if c in MEMBER_STATES)
    period = Period(since, until)
    with node.db.session() as session:
        result = assess(session, viewer.principal, period, countries)
        actions = summits.action_items(session, viewer.principal, today)
        names = org_names(session)
    return render(
        request,
        "assessment.html",
        viewer,
        result=result,
        **_figures(result, period, countries),
        members=by_member(actions),
        names=names,
        themes=THEME_LABELS,
        theme_keys=list(THEMES),
        states=MEMBER_STATES,
        since=since.isoformat(),
        until=until.isoformat(),
        chosen=countries,
    )


def _figures(result: Assessment, period: Period, countries: tuple[str, ...]) -> dict[str, Any]:
    """Each theme's incidents by month (bars) and where they were (a map)."""
    months = period.months()
    charts = {
        t.theme: bars(
            [m[2:] for m in months],
            [t.current.by_month[m] for m in months],
            title=t.theme,
        )
        for t in result.themes
    }
    maps = {
        t.theme: map_svg(
            [(lat, lon, sitrep.THEME_COLOURS[t.theme]) for lat, lon in t.current.points],
            width=420,
            title=t.theme,
            highlight=countries,
        )
        for t in result.themes
    }
    return {"charts": charts, "maps": maps}


@router.get("/reports")
def reports_page(request: Request, node: NodeDep, viewer: SignedIn) -> Response:
    return _reports_form(request, node, viewer)


@router.get("/reports/situation")
async def situation(request: Request, node: NodeDep, viewer: SignedIn, lang: Lang) -> Response:
    q = request.query_params
    try:
        req = sitrep.SitrepRequest(
            since=date.fromisoformat(q.get("since", "")),
            until=date.fromisoformat(q.get("until", "")),
            audience=q.get("audience", ""),
            lang=q.get("lang") or lang,
            countries=tuple(c for c in q.getlist("country") if c in MEMBER_STATES),
        )
    except ValueError:  # the form again, with what is wrong in it
        error = i18n.gettext("Dates must be written YYYY-MM-DD.")
        return _reports_form(request, node, viewer, error, status=422)

    def make() -> sitrep.Sitrep:
        with node.db.session() as session:
            return sitrep.build(session, node, req, viewer.principal)

    try:
        report = await run_in_threadpool(make)
    except Invalid as exc:
        return _reports_form(request, node, viewer, error_text(exc), status=422)
    name = f"hoggar-sitrep-{req.since}-{req.until}-{req.lang}"
    if q.get("format") == "pdf":
        pdf = await run_in_threadpool(sitrep.to_pdf, report)
        return Response(
            pdf,
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{name}.pdf"'},
        )
    return HTMLResponse(sitrep.to_html(report, web=True))


def _reports_form(
    request: Request, node: Node, viewer: Viewer, error: str = "", status: int = 200
) -> HTMLResponse:
    since, until = sitrep.default_period()
    with node.db.session() as session:
        names = org_names(session)
    return render(
        request,
        "reports.html",
        viewer,
        status=status,
        names=names,
        states=MEMBER_STATES,
        since=since.isoformat(),
        until=until.isoformat(),
        error=error,
    )
