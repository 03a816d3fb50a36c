"""Secrets the node keeps in its database, encrypted under a key only its key file gives.

The tokens this node presents to its peers (`peers.outbound_token`) open another
state's node: a copy of the database alone (a dump, a replica, a stolen backup of the
database without the key directory, a read through SQL) must not hand them over. They
are stored as `sealed:v1:` + XSalsa20-Poly1305 (libsodium secretbox) under a key
derived from the node's Ed25519 seed, which lives in the data directory's key file
(mode 600), not in the database. Tokens stored in clear before are sealed when the
node opens (`hoggar.federation.peers.seal_clear_peer_tokens`) and still read meanwhile.
"""

from __future__ import annotations

import base64
import hashlib

from nacl.exceptions import CryptoError
from nacl.secret import SecretBox

from hoggar.kernel.signing import Signer

PREFIX = "sealed:v1:"


def _box(signer: Signer) -> SecretBox:
    return SecretBox(hashlib.sha256(b"hoggar database secrets\x00" + signer.seed()).digest())


def seal_secret(signer: Signer, value: str) -> str:
    return PREFIX + base64.b64encode(_box(signer).encrypt(value.encode())).decode()


def open_secret(signer: Signer, stored: str | None) -> str | None:
    """The secret, from its sealed form (or as stored, if it predates sealing)."""
    if not stored or not stored.startswith(PREFIX):
        return stored or None
    try:
        return _box(signer).decrypt(base64.b64decode(stored.removeprefix(PREFIX))).decode()
    except (CryptoError, ValueError) as exc:
        raise ValueError(
            "a stored secret does not open with this node's key (was the key replaced?)"
        ) from exc
