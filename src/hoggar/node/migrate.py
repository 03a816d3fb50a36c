"""Running Alembic migrations programmatically, and checking models against them."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

import hoggar.models  # noqa: F401
from hoggar.kernel.db import Base

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("path_separator", "os")
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _modelled(name: str | None, type_: str, parent_names: object) -> bool:
    """Search structures made by migration 0005 outside the models: the FTS5 table and
    its shadow tables on SQLite; the stored search_vector column and its GIN index on
    PostgreSQL (migration 0008); the covering index of incident facts, whose columns
    differ by engine (migration 0014)."""
    return not (name or "").startswith(
        ("stix_fts", "ix_stix_index_fts", "search_vector", "ix_stix_index_facts")
    )


def drift(engine: Engine) -> list[object]:
    """Differences between the models and the migrated database (empty when in step)."""
    with engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_name": _modelled}
        )
        return list(compare_metadata(ctx, Base.metadata))
