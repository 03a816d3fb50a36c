"""API tokens get a scope: write (the user's role) or read (safe methods only)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 05:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "api_tokens",
        sa.Column("scope", sa.String(length=8), nullable=False, server_default="write"),
    )


def downgrade() -> None:
    op.execute("ALTER TABLE api_tokens DROP COLUMN scope")
