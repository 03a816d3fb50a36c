"""`hoggar`: set up, run and administer a Hoggar node."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Annotated

import typer

from hoggar import __version__
from hoggar.cli import admin, alerts, data, federation, fusion, geo, reports, sources
from hoggar.cli.common import (
    DEFAULT_DATA_DIR,
    DataDir,
    console,
    handle_errors,
    opened,
    out,
    settings_for,
)
from hoggar.node.service import init_node

app = typer.Typer(
    name="hoggar",
    help="Hoggar: a federated STIX 2.1 node for security cooperation between states.\n\n"
    "Quick start: `hoggar demo` starts a demo node; `hoggar init` creates a real one.\n\n"
    "Example: hoggar init --data-dir /srv/hoggar --org Algeria --country DZ "
    "--admin-user admin --admin-password '…'",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
DEMO_PASSWORD = "hoggar-demo-2026"
app.add_typer(admin.users, name="user")
app.add_typer(admin.tokens, name="token")
app.add_typer(admin.orgs, name="org")
app.add_typer(admin.audit_app, name="audit")
app.add_typer(admin.db_app, name="db")
app.add_typer(admin.backup_app, name="backup")
app.add_typer(data.projections, name="projections")
app.command("import")(data.import_cmd)
app.command("export")(data.export_cmd)
app.add_typer(federation.peer_app, name="peer")
app.add_typer(federation.bundle_app, name="bundle")
app.command("sync")(federation.sync_cmd)
app.add_typer(geo.geo_app, name="geo")
app.add_typer(geo.actors_app, name="actors")
app.add_typer(fusion.fusion_app, name="fusion")
app.add_typer(alerts.alerts_app, name="alerts")
app.add_typer(sources.sources_app, name="sources")
app.add_typer(reports.report_app, name="report")


def _version(value: bool) -> None:
    if value:
        out.print(f"hoggar {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Hoggar node command line."""


@app.command()
@handle_errors
def init(
    org: Annotated[str, typer.Option("--org", help="Your organization's name, e.g. 'Algeria'")],
    admin_user: Annotated[str, typer.Option("--admin-user", help="First administrator's username")],
    admin_password: Annotated[
        str,
        typer.Option(
            "--admin-password", envvar="HOGGAR_ADMIN_PASSWORD", help="Its password (10+ characters)"
        ),
    ],
    country: Annotated[
        str | None, typer.Option("--country", help="ISO 3166-1 alpha-2 code, e.g. DZ")
    ] = None,
    kind: Annotated[str, typer.Option("--kind", help="member or joint-staff")] = "member",
    data_dir: DataDir = DEFAULT_DATA_DIR,
) -> None:
    """Create a node: its database, Ed25519 signing key, identity and admin account.

    Example: hoggar init --data-dir /srv/hoggar --org Algeria --country DZ
    --admin-user admin --admin-password 'a long passphrase'
    """
    node = init_node(
        settings_for(data_dir),
        org_name=org,
        country=country,
        kind=kind,
        admin_user=admin_user,
        admin_password=admin_password,
    )
    out.print(f"Initialised node for {org} ({node.org_id})")
    out.print(f"  data directory: {node.settings.data_dir}")
    out.print(f"  signing key id: {node.signer.kid}")
    out.print(f"  admin account:  {admin_user}")
    node.close()


@app.command()
@handle_errors
def serve(
    data_dir: DataDir = DEFAULT_DATA_DIR,
    host: Annotated[str, typer.Option("--host", help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port")] = 8470,
) -> None:
    """Serve the web interface, the REST API (/api) and health check.

    Example: hoggar serve --data-dir /srv/hoggar --host 127.0.0.1 --port 8470
    """
    import uvicorn

    from hoggar.alerts.runner import INTERVAL_ENV, AlertLoop
    from hoggar.app import create_app, settle
    from hoggar.sources.runner import FEEDS_INTERVAL_ENV, FeedLoop

    with opened(data_dir) as node:
        console.print(
            f"Hoggar node {node.org_name}: http://{host}:{port}/  (API docs: /api/openapi.json)"
        )
        interval = float(os.environ.get(INTERVAL_ENV, "30"))
        loop = AlertLoop(node, interval, f"http://{host}:{port}") if interval > 0 else None
        feeds_interval = float(os.environ.get(FEEDS_INTERVAL_ENV, "60"))
        feeds = FeedLoop(node, feeds_interval) if feeds_interval > 0 else None
        for background in (loop, feeds):
            if background:
                background.start()
        try:
            app = create_app(node)
            settle()
            uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=False)
        finally:
            for background in (loop, feeds):
                if background:
                    background.stop()


demo_app = typer.Typer(
    help="Create and serve demo nodes with realistic data.\n\nExample: hoggar demo --port 8470",
    invoke_without_command=True,
)
app.add_typer(demo_app, name="demo")


@demo_app.callback()
@handle_errors
def demo(
    ctx: typer.Context,
    data_dir: DataDir = Path("./hoggar-demo"),
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port")] = 8470,
    incidents: Annotated[
        int, typer.Option("--incidents", help="How many incidents to generate")
    ] = 3000,
    seed: Annotated[int, typer.Option("--seed")] = 7,
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Create the data, do not serve")
    ] = False,
) -> None:
    """Create (once) and serve a demo node for Algeria with a realistic scenario.

    Example: hoggar demo --data-dir ./hoggar-demo --port 8470
    """
    if ctx.invoked_subcommand is not None:
        return
    from rich.progress import Progress

    from hoggar.demo.generator import seed_demo

    settings = settings_for(data_dir)
    if not (settings.data_dir / "demo-seeded").exists():
        node = init_node(
            settings,
            org_name="Algeria",
            country="DZ",
            admin_user="admin",
            admin_password=DEMO_PASSWORD,
            names={"ar": "الجزائر", "fr": "Algérie", "en": "Algeria"},
        )
        with Progress(console=console) as progress:
            task = progress.add_task("Generating demo data", total=None)
            counts = seed_demo(
                node, seed=seed, incidents=incidents, progress=lambda n: progress.advance(task, n)
            )
        (settings.data_dir / "demo-seeded").write_text(str(counts))
        node.close()
        console.print(f"Demo data: {counts}")
    out.print(f"Demo node ready in {settings.data_dir}")
    out.print(f"  Sign in at http://{host}:{port}/login")
    out.print(
        f"  admin / {DEMO_PASSWORD}   analyst / analyst-demo-2026   viewer / viewer-demo-2026"
    )
    if not no_serve:
        serve(data_dir=data_dir, host=host, port=port)


@demo_app.command("federation")
@handle_errors
def demo_federation(
    base_dir: Annotated[Path, typer.Option("--dir", help="Where the five nodes live")] = Path(
        "./hoggar-federation"
    ),
    base_port: Annotated[int, typer.Option("--base-port", help="First of five ports")] = 8471,
    incidents: Annotated[int, typer.Option("--incidents", help="Incidents per node")] = 40,
    seed: Annotated[int, typer.Option("--seed")] = 7,
    no_wait: Annotated[
        bool, typer.Option("--no-wait", help="Stop the nodes after syncing (for scripts)")
    ] = False,
) -> None:
    """Start five nodes (Algeria, Mali, Niger, Mauritania, joint staff) and sync them.

    Each node has its own SQLite file and web interface; every member is linked to the
    joint staff, and Mali and Niger directly. Example: hoggar demo federation --base-port 8471
    """
    from hoggar.demo import activity, cluster
    from hoggar.federation import sync

    nodes = cluster.plan(base_dir, ["DZ", "ML", "NE", "MR", "JS"], base_port)
    if not (base_dir / "initialised").exists():
        cluster.initialise(nodes, DEMO_PASSWORD)
        for n in nodes:
            node = n.open()
            activity.report_incidents(node, None if n.code == "JS" else n.code, incidents, seed)
            node.close()
        (base_dir / "initialised").write_text("ok")
    try:
        for n in nodes:
            cluster.start(n)
        for _ in range(2):  # two rounds: what the joint staff relays arrives in the second
            for n in nodes:
                node = n.open()
                for report in sync.sync_all(node):
                    if not report.ok:
                        console.print(f"{n.code} <- {report.peer}: {'; '.join(report.errors)}")
                node.close()
        out.print("Five nodes are running and synced:")
        for n in nodes:
            out.print(f"  {n.name:<24} {n.url}/login   admin / {DEMO_PASSWORD}")
        if not no_wait:
            out.print("Press Ctrl-C to stop them.")
            while all(n.process is not None and n.process.poll() is None for n in nodes):
                time.sleep(1)
    finally:
        for n in nodes:
            cluster.stop(n)


if __name__ == "__main__":
    app()
