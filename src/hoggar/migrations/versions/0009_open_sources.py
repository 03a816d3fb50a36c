"""open-source feeds, articles and extraction drafts

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 02:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# Timestamps: sa.DateTime(timezone=True) is the DDL hoggar.kernel.db.UTCDateTime
# rendered when this revision was written (DATETIME on SQLite, TIMESTAMP WITH TIME
# ZONE on PostgreSQL); the migration does not depend on that live type.

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "source_feeds",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=True),
        sa.Column("reliability", sa.String(length=1), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("interval_s", sa.Integer(), nullable=False),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("last_modified", sa.Text(), nullable=True),
        sa.Column("last_fetched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source_feeds")),
        sa.UniqueConstraint("url", name=op.f("uq_source_feeds_url")),
    )
    op.create_table(
        "source_articles",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("report_id", sa.String(length=300), nullable=False),
        sa.Column("feed_id", sa.Integer(), nullable=True),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("guid", sa.String(length=2000), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("source_name", sa.String(length=200), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("published", sa.Date(), nullable=True),
        sa.Column("reliability", sa.String(length=1), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("extractor_version", sa.String(length=16), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("named", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["feed_id"],
            ["source_feeds.id"],
            name=op.f("fk_source_articles_feed_id_source_feeds"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source_articles")),
        sa.UniqueConstraint("report_id", name=op.f("uq_source_articles_report_id")),
        sa.UniqueConstraint("content_hash", name=op.f("uq_source_articles_content_hash")),
    )
    op.create_index(op.f("ix_source_articles_feed_id"), "source_articles", ["feed_id"])
    op.create_index(op.f("ix_source_articles_url"), "source_articles", ["url"])
    op.create_index(op.f("ix_source_articles_added_at"), "source_articles", ["added_at"])
    op.create_table(
        "extraction_drafts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("incident_id", sa.String(length=300), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["source_articles.id"],
            name=op.f("fk_extraction_drafts_article_id_source_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_extraction_drafts")),
        sa.UniqueConstraint("article_id", "position", name=op.f("uq_extraction_drafts_article_id")),
    )
    op.create_index(op.f("ix_extraction_drafts_article_id"), "extraction_drafts", ["article_id"])
    op.create_index(op.f("ix_extraction_drafts_status"), "extraction_drafts", ["status"])


def downgrade() -> None:
    op.drop_table("extraction_drafts")
    op.drop_table("source_articles")
    op.drop_table("source_feeds")
