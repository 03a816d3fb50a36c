"""Fault injection: kill -9 at random moments of federation sync, then check exact holdings.

Five real node processes (`hoggar serve`) on free loopback ports, linked along
cluster.STAR_TOPOLOGY. Each iteration authors fresh incidents on a neighbour of the
node about to sync, starts `hoggar sync` for that node as a process and, at a random
moment (counted from the process start, or from the first row it stores), sends
SIGKILL to the sync process (even iterations) or to a serving peer, which is then
restarted on its port (odd iterations). At the end every node syncs in rounds until
a round changes nothing, and each node's holdings are compared with the ledger-based
oracle of tests/cluster_kit.py: exact incident ids and versions, no version twice;
then PRAGMA integrity_check, the audit chain and `hoggar db check` on every node.

Prints a table and one JSON line; exits 1 on any mismatch or failed check.

    python bench/fault_sync.py --iterations 20
    python bench/fault_sync.py --iterations 20 --backend postgresql
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from cluster_kit import CODES, Federation, KillResult
from hoggar.demo import activity
from hoggar.demo.cluster import STAR_TOPOLOGY

console = Console(width=110)
# Random delays (seconds) after each kind of moment: a write transaction seen open on
# the syncing node, the sync process's start (~1 s of it is interpreter start-up), the
# first new row stored.
DELAYS = {"writing": (0.0, 0.05), "start": (0.8, 2.5), "progress": (0.0, 0.3)}


def neighbours() -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for a, b in STAR_TOPOLOGY:
        out[a].append(b)
        out[b].append(a)
    return {k: sorted(v) for k, v in out.items()}


def pg_urls(backend: str) -> dict[str, str]:
    if backend != "postgresql":
        return {}
    from conftest import create_pg_database

    try:
        return {code: create_pg_database() for code in CODES}
    except BaseException as exc:  # pytest.skip/fail outside pytest: PostgreSQL unreachable
        raise SystemExit(f"PostgreSQL unavailable: {exc}") from None


def drop_urls(urls: dict[str, str]) -> None:
    from conftest import drop_pg_database

    for url in urls.values():
        drop_pg_database(url)


def run(args: argparse.Namespace) -> int:
    rng = random.Random(args.seed)
    links = neighbours()
    started = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="hoggar-faults-"))
    urls = pg_urls(args.backend)
    fed = Federation(tmp, urls)
    kills: list[KillResult] = []
    try:
        with console.status("initialising and starting five nodes"):
            fed.initialise()
            for i, code in enumerate(CODES):
                ids = activity.report_incidents(
                    fed.node(code), None if code == "JS" else code, 15, args.seed + i
                )
                fed.adopt(code, ids)
            fed.author("DZ", args.backlog, rng, always=frozenset({"JS"}))
            fed.start()
        for i in range(args.iterations):
            syncing = rng.choice(CODES)
            peer = rng.choice(links[syncing])
            fed.author(peer, args.per_iteration, rng, always=frozenset({syncing}))
            if i % 2 == 0:
                moment = rng.choice(["writing", "writing", "start", "progress"])
                result = fed.sync_killed(syncing, rng.uniform(*DELAYS[moment]), moment)
            else:
                moment = rng.choice(["start", "progress"])
                result = fed.server_killed(peer, syncing, rng.uniform(*DELAYS[moment]), moment)
            kills.append(result)
            console.print(
                f"[{i + 1}/{args.iterations}] {result.fault:<15} during sync of {syncing} "
                f"({moment} +{result.delay:.2f}s): "
                f"{'mid-sync' if result.hit else 'after exit'}, exit {result.exit_code}, "
                f"+{result.rows_gained} rows"
            )
            if not all(fed.running().values()):
                raise RuntimeError(f"a server is down after iteration {i + 1}: {fed.running()}")
        with console.status("syncing to a fixed point"):
            rounds = fed.sync_until_quiet(args.max_rounds)
        converged = not rounds[-1].changed and not rounds[-1].errors
        mismatches = fed.mismatches()
        integrity = fed.integrity()
        chains = fed.audit_chains()
        db_check = {code: rc for code, (rc, _) in fed.cli_all("db", "check").items()}
        elapsed = time.perf_counter() - started
    finally:
        fed.close()
        if urls:
            drop_urls(urls)
        if args.keep:
            console.print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    table = Table("#", "fault", "syncing", "after", "delay s", "struck", "exit", "rows +")
    for n, k in enumerate(kills, 1):
        table.add_row(
            str(n),
            k.fault,
            k.syncing,
            k.moment,
            f"{k.delay:.2f}",
            "mid-sync" if k.hit else "after exit",
            str(k.exit_code),
            str(k.rows_gained),
        )
    console.print(table)
    summary = Table("node", "integrity", "audit chain", "db check")
    for code in CODES:
        summary.add_row(code, integrity[code], chains[code], str(db_check[code]))
    console.print(summary)
    for problem in mismatches:
        console.print(f"[red]MISMATCH[/] {problem}")
    for r in rounds:
        for code, err in r.errors.items():
            console.print(f"[yellow]final-round sync error[/] {code}: {err.strip()[-300:]}")
    sound = (
        converged
        and all(v == "ok" for v in integrity.values())
        and all(v == "ok" for v in chains.values())
        and all(rc == 0 for rc in db_check.values())
    )
    sync_kills = sum(1 for k in kills if k.fault == "kill sync" and k.hit)
    server_kills = sum(1 for k in kills if k.fault != "kill sync")
    line = {
        "backend": args.backend,
        "iterations": args.iterations,
        "kills": sync_kills + server_kills,  # SIGKILLs actually sent
        "sync_kills": sync_kills,
        "server_kills": server_kills,
        "mid_sync": sum(1 for k in kills if k.hit),
        "rounds_to_converge": len(rounds),
        "total_objects": fed.total_objects(),
        "elapsed_s": round(elapsed, 1),
        "mismatches": len(mismatches),
        "checks_ok": sound,
    }
    print(json.dumps(line))
    return 0 if not mismatches and sound else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--backlog", type=int, default=600, help="incidents DZ holds for JS")
    parser.add_argument("--per-iteration", type=int, default=60, help="new incidents each time")
    parser.add_argument("--max-rounds", type=int, default=5)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--keep", action="store_true", help="keep the nodes' directory")
    sys.exit(run(parser.parse_args()))


if __name__ == "__main__":
    main()
