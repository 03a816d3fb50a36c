"""The incident facts an assessment reads are projected: civilians killed, region,
place name, seized items

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 06:30:00

The assessment and situation reports parsed every incident's body for these (about a
second for a year at 100,000 incidents); they are now columns of `stix_index`, filled
here from the current versions' bodies. An index holding every column the assessment
reads (then `hoggar.stix.queries.incident_groups`) lets the database sum a year of
incidents without reading their rows (SQLite keeps the long search text and name in
the row; 11 s for a year at a million before). PostgreSQL's copy leaves out the seized
items (an index entry must stay under 2.7 kB).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from alembic import op

# The monthly counts' triggers as 0011 wrote them, dropped and made again here: frozen.
from hoggar.migrations.frozen import monthly_counts_0011 as monthly

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_COLUMNS = ("civilians_killed", "admin1", "place_name", "seized")
_BATCH = 2000

# FROZEN: the incident facts this revision backfills, copied (as of 2026-12-02) from
# hoggar.stix.projections.incident_facts and hoggar.kernel.jsonutil.load_object. Never
# change them: the live projection may move on; this revision must keep computing what
# it computed.

_INCIDENT_EXTENSION_ID = "extension-definition--7c5e9d0a-1b2f-4e6a-9c8d-3f4a5b6c7d80"


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"the number {text[:40]} is out of range")
    return value


def load_object(data: str) -> dict[str, Any]:
    """A stored body parsed strictly: no duplicate keys, NaN or infinite numbers."""
    value = json.loads(
        data,
        object_pairs_hook=_no_duplicates,
        parse_constant=_reject_constant,
        parse_float=_finite,
    )
    if not isinstance(value, dict):
        raise ValueError(f"expected a JSON object, got {type(value).__name__}")
    return value


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _text(value: Any, limit: int) -> str | None:
    return value[:limit] if isinstance(value, str) and value else None


def _seized_json(value: Any) -> str | None:
    """Seized items as compact JSON [[item, unit, quantity], ...] (or None)."""
    if not isinstance(value, list):
        return None
    items = [
        [str(i.get("item")), str(i.get("unit", "")), i["quantity"]]
        for i in value
        if isinstance(i, Mapping) and _num(i.get("quantity")) is not None
    ]
    if not items:
        return None
    return json.dumps(items, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def incident_facts(inc: Mapping[str, Any]) -> dict[str, Any]:
    """The incident extension's facts an assessment sums."""
    return {
        "civilians_killed": _count(inc.get("civilians_killed")),
        "admin1": _text(inc.get("admin1"), 120),
        "place_name": _text(inc.get("place_name"), 300),
        "seized": _seized_json(inc.get("seized")),
    }


def upgrade() -> None:
    op.add_column("stix_index", sa.Column("civilians_killed", sa.Integer()))
    op.add_column("stix_index", sa.Column("admin1", sa.String(length=120)))
    op.add_column("stix_index", sa.Column("place_name", sa.Text()))
    op.add_column("stix_index", sa.Column("seized", sa.Text()))
    bind = op.get_bind()
    dialect = bind.dialect.name
    # The monthly counts do not depend on these columns: their update triggers would
    # only subtract and add each row back.
    for statement in monthly.drop(dialect):
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
            ext = (load_object(body).get("extensions") or {}).get(_INCIDENT_EXTENSION_ID)
            facts = incident_facts(ext if isinstance(ext, dict) else {})
            if any(facts[c] is not None for c in _COLUMNS):
                params.append({"id": stix_id, **facts})
        if params:
            bind.execute(update, params)
        last = rows[-1][0]
    for statement in monthly.ddl(dialect):
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
