"""kill -9 in the middle of a bulk import and of a schema migration, repeatedly.

Each kill lands while the process holds an open write transaction (seen from outside:
SQLite's write lock is taken, or PostgreSQL shows the process inside a transaction),
after a random extra delay. After each kill the database passes its integrity check
(SQLite's, and the FTS5 index's own), every committed row is still there, the
projections and monthly counts agree with the stored versions, the audit chain
verifies; running the same command again finishes the work, with nothing twice.
(Sync under kill -9 is tests/test_federation_processes.py.)
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psycopg
from alembic import command
from sqlalchemy import func, select, text

from factories import incident, release_marking, shared
from hoggar.audit.service import verify
from hoggar.context import Node, system_principal
from hoggar.kernel.ids import new_id
from hoggar.node.migrate import alembic_config, current_revision, head_revision
from hoggar.node.service import open_node
from hoggar.records.bundles import import_objects
from hoggar.stix.models import MonthlyCount, ObjectIndex, ObjectVersion

MALI = "identity--00000000-0000-4000-8000-00000000000a"
SEED = 20261202


def _incidents(node: Node, count: int) -> list[dict[str, Any]]:
    return [
        incident(
            node.org_id,
            name=f"Attaque contre un poste près de Ménaka n°{i}",
            markings=shared(node.org_id, {MALI}),
            event_type="battle",
            sub_type="attack_on_post",
            start_time=f"2025-{1 + i % 12:02d}-1{i % 10}T06:00:00.000Z",
            country="ML",
            killed=i % 3,
        )
        for i in range(count)
    ]


def _writer_active(node: Node) -> bool:
    """Does another process hold an open write transaction on the node's database?"""
    url = node.settings.database_url
    if url.startswith("sqlite"):
        probe = sqlite3.connect(url.split("///", 1)[1], timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError:
            return True
        finally:
            probe.close()
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        busy = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND xact_start IS NOT NULL "
            "AND backend_type = 'client backend'"
        ).fetchone()
    return bool(busy and busy[0])


def _run(node: Node, *args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "HOGGAR_DATABASE_URL": node.settings.database_url}
    return subprocess.Popen(
        [sys.executable, "-m", "hoggar.cli.main", *args, "--data-dir", str(node.settings.data_dir)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _kill_while_writing(
    node: Node, proc: subprocess.Popen[bytes], rng: random.Random, ready: Any
) -> bool:
    """SIGKILL the process inside a write transaction once `ready()`; False if it ended."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if ready() and _writer_active(node):
            time.sleep(rng.uniform(0, 0.05))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return proc.returncode == -signal.SIGKILL
        time.sleep(0.002)
    proc.wait()
    return False


def _stored(node: Node) -> int:
    with node.db.session() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(ObjectVersion)
                .where(ObjectVersion.stix_type == "incident")
            )
            or 0
        )


def _consistent(node: Node) -> None:
    with node.db.session() as session:
        if node.db.is_sqlite:
            assert session.scalar(text("PRAGMA integrity_check")) == "ok"
            session.execute(text("INSERT INTO stix_fts(stix_fts) VALUES ('integrity-check')"))
        current = session.scalar(
            select(func.count()).select_from(ObjectVersion).where(ObjectVersion.is_current)
        )
        assert session.scalar(select(func.count()).select_from(ObjectIndex)) == current
        incidents = session.scalar(
            select(func.count())
            .select_from(ObjectIndex)
            .where(ObjectIndex.stix_type == "incident", ObjectIndex.revoked.is_(False))
        )
        assert (session.scalar(select(func.sum(MonthlyCount.n))) or 0) == incidents
        duplicated = session.scalar(
            select(func.count()).select_from(
                select(ObjectVersion.stix_id)
                .group_by(ObjectVersion.stix_id)
                .having(func.count() > 1)
                .subquery()
            )
        )
        assert duplicated == 0
        assert verify(session, node.signer.public_b64).ok


def test_kill9_during_bulk_import_loses_nothing_committed_and_the_import_resumes(
    node: Node, tmp_path: Path
) -> None:
    rng = random.Random(SEED)
    objects = [release_marking(node.org_id, {MALI}), *_incidents(node, 3000)]
    bundle = tmp_path / "bundle.json"
    bundle.write_text(json.dumps({"type": "bundle", "id": new_id("bundle"), "objects": objects}))
    kills = 0
    for _ in range(3):
        committed = _stored(node)
        proc = _run(node, "import", str(bundle))
        if _kill_while_writing(node, proc, rng, lambda c=committed: _stored(node) > c):
            kills += 1
            seen = _stored(node)
            assert seen > committed  # at least one batch was committed before the kill
            _consistent(node)
    assert kills >= 2, "the import ended before it could be killed"
    done = _run(node, "import", str(bundle))
    _, err = done.communicate(timeout=300)
    assert done.returncode == 0, err.decode()[-2000:]
    assert _stored(node) == 3000
    _consistent(node)


def test_kill9_during_migration_leaves_the_old_schema_or_the_new_one(
    node: Node, tmp_path: Path
) -> None:
    rng = random.Random(SEED + 1)
    report = import_objects(
        node,
        [release_marking(node.org_id, {MALI}), *_incidents(node, 3000)],
        principal=system_principal(node),
        source="t",
    )
    assert not report.rejected
    cfg = alembic_config()
    kills = 0
    for _ in range(3):
        with node.db.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0010")  # before the monthly counts and the throttle
        assert current_revision(node.db.engine) == "0010"
        proc = _run(node, "db", "upgrade")
        if _kill_while_writing(node, proc, rng, lambda: True):
            kills += 1
        revision = current_revision(node.db.engine)
        assert revision in ("0010", head_revision())  # all of it or none of it
        assert _stored(node) == 3000
        if revision == head_revision():
            _consistent(node)
        else:
            with node.db.session() as session:
                if node.db.is_sqlite:
                    assert session.scalar(text("PRAGMA integrity_check")) == "ok"
    assert kills >= 2, "the migration ended before it could be killed"
    done = _run(node, "db", "upgrade")
    _, err = done.communicate(timeout=300)
    assert done.returncode == 0, err.decode()[-2000:]
    node.close()
    reopened = open_node(node.settings)
    try:
        assert current_revision(reopened.db.engine) == head_revision()
        _consistent(reopened)
    finally:
        reopened.close()
