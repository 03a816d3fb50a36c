"""Repeated failed sign-ins lock the account name and the source address for a while."""

from __future__ import annotations

import base64
from datetime import timedelta

import httpx
from sqlalchemy import select, update

from conftest import ADMIN_PASSWORD, LiveServer
from hoggar.audit.models import AuditEntry
from hoggar.auth import throttle
from hoggar.auth.models import LoginThrottle
from hoggar.auth.service import create_user
from hoggar.context import Node, Role
from hoggar.kernel.clock import utcnow


def _sign_in(server: LiveServer, username: str, password: str) -> httpx.Response:
    return httpx.post(
        f"{server.url}/api/session", json={"username": username, "password": password}
    )


def _actions(node: Node, action: str) -> list[AuditEntry]:
    with node.db.session() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_an_account_is_locked_after_five_failures_even_for_the_right_password(
    node: Node, live_server: LiveServer
) -> None:
    for _ in range(throttle.ACCOUNT_LIMIT - 1):
        assert _sign_in(live_server, "admin", "not-the-password").status_code == 401
    # The fifth failure locks, and says so at once.
    assert _sign_in(live_server, "admin", "not-the-password").status_code == 429
    locked = _sign_in(live_server, "admin", ADMIN_PASSWORD)
    assert locked.status_code == 429
    assert locked.headers["content-type"].startswith("application/problem+json")
    assert locked.json()["type"].endswith("too-many-attempts")
    assert 0 < int(locked.headers["retry-after"]) <= throttle.LOCK.total_seconds()
    assert "15 minutes" in locked.json()["detail"]
    assert [e.target for e in _actions(node, "auth.locked")] == ["user:admin"]
    assert len(_actions(node, "auth.throttled")) == 1
    # When the lock has run out, the right password works again and clears the count.
    with node.db.transaction() as session:
        session.execute(update(LoginThrottle).values(locked_until=utcnow() - timedelta(seconds=1)))
    assert _sign_in(live_server, "admin", ADMIN_PASSWORD).status_code == 200
    with node.db.session() as session:
        assert session.get(LoginThrottle, "user:admin") is None


def test_a_success_clears_the_consecutive_failures(node: Node, live_server: LiveServer) -> None:
    for _ in range(2):
        for _ in range(throttle.ACCOUNT_LIMIT - 1):
            assert _sign_in(live_server, "admin", "not-the-password").status_code == 401
        assert _sign_in(live_server, "admin", ADMIN_PASSWORD).status_code == 200
    assert _actions(node, "auth.locked") == []


def test_unknown_names_lock_exactly_like_real_ones(node: Node, live_server: LiveServer) -> None:
    """A lock must not tell an attacker which accounts exist."""
    answers = {}
    for name in ("admin", "nobody-here"):
        codes = [_sign_in(live_server, name, "not-the-password").status_code for _ in range(6)]
        answers[name] = codes
    assert answers["admin"] == answers["nobody-here"] == [401] * 4 + [429] * 2


def test_an_address_spraying_many_names_is_locked(node: Node, live_server: LiveServer) -> None:
    with node.db.transaction() as session:
        create_user(
            session,
            node,
            username="analyst1",
            password="analyst-password-2026",
            role=Role.ANALYST,
            actor="t",
        )
    for n in range(throttle.SOURCE_LIMIT - 1):
        assert _sign_in(live_server, f"guess{n}", "Summer2026!").status_code == 401
    assert _sign_in(live_server, "one-more-guess", "Summer2026!").status_code == 429
    # Another, real account with its right password: refused from this address.
    r = _sign_in(live_server, "analyst1", "analyst-password-2026")
    assert r.status_code == 429
    assert "ip:127.0.0.1" in [e.target for e in _actions(node, "auth.locked")]


def test_taxii_basic_credentials_are_locked_too(node: Node, live_server: LiveServer) -> None:
    def basic(password: str) -> httpx.Response:
        value = base64.b64encode(f"admin:{password}".encode()).decode()
        return httpx.get(
            f"{live_server.url}/taxii2/",
            headers={
                "Authorization": f"Basic {value}",
                "Accept": "application/taxii+json;version=2.1",
            },
        )

    assert basic(ADMIN_PASSWORD).status_code == 200
    for _ in range(throttle.ACCOUNT_LIMIT - 1):
        assert basic("not-the-password").status_code == 401
    assert basic("not-the-password").status_code == 429
    r = basic(ADMIN_PASSWORD)
    assert r.status_code == 429
    assert r.headers["content-type"].startswith("application/taxii+json")
    assert int(r.headers["retry-after"]) > 0


def test_the_sign_in_page_says_when_to_come_back(node: Node, live_server: LiveServer) -> None:
    with httpx.Client(base_url=live_server.url) as client:
        for _ in range(throttle.ACCOUNT_LIMIT):
            client.post("/login", data={"username": "admin", "password": "nope-nope-nope"})
        client.cookies.set("hoggar_lang", "fr")
        r = client.post("/login", data={"username": "admin", "password": ADMIN_PASSWORD})
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) > 0
    assert "Trop de tentatives" in r.text
