"""Backups of a node as one archive, and restoring them on either database engine.

`create_backup` writes a gzip'd tar holding every table as JSON lines (read in one
snapshot transaction, streamed table by table in key order), the node's keys, and a
manifest with the schema revision, row counts and the SHA-256 of every member. It
works the same on SQLite and PostgreSQL, needs no database client tools, and a
SQLite backup restores onto PostgreSQL (and back).

`restore_backup` refuses an archive whose members do not match their checksums or a
target that already holds a node; it creates the schema at the backup's revision,
loads the rows, rebuilds what is derived (the SQLite text index; the monthly counts
are rebuilt by their triggers as index rows arrive; PostgreSQL sequences), upgrades to
the current schema, checks the audit chain, and records the restore in it.

The archive holds the node's private signing key: it is written readable by its owner
only; keep it as you would keep the key itself.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Date, Table, func, inspect, select, text
from sqlalchemy.engine import Connection

import hoggar.models  # noqa: F401 - every table registered on Base.metadata
from hoggar.audit.service import Action, record
from hoggar.audit.service import verify as verify_audit
from hoggar.kernel.clock import utcnow
from hoggar.kernel.db import Base, Database, UTCDateTime
from hoggar.kernel.errors import Conflict, Invalid, Problem
from hoggar.kernel.settings import Settings
from hoggar.node.migrate import current_revision, upgrade
from hoggar.node.service import open_node

FORMAT = "hoggar-backup/1"
# Kept by triggers from stix_index (rebuilt as its rows are restored).
DERIVED = frozenset({"stix_monthly"})
BATCH = 2000


@dataclass
class BackupInfo:
    path: Path
    revision: str
    rows: dict[str, int]
    org_id: str


def _tables() -> list[Table]:
    return [t for t in Base.metadata.sorted_tables if t.name not in DERIVED]


def _encode(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _decoder(table: Table) -> dict[str, Any]:
    """Per column, how to turn a JSON value back into what the column takes."""
    out: dict[str, Any] = {}
    for column in table.columns:
        if isinstance(column.type, UTCDateTime):
            out[column.name] = datetime.fromisoformat
        elif isinstance(column.type, Date):
            out[column.name] = date.fromisoformat
    return out


def _rows(conn: Connection, table: Table) -> Iterator[dict[str, Any]]:
    order = list(table.primary_key.columns) or list(table.columns)
    result = conn.execution_options(yield_per=BATCH).execute(select(table).order_by(*order))
    for row in result.mappings():
        yield {k: _encode(v) for k, v in row.items()}


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> str:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), 0o600, int(utcnow().timestamp())
    tar.addfile(info, io.BytesIO(data))
    return hashlib.sha256(data).hexdigest()


def create_backup(settings: Settings, out: Path, *, actor: str = "cli") -> BackupInfo:
    """Write the node's tables and keys to `out` (a .tar.gz), atomically."""
    node = open_node(settings)
    try:
        tmp = out.with_name(out.name + ".part")
        rows: dict[str, int] = {}
        digests: dict[str, str] = {}
        revision = ""
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            with node.db.engine.connect() as conn:
                if not node.db.is_sqlite:
                    conn = conn.execution_options(isolation_level="REPEATABLE READ")
                with conn.begin():  # one snapshot for every table
                    revision = current_revision(node.db.engine) or ""
                    for table in _tables():
                        lines = [
                            json.dumps(r, ensure_ascii=False, separators=(",", ":"))
                            for r in _rows(conn, table)
                        ]
                        rows[table.name] = len(lines)
                        body = ("\n".join(lines) + "\n" if lines else "").encode()
                        digests[f"tables/{table.name}.jsonl"] = _add(
                            tar, f"tables/{table.name}.jsonl", body
                        )
            for path in sorted((settings.data_dir / "keys").iterdir()):
                digests[f"keys/{path.name}"] = _add(tar, f"keys/{path.name}", path.read_bytes())
            manifest = {
                "format": FORMAT,
                "created_at": utcnow().isoformat(),
                "org_id": node.org_id,
                "org_name": node.org_name,
                "revision": revision,
                "engine": node.db.engine.dialect.name,
                "rows": rows,
                "sha256": digests,
            }
            _add(tar, "manifest.json", json.dumps(manifest, indent=1).encode())
        tmp.replace(out)
        with node.db.transaction() as session:
            record(
                session,
                node.signer,
                actor=actor,
                org_id=node.org_id,
                action=Action.BACKUP,
                target=out.name[:300],
                detail={"rows": sum(rows.values()), "revision": revision},
            )
        return BackupInfo(out, revision, rows, node.org_id)
    finally:
        node.close()


def _open(archive: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(archive, mode="r:gz")
    except (OSError, tarfile.TarError) as exc:
        raise Invalid(
            "This is not a Hoggar backup.", [Problem(str(archive), f"unreadable: {exc}")]
        ) from exc


def _manifest(tar: tarfile.TarFile, archive: Path) -> dict[str, Any]:
    try:
        member = tar.extractfile("manifest.json")
        if member is None:
            raise KeyError("manifest.json")
        manifest: dict[str, Any] = json.loads(member.read())
    except (OSError, tarfile.TarError, KeyError, gzip.BadGzipFile, json.JSONDecodeError) as exc:
        raise Invalid(
            "This is not a Hoggar backup.", [Problem(str(archive), f"unreadable: {exc}")]
        ) from exc
    if manifest.get("format") != FORMAT:
        raise Invalid(
            "This backup's format is not one this version reads.",
            [Problem("manifest.json/format", f"expected {FORMAT}, got {manifest.get('format')!r}")],
        )
    return manifest


def _member(tar: tarfile.TarFile, name: str, expected: str) -> IO[bytes]:
    """A member whose SHA-256 matches the manifest (checked before anything is loaded)."""
    handle = tar.extractfile(name)
    if handle is None:
        raise Invalid("The backup is incomplete.", [Problem(name, "missing from the archive")])
    digest = hashlib.sha256()
    for chunk in iter(lambda: handle.read(1 << 20), b""):
        digest.update(chunk)
    if digest.hexdigest() != expected:
        raise Invalid(
            "The backup is damaged or was altered.",
            [Problem(name, "its SHA-256 does not match the manifest")],
        )
    again = tar.extractfile(name)
    assert again is not None
    return again


def restore_backup(archive: Path, settings: Settings, *, actor: str = "cli") -> BackupInfo:
    """Recreate the node of `archive` in `settings`' data directory and database."""
    with _open(archive) as tar:
        manifest = _manifest(tar, archive)
        for name, expected in manifest["sha256"].items():
            _member(tar, name, expected).close()  # every checksum before any write
        keys_dir = settings.data_dir / "keys"
        if keys_dir.exists() and any(keys_dir.iterdir()):
            raise Conflict(f"{keys_dir} already holds keys: restore into a new data directory.")
        db = Database(settings.database_url)
        try:
            existing = [t for t in inspect(db.engine).get_table_names() if t != "alembic_version"]
            if existing:
                raise Conflict("The target database is not empty: restore into a new database.")
            upgrade(db.engine, manifest["revision"])
            with db.engine.begin() as conn:
                for table in reversed(_tables()):  # rows the migrations seed (the clock)
                    conn.execute(table.delete())
                for table in _tables():
                    name = f"tables/{table.name}.jsonl"
                    if name not in manifest["sha256"]:
                        continue  # a table this backup's revision did not have
                    _load(conn, table, _member(tar, name, manifest["sha256"][name]))
                _rebuild_derived(conn)
            upgrade(db.engine)
            db.refresh_statistics()  # restored tables would otherwise plan as empty
        finally:
            db.dispose()
        keys_dir.mkdir(parents=True, exist_ok=True)
        for name, expected in manifest["sha256"].items():
            if name.startswith("keys/"):
                path = keys_dir / Path(name).name
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as f:
                    f.write(_member(tar, name, expected).read())
    node = open_node(settings)
    try:
        with node.db.transaction() as session:
            check = verify_audit(session, node.signer.public_b64)
            if not check.ok:
                raise Invalid(
                    "The restored audit log does not verify.",
                    [Problem(f"audit_log/{check.first_bad_seq}", check.reason)],
                )
            record(
                session,
                node.signer,
                actor=actor,
                org_id=node.org_id,
                action=Action.RESTORE,
                target=archive.name[:300],
                detail={"created_at": manifest["created_at"], "revision": manifest["revision"]},
            )
        return BackupInfo(archive, manifest["revision"], manifest["rows"], node.org_id)
    finally:
        node.close()


def _load(conn: Connection, table: Table, lines: IO[bytes]) -> None:
    decode = _decoder(table)
    batch: list[dict[str, Any]] = []
    for line in lines:
        if not line.strip():
            continue
        row = json.loads(line)
        for column, parse in decode.items():
            if row.get(column) is not None:
                row[column] = parse(row[column])
        batch.append(row)
        if len(batch) >= BATCH:
            conn.execute(table.insert(), batch)
            batch = []
    if batch:
        conn.execute(table.insert(), batch)


def _rebuild_derived(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        conn.execute(text("INSERT INTO stix_fts(stix_fts) VALUES ('rebuild')"))
        return
    for table in _tables():  # sequences continue after the restored keys
        column = table.autoincrement_column
        if column is not None:
            seq = conn.scalar(
                text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": column.name}
            )
            if seq:
                top = conn.scalar(select(func.max(column)))
                conn.execute(
                    text("SELECT setval(:s, :v, :called)"),
                    {"s": seq, "v": int(top or 1), "called": top is not None},
                )
