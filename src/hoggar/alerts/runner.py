"""Running watch rules and deliveries in the background of a serving node."""

from __future__ import annotations

import logging
import os

from hoggar.alerts.service import SmtpConfig, deliver, run_rules
from hoggar.context import Node
from hoggar.kernel.loop import Periodic

log = logging.getLogger("hoggar.alerts")
INTERVAL_ENV = "HOGGAR_ALERTS_INTERVAL"


def smtp_from_env() -> SmtpConfig | None:
    """HOGGAR_SMTP_HOST (required for e-mail), HOGGAR_SMTP_PORT, HOGGAR_SMTP_FROM."""
    host = os.environ.get("HOGGAR_SMTP_HOST")
    if not host:
        return None
    return SmtpConfig(
        host=host,
        port=int(os.environ.get("HOGGAR_SMTP_PORT", "25")),
        sender=os.environ.get("HOGGAR_SMTP_FROM", "hoggar@localhost"),
    )


def run_once(node: Node, base_url: str = "") -> tuple[int, int]:
    """One pass: raise alerts for new incidents, then send what is due."""
    raised = run_rules(node)
    sent = deliver(
        node, smtp=smtp_from_env(), base_url=base_url or os.environ.get("HOGGAR_BASE_URL", "")
    )
    return raised.alerts, sent.sent


class AlertLoop(Periodic):
    """Checks rules and deliveries every `interval` seconds until stopped."""

    def __init__(self, node: Node, interval: float, base_url: str = "") -> None:
        super().__init__("alerts", interval, lambda: run_once(node, base_url))
