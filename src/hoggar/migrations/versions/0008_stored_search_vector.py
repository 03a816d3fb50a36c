"""PostgreSQL: a stored tsvector column for search, indexed with GIN

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 00:15:00

The GIN index of 0005 was on the expression to_tsvector('simple', search_text): when a
frequent word makes the bitmap lossy, PostgreSQL recomputes that expression for every
row it rechecks (seconds at a million incidents). A stored generated column is read
instead. SQLite (FTS5) is unchanged.
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# FROZEN: the DDL of this revision (copied from hoggar.stix.search as of 2026-12-02);
# never change it.
POSTGRESQL_VECTOR_DDL = (
    "ALTER TABLE stix_index ADD COLUMN IF NOT EXISTS search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED",
    "CREATE INDEX IF NOT EXISTS ix_stix_index_fts ON stix_index USING gin (search_vector)",
)
# What 0005 made, for the downgrade.
POSTGRESQL_DDL = (
    "CREATE INDEX IF NOT EXISTS ix_stix_index_fts ON stix_index "
    "USING gin (to_tsvector('simple', search_text))",
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_stix_index_fts")
    for statement in POSTGRESQL_VECTOR_DDL:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_stix_index_fts")
    op.execute("ALTER TABLE stix_index DROP COLUMN IF EXISTS search_vector")
    for statement in POSTGRESQL_DDL:
        op.execute(statement)
