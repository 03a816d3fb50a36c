"""Builders of STIX objects and organizations for tests."""

from __future__ import annotations

import hashlib
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hoggar.kernel.ids import new_id
from hoggar.kernel.signing import Signer
from hoggar.sharing.markings import TLP, TLP2_IDS, ReleaseSet
from hoggar.stix.extensions import INCIDENT_EXTENSION_ID

TS = "2025-03-01T10:00:00.000Z"


def incident(
    originator: str | None,
    *,
    name: str = "Ambush near Ménaka",
    modified: str = TS,
    markings: list[str] | None = None,
    stix_id: str | None = None,
    **ext: Any,
) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "type": "incident",
        "spec_version": "2.1",
        "id": stix_id or new_id("incident"),
        "created": TS,
        "modified": modified,
        "name": name,
    }
    if originator:
        obj["created_by_ref"] = originator
    if markings:
        obj["object_marking_refs"] = markings
    if ext:
        obj["extensions"] = {INCIDENT_EXTENSION_ID: {"extension_type": "property-extension", **ext}}
    return obj


def member_signer(identity_id: str) -> Signer:
    """A member organization's key, the same in every test (derived from its id)."""
    seed = hashlib.sha256(identity_id.encode()).digest()
    return Signer(Ed25519PrivateKey.from_private_bytes(seed))


def member_key(identity_id: str) -> str:
    """Its public key, as the member directory holds it."""
    return member_signer(identity_id).public_b64


def release_marking(
    creator: str, members: set[str], signer: Signer | None = None
) -> dict[str, Any]:
    marking = ReleaseSet(creator=creator, members=frozenset(members)).to_marking(TS)
    return signer.sign(marking) if signer else marking


def shared(originator: str, members: set[str], tlp: TLP = TLP.AMBER) -> list[str]:
    return [TLP2_IDS[tlp], ReleaseSet(creator=originator, members=frozenset(members)).marking_id]
