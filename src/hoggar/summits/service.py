"""Recording meetings with their decisions and action items, updating an action's
status, and reading them back within releasability.

A meeting, its decisions and action items are created together by one organization
(usually the host or the joint staff) and shared alike — by default with every
participant. An action item's status is updated by the member responsible for it, or
by the meeting's originator, as a new `x-hoggar-action-update` object shared with the
same organizations; the current status is the latest update, and an item past its due
date that is not done is late.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from hoggar.context import Node, Principal
from hoggar.incidents.responses import pointing_at, pointing_at_each, readable_objects
from hoggar.kernel.errors import Invalid, NotFound, PermissionDenied, Problem
from hoggar.kernel.ids import new_id
from hoggar.orgs.service import org_names
from hoggar.records.authoring import Sharing, create_object
from hoggar.sharing.markings import TLP
from hoggar.stix.types.meetings import (
    ACTION_ITEM,
    ACTION_UPDATE,
    DECISION,
    MEETING,
    MEETING_KINDS,
    STATUSES,
    THEMES,
    extension,
)
from hoggar.store import queries
from hoggar.store.filters import ObjectFilter


@dataclass(frozen=True)
class ActionIn:
    text: str
    responsible: str  # identity id of a member
    due_date: str  # YYYY-MM-DD


@dataclass(frozen=True)
class DecisionIn:
    text: str
    theme: str
    actions: tuple[ActionIn, ...] = ()


@dataclass(frozen=True)
class MeetingIn:
    name: str
    kind: str
    start_date: str
    host: str  # identity id
    participants: tuple[str, ...]
    end_date: str | None = None
    place_name: str = ""
    country: str | None = None
    agenda: tuple[str, ...] = ()
    final_statement: str = ""
    description: str = ""
    decisions: tuple[DecisionIn, ...] = ()
    lang: str = "en"
    evidence_refs: tuple[str, ...] = ()  # reports the meeting is known from
    tlp: str = "amber"
    release_to: tuple[str, ...] | None = None  # default: every participant

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> MeetingIn:
        """From JSON (API, CLI file); missing or wrong keys become an Invalid error."""
        try:
            decisions = tuple(
                DecisionIn(
                    text=str(d["text"]),
                    theme=str(d["theme"]),
                    actions=tuple(
                        ActionIn(str(a["text"]), str(a["responsible"]), str(a["due_date"]))
                        for a in d.get("actions", [])
                    ),
                )
                for d in raw.get("decisions", [])
            )
            return cls(
                name=str(raw["name"]),
                kind=str(raw["kind"]),
                start_date=str(raw["start_date"]),
                end_date=raw.get("end_date"),
                host=str(raw["host"]),
                participants=tuple(str(p) for p in raw["participants"]),
                place_name=str(raw.get("place_name", "")),
                country=raw.get("country"),
                agenda=tuple(str(a) for a in raw.get("agenda", [])),
                final_statement=str(raw.get("final_statement", "")),
                description=str(raw.get("description", "")),
                decisions=decisions,
                lang=str(raw.get("lang", "en")),
                evidence_refs=tuple(raw.get("evidence_refs", [])),
                tlp=str(raw.get("tlp", "amber")),
                release_to=tuple(raw["release_to"]) if raw.get("release_to") is not None else None,
            )
        except (KeyError, TypeError) as exc:
            raise Invalid(
                "The meeting is incomplete.", [Problem(f"/{exc}", "is required")]
            ) from exc


def _check(inp: MeetingIn, members: Mapping[str, str]) -> list[Problem]:
    problems = []
    if not inp.name.strip():
        problems.append(Problem("/name", "is required"))
    if inp.kind not in MEETING_KINDS:
        problems.append(Problem("/kind", f"one of {list(MEETING_KINDS)}"))
    for ref, where in [
        (inp.host, "/host"),
        *((p, f"/participants/{i}") for i, p in enumerate(inp.participants)),
    ]:
        if ref not in members:
            problems.append(Problem(where, f"{ref!r} is not in the member directory"))
    if not inp.participants:
        problems.append(Problem("/participants", "at least one participating organization"))
    for i, d in enumerate(inp.decisions):
        if d.theme not in THEMES:
            problems.append(Problem(f"/decisions/{i}/theme", f"one of {list(THEMES)}"))
        for j, a in enumerate(d.actions):
            if a.responsible not in members:
                problems.append(
                    Problem(
                        f"/decisions/{i}/actions/{j}/responsible", "not in the member directory"
                    )
                )
            try:
                date.fromisoformat(a.due_date)
            except ValueError:
                problems.append(Problem(f"/decisions/{i}/actions/{j}/due_date", "YYYY-MM-DD"))
    return problems


def meeting_objects(inp: MeetingIn, ids: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """The unsaved objects of a meeting: the meeting, its decisions, their action items.

    `ids` fixes ids by key ("meeting", "decision-0", "action-0-1") for reproducible data.
    """
    ids = ids or {}
    meeting_id = ids.get("meeting") or new_id(MEETING)
    meeting: dict[str, Any] = {
        "type": MEETING,
        "id": meeting_id,
        "name": inp.name,
        "meeting_kind": inp.kind,
        "start_date": inp.start_date,
        "host_ref": inp.host,
        "participant_refs": list(dict.fromkeys(inp.participants)),
        "lang": inp.lang,
        "extensions": extension(),
    }
    optional = {
        "end_date": inp.end_date,
        "place_name": inp.place_name,
        "country": inp.country,
        "agenda": list(inp.agenda),
        "final_statement": inp.final_statement,
        "description": inp.description,
        "source_refs": list(inp.evidence_refs),
    }
    meeting.update({k: v for k, v in optional.items() if v})
    out = [meeting]
    for i, d in enumerate(inp.decisions):
        decision_id = ids.get(f"decision-{i}") or new_id(DECISION)
        out.append(
            {
                "type": DECISION,
                "id": decision_id,
                "meeting_ref": meeting_id,
                "number": i + 1,
                "text": d.text,
                "theme": d.theme,
                "lang": inp.lang,
                "extensions": extension(),
            }
        )
        for j, a in enumerate(d.actions):
            out.append(
                {
                    "type": ACTION_ITEM,
                    "id": ids.get(f"action-{i}-{j}") or new_id(ACTION_ITEM),
                    "meeting_ref": meeting_id,
                    "decision_ref": decision_id,
                    "text": a.text,
                    "responsible_ref": a.responsible,
                    "due_date": a.due_date,
                    "lang": inp.lang,
                    "extensions": extension(),
                }
            )
    return out


def _require_writer(principal: Principal, node: Node) -> None:
    if not principal.can_write or principal.org_id != node.org_id:
        raise PermissionDenied("Your role may read but not record meetings.")


def record_meeting(
    session: Session, node: Node, principal: Principal, inp: MeetingIn
) -> dict[str, Any]:
    """Create the meeting, its decisions and action items, shared alike."""
    _require_writer(principal, node)
    members = org_names(session)
    problems = _check(inp, members)
    if problems:
        raise Invalid("The meeting cannot be recorded.", problems)
    release = inp.release_to if inp.release_to is not None else inp.participants
    sharing = Sharing.parse(inp.tlp, [r for r in release if r != node.org_id])
    created = [
        create_object(session, node, principal, {k: v for k, v in obj.items()}, sharing)
        for obj in meeting_objects(inp)
    ]
    return created[0]


def update_action(
    session: Session,
    node: Node,
    principal: Principal,
    action_id: str,
    status: str,
    as_of: str,
    text: str = "",
    evidence_refs: Sequence[str] = (),
) -> dict[str, Any]:
    """A dated status for an action item, by its responsible member or the originator."""
    _require_writer(principal, node)
    item = queries.get_object(session, principal, action_id)  # NotFound if not readable
    if item.get("type") != ACTION_ITEM:
        raise NotFound("No such action item.")
    meeting = queries.get_object(session, principal, str(item["meeting_ref"]))
    if node.org_id not in (item.get("responsible_ref"), item.get("created_by_ref")):
        raise PermissionDenied(
            "Only the member responsible for this action, or the meeting's originator, "
            "may update its status."
        )
    problems = []
    if status not in STATUSES:
        problems.append(Problem("status", f"one of {list(STATUSES)}"))
    try:
        date.fromisoformat(as_of)
    except ValueError:
        problems.append(Problem("as_of", "a date YYYY-MM-DD"))
    for i, ref in enumerate(evidence_refs):
        try:
            queries.get_object(session, principal, ref)
        except NotFound:
            problems.append(Problem(f"evidence_refs/{i}", f"{ref} is not a record you can read"))
    if problems:
        raise Invalid("The status cannot be recorded.", problems)
    participants = [str(p) for p in meeting.get("participant_refs") or []]
    sharing = Sharing(TLP.AMBER, frozenset(p for p in participants if p != node.org_id))
    draft: dict[str, Any] = {
        "type": ACTION_UPDATE,
        "action_item_ref": action_id,
        "meeting_ref": meeting["id"],
        "status": status,
        "as_of": as_of,
        "extensions": extension(),
    }
    if text.strip():
        draft["text"] = text.strip()[:5000]
    if evidence_refs:
        draft["evidence_refs"] = list(dict.fromkeys(evidence_refs))
    return create_object(session, node, principal, draft, sharing)


# --- reading ---------------------------------------------------------------------------


@dataclass
class ActionView:
    item: dict[str, Any]
    updates: list[dict[str, Any]]  # readable updates, oldest first
    status: str  # latest update's, or "open"
    late: bool
    evidence: list[dict[str, Any]] = field(default_factory=list)  # readable records

    @property
    def latest(self) -> dict[str, Any] | None:
        return self.updates[-1] if self.updates else None


@dataclass
class DecisionView:
    decision: dict[str, Any]
    actions: list[ActionView]


@dataclass
class MeetingView:
    meeting: dict[str, Any]
    decisions: list[DecisionView]
    sources: list[dict[str, Any]]


def action_views(
    session: Session, principal: Principal, items: Sequence[dict[str, Any]], today: date
) -> list[ActionView]:
    """Each item with its status, from one query for all their updates and one for all
    their evidence (a query per item made the meetings page slow with many items)."""
    updates_of = pointing_at_each(
        session, principal, [i["id"] for i in items], [ACTION_UPDATE], role="action"
    )
    chosen: list[list[dict[str, Any]]] = []
    for item in items:
        # Only the responsible member's and the originator's updates count.
        allowed = {item.get("responsible_ref"), item.get("created_by_ref")}
        chosen.append(
            sorted(
                (u for u in updates_of[item["id"]] if u.get("created_by_ref") in allowed),
                key=lambda u: (str(u.get("as_of")), str(u.get("modified"))),
            )
        )
    refs = [str(r) for updates in chosen for u in updates for r in u.get("evidence_refs") or []]
    readable = {o["id"]: o for o in readable_objects(session, principal, list(dict.fromkeys(refs)))}
    views = []
    for item, updates in zip(items, chosen, strict=True):
        status = str(updates[-1]["status"]) if updates else "open"
        late = status in ("open", "in-progress") and str(item.get("due_date")) < today.isoformat()
        wanted = dict.fromkeys(str(r) for u in updates for r in u.get("evidence_refs") or [])
        evidence = [readable[r] for r in wanted if r in readable]
        views.append(ActionView(item, updates, status, late, evidence))
    return views


def view_meeting(
    session: Session, principal: Principal, meeting_id: str, today: date
) -> MeetingView:
    meeting = queries.get_object(session, principal, meeting_id)
    if meeting.get("type") != MEETING:
        raise NotFound("No such meeting.")
    decisions = sorted(
        pointing_at(session, principal, meeting_id, [DECISION], role="meeting"),
        key=lambda d: int(d.get("number") or 0),
    )
    items = pointing_at(session, principal, meeting_id, [ACTION_ITEM], role="meeting")
    actions = action_views(session, principal, items, today)
    views = [
        DecisionView(d, [a for a in actions if a.item.get("decision_ref") == d["id"]])
        for d in decisions
    ]
    sources = readable_objects(
        session, principal, [str(r) for r in meeting.get("source_refs") or []]
    )
    return MeetingView(meeting, views, sources)


def list_meetings(session: Session, principal: Principal) -> list[dict[str, Any]]:
    """Meetings the reader may see, newest first."""
    meetings = _every(session, principal, MEETING)
    return sorted(meetings, key=lambda m: str(m.get("start_date")), reverse=True)


def action_items(session: Session, principal: Principal, today: date) -> list[ActionView]:
    """Every action item the reader may see, with its current status."""
    return action_views(session, principal, _every(session, principal, ACTION_ITEM), today)


def _every(session: Session, principal: Principal, stix_type: str) -> list[dict[str, Any]]:
    """Every current object of a type the reader may see, page after page."""
    flt = ObjectFilter(types=[stix_type])
    out: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        page = queries.list_objects(session, principal, flt, limit=queries.MAX_PAGE, cursor=cursor)
        out += page.items
        if page.next_cursor is None:
            return out
        cursor = page.next_cursor
