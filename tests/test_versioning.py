"""One versioning decision: storing objects one at a time and in a batch agree.

`store.ingest.decide` is the only place that decides what a new version does (new and
current, older, duplicate, refused because another organization originated the id or
because it follows a revocation). `ingest_object` and `ingest_batch` both call it;
hypothesis draws sequences of versions of a few ids and checks that both paths give the
same outcomes and leave the same stored versions and current rows.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from factories import incident
from hoggar.context import Node
from hoggar.kernel.ids import derived_id, new_id
from hoggar.stix.models import ObjectVersion
from hoggar.store.check import Outcome
from hoggar.store.ingest import ingest_batch, ingest_object

OTHER = derived_id("identity", "test-org", "ML")

step = st.tuples(
    st.integers(0, 2),  # which of three ids
    st.integers(1, 5),  # day of the version's modified time
    st.booleans(),  # by the node's organization (else by another one)
    st.booleans(),  # revoked
    st.sampled_from(["A", "B"]),  # name: the same version with other content is refused
)


def _objects(node: Node, steps: list[tuple[int, int, bool, bool, str]]) -> list[dict[str, Any]]:
    ids = [new_id("incident") for _ in range(3)]
    out = []
    for which, day, own, revoked, name in steps:
        obj = incident(
            node.org_id if own else OTHER,
            stix_id=ids[which],
            name=f"Ambush {name}",
            modified=f"2025-03-0{day}T10:00:00.000Z",
            event_type="battle",
        )
        if revoked:
            obj["revoked"] = True
        out.append(obj)
    return out


def _stored(node: Node, ids: set[str]) -> list[tuple[str, str, bool, bool]]:
    with node.db.session() as session:
        rows = session.execute(
            select(
                ObjectVersion.stix_id,
                ObjectVersion.version_key,
                ObjectVersion.is_current,
                ObjectVersion.revoked,
            ).where(ObjectVersion.stix_id.in_(ids))
        ).all()
    return sorted((r[0], r[1], r[2], r[3]) for r in rows)


def _ids_renamed(objs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The same sequence under fresh ids (the two paths must not see each other's)."""
    fresh: dict[str, str] = {}
    return [{**o, "id": fresh.setdefault(o["id"], new_id("incident"))} for o in objs]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=st.lists(step, min_size=1, max_size=12))
def test_one_at_a_time_and_batch_decide_alike(node: Node, steps: list[Any]) -> None:
    single = _objects(node, steps)
    batch = _ids_renamed(single)
    with node.db.transaction() as session:
        one = [ingest_object(session, o, node_org_id=node.org_id) for o in single]
    with node.db.transaction() as session:
        many = ingest_batch(session, batch, node_org_id=node.org_id)
    assert [(r.outcome, [p.where for p in r.problems]) for r in one] == [
        (r.outcome, [p.where for p in r.problems]) for r in many
    ]
    rename = {a["id"]: b["id"] for a, b in zip(single, batch, strict=True)}
    stored_one = [(rename[s], *rest) for s, *rest in _stored(node, set(rename))]
    assert sorted(stored_one) == _stored(node, set(rename.values()))
    # Exactly one current version per stored id, and it is the newest stored.
    by_id: dict[str, list[tuple[str, bool]]] = {}
    for sid, key, current, _ in stored_one:
        by_id.setdefault(sid, []).append((key, current))
    for versions in by_id.values():
        assert [c for _, c in versions].count(True) == 1
        assert max(versions)[1] is True


def test_each_decision_once(node: Node) -> None:
    sid = new_id("incident")
    v1 = incident(node.org_id, stix_id=sid, modified="2025-03-02T10:00:00.000Z")
    older = incident(node.org_id, stix_id=sid, modified="2025-03-01T10:00:00.000Z")
    changed = {**v1, "name": "Something else"}
    theirs = incident(OTHER, stix_id=sid, modified="2025-03-03T10:00:00.000Z")
    revoke = {**incident(node.org_id, stix_id=sid, modified="2025-03-04T10:00:00.000Z")}
    revoke["revoked"] = True
    after = incident(node.org_id, stix_id=sid, modified="2025-03-05T10:00:00.000Z")
    with node.db.transaction() as session:
        got = ingest_batch(
            session, [v1, older, v1, changed, theirs, revoke, after], node_org_id=node.org_id
        )
    assert [r.outcome for r in got] == [
        Outcome.CREATED,
        Outcome.STORED_OLDER,
        Outcome.DUPLICATE,
        Outcome.REJECTED,
        Outcome.REJECTED,
        Outcome.CREATED,
        Outcome.REJECTED,
    ]
    assert [p.where for r in got if not r.ok for p in r.problems] == [
        "/modified",
        "/created_by_ref",
        "/revoked",
    ]
