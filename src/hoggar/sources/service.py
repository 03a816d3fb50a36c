"""Ingesting articles and reading them into drafts.

An article is stored once (same link, same feed entry, or the same text after
normalisation), as a STIX report readable by the node's own organization only, and
read at once into drafts. A draft is local work: it becomes an incident, shared as
the analyst chooses and citing the article, only through
`hoggar.sources.review.accept_draft`. Feeds are read in `hoggar.sources.feeds`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from hoggar.audit.service import Action, record
from hoggar.context import Node, Principal
from hoggar.extraction.extractor import Extractor
from hoggar.extraction.language import detect_language
from hoggar.extraction.mentions import GroupName
from hoggar.geo.gazetteer import Gazetteer, load_gazetteer
from hoggar.incidents.names import names_of, visible_groups
from hoggar.kernel.clock import format_stix, utcnow
from hoggar.kernel.errors import PermissionDenied
from hoggar.records.authoring import Sharing, create_object
from hoggar.sharing.markings import TLP
from hoggar.sources.articles import ArticleIn
from hoggar.sources.models import Article, Draft, Feed

OPEN_SOURCE = "open-source"


def require_analyst(principal: Principal, node: Node) -> None:
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
    require_analyst(principal, node)
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
