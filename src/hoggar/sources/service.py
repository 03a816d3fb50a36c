"""Ingesting articles, reading them into drafts, and the analyst's review.

An article is stored once (same link, same feed entry, or the same text after
normalisation), as a STIX report readable by the node's own organization only, and
read at once into drafts. A draft is local work: it becomes an incident, shared as
the analyst chooses and citing the article, only through `accept_draft`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

import httpx
from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from hoggar.audit.service import Action, record
from hoggar.context import Node, Principal
from hoggar.extraction.extractor import Draft as DraftBody
from hoggar.extraction.extractor import Evidence as DraftEvidence
from hoggar.extraction.extractor import Extractor
from hoggar.extraction.language import detect_language
from hoggar.extraction.mentions import GroupName
from hoggar.geo.gazetteer import Gazetteer, load_gazetteer
from hoggar.incidents.codebook_load import load_codebook
from hoggar.incidents.form import IncidentInput
from hoggar.incidents.service import names_of, report_incident, visible_groups
from hoggar.kernel.clock import format_stix, utcnow
from hoggar.kernel.errors import Invalid, NotFound, PermissionDenied, Problem
from hoggar.records.authoring import Sharing, create_object, update_object
from hoggar.sharing.markings import TLP
from hoggar.sources.articles import ArticleError, ArticleIn, parse_feed
from hoggar.sources.egress import allowed_networks, guarded_client, refusal
from hoggar.sources.models import Article, Draft, Feed
from hoggar.store import queries

OPEN_SOURCE = "open-source"
GRADES = ("A", "B", "C", "D", "E", "F")
FEED_TIMEOUT = 20.0
MAX_FEED_BYTES = 10 * 1024 * 1024


def _require_analyst(principal: Principal, node: Node) -> None:
    if not principal.can_write or principal.org_id != node.org_id:
        raise PermissionDenied("Your role may read but not review open sources.")


# --- the extractor a node uses -------------------------------------------------------


def group_names(groups: Iterable[Mapping[str, Any]]) -> list[GroupName]:
    """The armed groups a reader may see, as the extractor's name entries."""
    out = []
    for g in groups:
        names = [n for ns in names_of(g).values() for n in ns]
        out.append(
            GroupName(id=str(g["id"]), label=str(g.get("name") or g["id"]), names=tuple(names))
        )
    return out


@lru_cache(maxsize=4)
def _extractor(gazetteer: Gazetteer, groups: tuple[GroupName, ...]) -> Extractor:
    return Extractor(gazetteer, groups)


def extractor_for(session: Session, node: Node, principal: Principal) -> Extractor:
    groups = tuple(group_names(visible_groups(session, principal)))
    return _extractor(load_gazetteer(node.settings.data_dir), groups)


# --- ingesting -----------------------------------------------------------------------


@dataclass
class Ingested:
    article_id: int
    report_id: str
    created: bool  # False: the same article was already stored
    drafts: int
    title: str
    duplicate_of: int | None = None


def find_duplicate(session: Session, article: ArticleIn) -> Article | None:
    conditions = [Article.content_hash == article.content_hash()]
    if article.url:
        conditions.append(Article.url == article.url)
    if article.guid:
        conditions.append(Article.guid == article.guid)
    return session.scalars(select(Article).where(or_(*conditions)).limit(1)).first()


def _report(node: Node, article: ArticleIn, lang: str, refs: Sequence[str]) -> dict[str, Any]:
    reference: dict[str, Any] = {
        "source_name": article.source_name or OPEN_SOURCE,
        "description": article.title[:500],
        "hashes": {"SHA-256": article.content_hash()},
    }
    if article.url:
        reference["url"] = article.url
    published = article.published or utcnow().date()
    return {
        "type": "report",
        "name": article.title[:500] or "—",
        "description": article.text,
        "published": format_stix(
            datetime(published.year, published.month, published.day, tzinfo=UTC)
        ),
        "report_types": ["threat-report"],
        "labels": [OPEN_SOURCE],
        "lang": lang,
        "object_refs": list(refs) or [node.org_id],
        "external_references": [reference],
    }


def ingest_article(
    session: Session,
    node: Node,
    principal: Principal,
    article: ArticleIn,
    feed: Feed | None = None,
    extractor: Extractor | None = None,
) -> Ingested:
    """Store an article (once) as a local STIX report and read it into drafts."""
    _require_analyst(principal, node)
    same = find_duplicate(session, article)
    if same is not None:
        pending = session.scalar(select(func.count()).where(Draft.article_id == same.id)) or 0
        return Ingested(same.id, same.report_id, False, int(pending), same.title, same.id)
    lang = article.lang if article.lang in ("ar", "fr", "en") else detect_language(article.text)
    ex = extractor or extractor_for(session, node, principal)
    extraction = ex.extract(article.text, article.published, lang)
    group_refs = sorted({a.value for d in extraction.drafts for a in d.actors if "--" in a.value})
    # The article itself is public, but that this node collected it is not: it stays
    # with the node's own organization until an analyst shares it.
    report = create_object(
        session,
        node,
        principal,
        _report(node, article, lang, group_refs),
        Sharing(TLP.AMBER_STRICT, frozenset()),
    )
    row = Article(
        report_id=report["id"],
        feed_id=feed.id if feed else None,
        url=article.url,
        guid=article.guid,
        content_hash=article.content_hash(),
        title=article.title[:2000],
        source_name=(article.source_name or (feed.name if feed else ""))[:200],
        lang=lang,
        published=article.published,
        reliability=feed.reliability if feed else "F",
        added_at=utcnow(),
        extractor_version=extraction.as_dict()["version"],
        notes="; ".join(extraction.notes) or None,
        named=json.dumps(extraction.named_dict(), ensure_ascii=False),
    )
    session.add(row)
    session.flush()
    for position, body in enumerate(extraction.drafts):
        session.add(Draft(article_id=row.id, position=position, body=json.dumps(body.as_dict())))
    record(
        session,
        node.signer,
        actor=principal.name,
        org_id=node.org_id,
        action=Action.SOURCE_INGEST,
        target=report["id"],
        detail={
            "drafts": len(extraction.drafts),
            "url": article.url,
            "feed": feed.url if feed else None,
        },
    )
    return Ingested(row.id, row.report_id, True, len(extraction.drafts), row.title)


# --- feeds ---------------------------------------------------------------------------


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


# --- review --------------------------------------------------------------------------


@dataclass
class ArticleRow:
    id: int
    title: str
    source_name: str
    lang: str
    published: date | None
    added_at: datetime
    pending: int
    accepted: int
    rejected: int


def list_articles(
    session: Session, node: Node, principal: Principal, status: str = "pending", limit: int = 100
) -> list[ArticleRow]:
    """Articles with how many of their drafts wait, were accepted or rejected."""
    _require_analyst(principal, node)
    counts = (
        select(
            Draft.article_id,
            func.sum(case((Draft.status == "pending", 1), else_=0)).label("pending"),
            func.sum(case((Draft.status == "accepted", 1), else_=0)).label("accepted"),
            func.sum(case((Draft.status == "rejected", 1), else_=0)).label("rejected"),
        )
        .group_by(Draft.article_id)
        .subquery()
    )
    query = (
        select(Article, counts.c.pending, counts.c.accepted, counts.c.rejected)
        .outerjoin(counts, counts.c.article_id == Article.id)
        .order_by(Article.added_at.desc(), Article.id.desc())
        .limit(limit)
    )
    if status == "pending":
        query = query.where(counts.c.pending > 0)
    out = []
    for a, pending, accepted, rejected in session.execute(query):
        out.append(
            ArticleRow(
                a.id,
                a.title,
                a.source_name,
                a.lang,
                a.published,
                a.added_at,
                int(pending or 0),
                int(accepted or 0),
                int(rejected or 0),
            )
        )
    return out


@dataclass
class DraftView:
    id: int
    position: int
    status: str
    body: DraftBody
    incident_id: str | None
    decided_by: str | None
    decided_at: datetime | None
    reason: str | None


@dataclass
class ArticleView:
    article: Article
    text: str
    url: str | None
    drafts: list[DraftView]
    named: dict[str, list[DraftEvidence]] = field(default_factory=dict)


def view_article(
    session: Session, node: Node, principal: Principal, article_id: int
) -> ArticleView:
    _require_analyst(principal, node)
    article = session.get(Article, article_id)
    if article is None:
        raise NotFound("No such article.")
    report = queries.get_object(session, principal, article.report_id)
    refs = report.get("external_references") or [{}]
    drafts = [
        DraftView(
            d.id,
            d.position,
            d.status,
            DraftBody.from_dict(json.loads(d.body)),
            d.incident_id,
            d.decided_by,
            d.decided_at,
            d.reason,
        )
        for d in session.scalars(
            select(Draft).where(Draft.article_id == article.id).order_by(Draft.position)
        )
    ]
    named = {
        kind: [DraftEvidence.from_dict(e) for e in items]
        for kind, items in json.loads(article.named or "{}").items()
    }
    return ArticleView(
        article, str(report.get("description") or ""), refs[0].get("url"), drafts, named
    )


def _pending_draft(session: Session, node: Node, principal: Principal, draft_id: int) -> Draft:
    _require_analyst(principal, node)
    draft = session.get(Draft, draft_id)
    if draft is None:
        raise NotFound("No such draft.")
    if draft.status != "pending":
        raise Invalid(
            "This draft has already been reviewed.",
            [Problem("draft", f"it was {draft.status} by {draft.decided_by}")],
        )
    return draft


def reject_draft(
    session: Session, node: Node, principal: Principal, draft_id: int, reason: str = ""
) -> None:
    draft = _pending_draft(session, node, principal, draft_id)
    draft.status = "rejected"
    draft.decided_by = principal.name
    draft.decided_at = utcnow()
    draft.reason = reason.strip()[:1000] or None
    record(
        session,
        node.signer,
        actor=principal.name,
        org_id=node.org_id,
        action=Action.DRAFT_REJECT,
        target=f"draft:{draft.id}",
        detail={"article": draft.article_id, "reason": draft.reason},
    )


def form_of_draft(
    session: Session, node: Node, principal: Principal, draft_id: int, lang: str
) -> IncidentInput:
    """The incident form filled from a draft, for the analyst to check and complete."""
    draft = _pending_draft(session, node, principal, draft_id)
    article = session.get(Article, draft.article_id)
    assert article is not None
    body = DraftBody.from_dict(json.loads(draft.body))
    report = queries.get_object(session, principal, article.report_id)
    text = str(report.get("description") or "")
    return draft_input(body, text, article, lang, load_gazetteer(node.settings.data_dir))


def draft_input(
    body: DraftBody, text: str, article: Article, lang: str, gazetteer: Gazetteer
) -> IncidentInput:
    place = None
    if body.places:
        try:
            place = gazetteer.get(str(body.places[0].value))
        except KeyError:
            place = None
    narrative = " ".join(text[a:b].strip() for a, b in body.sentences)
    counts = {k: str(v.value) for k, v in body.counts.items()}
    start = body.start or ""
    name_place = place.name_in(lang) if place else (body.country.value if body.country else "")
    try:
        title = load_codebook().label(str(body.sub_type.value), lang)
    except KeyError:
        title = str(body.sub_type.value)
    return IncidentInput(
        name=f"{title} — {name_place}" if name_place else title,
        event_type=body.event_type,
        sub_type=str(body.sub_type.value),
        start=start,
        time_precision=body.time_precision if body.time else "",
        place_name=place.name_in(lang) if place else "",
        latitude=f"{place.lat:.4f}" if place else "",
        longitude=f"{place.lon:.4f}" if place else "",
        country=place.country if place else (str(body.country.value) if body.country else ""),
        admin1=(place.admin1 or "") if place else "",
        geo_precision=("region" if place.kind == "admin1" else "town")
        if place
        else ("country" if body.country else ""),
        actor_refs=tuple(a.value for a in body.actors if "--" in str(a.value)),
        killed=counts.get("killed", ""),
        wounded=counts.get("wounded", ""),
        kidnapped=counts.get("kidnapped", ""),
        released=counts.get("released", ""),
        source_reliability=article.reliability,
        information_credibility="6",
        narrative=narrative,
        lang=article.lang if article.lang in ("ar", "fr", "en") else lang,
        tlp="amber",
    )


def accept_draft(
    session: Session, node: Node, principal: Principal, draft_id: int, inp: IncidentInput
) -> dict[str, Any]:
    """The analyst's incident, as checked and completed, citing the article."""
    draft = _pending_draft(session, node, principal, draft_id)
    article = session.get(Article, draft.article_id)
    assert article is not None
    report = queries.get_object(session, principal, article.report_id)
    reference = dict((report.get("external_references") or [{}])[0])
    reference["source_name"] = (
        f"{OPEN_SOURCE}: {article.source_name}" if article.source_name else OPEN_SOURCE
    )
    reference.pop("hashes", None)
    obj = report_incident(session, node, principal, inp, external_references=[reference])
    draft.status = "accepted"
    draft.incident_id = obj["id"]
    draft.decided_by = principal.name
    draft.decided_at = utcnow()
    refs = [r for r in report.get("object_refs") or [] if r != node.org_id]
    update_object(session, node, principal, article.report_id, {"object_refs": [*refs, obj["id"]]})
    record(
        session,
        node.signer,
        actor=principal.name,
        org_id=node.org_id,
        action=Action.DRAFT_ACCEPT,
        target=f"draft:{draft.id}",
        detail={"article": article.id, "incident": obj["id"]},
    )
    return obj
