"""Local-only tables of watch rules, the alerts they raised and their deliveries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hoggar.kernel.db import Base, UTCDateTime


class WatchRule(Base):
    """A user's rule: which incidents to be told about, and how (interface, e-mail, webhook)."""

    __tablename__ = "watch_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    criteria: Mapped[str] = mapped_column(Text)  # JSON, see hoggar.alerts.rules.Criteria
    email: Mapped[str | None] = mapped_column(String(320))
    webhook_url: Mapped[str | None] = mapped_column(Text)
    max_per_hour: Mapped[int] = mapped_column(Integer, default=20)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Alert(Base):
    """An incident that matched a rule, as its owner could read it when it matched."""

    __tablename__ = "alerts"
    __table_args__ = (UniqueConstraint("rule_id", "stix_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("watch_rules.id", ondelete="CASCADE"))
    stix_id: Mapped[str] = mapped_column(String(300))
    title: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    seen: Mapped[bool] = mapped_column(Boolean, default=False)
    # Beyond the rule's hourly limit an alert is kept but not sent ("rate-limited").
    rate_limited: Mapped[bool] = mapped_column(Boolean, default=False)


class Delivery(Base):
    """One attempt chain to send an alert by e-mail or webhook; retried with back-off."""

    __tablename__ = "alert_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))  # "email" | "webhook"
    target: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|sent|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
