"""Commands for peers, sync and offline bundles."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from hoggar.cli.common import DEFAULT_DATA_DIR, DataDir, console, fail, handle_errors, opened, out
from hoggar.context import Node
from hoggar.federation import offline, peers, sync
from hoggar.federation.taxii import format_added
from hoggar.kernel.clock import parse_stix
from hoggar.orgs.service import list_orgs

peer_app = typer.Typer(
    help="Peer nodes this node exchanges records with.\n\nExample: hoggar peer list",
    no_args_is_help=True,
)
bundle_app = typer.Typer(
    help="Offline bundles for air-gapped nodes.\n\n"
    "Example: hoggar bundle export --to Mauritania -o to-mr.hgb",
    no_args_is_help=True,
)
Actor = Annotated[str, typer.Option("--actor", help="Who is acting, for the audit log")]


@peer_app.command("add")
@handle_errors
def peer_add(
    name: Annotated[str, typer.Argument(help="A short name for the peer, e.g. mali")],
    card: Annotated[Path, typer.Option("--card", help="The peer's `hoggar org card` file")],
    url: Annotated[
        str | None, typer.Option("--url", help="Its TAXII API root, …/taxii2/hoggar/")
    ] = None,
    token: Annotated[
        str | None, typer.Option("--token", help="Token the peer's admin gave you")
    ] = None,
    push: Annotated[
        bool, typer.Option("--push/--no-push", help="Also send it what it may receive")
    ] = False,
    pull: Annotated[bool, typer.Option("--pull/--no-pull")] = True,
    actor: Actor = "cli",
    data_dir: DataDir = DEFAULT_DATA_DIR,
) -> None:
    """Link a peer: add its organization and key, and an account it uses to reach you.

    Prints the token to give to the peer's admin (for their `--token`).
    Example: hoggar peer add mali --card mali.json --token hgr_…
    --url http://10.0.0.2:8470/taxii2/hoggar/
    """
    data = json.loads(card.read_text(encoding="utf-8"))
    with opened(data_dir) as node, node.db.transaction() as session:
        link = peers.add_peer(
            session,
            node,
            name=name,
            card=data,
            url=url,
            outbound_token=token,
            push=push,
            pull=pull,
            actor=actor,
        )
    out.print(f"Peer {name} linked ({data.get('name')}).")
    out.print("Token for the peer's admin (shown once):")
    out.print(link.inbound_token, soft_wrap=True)


@peer_app.command("set")
@handle_errors
def peer_set(
    name: str,
    url: Annotated[str | None, typer.Option("--url")] = None,
    token: Annotated[str | None, typer.Option("--token")] = None,
    push: Annotated[bool | None, typer.Option("--push/--no-push")] = None,
    pull: Annotated[bool | None, typer.Option("--pull/--no-pull")] = None,
    actor: Actor = "cli",
    data_dir: DataDir = DEFAULT_DATA_DIR,
) -> None:
    """Change a peer's URL, token or direction. Example: hoggar peer set mali --push"""
    with opened(data_dir) as node, node.db.transaction() as session:
        peers.set_peer(
            session, node, name, url=url, outbound_token=token, push=push, pull=pull, actor=actor
        )
    out.print(f"Peer {name} updated.")


@peer_app.command("reset-cursor")
@handle_errors
def peer_reset_cursor(
    name: str,
    to: Annotated[
        str | None,
        typer.Option("--to", help="A date_added to resume after (default: the beginning)"),
    ] = None,
    actor: Actor = "cli",
    data_dir: DataDir = DEFAULT_DATA_DIR,
) -> None:
    """Pull again from the start (or after --to): what is held comes back as duplicates,
    what was refused is asked for again. Example: hoggar peer reset-cursor mali"""
    if to is not None:
        try:
            to = format_added(parse_stix(to))
        except ValueError as exc:
            raise typer.BadParameter(f"--to: {exc}") from exc
    with opened(data_dir) as node, node.db.transaction() as session:
        peers.reset_cursor(session, node, name, to=to, actor=actor)
    out.print(f"Peer {name}: the next sync pulls {'after ' + to if to else 'from the start'}.")


@peer_app.command("list")
@handle_errors
def peer_list(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output")] = False,
    data_dir: DataDir = DEFAULT_DATA_DIR,
) -> None:
    """Peers and their sync status: last success, lag, last error. Example: hoggar peer list"""
    with opened(data_dir) as node, node.db.session() as session:
        rows = [
            {**peers.peer_status(p), "refused_waiting": peers.refused_count(session, p)}
            for p in peers.list_peers(session)
        ]
    if as_json:
        out.print_json(json.dumps(rows))
        return
    table = Table(
        "peer",
        "pull",
        "push",
        "last success",
        "lag (s)",
        "received",
        "sent",
        "rejected",
        "to retry",
        "last error",
    )
    for r in rows:
        lag = f"{r['lag_seconds']:.0f}" if r["lag_seconds"] is not None else "never"
        table.add_row(
            r["name"],
            "yes" if r["pull"] else "no",
            "yes" if r["push"] else "no",
            r["last_success_at"] or "never",
            lag,
            str(r["objects_received"]),
            str(r["objects_sent"]),
            str(r["objects_rejected"]),
            str(r["refused_waiting"]),
            r["last_error"] or "",
        )
    out.print(table)


def sync_cmd(
    names: Annotated[list[str] | None, typer.Argument(help="Peers to sync (default: all)")] = None,
    watch: Annotated[float | None, typer.Option("--watch", help="Repeat every N seconds")] = None,
    page_size: Annotated[
        int, typer.Option("--page-size", min=1, max=1000, help="Objects per TAXII page")
    ] = 500,
    data_dir: DataDir = DEFAULT_DATA_DIR,
) -> None:
    """Pull from (and push to) peers now; exit 1 if any failed.

    Example: hoggar sync mali --watch 60
    """
    failed = False
    with opened(data_dir) as node:
        while True:
            for report in sync.sync_all(node, names or None, page_size=page_size):
                state = "ok" if report.ok else "FAILED: " + "; ".join(report.errors)
                console.print(
                    f"{report.peer}: received {report.received}, duplicates "
                    f"{report.duplicates}, rejected {report.rejected}, sent {report.sent}, "
                    f"{report.bytes_received} bytes in — {state}"
                )
                failed = failed or not report.ok
            if watch is None:
                break
            time.sleep(watch)
    if failed:
        raise typer.Exit(1)


sync_cmd = handle_errors(sync_cmd)


@bundle_app.command("export")
@handle_errors
def bundle_export(
    to: Annotated[str, typer.Option("--to", help="Recipient organization: identity id or name")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Bundle file to write")],
    since: Annotated[
        str | None, typer.Option("--since", help="Override: added after this time")
    ] = None,
    actor: Actor = "cli",
    data_dir: DataDir = DEFAULT_DATA_DIR,
) -> None:
    """Write an encrypted, signed bundle of what ORG may receive since its last bundle.

    Example: hoggar bundle export --to Mauritania -o /media/usb/to-mauritania.hgb
    """
    with opened(data_dir) as node:
        org_id = _resolve_org(node, to)
        summary = offline.export_bundle(node, org_id, output, actor=actor, since=since)
    out.print(f"Wrote {summary.objects} objects ({summary.size} bytes) to {output}")


@bundle_app.command("import")
@handle_errors
def bundle_import(
    path: Annotated[Path, typer.Argument(help="A bundle file addressed to this node")],
    actor: Actor = "cli",
    data_dir: DataDir = DEFAULT_DATA_DIR,
) -> None:
    """Verify, decrypt and apply an offline bundle. Example: hoggar bundle import to-us.hgb"""
    if not path.exists():
        raise fail(f"no such file: {path}")
    if path.is_dir():
        raise fail(f"{path} is a folder: give the bundle file inside it (a .hgb file)")
    with opened(data_dir) as node:
        summary = offline.import_bundle(node, path, actor=actor)
    out.print(
        f"Applied {path.name}: {summary.created} new, {summary.duplicates} already here, "
        f"{summary.rejected} refused"
    )
    if summary.rejected:
        raise typer.Exit(2)


def _resolve_org(node: Node, value: str) -> str:
    with node.db.session() as session:
        for org in list_orgs(session):
            if value in (org.identity_id, org.name) or value.upper() == (org.country or ""):
                return org.identity_id
    raise fail(f"no organization {value!r} in the member directory (see `hoggar org list`)")
