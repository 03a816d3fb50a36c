"""failed sign-ins per account name and source address (hoggar.auth.throttle)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# Timestamps: sa.DateTime(timezone=True) is the DDL hoggar.kernel.db.UTCDateTime
# rendered when this revision was written (DATETIME on SQLite, TIMESTAMP WITH TIME
# ZONE on PostgreSQL); the migration does not depend on that live type.
# This revision wrote UTCDateTime() without arguments: that type's impl is the
# instance DateTime(timezone=True), so its columns were created with a zone too.

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("first_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttle")),
    )


def downgrade() -> None:
    op.drop_table("login_throttle")
