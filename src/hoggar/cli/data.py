"""Commands that move STIX data in and out: import, export, projection rebuild."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from rich.table import Table

from hoggar.audit.service import Action, record
from hoggar.cli.common import DEFAULT_DATA_DIR, DataDir, console, fail, handle_errors, opened, out
from hoggar.context import Principal, system_principal
from hoggar.kernel.errors import HoggarError
from hoggar.records.bundles import (
    check_pool,
    export_bundle_text,
    import_objects,
    iter_bundle_files,
    parse_bundle,
)
from hoggar.sharing.markings import parse_tlp
from hoggar.store.filters import ObjectFilter
from hoggar.store.projections import rebuild_projections

projections = typer.Typer(
    help="Derived indexes of stored objects.\n\nExample: hoggar projections rebuild",
    no_args_is_help=True,
)


# A bulk import: checks in a worker process, transactions of 10,000 objects (a commit
# writes every index page a batch touched; fewer, larger commits write far fewer).
BULK_BYTES = 4 * 1024 * 1024
BULK_BATCH = 10_000


def _principal(node_principal: Principal, actor: str) -> Principal:
    return Principal(
        org_id=node_principal.org_id, name=actor, role=node_principal.role, kind="system"
    )


@handle_errors
def import_cmd(
    paths: Annotated[list[Path], typer.Argument(help="Bundle files or directories of *.json")],
    actor: Annotated[
        str, typer.Option("--actor", help="Who is importing, for the audit log")
    ] = "cli",
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            min=0,
            help="Processes checking objects beside the writer "
            "(default: 1 for bundles over 4 MB in all, else 0)",
        ),
    ] = None,
    data_dir: DataDir = DEFAULT_DATA_DIR,
) -> None:
    """Import STIX 2.1 bundles. Each object is stored whole or refused with its reason.

    Exit code 0 if every object was accepted, 2 if some were refused.
    Example: hoggar import --data-dir /srv/hoggar bundles/ extra.json
    """
    files = list(iter_bundle_files(paths))
    missing = [p for p in files if not p.exists()]
    if missing:
        raise fail(f"no such file: {missing[0]}")
    if workers is None:
        workers = 1 if sum(p.stat().st_size for p in files) > BULK_BYTES else 0
    refused = 0
    with opened(data_dir) as node, check_pool(workers) as pool:
        principal = _principal(system_principal(node), actor)
        table = Table("file", "object", "reason")
        with Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console
        ) as progress:
            for path in files:
                try:
                    objects = parse_bundle(
                        path.read_bytes(),
                        where=path.name,
                        max_objects=node.settings.max_objects_per_bundle,
                    )
                except HoggarError as exc:
                    refused += 1
                    table.add_row(str(path), "(bundle)", str(exc))
                    continue
                task = progress.add_task(path.name, total=len(objects))

                def advance(n: int, task: TaskID = task) -> None:
                    progress.advance(task, n)

                report = import_objects(
                    node,
                    objects,
                    principal=principal,
                    source=f"file:{path.name}",
                    progress=advance,
                    batch_size=BULK_BATCH if pool else 500,
                    pool=pool,
                )
                for r in report.rejected:
                    refused += 1
                    table.add_row(path.name, r.stix_id, r.message)
                console.print(
                    f"{path}: " + ", ".join(f"{k} {v}" for k, v in sorted(report.counts.items()))
                )
    if refused:
        out.print(table)
        raise typer.Exit(2)


def _when(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise fail(f"{name}: {value!r} is not an ISO 8601 date-time") from exc
    if parsed.tzinfo is None:
        raise fail(f"{name}: add a time zone, e.g. {value}Z")
    return parsed


@handle_errors
def export_cmd(
    type_: Annotated[
        list[str] | None, typer.Option("--type", help="STIX type (repeatable)")
    ] = None,
    originator: Annotated[str | None, typer.Option("--originator", help="Identity id")] = None,
    modified_after: Annotated[str | None, typer.Option("--modified-after")] = None,
    modified_before: Annotated[str | None, typer.Option("--modified-before")] = None,
    tlp: Annotated[
        str | None, typer.Option("--tlp", help="clear, green, amber, amber+strict, red")
    ] = None,
    country: Annotated[str | None, typer.Option("--country")] = None,
    include_revoked: Annotated[bool, typer.Option("--include-revoked")] = False,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File (default: stdout)")
    ] = None,
    actor: Annotated[str, typer.Option("--actor")] = "cli",
    data_dir: DataDir = DEFAULT_DATA_DIR,
) -> None:
    """Export current objects as a STIX 2.1 bundle (to stdout or a file).

    Example: hoggar export --type incident --modified-after 2025-01-01T00:00:00Z -o out.json
    """
    try:
        level = parse_tlp(tlp).value if tlp else None
    except ValueError as exc:
        raise fail(str(exc)) from exc
    flt = ObjectFilter(
        types=tuple(type_ or ()),
        originator=originator,
        modified_after=_when(modified_after, "--modified-after"),
        modified_before=_when(modified_before, "--modified-before"),
        tlp=level,
        country=country,
        include_revoked=include_revoked,
    )
    with opened(data_dir) as node:
        principal = _principal(system_principal(node), actor)
        stream = output.open("w", encoding="utf-8") if output else sys.stdout
        try:
            for chunk in export_bundle_text(node, principal, flt):
                stream.write(chunk)
        finally:
            if output:
                stream.close()


@projections.command("rebuild")
@handle_errors
def rebuild(
    actor: Annotated[str, typer.Option("--actor")] = "cli", data_dir: DataDir = DEFAULT_DATA_DIR
) -> None:
    """Recompute every projection (index) from the stored objects.

    Example: hoggar projections rebuild
    """
    with opened(data_dir) as node, node.db.transaction() as session:
        count = rebuild_projections(session)
        record(
            session,
            node.signer,
            actor=actor,
            org_id=node.org_id,
            action=Action.PROJECTIONS_REBUILD,
            detail={"rows": count},
        )
    out.print(f"rebuilt projections of {count} objects")
