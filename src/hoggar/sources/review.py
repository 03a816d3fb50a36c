"""The analyst's review of open sources: the articles and their drafts, and each draft
rejected, or filled into the incident form and accepted as an incident citing the article."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from hoggar.audit.service import Action, record
from hoggar.context import Node, Principal
from hoggar.extraction.drafts import Draft as DraftBody
from hoggar.extraction.drafts import Evidence as DraftEvidence
from hoggar.geo.gazetteer import Gazetteer, load_gazetteer
from hoggar.incidents.codebook_load import load_codebook
from hoggar.incidents.form import IncidentInput
from hoggar.incidents.service import report_incident
from hoggar.kernel.clock import utcnow
from hoggar.kernel.errors import Invalid, NotFound, Problem
from hoggar.records.authoring import update_object
from hoggar.sources.models import Article, Draft
from hoggar.sources.service import OPEN_SOURCE, require_analyst
from hoggar.store import queries


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
    require_analyst(principal, node)
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
    require_analyst(principal, node)
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
    require_analyst(principal, node)
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
