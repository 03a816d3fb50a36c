"""Finding reports of the same event in the store, and fusing them.

Candidates come from the index (same time window and area, incidents the reader may
read) and are scored by `hoggar.fusion.score`. Confirming a match writes, as this
node's organization, a STIX `grouping` of the reports (a fused event) and a
`duplicate-of` relationship from the later report to the earlier one; rejecting it
records the decision locally so the pair is not proposed again.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hoggar.context import Node, Principal
from hoggar.fusion.models import FusionDecision
from hoggar.fusion.score import DEFAULT_THRESHOLD, Facts, Match, score_pair, search_window
from hoggar.incidents.responses import pointing_at
from hoggar.incidents.service import extension_of
from hoggar.kernel.clock import utcnow
from hoggar.kernel.errors import Invalid, PermissionDenied, Problem
from hoggar.kernel.jsonutil import load_object
from hoggar.orgs.service import org_names
from hoggar.records.authoring import Sharing, create_object, update_object
from hoggar.sharing.rule import visible_to
from hoggar.stix.models import ObjectIndex, ObjectVersion
from hoggar.store import queries
from hoggar.store.filters import ObjectFilter

FUSED_CONTEXT = "fused-event"  # grouping_context is an open vocabulary (STIX 2.1 §10.8)
MAX_SCANNED = 5000


@dataclass(frozen=True)
class Candidate:
    incident: dict[str, Any]
    match: Match


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def facts_of(session: Session, principal: Principal, stix_id: str) -> tuple[dict[str, Any], Facts]:
    obj = queries.get_object(session, principal, stix_id)
    facts = Facts.from_incident(obj) if obj.get("type") == "incident" else None
    if facts is None:
        raise Invalid(
            "This record cannot be matched.",
            [Problem("start_time", "only incidents with a start time can be matched")],
        )
    return obj, facts


def find_candidates(
    session: Session,
    principal: Principal,
    stix_id: str,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    limit: int = 10,
) -> list[Candidate]:
    """Incidents the reader may see that may be the same event, best first."""
    _, facts = facts_of(session, principal, stix_id)
    return candidates_for(session, principal, facts, threshold=threshold, limit=limit)


def candidates_for(
    session: Session,
    principal: Principal,
    facts: Facts,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    limit: int = 10,
) -> list[Candidate]:
    since, until, radius = search_window(facts)
    rejected = {
        (d.a, d.b)
        for d in session.scalars(
            select(FusionDecision).where(
                FusionDecision.decision == "rejected",
                (FusionDecision.a == facts.id) | (FusionDecision.b == facts.id),
            )
        )
    }
    found: list[Candidate] = []
    for other, other_facts in nearby_incidents(session, principal, facts, since, until, radius):
        if _pair(facts.id, other_facts.id) in rejected:
            continue
        match = score_pair(facts, other_facts)
        if match.score >= threshold:
            found.append(Candidate(other, match))
    found.sort(key=lambda c: -c.match.score)
    return found[:limit]


def nearby_incidents(
    session: Session,
    principal: Principal,
    facts: Facts,
    since: datetime,
    until: datetime,
    km: float,
    sub_types: Collection[str] = (),
    limit: int = MAX_SCANNED,
) -> Iterator[tuple[dict[str, Any], Facts]]:
    """Other current incidents the principal may read that began in [since, until],
    within a box of `km` around the report's point (anywhere if it has none)."""
    stmt = (
        select(ObjectVersion.body)
        .join(ObjectIndex, ObjectIndex.version_pk == ObjectVersion.pk)
        .where(
            ObjectVersion.is_current.is_(True),
            ObjectVersion.revoked.is_(False),
            ObjectIndex.stix_type == "incident",
            ObjectIndex.start_at >= since,
            ObjectIndex.start_at <= until,
            ObjectVersion.stix_id != facts.id,
            visible_to(principal),
        )
    )
    if sub_types:
        stmt = stmt.where(ObjectIndex.sub_type.in_(sorted(sub_types)))
    if facts.lat is not None and facts.lon is not None:
        dlat = km / 111.0
        dlon = km / max(111.32 * math.cos(math.radians(facts.lat)), 1e-6)
        stmt = stmt.where(
            ObjectIndex.lat.between(facts.lat - dlat, facts.lat + dlat),
            ObjectIndex.lon.between(facts.lon - dlon, facts.lon + dlon),
        )
    for body in session.scalars(stmt.limit(limit)):
        obj = load_object(body)
        other = Facts.from_incident(obj)
        if other is not None:
            yield obj, other


def _fused_group(
    session: Session, node: Node, principal: Principal, ids: set[str]
) -> dict[str, Any] | None:
    """This organization's existing fused event holding any of these reports."""
    for stix_id in ids:
        for grouping in fused_with(session, principal, stix_id):
            if grouping.get("created_by_ref") == node.org_id:
                return grouping
    return None


def confirm(
    session: Session,
    node: Node,
    principal: Principal,
    a: str,
    b: str,
    sharing: Sharing | None = None,
) -> dict[str, Any]:
    """Fuse two reports the analyst judged to be one event; returns the grouping."""
    if not principal.can_write or principal.org_id != node.org_id:
        raise PermissionDenied("Your role may read but not fuse records.")
    first, fa = facts_of(session, principal, a)
    second, fb = facts_of(session, principal, b)
    if a == b:
        raise Invalid(
            "A report cannot be fused with itself.", [Problem("b", "choose another report")]
        )
    match = score_pair(fa, fb)
    earlier, later = (first, second) if fa.start <= fb.start else (second, first)
    sharing = sharing or Sharing.parse("amber", [])
    create_object(
        session,
        node,
        principal,
        {
            "type": "relationship",
            "relationship_type": "duplicate-of",
            "source_ref": later["id"],
            "target_ref": earlier["id"],
            "description": "; ".join(match.explanation)[:2000],
        },
        sharing,
    )
    existing = _fused_group(session, node, principal, {a, b})
    if existing is not None:
        refs = list(dict.fromkeys([*existing["object_refs"], a, b]))
        grouping = update_object(
            session, node, principal, existing["id"], {"object_refs": refs}, sharing
        )
    else:
        grouping = create_object(
            session,
            node,
            principal,
            {
                "type": "grouping",
                "context": FUSED_CONTEXT,
                "name": f"Fused event: {earlier.get('name') or earlier['id']}"[:300],
                "object_refs": [earlier["id"], later["id"]],
            },
            sharing,
        )
    _decide(session, principal, a, b, "confirmed", match.score)
    return grouping


def reject(session: Session, node: Node, principal: Principal, a: str, b: str) -> None:
    """Not the same event: never propose this pair again on this node."""
    if not principal.can_write:
        raise PermissionDenied("Your role may read but not fuse records.")
    _, fa = facts_of(session, principal, a)
    _, fb = facts_of(session, principal, b)
    _decide(session, principal, a, b, "rejected", score_pair(fa, fb).score)


def _decide(
    session: Session, principal: Principal, a: str, b: str, decision: str, score: float
) -> None:
    x, y = _pair(a, b)
    row = session.get(FusionDecision, (x, y))
    if row is None:
        row = FusionDecision(a=x, b=y)
        session.add(row)
    row.decision = decision
    row.decided_by = principal.name[:64]
    row.decided_at = utcnow()
    row.score = f"{score:.3f}"


@dataclass(frozen=True)
class Comparison:
    field: str
    values: list[tuple[str, str]]  # (organization name, value)

    @property
    def agree(self) -> bool:
        return len({v for _, v in self.values}) <= 1


def summary(session: Session, principal: Principal, grouping: dict[str, Any]) -> list[Comparison]:
    """What the fused reports (those the reader may see) say, field by field."""
    names = org_names(session)
    reports = queries.list_objects(
        session,
        principal,
        ObjectFilter(ids=tuple(grouping.get("object_refs") or ())),
        limit=100,
    ).items
    fields = ("sub_type", "start_time", "place_name", "killed", "wounded", "kidnapped")
    out = []
    for key in fields:
        values = [
            (
                names.get(r.get("created_by_ref", ""), r.get("created_by_ref", "?")),
                str(extension_of(r)[key]),
            )
            for r in reports
            if extension_of(r).get(key) is not None
        ]
        if values:
            out.append(Comparison(key, values))
    return out


def fused_with(session: Session, principal: Principal, stix_id: str) -> list[dict[str, Any]]:
    """The fused events (groupings) the reader may see that hold this report."""
    return [
        g
        for g in pointing_at(session, principal, stix_id, ("grouping",))
        if g.get("context") == FUSED_CONTEXT
    ]


def link_related(
    session: Session, node: Node, principal: Principal, a: str, b: str, pattern: str
) -> dict[str, Any]:
    """Record, as this organization, that two incidents belong to one pattern."""
    if not principal.can_write or principal.org_id != node.org_id:
        raise PermissionDenied("Your role may read but not link records.")
    queries.get_object(session, principal, a)
    queries.get_object(session, principal, b)
    return create_object(
        session,
        node,
        principal,
        {
            "type": "relationship",
            "relationship_type": "related-to",
            "source_ref": a,
            "target_ref": b,
            "description": pattern[:200],
        },
        Sharing.parse("amber", []),
    )
