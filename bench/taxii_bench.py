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
import socket
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

from sync_bench import synthetic

from hoggar.auth.service import create_token
from hoggar.federation.taxii import collection_id
from hoggar.kernel.settings import load_settings
from hoggar.node.service import add_member, init_node

TAXII = "application/taxii+json;version=2.1"
MEDALLION_CID = "91a7b528-80eb-42ed-a74d-c6fbd5a26116"
PARTNERS = [
    ("identity--5b0e2f3c-7d1a-4e8b-9c6f-2a4d8e1b3c70", "Mali", "ML"),
    ("identity--6c1f3a4d-8e2b-4f9c-ad70-3b5e9f2c4d81", "Niger", "NE"),
]


def _port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = int(s.getsockname()[1])
    s.close()
    return port


def _medallion(port: int) -> threading.Thread:
    import logging

    from medallion import application_instance, register_blueprints, set_config
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    data = {
        "/discovery": {
            "title": "bench",
            "default": f"http://127.0.0.1:{port}/api1/",
            "api_roots": [f"http://127.0.0.1:{port}/api1/"],
        },
        "api1": {
            "information": {
                "title": "bench",
                "versions": [TAXII],
                "max_content_length": 1_000_000_000,
            },
            "status": [],
            "collections": [
                {
                    "id": MEDALLION_CID,
                    "title": "bench",
                    "can_read": True,
                    "can_write": True,
                    "media_types": ["application/stix+json;version=2.1"],
                    "objects": [],
                    "manifest": [],
                }
            ],
        },
    }
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(data, f)
    config = {
        "users": {"bench": "bench-pass"},
        "taxii": {"max_page_size": 1000},
        "backend": {
            "module_class": "MemoryBackend",
            "module": "medallion.backends.memory_backend",
            "filename": f.name,
        },
    }
    for prop in ("users", "taxii", "backend"):
        set_config(application_instance, prop, config)
    register_blueprints(application_instance)
    server = make_server("127.0.0.1", port, application_instance, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return thread


def _post(
    client: httpx.Client, url: str, objects: list[dict[str, Any]], size: int
) -> tuple[float, list[float]]:
    headers = {"Content-Type": TAXII, "Accept": TAXII}
    times = []
    start = time.perf_counter()
    for i in range(0, len(objects), size):
        t = time.perf_counter()
        r = client.post(
            url, content=json.dumps({"objects": objects[i : i + size]}), headers=headers
        )
        r.raise_for_status()
        times.append(time.perf_counter() - t)
    return time.perf_counter() - start, times


def _walk(client: httpx.Client, url: str, page: int, max_pages: int) -> tuple[int, list[float]]:
    headers = {"Accept": TAXII}
    params: dict[str, Any] = {"limit": page}
    seen, times = 0, []
    while len(times) < max_pages:
        t = time.perf_counter()
        r = client.get(url, params=params, headers=headers)
        r.raise_for_status()
        times.append(time.perf_counter() - t)
        body = r.json()
        seen += len(body.get("objects", []))
        if not body.get("more") or not body.get("next"):
            break
        params = {"limit": page, "next": body["next"]}
    return seen, times


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else 0.0


def run(count: int, envelope: int, page: int, max_pages: int) -> dict[str, Any]:
    import uvicorn

    from hoggar.api.app import create_app

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
        hport, mport = _port(), _port()
        config = uvicorn.Config(create_app(node), host="127.0.0.1", port=hport, log_level="error")
        server = uvicorn.Server(config)
        threading.Thread(target=server.run, daemon=True).start()
        while not server.started:
            time.sleep(0.05)
        _medallion(mport)
        results: dict[str, Any] = {"objects": len(objects), "envelope": envelope, "page": page}
        hurl = f"http://127.0.0.1:{hport}/taxii2/hoggar/collections/{collection_id(node)}/objects/"
        murl = f"http://127.0.0.1:{mport}/api1/collections/{MEDALLION_CID}/objects/"
        with httpx.Client(timeout=600, headers={"Authorization": f"Bearer {token}"}) as hc:
            post_s, post_times = _post(hc, hurl, objects, envelope)
            seen, get_times = _walk(hc, hurl, page, 10**9)
        results["hoggar"] = {
            "post_objects_per_s": round(len(objects) / post_s, 1),
            "post_envelope_p95_ms": round(_p(post_times, 0.95), 1),
            "get_pages": len(get_times),
            "get_objects": seen,
            "get_page_p50_ms": round(_p(get_times, 0.5), 1),
            "get_page_p95_ms": round(_p(get_times, 0.95), 1),
        }
        with httpx.Client(timeout=3600, auth=("bench", "bench-pass")) as mc:
            post_s, post_times = _post(mc, murl, objects, envelope)
            seen, get_times = _walk(mc, murl, page, max_pages)
        results["medallion"] = {
            "post_objects_per_s": round(len(objects) / post_s, 1),
            "post_envelope_p95_ms": round(_p(post_times, 0.95), 1),
            "post_first_envelope_ms": round(post_times[0] * 1000, 1),
            "post_last_envelope_ms": round(post_times[-1] * 1000, 1),
            "get_pages": len(get_times),
            "get_objects": seen,
            "get_page_p50_ms": round(_p(get_times, 0.5), 1),
            "get_page_p95_ms": round(_p(get_times, 0.95), 1),
        }
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
