"""Benchmark: time to find candidates ("same event?") for one new incident (issue 6).

Stores N incidents over seven years at real towns of the member states (the first
`--real` through the write path, the rest in bulk rows, as bench/geo_search_bench.py),
then asks for the candidates of new reports of events drawn like the stored ones, as
the joint staff would on arrival. Baseline in the same run: scoring every stored
incident of the same month without the index window (what a scan would cost).

    python bench/fusion_bench.py --incidents 1000000
    python bench/fusion_bench.py --incidents 1000000 --database-url postgresql+psycopg://…
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from geo_search_bench import PARTNER, fill, percentile, synthetic_incidents
from rich.console import Console
from rich.table import Table

from hoggar.context import Principal, Role
from hoggar.fusion.score import Facts
from hoggar.fusion.service import candidates_for
from hoggar.kernel.settings import load_settings
from hoggar.node.service import init_node
from hoggar.records.identity import add_member
from hoggar.sharing.markings import ReleaseSet


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--real", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        node = init_node(
            load_settings(Path(tmp) / "node", url),
            org_name="Joint staff",
            country=None,
            kind="joint-staff",
            admin_user="admin",
            admin_password="bench-password-2026",
        )
        with node.db.transaction() as session:
            add_member(session, node, identity_id=PARTNER, name="Mali", country="ML", kind="member")
        started = time.perf_counter()
        fill(node, args.incidents, args.real, args.seed)
        fill_s = time.perf_counter() - started
        rng = random.Random(args.seed + 1)
        markings = [ReleaseSet(creator=node.org_id, members=frozenset({PARTNER}))] * 2
        probes = [
            Facts.from_incident(o) for o in synthetic_incidents(node, args.queries, rng, markings)
        ]
        me = Principal(org_id=node.org_id, name="fusion", role=Role.ANALYST)
        latencies, found = [], []
        with node.db.session() as session:
            for facts in probes:
                assert facts is not None
                t = time.perf_counter()
                found.append(len(candidates_for(session, me, facts, threshold=0.5)))
                latencies.append(time.perf_counter() - t)
            # Baseline: the same scoring over a month of incidents, no spatial window.
            wide = []
            for facts in probes[:20]:
                assert facts is not None
                t = time.perf_counter()
                candidates_for(session, me, replace(facts, lat=None, lon=None), threshold=0.5)
                wide.append(time.perf_counter() - t)
        figures = {
            "engine": node.db.engine.dialect.name,
            "incidents": args.incidents,
            "fill_s": round(fill_s, 1),
            "queries": len(latencies),
            "median_ms": round(statistics.median(latencies) * 1000, 1),
            "p95_ms": round(percentile(latencies, 0.95) * 1000, 1),
            "mean_candidates": round(statistics.mean(found), 2),
            "baseline_no_area_median_ms": round(statistics.median(wide) * 1000, 1),
        }
        figures["speedup_vs_baseline"] = round(
            figures["baseline_no_area_median_ms"] / max(figures["median_ms"], 0.01), 1
        )
        node.close()
    table = Table("measure", "value", title="Candidate search for one new incident")
    for k, v in figures.items():
        table.add_row(k, str(v))
    Console().print(table)
    print(json.dumps({"benchmark": "fusion_candidates", **figures}))


if __name__ == "__main__":
    main()
