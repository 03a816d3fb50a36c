"""Every benchmark in one command (issue 9): a table and JSON for each store size and engine.

For each engine (SQLite, PostgreSQL) and each size (objects stored), in a process of
its own so that its memory is its own:

1. bulk import: the demo scenario's generator (incidents of seven years from every
   member, their relationships, places, groups, release sets), unsigned as an external
   bundle is, through `import_objects` (validation, projections, links, text index);
2. the node is served (`hoggar serve`, a separate process, as in production);
3. TAXII POST: --post incidents signed by the node, in envelopes of 1,000;
4. TAXII GET: pages of 1,000 as the partner (Mali's node, with its peer token), from
   the start of the collection and from its middle (`added_after`);
5. filtered incident query over HTTP (`/api/objects`): an area of 2°×2° round a town,
   a period of 90 days, an event type;
6. full-text search over HTTP (`/api/search`) for place names in Arabic and Latin;
7. dashboard figures for one year (the web page's function) and the year's assessment
   (every theme, this year against the last), in process and as pages the node renders
   for its signed-in administrator;
8. fusion candidates for new reports;
9. sync: Mali's node pulls what the POST added (signature checks, storage), objects/s
   and bytes per object on the wire against `xz -9` of the same objects;
10. memory: peak RSS of the serving node and of the benchmark process.

The same TAXII workload (the --post signed incidents, POST then pages of 1,000) runs
in the same run against the OASIS reference server medallion 3.0.0 (memory backend),
its collection holding as many objects of the same scenario as Hoggar's store, in a
child process; each step gets --medallion-budget seconds (its POST compares each new
object with every stored one, and its first page deep-copies and filters the whole
collection), and a step that does not finish is reported as such. Hoggar's figures
are reported as ratios to medallion's at the same size.

    pip install -e '.[bench]'
    python bench/suite.py                                   # 10k and 100k, both engines
    python bench/suite.py --sizes 10000,100000,1000000      # the issue's sizes
    python bench/suite.py --sizes 2000 --backends sqlite --no-medallion   # a smoke run

Writes bench/results/suite.json (or --out). PostgreSQL at HOGGAR_BENCH_PG_DSN
(default postgresql://postgres@127.0.0.1:5432/test): each cell creates and drops its
own databases.
"""

from __future__ import annotations

import argparse
import json
import lzma
import os
import platform
import random
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

PASSWORD = "bench-password-2026"
PG_DSN = os.environ.get("HOGGAR_BENCH_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")
TAXII = "application/taxii+json;version=2.1"
MEDALLION_CID = "91a7b528-80eb-42ed-a74d-c6fbd5a26116"
PARTNERS = [
    ("identity--5b0e2f3c-7d1a-4e8b-9c6f-2a4d8e1b3c70", "Mali", "ML"),
    ("identity--6c1f3a4d-8e2b-4f9c-ad70-3b5e9f2c4d81", "Niger", "NE"),
]
OBJECTS_PER_INCIDENT = 1.77  # the scenario writes ~0.77 relationships per incident
SEARCHES = ["Tamanrasset", "تمنراست", "Tombouctou", "تمبكتو", "Kidal", "كيدال", "Agadez"]
SEARCHES += ["Niamey", "Menaka", "Gao", "Djibo", "انجامينا"]
EVENT_TYPES = ["battle", "explosion_remote_violence", "violence_against_civilians"]
EVENT_TYPES += ["strategic_development"]
YEAR = 2024


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def timings(values: list[float]) -> dict[str, float]:
    """p50 and p95 in milliseconds."""
    return {
        "p50_ms": round(percentile(values, 0.5) * 1000, 1),
        "p95_ms": round(percentile(values, 0.95) * 1000, 1),
        "n": len(values),
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def vm_hwm_mb(pid: int) -> float:
    """Peak resident memory of another process (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


# --- PostgreSQL databases of a cell ---------------------------------------------------


def create_pg_database(tag: str) -> str:
    import psycopg

    name = f"hoggar_bench_{tag}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    return f"{base}/{name}"


def drop_pg_database(url: str) -> None:
    import psycopg

    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


# --- The workload's data ----------------------------------------------------------------


def scenario_chunks(org_id: str, size: int, seed: int, skip_ids: set[str]) -> Iterator[list[Any]]:
    """About `size` objects of the demo scenario, 30,000 at a time (never all in memory)."""
    from hoggar.demo.catalog import load_catalog
    from hoggar.demo.generator import build_scenario
    from hoggar.demo.incidents import generate_incidents
    from hoggar.demo.parties import build_parties

    incidents = max(1, round(size / OBJECTS_PER_INCIDENT))
    first = min(incidents, 17_000)
    objects = [o for o in build_scenario(seed, first, org_id) if o["id"] not in skip_ids]
    yield objects
    done, produced = first, len(objects)
    cat = load_catalog()
    parties = build_parties(cat, org_id)
    chunk = 0
    while produced < size:
        chunk += 1
        n = min(17_000, max(1, round((size - produced) / OBJECTS_PER_INCIDENT)))
        objects = generate_incidents(cat, parties, seed * 1000 + chunk, n)
        objects = parties.markings() + objects[: size - produced]
        yield objects
        done += n
        produced += len(objects)


def signed_incidents(node: Any, members: list[str], count: int, seed: int) -> list[dict[str, Any]]:
    from sync_bench import synthetic

    return synthetic(node, members, count, seed)


# --- One cell: one engine, one size -----------------------------------------------------


def bulk_import(node: Any, size: int, skip_ids: set[str], seed: int) -> dict[str, Any]:
    """As `hoggar import` imports a large bundle: checks in one worker process,
    transactions of 10,000 objects. Also the share of the import's time spent in the
    database's statements (timed at the driver; commits not included)."""
    from sqlalchemy import event

    from hoggar.cli.data import BULK_BATCH
    from hoggar.context import system_principal
    from hoggar.records.bundles import check_pool, import_objects

    principal = system_principal(node)
    spent, stored, in_db = 0.0, 0, [0.0]

    def started(conn: Any, *_: Any) -> None:
        conn.info["bench_t0"] = time.perf_counter()

    def ended(conn: Any, *_: Any) -> None:
        in_db[0] += time.perf_counter() - conn.info.pop("bench_t0", time.perf_counter())

    engine = node.db.engine
    hooks = [("before_cursor_execute", started), ("after_cursor_execute", ended)]
    for name, fn in hooks:
        event.listen(engine, name, fn)
    with check_pool(1) as pool:
        for objects in scenario_chunks(node.org_id, size, seed, skip_ids):
            t = time.perf_counter()
            report = import_objects(
                node, objects, principal=principal, source="bench", batch_size=BULK_BATCH, pool=pool
            )
            spent += time.perf_counter() - t
            stored += len(objects)
            if report.rejected:
                raise SystemExit(
                    f"refused: {report.rejected[0].stix_id} {report.rejected[0].message}"
                )
            print(f"\r  imported {stored:,}/{size:,}", end="", file=sys.stderr, flush=True)
    for name, fn in hooks:
        event.remove(engine, name, fn)
    print(file=sys.stderr)
    return {
        "objects": stored,
        "seconds": round(spent, 1),
        "objects_per_s": round(stored / spent),
        "statements_share": round(in_db[0] / spent, 2),
    }


def analyze(node: Any) -> None:
    """Fresh planner statistics after the load, as autovacuum / `hoggar` maintenance keep them."""
    with node.db.engine.connect() as conn:
        if node.db.is_sqlite:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
        else:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")


def post_envelopes(
    client: httpx.Client, url: str, objects: list[dict[str, Any]], size: int = 1000
) -> dict[str, Any]:
    headers = {"Content-Type": TAXII, "Accept": TAXII}
    times = []
    start = time.perf_counter()
    for i in range(0, len(objects), size):
        t = time.perf_counter()
        r = client.post(
            url,
            content=json.dumps({"objects": objects[i : i + size]}, ensure_ascii=False).encode(),
            headers=headers,
        )
        r.raise_for_status()
        times.append(time.perf_counter() - t)
    spent = time.perf_counter() - start
    return {
        "objects": len(objects),
        "objects_per_s": round(len(objects) / spent, 1),
        "envelope": timings(times),
        "first_envelope_ms": round(times[0] * 1000, 1) if times else 0.0,
        "last_envelope_ms": round(times[-1] * 1000, 1) if times else 0.0,
    }


def walk_pages(
    client: httpx.Client,
    url: str,
    pages: int,
    params: dict[str, Any] | None = None,
    limit: int = 1000,
) -> tuple[int, list[float]]:
    """Read up to `pages` pages of `limit` objects; (objects seen, seconds per page)."""
    headers = {"Accept": TAXII}
    query: dict[str, Any] = {"limit": limit, **(params or {})}
    seen, times = 0, []
    while len(times) < pages:
        t = time.perf_counter()
        r = client.get(url, params=query, headers=headers)
        r.raise_for_status()
        times.append(time.perf_counter() - t)
        body = r.json()
        seen += len(body.get("objects", []))
        if not body.get("more") or not body.get("next"):
            break
        query = {"limit": limit, "next": body["next"], **(params or {})}
    return seen, times


def timed(fn: Callable[[], Any], rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def http_queries(client: httpx.Client, base: str, rng: random.Random) -> dict[str, Any]:
    from hoggar.geo.gazetteer import MEMBER_STATES, load_gazetteer

    towns = [
        p
        for p in load_gazetteer().places
        if p.country in MEMBER_STATES and p.kind != "admin1" and p.lat is not None
    ]
    filtered, sizes = [], []
    for _ in range(40):
        town = rng.choice(towns)
        start = datetime(2019, 1, 1, tzinfo=UTC) + timedelta(days=rng.randrange(7 * 365 - 90))
        params = {
            "type": "incident",
            "bbox": f"{town.lon - 1:.3f},{town.lat - 1:.3f},{town.lon + 1:.3f},{town.lat + 1:.3f}",
            "start_after": start.isoformat(),
            "start_before": (start + timedelta(days=90)).isoformat(),
            "event_type": rng.choice(EVENT_TYPES),
            "limit": 100,
        }
        t = time.perf_counter()
        r = client.get(f"{base}/api/objects", params=params)
        r.raise_for_status()
        filtered.append(time.perf_counter() - t)
        sizes.append(len(r.json()["objects"]))
    searched, hits = [], []
    for q in SEARCHES * 2:
        t = time.perf_counter()
        r = client.get(f"{base}/api/search", params={"q": q, "type": "incident", "limit": 50})
        r.raise_for_status()
        searched.append(time.perf_counter() - t)
        hits.append(len(r.json()["objects"]))
    return {
        "filtered_query": {**timings(filtered), "median_rows": statistics.median(sizes)},
        "search": {**timings(searched), "median_rows": statistics.median(hits)},
    }


def http_pages(base: str) -> dict[str, Any]:
    """The dashboard and the assessment pages for a year, rendered by the node for its
    signed-in administrator (the page, not only its queries)."""
    year = {"since": f"{YEAR}-01-01", "until": f"{YEAR}-12-31"}
    with httpx.Client(base_url=base, timeout=600) as client:
        r = client.post("/api/session", json={"username": "admin", "password": PASSWORD})
        r.raise_for_status()

        def page(path: str) -> None:
            client.get(path, params=year).raise_for_status()

        page("/")  # the first request compiles the templates: once per process
        page("/assessment")
        return {
            "dashboard_page_year": timings(timed(lambda: page("/"), 7)),
            "assessment_page_year": timings(timed(lambda: page("/assessment"), 3)),
        }


def in_process_queries(node: Any, since: datetime) -> dict[str, Any]:
    """Dashboard, assessment and candidates, as Algeria's analyst; `since` is the
    analyst's last visit (before the latest records arrived)."""
    from hoggar.context import Principal, Role
    from hoggar.fusion.score import Facts
    from hoggar.fusion.service import candidates_for
    from hoggar.incidents.dashboard import dashboard
    from hoggar.reports.assessment import Period, assess
    from hoggar.store.filters import ObjectFilter

    me = Principal(org_id=node.org_id, name="analyst", role=Role.ANALYST)
    year = ObjectFilter(
        types=("incident",),
        start_after=datetime(YEAR, 1, 1, tzinfo=UTC),
        start_before=datetime(YEAR + 1, 1, 1, tzinfo=UTC),
    )
    from hoggar.demo.catalog import load_catalog
    from hoggar.demo.incidents import generate_incidents
    from hoggar.demo.parties import build_parties

    probes = [
        f
        for o in generate_incidents(
            load_catalog(), build_parties(load_catalog(), node.org_id), 424242, 40
        )
        if o["type"] == "incident" and (f := Facts.from_incident(o)) is not None
    ][:30]
    with node.db.session() as session:
        figures = dashboard(session, me, year, own_org_id=node.org_id, since=since)
        dash = timed(lambda: dashboard(session, me, year, own_org_id=node.org_id, since=since), 7)
        period = Period(date(YEAR, 1, 1), date(YEAR, 12, 31))
        yearly = timed(lambda: assess(session, me, period), 3)
        found, cands = [], []
        for facts in probes:
            t = time.perf_counter()
            found.append(len(candidates_for(session, me, facts, threshold=0.5)))
            cands.append(time.perf_counter() - t)
    return {
        "dashboard_year": {**timings(dash), "incidents": figures.total},
        "assessment_year": timings(yearly),
        "candidates": {**timings(cands), "mean_found": round(statistics.mean(found), 2)},
    }


def sync_slice(ml: Any, posted: list[dict[str, Any]], marker: str) -> dict[str, Any]:
    """Mali's node pulls what was added after `marker` (the POSTed incidents)."""
    from hoggar.context import system_principal
    from hoggar.federation import sync
    from hoggar.federation.models import Peer
    from hoggar.records.bundles import import_objects

    # The release-set markings were stored on Algeria's node before the marker (by the
    # bulk import); Mali would have them from its earlier pulls.
    markings = [o for o in posted if o["type"] == "marking-definition"]
    import_objects(ml, markings, principal=system_principal(ml), source="bench")
    with ml.db.transaction() as session:
        peer = session.query(Peer).filter_by(name="dz").one()
        peer.pull_cursor = marker
    t = time.perf_counter()
    result = sync.pull(ml, "dz", page_size=1000)
    spent = time.perf_counter() - t
    blob = b"\n".join(
        json.dumps(o, ensure_ascii=False, separators=(",", ":")).encode() for o in posted
    )
    xz = len(lzma.compress(blob, preset=9 | lzma.PRESET_EXTREME))
    received = result.received
    return {
        "objects": received,
        "rejected": result.rejected,
        "objects_per_s": round(received / spent, 1),
        "wire_bytes_per_object": round(result.bytes_received / len(posted), 1),
        "raw_json_bytes_per_object": round(len(blob) / len(posted), 1),
        "xz9_bytes_per_object": round(xz / len(posted), 1),
        "wire_over_xz9": round(result.bytes_received / xz, 2),
    }


def run_cell(backend: str, size: int, post: int, seed: int) -> dict[str, Any]:
    from hoggar.auth.tokens import create_token
    from hoggar.demo import cluster
    from hoggar.demo.catalog import load_catalog
    from hoggar.demo.parties import build_parties
    from hoggar.federation.models import Peer
    from hoggar.federation.taxii import collection_id, format_added
    from hoggar.kernel.ids import new_id
    from hoggar.kernel.secrets import open_secret
    from hoggar.stix.models import ObjectVersion

    cell: dict[str, Any] = {"backend": backend, "size": size}
    urls: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="hoggar-suite-") as tmp:
        try:
            if backend == "postgresql":
                urls = {"DZ": create_pg_database("dz"), "ML": create_pg_database("ml")}
            nodes = cluster.plan(Path(tmp), ["DZ", "ML"], free_port(), urls)
            nodes[1].port = free_port()
            dz_id = new_id("identity")
            ml_id = build_parties(load_catalog(), dz_id).by_key["ML"].org_id
            cluster.initialise(
                nodes, PASSWORD, topology=[("DZ", "ML")], org_ids={"DZ": dz_id, "ML": ml_id}
            )
            dz = nodes[0].open()
            cell["bulk_import"] = bulk_import(dz, size, {dz_id, ml_id}, seed)
            analyze(dz)
            with dz.db.transaction() as session:
                _, token = create_token(session, dz, "admin", name="bench", actor="bench")
                last_visit = (
                    session.query(ObjectVersion.added_at)
                    .order_by(ObjectVersion.added_at.desc())
                    .limit(1)
                    .scalar()
                )
                marker = format_added(last_visit)
                # A reader resuming half-way through the collection.
                middle_at = format_added(
                    session.query(ObjectVersion.added_at)
                    .order_by(ObjectVersion.added_at)
                    .offset(size // 2)
                    .limit(1)
                    .scalar()
                )
            posted = signed_incidents(dz, [ml_id], post, seed + 1)
            collection = collection_id(dz)
            dz.close()
            ml = nodes[1].open()
            with ml.db.session() as session:
                stored = session.query(Peer).filter_by(name="dz").one().outbound_token
                peer_token = open_secret(ml.signer, stored)  # kept sealed in the database
            cluster.start(nodes[0], timeout=120)
            assert nodes[0].process is not None
            server_pid = nodes[0].process.pid
            base = nodes[0].url
            taxii = f"{base}/taxii2/hoggar/collections/{collection}/objects/"
            try:
                auth = {"Authorization": f"Bearer {token}"}
                with httpx.Client(timeout=600, headers=auth) as client:
                    cell["taxii_post"] = post_envelopes(client, taxii, posted)
                    cell.update(http_queries(client, base, random.Random(seed)))
                peer = {"Authorization": f"Bearer {peer_token}"}
                with httpx.Client(timeout=600, headers=peer) as client:
                    seen, first = walk_pages(client, taxii, 10)
                    seen2, middle = walk_pages(client, taxii, 10, {"added_after": middle_at})
                cell["taxii_get_page"] = {**timings(first + middle), "objects": seen + seen2}
                cell.update(http_pages(base))
                cell["sync"] = sync_slice(ml, posted, marker)
                cell["node_peak_rss_mb"] = vm_hwm_mb(server_pid)
            finally:
                cluster.stop(nodes[0])
                ml.close()
            dz = nodes[0].open()
            cell.update(in_process_queries(dz, last_visit))
            dz.close()
        finally:
            for url in urls.values():
                drop_pg_database(url)
    cell["bench_peak_rss_mb"] = rss_mb()
    return cell


# --- medallion ----------------------------------------------------------------------------


def medallion_server(port: int, stored: list[dict[str, Any]], tmp: str) -> None:
    """medallion 3.0.0 on its memory backend, its collection holding `stored` already."""
    import logging

    from medallion import application_instance, register_blueprints, set_config
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    added = "2026-01-01T00:00:00.000000Z"
    collection = {
        "id": MEDALLION_CID,
        "title": "bench",
        "can_read": True,
        "can_write": True,
        "media_types": ["application/stix+json;version=2.1"],
        "objects": stored,
        "manifest": [
            {
                "id": o["id"],
                "date_added": added,
                "version": o.get("modified") or o.get("created") or added,
                "media_type": "application/stix+json;version=2.1",
            }
            for o in stored
        ],
    }
    root = f"http://127.0.0.1:{port}/api1/"
    data = {
        "/discovery": {"title": "bench", "default": root, "api_roots": [root]},
        "api1": {
            "information": {"title": "bench", "versions": [TAXII], "max_content_length": 10**9},
            "status": [],
            "collections": [collection],
        },
    }
    path = Path(tmp) / "medallion.json"
    path.write_text(json.dumps(data))
    del data, collection
    config = {
        "users": {"bench": "bench-pass"},
        "taxii": {"max_page_size": 1000},
        "backend": {
            "module_class": "MemoryBackend",
            "module": "medallion.backends.memory_backend",
            "filename": str(path),
        },
    }
    for prop in ("users", "taxii", "backend"):
        set_config(application_instance, prop, config)
    register_blueprints(application_instance)
    server = make_server("127.0.0.1", port, application_instance, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()


def run_medallion(
    post: int, seed: int, max_pages: int, stored: int, budget: float
) -> dict[str, Any]:
    """The TAXII workload against medallion holding `stored` objects of the same
    scenario as Hoggar's store: POST the signed incidents (for at most `budget`
    seconds), then read pages of 1,000 (each allowed `budget` seconds)."""

    from hoggar.kernel.ids import new_id
    from hoggar.kernel.settings import load_settings
    from hoggar.node.service import init_node

    with tempfile.TemporaryDirectory(prefix="hoggar-suite-medallion-") as tmp:
        node = init_node(
            load_settings(Path(tmp), f"sqlite:///{tmp}/signer.db"),
            org_name="Algeria",
            country="DZ",
            admin_user="admin",
            admin_password=PASSWORD,
        )
        objects = signed_incidents(node, [PARTNERS[0][0]], post, seed + 1)
        node.close()
        preload = (
            [o for chunk in scenario_chunks(new_id("identity"), stored, seed, set()) for o in chunk]
            if stored
            else []
        )
        port = free_port()
        started = time.perf_counter()
        medallion_server(port, preload, tmp)
        load_s = time.perf_counter() - started
        del preload
        url = f"http://127.0.0.1:{port}/api1/collections/{MEDALLION_CID}/objects/"
        result: dict[str, Any] = {"version": "3.0.0", "stored": stored, "load_s": round(load_s)}
        with httpx.Client(timeout=budget, auth=("bench", "bench-pass")) as client:
            headers = {"Content-Type": TAXII, "Accept": TAXII}
            times, sent = [], 0
            begin = time.perf_counter()
            try:
                for i in range(0, len(objects), 1000):
                    t = time.perf_counter()
                    envelope = {"objects": objects[i : i + 1000]}
                    client.post(url, content=json.dumps(envelope), headers=headers)
                    times.append(time.perf_counter() - t)
                    sent += len(envelope["objects"])
                    if time.perf_counter() - begin > budget:
                        break
                result["taxii_post"] = {
                    "objects": sent,
                    "objects_per_s": round(sent / (time.perf_counter() - begin), 1),
                    "envelope": timings(times),
                }
            except httpx.TimeoutException:
                result["taxii_post"] = {"objects": sent, "timed_out_after_s": budget}
            try:
                seen, pages = walk_pages(client, url, max_pages)
                result["taxii_get_page"] = {**timings(pages), "objects": seen}
            except httpx.TimeoutException:
                result["taxii_get_page"] = {"timed_out_after_s": budget}
    return result


def medallion_baselines(args: argparse.Namespace, sizes: list[int]) -> dict[str, Any]:
    """medallion at each store size, each in a child process stopped after
    --medallion-timeout seconds (a runaway server must not share the cores with the
    measurements that follow)."""
    out: dict[str, Any] = {}
    for size in sizes:
        print(f"medallion holding {size:,} …", file=sys.stderr)
        command = [sys.executable, __file__, "--medallion-cell", str(size)]
        command += ["--post", str(args.post), "--seed", str(args.seed)]
        command += ["--medallion-pages", str(args.medallion_pages)]
        command += ["--medallion-budget", str(args.medallion_budget)]
        try:
            done = subprocess.run(
                command,
                check=True,
                stdout=subprocess.PIPE,
                text=True,
                timeout=args.medallion_timeout,
            )
            out[str(size)] = json.loads(done.stdout.strip().splitlines()[-1])
        except subprocess.TimeoutExpired:
            out[str(size)] = {"stored": size, "timed_out_after_s": args.medallion_timeout}
    return out


# --- Driver ----------------------------------------------------------------------------


ROWS: list[tuple[str, Callable[[dict[str, Any]], Any]]] = [
    ("bulk import, objects/s", lambda c: c["bulk_import"]["objects_per_s"]),
    ("bulk import, share in SQL statements", lambda c: c["bulk_import"]["statements_share"]),
    ("TAXII POST, objects/s", lambda c: c["taxii_post"]["objects_per_s"]),
    ("TAXII POST vs medallion", lambda c: c.get("ratios", {}).get("post_vs_medallion")),
    ("TAXII page of 1,000, p95 ms", lambda c: c["taxii_get_page"]["p95_ms"]),
    ("TAXII page p95 vs medallion", lambda c: c.get("ratios", {}).get("page_p95_vs_medallion")),
    ("filtered query, p95 ms", lambda c: c["filtered_query"]["p95_ms"]),
    ("search, p95 ms", lambda c: c["search"]["p95_ms"]),
    ("dashboard figures (a year), p95 ms", lambda c: c["dashboard_year"]["p95_ms"]),
    ("dashboard page (a year), p95 ms", lambda c: c["dashboard_page_year"]["p95_ms"]),
    ("assessment figures (a year), p95 ms", lambda c: c["assessment_year"]["p95_ms"]),
    ("assessment page (a year), p95 ms", lambda c: c["assessment_page_year"]["p95_ms"]),
    ("candidates, p95 ms", lambda c: c["candidates"]["p95_ms"]),
    ("sync, objects/s", lambda c: c["sync"]["objects_per_s"]),
    ("sync bytes/object", lambda c: c["sync"]["wire_bytes_per_object"]),
    ("sync bytes / xz -9", lambda c: c["sync"]["wire_over_xz9"]),
    ("node peak RSS, MB", lambda c: c["node_peak_rss_mb"]),
    ("bench process peak RSS, MB", lambda c: c["bench_peak_rss_mb"]),
]


def add_ratios(cell: dict[str, Any], medallion: dict[str, Any] | None) -> None:
    """Hoggar's TAXII figures against medallion holding as many objects."""
    if not medallion:
        return
    ratios: dict[str, Any] = {}
    posted = medallion.get("taxii_post", {}).get("objects_per_s")
    if posted:
        ratios["post_vs_medallion"] = round(cell["taxii_post"]["objects_per_s"] / posted, 1)
    page = medallion.get("taxii_get_page", {})
    if page.get("p95_ms"):
        ratios["page_p95_vs_medallion"] = round(
            page["p95_ms"] / max(cell["taxii_get_page"]["p95_ms"], 0.1), 1
        )
    elif "timed_out_after_s" in page:
        ratios["page_p95_vs_medallion"] = f"medallion > {page['timed_out_after_s']:.0f} s"
    cell["ratios"] = ratios


def print_table(result: dict[str, Any]) -> None:
    cells = result["cells"]
    table = Table("measure", *[f"{c['backend']} {c['size']:,}" for c in cells], title="Hoggar")
    for label, get in ROWS:
        values = []
        for c in cells:
            try:
                v = get(c)
            except KeyError:
                v = None
            values.append("—" if v is None else f"{v:,}" if isinstance(v, int | float) else str(v))
        table.add_row(label, *values)
    console = Console()
    console.print(table)
    for size, m in (result.get("medallion") or {}).items():
        post, page = m.get("taxii_post", {}), m.get("taxii_get_page", {})
        console.print(
            f"medallion {m.get('version', '3.0.0')} (memory backend) holding {int(size):,}: "
            f"POST {post.get('objects_per_s', '—')} objects/s "
            f"({post.get('objects', 0):,} objects); page of 1,000 "
            + (
                f"p50 {page['p50_ms']:,} ms, p95 {page['p95_ms']:,} ms"
                if "p95_ms" in page
                else f"no answer within {page.get('timed_out_after_s', '?')} s"
            )
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--post", type=int, default=10_000, help="objects in the TAXII workload")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--no-medallion", action="store_true")
    parser.add_argument("--medallion-pages", type=int, default=5)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "suite.json")
    parser.add_argument("--medallion-timeout", type=float, default=1800)
    parser.add_argument("--cell", nargs=2, metavar=("BACKEND", "SIZE"), help=argparse.SUPPRESS)
    parser.add_argument("--medallion-budget", type=float, default=300, help="seconds per step")
    parser.add_argument("--medallion-cell", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.medallion_cell is not None:  # a child process: the baseline at one size
        result = run_medallion(
            args.post, args.seed, args.medallion_pages, args.medallion_cell, args.medallion_budget
        )
        sys.stdout.write(json.dumps(result) + "\n")
        return
    if args.cell:  # a child process: one cell, its JSON on stdout's last line
        cell = run_cell(args.cell[0], int(args.cell[1]), args.post, args.seed)
        sys.stdout.write(json.dumps(cell, ensure_ascii=False) + "\n")
        return
    result: dict[str, Any] = {
        "benchmark": "suite",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "medallion": None,
        "cells": [],
    }
    sizes = [int(s) for s in args.sizes.split(",")]
    if not args.no_medallion:
        result["medallion"] = medallion_baselines(args, sizes)
    for backend in args.backends.split(","):
        for size in sizes:
            print(f"{backend} {size:,} …", file=sys.stderr)
            command = [sys.executable, __file__, "--cell", backend, str(size)]
            out = subprocess.run(
                [*command, "--post", str(args.post), "--seed", str(args.seed)],
                check=True,
                stdout=subprocess.PIPE,
                text=True,
            ).stdout
            cell = json.loads(out.strip().splitlines()[-1])
            add_ratios(cell, (result["medallion"] or {}).get(str(size)))
            result["cells"].append(cell)
            args.out.parent.mkdir(parents=True, exist_ok=True)  # kept after every cell
            args.out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    # The figures first: a run takes an hour, and nothing after it may lose them.
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    print_table(result)
    sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
