"""`hoggar report …`: situation reports from the command line (e.g. from cron)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from hoggar.cli.common import DEFAULT_DATA_DIR, DataDir, fail, handle_errors, opened, out
from hoggar.context import system_principal
from hoggar.orgs.service import org_names
from hoggar.reports import sitrep

report_app = typer.Typer(
    help="Situation reports as HTML or PDF.\n\n"
    "Example: hoggar report situation --audience Mali --output sitrep.pdf",
    no_args_is_help=True,
)


@report_app.command("situation")
@handle_errors
def situation_cmd(
    output: Annotated[Path, typer.Option(help="Where to write it: .pdf or .html")],
    audience: Annotated[str, typer.Option(help="The organization it is for (name or identity id)")],
    since: Annotated[str | None, typer.Option(help="First day (default: last month)")] = None,
    until: Annotated[str | None, typer.Option(help="Last day, inclusive")] = None,
    lang: Annotated[str, typer.Option(help="ar, fr or en")] = "en",
    country: Annotated[
        list[str] | None, typer.Option(help="Only these countries (ISO codes)")
    ] = None,
    data_dir: DataDir = DEFAULT_DATA_DIR,
) -> None:
    """Write a situation report holding exactly what the audience may read.

    Example: hoggar report situation --audience Mali --lang ar --output sitrep-ar.pdf
    """
    first, last = sitrep.default_period()
    try:
        start = date.fromisoformat(since) if since else first
        end = date.fromisoformat(until) if until else last
    except ValueError:
        raise fail("dates are written YYYY-MM-DD") from None
    with opened(data_dir) as node, node.db.session() as session:
        names = org_names(session)
        ident = (
            audience
            if audience in names
            else next(
                (i for i, n in names.items() if n.casefold() == audience.casefold()), audience
            )
        )
        req = sitrep.SitrepRequest(start, end, ident, lang, tuple(c.upper() for c in country or ()))
        report = sitrep.build(session, node, req, system_principal(node))
    if output.suffix.lower() == ".pdf":
        output.write_bytes(sitrep.to_pdf(report))
    else:
        output.write_text(sitrep.to_html(report), encoding="utf-8")
    out.print(
        f"{output}: {report.totals['incidents']} incident(s) for {report.audience_name}, "
        f"{start} to {end}"
    )
