"""The monthly counts answer exactly what the incident rows answer, for every reader.

A random store (originators, release sets, event types, countries, start times near
month ends and without any, new versions that move an incident between groups,
revocations, duplicate-of links some readers may not see, a TAXII delete, a
projection rebuild) is queried through `aggregates.aggregate` / `count_objects` (the
monthly counts) and through `aggregates.row_aggregate` (the rows), for each organization
and random filters, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from factories import incident, release_marking, shared
from hoggar.context import Node, Principal, Role, system_principal
from hoggar.federation.taxii import delete_object
from hoggar.kernel.clock import format_stix
from hoggar.kernel.ids import new_id
from hoggar.records.bundles import import_objects
from hoggar.stix.models import MonthlyCount, ObjectIndex, ObjectVersion
from hoggar.store import aggregates, queries, rollup
from hoggar.store.filters import ObjectFilter
from hoggar.store.projections import rebuild_projections

ML = "identity--00000000-0000-4000-8000-00000000000a"
NE = "identity--00000000-0000-4000-8000-00000000000b"
JS = "identity--00000000-0000-4000-8000-00000000000c"
BASE = datetime(2024, 1, 1, tzinfo=UTC)
KINDS = [
    ("battle", "ambush"),
    ("battle", "armed_clash"),
    ("violence_against_civilians", "kidnapping"),
    ("strategic_development", "arms_seizure"),
]


def _import(node: Node, objects: Sequence[dict[str, Any]]) -> None:
    report = import_objects(node, objects, principal=system_principal(node), source="test")
    assert not report.rejected, report.rejected[0].message


def _store(node: Node, rng: random.Random) -> list[dict[str, Any]]:
    orgs = [node.org_id, ML, NE]
    others = [ML, NE, JS, node.org_id]
    markings: dict[tuple[str, frozenset[str]], dict[str, Any]] = {}
    objects: list[dict[str, Any]] = []
    for i in range(160):
        originator = rng.choice(orgs)
        members = frozenset(rng.sample([o for o in others if o != originator], rng.randint(0, 3)))
        markings.setdefault((originator, members), release_marking(originator, set(members)))
        event_type, sub_type = rng.choice(KINDS)
        # Start times over eight months, many on the first and last days of a month.
        day = rng.choice([rng.randrange(240), 31, 30, 59, 60, 91, 0])
        start = BASE + timedelta(days=day, hours=rng.choice([0, 0, 1, 12, 23]))
        start += timedelta(minutes=rng.choice([0, 0, 30, 59]))
        ext: dict[str, Any] = {}
        if i % 17:  # a few incidents carry no codebook extension (no start time, no type)
            ext = {
                "event_type": event_type,
                "sub_type": sub_type,
                "start_time": format_stix(start),
                "country": rng.choice(["ML", "NE", "DZ", "BF"]),
                "killed": rng.choice([0, 1, 2, 5]),
                "wounded": rng.choice([0, 3]),
                "kidnapped": rng.choice([0, 0, 4]),
            }
        objects.append(incident(originator, markings=shared(originator, set(members)), **ext))
    _import(node, [*markings.values(), *objects])
    # New versions: some move to another day, country or release set; some are revoked.
    later: list[dict[str, Any]] = []
    for obj in rng.sample(objects, 40):
        new = {**obj, "modified": "2025-04-01T10:00:00.000Z"}
        if rng.random() < 0.3:
            new["revoked"] = True
        elif "extensions" in obj:
            ext = dict(next(iter(obj["extensions"].values())))
            ext["country"] = rng.choice(["ML", "NE"])
            ext["killed"] = rng.randint(0, 9)
            new["extensions"] = {next(iter(obj["extensions"])): ext}
            originator = obj["created_by_ref"]
            members = set(rng.sample([o for o in others if o != originator], rng.randint(0, 3)))
            later.append(release_marking(originator, members))
            new["object_marking_refs"] = shared(originator, members)
        later.append(new)
    _import(node, later)
    # Duplicate-of links between incidents, released to some readers only.
    links = []
    for _ in range(25):
        a, b = rng.sample(objects, 2)
        originator = rng.choice(orgs)
        members = set(rng.sample([o for o in others if o != originator], rng.randint(0, 2)))
        links.append(release_marking(originator, members))
        links.append(
            {
                "type": "relationship",
                "spec_version": "2.1",
                "id": new_id("relationship"),
                "created": "2025-04-02T10:00:00.000Z",
                "modified": "2025-04-02T10:00:00.000Z",
                "created_by_ref": originator,
                "relationship_type": "duplicate-of",
                "source_ref": a["id"],
                "target_ref": b["id"],
                "object_marking_refs": shared(originator, members),
            }
        )
    _import(node, links)
    return objects


def _filters(rng: random.Random, orgs: list[str]) -> list[ObjectFilter]:
    out = [ObjectFilter(types=("incident",))]
    for _ in range(14):
        lo = BASE + timedelta(days=rng.choice([rng.randrange(200), 31, 60]))
        lo += timedelta(hours=rng.choice([0, 0, 5, 23]))
        hi = lo + timedelta(days=rng.randrange(0, 150), hours=rng.choice([0, 7, 18]))
        out.append(
            ObjectFilter(
                types=("incident",),
                start_after=rng.choice([lo, None, BASE]),
                start_before=rng.choice([hi, hi, None]),
                country=rng.choice([None, None, "ML", "NE"]),
                event_type=rng.choice([None, "battle"]),
                originator=rng.choice([None, None, rng.choice(orgs)]),
                not_originator=rng.choice([None, None, rng.choice(orgs)]),
                fused_once=rng.random() < 0.5,
                also_readable_by=rng.choice([None, None, rng.choice(orgs)]),
            )
        )
    return out


def _same(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> None:
    assert {g["key"]: g for g in a} == {g["key"]: g for g in b}


def _check(node: Node, rng: random.Random) -> int:
    orgs = [node.org_id, ML, NE, JS]
    compared = 0
    with node.db.session() as session:
        for org in orgs:
            reader = Principal(org_id=org, name="reader", role=Role.ANALYST)
            for flt in _filters(rng, orgs):
                for group_by in ("event_type", "country", "originator", "type"):
                    from_counts = rollup.aggregate(session, reader, flt, group_by)
                    from_rows = aggregates.row_aggregate(session, reader, flt, group_by)
                    if from_counts is None:  # only when no whole month lies in the period
                        lo, hi = flt.start_after, flt.start_before
                        assert lo is not None and hi is not None and hi - lo < timedelta(days=62)
                        continue
                    _same(from_counts, from_rows)
                    compared += 1
                rows = aggregates.row_aggregate(session, reader, flt, "type")
                assert aggregates.count_objects(session, reader, flt) == sum(
                    g["count"] for g in rows
                )
    return compared


def test_monthly_counts_equal_the_rows_for_every_reader(node: Node) -> None:
    rng = random.Random(20261202)
    _store(node, rng)
    assert _check(node, rng) > 150
    # A TAXII delete and a rebuild of every projection keep the counts true.
    with node.db.session() as session:
        before = session.scalar(select(func.sum(MonthlyCount.n)))
        counted = session.scalar(
            select(ObjectIndex.stix_id).where(
                ObjectIndex.originator_id == node.org_id,
                ObjectIndex.stix_type == "incident",
                ObjectIndex.revoked.is_(False),
            )
        )
    assert counted and delete_object(node, system_principal(node), counted, ["all"]) >= 1
    with node.db.session() as session:
        assert session.scalar(select(func.sum(MonthlyCount.n))) < before
    assert _check(node, rng) > 150
    with node.db.transaction() as session:
        before = session.scalar(select(func.sum(MonthlyCount.n)))
        rebuild_projections(session)
        assert session.scalar(select(func.sum(MonthlyCount.n))) == before
    assert _check(node, rng) > 150


def test_filters_the_counts_cannot_answer_fall_back_to_the_rows(node: Node) -> None:
    year = ObjectFilter(types=("incident",), start_after=BASE)
    assert rollup.answers(year)
    for other in (
        replace(year, text="ambush"),
        replace(year, bbox=(0.0, 10.0, 5.0, 20.0)),
        replace(year, group="intrusion-set--00000000-0000-4000-8000-000000000001"),
        replace(year, tlp="amber"),
        replace(year, include_revoked=True),
        replace(year, types=("incident", "report")),
        replace(year, sub_types=("ambush",)),
    ):
        assert not rollup.answers(other)
    reader = Principal(org_id=node.org_id, name="reader", role=Role.ANALYST)
    with node.db.session() as session:
        within_a_month = replace(year, start_before=BASE + timedelta(days=20))
        assert rollup.aggregate(session, reader, within_a_month, "country") is None
        assert aggregates.count_objects(session, reader, within_a_month) == 0


def test_dashboard_partner_counts_are_bounded_and_follow_the_rule(node: Node) -> None:
    """ "Shared by partners": per originator among the latest records the reader may see,
    equal to the rows' own counts when under the cap, to the latest page when over it;
    a first visit looks back FIRST_VISIT_DAYS only."""
    from hoggar.incidents import dashboard as dash

    rng = random.Random(7)
    _store(node, rng)
    counted = 0
    with node.db.session() as session:
        for org in (node.org_id, ML, NE, JS):
            reader = Principal(org_id=org, name="reader", role=Role.ANALYST)
            shared_flt = ObjectFilter(not_originator=org)
            groups, more = queries.latest_by_originator(session, reader, shared_flt, cap=10**6)
            assert not more
            _same(
                groups,
                [
                    {"key": g["key"], "count": g["count"]}
                    for g in aggregates.row_aggregate(session, reader, shared_flt, "originator")
                ],
            )
            visible = sum(g["count"] for g in groups)
            assert visible > 5
            # Over the cap: the counts are those of the newest `cap` records, as listed.
            cap = visible // 2
            capped, more = queries.latest_by_originator(session, reader, shared_flt, cap=cap)
            listed = queries.list_objects(session, reader, shared_flt, limit=cap).items
            assert more
            assert {g["key"]: g["count"] for g in capped} == {
                k: sum(1 for o in listed if o["created_by_ref"] == k)
                for k in {o["created_by_ref"] for o in listed}
            }
            counted += visible
            # A first visit (no "since"): only what arrived in the last FIRST_VISIT_DAYS.
            figures = dash.dashboard(session, reader, ObjectFilter(), own_org_id=org, since=None)
            assert sum(g["count"] for g in figures.partners) == min(visible, dash.PARTNER_CAP)
            assert figures.partners_since < datetime.now(UTC) - timedelta(days=29)
    assert counted > 100
    # Records stored before the window are left out of a first visit.
    with node.db.transaction() as session:
        session.execute(
            ObjectVersion.__table__.update().values(added_at=datetime(2020, 1, 1, tzinfo=UTC))
        )
    with node.db.session() as session:
        reader = Principal(org_id=ML, name="reader", role=Role.ANALYST)
        figures = dash.dashboard(session, reader, ObjectFilter(), own_org_id=ML, since=None)
        assert figures.partners == [] and not figures.partners_more
