"""fusion decisions

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 23:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# Timestamps: sa.DateTime(timezone=True) is the DDL hoggar.kernel.db.UTCDateTime
# rendered when this revision was written (DATETIME on SQLite, TIMESTAMP WITH TIME
# ZONE on PostgreSQL); the migration does not depend on that live type.

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fusion_decisions",
        sa.Column("a", sa.String(length=300), nullable=False),
        sa.Column("b", sa.String(length=300), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("score", sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint("a", "b", name=op.f("pk_fusion_decisions")),
    )


def downgrade() -> None:
    op.drop_table("fusion_decisions")
