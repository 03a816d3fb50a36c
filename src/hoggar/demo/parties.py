"""The demo's organizations: identities, deterministic keys, and who each one shares with."""

from __future__ import annotations

import hashlib
import random
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hoggar.demo.catalog import Catalog, Org
from hoggar.demo.sampling import pick
from hoggar.kernel.ids import derived_id
from hoggar.kernel.signing import Signer
from hoggar.records.identity import identity_object
from hoggar.sharing.markings import TLP, TLP2_IDS, ReleaseSet

SELF_KEY = "DZ"  # the demo node is Algeria's
JOINT_STAFF_KEY = "JS"
# Fixed creation time of the scenario's reference objects (identities, markings, places).
SETUP_AT = "2018-12-03T08:00:00.000Z"


def demo_id(stix_type: str, *parts: str) -> str:
    """A stable id for a scenario object, in the UUIDv4 form STIX 2.1 §2.9 asks of SDOs/SROs.

    Hashing (rather than `derived_id`, a UUIDv5) keeps the ids reproducible without
    the validator's "not a valid UUIDv4" warning.
    """
    digest = hashlib.sha256("|".join(("hoggar-demo", stix_type, *parts)).encode()).digest()
    return f"{stix_type}--{uuid.UUID(bytes=digest[:16], version=4)}"


def demo_signer(seed: int, name: str) -> Signer:
    """A partner's Ed25519 key, derived from the seed so that a scenario is reproducible."""
    raw = hashlib.sha256(f"{seed}:{name}".encode()).digest()
    return Signer(Ed25519PrivateKey.from_private_bytes(raw))


@dataclass(frozen=True)
class Party:
    org: Org
    org_id: str


@dataclass
class Parties:
    """Every organization of the scenario, by key (ISO country code, or JS)."""

    by_key: dict[str, Party]
    self_org_id: str
    field_countries: tuple[str, ...]  # the joint staff's founding members
    _markings: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def names(self) -> dict[str, str]:
        return {p.org_id: p.org.name for p in self.by_key.values()}

    def release(self, creator: str, members: Iterable[str]) -> str:
        """The id of the release-set marking creator -> members (org keys), made once."""
        creator_id = self.by_key[creator].org_id
        member_ids = frozenset(self.by_key[m].org_id for m in members if m != creator)
        rs = ReleaseSet(creator=creator_id, members=member_ids)
        if rs.marking_id not in self._markings:
            self._markings[rs.marking_id] = rs.to_marking(SETUP_AT, self.names)
        return rs.marking_id

    def markings(self) -> list[dict[str, Any]]:
        return [self._markings[k] for k in sorted(self._markings)]

    def all_members(self) -> list[str]:
        return sorted(self.by_key)

    def marking_refs(self, creator: str, tlp: TLP, members: Iterable[str]) -> list[str]:
        return [TLP2_IDS[tlp], self.release(creator, members)]


def build_parties(cat: Catalog, self_org_id: str) -> Parties:
    by_key = {
        key: Party(
            org, self_org_id if key == SELF_KEY else derived_id("identity", "demo", org.name)
        )
        for key, org in cat.orgs.items()
    }
    return Parties(by_key=by_key, self_org_id=self_org_id, field_countries=cat.field_countries)


def partner_identities(parties: Parties) -> list[dict[str, Any]]:
    """STIX identities of every organization but the node's own (it already has one)."""
    out = []
    for key, party in sorted(parties.by_key.items()):
        if key == SELF_KEY:
            continue
        org = party.org
        obj = identity_object(party.org_id, org.name, org.country, org.kind, org.names)
        obj["created"] = obj["modified"] = SETUP_AT
        obj["object_marking_refs"] = parties.marking_refs(key, TLP.CLEAR, parties.all_members())
        out.append(obj)
    return out


def choose_sharing(
    rng: random.Random, parties: Parties, creator: str, neighbours: Iterable[str]
) -> tuple[TLP, list[str]]:
    """The TLP level and release set (org keys) an originator gives one incident.

    Algeria: itself only ~15 %, with the joint staff ~30 %, named neighbours ~25 %,
    all members ~30 %. Partners and the joint staff only hold on Algeria's node what
    they released to Algeria, so their sets always include it.
    """
    near = sorted({n for n in neighbours if n in parties.by_key and n != creator})
    everyone = parties.all_members()
    if creator == SELF_KEY:
        mode = pick(rng, {"self": 15, "js": 30, "near": 25, "all": 30})
        if mode == "self":
            return pick(rng, {TLP.RED: 1, TLP.AMBER_STRICT: 1}), []
        if mode == "js":
            return pick(rng, {TLP.AMBER: 3, TLP.AMBER_STRICT: 2}), [JOINT_STAFF_KEY]
        if mode == "near" and near:
            extra = [JOINT_STAFF_KEY] if rng.random() < 0.5 else []
            return pick(rng, {TLP.AMBER: 7, TLP.GREEN: 3}), near + extra
        return pick(rng, {TLP.GREEN: 3, TLP.CLEAR: 2}), everyone
    if creator == JOINT_STAFF_KEY:
        if rng.random() < 0.55:
            return TLP.GREEN, everyone
        return TLP.AMBER, sorted({*parties.field_countries, SELF_KEY})
    mode = pick(rng, {"all": 50, "js": 20, "near": 30})
    if mode == "all":
        return pick(rng, {TLP.GREEN: 3, TLP.CLEAR: 2}), everyone
    if mode == "js":
        return TLP.AMBER, [SELF_KEY, JOINT_STAFF_KEY]
    return pick(rng, {TLP.AMBER: 7, TLP.GREEN: 3}), sorted({SELF_KEY, *near, JOINT_STAFF_KEY})
