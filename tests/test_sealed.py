"""Sealed release sets: a recipient learns that it received a record, never who else did,
unless the originator chose to show it (issue 10; MISP CVE-2020-14969's lesson).

Boxes are checked directly (each member opens only its own; the originator and the joint
staff, which relays, open the whole set; padding hides the count), then over real HTTP
between four nodes: what Mali's peer account reads on Algeria's node, what Mali's and
Niger's nodes hold after pulling through the joint staff's relay, and what each node's
read paths say about recipients.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from stix2validator import ValidationOptions, validate_instance

from factories import member_signer
from federation_kit import Member, link, peer_token, running_members
from hoggar.context import Principal
from hoggar.federation import sync
from hoggar.federation.taxii import collection_id
from hoggar.kernel.sealing import BOXES, Opener, seal, sealed_marking_id
from hoggar.sharing.markings import sealed_boxes
from hoggar.stix.extensions import RELEASE_SET_EXTENSION_ID
from hoggar.stix.models import ObjectVersion, VersionRelease
from hoggar.store import queries

POOL = [f"identity--00000000-0000-4000-8000-{i:012d}" for i in range(1, 13)]


def _opener(org: str) -> Opener:
    return Opener.from_seed(org, member_signer(org).seed())


def _keys(orgs: list[str]) -> dict[str, str]:
    return {o: member_signer(o).public_b64 for o in orgs}


@settings(max_examples=40, deadline=None)
@given(
    creator=st.sampled_from(POOL),
    members=st.sets(st.sampled_from(POOL), min_size=1, max_size=11),
    relays=st.sets(st.sampled_from(POOL), max_size=2),
)
def test_each_member_opens_only_itself_relays_and_originator_the_whole_set(
    creator: str, members: set[str], relays: set[str]
) -> None:
    members -= {creator}
    if not members:
        return
    boxes = seal(creator, members, _keys([creator, *members]), relays)
    whole = frozenset({creator, *members})
    assert len(boxes) % BOXES == 0 and len(boxes) >= len(whole)
    assert len({len(b) for b in boxes}) == 1  # no box tells by its size whose it is
    for org in POOL:
        opened = _opener(org).members(boxes)
        if org == creator or org in relays & members:
            assert opened == whole
        elif org in members:
            assert opened == {org}
        else:
            assert opened == frozenset()


def test_the_marking_id_is_stable_and_cannot_be_guessed() -> None:
    seed = member_signer(POOL[0]).seed()
    a = sealed_marking_id(POOL[0], [POOL[1], POOL[2]], seed)
    assert a == sealed_marking_id(POOL[0], [POOL[2], POOL[1]], seed)
    assert a != sealed_marking_id(POOL[0], [POOL[1]], seed)
    # Anyone else computing it for a guessed set, without the originator's key, misses.
    assert a != sealed_marking_id(POOL[0], [POOL[1], POOL[2]], member_signer(POOL[1]).seed())


@pytest.fixture
def members(tmp_path: Path, backend: str) -> Iterator[dict[str, Member]]:
    with running_members(tmp_path, ["DZ", "ML", "NE", "JS"], backend) as ms:
        yield ms


def _release_rows(m: Member, stix_id: str) -> set[str]:
    with m.node.db.session() as session:
        return set(
            session.scalars(
                select(VersionRelease.org_id)
                .join(ObjectVersion, ObjectVersion.pk == VersionRelease.version_pk)
                .where(ObjectVersion.stix_id == stix_id, ObjectVersion.is_current.is_(True))
            )
        )


def _readable(m: Member, org: str, stix_id: str) -> bool:
    with m.node.db.session() as session:
        try:
            queries.get_object(session, Principal(org_id=org, name="probe"), stix_id)
        except Exception:
            return False
    return True


def test_recipients_learn_nothing_of_each_other_across_nodes(
    members: dict[str, Member],
) -> None:
    dz, ml, ne, js = (members[c] for c in ("DZ", "ML", "NE", "JS"))
    sealed = dz.create("Embuscade, destinataires cachés", [ml.org, ne.org, js.org], disclose=False)
    shown = dz.create("Embuscade, destinataires connus", [ml.org, ne.org, js.org])
    with dz.node.db.session() as session:
        row = queries.get_version_row(session, Principal(org_id=dz.org, name="a"), sealed)
        marking_id = row.release_marking_id
        assert marking_id is not None
        assert queries.recipients_of(session, dz.analyst(), row) == sorted([ml.org, ne.org, js.org])
        assert not queries.recipients_disclosed(session, row)
    # Algeria's node knows the whole set; so does every read path there.
    assert _release_rows(dz, sealed) == _release_rows(dz, marking_id) == {ml.org, ne.org, js.org}

    # What Mali's peer account reads from Algeria's node over TAXII: the record and its
    # marking, which names nobody but Algeria (the originator).
    link(ml, dz)
    link(ne, js)
    link(js, dz)
    with httpx.Client(timeout=30) as client:
        token = peer_token(ml, "dz")
        objects = client.get(
            f"{dz.url}collections/{collection_id(dz.node)}/objects/",
            params={"match[id]": marking_id},
            headers={
                "Authorization": f"Bearer {token}",
                "Accept": "application/taxii+json;version=2.1",
            },
        ).json()["objects"]
    (marking,) = objects
    text = json.dumps(marking)
    assert ne.org not in text and js.org not in text and ml.org not in text
    assert "release_to" not in marking["extensions"][RELEASE_SET_EXTENSION_ID]
    boxes = sealed_boxes(marking)
    assert boxes is not None and len(boxes) % BOXES == 0
    assert all(base64.b64decode(b) for b in boxes)
    assert validate_instance(marking, ValidationOptions(strict=False)).is_valid  # STIX 2.1

    # Mali pulls from Algeria; Niger only through the joint staff's relay.
    assert sync.sync_peer(ml.node, "dz").ok
    assert sync.sync_peer(js.node, "dz").ok
    assert sync.sync_peer(ne.node, "js").ok
    assert _release_rows(ml, marking_id) == {ml.org}  # Mali learnt only of itself
    assert _release_rows(ml, sealed) == {ml.org}
    assert _release_rows(ne, sealed) == {ne.org}  # relayed, and still only itself
    assert _release_rows(js, sealed) == {ml.org, ne.org, js.org}  # the relay routes
    assert _release_rows(ml, shown) == {ml.org, ne.org, js.org}  # disclosed: as chosen
    # Each holder reads the record; on Mali's node nobody else's account can (it does
    # not know whether Niger was a recipient, so it serves it to nobody but Mali).
    assert _readable(ml, ml.org, sealed) and _readable(ne, ne.org, sealed)
    assert not _readable(ml, ne.org, sealed) and not _readable(ml, js.org, sealed)
    assert _readable(ml, ne.org, shown)
    # The record arrived intact: Algeria's signature over the sealed marking verifies.
    with ml.node.db.session() as session:
        stored = session.scalar(
            select(ObjectVersion.body).where(ObjectVersion.stix_id == marking_id)
        )
    assert stored is not None and ne.org not in stored and js.org not in stored
