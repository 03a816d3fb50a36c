"""Local-only fusion state: what the analysts of this node decided about candidate pairs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from hoggar.kernel.db import Base, UTCDateTime


class FusionDecision(Base):
    """An analyst's decision on a pair of incident reports (ids sorted: a < b).

    "rejected" stops the pair being proposed again; "confirmed" records who fused it
    (the shared record of the fusion is the STIX grouping and duplicate-of link).
    """

    __tablename__ = "fusion_decisions"

    a: Mapped[str] = mapped_column(String(300), primary_key=True)
    b: Mapped[str] = mapped_column(String(300), primary_key=True)
    decision: Mapped[str] = mapped_column(String(16))
    decided_by: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)
    score: Mapped[str | None] = mapped_column(String(16))
