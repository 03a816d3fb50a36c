"""Tables of the member directory (local state, not shared as such)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hoggar.kernel.db import Base, UTCDateTime


class Organization(Base):
    """A member state's organization or the joint staff, known by its STIX identity."""

    __tablename__ = "organizations"

    identity_id: Mapped[str] = mapped_column(String(300), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    country: Mapped[str | None] = mapped_column(String(2))
    kind: Mapped[str] = mapped_column(String(20), default="member")  # member | joint-staff
    public_key: Mapped[str | None] = mapped_column(String(64))
    is_self: Mapped[bool] = mapped_column(Boolean, default=False)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)


class NodeSetting(Base):
    """Key/value settings of this node (its organization, its key id, schema facts)."""

    __tablename__ = "node_settings"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
