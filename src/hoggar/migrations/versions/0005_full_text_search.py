"""full-text search: normalised search text, FTS5 on SQLite, GIN on PostgreSQL

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 23:00:00
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

from hoggar.store.projections import project
from hoggar.store.search import POSTGRESQL_DDL, POSTGRESQL_DROP, SQLITE_DDL, SQLITE_DROP

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    # Recompute every search text with the Arabic/Latin normalisation and the
    # cross-script keys (before the triggers exist: the FTS index is built once below).
    rows = bind.execute(
        sa.text(
            "SELECT i.stix_id, v.body FROM stix_index i JOIN stix_versions v ON v.pk = i.version_pk"
        )
    )
    update = sa.text("UPDATE stix_index SET search_text = :text WHERE stix_id = :id")
    batch: list[dict[str, str]] = []
    for stix_id, body in rows.fetchall():
        batch.append({"id": stix_id, "text": project(json.loads(body))["search_text"]})
        if len(batch) >= 2000:
            bind.execute(update, batch)
            batch = []
    if batch:
        bind.execute(update, batch)
    if bind.dialect.name == "sqlite":
        op.execute(SQLITE_DDL[0])
        op.execute("INSERT INTO stix_fts(stix_fts) VALUES ('rebuild')")
        for statement in SQLITE_DDL[1:]:
            op.execute(statement)
    elif bind.dialect.name == "postgresql":
        for statement in POSTGRESQL_DDL:
            op.execute(statement)


def downgrade() -> None:
    bind = op.get_bind()
    for statement in SQLITE_DROP if bind.dialect.name == "sqlite" else POSTGRESQL_DROP:
        op.execute(statement)
