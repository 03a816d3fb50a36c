"""Open-source pages: the review queue, an article with its drafts, feeds."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from hoggar.context import Node
from hoggar.geo.gazetteer import load_gazetteer
from hoggar.kernel import i18n
from hoggar.kernel.errors import HoggarError, NotFound
from hoggar.sources import feeds as feed_service
from hoggar.sources import review, service
from hoggar.sources.articles import ArticleError, ArticleIn, parse_date
from hoggar.web.common import FORM_EXPIRED, Viewer, env, error_text, render
from hoggar.web.deps import NodeDep, Posted, SignedIn, hidden_unless_allowed, page_router

router = page_router()

FIELD_NAMES = {
    "sub_type": i18n.N_("Event type"),
    "time": i18n.N_("Date"),
    "places": i18n.N_("Place"),
    "country": i18n.N_("Country"),
    "actors": i18n.N_("Actors"),
    "participants": i18n.N_("Participants"),
    "mentioned": i18n.N_("Groups named"),
    "killed": i18n.N_("Killed"),
    "wounded": i18n.N_("Wounded"),
    "kidnapped": i18n.N_("Kidnapped"),
    "released": i18n.N_("Released"),
}


def segments(text: str, marks: Sequence[tuple[int, str, tuple[int, int]]]) -> list[dict[str, Any]]:
    """The text cut where any highlight starts or ends; each piece with what covers it.

    `marks` are (draft number, field, span). Overlaps are fine: a piece lists every
    (draft, field) that covers it, so the page can colour and label it."""
    cuts = {0, len(text)}
    for _, _, (a, b) in marks:
        if 0 <= a < b <= len(text):
            cuts.update((a, b))
    points = sorted(cuts)
    out = []
    for a, b in itertools.pairwise(points):
        covering = sorted(
            {(n, f) for n, f, (x, y) in marks if x <= a and b <= y}, key=lambda m: (m[0], m[1])
        )
        out.append({"text": text[a:b], "marks": covering})
    return out


def place_name(place_id: str, lang: str) -> str:
    """A gazetteer place's name in the reader's language ("" if unknown)."""
    try:
        return load_gazetteer().get(place_id).name_in(lang)
    except KeyError:
        return ""


env.globals["place_name"] = place_name


def _list_page(
    request: Request, node: Node, viewer: Viewer, error: str = "", status: int = 200
) -> HTMLResponse:
    show = request.query_params.get("show", "pending")
    with node.db.session() as session:
        articles = review.list_articles(session, node, viewer.principal, show)
        feeds = feed_service.list_feeds(session)
    return render(
        request,
        "sources.html",
        viewer,
        status=status,
        articles=articles,
        feeds=feeds,
        show=show,
        error=error,
        grades=feed_service.GRADES,
    )


@router.get("/sources")
def sources_page(request: Request, node: NodeDep, viewer: SignedIn) -> Response:
    if not viewer.principal.can_write:
        raise NotFound("Only analysts review open sources.")
    return _list_page(request, node, viewer)


@router.post("/sources/articles")
async def add_article(request: Request, node: NodeDep, viewer: SignedIn, form: Posted) -> Response:
    if not form.fresh:
        return _list_page(request, node, viewer, i18n.gettext(FORM_EXPIRED), 400)
    data = form.data
    try:
        article = ArticleIn(
            title=str(data.get("title", "")).strip(),
            text=str(data.get("text", "")),
            published=parse_date(str(data.get("published", "")).strip() or None),
            url=str(data.get("url", "")).strip() or None,
            lang=str(data.get("lang", "")).strip() or None,
            source_name=str(data.get("source_name", "")).strip(),
        )
        if not article.text.strip():
            raise ArticleError(i18n.gettext("The article has no text."))
    except ArticleError as exc:  # the list again, with what is wrong in the article
        return _list_page(request, node, viewer, str(exc), 422)
    if not article.title:
        article = ArticleIn(**{**article.__dict__, "title": article.text.strip()[:120]})

    def write() -> service.Ingested:
        with hidden_unless_allowed(), node.db.transaction() as session:
            return service.ingest_article(session, node, viewer.principal, article)

    done = await run_in_threadpool(write)
    suffix = "" if done.created else "?duplicate=1"
    return RedirectResponse(f"/sources/{done.article_id}{suffix}", status_code=303)


@router.post("/sources/feeds")
async def add_feed(request: Request, node: NodeDep, viewer: SignedIn, form: Posted) -> Response:
    if not form.fresh:
        return _list_page(request, node, viewer, i18n.gettext(FORM_EXPIRED), 400)

    def write() -> None:
        with node.db.transaction() as session:
            feed_service.add_feed(
                session,
                node,
                viewer.principal,
                str(form.data.get("url", "")).strip(),
                str(form.data.get("name", "")).strip(),
                str(form.data.get("reliability", "F")),
                str(form.data.get("lang", "")).strip() or None,
            )

    try:
        await run_in_threadpool(write)
    except HoggarError as exc:  # the list again, with what was refused
        return _list_page(request, node, viewer, error_text(exc), 422)
    return RedirectResponse("/sources?show=all", status_code=303)


@router.post("/sources/feeds/{feed_id}/fetch")
async def fetch(
    request: Request, node: NodeDep, viewer: SignedIn, form: Posted, feed_id: int
) -> Response:
    if not form.fresh or not viewer.principal.can_write:
        return _list_page(request, node, viewer, i18n.gettext(FORM_EXPIRED), 400)
    run = await run_in_threadpool(feed_service.fetch_feed, node, viewer.principal, feed_id)
    if run.error:
        return _list_page(request, node, viewer, run.error, 502)
    return RedirectResponse(f"/sources?fetched={run.new}", status_code=303)


@router.get("/sources/{article_id}")
def article_page(request: Request, node: NodeDep, viewer: SignedIn, article_id: int) -> Response:
    return _article_page(request, node, viewer, article_id)


@router.post("/sources/drafts/{draft_id}/reject")
async def reject(
    request: Request, node: NodeDep, viewer: SignedIn, form: Posted, draft_id: int
) -> Response:
    article_id = int(str(form.data.get("article", "0")) or 0)
    if not form.fresh:
        return _article_page(request, node, viewer, article_id, i18n.gettext(FORM_EXPIRED), 400)

    def write() -> None:
        with hidden_unless_allowed(), node.db.transaction() as session:
            review.reject_draft(
                session, node, viewer.principal, draft_id, str(form.data.get("reason", ""))
            )

    try:
        await run_in_threadpool(write)
    except NotFound:  # the not-found page (deps.page_error)
        raise
    except HoggarError as exc:  # the article again: the draft was already decided
        return _article_page(request, node, viewer, article_id, exc.message, 409)
    return RedirectResponse(f"/sources/{article_id}", status_code=303)


def _article_page(
    request: Request,
    node: Node,
    viewer: Viewer,
    article_id: int,
    error: str = "",
    status: int = 200,
) -> HTMLResponse:
    with hidden_unless_allowed(), node.db.session() as session:
        view = review.view_article(session, node, viewer.principal, article_id)
    marks = [
        (n, name, span)
        for n, d in enumerate(view.drafts, 1)
        if d.status == "pending"
        for name, span in d.body.spans_by_field()
    ]
    return render(
        request,
        "source.html",
        viewer,
        status=status,
        view=view,
        segments=segments(view.text, marks),
        field_names=FIELD_NAMES,
        error=error,
    )
