"""Partners' responses to a record: opinions (corroborate or dispute), notes, and what
points at a record."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hoggar.context import Node, Principal
from hoggar.incidents.form import OPINIONS, Checked, FormInvalid
from hoggar.incidents.names import member_ids
from hoggar.kernel.errors import NotFound
from hoggar.kernel.i18n import N_, Msg
from hoggar.kernel.jsonutil import load_object
from hoggar.records.authoring import Sharing, create_object
from hoggar.sharing.rule import visible_to
from hoggar.stix.models import ObjectLink, ObjectVersion
from hoggar.store import queries
from hoggar.store.filters import ObjectFilter


@dataclass(frozen=True)
class OpinionInput:
    opinion: str
    explanation: str = ""
    tlp: str = "amber"
    release_to: tuple[str, ...] = ()
    disclose_recipients: bool = False


def give_opinion(
    session: Session, node: Node, principal: Principal, incident_id: str, inp: OpinionInput
) -> dict[str, Any]:
    """Corroborate (agree) or dispute (disagree) a partner's incident: a STIX opinion."""
    incident = queries.get_object(session, principal, incident_id)
    if incident.get("type") != "incident":
        raise NotFound(f"No incident {incident_id}.")
    errors: dict[str, list[Msg]] = {}
    if inp.opinion not in OPINIONS:
        errors["opinion"] = [Msg(N_("Choose whether you corroborate or dispute it."))]
    if incident.get("created_by_ref") == node.org_id:
        errors["opinion"] = [Msg(N_("Your organization reported this incident; edit it instead."))]
    members = set(member_ids(session, node))
    if any(r not in members for r in inp.release_to):
        errors["release_to"] = [
            Msg(N_("One of the chosen recipients is not a member organization."))
        ]
    checked = Checked(extension={}, name="", lang="", tlp=None, errors=errors)
    if errors:
        raise FormInvalid(checked)
    # The incident's originator always hears what partners think of its record.
    recipients = frozenset({*inp.release_to, str(incident.get("created_by_ref"))})
    draft: dict[str, Any] = {
        "type": "opinion",
        "opinion": inp.opinion,
        "object_refs": [incident_id],
    }
    if inp.explanation:
        draft["explanation"] = inp.explanation[:5000]
    return create_object(
        session,
        node,
        principal,
        draft,
        Sharing.parse(inp.tlp, sorted(recipients), inp.disclose_recipients),
    )


def add_note(
    session: Session,
    node: Node,
    principal: Principal,
    incident_id: str,
    content: str,
    sharing: Sharing,
) -> dict[str, Any]:
    incident = queries.get_object(session, principal, incident_id)
    if not content.strip():
        checked = Checked(extension={}, name="", lang="", tlp=None)
        checked.add("content", N_("Write the note."))
        raise FormInvalid(checked)
    recipients = frozenset({*sharing.release_to, str(incident.get("created_by_ref"))})
    draft = {"type": "note", "content": content[:20000], "object_refs": [incident_id]}
    return create_object(
        session,
        node,
        principal,
        draft,
        Sharing(sharing.tlp, recipients - {node.org_id}, sharing.disclose),
    )


def pointing_at(
    session: Session, principal: Principal, target: str, types: Sequence[str], role: str = "object"
) -> list[dict[str, Any]]:
    """Current objects of `types` that point at `target`, readable by `principal`."""
    return pointing_at_each(session, principal, [target], types, role)[target]


def pointing_at_each(
    session: Session,
    principal: Principal,
    targets: Sequence[str],
    types: Sequence[str],
    role: str = "object",
) -> dict[str, list[dict[str, Any]]]:
    """`pointing_at` for many targets in one query per 500 (not one per target)."""
    found: dict[str, list[dict[str, Any]]] = {t: [] for t in targets}
    unique = list(found)
    for start in range(0, len(unique), 500):
        rows = session.execute(
            select(ObjectLink.ref_id, ObjectVersion.body)
            .join(ObjectLink, ObjectLink.stix_id == ObjectVersion.stix_id)
            .where(
                ObjectLink.ref_id.in_(unique[start : start + 500]),
                ObjectLink.role == role,
                ObjectVersion.is_current.is_(True),
                ObjectVersion.revoked.is_(False),
                ObjectVersion.stix_type.in_(list(types)),
                visible_to(principal),
            )
            .order_by(ObjectVersion.modified_at, ObjectVersion.pk)
        )
        for ref_id, body in rows:
            found[ref_id].append(load_object(body))
    return found


def readable_objects(
    session: Session, principal: Principal, ids: Sequence[str]
) -> list[dict[str, Any]]:
    """The current, unrevoked versions of `ids` the principal may read (others left out)."""
    out: list[dict[str, Any]] = []
    for start in range(0, len(ids), queries.MAX_PAGE):  # a page holds at most MAX_PAGE
        chunk = tuple(ids[start : start + queries.MAX_PAGE])
        flt = ObjectFilter(ids=chunk)
        out += queries.list_objects(session, principal, flt, limit=len(chunk)).items
    return out
