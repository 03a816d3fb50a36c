"""The object store: lossless versions, current version, revocation, sovereignty, signatures."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select

from factories import TS, incident, release_marking, shared
from hoggar.context import Node, Principal
from hoggar.kernel.ids import new_id
from hoggar.kernel.signing import Signer
from hoggar.orgs.service import upsert_org
from hoggar.stix.models import ObjectIndex, ObjectVersion
from hoggar.store import queries
from hoggar.store.check import Outcome
from hoggar.store.filters import ObjectFilter
from hoggar.store.ingest import ingest_object
from hoggar.store.projections import rebuild_projections


def _ingest(node: Node, obj: object, **kw: object):  # type: ignore[no-untyped-def]
    with node.db.transaction() as session:
        return ingest_object(session, obj, node_org_id=node.org_id, **kw)  # type: ignore[arg-type]


def _me(node: Node) -> Principal:
    return Principal(org_id=node.org_id, name="t")


def test_ingest_arabic_object_comes_back_equal_as_json(node: Node) -> None:
    obj = incident(node.org_id, name="كمين قرب تمنراست", markings=None)
    obj["description"] = "نص عربي مع أرقام ١٢٣ and précision française"
    obj["x_custom_number"] = 1.5e-7
    obj["labels"] = ["ambush", "حدود"]
    assert _ingest(node, obj).outcome is Outcome.CREATED
    with node.db.session() as session:
        got = queries.get_object(session, _me(node), obj["id"])
    assert got == obj
    assert json.dumps(got, sort_keys=True) == json.dumps(obj, sort_keys=True)


def test_ingest_same_version_twice_stores_once(node: Node) -> None:
    obj = incident(node.org_id)
    assert _ingest(node, obj).outcome is Outcome.CREATED
    assert _ingest(node, dict(obj)).outcome is Outcome.DUPLICATE
    with node.db.session() as session:
        n = session.scalar(select(func.count()).where(ObjectVersion.stix_id == obj["id"]))
    assert n == 1


def test_ingest_same_instant_spelled_differently_is_the_same_version(node: Node) -> None:
    obj = incident(node.org_id, modified="2025-03-01T10:00:00Z")
    obj["created"] = "2025-03-01T10:00:00Z"
    assert _ingest(node, obj).ok
    other = {**obj, "modified": "2025-03-01T10:00:00.000Z", "name": "changed"}
    result = _ingest(node, other)
    assert result.outcome is Outcome.REJECTED
    assert "newer modified" in result.message


def test_ingest_versions_newest_is_current_even_out_of_order(node: Node) -> None:
    sid = new_id("incident")
    v1 = incident(node.org_id, stix_id=sid, name="v1", modified="2025-03-01T10:00:00.000Z")
    v3 = incident(node.org_id, stix_id=sid, name="v3", modified="2025-03-03T10:00:00.000Z")
    v2 = incident(node.org_id, stix_id=sid, name="v2", modified="2025-03-02T10:00:00.000Z")
    assert _ingest(node, v1).outcome is Outcome.CREATED
    assert _ingest(node, v3).outcome is Outcome.CREATED
    assert _ingest(node, v2).outcome is Outcome.STORED_OLDER
    with node.db.session() as session:
        assert queries.get_object(session, _me(node), sid)["name"] == "v3"
        names = [v["name"] for v in queries.get_versions(session, _me(node), sid)]
        index_name = session.scalar(select(ObjectIndex.name).where(ObjectIndex.stix_id == sid))
    assert names == ["v1", "v2", "v3"]
    assert index_name == "v3"


def test_ingest_revoked_object_is_hidden_and_final(node: Node) -> None:
    sid = new_id("incident")
    _ingest(node, incident(node.org_id, stix_id=sid))
    revoked = incident(node.org_id, stix_id=sid, modified="2025-04-01T00:00:00.000Z")
    revoked["revoked"] = True
    assert _ingest(node, revoked).outcome is Outcome.CREATED
    later = incident(node.org_id, stix_id=sid, modified="2025-05-01T00:00:00.000Z")
    result = _ingest(node, later)
    assert result.outcome is Outcome.REJECTED and "revoked" in result.message
    with node.db.session() as session:
        flt = ObjectFilter(types=("incident",))
        assert sid not in {o["id"] for o in queries.list_objects(session, _me(node), flt).items}
        flt_all = ObjectFilter(types=("incident",), include_revoked=True)
        assert sid in {o["id"] for o in queries.list_objects(session, _me(node), flt_all).items}


def test_ingest_new_version_by_another_originator_is_rejected(node: Node) -> None:
    mali = new_id("identity")
    sid = new_id("incident")
    _ingest(node, incident(node.org_id, stix_id=sid))
    forged = incident(mali, stix_id=sid, modified="2025-06-01T00:00:00.000Z")
    result = _ingest(node, forged)
    assert result.outcome is Outcome.REJECTED
    assert "only it may issue versions" in result.message


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"modified": "yesterday"}, "/modified"),
        ({"spec_version": "2.0"}, "/spec_version"),
        ({"name": ""}, "/name"),
        ({"id": "incident--not-a-uuid"}, "/id"),
        ({"created_by_ref": "malware--2f0d3a4e-4b7c-4d8e-9f1a-2b3c4d5e6f70"}, "/created_by_ref"),
        ({"modified": "2020-01-01T00:00:00.000Z"}, "/modified"),
        ({"Bad-Key": 1}, "/Bad-Key"),
    ],
)
def test_ingest_invalid_object_is_rejected_with_where_and_nothing_stored(
    node: Node, change: dict[str, object], where: str
) -> None:
    obj = {**incident(node.org_id), **change}
    result = _ingest(node, obj)
    assert result.outcome is Outcome.REJECTED
    assert where in [p.where for p in result.problems]
    with node.db.session() as session:
        assert (
            session.scalar(select(func.count()).where(ObjectVersion.stix_type == "incident")) == 0
        )


def test_ingest_signed_object_verifies_and_altered_one_is_rejected(node: Node) -> None:
    mali_signer = Signer(Ed25519PrivateKey.generate())
    mali = new_id("identity")
    with node.db.transaction() as session:
        upsert_org(
            session,
            node,
            identity_id=mali,
            name="Mali",
            country="ML",
            public_key=mali_signer.public_b64,
        )
    good = mali_signer.sign(incident(mali))
    assert _ingest(node, good, require_signature=True).ok
    altered = mali_signer.sign(incident(mali))
    altered["name"] = "tampered"
    result = _ingest(node, altered, require_signature=True)
    assert result.outcome is Outcome.REJECTED and "signature" in result.message
    impostor = Signer(Ed25519PrivateKey.generate()).sign(incident(mali))
    assert _ingest(node, impostor).outcome is Outcome.REJECTED
    unsigned = _ingest(node, incident(mali), require_signature=True)
    assert unsigned.outcome is Outcome.REJECTED and "not signed" in unsigned.message


def test_ingest_signature_of_unknown_organization_is_rejected(node: Node) -> None:
    stranger = new_id("identity")
    signed = Signer(Ed25519PrivateKey.generate()).sign(incident(stranger))
    result = _ingest(node, signed)
    assert result.outcome is Outcome.REJECTED
    assert "not in the member directory" in result.message


def test_ingest_two_release_sets_on_one_object_is_rejected(node: Node) -> None:
    mali, niger = new_id("identity"), new_id("identity")
    _ingest(node, release_marking(node.org_id, {mali}))
    _ingest(node, release_marking(node.org_id, {niger}))
    marks = shared(node.org_id, {mali}) + shared(node.org_id, {niger})[1:]
    result = _ingest(node, incident(node.org_id, markings=marks))
    assert result.outcome is Outcome.REJECTED
    assert "more than one" in result.message


def test_projection_extracts_incident_fields(node: Node) -> None:
    obj = incident(
        node.org_id,
        event_type="battle",
        sub_type="ambush",
        latitude=16.27,
        longitude=-0.04,
        country="ML",
        killed=7,
        wounded=3,
        kidnapped=0,
        start_time="2025-02-27T04:00:00.000Z",
        time_precision="hour",
        narrative="Embuscade près de Gao",
    )
    _ingest(node, obj)
    with node.db.session() as session:
        row = session.get(ObjectIndex, obj["id"])
    assert row is not None
    assert (row.event_type, row.sub_type, row.country, row.killed, row.wounded) == (
        "battle",
        "ambush",
        "ML",
        7,
        3,
    )
    assert row.lat == pytest.approx(16.27) and row.lon == pytest.approx(-0.04)
    assert row.start_at is not None and row.start_at.isoformat() == "2025-02-27T04:00:00+00:00"
    assert "embuscade" in row.search_text


def test_rebuild_projections_recreates_the_same_index(node: Node) -> None:
    for i in range(30):
        _ingest(
            node,
            incident(
                node.org_id,
                name=f"Incident {i}",
                event_type="battle",
                country="NE",
                killed=i,
                latitude=13.5,
                longitude=2.1,
            ),
        )

    def snapshot() -> list[tuple[object, ...]]:
        with node.db.session() as session:
            rows = session.scalars(select(ObjectIndex).order_by(ObjectIndex.stix_id)).all()
            return [tuple(getattr(r, c.key) for c in ObjectIndex.__table__.columns) for r in rows]

    before = snapshot()
    with node.db.transaction() as session:
        session.execute(ObjectIndex.__table__.delete())
    assert snapshot() == []
    with node.db.transaction() as session:
        assert rebuild_projections(session, batch=7) == len(before)
    assert snapshot() == before


def test_ingest_created_before_modified_timestamp_kept_verbatim(node: Node) -> None:
    obj = incident(node.org_id, modified="2025-03-01T10:00:00.123456Z")
    obj["created"] = TS
    _ingest(node, obj)
    with node.db.session() as session:
        assert (
            queries.get_object(session, _me(node), obj["id"])["modified"]
            == "2025-03-01T10:00:00.123456Z"
        )
