"""object links projection

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 22:40:00
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# FROZEN: the link projection this revision backfills with, copied from
# hoggar.stix.projections.project_links (as of 2026-12-02). Never change it: the live
# projection may move on; this revision must keep computing what it computed.

_INCIDENT_EXTENSION_ID = "extension-definition--7c5e9d0a-1b2f-4e6a-9c8d-3f4a5b6c7d80"
_MEETING_REFS = (
    ("meeting_ref", "meeting"),
    ("decision_ref", "decision"),
    ("action_item_ref", "action"),
    ("evidence_refs", "evidence"),
    ("responsible_ref", "responsible"),
    ("participant_refs", "participant"),
    ("host_ref", "host"),
    ("source_refs", "reported-in"),
)


def _refs(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def project_links(obj: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The link rows of one object: (ref_id, role, relationship_type), without duplicates."""
    exts = obj.get("extensions") if isinstance(obj.get("extensions"), Mapping) else {}
    assert isinstance(exts, Mapping)
    inc = exts.get(_INCIDENT_EXTENSION_ID)
    pairs: list[tuple[str, str]] = []
    if isinstance(inc, Mapping):
        pairs += [(r, "actor") for r in _refs(inc.get("actor_refs"))]
        pairs += [(r, "location") for r in _refs(inc.get("location_refs"))]
    pairs += [(r, "object") for r in _refs(obj.get("object_refs"))]
    pairs += [(r, "object") for r in _refs(obj.get("sighting_of_ref"))]
    for prop, role in _MEETING_REFS:
        pairs += [(r, role) for r in _refs(obj.get(prop))]
    rel_type = obj.get("relationship_type") if obj.get("type") == "relationship" else None
    if rel_type is not None:
        pairs += [(r, "source") for r in _refs(obj.get("source_ref"))]
        pairs += [(r, "target") for r in _refs(obj.get("target_ref"))]
    return [
        {"ref_id": ref[:300], "role": role, "relationship_type": rel_type}
        for ref, role in dict.fromkeys(pairs)
    ]


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
