"""Sealed release sets: recipients who do not learn who else received a record.

A disclosed release set (`hoggar.sharing.markings.ReleaseSet`) lists its members in
the marking every recipient holds, so each learns the others. When the originator does
not choose to show them (issue 10; MISP's sharing groups had the same leak), the
marking carries `sealed_release_to` instead: one libsodium sealed box (X25519 +
XSalsa20-Poly1305, the keys derived from each organization's Ed25519 key in the member
directory) per organization that must know something:

- each recipient's box holds its own identity only: it learns that it may hold the
  record and nothing about the others;
- the originator's box and the joint staff's (the relays, docs/federation.md) hold the
  whole set: the originator keeps it across a backup and restore, a relay can still
  serve each member what it may read.

Every box has the same length (the list is padded to a multiple of PAD bytes) and
random boxes of that length pad the list to a multiple of BOXES, so the marking shows
neither how many received the record nor which box is whose. The marking id is a
UUIDv5 of the creator and an HMAC of the members under a key derived from the
originator's private key: two records shared with the same set share the marking (as
disclosed sets do), and nobody else can test a guessed set against the id.

The marking is signed by its originator like any record; a node learns its members by
opening what it can (`Opener`) when the marking is stored, and keeps them as the
marking's release rows — the same rows every read path already consults.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, PublicKey, SealedBox
from nacl.signing import SigningKey, VerifyKey

from hoggar.kernel.ids import derived_id, is_id

SEALED_PROPERTY = "sealed_release_to"
PAD = 1024  # bytes of each box's plaintext (about 20 identities)
BOXES = 4  # the list of boxes is padded to a multiple of this
_BOX_OVERHEAD = 48  # ephemeral public key (32) + Poly1305 tag (16)


def x25519_public(ed25519_b64: str) -> PublicKey:
    """The X25519 key to seal to, from an organization's Ed25519 key (b64)."""
    return VerifyKey(base64.b64decode(ed25519_b64)).to_curve25519_public_key()


def x25519_private(seed: bytes) -> PrivateKey:
    """The X25519 key that opens boxes sealed to the node's Ed25519 key (its seed)."""
    return SigningKey(seed).to_curve25519_private_key()


def sealed_marking_id(creator: str, members: Iterable[str], seed: bytes) -> str:
    """Stable for one originator and set; not computable without the originator's key."""
    key = hashlib.sha256(b"hoggar sealed release set\x00" + seed).digest()
    digest = hmac.new(key, "\n".join(sorted(set(members))).encode(), hashlib.sha256).hexdigest()
    return derived_id("marking-definition", "sealed-release-set", creator, digest)


def _plaintext(ids: Sequence[str]) -> bytes:
    raw = json.dumps(sorted(ids), separators=(",", ":")).encode()
    size = max(1, -(-len(raw) // PAD)) * PAD
    return raw + b" " * (size - len(raw))


def seal(
    creator: str,
    members: Iterable[str],
    keys: Mapping[str, str],
    relays: Iterable[str] = (),
) -> list[str]:
    """The boxes of a sealed set: `keys` maps the creator and every member to its
    Ed25519 public key (b64); `relays` are members told the whole set."""
    members = sorted(set(members) - {creator})
    whole = [creator, *members]
    full = _plaintext(whole)
    told_all = {creator, *(r for r in relays if r in members)}
    texts = {org: full if org in told_all else _plaintext([org]) for org in whole}
    size = len(full)  # the longest: every other text names fewer identities
    boxes = [
        SealedBox(x25519_public(keys[org])).encrypt(text + b" " * (size - len(text)))
        for org, text in texts.items()
    ]
    while len(boxes) % BOXES:
        boxes.append(os.urandom(size + _BOX_OVERHEAD))  # indistinguishable from a box
    # No order to read anything from: sorted by content, which is random.
    return sorted(base64.b64encode(b).decode() for b in boxes)


@dataclass(frozen=True)
class Opener:
    """What one node can read in sealed sets: the boxes sealed to its organization."""

    org_id: str
    key: PrivateKey

    @classmethod
    def from_seed(cls, org_id: str, seed: bytes) -> Opener:
        return cls(org_id, x25519_private(seed))

    def members(self, boxes: Sequence[Any]) -> frozenset[str]:
        """Every identity the boxes sealed to this organization name (its own at least,
        the whole set for the originator and relays); empty if none is for it."""
        box = SealedBox(self.key)
        found: set[str] = set()
        for entry in boxes:
            try:
                text = box.decrypt(base64.b64decode(entry, validate=True))
                ids = json.loads(text)
            except (CryptoError, ValueError):
                continue
            if isinstance(ids, list) and self.org_id in ids:
                found.update(i for i in ids if is_id(i, "identity"))
        return frozenset(found)


def check_boxes(value: Any) -> str | None:
    """Why `sealed_release_to` is malformed, or None."""
    if not isinstance(value, list) or not value:
        return f"{SEALED_PROPERTY} must be a non-empty list of base64 sealed boxes"
    for i, entry in enumerate(value):
        try:
            raw = base64.b64decode(entry, validate=True) if isinstance(entry, str) else b""
        except ValueError:
            raw = b""
        if len(raw) <= _BOX_OVERHEAD:
            return f"{SEALED_PROPERTY}[{i}] is not a base64 sealed box"
    return None
