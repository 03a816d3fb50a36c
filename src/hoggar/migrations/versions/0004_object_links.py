"""object links projection

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 22:40:00
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

from hoggar.store.projections import project_links

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    links = op.create_table(
        "stix_links",
        sa.Column("stix_id", sa.String(length=300), nullable=False),
        sa.Column("ref_id", sa.String(length=300), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("relationship_type", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(
            ["stix_id"],
            ["stix_index.stix_id"],
            name=op.f("fk_stix_links_stix_id_stix_index"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("stix_id", "ref_id", "role", name=op.f("pk_stix_links")),
    )
    op.create_index("ix_stix_links_ref_role", "stix_links", ["ref_id", "role"], unique=False)
    # Derive the links of the objects already stored (the projection is an index).
    bind = op.get_bind()
    current = sa.text(
        "SELECT i.stix_id, v.body FROM stix_index i JOIN stix_versions v ON v.pk = i.version_pk"
    )
    batch: list[dict[str, object]] = []
    for stix_id, body in bind.execute(current):
        batch += [{"stix_id": stix_id, **link} for link in project_links(json.loads(body))]
        if len(batch) >= 5000:
            bind.execute(links.insert(), batch)
            batch = []
    if batch:
        bind.execute(links.insert(), batch)


def downgrade() -> None:
    op.drop_index("ix_stix_links_ref_role", table_name="stix_links")
    op.drop_table("stix_links")
