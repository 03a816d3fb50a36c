"""Open-source pages: the review queue, an article with its drafts, feeds."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from hoggar.context import Node
from hoggar.geo.gazetteer import load_gazetteer
from hoggar.kernel import i18n
from hoggar.kernel.errors import HoggarError, NotFound, PermissionDenied
from hoggar.sources import feeds as feed_service
from hoggar.sources import review, service
from hoggar.sources.articles import ArticleError, ArticleIn, parse_date
from hoggar.web.common import (
    FORM_EXPIRED,
    Viewer,
    csrf_ok,
    current_viewer,
    env,
    error_text,
    login_redirect,
    not_found,
    render,
)

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


def _analyst(request: Request) -> tuple[Node, Viewer | None]:
    return request.app.state.node, current_viewer(request)


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


def install(app: FastAPI) -> None:
    @app.get("/sources", response_class=HTMLResponse, include_in_schema=False)
    def sources_page(request: Request) -> Response:
        node, viewer = _analyst(request)
        if viewer is None:
            return login_redirect(request)
        if not viewer.principal.can_write:
            return not_found(request, viewer)
        return _list_page(request, node, viewer)

    @app.post("/sources/articles", include_in_schema=False)
    async def add_article(request: Request) -> Response:
        node, viewer = _analyst(request)
        if viewer is None:
            return login_redirect(request)
        form = await request.form()
        if not csrf_ok(request, form):
            return _list_page(
                request,
                node,
                viewer,
                i18n.gettext(FORM_EXPIRED),
                400,
            )
        try:
            article = ArticleIn(
                title=str(form.get("title", "")).strip(),
                text=str(form.get("text", "")),
                published=parse_date(str(form.get("published", "")).strip() or None),
                url=str(form.get("url", "")).strip() or None,
                lang=str(form.get("lang", "")).strip() or None,
                source_name=str(form.get("source_name", "")).strip(),
            )
            if not article.text.strip():
                raise ArticleError(i18n.gettext("The article has no text."))
        except ArticleError as exc:
            return _list_page(request, node, viewer, str(exc), 422)
        if not article.title:
            article = ArticleIn(**{**article.__dict__, "title": article.text.strip()[:120]})

        def write() -> service.Ingested:
            with node.db.transaction() as session:
                return service.ingest_article(session, node, viewer.principal, article)

        try:
            done = await run_in_threadpool(write)
        except PermissionDenied:
            return not_found(request, viewer)
        suffix = "" if done.created else "?duplicate=1"
        return RedirectResponse(f"/sources/{done.article_id}{suffix}", status_code=303)

    @app.post("/sources/feeds", include_in_schema=False)
    async def add_feed(request: Request) -> Response:
        node, viewer = _analyst(request)
        if viewer is None:
            return login_redirect(request)
        form = await request.form()
        if not csrf_ok(request, form):
            return _list_page(
                request,
                node,
                viewer,
                i18n.gettext(FORM_EXPIRED),
                400,
            )

        def write() -> None:
            with node.db.transaction() as session:
                feed_service.add_feed(
                    session,
                    node,
                    viewer.principal,
                    str(form.get("url", "")).strip(),
                    str(form.get("name", "")).strip(),
                    str(form.get("reliability", "F")),
                    str(form.get("lang", "")).strip() or None,
                )

        try:
            await run_in_threadpool(write)
        except HoggarError as exc:
            return _list_page(request, node, viewer, error_text(exc), 422)
        return RedirectResponse("/sources?show=all", status_code=303)

    @app.post("/sources/feeds/{feed_id}/fetch", include_in_schema=False)
    async def fetch(request: Request, feed_id: int) -> Response:
        node, viewer = _analyst(request)
        if viewer is None:
            return login_redirect(request)
        form = await request.form()
        if not csrf_ok(request, form) or not viewer.principal.can_write:
            return _list_page(
                request,
                node,
                viewer,
                i18n.gettext(FORM_EXPIRED),
                400,
            )
        try:
            run = await run_in_threadpool(feed_service.fetch_feed, node, viewer.principal, feed_id)
        except NotFound:
            return not_found(request, viewer)
        if run.error:
            return _list_page(request, node, viewer, run.error, 502)
        return RedirectResponse(f"/sources?fetched={run.new}", status_code=303)

    @app.get("/sources/{article_id}", response_class=HTMLResponse, include_in_schema=False)
    def article_page(request: Request, article_id: int) -> Response:
        node, viewer = _analyst(request)
        if viewer is None:
            return login_redirect(request)
        return _article_page(request, node, viewer, article_id)

    @app.post("/sources/drafts/{draft_id}/reject", include_in_schema=False)
    async def reject(request: Request, draft_id: int) -> Response:
        node, viewer = _analyst(request)
        if viewer is None:
            return login_redirect(request)
        form = await request.form()
        article_id = int(str(form.get("article", "0")) or 0)
        if not csrf_ok(request, form):
            return _article_page(
                request,
                node,
                viewer,
                article_id,
                i18n.gettext(FORM_EXPIRED),
                400,
            )

        def write() -> None:
            with node.db.transaction() as session:
                review.reject_draft(
                    session, node, viewer.principal, draft_id, str(form.get("reason", ""))
                )

        try:
            await run_in_threadpool(write)
        except (NotFound, PermissionDenied):
            return not_found(request, viewer)
        except HoggarError as exc:
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
    try:
        with node.db.session() as session:
            view = review.view_article(session, node, viewer.principal, article_id)
    except (NotFound, PermissionDenied):
        return not_found(request, viewer)
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
