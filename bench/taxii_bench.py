"""Benchmark: the same TAXII 2.1 workload against Hoggar and against the OASIS
reference server medallion (memory backend), in the same run (issue 9, first part).

Workload: N signed incident objects POSTed in envelopes of --envelope objects, then
the whole collection read back in pages of --page objects with `limit`/`next` (at most
--max-pages pages on medallion, whose paging slows down with the collection). Hoggar
runs on a fresh SQLite node behind uvicorn; medallion 3.0.0 behind werkzeug's
threaded server. Both over real HTTP on 127.0.0.1. Figures are reported as ratios to
medallion's.

    pip install 'medallion==3.0.0'      # the bench extra: pip install -e '.[bench]'
    python bench/taxii_bench.py --objects 10000
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from suite import (
    MEDALLION_CID,
    PARTNERS,
    free_port,
    medallion_server,
    post_envelopes,
    timings,
    walk_pages,
)
from sync_bench import synthetic

from hoggar.auth.tokens import create_token
from hoggar.federation.taxii import collection_id
from hoggar.kernel.settings import load_settings
from hoggar.node.service import init_node
from hoggar.records.identity import add_member


def _figures(posted: dict[str, Any], seen: int, get_times: list[float]) -> dict[str, Any]:
    pages = timings(get_times)
    return {
        "post_objects_per_s": posted["objects_per_s"],
        "post_envelope_p95_ms": posted["envelope"]["p95_ms"],
        "post_first_envelope_ms": posted["first_envelope_ms"],
        "post_last_envelope_ms": posted["last_envelope_ms"],
        "get_pages": len(get_times),
        "get_objects": seen,
        "get_page_p50_ms": pages["p50_ms"],
        "get_page_p95_ms": pages["p95_ms"],
    }


def run(count: int, envelope: int, page: int, max_pages: int) -> dict[str, Any]:
    import uvicorn

    from hoggar.app import create_app

    with tempfile.TemporaryDirectory(prefix="hoggar-taxii-bench-") as tmp:
        node = init_node(
            load_settings(Path(tmp), f"sqlite:///{tmp}/hoggar.db"),
            org_name="Algeria",
            country="DZ",
            admin_user="admin",
            admin_password="bench-password-2026",
        )
        with node.db.transaction() as session:
            for ident, name, code in PARTNERS:
                add_member(session, node, identity_id=ident, name=name, country=code)
            _, token = create_token(session, node, "admin", name="bench", actor="bench")
        objects = synthetic(node, [p[0] for p in PARTNERS], count, seed=7)
        hport, mport = free_port(), free_port()
        config = uvicorn.Config(create_app(node), host="127.0.0.1", port=hport, log_level="error")
        server = uvicorn.Server(config)
        threading.Thread(target=server.run, daemon=True).start()
        while not server.started:
            time.sleep(0.05)
        medallion_server(mport, [], tmp)
        results: dict[str, Any] = {"objects": len(objects), "envelope": envelope, "page": page}
        hurl = f"http://127.0.0.1:{hport}/taxii2/hoggar/collections/{collection_id(node)}/objects/"
        murl = f"http://127.0.0.1:{mport}/api1/collections/{MEDALLION_CID}/objects/"
        with httpx.Client(timeout=600, headers={"Authorization": f"Bearer {token}"}) as hc:
            posted = post_envelopes(hc, hurl, objects, envelope)
            seen, get_times = walk_pages(hc, hurl, 10**9, limit=page)
        results["hoggar"] = _figures(posted, seen, get_times)
        with httpx.Client(timeout=3600, auth=("bench", "bench-pass")) as mc:
            posted = post_envelopes(mc, murl, objects, envelope)
            seen, get_times = walk_pages(mc, murl, max_pages, limit=page)
        results["medallion"] = _figures(posted, seen, get_times)
        server.should_exit = True
        node.close()
    h, m = results["hoggar"], results["medallion"]
    results["ratios"] = {
        "post_throughput_vs_medallion": round(h["post_objects_per_s"] / m["post_objects_per_s"], 1),
        "get_page_p95_speedup_vs_medallion": round(
            m["get_page_p95_ms"] / max(h["get_page_p95_ms"], 0.001), 1
        ),
    }
    results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=10_000)
    parser.add_argument("--envelope", type=int, default=1000)
    parser.add_argument("--page", type=int, default=1000)
    parser.add_argument("--max-pages", type=int, default=5, help="pages read from medallion")
    parser.add_argument("--json-only", action="store_true")
    args = parser.parse_args()
    result = run(args.objects, args.envelope, args.page, args.max_pages)
    if not args.json_only:
        table = Table(
            "measure",
            "Hoggar",
            "medallion",
            "ratio",
            title=f"TAXII 2.1, {result['objects']:,} objects",
        )
        h, m, r = result["hoggar"], result["medallion"], result["ratios"]
        table.add_row(
            "POST objects/s",
            f"{h['post_objects_per_s']:,}",
            f"{m['post_objects_per_s']:,}",
            f"{r['post_throughput_vs_medallion']}×",
        )
        table.add_row(
            "POST envelope p95 (ms)",
            f"{h['post_envelope_p95_ms']:,}",
            f"{m['post_envelope_p95_ms']:,}",
            "",
        )
        table.add_row(
            "GET page p50 (ms)", f"{h['get_page_p50_ms']:,}", f"{m['get_page_p50_ms']:,}", ""
        )
        table.add_row(
            "GET page p95 (ms)",
            f"{h['get_page_p95_ms']:,}",
            f"{m['get_page_p95_ms']:,}",
            f"{r['get_page_p95_speedup_vs_medallion']}× faster",
        )
        table.add_row("pages read", str(h["get_pages"]), str(m["get_pages"]), "")
        Console().print(table)
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
