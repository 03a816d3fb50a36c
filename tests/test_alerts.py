"""Watch rules and alerts end to end: a real SMTP server on loopback (aiosmtpd), a webhook
receiver that is down and comes back, releasability, rate limits and retries."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from conftest import MALI_ID
from factories import incident, release_marking, shared
from hoggar.alerts import service
from hoggar.alerts.models import Alert, Delivery
from hoggar.alerts.rules import Criteria
from hoggar.auth.models import User
from hoggar.auth.service import create_user
from hoggar.context import Node, Principal, Role
from hoggar.kernel.clock import utcnow
from hoggar.kernel.errors import Invalid
from hoggar.records import authoring
from hoggar.records.identity import add_member
from hoggar.store.ingest import ingest_object

pytestmark = pytest.mark.usefixtures("backend")
MENAKA = {"lat": 15.918, "lon": 2.4, "km": 60, "label": "Ménaka"}


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[service.SmtpConfig, Inbox]]:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield service.SmtpConfig(host="127.0.0.1", port=port, sender="alerts@dz.example"), inbox
    finally:
        controller.stop()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Receiver:
    """A webhook receiver on a fixed port, started (and stopped) on demand."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.received: list[tuple[dict[str, Any], str]] = []
        self.server: HTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> None:
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append((json.loads(body), self.headers["X-Hoggar-Signature"]))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.stop()


@pytest.fixture
def watcher(node: Node) -> User:
    with node.db.transaction() as session:
        add_member(session, node, identity_id=MALI_ID, name="Mali", country="ML", kind="member")
        return create_user(
            session,
            node,
            username="watcher",
            password="watcher-password-2026",
            role="analyst",
            actor="test",
        )


def _mali(node: Node, name: str, released: bool, killed: int = 3, lat: float = 15.93) -> str:
    members = {node.org_id} if released else set()
    obj = incident(
        MALI_ID,
        name=name,
        markings=shared(MALI_ID, members),
        event_type="battle",
        sub_type="ambush",
        country="ML",
        latitude=lat,
        longitude=2.41,
        killed=killed,
        start_time="2026-11-20T05:40:00.000Z",
    )
    with node.db.transaction() as session:
        marking = release_marking(MALI_ID, members)
        ingest_object(session, marking, node_org_id=node.org_id, received_via="peer:ml")
        result = ingest_object(session, obj, node_org_id=node.org_id, received_via="peer:ml")
        assert result.ok, result.problems
    return str(obj["id"])


def _rule(node: Node, user: User, **kw: Any) -> int:
    with node.db.transaction() as session:
        owner = session.get(User, user.id)
        assert owner is not None
        rule = service.create_rule(
            session,
            owner,
            name=kw.pop("name", "Ménaka area"),
            criteria=kw.pop("criteria", {"countries": ["ML"], "min_killed": 1, "near": MENAKA}),
            **kw,
        )
        return rule.id


def test_rule_criteria_are_checked_and_explained() -> None:
    criteria = Criteria.parse({"event_types": ["battle"], "near": MENAKA, "min_killed": 2})
    ext = {
        "event_type": "battle",
        "latitude": 15.95,
        "longitude": 2.45,
        "killed": 5,
        "country": "ML",
    }
    obj = incident(None, **ext)
    reasons = criteria.check(obj)
    assert reasons and "5 killed" in reasons and any("km from Ménaka" in r for r in reasons)
    assert criteria.check(incident(None, **{**ext, "killed": 1})) is None
    border = Criteria.parse({"border": {"a": "DZ", "b": "ML", "km": 50}})
    assert (
        border.check(incident(None, latitude=19.956, longitude=2.96)) is not None
    )  # Tin Zaouatine
    assert border.check(incident(None, latitude=22.785, longitude=5.523)) is None  # Tamanrasset
    square = {"type": "Polygon", "coordinates": [[[2, 15], [3, 15], [3, 16.5], [2, 16.5], [2, 15]]]}
    area = Criteria.parse({"area": square})
    assert area.check(incident(None, latitude=15.9, longitude=2.4)) == ["inside the watched area"]
    assert area.check(incident(None, latitude=18.4, longitude=1.4)) is None
    assert Criteria.parse(json.loads(json.dumps(area.as_dict()))) == area  # stored and read back
    for bad, where in [
        ({}, "criteria"),
        ({"event_types": ["ambush"]}, "event_types"),
        ({"near": {"lat": 95, "lon": 0, "km": 5}}, "near"),
        ({"border": {"a": "DZ", "b": "TD", "km": 50}}, "border"),
        ({"min_killed": -1}, "min_killed"),
        ({"area": {"type": "Point", "coordinates": [1, 2]}}, "area"),
    ]:
        with pytest.raises(Invalid) as err:
            Criteria.parse(bad)
        assert err.value.problems[0].where == where


def test_alerts_by_email_and_webhook_with_retry_and_releasability(
    node: Node,
    watcher: User,
    smtp: tuple[service.SmtpConfig, Inbox],
    receiver: Receiver,
) -> None:
    config, inbox = smtp
    _rule(node, watcher, email="watch@dz.example", webhook_url=receiver.url)
    shared_one = _mali(node, "Embuscade à Ménaka", released=True)
    _mali(node, "Opération secrète à Ménaka", released=False)  # never released to Algeria
    _mali(node, "Accrochage sans victime", released=True, killed=0)
    _mali(node, "Attaque à Kidal", released=True, lat=18.44)  # too far from Ménaka
    report = service.run_rules(node)
    assert (report.scanned, report.alerts) == (4, 1)
    now = utcnow()
    first = service.deliver(node, smtp=config, base_url="https://dz.example", now=now)
    assert (first.sent, first.retried) == (1, 1)  # the e-mail went; the webhook is down
    assert len(inbox.messages) == 1
    mail = inbox.messages[0]
    assert "Embuscade à Ménaka" in str(mail["Subject"]) and "secrète" not in mail.as_string()
    assert f"https://dz.example/incidents/{shared_one}" in mail.get_content()
    with node.db.session() as session:
        hook = session.scalar(select(Delivery).where(Delivery.channel == "webhook"))
        assert hook is not None and hook.status == "pending" and hook.attempts == 1
        assert hook.last_error and "Connect" in hook.last_error
    # Not yet due: nothing is retried before the back-off has passed.
    assert service.deliver(node, smtp=config, now=now + timedelta(seconds=10)).retried == 0
    receiver.start()
    second = service.deliver(node, smtp=config, now=now + timedelta(seconds=31))
    assert second.sent == 1
    payload, signature = receiver.received[0]
    assert payload["incident"]["id"] == shared_one and payload["rule"]["name"] == "Ménaka area"
    body = json.dumps(payload, ensure_ascii=False).encode()
    assert signature == service.webhook_signature(node.settings.session_secret(), body)
    # A second run finds nothing new; a new version of the incident raises no new alert.
    assert service.run_rules(node).alerts == 0
    with node.db.session() as session:
        seen = {a.stix_id for a, _, _ in service.alerts_of(session, session.get(User, watcher.id))}  # type: ignore[arg-type]
    assert seen == {shared_one}


def test_rate_limit_keeps_alerts_but_sends_at_most_the_limit(
    node: Node, watcher: User, smtp: tuple[service.SmtpConfig, Inbox]
) -> None:
    config, inbox = smtp
    _rule(node, watcher, email="watch@dz.example", max_per_hour=2)
    for i in range(5):
        _mali(node, f"Embuscade {i} à Ménaka", released=True)
    report = service.run_rules(node)
    assert (report.alerts, report.rate_limited) == (5, 3)
    assert service.deliver(node, smtp=config).sent == 2
    assert len(inbox.messages) == 2
    with node.db.session() as session:
        limited = session.scalars(select(Alert).where(Alert.rate_limited.is_(True))).all()
    assert len(limited) == 3


def test_a_delivery_stops_when_the_incident_is_no_longer_readable(
    node: Node, watcher: User, smtp: tuple[service.SmtpConfig, Inbox]
) -> None:
    config, inbox = smtp
    _rule(node, watcher, email="watch@dz.example", criteria={"countries": ["DZ"]})
    me = Principal(org_id=node.org_id, name="analyst", role=Role.ANALYST)
    with node.db.transaction() as session:
        obj = authoring.create_object(
            session,
            node,
            me,
            {
                k: v
                for k, v in incident(None, event_type="battle", country="DZ").items()
                if k in ("type", "name", "extensions")
            },
            authoring.Sharing.parse("amber", []),
        )
    assert service.run_rules(node).alerts == 1
    with node.db.transaction() as session:
        authoring.revoke_object(session, node, me, obj["id"])
    report = service.deliver(node, smtp=config)
    assert (report.sent, report.failed) == (0, 1) and inbox.messages == []


def test_webhook_gives_up_after_the_last_attempt(
    node: Node, watcher: User, receiver: Receiver
) -> None:
    _rule(node, watcher, webhook_url=receiver.url)
    _mali(node, "Embuscade à Ménaka", released=True)
    service.run_rules(node)
    now = utcnow()
    for _attempt in range(service.MAX_ATTEMPTS):
        now += timedelta(hours=2)
        service.deliver(node, smtp=None, now=now)
    with node.db.session() as session:
        hook = session.scalar(select(Delivery))
        assert (
            hook is not None and hook.status == "failed" and hook.attempts == service.MAX_ATTEMPTS
        )


def test_a_release_narrowed_before_delivery_sends_nothing(
    node: Node, watcher: User, smtp: tuple[service.SmtpConfig, Inbox]
) -> None:
    config, inbox = smtp
    _rule(node, watcher, email="watch@dz.example")
    sid = _mali(node, "Embuscade à Ménaka", released=True)
    assert service.run_rules(node).alerts == 1
    narrowed = incident(
        MALI_ID,
        stix_id=sid,
        name="Embuscade à Ménaka",
        modified="2026-11-21T00:00:00.000Z",
        markings=shared(MALI_ID, set()),
        event_type="battle",
        country="ML",
    )
    with node.db.transaction() as session:
        ingest_object(session, release_marking(MALI_ID, set()), node_org_id=node.org_id)
        assert ingest_object(session, narrowed, node_org_id=node.org_id).ok
    report = service.deliver(node, smtp=config)
    assert (report.sent, report.failed) == (0, 1) and inbox.messages == []
    with node.db.session() as session:
        delivery = session.scalar(select(Delivery))
        assert (
            delivery is not None and delivery.last_error == "no longer readable by the rule's owner"
        )


def test_a_rule_made_in_the_web_page_raises_an_alert_shown_there(node: Node, watcher: User) -> None:
    import re

    import httpx

    from conftest import LiveServer
    from hoggar.alerts.runner import run_once

    with LiveServer(node) as server, httpx.Client(base_url=server.url, timeout=30) as web:
        r = web.post("/login", data={"username": "watcher", "password": "watcher-password-2026"})
        assert r.status_code == 303
        page = web.get("/alerts").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        bad = web.post("/alerts/rules", data={"csrf": csrf, "name": "Nothing"})
        assert bad.status_code == 422 and "at least one criterion" in bad.text
        r = web.post(
            "/alerts/rules",
            data={"csrf": csrf, "name": "Ménaka 60 km", "place": "ميناكا", "place_km": "60"},
        )
        assert r.status_code == 303, r.text[-2000:]
        _mali(node, "Embuscade à Ménaka", released=True)
        raised, _ = run_once(node)
        assert raised == 1
        page = web.get("/alerts").text
        assert "Embuscade à Ménaka" in page and "Ménaka 60 km" in page
