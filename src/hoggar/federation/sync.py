"""Pulling from and pushing to peers over TAXII 2.1, resumable and idempotent.

Pull: GET the peer's collection with `added_after` = our cursor, all versions, page by
page; each page is verified (originator signatures), stored and the cursor advanced in
one transaction, so an interruption at any point resumes where the last committed page
ended, and a page seen twice stores nothing twice. An object refused on the way (its
originator's card missing, altered in transit) is remembered (`sync_refused`) and
asked for again by id at the next sync, since the reason may have changed; a sync that
refused anything reports a failure. Push: POST, as gzip, the versions
this node holds that the peer's organization may receive and has not sent us.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from hoggar import __version__
from hoggar.audit.service import Action, record
from hoggar.context import Node, Principal, Role
from hoggar.federation.models import Peer, RefusedObject
from hoggar.federation.peers import get_peer, list_peers
from hoggar.federation.taxii import TAXII_MEDIA, format_added
from hoggar.kernel.clock import parse_stix, utcnow
from hoggar.kernel.errors import PeerFailure
from hoggar.kernel.ids import is_id
from hoggar.kernel.secrets import open_secret
from hoggar.records.inbound import Channel, Received, receiving
from hoggar.sharing.rule import current_visible_to
from hoggar.stix.models import ObjectVersion

PAGE = 500
RETRY = 200  # refused objects asked for again per sync, the longest waiting first


@dataclass
class SyncReport:
    peer: str
    received: int = 0
    duplicates: int = 0
    rejected: int = 0
    sent: int = 0
    bytes_received: int = 0
    bytes_sent: int = 0
    pages: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _client(node: Node, peer: Peer, transport: httpx.BaseTransport | None) -> httpx.Client:
    token = open_secret(node.signer, peer.outbound_token)
    if not peer.url or not token:
        raise PeerFailure(
            f"Peer {peer.name!r} has no URL or token; set them with `hoggar peer set`."
        )
    return httpx.Client(
        base_url=peer.url,
        timeout=httpx.Timeout(60, connect=10),
        transport=transport,
        headers={
            "Accept": TAXII_MEDIA,
            "Authorization": f"Bearer {token}",
            "Accept-Encoding": "zstd, gzip",
            "User-Agent": f"hoggar/{__version__}",
        },
    )


def _collection_url(client: httpx.Client) -> str:
    r = _checked(client.get("collections/"))
    collections = r.json().get("collections") or []
    readable = [c for c in collections if c.get("can_read")]
    if not readable:
        raise PeerFailure("The peer offers no readable collection.")
    return f"collections/{readable[0]['id']}/"


def _checked(response: httpx.Response) -> httpx.Response:
    if response.status_code >= 400:
        try:
            detail = response.json().get("description") or response.text[:200]
        except ValueError:
            detail = response.text[:200]
        raise PeerFailure(f"The peer answered {response.status_code}: {detail}")
    return response


def _wire_bytes(response: httpx.Response) -> int:
    """Bytes of the body as they crossed the wire (compressed), plus the headers."""
    headers = sum(len(k) + len(v) + 4 for k, v in response.headers.raw)
    return response.num_bytes_downloaded + headers


def pull(
    node: Node,
    peer_name: str,
    *,
    page_size: int = PAGE,
    transport: httpx.BaseTransport | None = None,
    on_page: Callable[[int], None] | None = None,
    report: SyncReport | None = None,
) -> SyncReport:
    """Fetch everything new from the peer, each page committed with the advanced cursor;
    then ask again for what earlier pulls refused. `report` (filled as pages are
    stored) keeps what was done if the link fails midway."""
    started = utcnow()
    with node.db.session() as session:
        peer = get_peer(session, peer_name)
    report = report or SyncReport(peer_name)
    with _client(node, peer, transport) as client:
        base = _collection_url(client)
        params: dict[str, Any] = {"match[version]": "all", "limit": page_size}
        if peer.pull_cursor:
            # Exact: a Hoggar peer's date_added is in commit order (hoggar.kernel.added_clock).
            params["added_after"] = peer.pull_cursor
        while True:
            response = _checked(client.get(base + "objects/", params=params))
            envelope = response.json()
            objects = envelope.get("objects") or []
            last_added = response.headers.get("X-TAXII-Date-Added-Last")
            report.bytes_received += _wire_bytes(response)
            report.pages += 1
            _store_page(node, peer_name, objects, last_added, report, _wire_bytes(response))
            if on_page:
                on_page(len(objects))
            if not envelope.get("more") or not envelope.get("next"):
                break
            params = {"match[version]": "all", "limit": page_size, "next": envelope["next"]}
        _ask_again(node, peer_name, client, base, started, report)
    if report.rejected:
        report.errors.append(
            f"{report.rejected} object(s) refused; they will be asked for again at the next "
            "sync (the reasons are in the audit log: `hoggar audit list --action "
            "object.rejected`)"
        )
    return report


def _ask_again(
    node: Node,
    peer_name: str,
    client: httpx.Client,
    base: str,
    started: datetime,
    report: SyncReport,
) -> None:
    """Fetch again, by id and version, what earlier pulls refused (not this one's)."""
    with node.db.session() as session:
        peer = get_peer(session, peer_name)
        waiting = [
            (r.id, r.stix_id, r.version)
            for r in session.scalars(
                select(RefusedObject)
                .where(RefusedObject.peer_id == peer.id, RefusedObject.last_at < started)
                .order_by(RefusedObject.last_at, RefusedObject.id)
                .limit(RETRY)
            )
        ]
    for row_id, stix_id, version in waiting:
        params = {"match[version]": version} if version else {}
        response = client.get(base + f"objects/{stix_id}/", params=params)
        if response.status_code == 404:  # no longer served to us (narrowed, deleted)
            with node.db.transaction() as session:
                gone = session.get(RefusedObject, row_id)
                if gone is not None:
                    session.delete(gone)
            continue
        _checked(response)
        report.bytes_received += _wire_bytes(response)
        objects = response.json().get("objects") or []
        _store_page(node, peer_name, objects, None, report, _wire_bytes(response))


def _remember_refusals(session: Session, peer: Peer, got: Received) -> None:
    """Keep each refused object to ask for again; forget those now stored."""
    pairs = [
        (obj, result)
        for obj, result in zip(got.objects, got.results, strict=True)
        if isinstance(obj, dict) and is_id(result.stix_id)
    ]
    ids = sorted({result.stix_id for _, result in pairs})
    known = {
        (r.stix_id, r.version): r
        for start in range(0, len(ids), 500)
        for r in session.scalars(
            select(RefusedObject).where(
                RefusedObject.peer_id == peer.id,
                RefusedObject.stix_id.in_(ids[start : start + 500]),
            )
        )
    }
    now = utcnow()
    for obj, result in pairs:
        version = str(obj.get("modified") or obj.get("created") or "")[:40]
        row = known.get((result.stix_id, version))
        if result.ok:
            if row is not None:
                session.delete(row)
        elif row is not None:
            row.attempts, row.reason, row.last_at = row.attempts + 1, result.message[:1000], now
        else:
            known[(result.stix_id, version)] = RefusedObject(
                peer_id=peer.id,
                stix_id=result.stix_id,
                version=version,
                reason=result.message[:1000],
                attempts=1,
                first_at=now,
                last_at=now,
            )
            session.add(known[(result.stix_id, version)])


def _store_page(
    node: Node,
    peer_name: str,
    objects: list[Any],
    last_added: str | None,
    report: SyncReport,
    wire_bytes: int,
) -> None:
    via = f"peer:{peer_name}"
    with receiving(node) as inbox:
        peer = get_peer(inbox.session, peer_name)
        got = inbox.receive(objects, Channel.federation(via, via, via))
        _remember_refusals(inbox.session, peer, got)
        received, duplicates, rejected = got.created, got.duplicates, got.rejected
        if last_added and (peer.pull_cursor is None or last_added > peer.pull_cursor):
            peer.pull_cursor = last_added
        peer.objects_received += received
        peer.objects_rejected += rejected
        peer.bytes_received += wire_bytes
    report.received += received
    report.duplicates += duplicates
    report.rejected += rejected


def push(
    node: Node,
    peer_name: str,
    *,
    page_size: int = PAGE,
    transport: httpx.BaseTransport | None = None,
) -> SyncReport:
    """Send the peer what its organization may receive and it has not sent us itself."""
    with node.db.session() as session:
        peer = get_peer(session, peer_name)
    report = SyncReport(peer_name)
    principal = Principal(org_id=peer.org_id, name=f"peer:{peer_name}", role=Role.PEER, kind="peer")
    with _client(node, peer, transport) as client:
        base = _collection_url(client)
        cursor = (parse_stix(peer.push_cursor), 0) if peer.push_cursor else None
        while True:
            with node.db.session() as session:
                rows = _outgoing(session, principal, peer_name, cursor, page_size)
            if not rows:
                break
            body = gzip.compress(
                ('{"objects":[' + ",".join(r.body for r in rows) + "]}").encode(), compresslevel=6
            )
            response = _checked(
                client.post(
                    base + "objects/",
                    content=body,
                    headers={"Content-Type": TAXII_MEDIA, "Content-Encoding": "gzip"},
                )
            )
            status = response.json()
            report.sent += int(status.get("success_count", 0))
            report.rejected += int(status.get("failure_count", 0))
            report.bytes_sent += len(body)
            report.pages += 1
            cursor = (rows[-1].added_at, rows[-1].pk)
            with node.db.transaction() as session:
                p = get_peer(session, peer_name)
                p.push_cursor = format_added(rows[-1].added_at)
                p.objects_sent += int(status.get("success_count", 0))
                p.bytes_sent += len(body)
    if report.rejected:
        report.errors.append(f"the peer refused {report.rejected} object(s); see its audit log")
    return report


def _outgoing(
    session: Session,
    principal: Principal,
    peer_name: str,
    cursor: tuple[Any, int] | None,
    limit: int,
) -> list[ObjectVersion]:
    stmt = select(ObjectVersion).where(
        current_visible_to(principal), ObjectVersion.received_via != f"peer:{peer_name}"
    )
    if cursor is not None:
        added, pk = cursor
        stmt = stmt.where(
            or_(
                ObjectVersion.added_at > added,
                and_(ObjectVersion.added_at == added, ObjectVersion.pk > pk),
            )
        )
    stmt = stmt.order_by(ObjectVersion.added_at, ObjectVersion.pk).limit(limit)
    rows = list(session.scalars(stmt))
    session.expunge_all()
    return rows


def sync_peer(
    node: Node,
    peer_name: str,
    *,
    page_size: int = PAGE,
    transport: httpx.BaseTransport | None = None,
) -> SyncReport:
    """Pull and/or push as configured; record the outcome on the peer and in the audit log."""
    with node.db.transaction() as session:
        peer = get_peer(session, peer_name)
        peer.last_attempt_at = utcnow()
        do_pull, do_push = peer.pull_enabled, peer.push_enabled
    report = SyncReport(peer_name)
    try:
        if do_pull:
            pull(node, peer_name, page_size=page_size, transport=transport, report=report)
        if do_push:
            pushed = push(node, peer_name, page_size=page_size, transport=transport)
            report.sent, report.bytes_sent = pushed.sent, pushed.bytes_sent
            report.rejected += pushed.rejected
            report.errors += pushed.errors
    except (PeerFailure, httpx.HTTPError, ValueError) as exc:
        report.errors.append(str(exc) or type(exc).__name__)
    with node.db.transaction() as session:
        peer = get_peer(session, peer_name)
        if report.ok:
            peer.last_success_at, peer.last_error = utcnow(), None
        else:
            peer.last_error = "; ".join(report.errors)[:1000]
        record(
            session,
            node.signer,
            actor=f"peer:{peer_name}",
            org_id=node.org_id,
            action=Action.SYNC,
            target=f"peer:{peer_name}",
            detail={
                "received": report.received,
                "sent": report.sent,
                "rejected": report.rejected,
                "errors": report.errors[:3],
            },
        )
    return report


def sync_all(
    node: Node, names: list[str] | None = None, *, page_size: int = PAGE
) -> list[SyncReport]:
    with node.db.session() as session:
        peers = [p.name for p in list_peers(session) if p.url and (not names or p.name in names)]
    return [sync_peer(node, name, page_size=page_size) for name in peers]
