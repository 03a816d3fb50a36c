"""Shared fixtures: a real SQLite file and a real PostgreSQL database per test module.

`HOGGAR_TEST_BACKENDS` picks the engines ("sqlite,postgresql" by default). Each
PostgreSQL test database is created fresh and dropped afterwards. Under CI=true an
unreachable PostgreSQL fails the run instead of skipping.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from hoggar.kernel.settings import Settings, load_settings
from hoggar.node.context import Node
from hoggar.node.service import init_node

PG_ADMIN_DSN = os.environ.get("HOGGAR_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")
BACKENDS = [b.strip() for b in os.environ.get("HOGGAR_TEST_BACKENDS", "sqlite,postgresql").split(",") if b.strip()]
ADMIN_PASSWORD = "correct-horse-battery"


def _pg_available() -> str | None:
    try:
        with psycopg.connect(PG_ADMIN_DSN, connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return str(exc)


def create_pg_database() -> str:
    problem = _pg_available()
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is unreachable under CI: {problem}")
        pytest.skip(f"PostgreSQL unavailable: {problem}")
    name = f"hoggar_t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    return f"{base}/{name}"


def drop_pg_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'hoggar.db'}"
        return
    url = create_pg_database()
    try:
        yield url
    finally:
        drop_pg_database(url)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return load_settings(tmp_path / "node", database_url)


@pytest.fixture
def node(settings: Settings) -> Iterator[Node]:
    """A freshly initialised Algerian node with an admin account."""
    n = init_node(settings, org_name="Algeria", country="DZ", admin_user="admin",
                  admin_password=ADMIN_PASSWORD)
    try:
        yield n
    finally:
        n.close()
