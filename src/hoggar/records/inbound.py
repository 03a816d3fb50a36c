"""The one way objects from outside reach the store.

TAXII POSTs, peers' pages (sync), offline bundles and bundle imports all receive
objects the same way: release markings and identities first (so that release sets and
originators resolve), every object checked and stored whole or refused with its
reason, each refusal written to the audit log, and the versions stored counted for the
database's statistics once the transaction commits. They differ only in their
`Channel`: what the stored versions say they came by, whether signatures are
required, and whether this node's organization must be allowed to hold each object.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from hoggar.audit.service import Action, record
from hoggar.context import Node
from hoggar.store.check import Checked, IngestResult, Outcome
from hoggar.store.ingest import ingest_batch

# Markings first so that release sets resolve; then identities (originators).
_ORDER = {"marking-definition": 0, "extension-definition": 1, "identity": 2}


@dataclass(frozen=True)
class Channel:
    """Where objects come from, as the store and the audit log name it."""

    received_via: str  # kept on each stored version: "taxii:NAME", "peer:NAME", a file…
    actor: str  # who the audit log names for a refused object
    source: str  # where the audit log says a refused object came from
    require_signature: bool = True  # every object signed by its originator
    hold_check: bool = True  # refuse what this node's organization may not hold

    @classmethod
    def federation(cls, received_via: str, actor: str, source: str) -> Channel:
        """Another node's objects (TAXII from a peer, sync, offline bundles)."""
        return cls(received_via, actor, source)


@dataclass
class Received:
    """What one `receive` did: the objects in the order they were stored, and why."""

    objects: list[Any]
    results: list[IngestResult]

    @property
    def created(self) -> int:
        return sum(1 for r in self.results if r.ok and r.outcome is not Outcome.DUPLICATE)

    @property
    def duplicates(self) -> int:
        return sum(1 for r in self.results if r.outcome is Outcome.DUPLICATE)

    @property
    def rejected(self) -> int:
        return sum(1 for r in self.results if not r.ok)

    @property
    def stored(self) -> int:
        return sum(r.stored for r in self.results)


@dataclass
class Inbox:
    """One transaction receiving objects (`receiving`)."""

    node: Node
    session: Session
    received: list[Received] = field(default_factory=list)

    def receive(
        self,
        objects: Sequence[Any],
        channel: Channel,
        *,
        checked: Sequence[Checked | IngestResult] | None = None,
    ) -> Received:
        got = receive(self.session, self.node, objects, channel, checked=checked)
        self.received.append(got)
        return got

    @property
    def stored(self) -> int:
        return sum(r.stored for r in self.received)


@contextmanager
def receiving(node: Node) -> Iterator[Inbox]:
    """A transaction that receives objects; once it commits, the database's statistics
    learn how many versions it stored (`Database.wrote`)."""
    with node.db.transaction() as session:
        inbox = Inbox(node, session)
        yield inbox
    node.db.wrote(inbox.stored)


def receive(
    session: Session,
    node: Node,
    objects: Sequence[Any],
    channel: Channel,
    *,
    checked: Sequence[Checked | IngestResult] | None = None,
) -> Received:
    """Store what may be stored of `objects`; audit each refusal (`checked`: `check`'s
    result for each of `objects`, in the same order, when the checks ran beforehand)."""
    order = ingest_order(objects)
    ordered = [objects[i] for i in order]
    if checked is not None:
        checked = [checked[i] for i in order]
    results = ingest_batch(
        session,
        ordered,
        node_org_id=node.org_id,
        received_via=channel.received_via,
        require_signature=channel.require_signature,
        holder_org_id=node.org_id if channel.hold_check else None,
        opener=node.opener,
        checked=checked,
    )
    for result in results:
        if not result.ok:
            record_rejection(session, node, result, actor=channel.actor, source=channel.source)
    return Received(ordered, results)


def ingest_order(objects: Sequence[Any]) -> list[int]:
    def key(i: int) -> int:
        obj = objects[i]
        return _ORDER.get(str(obj.get("type")), 3) if isinstance(obj, dict) else 3

    return sorted(range(len(objects)), key=key)


def record_rejection(
    session: Session, node: Node, result: IngestResult, *, actor: str, source: str
) -> None:
    """The audit entry for one refused object, whatever path it came by."""
    record(
        session,
        node.signer,
        actor=actor,
        org_id=node.org_id,
        action=Action.OBJECT_REJECTED,
        target=result.stix_id[:300],
        detail={"source": source[:200], "reason": result.message[:500]},
    )
