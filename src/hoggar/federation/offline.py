"""Offline bundles for air-gapped nodes: signed by the sender, sealed for one recipient.

File layout (all integers big-endian):

    b"HOGGAR-BUNDLE/1\\n" | u32 header length | header JSON | u64 payload length |
    payload | 64-byte Ed25519 signature over everything before it

The header names sender, recipient, period and counts in clear so a wrong or stale
bundle is refused before any decryption. The payload is a libsodium sealed box
(X25519, derived from the recipient's Ed25519 key) of zstd-compressed JSON holding the
objects — exactly the versions the recipient may receive, added since the last bundle.
A bundle that is truncated, altered, misaddressed or from an unknown sender is
refused with a clear error and nothing is applied.
"""

from __future__ import annotations

import hashlib
import json
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import zstandard
from nacl.exceptions import CryptoError
from nacl.public import SealedBox
from sqlalchemy import select

from hoggar.audit.service import Action, record
from hoggar.context import Node, Principal, Role
from hoggar.federation.models import BundleCursor, ReceivedBundle
from hoggar.federation.taxii import format_added
from hoggar.kernel.clock import parse_stix, utcnow
from hoggar.kernel.errors import Conflict, HoggarError, Invalid, Problem
from hoggar.kernel.jsonutil import load_object
from hoggar.kernel.sealing import x25519_public
from hoggar.kernel.signing import verify_bytes
from hoggar.orgs.service import get_org, org_names, public_key_of
from hoggar.records.inbound import Channel, receiving
from hoggar.sharing.rule import current_visible_to
from hoggar.stix.models import ObjectVersion

MAGIC = b"HOGGAR-BUNDLE/1\n"
SIGNATURE_SIZE = 64
MAX_HEADER = 64 * 1024


class BundleRefused(HoggarError):
    """The offline bundle cannot be applied; nothing from it was stored."""


@dataclass
class BundleSummary:
    path: Path | None
    sender: str
    recipient: str
    objects: int
    since: str | None
    until: str | None
    size: int
    created: int = 0
    duplicates: int = 0
    rejected: int = 0


def export_bundle(
    node: Node, to_org: str, path: Path, *, actor: str = "cli", since: str | None = None
) -> BundleSummary:
    """Write what `to_org` may receive, added since its last bundle, to `path`."""
    with node.db.session() as session:
        recipient = get_org(session, to_org)
        if not recipient.public_key:
            raise Invalid(
                "The recipient has no public key in the member directory.",
                [Problem("--to", "add its card with `hoggar org add`")],
            )
        cursor_row = session.get(BundleCursor, to_org)
        start = since or (cursor_row.last_added if cursor_row else None)
        principal = Principal(
            org_id=to_org, name=f"bundle:{recipient.name}", role=Role.PEER, kind="peer"
        )
        stmt = select(ObjectVersion.body, ObjectVersion.added_at).where(
            current_visible_to(principal)
        )
        if start:
            stmt = stmt.where(ObjectVersion.added_at > parse_stix(start))
        rows = session.execute(stmt.order_by(ObjectVersion.added_at, ObjectVersion.pk)).all()
    until = format_added(rows[-1].added_at) if rows else start
    inner = {
        "from": node.org_id,
        "to": to_org,
        "since": start,
        "until": until,
        "objects": [load_object(r.body) for r in rows],
    }
    compressed = zstandard.ZstdCompressor(level=19).compress(
        json.dumps(inner, ensure_ascii=False, separators=(",", ":")).encode()
    )
    payload = SealedBox(x25519_public(recipient.public_key)).encrypt(compressed)
    header = {
        "format": 1,
        "from": node.org_id,
        "to": to_org,
        "created": format_added(utcnow()),
        "since": start,
        "until": until,
        "objects": len(rows),
        "compression": "zstd",
        "cipher": "x25519-xsalsa20poly1305-sealedbox",
        "signer_key": node.signer.kid,
        "payload_sha256": hashlib.sha256(payload).hexdigest(),
    }
    header_bytes = json.dumps(header, separators=(",", ":")).encode()
    body = (
        MAGIC
        + struct.pack(">I", len(header_bytes))
        + header_bytes
        + struct.pack(">Q", len(payload))
        + payload
    )
    data = body + node.signer.sign_bytes(body)
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(path)
    with node.db.transaction() as session:
        row = session.get(BundleCursor, to_org)
        if row is None:
            row = BundleCursor(
                org_id=to_org, last_added=until or "", bundles_sent=0, updated_at=utcnow()
            )
            session.add(row)
        row.last_added, row.bundles_sent, row.updated_at = (
            until or row.last_added,
            row.bundles_sent + 1,
            utcnow(),
        )
        record(
            session,
            node.signer,
            actor=actor,
            org_id=node.org_id,
            action=Action.BUNDLE_EXPORT,
            target=to_org,
            detail={
                "objects": len(rows),
                "since": start,
                "until": until,
                "bytes": len(data),
                "file": path.name,
            },
        )
    return BundleSummary(path, node.org_id, to_org, len(rows), start, until, len(data))


def _parse(data: bytes) -> tuple[dict[str, Any], bytes, bytes, bytes]:
    """Split a bundle file into (header, payload, signed part, signature) or refuse it."""
    if not data.startswith(MAGIC):
        raise BundleRefused("This file is not a Hoggar offline bundle.")
    try:
        pos = len(MAGIC)
        (hlen,) = struct.unpack_from(">I", data, pos)
        if hlen > MAX_HEADER:
            raise BundleRefused("The bundle header is implausibly large: the file is damaged.")
        pos += 4
        header = json.loads(data[pos : pos + hlen])
        pos += hlen
        (plen,) = struct.unpack_from(">Q", data, pos)
        pos += 8
    except (struct.error, ValueError) as exc:
        raise BundleRefused("The bundle is truncated or damaged (unreadable header).") from exc
    end = pos + plen
    if len(data) != end + SIGNATURE_SIZE:
        raise BundleRefused(
            f"The bundle is truncated or has extra bytes ({len(data)} bytes, "
            f"expected {end + SIGNATURE_SIZE})."
        )
    if not isinstance(header, dict) or not {"from", "to", "payload_sha256"} <= header.keys():
        raise BundleRefused("The bundle header lacks sender, recipient or checksum.")
    return header, data[pos:end], data[:end], data[end:]


def read_bundle(node: Node, data: bytes) -> tuple[dict[str, Any], dict[str, Any]]:
    """Verify and open a bundle addressed to this node: (header, inner document)."""
    header, payload, signed, signature = _parse(data)
    if header["to"] != node.org_id:
        with node.db.session() as session:
            addressee = org_names(session).get(header["to"], header["to"])
        raise BundleRefused(
            f"This bundle is addressed to {addressee}, not to this node ({node.org_name}); "
            "it was not applied."
        )
    with node.db.session() as session:
        sender_key = public_key_of(session, header["from"])
    if not sender_key:
        raise BundleRefused(f"The bundle's sender {header['from']} is not in the member directory.")
    if not verify_bytes(signed, signature, sender_key):
        raise BundleRefused(
            "The bundle's signature does not verify: it was altered or is not "
            "from the sender it names."
        )
    if hashlib.sha256(payload).hexdigest() != header["payload_sha256"]:
        raise BundleRefused("The bundle's payload does not match its checksum.")
    try:
        compressed = SealedBox(node.opener.key).decrypt(payload)
        inner = json.loads(zstandard.ZstdDecompressor().decompress(compressed))
    except (CryptoError, zstandard.ZstdError, ValueError) as exc:
        raise BundleRefused("The bundle could not be decrypted with this node's key.") from exc
    if inner.get("from") != header["from"] or inner.get("to") != header["to"]:
        raise BundleRefused("The bundle's sealed contents name another sender or recipient.")
    if not isinstance(inner.get("objects"), list):
        raise BundleRefused("The bundle's contents hold no object list.")
    return header, inner


def import_bundle(node: Node, path: Path, *, actor: str = "cli") -> BundleSummary:
    """Verify, decrypt and apply a bundle; refused bundles change nothing (and are audited)."""
    data = path.read_bytes()
    try:
        header, inner = read_bundle(node, data)
    except BundleRefused as exc:
        with node.db.transaction() as session:
            record(
                session,
                node.signer,
                actor=actor,
                org_id=node.org_id,
                action=Action.BUNDLE_REFUSED,
                target=path.name[:300],
                detail={"reason": exc.message},
            )
        raise
    digest = hashlib.sha256(data).hexdigest()
    objects = inner["objects"]
    summary = BundleSummary(
        path,
        header["from"],
        header["to"],
        len(objects),
        header.get("since"),
        header.get("until"),
        len(data),
    )
    channel = Channel.federation(f"bundle:{header['from']}"[:120], actor, f"bundle:{path.name}")
    with receiving(node) as inbox:
        session = inbox.session
        if session.get(ReceivedBundle, digest) is not None:
            raise Conflict("This bundle was already applied here; nothing was changed.")
        got = inbox.receive(objects, channel)
        summary.duplicates += got.duplicates
        summary.created += got.created
        summary.rejected += got.rejected
        session.add(
            ReceivedBundle(
                sha256=digest,
                sender_org_id=header["from"],
                created=str(header.get("created", "")),
                objects=len(objects),
                applied_at=utcnow(),
            )
        )
        record(
            session,
            node.signer,
            actor=actor,
            org_id=node.org_id,
            action=Action.BUNDLE_IMPORT,
            target=path.name[:300],
            detail={
                "from": header["from"],
                "objects": len(objects),
                "created": summary.created,
                "rejected": summary.rejected,
            },
        )
    return summary
