"""Situation reports: for a period, an area and an audience, in Arabic, French or
English, as HTML and PDF.

The report is built as the audience would read: every query runs with the audience's
organization as the principal, so it contains exactly the records releasable to that
organization (fused events once), and it says for whom and when it was made. It lists
every incident it counts in an annex, so a reader can check any figure.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session

from hoggar.context import Node, Principal, Role
from hoggar.incidents.codebook_load import load_codebook
from hoggar.kernel import i18n
from hoggar.kernel.clock import utcnow
from hoggar.kernel.errors import Invalid, Problem
from hoggar.orgs.service import org_names
from hoggar.reports.assessment import THEMES, Assessment, Period, assess
from hoggar.reports.charts import bars, map_svg
from hoggar.stix.types.meetings import THEME_LABELS
from hoggar.store import aggregates
from hoggar.store.filters import ObjectFilter
from hoggar.summits import service as summits

KEY_INCIDENTS = 10
ANNEX_LIMIT = 2000
THEME_COLOURS = {
    "armed-group-violence": "#b5171b",
    "kidnapping": "#7b2cbf",
    "arms-smuggling": "#1f4e79",
    "drug-smuggling": "#2a9d8f",
    "human-smuggling": "#e76f51",
    "border-security": "#6c757d",
    "civilian-harm": "#d62828",
}


@dataclass(frozen=True)
class SitrepRequest:
    since: date
    until: date
    audience: str  # identity id of the organization the report is for
    lang: str = "en"
    countries: tuple[str, ...] = ()

    def check(self, members: dict[str, str]) -> None:
        problems = []
        if self.until < self.since:
            problems.append(Problem("until", "is before since"))
        if (self.until - self.since).days > 3660:
            problems.append(Problem("until", "a report covers at most ten years"))
        if self.audience not in members:
            problems.append(Problem("audience", "an organization of the member directory"))
        if self.lang not in i18n.LANGUAGES:
            problems.append(Problem("lang", "ar, fr or en"))
        if problems:
            raise Invalid("The report cannot be made.", problems)


@dataclass
class Sitrep:
    request: SitrepRequest
    audience_name: str
    made_by: str
    made_at: datetime
    assessment: Assessment
    totals: Counter[str]
    by_country: list[tuple[str, Counter[str]]]
    key_incidents: list[dict[str, Any]]
    annex: list[dict[str, Any]]
    annex_truncated: bool
    actions: list[summits.ActionView]
    charts: dict[str, str] = field(default_factory=dict)


def build(
    session: Session,
    node: Node,
    req: SitrepRequest,
    requester: Principal,
    now: datetime | None = None,
) -> Sitrep:
    """The report's content: what the audience may read (and the requester too)."""
    members = org_names(session)
    req.check(members)
    reader = Principal(org_id=req.audience, name="situation-report", role=Role.VIEWER)
    period = Period(req.since, req.until)
    lo, hi = period.bounds()
    flt = ObjectFilter(
        types=("incident",),
        countries=req.countries,
        start_after=lo,
        start_before=hi,
        fused_once=True,
        also_readable_by=requester.org_id,
    )
    rows = aggregates.incident_facts(session, reader, flt)
    totals: Counter[str] = Counter()
    countries: dict[str, Counter[str]] = {}
    annex = []
    for r in rows:
        values = {
            "incidents": 1,
            "killed": r.killed or 0,
            "wounded": r.wounded or 0,
            "kidnapped": r.kidnapped or 0,
            "released": r.released or 0,
        }
        totals.update(values)
        countries.setdefault(r.country or "??", Counter()).update(values)
        annex.append(
            {
                "id": r.stix_id,
                "name": r.name,
                "start": r.start_at,
                "country": r.country,
                "sub_type": r.sub_type,
                "place": r.place_name or "",
                "killed": r.killed or 0,
                "kidnapped": r.kidnapped or 0,
                "lat": r.lat,
                "lon": r.lon,
                "originator": members.get(r.originator_id, r.originator_id),
            }
        )
    key = sorted(annex, key=lambda a: (-(a["killed"] + a["kidnapped"]), str(a["start"])))
    today = (now or utcnow()).date()
    requester_actions = {a.item["id"] for a in summits.action_items(session, requester, today)}
    actions = [
        a
        for a in summits.action_items(session, reader, today)
        if str(a.item.get("due_date")) <= req.until.isoformat()
        and a.item["id"] in requester_actions
    ]
    actions.sort(key=lambda a: (not a.late, str(a.item.get("due_date"))))
    report = Sitrep(
        request=req,
        audience_name=members[req.audience],
        made_by=node.org_name,
        made_at=now or utcnow(),
        assessment=assess(
            session,
            reader,
            period,
            req.countries,
            also_readable_by=requester.org_id,
            current_rows=rows,
        ),
        totals=totals,
        by_country=sorted(countries.items(), key=lambda kv: -kv[1]["incidents"]),
        key_incidents=key[:KEY_INCIDENTS],
        annex=annex[:ANNEX_LIMIT],
        annex_truncated=len(annex) > ANNEX_LIMIT,
        actions=actions,
    )
    report.charts = _charts(report, period, req.lang)
    return report


def _charts(report: Sitrep, period: Period, lang: str) -> dict[str, str]:
    with i18n.language(lang):
        months = period.months()
        monthly = Counter(a["start"].strftime("%Y-%m") for a in report.annex if a["start"])
        labels = [m[2:] for m in months]
        charts = {
            "monthly": bars(
                labels,
                [monthly[m] for m in months],
                title=i18n.gettext("Incidents per month"),
            ),
            "themes": bars(
                # Numbers, not names: SVG text is not shaped right to left in the PDF.
                [str(n) for n in range(1, len(report.assessment.themes) + 1)],
                [t.current.values["incidents"] for t in report.assessment.themes],
                [t.previous.values["incidents"] for t in report.assessment.themes],
                title=i18n.gettext("Incidents by theme, this period and the one before"),
            ),
        }
        colour_of = {s: THEME_COLOURS[t] for t, subs in reversed(THEMES.items()) for s in subs}
        points = [
            (a["lat"], a["lon"], colour_of.get(str(a["sub_type"]), "#444"))
            for a in report.annex
            if a["lat"] is not None and a["lon"] is not None
        ]
        charts["map"] = map_svg(
            points,
            title=i18n.gettext("Incidents of the period"),
            highlight=report.request.countries,
        )
    return charts


# --- rendering -------------------------------------------------------------------------


def _fonts_dir() -> Path:
    return Path(str(resources.files("hoggar.reports").joinpath("fonts")))


@cache
def _env() -> Environment:
    folder = Path(str(resources.files("hoggar.reports").joinpath("templates")))
    env = Environment(
        loader=FileSystemLoader(folder),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(
        number=i18n.format_number,
        country=i18n.country_name,
        day=lambda v: i18n.format_day(v) if v else "—",
        moment=lambda v: i18n.format_moment(v) if v else "—",
    )
    return env


def _stylesheet() -> str:
    """The report's CSS: a file the web page links (the CSP forbids inline styles)
    and the PDF inlines."""
    return (resources.files("hoggar.web") / "static" / "sitrep.css").read_text(encoding="utf-8")


def to_html(report: Sitrep, for_print: bool = False, web: bool = False) -> str:
    """The report as one HTML page; `web` takes the fonts from the node's /static
    (a page served over HTTP may not load file:// fonts), otherwise from the package."""
    lang = report.request.lang
    book = load_codebook()

    def event_label(key: str | None) -> str:
        try:
            return book.label(key or "", lang)
        except KeyError:
            return key or "—"

    with i18n.language(lang):
        return (
            _env()
            .get_template("sitrep.html")
            .render(
                r=report,
                lang=lang,
                dir="rtl" if i18n.is_rtl(lang) else "ltr",
                fonts=_fonts_dir().as_uri(),
                for_print=for_print,
                web=web and not for_print,
                stylesheet=_stylesheet(),
                event_label=event_label,
                themes=THEME_LABELS,
            )
        )


def to_pdf(report: Sitrep) -> bytes:
    """The report as PDF (WeasyPrint; Arabic shaped by Pango/HarfBuzz, fonts embedded)."""
    from weasyprint import HTML  # imported here: it loads Pango, only needed for PDFs

    pdf: bytes = HTML(
        string=to_html(report, for_print=True), base_url=str(_fonts_dir())
    ).write_pdf()
    return pdf


def default_period(today: date | None = None) -> tuple[date, date]:
    """The last full calendar month."""
    day = today or datetime.now(UTC).date()
    end = day.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end
