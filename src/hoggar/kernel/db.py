"""Database engine, sessions and the declarative base shared by every domain's models.

SQLite (WAL) is the embedded default; a PostgreSQL URL serves large nodes through
exactly the same code (DESIGN.md principle 6).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, MetaData, create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both engines (SQLite stores no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # pysqlite's own transaction handling emits no BEGIN before a SAVEPOINT, which then
    # starts (and its RELEASE commits) a transaction of its own: per-object savepoints
    # would each be a separate commit. Take control and emit BEGIN ourselves (the
    # SQLAlchemy-documented recipe for SQLite savepoints).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    # FULL: a commit survives power loss, which "no committed data lost" requires.
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    # 64 MiB of page cache per connection (the default is 2 MiB): index pages of a
    # node with a million records stay in memory instead of being re-read per insert.
    cur.execute("PRAGMA cache_size=-65536")
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    # A write transaction takes the write lock at once (IMMEDIATE): a deferred one that
    # read first could not upgrade after another writer committed (SQLITE_BUSY at once,
    # no waiting). Read-only sessions stay deferred and never block writers (WAL).
    immediate = conn.get_execution_options().get("hoggar_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        db_path = url.split("///", 1)[-1]
        if db_path and db_path != ":memory:":
            Path(db_path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


class Database:
    """One engine and its session factory; `transaction()` is the unit of work."""

    # Tables whose statistics steer the plans of every read and of the write path.
    BUSY_TABLES = ("stix_versions", "stix_index", "stix_links", "stix_version_release")

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._written = 0  # versions stored since the last refresh (PostgreSQL)
        self._analysed: float | None = None  # versions the statistics last counted
        self._counting = threading.Lock()  # request threads count concurrently

    # The first refresh comes after this many versions, however few were there.
    FIRST_REFRESH = 256

    def wrote(self, rows: int) -> None:
        """Count committed versions (every batch path: imports, TAXII POST, sync,
        offline bundles); on PostgreSQL, refresh the planner's statistics when the
        versions stored since the last refresh outgrow those it counted (at least
        `FIRST_REFRESH`): 256, 512, 1,024… from an empty node.

        After a bulk load PostgreSQL plans from stale statistics until autovacuum's
        next ANALYZE — never, where autovacuum is off: `stix_id IN (500 ids)` then became
        a sequential scan and a million-record import slowed to a crawl. Tables that
        were never analysed are estimated at one row, so even a small node's reads
        became nested loops: 1,260 incidents took 2.1 s to list for the map instead of
        10 ms, hence the first refresh after a few hundred rows (an ANALYZE of tables
        that small takes milliseconds). The count starts from the statistics already
        there (`pg_class.reltuples`), so a server restarted on a million records does
        not analyse them again (two seconds each time) after its first few envelopes.
        """
        if self.is_sqlite or rows <= 0:
            return
        with self._counting:  # one thread refreshes; the others count on
            if self._analysed is None:
                self._analysed = self._counted_versions()
            self._written += rows
            if self._written < max(self.FIRST_REFRESH, self._analysed):
                return
            self._analysed += self._written
            self._written = 0
        self.refresh_statistics()

    def _counted_versions(self) -> float:
        """Rows of `stix_versions` at its last ANALYZE (0 if never: reltuples is -1)."""
        with self.engine.connect() as conn:
            counted = conn.exec_driver_sql(
                "SELECT reltuples FROM pg_class WHERE oid = 'stix_versions'::regclass"
            ).scalar()
        return max(0.0, float(counted or 0))

    def refresh_statistics(self) -> None:
        """`ANALYZE` the busy tables on PostgreSQL (SQLite plans without statistics)."""
        if self.is_sqlite:
            return
        with self.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                "ANALYZE " + ", ".join(self.BUSY_TABLES)
            )

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in one write transaction: commit on success, roll back on any error."""
        with self.engine.connect() as conn:
            conn = conn.execution_options(hoggar_write=True)
            with Session(bind=conn, expire_on_commit=False) as session, session.begin():
                yield session

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self.sessions() as session:
            yield session

    def ping(self) -> str:
        """A cheap query that proves the database answers."""
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return "ok"

    def integrity_check(self) -> str:
        with self.engine.connect() as conn:
            if self.is_sqlite:
                return str(conn.execute(text("PRAGMA integrity_check")).scalar())
            conn.execute(text("SELECT 1"))
            return "ok"

    def dispose(self) -> None:
        self.engine.dispose()
