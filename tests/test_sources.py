"""Open sources on a real database: articles stored once as local STIX reports, feeds
read from a server on loopback, drafts reviewed, accepted into incidents that cite the
article, and nothing shared before an analyst accepts it."""

from __future__ import annotations

import contextlib
import html
import re
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
from typer.testing import CliRunner

import hoggar.demo
from conftest import ADMIN_PASSWORD, MALI_ID, LiveServer
from hoggar.auth.service import create_user
from hoggar.cli.main import app as cli
from hoggar.context import Node, Principal, Role
from hoggar.kernel.errors import Invalid, NotFound, PermissionDenied
from hoggar.sources import service
from hoggar.sources.articles import ArticleError, ArticleIn, parse_feed, read_file
from hoggar.sources.egress import ALLOW_ENV
from hoggar.sources.feeds import add_feed, fetch_feed, list_feeds
from hoggar.sources.models import Article, Draft
from hoggar.sources.review import accept_draft, form_of_draft, list_articles, reject_draft
from hoggar.store import aggregates, queries
from hoggar.store.filters import ObjectFilter
from incident_kit import analyst

# The two sample articles (shared/data/articles), as the package ships them.
ARTICLES = Path(hoggar.demo.__file__).resolve().parent / "data"
AMBUSH = (
    "Trois soldats maliens ont été tués et deux blessés hier dans une embuscade "
    "tendue par des hommes armés près de Ménaka, a annoncé l'armée malienne."
)


def _article(text: str = AMBUSH, **kw: Any) -> ArticleIn:
    values: dict[str, Any] = {
        "title": "Embuscade près de Ménaka",
        "text": text,
        "published": date(2026, 11, 20),
        "source_name": "Agence test",
    }
    values.update(kw)
    return ArticleIn(**values)


def test_an_article_is_stored_once_as_a_local_report_with_drafts(node: Node) -> None:
    with node.db.transaction() as session:
        done = service.ingest_article(
            session, node, analyst(node), _article(url="https://news.test/1")
        )
    assert done.created and done.drafts == 1
    with node.db.session() as session:
        report = queries.get_object(session, analyst(node), done.report_id)
        assert report["type"] == "report" and report["description"] == AMBUSH
        assert report["lang"] == "fr" and report["published"].startswith("2026-11-20")
        assert report["external_references"][0]["url"] == "https://news.test/1"
        # Stored for the node's own organization only: Mali cannot read it.
        mali = Principal(org_id=MALI_ID, name="mali", role=Role.ANALYST)
        with pytest.raises(NotFound):
            queries.get_object(session, mali, done.report_id)
        draft = session.query(Draft).one()
        assert draft.status == "pending"
    # The same article again, by link, or by text with other spacing and case: not stored.
    for again in (
        _article(url="https://news.test/1", text=AMBUSH + " Mise à jour."),
        _article(text="  " + AMBUSH.upper().replace(" ", "   ") + "\n"),
    ):
        with node.db.transaction() as session:
            dup = service.ingest_article(session, node, analyst(node), again)
        assert not dup.created and dup.duplicate_of == done.article_id
    with node.db.session() as session:
        assert session.query(Article).count() == 1


def test_accepting_a_draft_makes_an_incident_that_cites_the_article(node: Node) -> None:
    with node.db.transaction() as session:
        done = service.ingest_article(session, node, analyst(node), _article())
    with node.db.session() as session:
        draft_id = session.query(Draft.id).scalar()
        inp = form_of_draft(session, node, analyst(node), draft_id, "fr")
    assert (inp.event_type, inp.sub_type) == ("battle", "ambush")
    assert (inp.start, inp.time_precision) == ("2026-11-19", "day")
    assert inp.place_name == "Ménaka" and inp.country == "ML"
    assert (inp.killed, inp.wounded) == ("3", "2")
    assert inp.source_reliability == "F" and inp.narrative.startswith("Trois soldats")
    # Nothing is an incident before acceptance.
    with node.db.session() as session:
        assert (
            aggregates.count_objects(session, analyst(node), ObjectFilter(types=("incident",))) == 0
        )
    with node.db.transaction() as session:
        incident = accept_draft(session, node, analyst(node), draft_id, inp.with_defaults("fr"))
    refs = incident["external_references"]
    assert refs[0]["source_name"] == "open-source: Agence test"
    with node.db.session() as session:
        report = queries.get_object(session, analyst(node), done.report_id)
        assert incident["id"] in report["object_refs"]
        row = session.get(Draft, draft_id)
        assert row is not None and row.status == "accepted" and row.incident_id == incident["id"]
    # A reviewed draft cannot be accepted or rejected again.
    with node.db.transaction() as session, pytest.raises(Invalid):
        reject_draft(session, node, analyst(node), draft_id)


def test_rejecting_and_who_may_review(node: Node) -> None:
    viewer = Principal(org_id=node.org_id, name="viewer", role=Role.VIEWER)
    with node.db.transaction() as session, pytest.raises(PermissionDenied):
        service.ingest_article(session, node, viewer, _article())
    with node.db.transaction() as session:
        service.ingest_article(session, node, analyst(node), _article())
    with node.db.session() as session:
        draft_id = session.query(Draft.id).scalar()
    with node.db.transaction() as session:
        reject_draft(session, node, analyst(node), draft_id, "not an event")
    with node.db.session() as session:
        row = session.get(Draft, draft_id)
        assert row is not None and (row.status, row.reason) == ("rejected", "not an event")
        assert list_articles(session, node, analyst(node)) == []  # nothing pending
        assert len(list_articles(session, node, analyst(node), "all")) == 1


def test_reading_files(tmp_path: Path) -> None:
    (tmp_path / "a.html").write_text(
        "<html><head><title>Attaque</title><meta property='article:published_time' "
        "content='2026-11-02T08:00:00Z'></head><body><script>x()</script><p>Des hommes "
        "armés ont attaqué hier Djibo.</p></body></html>",
        encoding="utf-8",
    )
    (tmp_path / "b.json").write_text('{"title": "T", "text": "Texte", "published": "2026-11-01"}')
    (tmp_path / "c.jsonl").write_text('{"text": "un"}\n\n{"text": "deux", "lang": "fr"}\n')
    (tmp_path / "bad.json").write_text('{"title": "no text"}')
    (tmp_path / "latin1.txt").write_bytes("Tomboctou é".encode("latin-1"))
    [html_article] = read_file(tmp_path / "a.html")
    assert html_article.title == "Attaque" and "x()" not in html_article.text
    assert html_article.published == date(2026, 11, 2)
    assert read_file(tmp_path / "b.json")[0].published == date(2026, 11, 1)
    assert [a.text for a in read_file(tmp_path / "c.jsonl")] == ["un", "deux"]
    with pytest.raises(ArticleError, match="'text' is missing"):
        read_file(tmp_path / "bad.json")
    with pytest.raises(ArticleError, match="not UTF-8"):
        read_file(tmp_path / "latin1.txt")


# --- feeds on loopback -----------------------------------------------------------------

RSS = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Sahel Info</title><language>fr</language>
<item><title>Embuscade près de Ménaka</title><link>https://sahel.test/1</link>
<guid>sahel-1</guid><pubDate>Fri, 20 Nov 2026 08:00:00 GMT</pubDate>
<description>{AMBUSH}</description></item>
<item><title>Match de football</title><link>https://sahel.test/2</link>
<guid>sahel-2</guid><pubDate>Fri, 20 Nov 2026 09:00:00 GMT</pubDate>
<description>L'équipe nationale a gagné son match amical hier soir à Bamako.</description></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Akhbar</title>
<entry><title>كمين</title><id>urn:akhbar:1</id><link href="https://akhbar.test/1"/>
<updated>2026-11-18T10:00:00Z</updated>
<content type="html">&lt;p&gt;قتل خمسة جنود ماليين أمس
في كمين نصبه مسلحون قرب تيساليت.&lt;/p&gt;</content></entry>
</feed>"""


class _Feeds(BaseHTTPRequestHandler):
    bodies: ClassVar[dict[str, str]] = {}
    hits: ClassVar[list[tuple[str, str | None]]] = []

    def do_GET(self) -> None:
        self.hits.append((self.path, self.headers.get("If-None-Match")))
        if self.path.startswith("/redirect/"):  # to the address after /redirect/
            self.send_response(302)
            self.send_header("Location", "http://" + self.path.removeprefix("/redirect/"))
            self.end_headers()
            return
        body = self.bodies.get(self.path)
        if body is None:
            self.send_response(503)
            self.end_headers()
            return
        etag = f'"{abs(hash(body))}"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.end_headers()
            return
        data = body.encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "application/xml")
        self.send_header("ETag", etag)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def feed_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A feed server on 127.0.0.1, which the operator allowed (HOGGAR_FEEDS_ALLOW_NETWORKS)."""
    monkeypatch.setenv(ALLOW_ENV, "127.0.0.1/32")
    _Feeds.bodies = {"/rss": RSS, "/atom": ATOM, "/broken": "<html>not a feed"}
    _Feeds.hits = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Feeds)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def test_feeds_are_read_once_each_entry_and_conditionally(node: Node, feed_server: str) -> None:
    admin = Principal(org_id=node.org_id, name="admin", role=Role.ADMIN)
    with node.db.transaction() as session, pytest.raises(PermissionDenied):
        add_feed(session, node, analyst(node), f"{feed_server}/rss")  # admins only
    with node.db.transaction() as session:
        rss = add_feed(session, node, admin, f"{feed_server}/rss", "Sahel Info", "B")
        atom = add_feed(session, node, admin, f"{feed_server}/atom", "Akhbar", "C")
        broken = add_feed(session, node, admin, f"{feed_server}/broken", "X")
        down = add_feed(session, node, admin, f"{feed_server}/gone", "Y")
        ids = (rss.id, atom.id, broken.id, down.id)
    with node.db.transaction() as session, pytest.raises(Invalid, match="cannot be added"):
        add_feed(session, node, admin, f"{feed_server}/rss")
    first = fetch_feed(node, analyst(node), ids[0])
    assert (first.new, first.duplicates, first.error) == (2, 0, None)
    again = fetch_feed(node, analyst(node), ids[0])
    assert again.not_modified and again.new == 0
    assert _Feeds.hits[-1][1] is not None  # sent If-None-Match
    arabic = fetch_feed(node, analyst(node), ids[1])
    assert arabic.new == 1
    for bad in ids[2:]:
        run = fetch_feed(node, analyst(node), bad)
        assert run.error and run.new == 0
    with node.db.session() as session:
        rows = {a.url: a for a in session.query(Article)}
        assert set(rows) == {
            "https://sahel.test/1",
            "https://sahel.test/2",
            "https://akhbar.test/1",
        }
        assert rows["https://sahel.test/1"].reliability == "B"
        assert rows["https://akhbar.test/1"].lang == "ar"
        assert rows["https://akhbar.test/1"].published == date(2026, 11, 18)
        # The football story gives no draft; the two ambushes one each.
        drafts = {
            a.url: session.query(Draft).filter(Draft.article_id == a.id).count()
            for a in rows.values()
        }
        assert drafts == {
            "https://sahel.test/1": 1,
            "https://sahel.test/2": 0,
            "https://akhbar.test/1": 1,
        }
        feeds = {f.url.rsplit("/", 1)[1]: f for f in list_feeds(session)}
        assert (
            feeds["broken"].last_error and feeds["gone"].last_error and not feeds["rss"].last_error
        )
    # The same story arriving through another feed is not stored twice.
    _Feeds.bodies["/rss2"] = RSS.replace("sahel.test", "mirror.test").replace("sahel-", "m-")
    with node.db.transaction() as session:
        mirror = add_feed(session, node, admin, f"{feed_server}/rss2", "Mirror")
    assert fetch_feed(node, analyst(node), mirror.id).duplicates == 2


def test_feeds_reach_only_public_or_allowed_addresses(
    node: Node, feed_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The node connects only where it is allowed, checked on the resolved address of
    every connection, redirects included; refusals are recorded, nothing is stored."""
    admin = Principal(org_id=node.org_id, name="admin", role=Role.ADMIN)
    port = feed_server.rsplit(":", 1)[1]
    for url, kind in (
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://10.0.0.7/rss", "private"),
        ("http://[::1]:8080/rss", "loopback"),
        ("http://127.0.0.5:5432/", "loopback"),
    ):
        with node.db.transaction() as session, pytest.raises(Invalid) as refused:
            add_feed(session, node, admin, url)
        assert kind in refused.value.problems[0].message
    with node.db.transaction() as session:
        allowed = add_feed(session, node, admin, f"{feed_server}/rss", "Sahel Info")
        # An allowed server redirecting to a loopback address outside the allowed /32.
        bounce = add_feed(
            session, node, admin, f"{feed_server}/redirect/127.0.0.2:{port}/rss", "Bounce"
        )
        named = add_feed(session, node, admin, f"http://localhost:{port}/rss", "Name")
    run = fetch_feed(node, analyst(node), bounce.id)
    assert run.new == 0 and run.error and "127.0.0.2 is a loopback address" in run.error
    assert _Feeds.hits[-1][0].startswith("/redirect/")  # the second hop never happened
    # A name is checked where it resolves, at every fetch: every address it resolves
    # to must be allowed (localhost may also resolve to ::1).
    monkeypatch.setenv(ALLOW_ENV, "127.0.0.1/32,::1/128")
    assert fetch_feed(node, analyst(node), named.id).new == 2
    monkeypatch.setenv(ALLOW_ENV, "")  # the operator withdraws the allowance
    run = fetch_feed(node, analyst(node), allowed.id)
    assert run.error and "127.0.0.1 is a loopback address" in run.error
    with node.db.session() as session:
        assert session.query(Article).count() == 2
        feeds = {f.name: f for f in list_feeds(session)}
        assert "loopback" in str(feeds["Bounce"].last_error)


def test_a_feed_that_is_not_a_feed_is_refused() -> None:
    with pytest.raises(ArticleError, match="not an RSS or Atom feed"):
        parse_feed(b"\x00\x01 definitely not xml", "http://x.test/feed")


# --- the review queue over HTTP ------------------------------------------------------


def _csrf(page: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', page)
    assert m
    return m.group(1)


def _fields(page: str) -> dict[str, Any]:
    """What a browser would submit from the incident form as it is filled."""
    data: dict[str, Any] = {}
    for m in re.finditer(r"<input([^>]*)>", page):
        attrs = dict(re.findall(r'(\w[\w-]*)="([^"]*)"', m.group(1)))
        if "name" in attrs and attrs.get("type") not in ("checkbox", "radio", "submit"):
            data[attrs["name"]] = html.unescape(attrs.get("value", ""))
    for m in re.finditer(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', m.group(2))
        if chosen:
            data[m.group(1)] = chosen.group(1)
    for m in re.finditer(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', page, re.S):
        data[m.group(1)] = html.unescape(m.group(2))
    return data


def test_review_in_the_web_interface(node: Node) -> None:
    with node.db.transaction() as session:
        create_user(
            session,
            node,
            username="reader",
            password="reader-password-2026",
            role="viewer",
            actor="test",
        )
    text = (ARTICLES / "ar-2010-cemoc-launch.txt").read_text(encoding="utf-8")
    with LiveServer(node) as server, httpx.Client(base_url=server.url, timeout=30) as web:
        assert (
            web.post("/login", data={"username": "admin", "password": ADMIN_PASSWORD}).status_code
            == 303
        )
        page = web.get("/sources")
        assert page.status_code == 200
        r = web.post(
            "/sources/articles",
            data={
                "csrf": _csrf(page.text),
                "title": "إطلاق هيئة الأركان",
                "text": text,
                "published": "2010-04-21",
                "source_name": "APS",
            },
        )
        assert r.status_code == 303
        review = web.get(r.headers["location"])
        assert review.status_code == 200
        # The evidence is highlighted in the article: the place and the date.
        assert re.search(r'<mark class="f-places"[^>]*>تمنراست</mark>', review.text)
        assert '<mark class="f-time"' in review.text and "اليوم الأربعاء" in review.text
        assert 'id="h-named"' in review.text  # groups, places and states named anywhere
        draft_ids = re.findall(r'href="/incidents/new\?draft=(\d+)"', review.text)
        assert len(draft_ids) >= 4
        form = web.get(f"/incidents/new?draft={draft_ids[0]}")
        assert form.status_code == 200 and 'name="draft"' in form.text
        data = _fields(form.text)
        assert data["start"] == "2010-04-21" and data["country"] == "DZ"
        data.update(information_credibility="2")
        created = web.post("/incidents/new", data=data)
        assert created.status_code == 303, created.text[:2000]
        assert created.headers["location"].startswith("/incidents/incident--")
        after = web.get(r.headers["location"])
        assert "/incidents/incident--" in after.text
        # Reject the next one, with a reason.
        web.post(
            f"/sources/drafts/{draft_ids[1]}/reject",
            data={
                "csrf": _csrf(after.text),
                "article": r.headers["location"].rsplit("/", 1)[1],
                "reason": "contexte",
            },
        )
        with node.db.session() as session:
            statuses = {d.id: d.status for d in session.query(Draft)}
        assert (
            statuses[int(draft_ids[0])] == "accepted" and statuses[int(draft_ids[1])] == "rejected"
        )
        # A viewer sees no queue and no article.
        web.cookies.clear()
        assert (
            web.post(
                "/login", data={"username": "reader", "password": "reader-password-2026"}
            ).status_code
            == 303
        )
        assert web.get("/sources").status_code == 404
        assert web.get(r.headers["location"]).status_code == 404
        assert "/sources" not in web.get("/").text


def test_cli_ingest_extract_and_eval(tmp_path: Path, node: Node) -> None:
    runner = CliRunner(env={"HOGGAR_DATABASE_URL": node.settings.database_url, "COLUMNS": "250"})
    data_dir = str(node.settings.data_dir)
    folder = tmp_path / "articles"
    folder.mkdir()
    for name in ("ar-2010-cemoc-launch.txt", "ar-2015-tamanrasset-summit.txt"):
        (folder / name).write_bytes((ARTICLES / name).read_bytes())
    (folder / "README.md").write_text("# not an article")
    r = runner.invoke(
        cli, ["sources", "ingest", str(folder), "--published", "2010-04-21", "-d", data_dir]
    )
    assert r.exit_code == 0, r.output
    assert "stored" in r.output
    r = runner.invoke(
        cli, ["sources", "ingest", str(ARTICLES / "ar-2010-cemoc-launch.txt"), "-d", data_dir]
    )
    assert "already stored" in r.output
    r = runner.invoke(cli, ["sources", "ingest", str(tmp_path / "missing.txt"), "-d", data_dir])
    assert r.exit_code == 1 and "no such file" in r.output
    r = runner.invoke(
        cli,
        [
            "sources",
            "extract",
            str(ARTICLES / "ar-2010-cemoc-launch.txt"),
            "--published",
            "2010-04-21",
            "--json",
        ],
    )
    assert r.exit_code == 0 and '"hoggar:algiers"' in r.output
    dev = Path(__file__).parent / "data" / "extraction" / "dev.jsonl"
    r = runner.invoke(cli, ["sources", "eval", str(dev), "--json"])
    assert r.exit_code == 0 and '"events"' in r.output


def test_the_rest_api(node: Node, feed_server: str) -> None:
    with node.db.transaction() as session:
        create_user(
            session,
            node,
            username="ana",
            password="analyst-password-2026",
            role="analyst",
            actor="t",
        )
        create_user(
            session, node, username="vie", password="viewer-password-2026", role="viewer", actor="t"
        )
    with LiveServer(node) as server, contextlib.ExitStack() as stack:

        def client(user: str, password: str) -> httpx.Client:
            c = httpx.Client(base_url=server.url, timeout=30)
            stack.callback(c.close)
            r = c.post("/api/session", json={"username": user, "password": password})
            r.raise_for_status()
            c.headers["x-csrf-token"] = r.json()["csrf_token"]
            return c

        ana, vie = client("ana", "analyst-password-2026"), client("vie", "viewer-password-2026")
        body = {"text": AMBUSH, "published": "2026-11-20", "source": "Agence test"}
        r = ana.post("/api/sources/articles", json=body)
        assert r.status_code == 201, r.text
        article = r.json()
        assert article["created"] and article["lang"] == "fr"
        assert [p["value"] for p in article["named"]["places"]] == ["hoggar:menaka"]
        [draft] = article["drafts"]
        assert draft["draft"]["sub_type"]["value"] == "ambush"
        start, end = draft["draft"]["counts"]["killed"]["spans"][0]
        assert "tués" in AMBUSH[start:end]
        assert ana.post("/api/sources/articles", json=body).json()["created"] is False
        form = ana.get(f"/api/sources/drafts/{draft['id']}/form?lang=fr").json()
        assert form["place_name"] == "Ménaka" and form["killed"] == "3"
        bad = ana.post("/api/sources/articles", json={"text": ""})
        assert bad.status_code == 422 and bad.headers["content-type"].startswith(
            "application/problem+json"
        )
        # Viewers neither read nor add; feeds are configured by administrators only.
        assert vie.get(f"/api/sources/articles/{article['id']}").status_code == 403
        assert vie.post("/api/sources/articles", json=body).status_code == 403
        r = ana.post("/api/sources/feeds", json={"url": f"{feed_server}/rss"})
        assert r.status_code == 403
        r = ana.post(f"/api/sources/drafts/{draft['id']}/reject", json={"reason": "doublon"})
        assert r.json()["status"] == "rejected"
        assert ana.post(f"/api/sources/drafts/{draft['id']}/reject", json={}).status_code == 422
        assert ana.get("/api/sources/articles").json()["articles"] == []
        assert len(ana.get("/api/sources/articles?show=all").json()["articles"]) == 1
        admin = client("admin", ADMIN_PASSWORD)
        r = admin.post("/api/sources/feeds", json={"url": f"{feed_server}/atom", "name": "Akhbar"})
        assert r.status_code == 201, r.text
        run = admin.post(f"/api/sources/feeds/{r.json()['id']}/fetch").json()
        assert run["new"] == 1 and run["error"] is None
        assert admin.get("/api/sources/feeds").json()["feeds"][0]["name"] == "Akhbar"


def test_an_article_link_is_a_link_only_for_http(node: Node) -> None:
    """Issue 19, item 16: a `javascript:` link must not become clickable."""
    with LiveServer(node) as server, httpx.Client(base_url=server.url, timeout=30) as web:
        web.post("/login", data={"username": "admin", "password": ADMIN_PASSWORD})
        for url, clickable in (
            ("javascript:alert(document.cookie)", False),
            ("JavaScript:alert(1)", False),
            ("data:text/html,<script>alert(1)</script>", False),
            ("https://example.org/sahel/2025/03/01/ambush", True),
        ):
            page = web.get("/sources")
            r = web.post(
                "/sources/articles",
                data={
                    "csrf": _csrf(page.text),
                    "title": f"Probe {url[:10]}",
                    "text": AMBUSH + " " + url,
                    "published": "2026-11-20",
                    "source_name": "Agence test",
                    "url": url,
                },
            )
            assert r.status_code == 303, r.text[:300]
            review = web.get(r.headers["location"]).text
            hrefs = [html.unescape(h) for h in re.findall(r'href="([^"]*)"', review)]
            assert (url in hrefs) is clickable, url
            assert not [h for h in hrefs if h.lower().startswith(("javascript:", "data:"))]
