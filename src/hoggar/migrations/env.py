"""Alembic environment: runs against the connection `hoggar.node.migrate` hands it."""

from __future__ import annotations

from alembic import context

import hoggar.models  # noqa: F401  (registers every table on Base.metadata)
from hoggar.kernel.db import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `hoggar db upgrade`, which supplies the connection")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
