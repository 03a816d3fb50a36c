"""Alembic environment: runs against the connection `hoggar.node.migrate` hands it."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext

import hoggar.models  # noqa: F401  (registers every table on Base.metadata)
from hoggar.kernel.db import Base, UTCDateTime


def _render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """New revisions get plain SQLAlchemy types: UTCDateTime is written as the DDL it
    renders, so that a revision never imports live code (False: Alembic's default)."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `hoggar db upgrade`, which supplies the connection")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    render_item=_render_item,
)
with context.begin_transaction():
    context.run_migrations()
