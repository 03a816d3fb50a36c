"""The assessment of progress and situation reports in the web interface."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from hoggar.context import Node
from hoggar.geo.gazetteer import MEMBER_STATES as MEMBERS
from hoggar.kernel import i18n
from hoggar.kernel.clock import utcnow
from hoggar.kernel.errors import Invalid
from hoggar.orgs.service import org_names
from hoggar.reports import sitrep
from hoggar.reports.assessment import THEMES, Period, assess
from hoggar.reports.charts import bars, map_svg
from hoggar.stix.types.meetings import THEME_LABELS
from hoggar.summits import service as summits
from hoggar.web.common import current_viewer, error_text, language_of, login_redirect, render
from hoggar.web.meetings import by_member

MEMBER_STATES = tuple(sorted(MEMBERS))


def _day(value: str | None, default: date) -> date:
    try:
        return date.fromisoformat(value) if value else default
    except ValueError:
        return default


def install(app: FastAPI) -> None:
    @app.get("/assessment", response_class=HTMLResponse, include_in_schema=False)
    def assessment_page(request: Request) -> Response:
        node: Node = request.app.state.node
        viewer = current_viewer(request)
        if viewer is None:
            return login_redirect(request)
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
        return render(
            request,
            "assessment.html",
            viewer,
            result=result,
            charts=charts,
            maps=maps,
            members=by_member(actions),
            names=names,
            themes=THEME_LABELS,
            theme_keys=list(THEMES),
            states=MEMBER_STATES,
            since=since.isoformat(),
            until=until.isoformat(),
            chosen=countries,
        )

    @app.get("/reports", response_class=HTMLResponse, include_in_schema=False)
    def reports_page(request: Request) -> Response:
        node: Node = request.app.state.node
        viewer = current_viewer(request)
        if viewer is None:
            return login_redirect(request)
        since, until = sitrep.default_period()
        with node.db.session() as session:
            names = org_names(session)
        return render(
            request,
            "reports.html",
            viewer,
            names=names,
            states=MEMBER_STATES,
            since=since.isoformat(),
            until=until.isoformat(),
            error="",
        )

    @app.get("/reports/situation", include_in_schema=False)
    async def situation(request: Request) -> Response:
        node: Node = request.app.state.node
        viewer = current_viewer(request)
        if viewer is None:
            return login_redirect(request)
        q = request.query_params
        lang = q.get("lang") or language_of(request)
        try:
            req = sitrep.SitrepRequest(
                since=date.fromisoformat(q.get("since", "")),
                until=date.fromisoformat(q.get("until", "")),
                audience=q.get("audience", ""),
                lang=lang,
                countries=tuple(c for c in q.getlist("country") if c in MEMBER_STATES),
            )
        except ValueError:
            return _form_error(request, node, i18n.gettext("Dates must be written YYYY-MM-DD."))

        def make() -> sitrep.Sitrep:
            with node.db.session() as session:
                return sitrep.build(session, node, req, viewer.principal)

        try:
            report = await run_in_threadpool(make)
        except Invalid as exc:
            return _form_error(request, node, error_text(exc))
        name = f"hoggar-sitrep-{req.since}-{req.until}-{req.lang}"
        if q.get("format") == "pdf":
            pdf = await run_in_threadpool(sitrep.to_pdf, report)
            return Response(
                pdf,
                media_type="application/pdf",
                headers={"Content-Disposition": f'attachment; filename="{name}.pdf"'},
            )
        return HTMLResponse(sitrep.to_html(report, web=True))

    def _form_error(request: Request, node: Node, error: str) -> HTMLResponse:
        viewer = current_viewer(request)
        since, until = sitrep.default_period()
        with node.db.session() as session:
            names = org_names(session)
        return render(
            request,
            "reports.html",
            viewer,
            status=422,
            names=names,
            states=MEMBER_STATES,
            since=since.isoformat(),
            until=until.isoformat(),
            error=error,
        )
