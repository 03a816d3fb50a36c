"""`hoggar alerts …`: watch rules and their alerts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from hoggar.alerts import service
from hoggar.alerts.runner import run_once
from hoggar.auth.service import get_user
from hoggar.cli.common import DEFAULT_DATA_DIR, DataDir, handle_errors, opened, out

alerts_app = typer.Typer(
    help="Watch rules and alerts.\n\nExample: hoggar alerts run",
    no_args_is_help=True,
)


@alerts_app.command("run")
@handle_errors
def run_cmd(data_dir: DataDir = DEFAULT_DATA_DIR) -> None:
    """Check new incidents against every rule and send what is due (the server does
    this every 30 s; HOGGAR_SMTP_HOST/PORT/FROM configure e-mail).

    Example: hoggar alerts run
    """
    with opened(data_dir) as node:
        raised, sent = run_once(node)
    out.print(f"{raised} alert(s) raised, {sent} delivery(ies) sent")


@alerts_app.command("add")
@handle_errors
def add_cmd(
    username: Annotated[str, typer.Argument(help="The rule's owner (their access applies)")],
    name: Annotated[str, typer.Option(help="The rule's name")],
    criteria: Annotated[
        Path, typer.Option(help='A JSON file, e.g. {"countries": ["ML"], "min_killed": 1}')
    ],
    email: Annotated[str | None, typer.Option()] = None,
    webhook: Annotated[str | None, typer.Option()] = None,
    max_per_hour: Annotated[int, typer.Option(min=1, max=10_000)] = 20,
    data_dir: DataDir = DEFAULT_DATA_DIR,
) -> None:
    """Add a watch rule for a user.

    Example: hoggar alerts add analyst --name "Ménaka" --criteria rule.json --email a@b.dz
    """
    raw = json.loads(criteria.read_text(encoding="utf-8"))
    with opened(data_dir) as node, node.db.transaction() as session:
        user = get_user(session, username)
        rule = service.create_rule(
            session,
            user,
            name=name,
            criteria=raw,
            email=email,
            webhook_url=webhook,
            max_per_hour=max_per_hour,
        )
        out.print(f"rule {rule.id} added for {username}")


@alerts_app.command("list")
@handle_errors
def list_cmd(username: str, data_dir: DataDir = DEFAULT_DATA_DIR) -> None:
    """A user's alerts and the state of their deliveries.

    Example: hoggar alerts list analyst
    """
    table = Table("when", "rule", "incident", "deliveries")
    with opened(data_dir) as node, node.db.session() as session:
        user = get_user(session, username)
        for alert, rule, deliveries in service.alerts_of(session, user):
            states = ", ".join(
                f"{d.channel}: {d.status}" + (f" ({d.last_error})" if d.last_error else "")
                for d in deliveries
            ) or ("rate-limited" if alert.rate_limited else "interface only")
            table.add_row(
                alert.created_at.isoformat(timespec="seconds"), rule.name, alert.title, states
            )
    out.print(table)
