"""RSS/Atom feeds: configuring them and reading each new entry into an article
(`hoggar.sources.service.ingest_article`); the node connects only to public addresses
or networks the operator allowed (`hoggar.sources.egress`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from hoggar.audit.service import Action, record
from hoggar.context import Node, Principal
from hoggar.kernel.clock import utcnow
from hoggar.kernel.errors import Invalid, NotFound, PermissionDenied, Problem
from hoggar.sources.articles import ArticleError, ArticleIn, parse_feed
from hoggar.sources.egress import allowed_networks, guarded_client, refusal
from hoggar.sources.models import Feed
from hoggar.sources.service import Ingested, ingest_article

GRADES = ("A", "B", "C", "D", "E", "F")
FEED_TIMEOUT = 20.0
MAX_FEED_BYTES = 10 * 1024 * 1024


def add_feed(
    session: Session,
    node: Node,
    principal: Principal,
    url: str,
    name: str = "",
    reliability: str = "F",
    lang: str | None = None,
    interval_s: int = 900,
) -> Feed:
    """Configure a feed. Administrators only; the node connects only to public
    addresses, or networks the operator allowed (hoggar.sources.egress)."""
    if not principal.is_admin or principal.org_id != node.org_id:
        raise PermissionDenied("Only an administrator may configure feeds.")
    problems = []
    if not url.startswith(("http://", "https://")):
        problems.append(Problem("url", "an http:// or https:// address"))
    else:
        host = httpx.URL(url).host
        literal = "127.0.0.1" if host == "localhost" else host
        try:
            problem = refusal(literal, allowed_networks())
        except ValueError:  # a name: checked when it is resolved, at every fetch
            problem = None
        if problem:
            problems.append(Problem("url", problem))
    if reliability not in GRADES:
        problems.append(Problem("reliability", "a source reliability grade from A to F"))
    if interval_s < 60:
        problems.append(Problem("interval", "at least 60 seconds"))
    if problems:
        raise Invalid("The feed cannot be added.", problems)
    if session.scalar(select(Feed.id).where(Feed.url == url)) is not None:
        raise Invalid(
            "The feed cannot be added.", [Problem("url", "this feed is already configured")]
        )
    feed = Feed(
        url=url,
        name=(name or url)[:200],
        reliability=reliability,
        lang=lang,
        interval_s=interval_s,
        active=True,
        created_at=utcnow(),
    )
    session.add(feed)
    session.flush()
    record(
        session,
        node.signer,
        actor=principal.name,
        org_id=node.org_id,
        action=Action.SOURCE_FEED,
        target=url,
        detail={"added": True, "reliability": reliability},
    )
    return feed


@dataclass
class FeedRun:
    feed_id: int
    url: str
    new: int = 0
    duplicates: int = 0
    not_modified: bool = False
    error: str | None = None
    ingested: list[Ingested] = field(default_factory=list)


def _download(feed: Feed, client: httpx.Client) -> httpx.Response:
    headers = {"User-Agent": "Hoggar open-source reader"}
    if feed.etag:
        headers["If-None-Match"] = feed.etag
    if feed.last_modified:
        headers["If-Modified-Since"] = feed.last_modified
    response = client.get(feed.url, headers=headers, timeout=FEED_TIMEOUT, follow_redirects=True)
    if len(response.content) > MAX_FEED_BYTES:
        raise ArticleError(f"{feed.url}: the feed is larger than {MAX_FEED_BYTES:,} bytes")
    return response


def fetch_feed(
    node: Node, principal: Principal, feed_id: int, client: httpx.Client | None = None
) -> FeedRun:
    """Read one feed now: each new entry in its own transaction, so a bad one loses nothing."""
    with node.db.session() as session:
        feed = session.get(Feed, feed_id)
        if feed is None:
            raise NotFound("No such feed.")
        session.expunge(feed)
    run = FeedRun(feed.id, feed.url)
    own = client or guarded_client()
    try:
        response = _download(feed, own)
        if response.status_code == 304:
            run.not_modified = True
        elif response.status_code >= 400:
            raise ArticleError(f"{feed.url}: HTTP {response.status_code}")
        else:
            _, articles = parse_feed(response.content, feed.url, feed.name)
            for article in articles:
                if feed.lang and not article.lang:
                    article = ArticleIn(**{**article.__dict__, "lang": feed.lang})
                with node.db.transaction() as session:
                    done = ingest_article(session, node, principal, article, feed)
                if done.created:
                    run.new += 1
                    run.ingested.append(done)
                else:
                    run.duplicates += 1
    except (httpx.HTTPError, ArticleError) as exc:
        run.error = str(exc) or type(exc).__name__
    finally:
        if client is None:
            own.close()
    with node.db.transaction() as session:
        row = session.get(Feed, feed.id)
        if row is not None:
            row.last_fetched_at = utcnow()
            row.last_error = run.error
            if run.error is None and not run.not_modified:
                row.etag = response.headers.get("ETag")
                row.last_modified = response.headers.get("Last-Modified")
    return run


def due_feeds(session: Session, now: datetime | None = None) -> list[int]:
    moment = now or utcnow()
    out = []
    for feed in session.scalars(select(Feed).where(Feed.active.is_(True)).order_by(Feed.id)):
        last = feed.last_fetched_at
        if last is None or last + timedelta(seconds=feed.interval_s) <= moment:
            out.append(feed.id)
    return out


def list_feeds(session: Session) -> list[Feed]:
    return list(session.scalars(select(Feed).order_by(Feed.name)))


def feed_dict(feed: Feed) -> dict[str, Any]:
    return {
        "id": feed.id,
        "url": feed.url,
        "name": feed.name,
        "lang": feed.lang,
        "reliability": feed.reliability,
        "active": feed.active,
        "interval_s": feed.interval_s,
        "last_fetched_at": feed.last_fetched_at.isoformat() if feed.last_fetched_at else None,
        "last_error": feed.last_error,
    }
