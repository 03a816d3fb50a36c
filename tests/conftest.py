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

import httpx
import psycopg
import pytest

from hoggar.context import Node
from hoggar.kernel.settings import Settings, load_settings
from hoggar.node.service import init_node

PG_ADMIN_DSN = os.environ.get("HOGGAR_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")
BACKENDS = [
    b.strip()
    for b in os.environ.get("HOGGAR_TEST_BACKENDS", "sqlite,postgresql").split(",")
    if b.strip()
]
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
    n = init_node(
        settings,
        org_name="Algeria",
        country="DZ",
        admin_user="admin",
        admin_password=ADMIN_PASSWORD,
    )
    try:
        yield n
    finally:
        n.close()


class LiveServer:
    """A real uvicorn server for one node on a free loopback port, in a thread."""

    def __init__(self, node: Node) -> None:
        import socket
        import threading

        import uvicorn

        from hoggar.app import create_app

        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        sock.close()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            create_app(node), host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        import time

        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def live_server(node: Node) -> Iterator[LiveServer]:
    with LiveServer(node) as server:
        yield server


@pytest.fixture
def admin_client(live_server: LiveServer) -> Iterator[httpx.Client]:
    """An httpx client signed in as the node's admin through the real login endpoint."""
    with httpx.Client(base_url=live_server.url, timeout=30) as client:
        r = client.post("/api/session", json={"username": "admin", "password": ADMIN_PASSWORD})
        r.raise_for_status()
        client.headers["x-csrf-token"] = r.json()["csrf_token"]
        yield client


# --- Added for test_api.py, test_web.py and test_cli.py ----------------------------
# A node shared by the tests of one module (per backend), for tests that look only at
# the records they make themselves: setting up a node per test costs ~1 s.

MALI_ID = "identity--5b0e2f3c-7d1a-4e8b-9c6f-2a4d8e1b3c70"
FOREIGN_TS = "2025-03-01T10:00:00.000Z"


@pytest.fixture(scope="module", params=BACKENDS)
def shared_node(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Node]:
    tmp = tmp_path_factory.mktemp("shared")
    url = f"sqlite:///{tmp / 'hoggar.db'}" if request.param == "sqlite" else create_pg_database()
    try:
        n = init_node(
            load_settings(tmp / "node", url),
            org_name="Algeria",
            country="DZ",
            admin_user="admin",
            admin_password=ADMIN_PASSWORD,
        )
        try:
            yield n
        finally:
            n.close()
    finally:
        if request.param != "sqlite":
            drop_pg_database(url)


@pytest.fixture(scope="module")
def shared_server(shared_node: Node) -> Iterator[LiveServer]:
    with LiveServer(shared_node) as server:
        yield server


@pytest.fixture(scope="module")
def shared_admin(shared_server: LiveServer) -> Iterator[httpx.Client]:
    """Signed in as admin over the real login endpoint, CSRF header set (module-wide)."""
    with httpx.Client(base_url=shared_server.url, timeout=30) as client:
        r = client.post("/api/session", json={"username": "admin", "password": ADMIN_PASSWORD})
        r.raise_for_status()
        client.headers["x-csrf-token"] = r.json()["csrf_token"]
        yield client


@pytest.fixture(scope="module")
def foreign_unreleased(shared_admin: httpx.Client) -> dict[str, str]:
    """Mali (registered with its key; what it sends here is not signed) originated an
    incident and a location, released to nobody else; both came in through POST
    /api/bundles. Their ids by type."""
    from factories import member_key
    from hoggar.kernel.ids import new_id
    from hoggar.sharing.markings import TLP, TLP2_IDS, ReleaseSet

    r = shared_admin.post(
        "/api/organizations",
        json={
            "identity_id": MALI_ID,
            "name": "Mali",
            "country": "ML",
            "public_key": member_key(MALI_ID),
        },
    )
    assert r.status_code == 201, r.text
    release = ReleaseSet(creator=MALI_ID, members=frozenset())
    common = {
        "spec_version": "2.1",
        "created": FOREIGN_TS,
        "modified": FOREIGN_TS,
        "created_by_ref": MALI_ID,
        "object_marking_refs": [TLP2_IDS[TLP.AMBER], release.marking_id],
    }
    objects = [
        release.to_marking(FOREIGN_TS),
        {"type": "incident", "id": new_id("incident"), "name": "Attaque de Ménaka", **common},
        {
            "type": "location",
            "id": new_id("location"),
            "name": "Ménaka",
            "country": "ML",
            "latitude": 15.918,
            "longitude": 2.4,
            **common,
        },
    ]
    bundle = {"type": "bundle", "id": new_id("bundle"), "objects": objects}
    r = shared_admin.post("/api/bundles", json=bundle)
    assert r.status_code == 200, r.text
    outcomes = {x["id"]: x["outcome"] for x in r.json()["results"]}
    assert set(outcomes.values()) <= {"created", "duplicate"}, outcomes
    return {o["type"]: o["id"] for o in objects[1:]}
