"""Tables of peers, their sync state, TAXII status resources and offline-bundle cursors."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hoggar.kernel.db import Base, UTCDateTime


class Peer(Base):
    """Another node this node syncs with, and the state of that sync."""

    __tablename__ = "peers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    org_id: Mapped[str] = mapped_column(String(300))
    # The peer's TAXII API root, e.g. http://10.0.0.2:8470/taxii2/hoggar/
    url: Mapped[str | None] = mapped_column(Text)
    # Token this node presents to the peer (issued by the peer's admin).
    outbound_token: Mapped[str | None] = mapped_column(Text)
    pull_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    push_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    pull_cursor: Mapped[str | None] = mapped_column(String(40))
    push_cursor: Mapped[str | None] = mapped_column(String(40))
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    objects_received: Mapped[int] = mapped_column(Integer, default=0)
    objects_sent: Mapped[int] = mapped_column(Integer, default=0)
    objects_rejected: Mapped[int] = mapped_column(Integer, default=0)
    bytes_received: Mapped[int] = mapped_column(Integer, default=0)
    bytes_sent: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RefusedObject(Base):
    """An object a pull from a peer refused, to ask for again at the next sync: the
    reason may change (a member's card or a new key arrives). Deleted once stored."""

    __tablename__ = "sync_refused"
    __table_args__ = (UniqueConstraint("peer_id", "stix_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    peer_id: Mapped[int] = mapped_column(ForeignKey("peers.id", ondelete="CASCADE"), index=True)
    stix_id: Mapped[str] = mapped_column(String(300))
    version: Mapped[str] = mapped_column(String(40))  # modified (or created), as sent
    reason: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    first_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TaxiiStatus(Base):
    """A TAXII 2.1 status resource (§4.3) for one POST of an envelope."""

    __tablename__ = "taxii_status"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    principal: Mapped[str] = mapped_column(String(200))
    org_id: Mapped[str] = mapped_column(String(300))
    request_at: Mapped[datetime] = mapped_column(UTCDateTime)
    body: Mapped[str] = mapped_column(Text)


class BundleCursor(Base):
    """Up to which date_added this node has put objects into offline bundles per recipient."""

    __tablename__ = "bundle_cursors"

    org_id: Mapped[str] = mapped_column(String(300), primary_key=True)
    last_added: Mapped[str] = mapped_column(String(40))
    bundles_sent: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ReceivedBundle(Base):
    """Offline bundles already applied here (by content hash): a replay is recognised."""

    __tablename__ = "bundles_received"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    sender_org_id: Mapped[str] = mapped_column(String(300))
    created: Mapped[str] = mapped_column(String(40))
    objects: Mapped[int] = mapped_column(Integer)
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime)
