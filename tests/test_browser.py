"""The analyst's day in real headless Chromium (Playwright driving /usr/bin/chromium).

Algeria's analyst reports an ambush in Arabic with a place and a group, shares it with
Mali only, finds it by search and on the map, switches to French. Mali and Niger pull
from Algeria: Mali's analyst sees the incident; Niger's analyst finds it nowhere (list,
search, map, counts, direct address). Screenshots of each page in Arabic and French are
saved under test-artifacts/screenshots (or $HOGGAR_ARTIFACTS).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import hoggar.demo
from federation_kit import Member, link, running_members
from hoggar.auth.service import create_user
from hoggar.federation import sync
from hoggar.kernel.i18n import Msg, render
from incident_kit import Seeded, seed_place_and_group

CHROMIUM = os.environ.get("HOGGAR_CHROMIUM", "/usr/bin/chromium")
PASSWORD = "analyst-password-2026"
# The two sample articles (shared/data/articles), as the package ships them.
ARTICLES = Path(hoggar.demo.__file__).resolve().parent / "data"
ARTIFACTS = Path(
    os.environ.get("HOGGAR_ARTIFACTS", Path(__file__).resolve().parents[1] / "test-artifacts")
)

pytestmark = pytest.mark.slow

if not Path(CHROMIUM).exists():
    if os.environ.get("CI") == "true":
        raise RuntimeError(f"{CHROMIUM} is missing: scripts/test installs Debian's chromium")
    pytest.skip(f"{CHROMIUM} is not installed", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, Member], Seeded]]:
    tmp = tmp_path_factory.mktemp("browser")
    with running_members(tmp, ["DZ", "ML", "NE"], "sqlite") as ms:
        seeded = seed_place_and_group(ms["DZ"].node, [ms["ML"].org, ms["NE"].org])
        for m in ms.values():
            with m.node.db.transaction() as session:
                create_user(
                    session,
                    m.node,
                    username=f"analyst-{m.code.lower()}",
                    password=PASSWORD,
                    role="analyst",
                    actor="test",
                    display_name=f"Analyst {m.code}",
                )
        link(ms["ML"], ms["DZ"])
        link(ms["NE"], ms["DZ"])
        yield ms, seeded


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
        )
        try:
            yield browser
        finally:
            browser.close()


def _page(chromium: Any, width: int = 1366, height: int = 768) -> Any:
    context = chromium.new_context(viewport={"width": width, "height": height}, locale="en-GB")
    page = context.new_page()
    outside: list[str] = []
    page.on(
        "request",
        lambda r: (
            outside.append(r.url) if not r.url.startswith(("http://127.0.0.1", "data:")) else None
        ),
    )
    page.outside_requests = outside  # everything must come from the node itself
    return page


def _shot(page: Any, name: str) -> None:
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=False)


def _sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_url(f"{base}/")


def _language(page: Any, lang: str) -> None:
    page.select_option("#lang-pick", lang)
    page.click("form.lang button")
    page.wait_for_selector(f'html[lang="{lang}"]')


def _wait_map(page: Any) -> int:
    page.wait_for_selector("#map[data-ready='1']", timeout=30_000)
    return int(page.get_attribute("#map", "data-shown-count") or "0")


def test_report_in_arabic_share_with_mali_and_niger_sees_nothing(
    world: tuple[dict[str, Member], Seeded], chromium: Any
) -> None:
    members, seeded = world
    dz, ml, ne = members["DZ"], members["ML"], members["NE"]
    assert dz.server and ml.server and ne.server
    page = _page(chromium)
    _sign_in(page, dz.server.url, "analyst-dz")
    _language(page, "ar")
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"

    # The form: first without the number killed (a battle needs it), then complete.
    page.goto(f"{dz.server.url}/incidents/new")
    page.fill("#f-name", "كمين قرب تين زواتين")
    page.select_option("#f-event_type", "battle")
    page.select_option("#f-sub_type", "ambush")
    assert page.input_value("#f-time_precision") == "day"  # the sub-type's default
    page.select_option("#f-time_precision", "exact")
    page.fill("#f-start", "2026-11-20 05:40")
    page.select_option("#f-location_ref", seeded.place)
    assert page.input_value("#f-latitude") == "19.956"  # filled from the chosen place
    page.select_option("#f-geo_precision", "town")
    page.select_option("#f-actor_refs", [seeded.group])
    page.select_option("#f-source_reliability", "B")
    page.select_option("#f-information_credibility", "2")
    page.fill("#f-narrative", "تعرضت دورية لكمين نصبته عناصر مسلحة شمال تين زواتين.")
    page.check(f'input[name="release_to"][value="{ml.org}"]')
    preview = page.inner_text("#preview-list")
    assert "Mali" in preview and "Niger" not in preview and "Algeria" in preview
    _shot(page, "form-ar")
    page.click(".actions button[type=submit]")
    error = page.inner_text("#err-killed")
    assert error == render(Msg("Required for this type of event."), "ar")
    assert page.get_attribute("#f-killed", "aria-invalid") == "true"
    assert page.input_value("#f-name") == "كمين قرب تين زواتين"  # nothing typed is lost
    page.fill("#f-killed", "3")
    page.click(".actions button[type=submit]")
    page.wait_for_url(re.compile(r".*/incidents/incident--[0-9a-f-]+\?saved=1$"))
    sid = re.search(r"(incident--[0-9a-f-]+)", page.url).group(1)  # type: ignore[union-attr]
    assert page.inner_text("h1") == "كمين قرب تين زواتين"
    assert "القاعدة في بلاد المغرب الإسلامي" in page.inner_text("#h-facts + dl")
    assert "تين زواتين" in page.inner_text("#h-facts + dl")
    assert "Mali" in page.inner_text("#h-sharing + p + p + ul")
    _shot(page, "detail-ar")

    # Found by search (a word of the title) and on the map.
    page.fill("#top-q", "زواتين")
    page.press("#top-q", "Enter")
    page.wait_for_selector(f'a[href="/incidents/{sid}"]')
    page.goto(f"{dz.server.url}/map?q=زواتين")
    assert _wait_map(page) == 1
    page.check("#show-heat")
    _shot(page, "map-ar")
    page.goto(f"{dz.server.url}/")
    _shot(page, "dashboard-ar")

    # French: the same pages, left to right; the record keeps its language.
    _language(page, "fr")
    assert page.get_attribute("html", "dir") == "ltr"
    assert page.inner_text("h1") == render(Msg("Dashboard"), "fr")
    _shot(page, "dashboard-fr")
    page.goto(f"{dz.server.url}/incidents/{sid}")
    assert render(Msg("Written in %(language)s"), "fr").split("%")[0].strip() in page.inner_text(
        "main"
    )
    assert page.get_attribute("h1", "lang") == "ar" and page.get_attribute("h1", "dir") == "auto"
    _shot(page, "detail-fr")
    page.goto(f"{dz.server.url}/incidents/new")
    _shot(page, "form-fr")
    page.goto(f"{dz.server.url}/map")
    assert _wait_map(page) == 1
    _shot(page, "map-fr")
    page.goto(f"{dz.server.url}/timeline")
    _shot(page, "timeline-fr")
    assert page.outside_requests == []

    # Mali pulls and sees it; Niger pulls and sees nothing of it anywhere.
    assert sync.sync_peer(ml.node, "dz").ok
    assert sync.sync_peer(ne.node, "dz").ok
    mali = _page(chromium)
    _sign_in(mali, ml.server.url, "analyst-ml")
    mali.goto(f"{ml.server.url}/incidents/{sid}")
    assert mali.inner_text("h1") == "كمين قرب تين زواتين"
    mali.goto(f"{ml.server.url}/incidents?q=زواتين")
    assert mali.locator(f'a[href="/incidents/{sid}"]').count() == 1
    mali.goto(f"{ml.server.url}/map")
    assert _wait_map(mali) == 1
    # Mali corroborates; Algeria reads the assessment after its next pull.
    mali.goto(f"{ml.server.url}/incidents/{sid}")
    mali.select_option("#o-opinion", "agree")
    mali.fill("#o-explanation", "Même embuscade signalée par la patrouille de Tessalit.")
    mali.click("#opinions button[type=submit]")
    mali.wait_for_url(re.compile(r".*saved=1#opinions$"))
    assert "Tessalit" in mali.inner_text("#opinions")
    link(dz, ml)
    assert sync.sync_peer(dz.node, "ml").ok
    page.goto(f"{dz.server.url}/incidents/{sid}")
    assert "Tessalit" in page.inner_text("#opinions")

    niger = _page(chromium)
    _sign_in(niger, ne.server.url, "analyst-ne")
    assert "0 incidents visible to Niger" in niger.inner_text("#total")
    niger.goto(f"{ne.server.url}/incidents?q=زواتين")
    assert niger.locator('a[href^="/incidents/incident--"]').count() == 0
    niger.goto(f"{ne.server.url}/incidents")
    assert niger.locator('a[href^="/incidents/incident--"]').count() == 0
    niger.goto(f"{ne.server.url}/map")
    assert _wait_map(niger) == 0
    niger.goto(f"{ne.server.url}/timeline")
    assert niger.locator('a[href^="/incidents/incident--"]').count() == 0
    response = niger.goto(f"{ne.server.url}/incidents/{sid}")
    assert response.status == 404
    unknown = niger.goto(
        f"{ne.server.url}/incidents/incident--00000000-0000-4000-8000-000000000000"
    )
    assert unknown.status == 404
    niger.goto(f"{ne.server.url}/groups/{seeded.group}")
    assert "0 linked incidents" in niger.inner_text("main")
    with httpx.Client(base_url=ne.server.url) as api:
        token = api.post("/api/session", json={"username": "analyst-ne", "password": PASSWORD})
        assert token.status_code == 200
        assert api.get(f"/api/objects/{sid}").status_code == 404
        count = api.get("/api/stats/count", params={"type": "incident"}).json()["count"]
        assert count == 0
    assert niger.outside_requests == [] and mali.outside_requests == []


def test_pages_fit_a_tablet_and_are_usable_from_the_keyboard(
    world: tuple[dict[str, Member], Seeded], chromium: Any
) -> None:
    members, _ = world
    base = members["DZ"].server.url  # type: ignore[union-attr]
    page = _page(chromium, 800, 1180)
    _sign_in(page, base, "analyst-dz")
    for path in ("/", "/incidents", "/incidents/new", "/map", "/timeline", "/groups", "/codebook"):
        page.goto(base + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{path} scrolls sideways on a tablet ({overflow}px)"
    page.goto(base + "/incidents/new")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "f-name":
            break
    else:
        pytest.fail("the title field cannot be reached with the keyboard")
    page.fill("#f-place-search", "تمنراست")
    page.click("#place-results button >> nth=0")
    assert page.input_value("#f-latitude").startswith("22.78")
    assert page.input_value("#f-country") == "DZ"
    unlabelled = page.evaluate(
        """[...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
             .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
                          && !e.closest('label')).map(e => e.name)"""
    )
    assert unlabelled == []
    _shot(page, "form-tablet-en")


def test_open_source_review_in_arabic_and_nothing_leaves_before_acceptance(
    world: tuple[dict[str, Member], Seeded], chromium: Any
) -> None:
    """Algeria's analyst pastes the 2010 article, sees the evidence highlighted, accepts
    the Algiers meeting through the filled form and shares it with Mali; Mali receives
    that incident and nothing else from the article (not the article, not the drafts)."""
    members, _ = world
    dz, ml = members["DZ"], members["ML"]
    text = (ARTICLES / "ar-2010-cemoc-launch.txt").read_text(encoding="utf-8")
    page = _page(chromium)
    _sign_in(page, dz.server.url, "analyst-dz")  # type: ignore[union-attr]
    _language(page, "ar")
    page.goto(f"{dz.server.url}/sources")  # type: ignore[union-attr]
    page.fill("#a-title", "إطلاق هيئة أركان عملياتية مشتركة بتمنراست")
    page.fill("#a-source", "وكالة الأنباء الجزائرية")
    page.fill("#a-published", "2010-04-21")
    page.fill("#a-text", text)
    page.click("form[action='/sources/articles'] button[type=submit]")
    page.wait_for_url(re.compile(r".*/sources/\d+$"))
    article_url = page.url
    marks = page.locator(".source-text mark")
    assert marks.count() >= 10
    assert page.locator(".source-text mark.f-places", has_text="تمنراست").count() >= 1
    assert page.locator(".source-text mark.f-time", has_text="12 أبريل الجاري").count() == 1
    assert page.locator(".source-text mark.f-participants").count() >= 4
    _shot(page, "sources-review-ar")
    # The Algiers meeting's draft: accept it through the filled form.
    card = page.locator("article.draft", has_text="الجزائر العاصمة").first
    card.locator("a.button").click()
    page.wait_for_url(re.compile(r".*/incidents/new\?draft=\d+$"))
    assert page.input_value("#f-start") == "2010-04-12"
    assert page.input_value("#f-sub_type") == "meeting"
    assert page.input_value("#f-country") == "DZ"
    assert "الجزائر" in page.input_value("#f-place_name")
    page.select_option("#f-information_credibility", "2")
    page.check(f'input[name="release_to"][value="{ml.org}"]')
    page.click(".actions button[type=submit]")
    page.wait_for_url(re.compile(r".*/incidents/incident--[0-9a-f-]+\?saved=1$"))
    sid = re.search(r"(incident--[0-9a-f-]+)", page.url).group(1)  # type: ignore[union-attr]
    page.goto(article_url)
    assert page.locator(f'a[href="/incidents/{sid}"]').count() == 1
    assert page.outside_requests == []
    # Mali pulls from Algeria: the accepted incident arrives, the article does not.
    assert sync.sync_peer(ml.node, "dz").ok
    from hoggar.sources.models import Article
    from hoggar.stix.models import ObjectVersion

    with dz.node.db.session() as session:
        report_id = session.query(Article.report_id).scalar()
    with ml.node.db.session() as session:
        ids = {r for (r,) in session.query(ObjectVersion.stix_id)}
    assert sid in ids and report_id not in ids


def test_meetings_assessment_and_reports_pages(
    world: tuple[dict[str, Member], Seeded], chromium: Any
) -> None:
    """A meeting in Arabic, the assessment in French, a situation report: no page
    fetches anything from outside, the tables fit a laptop screen."""
    from hoggar.summits import service as summits
    from incident_kit import analyst

    members, _ = world
    dz, ml = members["DZ"], members["ML"]
    with dz.node.db.transaction() as session:
        meeting = summits.record_meeting(
            session,
            dz.node,
            analyst(dz.node),
            summits.MeetingIn(
                name="اجتماع لجنة أمن الحدود",
                kind="technical-committee",
                start_date="2026-11-05",
                host=dz.org,
                participants=(dz.org, ml.org),
                place_name="تمنراست",
                lang="ar",
                decisions=(
                    summits.DecisionIn(
                        "تكثيف الدوريات المشتركة على الحدود",
                        "border-security",
                        (summits.ActionIn("دورية مشتركة شمال تين زواتين", dz.org, "2026-11-30"),),
                    ),
                ),
            ),
        )
    page = _page(chromium)
    base = dz.server.url  # type: ignore[union-attr]
    _sign_in(page, base, "analyst-dz")
    _language(page, "ar")
    page.goto(f"{base}/meetings/{meeting['id']}")
    assert page.get_attribute("html", "dir") == "rtl"
    assert "تكثيف الدوريات المشتركة على الحدود" in page.inner_text("#h-decisions + article")
    page.select_option("select[name=status]", "in-progress")
    page.fill("input[name=text]", "بدأت الدوريات")
    page.click(".status-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/meetings/x-hoggar-meeting--.*"))
    assert "بدأت الدوريات" in page.inner_text("#h-decisions + article")
    _shot(page, "meeting-ar")
    _language(page, "fr")
    page.goto(f"{base}/assessment?since=2026-01-01&until=2026-12-31")
    assert page.locator("section.card h2", has_text="Violence des groupes armés").count() == 1
    assert page.locator(".assessment-figures svg.map").count() >= 7
    _shot(page, "assessment-fr")
    page.goto(f"{base}/reports")
    page.select_option("#r-audience", ml.org)
    page.select_option("#r-lang", "ar")
    page.click("button[value=html]")
    page.wait_for_selector("#audience")
    assert page.get_attribute("html", "dir") == "rtl" and "Mali" in page.inner_text("#audience")
    _shot(page, "sitrep-html-ar")
    assert page.outside_requests == []


def test_screenshots_are_kept_for_the_docs() -> None:
    """The README and the user guide show these pictures: they must exist after a run."""
    folder = ARTIFACTS / "screenshots"
    wanted = {
        f"{p}-{lang}.png" for p in ("dashboard", "map", "form", "detail") for lang in ("ar", "fr")
    }
    present = {p.name for p in folder.glob("*.png")}
    if not wanted <= present:
        pytest.skip("run with the browser test above first (same module)")
    for name in wanted:
        assert (folder / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
        assert (folder / name).stat().st_size > 10_000, name
