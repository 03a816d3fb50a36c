"""A bulk load refreshes PostgreSQL's planner statistics as it goes.

Without it a node whose PostgreSQL runs with autovacuum off (this machine's does)
planned `stix_id IN (…500 ids…)` as sequential scans from empty statistics, and a
million-record import slowed to a crawl (bench/suite.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from factories import incident
from hoggar.node.context import Node
from hoggar.node.service import system_principal
from hoggar.stix.bundles import import_objects


def test_a_bulk_import_analyzes_the_busy_tables_on_postgresql(node: Node) -> None:
    if node.db.is_sqlite:
        pytest.skip("SQLite plans without statistics")

    def analyzed() -> dict[str, bool]:
        with node.db.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT relname, last_analyze IS NOT NULL FROM pg_stat_user_tables "
                    "WHERE relname IN ('stix_versions', 'stix_index', 'stix_links')"
                )
            )
            return dict(rows.all())  # type: ignore[arg-type]

    assert not any(analyzed().values())
    objects = [incident(node.org_id, name=f"n°{i}") for i in range(6000)]
    report = import_objects(node, objects, principal=system_principal(node), source="t")
    assert not report.rejected
    assert analyzed() == {"stix_versions": True, "stix_index": True, "stix_links": True}
