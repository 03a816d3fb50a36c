"""Incidents: report, edit (a new version), corroborate or dispute, and read one in full.

Writes go through `hoggar.records.authoring` (signed versions, the one ingest path, the
audit log); reads through `hoggar.store.queries`, so the releasability rule applies to
the incident and to everything shown beside it (places, groups, opinions, notes).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hoggar.context import Node, Principal
from hoggar.incidents.form import OPINIONS, Checked, IncidentInput, Place, check_input
from hoggar.kernel.errors import Invalid, NotFound, PermissionDenied, Problem
from hoggar.kernel.i18n import N_, Msg
from hoggar.kernel.jsonutil import load_object
from hoggar.orgs.service import org_names
from hoggar.records.authoring import (
    Sharing,
    change_sharing,
    create_object,
    keyless_recipients,
    revoke_object,
    update_object,
)
from hoggar.sharing.markings import TLP
from hoggar.sharing.rule import visible_to
from hoggar.stix.extensions import INCIDENT_EXTENSION_ID, NAMES_EXTENSION_ID
from hoggar.stix.models import ObjectIndex, ObjectLink, ObjectVersion
from hoggar.store import queries
from hoggar.store.filters import ObjectFilter
from hoggar.text.matching import Entry, NameIndex, names_from

GROUP_TYPES = ("intrusion-set", "threat-actor")
LINK_TYPES = {"actor": "attributed-to", "location": "located-at"}


class FormInvalid(Invalid):
    """The form has problems; `errors` holds them by field, as translatable messages."""

    def __init__(self, checked: Checked) -> None:
        problems = [
            Problem(k, m.msgid.format(**m.params)) for k, v in checked.errors.items() for m in v
        ]
        super().__init__("The incident has problems; see each field.", problems)
        self.errors: dict[str, list[Msg]] = checked.errors


def extension_of(obj: Mapping[str, Any]) -> dict[str, Any]:
    ext = (obj.get("extensions") or {}).get(INCIDENT_EXTENSION_ID)
    return dict(ext) if isinstance(ext, Mapping) else {}


def names_of(obj: Mapping[str, Any]) -> dict[str, list[str]]:
    """Names of a place or group by language ('ar', 'fr', 'en', 'und'), from the names
    extension, then `name` and `aliases`."""
    out: dict[str, list[str]] = {}
    ext = (obj.get("extensions") or {}).get(NAMES_EXTENSION_ID) or {}
    for entry in ext.get("names") or []:
        if isinstance(entry, Mapping) and isinstance(entry.get("value"), str):
            out.setdefault(str(entry.get("lang") or "und"), []).append(entry["value"])
    seen = {v for vs in out.values() for v in vs}
    for value in [obj.get("name"), *(obj.get("aliases") or [])]:
        if isinstance(value, str) and value not in seen:
            out.setdefault("und", []).append(value)
            seen.add(value)
    return out


def local_name(obj: Mapping[str, Any], lang: str) -> str:
    """The name of a place or group in `lang` if it has one, else its STIX name."""
    names = names_of(obj).get(lang)
    return names[0] if names else str(obj.get("name") or obj.get("id"))


# Choices the form offers: only what the reader may see.


def _visible_current(
    session: Session, principal: Principal, types: Sequence[str], *order: Any
) -> list[dict[str, Any]]:
    rows = session.execute(
        select(ObjectVersion.body)
        .join(ObjectIndex, ObjectIndex.version_pk == ObjectVersion.pk)
        .where(
            ObjectVersion.is_current.is_(True),
            ObjectVersion.revoked.is_(False),
            ObjectVersion.stix_type.in_(list(types)),
            visible_to(principal),
        )
        .order_by(*order)
    ).scalars()
    return [load_object(b) for b in rows]


def visible_groups(session: Session, principal: Principal) -> list[dict[str, Any]]:
    return _visible_current(session, principal, GROUP_TYPES, ObjectIndex.name)


def visible_places(session: Session, principal: Principal) -> list[dict[str, Any]]:
    return _visible_current(
        session, principal, ("location",), ObjectIndex.country, ObjectIndex.name
    )


def group_index(groups: Sequence[Mapping[str, Any]], lang: str | None = None) -> NameIndex:
    """A name index of these groups (every name and alias), labelled in `lang` if given."""
    return NameIndex(
        Entry(
            g["id"],
            local_name(g, lang) if lang else str(g.get("name") or g["id"]),
            names_from(names_of(g)),
            data=g,
        )
        for g in groups
    )


def place_of(session: Session, principal: Principal, location_id: str, lang: str) -> Place | None:
    if not location_id:
        return None
    try:
        obj = queries.get_object(session, principal, location_id)
    except NotFound:
        return None
    if obj.get("type") != "location":
        return None
    lat, lon = obj.get("latitude"), obj.get("longitude")
    return Place(
        id=obj["id"],
        name=local_name(obj, lang),
        latitude=float(lat) if isinstance(lat, int | float) else None,
        longitude=float(lon) if isinstance(lon, int | float) else None,
        country=obj.get("country"),
        admin1=obj.get("administrative_area"),
    )


def member_ids(session: Session, node: Node) -> list[str]:
    return [o for o in org_names(session) if o != node.org_id]


def check(session: Session, node: Node, principal: Principal, inp: IncidentInput) -> Checked:
    place = place_of(session, principal, inp.location_ref, inp.lang or "en")
    groups = [g["id"] for g in visible_groups(session, principal)]
    checked = check_input(inp, place=place, known_actors=groups, members=member_ids(session, node))
    keyless = [] if inp.disclose_recipients else keyless_recipients(session, inp.release_to)
    if keyless:
        checked.add(
            "release_to",
            N_(
                "The recipients cannot be hidden from each other: no key in the member "
                "directory for {names}. Add their cards, or let the recipients see each other."
            ),
            names=", ".join(keyless),
        )
    return checked


def _sharing(checked: Checked, inp: IncidentInput) -> Sharing:
    assert checked.tlp is not None
    return Sharing(checked.tlp, frozenset(inp.release_to), disclose=inp.disclose_recipients == "1")


def _link(
    session: Session,
    node: Node,
    principal: Principal,
    incident_id: str,
    role: str,
    target: str,
    sharing: Sharing,
) -> None:
    create_object(
        session,
        node,
        principal,
        {
            "type": "relationship",
            "relationship_type": LINK_TYPES[role],
            "source_ref": incident_id,
            "target_ref": target,
        },
        sharing,
    )


def report_incident(
    session: Session,
    node: Node,
    principal: Principal,
    inp: IncidentInput,
    external_references: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """Create an incident and its attributed-to / located-at relationships, shared alike.

    `external_references` cite where it was read (an open-source article)."""
    checked = check(session, node, principal, inp)
    if not checked.ok:
        raise FormInvalid(checked)
    sharing = _sharing(checked, inp)
    draft: dict[str, Any] = {
        "type": "incident",
        "name": checked.name,
        "lang": checked.lang,
        "extensions": {INCIDENT_EXTENSION_ID: checked.extension},
    }
    if external_references:
        draft["external_references"] = [dict(r) for r in external_references]
    obj = create_object(session, node, principal, draft, sharing)
    for role, key in (("actor", "actor_refs"), ("location", "location_refs")):
        for target in checked.extension.get(key) or []:
            _link(session, node, principal, obj["id"], role, target, sharing)
    return obj


def _own_links(session: Session, node: Node, incident_id: str) -> dict[tuple[str, str], str]:
    """(role, target) → relationship id, for the originator's current links of an incident."""
    source = select(ObjectLink.stix_id).where(
        ObjectLink.ref_id == incident_id, ObjectLink.role == "source"
    )
    rows = session.execute(
        select(ObjectLink.stix_id, ObjectLink.ref_id, ObjectLink.relationship_type)
        .join(ObjectVersion, ObjectVersion.stix_id == ObjectLink.stix_id)
        .where(
            ObjectLink.stix_id.in_(source),
            ObjectLink.role == "target",
            ObjectVersion.is_current.is_(True),
            ObjectVersion.revoked.is_(False),
            ObjectVersion.originator_id == node.org_id,
        )
    ).all()
    roles = {v: k for k, v in LINK_TYPES.items()}
    return {
        (roles[r.relationship_type], r.ref_id): r.stix_id
        for r in rows
        if r.relationship_type in roles
    }


def edit_incident(
    session: Session, node: Node, principal: Principal, stix_id: str, inp: IncidentInput
) -> dict[str, Any]:
    """A new version (originator only); links follow the places and groups chosen."""
    current = queries.get_object(session, principal, stix_id)
    if current.get("type") != "incident":
        raise NotFound(f"No incident {stix_id}.")
    _require_own(str(current.get("created_by_ref")), node, principal)
    checked = check(session, node, principal, inp)
    if not checked.ok:
        raise FormInvalid(checked)
    sharing = _sharing(checked, inp)
    obj = update_object(
        session,
        node,
        principal,
        stix_id,
        {
            "name": checked.name,
            "lang": checked.lang,
            "extensions": {
                **(current.get("extensions") or {}),
                INCIDENT_EXTENSION_ID: checked.extension,
            },
        },
        sharing,
    )
    wanted = {("actor", t) for t in checked.extension.get("actor_refs") or []} | {
        ("location", t) for t in checked.extension.get("location_refs") or []
    }
    existing = _own_links(session, node, stix_id)
    for key, rel_id in existing.items():
        if key in wanted:
            change_sharing(session, node, principal, rel_id, sharing)
        else:
            revoke_object(session, node, principal, rel_id)
    for role, target in sorted(wanted - existing.keys()):
        _link(session, node, principal, stix_id, role, target, sharing)
    return obj


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


# Reading one incident with everything around it.


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


@dataclass
class IncidentView:
    incident: dict[str, Any]
    versions: list[dict[str, Any]]
    changes: list[list[str]]  # per version after the first: the fields it changed
    places: list[dict[str, Any]]
    groups: list[dict[str, Any]]
    opinions: list[dict[str, Any]]
    notes: list[dict[str, Any]]
    tlp: str | None
    originator: str
    recipients: list[str] | None  # told to the originator only
    recipients_disclosed: bool = True  # do the recipients see each other?


def _changed(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    skip = {"modified", "x_hoggar_signature", "extensions"}
    keys = sorted(
        k for k in before.keys() | after.keys() if k not in skip and before.get(k) != after.get(k)
    )
    b, a = extension_of(before), extension_of(after)
    keys += sorted(k for k in b.keys() | a.keys() if b.get(k) != a.get(k))
    return keys


def view_incident(session: Session, principal: Principal, stix_id: str) -> IncidentView:
    """The incident, its history and what surrounds it; NotFound exactly like a missing one."""
    versions = queries.get_versions(session, principal, stix_id)
    current = versions[-1]
    if current.get("type") != "incident":
        raise NotFound(f"No incident {stix_id}.")
    row = queries.get_version_row(session, principal, stix_id)
    ext = extension_of(current)
    actor_ids = list(ext.get("actor_refs") or [])
    place_ids = list(ext.get("location_refs") or [])
    for rel in pointing_at(session, principal, stix_id, ("relationship",), role="source"):
        target = rel.get("target_ref")
        if rel.get("relationship_type") == "attributed-to" and target not in actor_ids:
            actor_ids.append(target)
        if rel.get("relationship_type") == "located-at" and target not in place_ids:
            place_ids.append(target)
    return IncidentView(
        incident=current,
        versions=versions,
        changes=[_changed(a, b) for a, b in itertools.pairwise(versions)],
        places=readable_objects(session, principal, place_ids),
        groups=readable_objects(session, principal, actor_ids),
        opinions=pointing_at(session, principal, stix_id, ("opinion",)),
        notes=pointing_at(session, principal, stix_id, ("note",)),
        tlp=row.tlp,
        originator=row.originator_id,
        recipients=queries.recipients_of(session, principal, row),
        recipients_disclosed=queries.recipients_disclosed(session, row),
    )


def _require_own(originator: str, node: Node, principal: Principal) -> None:
    if originator != node.org_id or principal.org_id != node.org_id or not principal.can_write:
        raise PermissionDenied(
            "Only the originating organization may issue new versions of this record; "
            "add a note or an opinion instead."
        )


def require_originator(principal: Principal, node: Node, view: IncidentView) -> None:
    _require_own(view.originator, node, principal)


def tlp_of(value: str | None) -> TLP | None:
    try:
        return TLP(value) if value else None
    except ValueError:
        return None
