"""Monthly incident counts kept by triggers; the index row carries its release marking

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 04:30:00

`stix_monthly` (today hoggar.store.rollup) answers counts and aggregates over long periods
without reading every incident row. `stix_index.release_marking_id` copies the current
version's release-set marking so that the triggers see who may read each row. An index
on the links' relationship type finds duplicate-of links without reading every link.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# The triggers' SQL as this revision wrote it (0014 makes them again): frozen.
from hoggar.migrations.frozen import monthly_counts_0011 as monthly

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE on both engines (a batch copy of the table would renumber its
    # rows under SQLite's FTS5 index and lose the table's triggers).
    op.add_column("stix_index", sa.Column("release_marking_id", sa.String(length=300)))
    op.execute(
        "UPDATE stix_index SET release_marking_id = (SELECT v.release_marking_id "
        "FROM stix_versions v WHERE v.pk = stix_index.version_pk)"
    )
    op.create_table(
        "stix_monthly",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("originator_id", sa.String(length=300), nullable=False),
        sa.Column("release_marking_id", sa.String(length=300), nullable=False),
        sa.Column("event_type", sa.String(length=80), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("killed", sa.Integer(), nullable=False),
        sa.Column("wounded", sa.Integer(), nullable=False),
        sa.Column("kidnapped", sa.Integer(), nullable=False),
        sa.Column("released", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "month",
            "originator_id",
            "release_marking_id",
            "event_type",
            "country",
            name=op.f("pk_stix_monthly"),
        ),
    )
    op.create_index(
        "ix_stix_links_type_role", "stix_links", ["relationship_type", "role"], unique=False
    )
    dialect = op.get_bind().dialect.name
    op.execute(monthly.fill_statement(dialect))
    for statement in monthly.ddl(dialect):
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in monthly.drop(dialect):
        op.execute(statement)
    op.drop_table("stix_monthly")
    op.drop_index("ix_stix_links_type_role", table_name="stix_links")
    op.execute("ALTER TABLE stix_index DROP COLUMN release_marking_id")  # SQLite 3.35+
