"""Objects a pull refused, kept to ask for again at the next sync

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 23:30:00

A pull used to move its cursor past an object it refused (an originator whose card
was missing, a record altered in transit), so the object was never fetched again.
`sync_refused` keeps each refused (peer, id, version) until a later sync stores it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_refused",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("peer_id", sa.Integer(), nullable=False),
        sa.Column("stix_id", sa.String(length=300), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["peer_id"],
            ["peers.id"],
            name=op.f("fk_sync_refused_peer_id_peers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_refused")),
        sa.UniqueConstraint("peer_id", "stix_id", "version", name=op.f("uq_sync_refused_peer_id")),
    )
    op.create_index(op.f("ix_sync_refused_peer_id"), "sync_refused", ["peer_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_sync_refused_peer_id"), table_name="sync_refused")
    op.drop_table("sync_refused")
