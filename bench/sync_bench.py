"""Benchmark: sync N objects from one node to another over real HTTP (issue 3).

Prints objects/s and bytes on the wire per object beside the raw JSON size and the
`xz -9` floor of the same objects, as a table and one JSON line.

    python bench/sync_bench.py --objects 100000
"""

from __future__ import annotations

import argparse
import json
import lzma
import random
import sys
import tempfile
import time
from pathlib import Path

import zstandard
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from hoggar.context import system_principal
from hoggar.demo import cluster
from hoggar.federation import sync
from hoggar.kernel.clock import format_stix
from hoggar.kernel.ids import new_id
from hoggar.records.bundles import import_objects
from hoggar.sharing.markings import TLP, TLP2_IDS, ReleaseSet
from hoggar.stix.extensions import INCIDENT_EXTENSION_ID

PASSWORD = "bench-password-2026"


def synthetic(node, members: list[str], count: int, seed: int) -> list[dict]:  # type: ignore[no-untyped-def]
    """Signed incidents of the Sahel kind, released to the joint staff and some members."""
    rng = random.Random(seed)
    sets = [
        frozenset(rng.sample(members, k=rng.randint(1, len(members)))) | {members[0]}
        for _ in range(8)
    ]
    markings = [ReleaseSet(creator=node.org_id, members=s) for s in sets]
    created = format_stix(time_base())
    objects = [node.signer.sign(m.to_marking(created)) for m in markings]
    for i in range(count):
        rs = rng.choice(markings)
        objects.append(
            node.signer.sign(
                {
                    "type": "incident",
                    "spec_version": "2.1",
                    "id": new_id("incident"),
                    "created": created,
                    "modified": created,
                    "created_by_ref": node.org_id,
                    "name": f"Embuscade contre une patrouille près de Ménaka ({i})",
                    "description": "Des hommes armés à moto ont ouvert le feu sur une patrouille.",
                    "object_marking_refs": [TLP2_IDS[TLP.AMBER], rs.marking_id],
                    "extensions": {
                        INCIDENT_EXTENSION_ID: {
                            "extension_type": "property-extension",
                            "event_type": "battle",
                            "sub_type": "ambush",
                            "start_time": created,
                            "time_precision": "day",
                            "latitude": round(15.9 + rng.uniform(-1, 1), 4),
                            "longitude": round(2.4 + rng.uniform(-1, 1), 4),
                            "country": rng.choice(["ML", "NE", "BF"]),
                            "geo_precision": "town",
                            "killed": rng.choice([0, 0, 1, 2, 5]),
                            "wounded": rng.choice([0, 1, 3]),
                            "source_reliability": "B",
                            "information_credibility": 2,
                        }
                    },
                }
            )
        )
    return objects


def time_base():  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    return datetime(2025, 6, 1, tzinfo=UTC)


def run(count: int, page: int, port: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="hoggar-bench-") as tmp:
        nodes = cluster.plan(Path(tmp), ["DZ", "JS", "ML"], port)
        cluster.initialise(nodes, PASSWORD, topology=[("JS", "DZ")])
        origin = nodes[0].open()
        with origin.db.session() as session:
            from hoggar.orgs.service import list_orgs

            # The joint staff first: every object is released to it (it is the receiver).
            members = [o.identity_id for o in list_orgs(session) if o.kind == "joint-staff"]
            members += [
                o.identity_id for o in list_orgs(session) if o.kind == "member" and not o.is_self
            ]
        objects = synthetic(origin, members, count, seed=1)
        t0 = time.perf_counter()
        report = import_objects(
            origin, objects, principal=system_principal(origin), source="bench", batch_size=2000
        )
        import_s = time.perf_counter() - t0
        assert not report.rejected, report.rejected[:3]
        origin.close()
        bodies = [
            json.dumps(o, ensure_ascii=False, separators=(",", ":")).encode() for o in objects
        ]
        raw = sum(len(b) for b in bodies)
        blob = b"\n".join(bodies)
        xz = len(lzma.compress(blob, preset=9 | lzma.PRESET_EXTREME))
        zstd = len(zstandard.ZstdCompressor(level=9).compress(blob))
        cluster.start(nodes[0])
        try:
            receiver = nodes[1].open()
            t0 = time.perf_counter()
            result = sync.pull(receiver, "dz", page_size=page)
            sync_s = time.perf_counter() - t0
            receiver.close()
        finally:
            cluster.stop(nodes[0])
        n = len(objects)
        assert result.received >= count and not result.rejected, (
            result.received,
            n,
            result.rejected,
        )
        return {
            "objects": n,
            "import_objects_per_s": n / import_s,
            "sync_seconds": sync_s,
            "sync_objects_per_s": n / sync_s,
            "wire_bytes_per_object": result.bytes_received / n,
            "raw_json_bytes_per_object": raw / n,
            "zstd9_bytes_per_object": zstd / n,
            "xz9_bytes_per_object": xz / n,
            "wire_over_xz9": result.bytes_received / xz,
            "pages": result.pages,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=10_000)
    parser.add_argument("--page", type=int, default=1000)
    parser.add_argument("--port", type=int, default=18600)
    args = parser.parse_args()
    figures = run(args.objects, args.page, args.port)
    table = Table(
        "measure", "value", title=f"Sync of {figures['objects']:.0f} objects, one node to another"
    )
    for key, value in figures.items():
        table.add_row(key, f"{value:,.2f}" if isinstance(value, float) else str(value))
    Console().print(table)
    print(json.dumps({"benchmark": "sync", **figures}))


if __name__ == "__main__":
    main()
