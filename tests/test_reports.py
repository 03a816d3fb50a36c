"""The assessment and situation reports: each audience gets exactly what it may read,
Arabic PDFs come out shaped and in order, and the pages work."""

from __future__ import annotations

import os
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic import command
from sqlalchemy import func, select

from conftest import ADMIN_PASSWORD, LiveServer
from factories import incident, member_key
from hoggar.context import Node, Principal, Role, system_principal
from hoggar.incidents import service as incidents
from hoggar.node.migrate import alembic_config
from hoggar.records.bundles import import_objects
from hoggar.records.identity import add_member
from hoggar.reports import sitrep
from hoggar.reports.assessment import Period, assess
from hoggar.sharing.rule import may_read
from hoggar.stix.models import MonthlyCount, ObjectIndex
from hoggar.summits import service as summits
from incident_kit import Seeded, ambush_form, analyst, seed_place_and_group

MALI = "identity--5b0e2f3c-7d1a-4e8b-9c6f-2a4d8e1b3c70"
NIGER = "identity--6c1f3a4d-8e2b-4f9c-ad70-3b5e9f2c4d81"
ARTIFACTS = Path(
    os.environ.get("HOGGAR_ARTIFACTS", Path(__file__).resolve().parents[1] / "test-artifacts")
)
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def _world(node: Node) -> tuple[Seeded, dict[str, tuple[str, ...]]]:
    """Five incidents in November 2026 with different recipients; their release sets."""
    with node.db.transaction() as session:
        for ident, name, country in ((MALI, "Mali", "ML"), (NIGER, "Niger", "NE")):
            add_member(
                session,
                node,
                identity_id=ident,
                name=name,
                country=country,
                public_key=member_key(ident),
                actor="test",
            )
    seeded = seed_place_and_group(node, [MALI, NIGER])
    plan = {
        "كمين قرب تين زواتين": (MALI,),
        "هجوم على مركز برج باجي مختار": (NIGER,),
        "كمين ثان قرب تين زواتين": (MALI, NIGER),
        "حادث محلي لا يغادر العقدة": (),
    }
    made: dict[str, tuple[str, ...]] = {}
    for n, (name, release) in enumerate(plan.items()):
        inp = ambush_form(
            seeded,
            name=name,
            start=f"2026-11-{10 + n:02d} 05:40",
            release_to=release,
            killed=str(n + 1),
        )
        with node.db.transaction() as session:
            obj = incidents.report_incident(session, node, analyst(node), inp)
        made[obj["id"]] = release
    # An incident of another month is in no November report.
    with node.db.transaction() as session:
        incidents.report_incident(
            session,
            node,
            analyst(node),
            ambush_form(seeded, start="2026-09-01 05:40", release_to=(MALI,)),
        )
    with node.db.transaction() as session:
        summits.record_meeting(
            session,
            node,
            analyst(node),
            summits.MeetingIn(
                name="Comité",
                kind="technical-committee",
                start_date="2026-10-01",
                host=node.org_id,
                participants=(node.org_id, MALI),
                decisions=(
                    summits.DecisionIn(
                        "Patrouilles",
                        "border-security",
                        (summits.ActionIn("Patrouille", MALI, "2026-11-15"),),
                    ),
                ),
            ),
        )
    return seeded, made


def _ids(html: str, table: str) -> set[str]:
    body = html.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    return set(re.findall(r'data-stix-id="([^"]+)"', body))


def test_each_audience_gets_exactly_what_it_may_read(node: Node) -> None:
    _, made = _world(node)
    november = (date(2026, 11, 1), date(2026, 11, 30))
    for audience in (MALI, NIGER, node.org_id):
        expected = {i for i, release in made.items() if may_read(audience, node.org_id, release)}
        with node.db.session() as session:
            report = sitrep.build(
                session,
                node,
                sitrep.SitrepRequest(*november, audience, "fr"),
                analyst(node),
                now=NOW,
            )
        html = sitrep.to_html(report)
        assert _ids(html, "annex") == expected, audience
        assert _ids(html, "key") <= expected
        assert report.totals["incidents"] == len(expected)
        assert report.totals["killed"] == sum(n + 1 for n, i in enumerate(made) if i in expected)
        themed = {t.theme: t for t in report.assessment.themes}
        assert themed["armed-group-violence"].current.values["incidents"] == len(expected)
        assert f'data-audience="{audience}"' in html
        # The meeting's action item is Mali's and Algeria's business only.
        assert bool(_ids(html, "actions")) == (audience in (MALI, node.org_id))
    # Not readable by the requester: a report cannot reveal it either.
    outsider = Principal(org_id=NIGER, name="n", role=Role.ANALYST)
    with node.db.session() as session:
        report = sitrep.build(
            session, node, sitrep.SitrepRequest(*november, MALI, "fr"), outsider, now=NOW
        )
    assert {a["id"] for a in report.annex} == {
        i for i, r in made.items() if MALI in r and NIGER in r
    }


def test_the_assessment_compares_with_the_period_before(node: Node) -> None:
    _world(node)
    with node.db.session() as session:
        result = assess(session, analyst(node), Period(date(2026, 11, 1), date(2026, 11, 30)))
    violence = next(t for t in result.themes if t.theme == "armed-group-violence")
    assert violence.current.values["incidents"] == 4 and violence.current.values["killed"] == 10
    assert violence.previous.values["incidents"] == 0  # October
    assert (
        "sub_type=" in violence.links["current"] and "since=2026-11-01" in violence.links["current"]
    )
    with node.db.session() as session:
        wider = assess(session, analyst(node), Period(date(2026, 10, 1), date(2026, 11, 30)))
    assert (
        next(t for t in wider.themes if t.theme == "armed-group-violence").previous.values[
            "incidents"
        ]
        == 1
    )  # September


def test_arabic_and_french_pdfs(node: Node) -> None:
    pdfium = pytest.importorskip("pypdfium2")
    _world(node)
    folder = ARTIFACTS / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    texts = {}
    for lang in ("ar", "fr"):
        with node.db.session() as session:
            report = sitrep.build(
                session,
                node,
                sitrep.SitrepRequest(date(2026, 11, 1), date(2026, 11, 30), MALI, lang),
                analyst(node),
                now=NOW,
            )
        pdf = sitrep.to_pdf(report)
        assert pdf.startswith(b"%PDF")
        (folder / f"sitrep-{lang}.pdf").write_bytes(pdf)
        doc = pdfium.PdfDocument(pdf)
        try:
            texts[lang] = "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
            doc[0].render(scale=1.4).to_pil().save(folder / f"sitrep-{lang}-page1.png")
        finally:
            doc.close()
    arabic = " ".join(texts["ar"].split())
    # Shaped Arabic comes back as text, words in reading order.
    assert "تقرير الوضع" in arabic
    assert "كمين ثان قرب تين زواتين" in arabic and "كمين قرب تين زواتين" in arabic
    assert "هجوم على مركز" not in arabic  # Niger's incident is not Mali's to read
    assert "Rapport de situation" in texts["fr"] and "Mali" in texts["fr"]
    for lang in ("ar", "fr"):
        assert (folder / f"sitrep-{lang}-page1.png").stat().st_size > 20_000


def test_assessment_and_report_pages(node: Node) -> None:
    _world(node)
    with LiveServer(node) as server, httpx.Client(base_url=server.url, timeout=60) as web:
        assert (
            web.post("/login", data={"username": "admin", "password": ADMIN_PASSWORD}).status_code
            == 303
        )
        page = web.get("/assessment?since=2026-11-01&until=2026-11-30")
        assert page.status_code == 200 and "/incidents?sub_type=" in page.text
        listed = web.get(
            "/incidents?"
            + re.search(r'/incidents\?([^"]+)"', page.text).group(1).replace("&amp;", "&")
        )  # type: ignore[union-attr]
        assert listed.status_code == 200 and "تين زواتين" in listed.text
        assert web.get("/reports").status_code == 200
        params = {"since": "2026-11-01", "until": "2026-11-30", "audience": NIGER, "lang": "en"}
        html = web.get("/reports/situation", params={**params, "format": "html"})
        assert html.status_code == 200 and "Situation report" in html.text
        assert (
            "هجوم على مركز برج باجي مختار" in html.text and "كمين قرب تين زواتين<" not in html.text
        )
        pdf = web.get("/reports/situation", params={**params, "format": "pdf"})
        assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
        bad = web.get("/reports/situation", params={**params, "audience": "identity--nobody"})
        assert bad.status_code == 422


def test_the_report_command(node: Node, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from hoggar.cli.main import app

    _world(node)
    runner = CliRunner(env={"HOGGAR_DATABASE_URL": node.settings.database_url, "COLUMNS": "200"})
    out = tmp_path / "sitrep.html"
    args = ["report", "situation", "--audience", "Niger", "--since", "2026-11-01"]
    args += ["--until", "2026-11-30", "--output", str(out), "-d", str(node.settings.data_dir)]
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    assert "2 incident(s) for Niger" in " ".join(r.output.split())
    assert "هجوم على مركز برج باجي مختار" in out.read_text(encoding="utf-8")
    bad = runner.invoke(app, [*args[:-4], "--until", "soon", "--output", str(out)])
    assert bad.exit_code == 1


def _facts_world(node: Node) -> None:
    def at(day: int, **ext: Any) -> dict[str, Any]:
        return incident(node.org_id, start_time=f"2026-11-{day:02d}T10:00:00.000Z", **ext)

    seizure = {"event_type": "strategic_development", "sub_type": "arms_seizure"}
    attack = {"event_type": "violence_against_civilians", "sub_type": "attack_on_civilians"}
    rifles = {"item": "kalashnikov rifles", "unit": "units"}
    objects = [
        at(
            5,
            **seizure,
            country="DZ",
            admin1="Tamanrasset",
            place_name="Tin Zaouatine",
            seized=[
                {**rifles, "quantity": 12},
                {"item": "explosives", "unit": "kg", "quantity": 2.5},
            ],
        ),
        at(6, **seizure, country="DZ", admin1="Adrar", seized=[{**rifles, "quantity": 3}]),
        at(7, **attack, country="ML", admin1="Kidal", killed=5, civilians_killed=4),
        at(8, **attack, country="ML", killed=2),  # not said: every death counts as civilian
    ]
    report = import_objects(node, objects, principal=system_principal(node), source="test")
    assert not report.rejected, report.rejected[0].message


def _facts(node: Node) -> tuple[Any, ...]:
    with node.db.session() as session:
        result = assess(session, analyst(node), Period(date(2026, 11, 1), date(2026, 11, 30)))
    arms = next(t for t in result.themes if t.theme == "arms-smuggling").current
    harm = next(t for t in result.themes if t.theme == "civilian-harm").current
    return (
        dict(arms.seized),
        dict(arms.by_region),
        harm.values["civilians_killed"],
        harm.values["killed"],
        dict(harm.by_region),
    )


def test_assessment_sums_seizures_regions_and_civilians_from_the_index(node: Node) -> None:
    """Seized quantities by item and unit, regions and civilian deaths come from index
    columns (no body is read); migration 0014 fills them for incidents stored before it."""
    _facts_world(node)
    expected = (
        {("kalashnikov rifles", "units"): 15, ("explosives", "kg"): 2.5},
        {("DZ", "Tamanrasset"): 1, ("DZ", "Adrar"): 1},
        6,
        7,
        {("ML", "Kidal"): 1},
    )
    assert _facts(node) == expected
    cfg = alembic_config()
    with node.db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0013")
    with node.db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    assert _facts(node) == expected
    with node.db.session() as session:
        place = session.scalar(
            select(ObjectIndex.place_name).where(ObjectIndex.admin1 == "Tamanrasset")
        )
    assert place == "Tin Zaouatine"
    # The monthly counts' triggers, dropped during the fill, are back.
    extra = incident(node.org_id, start_time="2026-11-09T10:00:00.000Z", event_type="battle")
    assert not import_objects(node, [extra], principal=system_principal(node), source="t").rejected
    with node.db.session() as session:
        assert session.scalar(select(func.sum(MonthlyCount.n))) == 5


def test_the_database_sums_equal_the_incident_rows_for_every_reader(node: Node) -> None:
    """The assessment sums in SQL (`incident_groups`); situation reports fold the rows
    they list (`incident_facts`). Random incidents of every theme, with regions, places,
    seizures, civilian deaths said or not, duplicates and release sets: both give the
    same figures for every reader, theme and period."""
    import random

    from factories import release_marking, shared
    from hoggar.reports.assessment import THEMES, _figures, _filter, _grouped_figures
    from hoggar.store import aggregates

    rng = random.Random(20261202)
    readers = [node.org_id, MALI, NIGER]
    subs = sorted({s for v in THEMES.values() for s in v})
    book = {
        "arms_seizure": ("strategic_development", [("kalashnikov rifles", "units")]),
        "drug_seizure": ("strategic_development", [("cannabis resin", "kg"), ("cocaine", "kg")]),
    }
    markings, objects = {}, []
    for _ in range(260):
        originator = rng.choice(readers)
        members = frozenset(rng.sample([r for r in readers if r != originator], rng.randint(0, 2)))
        markings.setdefault((originator, members), release_marking(originator, set(members)))
        sub = rng.choice(subs)
        if sub in book:
            event_type = book[sub][0]
        elif sub in THEMES["civilian-harm"]:
            event_type = "violence_against_civilians"
        else:
            event_type = "battle"
        day, hour = rng.randrange(0, 120), rng.randrange(24)
        ext: dict[str, Any] = {
            "event_type": event_type,
            "sub_type": sub,
            "start_time": f"2026-{8 + day // 30:02d}-{1 + day % 28:02d}T{hour:02d}:00:00.000Z",
            "country": rng.choice(["ML", "NE", "DZ"]),
            "killed": rng.choice([0, 1, 3, 7]),
            "wounded": rng.choice([0, 2]),
            "kidnapped": rng.choice([0, 0, 4]),
            "released": rng.choice([0, 0, 1]),
        }
        if rng.random() < 0.5:
            ext["admin1"] = rng.choice(["Kidal", "Gao", "Tamanrasset", "Agadez"])
        if rng.random() < 0.8:
            ext["latitude"] = round(rng.uniform(12, 24), rng.choice([1, 3, 5]))
            ext["longitude"] = round(rng.uniform(-5, 12), rng.choice([1, 3, 5]))
        if event_type == "violence_against_civilians" and rng.random() < 0.5:
            ext["civilians_killed"] = rng.randint(0, ext["killed"])
        if sub in book:
            ext["seized"] = [
                {"item": item, "unit": unit, "quantity": rng.choice([1, 2.5, 40, 0.3])}
                for item, unit in rng.sample(book[sub][1], 1)
            ]
        objects.append(incident(originator, markings=shared(originator, set(members)), **ext))
    report = import_objects(
        node, [*markings.values(), *objects], principal=system_principal(node), source="t"
    )
    assert not report.rejected, report.rejected[0].message
    compared = 0
    with node.db.session() as session:
        for org in readers:
            reader = Principal(org_id=org, name="r", role=Role.ANALYST)
            for period in (
                Period(date(2026, 8, 1), date(2026, 9, 30)),
                Period(date(2026, 9, 15), date(2026, 11, 30)),
            ):
                flt = _filter(period, subs, ())
                groups = aggregates.incident_groups(session, reader, flt)
                rows = aggregates.incident_facts(session, reader, flt)
                for theme, theme_subs in THEMES.items():
                    by_rows = _figures([r for r in rows if r.sub_type in theme_subs])
                    assert _grouped_figures(groups, theme_subs) == by_rows, (org, theme)
                    compared += by_rows.values["incidents"]
    assert compared > 300
