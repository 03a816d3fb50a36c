"""Five Hoggar nodes as real processes, a ledger of what was authored, and the oracle.

Shared by tests/test_federation_processes.py and bench/fault_sync.py. The ledger is
written by the test as it authors (or, for `activity.report_incidents`, read back from
the originating node's own store); the expected holdings of every node are computed
from the ledger and the topology alone, never from what the sync code did:

    an object authored by A is held by X  iff  X may read it (X is A or X is in its
    release set) and a path A - ... - X along topology edges exists whose every
    intermediate node may read it too (a relay holds only what it may read).
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from hoggar.audit import service as audit
from hoggar.auth.tokens import create_token
from hoggar.context import Node, Principal, Role
from hoggar.demo import cluster
from hoggar.demo.cluster import STAR_TOPOLOGY, ClusterNode
from hoggar.records import authoring
from hoggar.sharing.markings import TLP, TLP_BY_ID
from hoggar.stix.extensions import INCIDENT_EXTENSION_ID, RELEASE_SET_EXTENSION_ID
from hoggar.stix.models import ObjectVersion
from hoggar.store import queries
from hoggar.store.filters import ObjectFilter

CODES = ["DZ", "ML", "NE", "MR", "JS"]
PASSWORD = "process-cluster-password-2026"
SYNC_TIMEOUT = 180.0


def free_ports(count: int) -> list[int]:
    """Distinct free loopback ports (all bound at once, so the kernel cannot repeat one)."""
    socks = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


@dataclass
class Record:
    """One authored object: who originated it, who may read it, every version issued."""

    stix_id: str
    originator: str
    readers: frozenset[str]  # node codes, the originator included
    versions: set[str] = field(default_factory=set)  # `modified` values


@dataclass
class Holdings:
    """What one node actually stores, read straight from its database."""

    listed: set[str]  # incident ids its own organization sees through list_objects
    stored: set[str]  # incident ids present in stix_versions at all
    versions: set[tuple[str, str]]  # (incident id, modified) rows
    duplicates: list[tuple[str, str, int]]  # (stix_id, version_key, rows) with rows > 1


@dataclass
class RoundResult:
    exit_codes: dict[str, int]
    errors: dict[str, str]
    changed: bool


class Federation:
    """The five nodes of cluster.MEMBERS on free loopback ports, and what they were given."""

    def __init__(
        self,
        base_dir: Path,
        database_urls: dict[str, str] | None = None,
        topology: list[tuple[str, str]] = STAR_TOPOLOGY,
    ) -> None:
        ports = free_ports(len(CODES))
        urls = database_urls or {}
        self.nodes = {
            code: ClusterNode(code, base_dir / code.lower(), port, urls.get(code))
            for code, port in zip(CODES, ports, strict=True)
        }
        self.topology = list(topology)
        self.ledger: dict[str, Record] = {}
        self.org_ids: dict[str, str] = {}
        self._opened: dict[str, Node] = {}
        self._tokens: dict[str, str] = {}
        self._lock = threading.Lock()

    # --- life cycle -------------------------------------------------------------------

    def initialise(self) -> None:
        cluster.initialise(list(self.nodes.values()), PASSWORD, self.topology)
        for code in CODES:
            self.org_ids[code] = self.node(code).org_id

    def node(self, code: str) -> Node:
        """This process's own handle on a node's database (SQLite WAL admits a second one)."""
        if code not in self._opened:
            self._opened[code] = self.nodes[code].open()
        return self._opened[code]

    def start(self, codes: Iterable[str] | None = None) -> None:
        """Start `hoggar serve` for the nodes, in parallel; every one answers or all stop."""
        codes = list(codes or CODES)
        failures: list[BaseException] = []

        def run(code: str) -> None:
            try:
                cluster.start(self.nodes[code], timeout=60)
            except BaseException as exc:  # reported below, in the calling thread
                failures.append(exc)

        threads = [threading.Thread(target=run, args=(c,)) for c in codes]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if failures:
            raise failures[0]

    def kill_server(self, code: str) -> None:
        cluster.stop(self.nodes[code], kill=True)

    def close(self) -> None:
        """Stop every server this object started and close its own database handles."""
        for n in self.nodes.values():
            try:
                cluster.stop(n)
            except Exception:  # keep stopping the others
                if n.process is not None:
                    n.process.kill()
        for node in self._opened.values():
            node.close()
        self._opened.clear()

    def server_log(self, code: str) -> str:
        """What the node's server wrote to stderr so far (without blocking)."""
        proc = self.nodes[code].process
        if proc is None or proc.stderr is None:
            return ""
        os.set_blocking(proc.stderr.fileno(), False)
        data = proc.stderr.read() or b""
        return data.decode(errors="replace")[-4000:]

    def running(self) -> dict[str, bool]:
        return {
            c: n.process is not None and n.process.poll() is None for c, n in self.nodes.items()
        }

    # --- authoring --------------------------------------------------------------------

    def _sharing(self, code: str, rng: random.Random, always: frozenset[str]) -> frozenset[str]:
        """A random subset of the other organizations (each with probability 1/2)."""
        others = [c for c in CODES if c != code]
        return frozenset(c for c in others if c in always or rng.random() < 0.5)

    def _draft(self, code: str, rng: random.Random, label: str) -> dict[str, Any]:
        return {
            "type": "incident",
            "name": f"{label} {rng.randrange(10**9)}",
            "extensions": {
                INCIDENT_EXTENSION_ID: {
                    "extension_type": "property-extension",
                    "event_type": "battle",
                    "sub_type": "ambush",
                    "country": code if code != "JS" else "ML",
                    "killed": rng.randint(0, 5),
                    "source_reliability": "B",
                    "information_credibility": 2,
                }
            },
        }

    def author(
        self,
        code: str,
        count: int,
        rng: random.Random,
        *,
        always: frozenset[str] = frozenset(),
        chunk: int = 100,
    ) -> list[str]:
        """Create incidents through the service layer, recording each release set."""
        node = self.node(code)
        principal = Principal(org_id=node.org_id, name=f"analyst-{code}", role=Role.ANALYST)
        ids: list[str] = []
        for start in range(0, count, chunk):
            made: list[Record] = []
            with node.db.transaction() as session:
                for _ in range(min(chunk, count - start)):
                    release = self._sharing(code, rng, always)
                    obj = authoring.create_object(
                        session,
                        node,
                        principal,
                        self._draft(code, rng, f"incident of {code}"),
                        authoring.Sharing(TLP.AMBER, frozenset(self.org_ids[c] for c in release)),
                    )
                    made.append(Record(obj["id"], code, release | {code}, {obj["modified"]}))
            for rec in made:  # recorded only once committed
                self.ledger[rec.stix_id] = rec
                ids.append(rec.stix_id)
        return ids

    def update(self, code: str, stix_ids: Iterable[str]) -> None:
        """Issue a new version (same release set) of each of this node's own incidents."""
        node = self.node(code)
        principal = Principal(org_id=node.org_id, name=f"analyst-{code}", role=Role.ANALYST)
        with node.db.transaction() as session:
            changed = [
                authoring.update_object(session, node, principal, sid, {"description": "revised"})
                for sid in stix_ids
            ]
        for obj in changed:
            self.ledger[obj["id"]].versions.add(obj["modified"])

    def author_over_api(self, code: str, count: int, rng: random.Random) -> list[str]:
        """Create incidents through POST /api/objects of the running server, with a token."""
        if code not in self._tokens:
            node = self.node(code)
            with node.db.transaction() as session:
                _, secret = create_token(session, node, "admin", name="tests", actor="tests")
            self._tokens[code] = secret
        ids = []
        with httpx.Client(
            base_url=self.nodes[code].url,
            headers={"Authorization": f"Bearer {self._tokens[code]}"},
            timeout=30,
        ) as client:
            for _ in range(count):
                release = self._sharing(code, rng, frozenset())
                r = client.post(
                    "/api/objects",
                    json={
                        "object": self._draft(code, rng, f"API incident of {code}"),
                        "sharing": {
                            "tlp": "amber",
                            "release_to": sorted(self.org_ids[c] for c in release),
                        },
                    },
                )
                if r.status_code != 201:
                    raise AssertionError(
                        f"POST /api/objects on {code}: {r.status_code} {r.text}\n"
                        + self.server_log(code)
                    )
                obj = r.json()
                self.ledger[obj["id"]] = Record(
                    obj["id"], code, release | {code}, {obj["modified"]}
                )
                ids.append(obj["id"])
        return ids

    def adopt(self, code: str, stix_ids: Iterable[str]) -> None:
        """Record objects authored by other code, reading their release sets back from the
        originator's own store (the release-set marking's `release_to`)."""
        node = self.node(code)
        codes_of = {org: c for c, org in self.org_ids.items()}
        me = Principal(org_id=node.org_id, name="ledger")
        with node.db.session() as session:
            for sid in stix_ids:
                obj = queries.get_object(session, me, sid)
                assert obj["created_by_ref"] == node.org_id
                release: list[str] = []
                for ref in obj.get("object_marking_refs") or []:
                    if ref in TLP_BY_ID:
                        continue
                    marking = queries.get_object(session, me, ref)
                    ext = (marking.get("extensions") or {}).get(RELEASE_SET_EXTENSION_ID)
                    if ext is not None:
                        release = ext.get("release_to", [])  # absent: originator only
                readers = frozenset(codes_of[org] for org in release) | {code}
                self.ledger[sid] = Record(sid, code, readers, {obj["modified"]})

    # --- the oracle -------------------------------------------------------------------

    def expected(self) -> dict[str, set[tuple[str, str]]]:
        """(incident id, modified) pairs every node must hold, from the ledger alone."""
        neighbours: dict[str, set[str]] = defaultdict(set)
        for a, b in self.topology:
            neighbours[a].add(b)
            neighbours[b].add(a)
        out: dict[str, set[tuple[str, str]]] = {c: set() for c in CODES}
        for rec in self.ledger.values():
            reached = {rec.originator}
            queue = deque([rec.originator])
            while queue:
                here = queue.popleft()
                for nxt in neighbours[here]:
                    if nxt in rec.readers and nxt not in reached:
                        reached.add(nxt)
                        queue.append(nxt)
            for code in reached:
                out[code].update((rec.stix_id, v) for v in rec.versions)
        return out

    def holdings(self, code: str) -> Holdings:
        node = self.node(code)
        me = Principal(org_id=node.org_id, name=f"probe-{code}")
        flt = ObjectFilter(types=("incident",), include_revoked=True)
        listed: set[str] = set()
        with node.db.session() as session:
            cursor = None
            while True:
                page = queries.list_objects(session, me, flt, limit=1000, cursor=cursor)
                listed.update(o["id"] for o in page.items)
                cursor = page.next_cursor
                if cursor is None:
                    break
            rows = session.execute(
                select(ObjectVersion.stix_id, ObjectVersion.body).where(
                    ObjectVersion.stix_type == "incident"
                )
            ).all()
            dups = session.execute(
                select(ObjectVersion.stix_id, ObjectVersion.version_key, func.count())
                .group_by(ObjectVersion.stix_id, ObjectVersion.version_key)
                .having(func.count() > 1)
            ).all()
        versions = {(r.stix_id, json.loads(r.body)["modified"]) for r in rows}
        return Holdings(
            listed=listed,
            stored={r.stix_id for r in rows},
            versions=versions,
            duplicates=[(d[0], d[1], int(d[2])) for d in dups],
        )

    def mismatches(self) -> list[str]:
        """Every difference between what nodes hold and what they must hold; [] if none."""
        problems: list[str] = []
        expected = self.expected()
        for code in CODES:
            want_versions = expected[code]
            want_ids = {sid for sid, _ in want_versions}
            got = self.holdings(code)
            for what, have in (("listed", got.listed), ("stored", got.stored)):
                missing, extra = want_ids - have, have - want_ids
                if missing:
                    problems.append(
                        f"{code}: {len(missing)} {what} ids missing, e.g. {min(missing)}"
                    )
                if extra:
                    problems.append(f"{code}: {len(extra)} {what} ids extra, e.g. {min(extra)}")
            if got.versions != want_versions:
                problems.append(
                    f"{code}: versions differ: {len(want_versions - got.versions)} missing, "
                    f"{len(got.versions - want_versions)} extra"
                )
            for sid, vkey, n in got.duplicates:
                problems.append(f"{code}: {sid} version {vkey!r} stored {n} times")
        return problems

    def version_rows(self) -> dict[str, int]:
        """Rows in stix_versions per node: versions are never deleted, so any change shows."""
        return {code: self.rows(code) for code in CODES}

    def total_objects(self) -> int:
        return sum(len(r.versions) for r in self.ledger.values())

    # --- sync as processes ------------------------------------------------------------

    def sync_round(self, stages: list[list[str]] | None = None) -> RoundResult:
        """`hoggar sync` as processes: the nodes of a stage at once, stage after stage.

        The default round, the joint staff and then the four members, carries anything
        authored before it to every node that must hold it on STAR_TOPOLOGY.
        """
        stages = stages or [["JS"], [c for c in CODES if c != "JS"]]
        before = self.version_rows()
        exit_codes, errors = {}, {}
        for stage in stages:
            procs = {c: cluster.sync_process(self.nodes[c]) for c in stage}
            try:
                for code, proc in procs.items():
                    _, err = proc.communicate(timeout=SYNC_TIMEOUT)
                    exit_codes[code] = proc.returncode
                    if proc.returncode:
                        errors[code] = err.decode(errors="replace")[-3000:]
            finally:
                for proc in procs.values():
                    _reap(proc)
        return RoundResult(exit_codes, errors, self.version_rows() != before)

    def sync_until_quiet(self, max_rounds: int = 5) -> list[RoundResult]:
        """Rounds of sync on every node until one changes nothing (or max_rounds)."""
        rounds = []
        for _ in range(max_rounds):
            result = self.sync_round()
            rounds.append(result)
            if not result.changed and not result.errors:
                break
        return rounds

    def rows(self, code: str) -> int:
        with self.node(code).db.session() as session:
            return int(session.scalar(select(func.count()).select_from(ObjectVersion)) or 0)

    def writing(self, code: str) -> bool:
        """True while some process holds a write transaction open on the node's database.

        SQLite: BEGIN IMMEDIATE without waiting fails while another writer holds the lock.
        PostgreSQL: the date_added clock row, locked by every ingest until its commit,
        cannot be locked NOWAIT. A free lock is released again at once.
        """
        n = self.nodes[code]
        if not n.database_url:
            conn = sqlite3.connect(n.settings.database_url.split("///", 1)[1], timeout=0)
            try:
                conn.isolation_level = None
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("ROLLBACK")
                return False
            except sqlite3.OperationalError:
                return True
            finally:
                conn.close()
        with self.node(code).db.engine.connect() as c:
            try:
                c.execute(text("SELECT 1 FROM clocks WHERE name = 'added' FOR UPDATE NOWAIT"))
                return False
            except OperationalError:
                return True
            finally:
                c.rollback()

    def _fault_moment(
        self, proc: subprocess.Popen[bytes], code: str, delay: float, moment: str
    ) -> bool:
        """Wait for the moment to strike; True if the sync process is still running then.

        moment "start": `delay` s after the process started; "progress": `delay` s after
        the node stored its first new row (inside the transfer); "writing": `delay` s
        after a write transaction was seen open on the node (inside a page's commit).
        """
        if moment != "start":
            before = self.rows(code)
            started = (
                (lambda: self.rows(code) != before)
                if moment == "progress"
                else (lambda: self.writing(code))
            )
            deadline = time.monotonic() + SYNC_TIMEOUT
            while proc.poll() is None and not started():
                if time.monotonic() > deadline:
                    raise AssertionError(f"sync of {code}: no {moment} in {SYNC_TIMEOUT}s")
                time.sleep(0.002)
        return not _wait_exit(proc, delay)

    def sync_killed(self, code: str, delay: float, moment: str = "start") -> KillResult:
        """Start `hoggar sync` on a node and SIGKILL it at the chosen moment (if alive)."""
        before = self.rows(code)
        proc = cluster.sync_process(self.nodes[code])
        try:
            hit = self._fault_moment(proc, code, delay, moment)
            if hit:
                os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=SYNC_TIMEOUT)
        finally:
            _reap(proc)
        return KillResult(
            "kill sync", code, delay, moment, hit, proc.returncode, self.rows(code) - before
        )

    def server_killed(
        self, victim: str, syncing: str, delay: float, moment: str = "start"
    ) -> KillResult:
        """SIGKILL a serving node at the chosen moment of another node's sync, restart it.

        The sync process runs to its end (it may fail on the dead peer: exit 1) and must
        not hang; the victim must answer again on its port.
        """
        before = self.rows(syncing)
        proc = cluster.sync_process(self.nodes[syncing])
        try:
            hit = self._fault_moment(proc, syncing, delay, moment)
            self.kill_server(victim)
            self.start([victim])
            proc.wait(timeout=SYNC_TIMEOUT)
        finally:
            _reap(proc)
        return KillResult(
            f"kill server {victim}",
            syncing,
            delay,
            moment,
            hit,
            proc.returncode,
            self.rows(syncing) - before,
        )

    # --- checks -----------------------------------------------------------------------

    def integrity(self) -> dict[str, str]:
        """PRAGMA integrity_check on each SQLite file ('ok' when sound); PostgreSQL: 'ok'."""
        out = {}
        for code, n in self.nodes.items():
            if n.database_url:
                out[code] = "ok"
                continue
            path = Path(n.settings.database_url.split("///", 1)[1])
            conn = sqlite3.connect(path, timeout=30)
            try:
                out[code] = str(conn.execute("PRAGMA integrity_check").fetchone()[0])
            finally:
                conn.close()
        return out

    def audit_chains(self) -> dict[str, str]:
        """Each node's hash-chained audit log verified with its key ('ok' when intact)."""
        out = {}
        for code in CODES:
            node = self.node(code)
            with node.db.session() as session:
                result = audit.verify(session, node.signer.public_b64)
            out[code] = "ok" if result.ok else f"{result.reason} (entry {result.first_bad_seq})"
        return out

    def cli_all(self, *args: str) -> dict[str, tuple[int, str]]:
        """`hoggar ARGS --data-dir …` on every node at once, as processes: exit code, output."""
        procs = {
            code: subprocess.Popen(
                [sys.executable, "-m", "hoggar.cli.main", *args, "--data-dir", str(n.data_dir)],
                env=n.env(),
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
            for code, n in self.nodes.items()
        }
        out = {}
        for code, proc in procs.items():
            text, _ = proc.communicate(timeout=120)
            out[code] = (proc.returncode, text.decode(errors="replace"))
        return out


@dataclass
class KillResult:
    fault: str  # "kill sync" or "kill server XX"
    syncing: str  # the node whose sync ran
    delay: float
    moment: str  # what the delay counts from: "start", "progress" or "writing"
    hit: bool  # the sync process was still running at the moment of the kill
    exit_code: int | None
    rows_gained: int  # rows the syncing node stored during the faulty run


def _reap(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    if proc.stderr:
        proc.stderr.close()


def _wait_exit(proc: subprocess.Popen[bytes], seconds: float) -> bool:
    """Poll until the process exits or `seconds` pass; True if it exited."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return True
        time.sleep(min(0.01, max(0.0, deadline - time.monotonic())))
    return proc.poll() is not None
