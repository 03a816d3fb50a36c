"""Federation between nodes over real HTTP: pull, push, relay, tampering, offline bundles."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select

from factories import incident
from federation_kit import Member, link, peer_token, running_members
from hoggar.audit.models import AuditEntry
from hoggar.context import Principal
from hoggar.federation import offline, sync
from hoggar.federation.peers import get_peer, peer_status
from hoggar.kernel.errors import Conflict
from hoggar.kernel.secrets import open_secret
from hoggar.kernel.signing import Signer
from hoggar.node.service import open_node
from hoggar.stix.models import ObjectVersion
from hoggar.store import queries
from hoggar.store.filters import ObjectFilter

pytestmark = pytest.mark.usefixtures("backend")


@pytest.fixture
def members(tmp_path: Path, backend: str) -> Iterator[dict[str, Member]]:
    """Algeria, Mali, Niger and the joint staff, each serving TAXII on loopback."""
    with running_members(tmp_path, ["DZ", "ML", "NE", "JS"], backend) as ms:
        yield ms


def _ids(m: Member, stix_type: str = "incident") -> set[str]:
    me = Principal(org_id=m.org, name="probe")
    with m.node.db.session() as session:
        return {
            o["id"]
            for o in queries.list_objects(
                session,
                me,
                ObjectFilter(types=(stix_type,), include_revoked=True),
                limit=1000,
            ).items
        }


def _version_rows(m: Member) -> int:
    with m.node.db.session() as session:
        return int(session.scalar(select(func.count()).select_from(ObjectVersion)) or 0)


def test_sync_relay_through_joint_staff_delivers_exactly_the_release_sets(
    members: dict[str, Member],
) -> None:
    dz, ml, ne, js = (members[c] for c in ("DZ", "ML", "NE", "JS"))
    to_js = dz.create("to joint staff", [js.org])
    to_js_ml = dz.create("to joint staff and Mali", [js.org, ml.org])
    to_ml_only = dz.create("to Mali only", [ml.org])
    dz.create("Algeria only", [])
    to_all = dz.create("to everyone", [js.org, ml.org, ne.org])
    link(js, dz)  # the joint staff pulls from Algeria
    link(ml, js)  # Mali pulls from the joint staff only: no direct Algeria-Mali link
    link(ne, js)
    assert sync.sync_peer(js.node, "dz").ok
    assert sync.sync_peer(ml.node, "js").ok
    assert sync.sync_peer(ne.node, "js").ok
    assert _ids(js) == {to_js, to_js_ml, to_all}
    # to_ml_only never reached JS, so JS cannot relay it: no direct link is configured.
    assert _ids(ml) == {to_js_ml, to_all} and to_ml_only not in _ids(ml)
    assert _ids(ne) == {to_all}
    with ml.node.db.session() as session:
        relayed = queries.get_object(session, Principal(org_id=ml.org, name="p"), to_js_ml)
    assert relayed["created_by_ref"] == dz.org
    from hoggar.kernel.signing import verify_object

    verify_object(relayed, dz.node.signer.public_b64)  # Algeria's signature, intact via JS


def test_sync_twice_stores_each_version_once_and_resumes_from_cursor(
    members: dict[str, Member],
) -> None:
    dz, js = members["DZ"], members["JS"]
    for i in range(12):
        dz.create(f"incident {i}", [js.org])
    link(js, dz)
    first = sync.pull(js.node, "dz", page_size=5)
    assert first.received > 12 and first.pages >= 3
    rows = _version_rows(js)
    again = sync.pull(js.node, "dz", page_size=5)
    assert again.received == 0
    assert _version_rows(js) == rows
    newer = dz.create("one more", [js.org])
    third = sync.pull(js.node, "dz", page_size=5)
    assert newer in _ids(js)
    assert third.received >= 1 and third.pages == 1
    with js.node.db.session() as session:
        status = peer_status(get_peer(session, "dz"))
    assert status["pull_cursor"] is not None and status["objects_received"] >= 14


def test_peer_tokens_are_stored_sealed_and_clear_ones_sealed_on_opening(
    members: dict[str, Member],
) -> None:
    """The token a node presents to its peer opens the peer's node: the database holds
    it only sealed under the node's key file; one stored in clear (before sealing) is
    sealed when the node next opens, and sync goes on working throughout."""
    dz, js = members["DZ"], members["JS"]
    link(js, dz)
    with js.node.db.session() as session:
        stored = str(get_peer(session, "dz").outbound_token)
    token = open_secret(js.node.signer, stored)
    assert stored.startswith("sealed:v1:") and token and token not in stored
    assert sync.sync_peer(js.node, "dz").ok
    with js.node.db.transaction() as session:
        get_peer(session, "dz").outbound_token = token  # as a node before sealing kept it
    assert sync.sync_peer(js.node, "dz").ok  # still read meanwhile
    reopened = open_node(js.node.settings)
    try:
        with reopened.db.session() as session:
            again = str(get_peer(session, "dz").outbound_token)
        assert again.startswith("sealed:v1:") and token not in again
        assert open_secret(reopened.signer, again) == token
        assert sync.sync_peer(reopened, "dz").ok
        with pytest.raises(ValueError, match="does not open with this node's key"):
            open_secret(dz.node.signer, again)  # another key (a replaced key file)
    finally:
        reopened.close()


def test_sync_status_records_failure_and_recovery(members: dict[str, Member]) -> None:
    dz, js = members["DZ"], members["JS"]
    link(js, dz)
    with js.node.db.transaction() as session:
        get_peer(session, "dz").outbound_token = "hgr_deadbeef_wrong"
    report = sync.sync_peer(js.node, "dz")
    assert not report.ok and "401" in report.errors[0]
    with js.node.db.session() as session:
        failed = peer_status(get_peer(session, "dz"))
    assert failed["last_error"] and failed["last_success_at"] is None
    link(js, dz)
    assert sync.sync_peer(js.node, "dz").ok
    with js.node.db.session() as session:
        ok = peer_status(get_peer(session, "dz"))
    assert ok["last_error"] is None and ok["lag_seconds"] is not None


def test_push_sends_only_what_the_peer_may_receive(members: dict[str, Member]) -> None:
    dz, ml, js = members["DZ"], members["ML"], members["JS"]
    for_js = dz.create("for JS", [js.org])
    dz.create("for Mali", [ml.org])
    link(dz, js, push=True)
    report = sync.sync_peer(dz.node, "js")
    assert report.ok and report.sent >= 1
    assert _ids(js) == {for_js}


def _post_as_peer(sender: Member, receiver: Member, objects: list[dict]) -> dict:  # type: ignore[type-arg]
    import httpx

    link(sender, receiver)
    token = peer_token(sender, receiver.code.lower())
    from hoggar.federation.taxii import collection_id

    r = httpx.post(
        f"{receiver.url}collections/{collection_id(receiver.node)}/objects/",
        json={"objects": objects},
        headers={
            "Authorization": f"Bearer {token}",
            "Accept": "application/taxii+json;version=2.1",
            "Content-Type": "application/taxii+json;version=2.1",
        },
    )
    assert r.status_code == 202, r.text
    return r.json()  # type: ignore[no-any-return]


def _rejections(m: Member) -> int:
    with m.node.db.session() as session:
        return int(
            session.scalar(select(func.count()).where(AuditEntry.action == "object.rejected")) or 0
        )


def test_tampered_objects_from_a_peer_are_rejected_and_audited(members: dict[str, Member]) -> None:
    dz, js, ml = members["DZ"], members["JS"], members["ML"]
    sid = dz.create("genuine", [js.org])
    with dz.node.db.session() as session:
        genuine = queries.get_object(session, Principal(org_id=dz.org, name="p"), sid)
        marking = queries.get_object(
            session, Principal(org_id=dz.org, name="p"), genuine["object_marking_refs"][1]
        )
    altered = {**genuine, "name": "altered in transit"}
    forged = Signer(Ed25519PrivateKey.generate()).sign(
        incident(dz.org, markings=genuine["object_marking_refs"])
    )
    unsigned = incident(dz.org, markings=genuine["object_marking_refs"])
    before = _rejections(js)
    status = _post_as_peer(ml, js, [marking, altered, forged, unsigned])
    assert status["failure_count"] == 3 and status["success_count"] == 1
    reasons = " ".join(f["message"] for f in status["failures"])
    assert "signature" in reasons and "not signed" in reasons
    assert _rejections(js) == before + 3
    assert _ids(js) == set()
    with js.node.db.session() as session:  # shown in `hoggar peer list` (issue 19, item 14)
        assert peer_status(get_peer(session, "ml"))["objects_rejected"] == 3


def test_replayed_old_version_does_not_replace_the_current_one(members: dict[str, Member]) -> None:
    dz, js = members["DZ"], members["JS"]
    from hoggar.records import authoring

    sid = dz.create("v1", [js.org])
    with dz.node.db.transaction() as session:
        old = queries.get_object(session, Principal(org_id=dz.org, name="p"), sid)
        authoring.update_object(session, dz.node, dz.analyst(), sid, {"name": "v2"})
    link(js, dz)
    assert sync.sync_peer(js.node, "dz").ok
    status = _post_as_peer(members["ML"], js, [old])
    assert status["success_count"] == 1  # already held: a duplicate, not a change
    with js.node.db.session() as session:
        assert queries.get_object(session, Principal(org_id=js.org, name="p"), sid)["name"] == "v2"


def test_offline_bundle_carries_exactly_what_the_recipient_may_receive(
    members: dict[str, Member], tmp_path: Path
) -> None:
    dz, ml, ne, js = (members[c] for c in ("DZ", "ML", "NE", "JS"))
    for_ml = {dz.create("for Mali", [ml.org]), dz.create("for Mali and JS", [ml.org, js.org])}
    dz.create("for Niger", [ne.org])
    path = tmp_path / "to-mali.hgb"
    summary = offline.export_bundle(dz.node, ml.org, path)
    assert summary.objects >= 2
    applied = offline.import_bundle(ml.node, path)
    assert applied.rejected == 0
    assert _ids(ml) == for_ml
    with pytest.raises(Conflict):
        offline.import_bundle(ml.node, path)
    later = dz.create("later for Mali", [ml.org])
    second = tmp_path / "to-mali-2.hgb"
    assert offline.export_bundle(dz.node, ml.org, second).objects >= 1
    offline.import_bundle(ml.node, second)
    assert _ids(ml) == for_ml | {later}
    empty = offline.export_bundle(dz.node, ml.org, tmp_path / "to-mali-3.hgb")
    assert empty.objects == 0


@pytest.mark.parametrize(
    "damage", ["flip", "truncate", "misaddressed", "not-a-bundle", "wrong-sender"]
)
def test_offline_bundle_damaged_or_misaddressed_is_refused_and_nothing_applied(
    members: dict[str, Member], tmp_path: Path, damage: str
) -> None:
    dz, ml, ne = members["DZ"], members["ML"], members["NE"]
    dz.create("for Mali and Niger", [ml.org, ne.org])
    path = tmp_path / "b.hgb"
    offline.export_bundle(dz.node, ml.org, path)
    data = bytearray(path.read_bytes())
    target = ml
    if damage == "flip":
        data[len(data) // 2] ^= 0x01
    elif damage == "truncate":
        del data[-100:]
    elif damage == "misaddressed":
        target = ne
    elif damage == "not-a-bundle":
        data = bytearray(b'{"type": "bundle"}')
    elif damage == "wrong-sender":  # re-signed by a key that is not Algeria's
        body = bytes(data[:-64])
        data = bytearray(body + Ed25519PrivateKey.generate().sign(body))
    path.write_bytes(bytes(data))
    rows = _version_rows(target)
    with pytest.raises(offline.BundleRefused) as refused:
        offline.import_bundle(target.node, path)
    assert refused.value.message
    if damage == "misaddressed":
        assert "addressed to Mali" in refused.value.message
    assert _version_rows(target) == rows
    with target.node.db.session() as session:
        assert (
            session.scalar(
                select(func.count()).where(AuditEntry.action == "offline_bundle.refused")
            )
            == 1
        )


def test_a_refused_object_is_asked_for_again_once_its_reason_is_gone(
    members: dict[str, Member],
) -> None:
    """Issue 19, item 1: Mali holds a stale key for Niger, so Niger's record relayed by
    the joint staff is refused; the sync says so, and once Mali has Niger's right card
    the next sync fetches the record again (the cursor had moved past it)."""
    from hoggar.federation.models import RefusedObject
    from hoggar.federation.peers import refused_count, reset_cursor
    from hoggar.records.identity import add_member

    ml, ne, js = members["ML"], members["NE"], members["JS"]
    stale = Signer(Ed25519PrivateKey.generate()).public_b64
    with ml.node.db.transaction() as session:
        add_member(
            session, ml.node, identity_id=ne.org, name="Niger", country="NE", public_key=stale
        )
    record = ne.create("Niger to the joint staff and Mali", [js.org, ml.org])
    link(js, ne)
    link(ml, js)
    assert sync.sync_peer(js.node, "ne").ok
    first = sync.sync_peer(ml.node, "js")
    assert not first.ok and first.rejected >= 1
    assert "asked for again" in first.errors[-1]
    assert record not in _ids(ml)
    with ml.node.db.session() as session:
        peer = get_peer(session, "js")
        assert refused_count(session, peer) >= 1
        assert peer.last_error and "refused" in peer.last_error
        assert record in set(session.scalars(select(RefusedObject.stix_id)))
    again = sync.sync_peer(ml.node, "js")  # the reason stands: still refused, still failing
    assert not again.ok and record not in _ids(ml)
    with ml.node.db.transaction() as session:
        add_member(
            session,
            ml.node,
            identity_id=ne.org,
            name="Niger",
            country="NE",
            public_key=ne.node.signer.public_b64,
        )
    fixed = sync.sync_peer(ml.node, "js")
    assert fixed.ok, fixed.errors
    assert record in _ids(ml)
    with ml.node.db.session() as session:
        peer = get_peer(session, "js")
        assert refused_count(session, peer) == 0 and peer.last_error is None
    # reset-cursor: a pull from the start stores nothing twice
    rows = _version_rows(ml)
    with ml.node.db.transaction() as session:
        reset_cursor(session, ml.node, "js", actor="test")
        assert get_peer(session, "js").pull_cursor is None
    replay = sync.sync_peer(ml.node, "js")
    assert replay.ok and replay.received == 0 and replay.duplicates > 0
    assert _version_rows(ml) == rows


def test_a_cut_link_reports_what_was_stored_before_it(members: dict[str, Member]) -> None:
    """Issue 19, item 14: the pages stored before the link failed are counted."""
    import httpx

    dz, js = members["DZ"], members["JS"]
    for i in range(9):
        dz.create(f"before the cut {i}", [js.org])
    link(js, dz)

    class CutAfter(httpx.HTTPTransport):
        def __init__(self, requests: int) -> None:
            super().__init__()
            self.left = requests

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            self.left -= 1
            if self.left < 0:
                raise httpx.ConnectError("the satellite link dropped", request=request)
            return super().handle_request(request)

    report = sync.sync_peer(js.node, "dz", page_size=3, transport=CutAfter(3))
    assert not report.ok and "dropped" in report.errors[0]
    assert report.received >= 3 and report.pages == 2  # collections + two pages
    with js.node.db.session() as session:
        assert get_peer(session, "dz").objects_received == report.received
