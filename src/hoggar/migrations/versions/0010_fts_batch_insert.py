"""SQLite: new index rows reach the FTS5 table a batch at a time, not by trigger

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 04:00:00

The AFTER INSERT trigger ran one FTS5 insert per row (about 75 µs each, three
quarters of a bulk import); the writers of `stix_index` now call
`hoggar.stix.search.index_new_rows` once per batch. Update and delete triggers stay.
PostgreSQL is unchanged (its vector is a generated column).
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# FROZEN: the insert trigger 0005 made, which the downgrade puts back (copied from
# hoggar.stix.search as of 2026-12-02); never change it.
SQLITE_INSERT_TRIGGER = (
    "CREATE TRIGGER IF NOT EXISTS stix_index_fts_ai AFTER INSERT ON stix_index BEGIN "
    "INSERT INTO stix_fts(rowid, search_text) VALUES (new.rowid, new.search_text); END"
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS stix_index_fts_ai")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(SQLITE_INSERT_TRIGGER)
