"""Watch rules, the alerts they raise, and delivering them by e-mail and webhook.

`run_rules` reads the incidents stored since its cursor — entered here, imported or
synced — in commit order (`added_at`), and checks each against every active rule as
the rule's owner: an alert is raised only for an incident its owner may read. Beyond a
rule's hourly limit, alerts are kept (visible in the interface) but not sent.
`deliver` sends what is due and retries failures with exponential back-off, re-checking
at each attempt that the owner may still read the incident.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hoggar.alerts.models import Alert, Delivery, WatchRule
from hoggar.alerts.rules import Criteria
from hoggar.auth.models import User
from hoggar.auth.service import principal_of
from hoggar.context import Node, Principal
from hoggar.kernel.clock import utcnow
from hoggar.kernel.errors import Invalid, NotFound, Problem
from hoggar.kernel.jsonutil import load_object
from hoggar.orgs.models import NodeSetting
from hoggar.sharing.rule import visible_to
from hoggar.stix.models import ObjectVersion
from hoggar.store import queries

CURSOR_KEY = "alerts.cursor"
MAX_ATTEMPTS = 8
BACKOFF_FIRST_S = 30
BACKOFF_MAX_S = 3600


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int = 25
    sender: str = "hoggar@localhost"
    timeout_s: float = 10.0


@dataclass
class RunReport:
    scanned: int = 0
    alerts: int = 0
    rate_limited: int = 0


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0


def create_rule(
    session: Session,
    user: User,
    *,
    name: str,
    criteria: dict[str, Any],
    email: str | None = None,
    webhook_url: str | None = None,
    max_per_hour: int = 20,
) -> WatchRule:
    parsed = Criteria.parse(criteria)
    problems = []
    if not name.strip():
        problems.append(Problem("name", "give the rule a name"))
    if email and ("@" not in email or len(email) > 320):
        problems.append(Problem("email", "not an e-mail address"))
    if webhook_url and not webhook_url.startswith(("http://", "https://")):
        problems.append(Problem("webhook_url", "must be an http(s) URL"))
    if not 1 <= max_per_hour <= 10_000:
        problems.append(Problem("max_per_hour", "between 1 and 10000"))
    if problems:
        raise Invalid("The watch rule has problems.", problems)
    rule = WatchRule(
        user_id=user.id,
        name=name.strip()[:200],
        criteria=json.dumps(parsed.as_dict(), ensure_ascii=False),
        email=email or None,
        webhook_url=webhook_url or None,
        max_per_hour=max_per_hour,
        active=True,
        created_at=utcnow(),
    )
    session.add(rule)
    session.flush()
    return rule


def _cursor(session: Session) -> datetime | None:
    row = session.get(NodeSetting, CURSOR_KEY)
    return datetime.fromisoformat(row.value) if row else None


def _set_cursor(session: Session, value: datetime) -> None:
    row = session.get(NodeSetting, CURSOR_KEY)
    if row is None:
        session.add(NodeSetting(key=CURSOR_KEY, value=value.isoformat()))
    else:
        row.value = value.isoformat()


def _new_incidents(session: Session, after: datetime | None, batch: int) -> list[ObjectVersion]:
    stmt = select(ObjectVersion).where(
        ObjectVersion.stix_type == "incident", ObjectVersion.revoked.is_(False)
    )
    if after is not None:
        stmt = stmt.where(ObjectVersion.added_at > after)
    return list(session.scalars(stmt.order_by(ObjectVersion.added_at).limit(batch)))


def _may_read(session: Session, principal: Principal, version_pk: int) -> bool:
    return (
        session.scalar(
            select(ObjectVersion.pk).where(ObjectVersion.pk == version_pk, visible_to(principal))
        )
        is not None
    )


def run_rules(node: Node, *, now: datetime | None = None, batch: int = 1000) -> RunReport:
    """Check the incidents stored since the last run against every active rule."""
    report = RunReport()
    now = now or utcnow()
    while True:
        with node.db.transaction() as session:
            versions = _new_incidents(session, _cursor(session), batch)
            if not versions:
                return report
            rules = [
                (rule, user, Criteria.parse(json.loads(rule.criteria)))
                for rule, user in session.execute(
                    select(WatchRule, User)
                    .join(User, User.id == WatchRule.user_id)
                    .where(WatchRule.active.is_(True), User.active.is_(True))
                )
            ]
            for version in versions:
                report.scanned += 1
                obj = load_object(version.body)
                for rule, user, criteria in rules:
                    if criteria.check(obj) is None:
                        continue
                    if not _may_read(session, principal_of(user), version.pk):
                        continue  # never tell anyone about what they may not read
                    report.alerts += _raise(session, rule, obj, now, report)
            _set_cursor(session, versions[-1].added_at)


def _raise(
    session: Session, rule: WatchRule, obj: dict[str, Any], now: datetime, report: RunReport
) -> int:
    exists = session.scalar(
        select(Alert.id).where(Alert.rule_id == rule.id, Alert.stix_id == obj["id"])
    )
    if exists is not None:
        return 0  # a new version of an incident already alerted
    recent = session.scalar(
        select(func.count())
        .select_from(Alert)
        .where(
            Alert.rule_id == rule.id,
            Alert.rate_limited.is_(False),
            Alert.created_at > now - timedelta(hours=1),
        )
    )
    limited = int(recent or 0) >= rule.max_per_hour
    alert = Alert(
        rule_id=rule.id,
        stix_id=obj["id"],
        title=str(obj.get("name") or obj["id"])[:500],
        created_at=now,
        seen=False,
        rate_limited=limited,
    )
    session.add(alert)
    session.flush()
    if limited:
        report.rate_limited += 1
        return 1
    for channel, target in (("email", rule.email), ("webhook", rule.webhook_url)):
        if target:
            session.add(
                Delivery(
                    alert_id=alert.id,
                    channel=channel,
                    target=target,
                    status="pending",
                    attempts=0,
                    next_attempt_at=now,
                )
            )
    return 1


def _payload(rule: WatchRule, alert: Alert, obj: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "hoggar-alert",
        "alert_id": alert.id,
        "rule": {"id": rule.id, "name": rule.name},
        "raised_at": alert.created_at.isoformat(),
        "reasons": Criteria.parse(json.loads(rule.criteria)).check(obj) or [],
        "incident": obj,
    }


def webhook_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _send_email(smtp: SmtpConfig, target: str, payload: dict[str, Any], base_url: str) -> None:
    incident = payload["incident"]
    message = EmailMessage()
    message["From"] = smtp.sender
    message["To"] = target
    message["Subject"] = (
        f"[Hoggar] {payload['rule']['name']}: {incident.get('name', incident['id'])}"
    )
    message.set_content(
        "\n".join(
            [
                f"Watch rule: {payload['rule']['name']}",
                f"Incident: {incident.get('name', '')}",
                "Why: " + "; ".join(payload["reasons"]),
                f"Open: {base_url}/incidents/{incident['id']}",
            ]
        )
    )
    with smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_s) as client:
        client.send_message(message)


def _send_webhook(client: httpx.Client, target: str, payload: dict[str, Any], secret: str) -> None:
    body = json.dumps(payload, ensure_ascii=False).encode()
    response = client.post(
        target,
        content=body,
        headers={
            "Content-Type": "application/json",
            "X-Hoggar-Signature": webhook_signature(secret, body),
        },
    )
    if response.status_code >= 300:
        raise RuntimeError(f"HTTP {response.status_code} from the webhook")


def _due(session: Session, now: datetime) -> Iterator[tuple[Delivery, Alert, WatchRule, User]]:
    rows = session.execute(
        select(Delivery, Alert, WatchRule, User)
        .join(Alert, Alert.id == Delivery.alert_id)
        .join(WatchRule, WatchRule.id == Alert.rule_id)
        .join(User, User.id == WatchRule.user_id)
        .where(Delivery.status == "pending", Delivery.next_attempt_at <= now)
        .order_by(Delivery.next_attempt_at)
        .limit(200)
    )
    for row in rows:
        yield row.Delivery, row.Alert, row.WatchRule, row.User


def deliver(
    node: Node,
    *,
    smtp: SmtpConfig | None,
    base_url: str = "",
    now: datetime | None = None,
    client: httpx.Client | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> DeliveryReport:
    """Send what is due; failures are retried later (30 s, 1 min, 2 min … at most 1 h)."""
    report = DeliveryReport()
    now = now or clock()
    own_client = client is None
    http = client or httpx.Client(timeout=10.0)
    secret = node.settings.session_secret()
    try:
        with node.db.transaction() as session:
            for delivery, alert, rule, user in list(_due(session, now)):
                try:
                    obj = queries.get_object(session, principal_of(user), alert.stix_id)
                except NotFound:
                    obj = None
                if obj is None or obj.get("revoked") is True:
                    delivery.status = "failed"
                    delivery.last_error = (
                        "revoked by its originator"
                        if obj is not None
                        else "no longer readable by the rule's owner"
                    )
                    report.failed += 1
                    continue
                payload = _payload(rule, alert, obj)
                delivery.attempts += 1
                try:
                    if delivery.channel == "email":
                        if smtp is None:
                            raise RuntimeError("no SMTP server configured (HOGGAR_SMTP_HOST)")
                        _send_email(smtp, delivery.target, payload, base_url)
                    else:
                        _send_webhook(http, delivery.target, payload, secret)
                except (OSError, smtplib.SMTPException, httpx.HTTPError, RuntimeError) as exc:
                    delivery.last_error = f"{type(exc).__name__}: {exc}"[:500]
                    if delivery.attempts >= MAX_ATTEMPTS:
                        delivery.status = "failed"
                        report.failed += 1
                    else:
                        wait = min(BACKOFF_MAX_S, BACKOFF_FIRST_S * 2 ** (delivery.attempts - 1))
                        delivery.next_attempt_at = now + timedelta(seconds=wait)
                        report.retried += 1
                    continue
                delivery.status, delivery.sent_at, delivery.last_error = "sent", now, None
                report.sent += 1
    finally:
        if own_client:
            http.close()
    return report


def alerts_of(
    session: Session, user: User, limit: int = 100
) -> list[tuple[Alert, WatchRule, list[Delivery]]]:
    rows = session.execute(
        select(Alert, WatchRule)
        .join(WatchRule, WatchRule.id == Alert.rule_id)
        .where(WatchRule.user_id == user.id)
        .order_by(Alert.created_at.desc(), Alert.id.desc())
        .limit(limit)
    ).all()
    out = []
    for alert, rule in rows:
        deliveries = list(session.scalars(select(Delivery).where(Delivery.alert_id == alert.id)))
        out.append((alert, rule, deliveries))
    return out


def rules_of(session: Session, user: User) -> list[WatchRule]:
    return list(
        session.scalars(
            select(WatchRule).where(WatchRule.user_id == user.id).order_by(WatchRule.id)
        )
    )
