"""Every batch write path refreshes PostgreSQL's planner statistics as it goes.

Without it a node whose PostgreSQL runs with autovacuum off (this machine's does)
planned `stix_id IN (…500 ids…)` as sequential scans from empty statistics, and a
million-record import slowed to a crawl (bench/suite.py); a table never analysed is
estimated at one row, so a node of 1,260 incidents listed its map in 2.1 s, a nested
loop over every pair, instead of 10 ms."""

from __future__ import annotations

import pytest
from sqlalchemy import bindparam, text

from factories import incident
from hoggar.context import Node, system_principal
from hoggar.federation.taxii import add_objects
from hoggar.node.service import open_node
from hoggar.records.bundles import import_objects

TABLES = ("stix_versions", "stix_index", "stix_links", "stix_version_release")


def _analyzed(node: Node) -> dict[str, bool]:
    with node.db.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT relname, last_analyze IS NOT NULL FROM pg_stat_user_tables "
                "WHERE relname IN :names"
            ).bindparams(bindparam("names", TABLES, expanding=True)),
        )
        return dict(rows.all())  # type: ignore[arg-type]


@pytest.fixture
def pg_node(node: Node) -> Node:
    if node.db.is_sqlite:
        pytest.skip("SQLite plans without statistics")
    assert not any(_analyzed(node).values())
    return node


def test_a_bulk_import_of_a_few_hundred_records_analyzes_the_busy_tables(pg_node: Node) -> None:
    objects = [incident(pg_node.org_id, name=f"n°{i}") for i in range(300)]
    report = import_objects(pg_node, objects, principal=system_principal(pg_node), source="t")
    assert not report.rejected
    assert _analyzed(pg_node) == dict.fromkeys(TABLES, True)


def test_taxii_posts_count_towards_the_refresh(pg_node: Node) -> None:
    principal = system_principal(pg_node)
    for start in range(0, 300, 100):
        objects = [incident(pg_node.org_id, name=f"n°{i}") for i in range(start, start + 100)]
        status = add_objects(pg_node, principal, objects)
        assert status["success_count"] == 100
        # Below the first threshold (256 versions) nothing is analysed yet.
        assert any(_analyzed(pg_node).values()) == (start + 100 >= 256)


def _counted(node: Node) -> tuple[float, int]:
    """(versions the statistics counted, versions stored)."""
    with node.db.engine.connect() as conn:
        counted = conn.exec_driver_sql(
            "SELECT reltuples FROM pg_class WHERE oid = 'stix_versions'::regclass"
        ).scalar()
        stored = conn.exec_driver_sql("SELECT count(*) FROM stix_versions").scalar()
    return float(counted), int(stored)  # type: ignore[arg-type]


def test_a_restarted_node_counts_from_the_statistics_already_there(pg_node: Node) -> None:
    # A server restarted on analysed tables refreshes once its new versions outgrow
    # those the statistics counted, not after its first few hundred (on a million
    # stored records each refresh takes seconds).
    principal = system_principal(pg_node)
    objects = [incident(pg_node.org_id, name=f"n°{i}") for i in range(600)]
    assert not import_objects(pg_node, objects, principal=principal, source="t").rejected
    counted, stored = _counted(pg_node)
    assert 500 <= counted < stored  # analysed after the first batch of 500, not since
    again = open_node(pg_node.settings)

    def post_300(tag: str) -> tuple[float, int]:
        batch = [incident(again.org_id, name=f"{tag}°{i}") for i in range(300)]
        assert add_objects(again, system_principal(again), batch)["success_count"] == 300
        return _counted(again)

    try:
        now, _ = post_300("r0")
        assert now == counted  # 300 new versions, fewer than were counted: no refresh
        now, stored = post_300("r1")
        assert now == stored  # 600: a refresh
    finally:
        again.close()
