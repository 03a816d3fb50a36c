"""Backups restore a node whole, on either engine, and refuse damage."""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from conftest import create_pg_database, drop_pg_database
from factories import incident, release_marking, shared
from hoggar.audit.models import AuditEntry
from hoggar.auth.logins import login
from hoggar.auth.service import create_user
from hoggar.auth.tokens import create_token
from hoggar.cli.main import app
from hoggar.context import Node, Principal, Role, system_principal
from hoggar.kernel.errors import Conflict, Invalid
from hoggar.kernel.settings import load_settings
from hoggar.node import backup
from hoggar.node.service import open_node
from hoggar.records.bundles import import_objects
from hoggar.stix.models import MonthlyCount, ObjectVersion
from hoggar.store import aggregates
from hoggar.store.filters import ObjectFilter

MALI = "identity--00000000-0000-4000-8000-00000000000a"


def _populate(node: Node) -> None:
    objects: list[dict[str, Any]] = [release_marking(node.org_id, {MALI})]
    for i in range(40):
        objects.append(
            incident(
                node.org_id,
                name=f"Embuscade près de Ménaka n°{i}",
                markings=shared(node.org_id, {MALI}),
                event_type="battle",
                sub_type="ambush",
                start_time=f"2025-0{1 + i % 9}-1{i % 10}T08:00:00.000Z",
                country="ML",
                killed=i % 4,
            )
        )
    report = import_objects(node, objects, principal=system_principal(node), source="t")
    assert not report.rejected
    with node.db.transaction() as session:
        create_user(
            session,
            node,
            username="analyst1",
            password="analyst-password-2026",
            role=Role.ANALYST,
            actor="t",
        )
        create_token(session, node, "analyst1", name="ci", actor="t")


def _snapshot(node: Node) -> dict[str, list[dict[str, Any]]]:
    with node.db.engine.connect() as conn:
        return {
            t.name: list(backup._rows(conn, t))
            for t in backup._tables()
            if t.name not in ("audit_log", "audit_head")
        }


def _target(tmp_path: Path, engine: str) -> tuple[str, str | None]:
    if engine == "sqlite":
        return f"sqlite:///{tmp_path / 'restored' / 'hoggar.db'}", None
    url = create_pg_database()
    return url, url


@pytest.mark.parametrize("target_engine", ["sqlite", "postgresql"])
def test_a_backup_restores_the_node_whole_on_either_engine(
    node: Node, tmp_path: Path, target_engine: str
) -> None:
    _populate(node)
    before = _snapshot(node)
    archive = tmp_path / "node.tar.gz"
    info = backup.create_backup(node.settings, archive)
    assert os.stat(archive).st_mode & 0o777 == 0o600  # it holds the private key
    assert info.rows["stix_versions"] == 43  # 40 incidents, 2 markings, the identity
    url, created = _target(tmp_path, target_engine)
    try:
        settings = load_settings(tmp_path / "restored", url)
        restored_info = backup.restore_backup(archive, settings)
        assert restored_info.org_id == node.org_id
        restored = open_node(settings)
        try:
            assert _snapshot(restored) == before  # every row of every table, and the counts
            assert restored.signer.public_b64 == node.signer.public_b64
            if not restored.db.is_sqlite:  # planner statistics of the restored rows
                with restored.db.engine.connect() as conn:
                    analysed = conn.exec_driver_sql(
                        "SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL"
                    ).scalars()
                    assert set(restored.db.BUSY_TABLES) <= set(analysed)
            with restored.db.session() as session:
                actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)).all()
                # The backup's own entry is written after the archive; the restore's last.
                assert actions[-1] == "node.restore" and "node.backup" not in actions
                reader = Principal(org_id=MALI, name="m", role=Role.VIEWER)
                flt = ObjectFilter(types=("incident",), text="menaka")
                assert aggregates.count_objects(session, reader, flt) == 40  # text index rebuilt
                assert session.scalar(select(func.sum(MonthlyCount.n))) == 40
            assert login(restored, "analyst1", "analyst-password-2026").username == "analyst1"
            # New records take new keys after the restored ones.
            report = import_objects(
                restored,
                [incident(restored.org_id, name="after the restore")],
                principal=system_principal(restored),
                source="t",
            )
            assert report.results[0].ok
            with restored.db.session() as session:
                assert session.scalar(select(func.count()).select_from(ObjectVersion)) == 44
        finally:
            restored.close()
    finally:
        if created:
            drop_pg_database(created)


def test_a_damaged_archive_or_a_used_target_is_refused(node: Node, tmp_path: Path) -> None:
    _populate(node)
    archive = tmp_path / "node.tar.gz"
    backup.create_backup(node.settings, archive)
    # Rewrite the archive with one row changed: the checksum names the member.
    altered = tmp_path / "altered.tar.gz"
    with tarfile.open(archive) as src, tarfile.open(altered, "w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read()  # type: ignore[union-attr]
            if member.name == "tables/users.jsonl":
                data = data.replace(b'"analyst"', b'"admin"')
            member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    target = load_settings(tmp_path / "t1", f"sqlite:///{tmp_path / 't1' / 'hoggar.db'}")
    with pytest.raises(Invalid) as caught:
        backup.restore_backup(altered, target)
    assert [p.where for p in caught.value.problems] == ["tables/users.jsonl"]
    assert not (tmp_path / "t1" / "keys").exists()  # nothing written
    (tmp_path / "junk.tar.gz").write_bytes(b"not a backup")
    with pytest.raises(Invalid, match="not a Hoggar backup"):
        backup.restore_backup(tmp_path / "junk.tar.gz", target)
    # The node's own data directory already holds a node.
    with pytest.raises(Conflict):
        backup.restore_backup(archive, node.settings)


def test_backup_and_restore_commands(node: Node, tmp_path: Path) -> None:
    if not node.db.is_sqlite:
        pytest.skip("the commands take the database from the environment; covered above")
    _populate(node)
    runner = CliRunner()
    archive = tmp_path / "b.tar.gz"
    made = runner.invoke(
        app,
        ["backup", "create", "--data-dir", str(node.settings.data_dir), str(archive)],
        env={"HOGGAR_DATABASE_URL": node.settings.database_url},
    )
    assert made.exit_code == 0, made.output
    assert "backup written" in made.output
    node.close()
    restored = tmp_path / "restored-node"
    fresh = {"HOGGAR_DATABASE_URL": ""}  # SQLite in the new data directory
    done = runner.invoke(
        app, ["backup", "restore", "--data-dir", str(restored), str(archive)], env=fresh
    )
    assert done.exit_code == 0, done.output
    assert "audit chain intact" in done.output
    verify = runner.invoke(app, ["audit", "verify", "--data-dir", str(restored)], env=fresh)
    assert verify.exit_code == 0 and "intact" in verify.output
    again = runner.invoke(
        app, ["backup", "restore", "--data-dir", str(restored), str(archive)], env=fresh
    )
    assert again.exit_code != 0 and "already holds keys" in again.output
