"""`hoggar sources …`: articles and feeds in, drafts out, and the extraction score."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from hoggar.cli.common import DEFAULT_DATA_DIR, DataDir, fail, handle_errors, opened, out
from hoggar.context import system_principal
from hoggar.extraction.evaluation import FIELDS, evaluate, read_set
from hoggar.extraction.extractor import default_extractor
from hoggar.sources import service
from hoggar.sources.articles import ArticleError, read_file, read_path
from hoggar.sources.feeds import add_feed, fetch_feed, list_feeds
from hoggar.sources.runner import fetch_due, reader

sources_app = typer.Typer(
    help="Open sources: articles and RSS/Atom feeds read into draft incidents.\n\n"
    "Example: hoggar sources ingest articles/ --published 2010-04-21",
    no_args_is_help=True,
)
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
DEV_SET = Path("tests/data/extraction/dev.jsonl")


def _published(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise fail(f"--published {value!r} is not a date (YYYY-MM-DD)") from None


@sources_app.command("ingest")
@handle_errors
def ingest_cmd(
    paths: Annotated[
        list[Path], typer.Argument(help="Files or directories (.txt .md .html .json .jsonl)")
    ],
    published: Annotated[
        str | None, typer.Option(help="Publication date for texts that do not carry one")
    ] = None,
    data_dir: DataDir = DEFAULT_DATA_DIR,
) -> None:
    """Store articles (once each) and read them into drafts for review.

    Example: hoggar sources ingest ../shared/data/articles --published 2010-04-21
    """
    when = _published(published)
    table = Table("file", "article", "drafts", "result")
    failed = 0
    with opened(data_dir) as node:
        principal = reader(node)
        for path in paths:
            try:
                items = list(read_path(path, when))
            except ArticleError as exc:
                table.add_row(str(path), "", "", f"[red]{exc}[/]")
                failed += 1
                continue
            for file, article in items:
                with node.db.transaction() as session:
                    done = service.ingest_article(session, node, principal, article)
                result = (
                    "stored" if done.created else f"already stored (article {done.duplicate_of})"
                )
                table.add_row(
                    file.name, f"{done.article_id}: {done.title[:60]}", str(done.drafts), result
                )
    out.print(table)
    if failed:
        raise typer.Exit(1)


@sources_app.command("extract")
@handle_errors
def extract_cmd(
    path: Annotated[Path, typer.Argument(help="A text file (.txt .md .html .json)")],
    published: Annotated[str | None, typer.Option(help="Publication date (YYYY-MM-DD)")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Show the drafts a text gives, without storing anything.

    Example: hoggar sources extract article.txt --published 2010-04-21
    """
    try:
        articles = read_file(path, _published(published))
    except ArticleError as exc:
        raise fail(str(exc)) from None
    ex = default_extractor()
    results = []
    for article in articles:
        extraction = ex.extract(article.text, article.published, article.lang)
        results.append((article, extraction))
    if as_json:
        out.print_json(
            json.dumps([e.as_dict() for _, e in results], ensure_ascii=False), ensure_ascii=False
        )
        return
    for article, extraction in results:
        when = article.published or "unknown"
        out.print(f"[bold]{article.title}[/] ({extraction.lang}, published {when})")
        for note in extraction.notes:
            out.print(f"  note: {note}")
        table = Table("#", "type", "date", "places", "country", "actors", "participants", "counts")
        for n, d in enumerate(extraction.drafts, 1):
            table.add_row(
                str(n),
                f"{d.event_type}/{d.sub_type.value}",
                f"{d.start or 'unknown'} ({d.time_precision})",
                ", ".join(p.label or str(p.value) for p in d.places),
                str(d.country.value) if d.country else "",
                ", ".join(a.label or str(a.value) for a in d.actors),
                ", ".join(str(p.value) for p in d.participants),
                ", ".join(f"{k} {v.value}" for k, v in d.counts.items()),
            )
        out.print(table)


@sources_app.command("feed-add")
@handle_errors
def feed_add_cmd(
    url: Annotated[str, typer.Argument(help="The RSS or Atom feed's address")],
    name: Annotated[str, typer.Option(help="A name for the source")] = "",
    reliability: Annotated[str, typer.Option(help="Admiralty source reliability, A-F")] = "F",
    lang: Annotated[str | None, typer.Option(help="ar, fr or en if the feed does not say")] = None,
    interval: Annotated[int, typer.Option(help="Seconds between reads", min=60)] = 900,
    data_dir: DataDir = DEFAULT_DATA_DIR,
) -> None:
    """Configure a feed; the serving node reads it every --interval seconds.

    Example: hoggar sources feed-add https://example.org/rss --name "APS" --reliability B
    """
    with opened(data_dir) as node, node.db.transaction() as session:
        feed = add_feed(
            session, node, system_principal(node), url, name, reliability.upper(), lang, interval
        )
        out.print(f"feed {feed.id} added: {feed.name}")


@sources_app.command("feeds")
@handle_errors
def feeds_cmd(data_dir: DataDir = DEFAULT_DATA_DIR) -> None:
    """List the configured feeds and how their last read went.

    Example: hoggar sources feeds
    """
    with opened(data_dir) as node, node.db.session() as session:
        table = Table("id", "name", "url", "grade", "last read", "last error")
        for f in list_feeds(session):
            table.add_row(
                str(f.id),
                f.name,
                f.url,
                f.reliability,
                str(f.last_fetched_at or "never"),
                f.last_error or "",
            )
        out.print(table)


@sources_app.command("fetch")
@handle_errors
def fetch_cmd(
    feed: Annotated[int | None, typer.Option(help="Only this feed (default: those due)")] = None,
    data_dir: DataDir = DEFAULT_DATA_DIR,
) -> None:
    """Read feeds now.

    Example: hoggar sources fetch --feed 1
    """
    with opened(data_dir) as node:
        runs = [fetch_feed(node, reader(node), feed)] if feed else fetch_due(node)
    table = Table("feed", "new", "already stored", "result")
    for run in runs:
        result = run.error or ("not modified" if run.not_modified else "ok")
        table.add_row(run.url, str(run.new), str(run.duplicates), result)
    out.print(table)
    if any(r.error for r in runs):
        raise typer.Exit(1)


@sources_app.command("eval")
@handle_errors
def eval_cmd(
    labelled: Annotated[Path, typer.Argument(help="A labelled set (JSON Lines)")] = DEV_SET,
    misses: Annotated[int, typer.Option(help="Show this many wrong events")] = 0,
    as_json: JsonOpt = False,
) -> None:
    """Score extraction against a labelled set: per field and per event, P/R/F1.

    Example: hoggar sources eval tests/data/extraction/heldout.jsonl
    """
    if not labelled.exists():
        raise fail(f"{labelled} does not exist")
    try:
        texts = read_set(labelled)
    except ValueError as exc:
        raise fail(str(exc)) from None
    result = evaluate(texts)
    if as_json:
        out.print_json(json.dumps(result.as_dict(), ensure_ascii=False))
        return
    table = Table(
        "field",
        "precision",
        "recall",
        "F1",
        "tp",
        "fp",
        "fn",
        title=f"{labelled} ({result.texts} texts)",
    )
    rows = [("events", result.events), *((f, result.fields[f]) for f in FIELDS)]
    rows += [(f"events ({lang})", s) for lang, s in sorted(result.by_lang.items())]
    for name, s in rows:
        table.add_row(
            name,
            f"{s.precision:.3f}",
            f"{s.recall:.3f}",
            f"{s.f1:.3f}",
            str(s.tp),
            str(s.fp),
            str(s.fn),
        )
    out.print(table)
    out.print(
        f"texts without an event left without a draft: {result.empty_correct}/{result.empty_texts}"
    )
    for miss in result.misses[:misses]:
        out.print_json(json.dumps(miss, ensure_ascii=False))
