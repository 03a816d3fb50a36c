"""Five real node processes on loopback: sync to a fixed point, then under kill -9.

Each node runs as `hoggar serve` (cluster.start) on a free port, linked along
cluster.STAR_TOPOLOGY; syncs run as `hoggar sync` processes (cluster.sync_process).
What every node must end up holding is computed by tests/cluster_kit.py from the
ledger of authored objects (originator, release set, versions) and the topology
alone: X holds an object of A iff X may read it and some path A - … - X runs through
nodes that may all read it. Holdings are compared exactly (ids listed to the node's
own organization, ids and (id, modified) rows stored), and no version is stored twice.

Backends: the convergence test runs on each of HOGGAR_TEST_BACKENDS (every node with
its own PostgreSQL database there); the kill -9 test runs on SQLite only, to keep the
module near 2-3 minutes on a 2-core machine (PostgreSQL would add ~1.5 minutes):
`bench/fault_sync.py --backend postgresql` runs the same faults there on demand.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from cluster_kit import CODES, Federation, KillResult, Record, RoundResult
from conftest import BACKENDS, create_pg_database, drop_pg_database
from hoggar.demo import activity

pytestmark = pytest.mark.slow

SEED = 20260415
MAX_ROUNDS = 5


@pytest.fixture(scope="module", params=BACKENDS)
def federation(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Federation]:
    """Five initialised nodes, ~15 incidents each authored before start, all serving."""
    urls = {c: create_pg_database() for c in CODES} if request.param == "postgresql" else {}
    fed = Federation(tmp_path_factory.mktemp("federation"), urls)
    try:
        fed.initialise()
        for i, code in enumerate(CODES):
            node = fed.node(code)
            ids = activity.report_incidents(node, None if code == "JS" else code, 15, SEED + i)
            fed.adopt(code, ids)
        fed.start()
        yield fed
    finally:
        fed.close()
        for url in urls.values():
            drop_pg_database(url)


def _converge(fed: Federation) -> list[RoundResult]:
    rounds = fed.sync_until_quiet(MAX_ROUNDS)
    last = rounds[-1]
    assert not last.changed and not last.errors, (
        f"no fixed point after {len(rounds)} rounds: {last.exit_codes} {last.errors}"
    )
    return rounds


def _assert_sound(fed: Federation) -> None:
    assert fed.integrity() == dict.fromkeys(CODES, "ok")
    assert fed.audit_chains() == dict.fromkeys(CODES, "ok")
    failed = {code: out for code, (rc, out) in fed.cli_all("db", "check").items() if rc != 0}
    assert not failed, f"hoggar db check: {failed}"


def test_oracle_star_topology_delivers_only_along_readable_paths(tmp_path: Path) -> None:
    """The oracle itself, on hand-made records: a relay that may not read blocks the way."""
    fed = Federation(tmp_path)
    cases = {
        "dz-ml": ("DZ", {"ML"}, {"DZ"}),  # the joint staff may not read it: no path
        "dz-js-ml": ("DZ", {"JS", "ML"}, {"DZ", "JS", "ML"}),
        "ml-ne": ("ML", {"NE"}, {"ML", "NE"}),  # the direct Mali-Niger link
        "ml-ne-dz": ("ML", {"NE", "DZ"}, {"ML", "NE"}),
        "ne-js-mr": ("NE", {"JS", "MR"}, {"NE", "JS", "MR"}),
        "mr-ne": ("MR", {"NE"}, {"MR"}),
        "js-all": ("JS", {"DZ", "ML", "NE", "MR"}, set(CODES)),
        "own": ("DZ", set(), {"DZ"}),
    }
    for sid, (origin, release, _) in cases.items():
        fed.ledger[sid] = Record(sid, origin, frozenset(release | {origin}), {"v1", "v2"})
    expected = fed.expected()
    for sid, (_, _, holders) in cases.items():
        assert {c for c in CODES if (sid, "v1") in expected[c]} == holders, sid
        assert {c for c in CODES if (sid, "v2") in expected[c]} == holders, sid


def test_sync_processes_star_topology_converge_to_exact_release_sets(
    federation: Federation,
) -> None:
    fed = federation
    rng = random.Random(SEED)
    # A second batch while the servers run: service layer, new versions, REST API.
    for code in CODES:
        own = fed.author(code, 8, rng)
        fed.update(code, own[:3])
        fed.author_over_api(code, 2, rng)
    assert all(fed.running().values())
    assert fed.total_objects() == 5 * (15 + 8 + 3 + 2)
    # The batch exercises the relay rule both ways: readable yet unreachable objects,
    # and objects that only the direct Mali-Niger link can carry.
    expected = fed.expected()
    assert any(
        (sid, v) not in expected[code]
        for sid, rec in fed.ledger.items()
        for code in rec.readers
        for v in rec.versions
    )
    assert any(
        rec.originator in ("ML", "NE") and {"ML", "NE"} <= rec.readers and "JS" not in rec.readers
        for rec in fed.ledger.values()
    )

    rounds = _converge(fed)

    failed = [r.errors for r in rounds if r.errors]
    assert not failed, f"sync processes failed without any fault injected: {failed}"
    assert rounds[0].changed  # something was exchanged, then a round changed nothing
    assert fed.mismatches() == []
    assert all(fed.running().values())


@pytest.mark.parametrize("federation", [b for b in BACKENDS if b == "sqlite"], indirect=True)
def test_sync_under_kill9_of_sync_and_serving_nodes_converges_exactly(
    federation: Federation,
) -> None:
    fed = federation
    rng = random.Random(SEED + 1)
    fed.author("DZ", 300, rng, always=frozenset({"JS"}))
    kills: list[KillResult] = []
    # SIGKILL the joint staff's sync: as soon as a write transaction is seen open on its
    # database (inside a page's commit), at a random moment after the process started,
    # and shortly after its first new row arrived; new records arrive in between.
    moments = {"writing": (0.0, 0.05), "start": (0.8, 2.5), "progress": (0.0, 0.3)}
    for moment, (low, high) in moments.items():
        kills.append(fed.sync_killed("JS", rng.uniform(low, high), moment))
        fed.author("DZ", 40, rng, always=frozenset({"JS"}))
    # Kill -9 a serving node while another node pulls from it, then restart it:
    # the origin (Algeria) under the joint staff's pull, the relay under Mali's.
    fed.author("DZ", 60, rng, always=frozenset({"JS", "ML"}))
    kills.append(fed.server_killed("DZ", "JS", rng.uniform(0.0, 0.3), "progress"))
    kills.append(fed.server_killed("JS", "ML", rng.uniform(0.8, 2.5), "start"))
    assert all(fed.running().values())
    assert any(k.hit and k.fault == "kill sync" for k in kills), kills
    assert any(k.hit and k.fault.startswith("kill server") for k in kills), kills

    _converge(fed)

    assert fed.mismatches() == []
    _assert_sound(fed)
