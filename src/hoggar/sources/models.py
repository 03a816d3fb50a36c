"""Local-only tables: configured feeds, ingested articles, extraction drafts.

None of these rows is a STIX object and none is ever synchronised: an article is kept
as a STIX report readable by the node's own organization only, and a draft becomes an
incident (shared as the analyst chooses) only when an analyst accepts it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hoggar.kernel.db import Base, UTCDateTime


class Feed(Base):
    """An RSS or Atom feed the node reads on a schedule."""

    __tablename__ = "source_feeds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    url: Mapped[str] = mapped_column(String(2000), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    lang: Mapped[str | None] = mapped_column(String(8))  # a hint; detection decides
    reliability: Mapped[str] = mapped_column(String(1), default="F")  # Admiralty A-F
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    interval_s: Mapped[int] = mapped_column(Integer, default=900)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    last_fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Article(Base):
    """One article, stored once (by link, feed entry id or text), with its STIX report."""

    __tablename__ = "source_articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_id: Mapped[str] = mapped_column(String(300), unique=True)
    feed_id: Mapped[int | None] = mapped_column(
        ForeignKey("source_feeds.id", ondelete="SET NULL"), index=True
    )
    url: Mapped[str | None] = mapped_column(String(2000), index=True)
    guid: Mapped[str | None] = mapped_column(String(2000))
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(Text)
    source_name: Mapped[str] = mapped_column(String(200))
    lang: Mapped[str] = mapped_column(String(8))
    published: Mapped[date | None] = mapped_column(Date)
    reliability: Mapped[str] = mapped_column(String(1), default="F")
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    extractor_version: Mapped[str] = mapped_column(String(16))
    notes: Mapped[str | None] = mapped_column(Text)
    named: Mapped[str | None] = mapped_column(Text)  # JSON: groups, places, states named


class Draft(Base):
    """A draft incident read from an article, waiting for an analyst."""

    __tablename__ = "extraction_drafts"
    __table_args__ = (UniqueConstraint("article_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("source_articles.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)  # JSON: hoggar.extraction.drafts.Draft
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    incident_id: Mapped[str | None] = mapped_column(String(300))
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(Text)
