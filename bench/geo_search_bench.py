"""Benchmark: geocoding and full-text search (issue 5).

1. Geocoding: every query of tests/data/name_variants.tsv (places) through the
   gazetteer's ranked matcher, against a baseline of exact look-ups of the normalised
   name in a dict (what a matcher without fuzzy or cross-script steps costs).
2. Search: N incidents stored through the real write path (projections, FTS5 triggers
   or the PostgreSQL GIN index), then place-name queries in Arabic and Latin script as
   an analyst of another organization (releasability applied), through the indexed
   search, against a baseline scan (`search_text LIKE '%word%'`) in the same run.

Prints a table and one JSON line.

    python bench/geo_search_bench.py --incidents 100000
    python bench/geo_search_bench.py --incidents 1000000          # the issue's size
    python bench/geo_search_bench.py --database-url postgresql+psycopg://…/db
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import func, insert, select

from hoggar.context import Principal, Role
from hoggar.geo.gazetteer import MEMBER_STATES, load_gazetteer
from hoggar.kernel.clock import format_stix, utcnow
from hoggar.kernel.ids import new_id
from hoggar.kernel.settings import load_settings
from hoggar.node.service import init_node
from hoggar.records.identity import add_member
from hoggar.sharing.markings import TLP, TLP2_IDS, ReleaseSet
from hoggar.stix.extensions import INCIDENT_EXTENSION_ID
from hoggar.stix.models import ObjectIndex, ObjectVersion, VersionRelease
from hoggar.store import aggregates, filters, queries
from hoggar.store.filters import ObjectFilter
from hoggar.store.ingest import ingest_batch
from hoggar.store.projections import project
from hoggar.store.search import index_new_rows
from hoggar.text.normalize import normalize

ROOT = Path(__file__).resolve().parent.parent
PARTNER = "identity--0b7a9c2e-1d3f-4a5b-8c6d-7e8f9a0b1c2d"
START = datetime(2019, 1, 1, tzinfo=UTC)
SPAN_MIN = 7 * 365 * 24 * 60  # incidents spread over seven years
EVENTS = [
    "Embuscade près de",
    "Attaque contre le poste de",
    "كمين قرب",
    "هجوم على مركز",
    "Ambush near",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def bench_geocoding(rounds: int) -> dict[str, Any]:
    started = time.perf_counter()
    gazetteer = load_gazetteer()
    load_s = time.perf_counter() - started
    with (ROOT / "tests" / "data" / "name_variants.tsv").open(encoding="utf-8") as f:
        queries_ = [
            r["query"]
            for r in csv.DictReader(f, delimiter="\t")
            if r["target"].startswith("place:")
        ]
    exact: dict[str, list[str]] = {}
    for p in gazetteer.places:
        for names in p.names.values():
            for n in names:
                exact.setdefault(normalize(n), []).append(p.id)
    latencies, base = [], []
    for _ in range(rounds):
        for q in queries_:
            t = time.perf_counter()
            gazetteer.lookup(q, 5)
            latencies.append(time.perf_counter() - t)
            t = time.perf_counter()
            exact.get(normalize(q), [])
            base.append(time.perf_counter() - t)
    return {
        "places": len(gazetteer),
        "queries": len(latencies),
        "load_s": round(load_s, 2),
        "lookups_per_s": round(len(latencies) / sum(latencies), 1),
        "p50_ms": round(percentile(latencies, 0.5) * 1000, 2),
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 2),
        "baseline_exact_per_s": round(len(base) / sum(base), 1),
        "ratio_vs_exact": round(sum(latencies) / sum(base), 1),
    }


def synthetic_incidents(
    node: Any, count: int, rng: random.Random, markings: list[Any]
) -> list[dict[str, Any]]:
    gazetteer = load_gazetteer()
    towns = [p for p in gazetteer.places if p.country in MEMBER_STATES and p.kind != "admin1"]
    created = format_stix(utcnow())
    out = []
    for _ in range(count):
        town = rng.choice(towns)
        place = town.name_in(rng.choice(["ar", "fr", "en"]))
        release = markings[0] if rng.random() < 0.7 else markings[1]
        out.append(
            {
                "type": "incident",
                "spec_version": "2.1",
                "id": new_id("incident"),
                "created": created,
                "modified": created,
                "created_by_ref": node.org_id,
                "name": f"{rng.choice(EVENTS)} {place}",
                "object_marking_refs": [TLP2_IDS[TLP.AMBER], release.marking_id],
                "extensions": {
                    INCIDENT_EXTENSION_ID: {
                        "extension_type": "property-extension",
                        "event_type": "battle",
                        "sub_type": rng.choice(["ambush", "armed_clash", "attack_on_post"]),
                        "start_time": format_stix(
                            START + timedelta(minutes=rng.randrange(SPAN_MIN))
                        ),
                        "time_precision": "hour",
                        "geo_precision": "town",
                        "killed": rng.randint(0, 12),
                        "country": town.country,
                        "latitude": town.lat,
                        "longitude": town.lon,
                        "place_name": place,
                    }
                },
            }
        )
    return out


def fill(node: Any, count: int, real: int, seed: int, batch: int = 2000) -> tuple[float, int]:
    """`real` incidents through the write path (timed), the rest in bulk rows.

    The bulk rows are what the write path stores (same body, projection and release
    rows, the text index), without the
    per-object checks and signatures, so a million-record node is built in minutes.
    """
    rng = random.Random(seed)
    both = ReleaseSet(creator=node.org_id, members=frozenset({PARTNER}))
    alone = ReleaseSet(creator=node.org_id, members=frozenset())
    created = format_stix(utcnow())
    with node.db.transaction() as session:
        ingest_batch(
            session, [both.to_marking(created), alone.to_marking(created)], node_org_id=node.org_id
        )
    real = min(real, count)
    started = time.perf_counter()
    done = 0
    while done < real:
        objects = synthetic_incidents(node, min(batch, real - done), rng, [both, alone])
        with node.db.transaction() as session:
            ingest_batch(session, objects, node_org_id=node.org_id)
        done += len(objects)
    real_s = time.perf_counter() - started
    while done < count:
        objects = synthetic_incidents(node, min(20_000, count - done), rng, [both, alone])
        with node.db.transaction() as session:
            next_pk = (session.scalar(select(func.max(ObjectVersion.pk))) or 0) + 1
            added = utcnow()
            versions, releases, index = [], [], []
            for i, obj in enumerate(objects):
                pk = next_pk + i
                mark = obj["object_marking_refs"][1]
                versions.append(
                    {
                        "pk": pk,
                        "stix_id": obj["id"],
                        "stix_type": "incident",
                        "version_key": obj["modified"],
                        "spec_version": "2.1",
                        "body": json.dumps(obj, ensure_ascii=False, separators=(",", ":")),
                        "originator_id": node.org_id,
                        "tlp": "amber",
                        "release_marking_id": mark,
                        "is_current": True,
                        "revoked": False,
                        "created_at": added,
                        "modified_at": added,
                        "added_at": added,
                        "signer_key_id": None,
                        "received_via": "bench",
                    }
                )
                if mark == both.marking_id:
                    releases.append({"version_pk": pk, "org_id": PARTNER})
                index.append(
                    {
                        "stix_id": obj["id"],
                        "version_pk": pk,
                        "originator_id": node.org_id,
                        "release_marking_id": mark,
                        **project(obj),
                    }
                )
            session.execute(insert(ObjectVersion), versions)
            session.execute(insert(VersionRelease), releases)
            session.execute(insert(ObjectIndex), index)
            index_new_rows(session, [row["stix_id"] for row in index])
        done += len(objects)
        print(f"\r  stored {done:,}/{count:,}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    if node.db.engine.dialect.name == "postgresql":
        # After a bulk load PostgreSQL plans with stale statistics until autovacuum's
        # next ANALYZE (within a minute or so on a live node); do it at once here.
        with node.db.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    return real_s, real


SEARCHES = [
    "Tamanrasset",
    "تمنراست",
    "Tombouctou",
    "تمبكتو",
    "Kidal",
    "كيدال",
    "Agadez",
    "Niamey",
    "Menaka",
    "Gao",
    "Djibo",
    "انجامينا",
]


def bench_search(node: Any, rounds: int) -> dict[str, Any]:
    partner = Principal(org_id=PARTNER, name="partner", role=Role.PEER)
    indexed, scanned, hits = [], [], []
    with node.db.session() as session:
        total = session.scalar(select(func.count()).select_from(ObjectIndex)) or 0
        for _ in range(rounds):
            for q in SEARCHES:
                flt = ObjectFilter(types=("incident",), text=q)
                t = time.perf_counter()
                page = queries.list_objects(session, partner, flt, limit=50)
                n = aggregates.count_objects(session, partner, flt)
                indexed.append(time.perf_counter() - t)
                hits.append(n)
                assert len(page.items) == min(50, n)
                # Baseline: the same list and count, scanning with LIKE instead of the index.
                like = ObjectIndex.search_text.like(f"%{normalize(q)}%")
                plain = ObjectFilter(types=("incident",))
                t = time.perf_counter()
                listed = filters.filtered(filters.base(ObjectVersion.body), partner, plain)
                session.execute(
                    listed.where(like).order_by(ObjectVersion.pk.desc()).limit(51)
                ).all()
                counted = filters.filtered(filters.base(func.count()), partner, plain)
                session.scalar(counted.where(like))
                scanned.append(time.perf_counter() - t)
    return {
        "incidents": int(total),
        "queries": len(indexed),
        "median_hits": int(statistics.median(hits)),
        "search_p50_ms": round(percentile(indexed, 0.5) * 1000, 1),
        "search_p95_ms": round(percentile(indexed, 0.95) * 1000, 1),
        "searches_per_s": round(len(indexed) / sum(indexed), 1),
        "baseline_like_scan_p50_ms": round(percentile(scanned, 0.5) * 1000, 1),
        "speedup_vs_like": round(sum(scanned) / sum(indexed), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--real", type=int, default=20_000, help="incidents stored through the write path"
    )
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument(
        "--database-url", default=None, help="PostgreSQL URL (default: a SQLite file)"
    )
    args = parser.parse_args()
    geo = bench_geocoding(args.rounds)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        node = init_node(
            load_settings(Path(tmp) / "node", url),
            org_name="Algeria",
            country="DZ",
            admin_user="admin",
            admin_password="bench-password-2026",
        )
        with node.db.transaction() as session:
            add_member(session, node, identity_id=PARTNER, name="Mali", country="ML", kind="member")
        real_s, real = fill(node, args.incidents, args.real, args.seed)
        search = bench_search(node, args.rounds)
        search["engine"] = node.db.engine.dialect.name
        search["write_path_per_s"] = round(real / real_s, 1) if real else None
        node.close()
    table = Table("measure", "value", title="Geocoding and search")
    for k, v in {
        **{f"geocode {k}": v for k, v in geo.items()},
        **{f"search {k}": v for k, v in search.items()},
    }.items():
        table.add_row(k, str(v))
    Console().print(table)
    print(
        json.dumps(
            {"benchmark": "geo_search", "geocoding": geo, "search": search}, ensure_ascii=False
        )
    )


if __name__ == "__main__":
    main()
