"""Ed25519 signatures over the RFC 8785 canonical JSON of a STIX object (principle 5).

The signature travels inside the object as `x_hoggar_signature` = {alg, kid, sig};
it covers every other property, so a relayed object can be verified without trusting
the relay. `kid` is the first 16 hex digits of SHA-256 of the raw public key.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from hoggar.stix.extensions import SIGNATURE_PROPERTY

ALG = "Ed25519"


def canonical_bytes(obj: Mapping[str, Any]) -> bytes:
    """RFC 8785 form of the object without its signature property."""
    body = {k: v for k, v in obj.items() if k != SIGNATURE_PROPERTY}
    return rfc8785.dumps(body)


def public_key_b64(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def load_public_key(b64: str) -> Ed25519PublicKey:
    try:
        raw = base64.b64decode(b64, validate=True)
        return Ed25519PublicKey.from_public_bytes(raw)
    except ValueError as exc:
        raise ValueError("not a base64 Ed25519 public key (32 bytes)") from exc


def key_id(public_b64: str) -> str:
    return hashlib.sha256(base64.b64decode(public_b64)).hexdigest()[:16]


def generate_private_key(path: Path) -> Ed25519PrivateKey:
    key = Ed25519PrivateKey.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path.write_bytes(pem)
    path.chmod(0o600)
    return key


def load_private_key(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 private key")
    return key


class Signer:
    """The node's signing key."""

    def __init__(self, key: Ed25519PrivateKey) -> None:
        self._key = key
        self.public_b64 = public_key_b64(key.public_key())
        self.kid = key_id(self.public_b64)

    def sign(self, obj: dict[str, Any]) -> dict[str, Any]:
        """A copy of obj carrying a fresh signature."""
        signature = self._key.sign(canonical_bytes(obj))
        signed = {k: v for k, v in obj.items() if k != SIGNATURE_PROPERTY}
        signed[SIGNATURE_PROPERTY] = {
            "alg": ALG,
            "kid": self.kid,
            "sig": base64.urlsafe_b64encode(signature).decode().rstrip("="),
        }
        return signed

    def sign_bytes(self, data: bytes) -> bytes:
        return self._key.sign(data)

    def seed(self) -> bytes:
        """The raw 32-byte private seed (for deriving the X25519 key of sealed boxes)."""
        return self._key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )


def verify_object(obj: Mapping[str, Any], public_b64: str) -> None:
    """Raise ValueError unless obj carries a valid signature by this public key."""
    sig = obj.get(SIGNATURE_PROPERTY)
    if not isinstance(sig, Mapping):
        raise ValueError("the object is not signed")
    if sig.get("alg") != ALG:
        raise ValueError(f"unsupported signature algorithm {sig.get('alg')!r}")
    if sig.get("kid") != key_id(public_b64):
        raise ValueError("signed with a key that is not its originator's")
    raw = str(sig.get("sig", ""))
    try:
        signature = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
        load_public_key(public_b64).verify(signature, canonical_bytes(obj))
    except (InvalidSignature, ValueError) as exc:
        raise ValueError("the signature does not match the object's content") from exc


def verify_bytes(data: bytes, signature: bytes, public_b64: str) -> bool:
    try:
        load_public_key(public_b64).verify(signature, data)
    except InvalidSignature:
        return False
    return True
