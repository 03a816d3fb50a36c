"""The incident facts an assessment reads are projected: civilians killed, region,
place name, seized items

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 06:30:00

The assessment and situation reports parsed every incident's body for these (about a
second for a year at 100,000 incidents); they are now columns of `stix_index`, filled
here from the current versions' bodies. An index holding every column the assessment
reads (`hoggar.store.queries.incident_groups`) lets the database sum a year of
incidents without reading their rows (SQLite keeps the long search text and name in
the row; 11 s for a year at a million before). PostgreSQL's copy leaves out the seized
items (an index entry must stay under 2.7 kB).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from hoggar.kernel.jsonutil import load_object
from hoggar.stix.extensions import INCIDENT_EXTENSION_ID
from hoggar.store import rollup
from hoggar.store.projections import incident_facts

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_COLUMNS = ("civilians_killed", "admin1", "place_name", "seized")
_BATCH = 2000


def upgrade() -> None:
    op.add_column("stix_index", sa.Column("civilians_killed", sa.Integer()))
    op.add_column("stix_index", sa.Column("admin1", sa.String(length=120)))
    op.add_column("stix_index", sa.Column("place_name", sa.Text()))
    op.add_column("stix_index", sa.Column("seized", sa.Text()))
    bind = op.get_bind()
    dialect = bind.dialect.name
    # The monthly counts do not depend on these columns: their update triggers would
    # only subtract and add each row back.
    for statement in rollup.SQLITE_DROP if dialect == "sqlite" else rollup.POSTGRESQL_DROP:
        op.execute(statement)
    update = sa.text(
        "UPDATE stix_index SET civilians_killed = :civilians_killed, admin1 = :admin1, "
        "place_name = :place_name, seized = :seized WHERE stix_id = :id"
    )
    last = ""
    while True:
        rows = bind.execute(
            sa.text(
                "SELECT i.stix_id, v.body FROM stix_index i "
                "JOIN stix_versions v ON v.pk = i.version_pk "
                "WHERE i.stix_type = 'incident' AND i.stix_id > :last "
                "ORDER BY i.stix_id LIMIT :n"
            ),
            {"last": last, "n": _BATCH},
        ).all()
        if not rows:
            break
        params: list[dict[str, Any]] = []
        for stix_id, body in rows:
            ext = (load_object(body).get("extensions") or {}).get(INCIDENT_EXTENSION_ID)
            facts = incident_facts(ext if isinstance(ext, dict) else {})
            if any(facts[c] is not None for c in _COLUMNS):
                params.append({"id": stix_id, **facts})
        if params:
            bind.execute(update, params)
        last = rows[-1][0]
    for statement in rollup.SQLITE_DDL if dialect == "sqlite" else rollup.POSTGRESQL_DDL:
        op.execute(statement)
    op.execute(facts_index_ddl(dialect))


FACTS_INDEX = "ix_stix_index_facts"
_FACT_COLUMNS = (
    "stix_type, start_at, originator_id, version_pk, revoked, sub_type, event_type, "
    "country, admin1, killed, wounded, kidnapped, released, civilians_killed, lat, lon, "
    "stix_id"
)


def facts_index_ddl(dialect: str) -> str:
    seized = ", seized" if dialect == "sqlite" else ""
    return f"CREATE INDEX {FACTS_INDEX} ON stix_index ({_FACT_COLUMNS}{seized})"


def downgrade() -> None:
    op.execute(f"DROP INDEX IF EXISTS {FACTS_INDEX}")
    for column in reversed(_COLUMNS):
        op.execute(f"ALTER TABLE stix_index DROP COLUMN {column}")  # SQLite 3.35+
