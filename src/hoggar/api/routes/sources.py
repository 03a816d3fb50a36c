"""Open sources over the REST API: articles in, drafts out, review; feeds (admins)."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from hoggar.context import Node, Principal
from hoggar.http.deps import get_node, get_principal, get_read_session
from hoggar.kernel.errors import PermissionDenied
from hoggar.sources import feeds as feed_service
from hoggar.sources import review, service
from hoggar.sources.articles import MAX_TEXT, ArticleIn

router = APIRouter(prefix="/api/sources", tags=["open sources"])
Auth = Annotated[Principal, Depends(get_principal)]
ReadDb = Annotated[Session, Depends(get_read_session)]
NodeDep = Annotated[Node, Depends(get_node)]


class ArticleCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=MAX_TEXT, description="The article's text")
    title: str = Field(default="", max_length=2000)
    published: date | None = Field(
        default=None, description="Publication date: relative dates resolve against it"
    )
    url: str | None = Field(default=None, max_length=2000)
    lang: str | None = Field(default=None, description="ar, fr or en; detected if absent")
    source: str = Field(default="", max_length=200, description="The outlet's name")


class FeedCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(max_length=2000)
    name: str = Field(default="", max_length=200)
    reliability: str = Field(default="F", description="Admiralty source reliability, A-F")
    lang: str | None = None
    interval_s: int = Field(default=900, ge=60)


class RejectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(default="", max_length=1000)


def _article_view(view: review.ArticleView) -> dict[str, Any]:
    a = view.article
    return {
        "id": a.id,
        "report_id": a.report_id,
        "title": a.title,
        "source": a.source_name,
        "url": view.url,
        "lang": a.lang,
        "published": a.published.isoformat() if a.published else None,
        "reliability": a.reliability,
        "notes": a.notes,
        "text": view.text,
        "named": {k: [e.as_dict() for e in v] for k, v in view.named.items()},
        "drafts": [
            {
                "id": d.id,
                "status": d.status,
                "incident_id": d.incident_id,
                "decided_by": d.decided_by,
                "reason": d.reason,
                "draft": d.body.as_dict(),
            }
            for d in view.drafts
        ],
    }


@router.get("/articles", summary="Articles read, newest first, with their drafts' status")
def list_articles(
    principal: Auth,
    node: NodeDep,
    session: ReadDb,
    show: Annotated[str, Query(pattern="^(pending|all)$")] = "pending",
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    rows = review.list_articles(session, node, principal, show, limit)
    items = []
    for r in rows:
        item = asdict(r)
        item["published"] = r.published.isoformat() if r.published else None
        item["added_at"] = r.added_at.isoformat()
        items.append(item)
    return {"articles": items}


@router.post("/articles", status_code=201, summary="Read an article into drafts (stored once)")
def add_article(body: ArticleCreate, principal: Auth, node: NodeDep) -> dict[str, Any]:
    article = ArticleIn(
        title=body.title.strip() or body.text.strip()[:120],
        text=body.text,
        published=body.published,
        url=body.url,
        lang=body.lang,
        source_name=body.source,
    )
    with node.db.transaction() as session:
        done = service.ingest_article(session, node, principal, article)
    with node.db.session() as session:
        view = review.view_article(session, node, principal, done.article_id)
    return {"created": done.created, **_article_view(view)}


@router.get("/articles/{article_id}", summary="An article with its drafts and their evidence")
def get_article(article_id: int, principal: Auth, node: NodeDep, session: ReadDb) -> dict[str, Any]:
    return _article_view(review.view_article(session, node, principal, article_id))


@router.post("/drafts/{draft_id}/reject", summary="Reject a draft, with a reason")
def reject(draft_id: int, body: RejectIn, principal: Auth, node: NodeDep) -> dict[str, Any]:
    with node.db.transaction() as session:
        review.reject_draft(session, node, principal, draft_id, body.reason)
    return {"id": draft_id, "status": "rejected"}


@router.get("/drafts/{draft_id}/form", summary="The incident form filled from a draft")
def draft_form(
    draft_id: int,
    principal: Auth,
    node: NodeDep,
    session: ReadDb,
    lang: Annotated[str, Query(pattern="^(ar|fr|en)$")] = "en",
) -> dict[str, Any]:
    """What POST /incidents/new?draft= would show; accept through the web form."""
    inp = review.form_of_draft(session, node, principal, draft_id, lang)
    form: dict[str, Any] = json.loads(json.dumps(asdict(inp)))
    return form


@router.get("/feeds", summary="Configured feeds and how their last read went")
def feeds(principal: Auth, node: NodeDep, session: ReadDb) -> dict[str, Any]:
    if not principal.can_write or principal.org_id != node.org_id:
        raise PermissionDenied("Only analysts and administrators see feeds.")
    return {"feeds": [feed_service.feed_dict(f) for f in feed_service.list_feeds(session)]}


@router.post("/feeds", status_code=201, summary="Configure a feed (administrators)")
def add_feed(body: FeedCreate, principal: Auth, node: NodeDep) -> dict[str, Any]:
    with node.db.transaction() as session:
        feed = feed_service.add_feed(
            session,
            node,
            principal,
            body.url,
            body.name,
            body.reliability.upper(),
            body.lang,
            body.interval_s,
        )
        return feed_service.feed_dict(feed)


@router.post("/feeds/{feed_id}/fetch", summary="Read a feed now")
def fetch(feed_id: int, principal: Auth, node: NodeDep) -> dict[str, Any]:
    if not principal.can_write or principal.org_id != node.org_id:
        raise PermissionDenied("Only analysts and administrators read feeds.")
    run = feed_service.fetch_feed(node, principal, feed_id)
    return {
        "feed_id": run.feed_id,
        "new": run.new,
        "duplicates": run.duplicates,
        "not_modified": run.not_modified,
        "error": run.error,
    }
