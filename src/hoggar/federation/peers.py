"""Registering peer nodes: the directory entry, the inbound account, the outbound link."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hoggar.audit.service import Action, record
from hoggar.auth.service import USERNAME_RE
from hoggar.auth.tokens import create_peer_account
from hoggar.context import Node
from hoggar.federation.models import Peer, RefusedObject
from hoggar.kernel.clock import utcnow
from hoggar.kernel.errors import Invalid, NotFound, Problem
from hoggar.kernel.secrets import PREFIX, seal_secret
from hoggar.kernel.signing import Signer
from hoggar.records.identity import add_member


@dataclass(frozen=True)
class PeerLink:
    """What `add_peer` produced: the peer row and the token to hand to its admin."""

    peer: Peer
    inbound_token: str


def _check_url(url: str | None) -> None:
    if url is not None and not (url.startswith("http://") or url.startswith("https://")):
        raise Invalid(
            "Invalid peer URL.",
            [
                Problem(
                    "url",
                    "an http(s) URL of the peer's TAXII API "
                    "root, e.g. http://10.0.0.2:8470/taxii2/hoggar/",
                )
            ],
        )


def add_peer(
    session: Session,
    node: Node,
    *,
    name: str,
    card: dict[str, Any],
    url: str | None = None,
    outbound_token: str | None = None,
    push: bool = False,
    pull: bool = True,
    actor: str = "cli",
) -> PeerLink:
    """Add the peer's organization to the directory, an account for it, and the link."""
    if not USERNAME_RE.match(name):
        raise Invalid("Invalid peer name.", [Problem("name", "2-64 letters, digits, _ . -")])
    _check_url(url)
    org = add_member(
        session,
        node,
        identity_id=str(card.get("identity_id", "")),
        name=str(card.get("name", "")),
        country=card.get("country"),
        kind=str(card.get("kind") or "member"),
        public_key=card.get("public_key"),
        actor=actor,
    )
    if not org.public_key:
        raise Invalid(
            "The peer's card has no public key.",
            [Problem("public_key", "needed to verify what the peer sends")],
        )
    peer = session.scalar(select(Peer).where(Peer.name == name))
    if peer is None:
        peer = Peer(name=name, org_id=org.identity_id, created_at=utcnow())
        session.add(peer)
    peer.org_id = org.identity_id
    peer.url = _normalise(url) if url else peer.url
    if outbound_token:
        peer.outbound_token = seal_secret(node.signer, outbound_token)
    peer.push_enabled, peer.pull_enabled = push, pull
    _, token = create_peer_account(
        session, node, username=f"peer-{name}", org_id=org.identity_id, actor=actor
    )
    session.flush()
    _changed(
        session,
        node,
        name,
        actor,
        {"org": org.identity_id, "url": peer.url or "", "push": push, "pull": pull},
    )
    return PeerLink(peer, token)


def _normalise(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def set_peer(
    session: Session,
    node: Node,
    name: str,
    *,
    url: str | None = None,
    outbound_token: str | None = None,
    push: bool | None = None,
    pull: bool | None = None,
    actor: str = "cli",
) -> Peer:
    peer = get_peer(session, name)
    _check_url(url)
    if url is not None:
        peer.url = _normalise(url)
    if outbound_token is not None:
        peer.outbound_token = seal_secret(node.signer, outbound_token) if outbound_token else None
    if push is not None:
        peer.push_enabled = push
    if pull is not None:
        peer.pull_enabled = pull
    _changed(
        session,
        node,
        name,
        actor,
        {"url": peer.url or "", "push": peer.push_enabled, "pull": peer.pull_enabled},
    )
    return peer


def reset_cursor(
    session: Session, node: Node, name: str, *, to: str | None = None, actor: str = "cli"
) -> Peer:
    """Pull again from the start (or from `to`, a date_added): what is already held
    comes back as duplicates and is stored once; what was refused is asked for again."""
    peer = get_peer(session, name)
    before, peer.pull_cursor = peer.pull_cursor, to
    _changed(session, node, name, actor, {"pull_cursor": to or "", "was": before or ""})
    return peer


def refused_count(session: Session, peer: Peer) -> int:
    """How many objects pulled from this peer were refused and wait to be asked again."""
    return int(
        session.scalar(
            select(func.count()).select_from(RefusedObject).where(RefusedObject.peer_id == peer.id)
        )
        or 0
    )


def _changed(session: Session, node: Node, name: str, actor: str, detail: dict[str, Any]) -> None:
    """The audit entry of a change to a peer."""
    record(
        session,
        node.signer,
        actor=actor,
        org_id=node.org_id,
        action=Action.PEER_CHANGE,
        target=f"peer:{name}",
        detail=detail,
    )


def get_peer(session: Session, name: str) -> Peer:
    peer = session.scalar(select(Peer).where(Peer.name == name))
    if peer is None:
        raise NotFound(f"No peer named {name!r}; see `hoggar peer list`.")
    return peer


def list_peers(session: Session) -> list[Peer]:
    return list(session.scalars(select(Peer).order_by(Peer.name)))


def peer_status(peer: Peer, now: datetime | None = None) -> dict[str, Any]:
    """Per-peer status: last success, lag since then, last error, counters."""
    now = now or utcnow()
    lag = (now - peer.last_success_at).total_seconds() if peer.last_success_at else None
    return {
        "name": peer.name,
        "org_id": peer.org_id,
        "url": peer.url,
        "pull": peer.pull_enabled,
        "push": peer.push_enabled,
        "pull_cursor": peer.pull_cursor,
        "push_cursor": peer.push_cursor,
        "last_attempt_at": peer.last_attempt_at.isoformat() if peer.last_attempt_at else None,
        "last_success_at": peer.last_success_at.isoformat() if peer.last_success_at else None,
        "lag_seconds": lag,
        "last_error": peer.last_error,
        "objects_received": peer.objects_received,
        "objects_sent": peer.objects_sent,
        "objects_rejected": peer.objects_rejected,
        "bytes_received": peer.bytes_received,
        "bytes_sent": peer.bytes_sent,
    }


def seal_clear_peer_tokens(session: Session, signer: Signer) -> int:
    """Seal the peer tokens still stored in clear; returns how many."""
    sealed = 0
    for peer in session.scalars(select(Peer).where(Peer.outbound_token.is_not(None))):
        if peer.outbound_token and not peer.outbound_token.startswith(PREFIX):
            peer.outbound_token = seal_secret(signer, peer.outbound_token)
            sealed += 1
    return sealed
