"""Meetings, decisions and action items over the REST API."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from hoggar.context import Node, Principal
from hoggar.http.deps import get_node, get_principal, get_read_session
from hoggar.kernel.clock import utcnow
from hoggar.summits import service

router = APIRouter(prefix="/api", tags=["meetings"])
Auth = Annotated[Principal, Depends(get_principal)]
ReadDb = Annotated[Session, Depends(get_read_session)]
NodeDep = Annotated[Node, Depends(get_node)]


class StatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: str = Field(description="open, in-progress, done or cancelled")
    as_of: date
    text: str = Field(default="", max_length=5000)
    evidence_refs: list[str] = Field(default_factory=list, max_length=100)


def _action(a: service.ActionView) -> dict[str, Any]:
    return {
        "item": a.item,
        "status": a.status,
        "late": a.late,
        "updates": a.updates,
        "evidence": [e["id"] for e in a.evidence],
    }


@router.get("/meetings", summary="Meetings you may read, newest first")
def list_meetings(principal: Auth, session: ReadDb) -> dict[str, Any]:
    return {"meetings": service.list_meetings(session, principal)}


@router.post("/meetings", status_code=201, summary="Record a meeting with its decisions")
def record_meeting(
    principal: Auth, node: NodeDep, body: Annotated[dict[str, Any], Body()]
) -> dict[str, Any]:
    """Body: {name, kind, start_date, end_date?, host, participants[], place_name?,
    country?, agenda[]?, final_statement?, lang?, tlp?, release_to[]?, decisions: [{text,
    theme, actions: [{text, responsible, due_date}]}]} — identities by id."""
    inp = service.MeetingIn.from_mapping(body)
    with node.db.transaction() as session:
        return service.record_meeting(session, node, principal, inp)


@router.get("/meetings/{meeting_id}", summary="A meeting, its decisions and action items")
def get_meeting(meeting_id: str, principal: Auth, session: ReadDb) -> dict[str, Any]:
    view = service.view_meeting(session, principal, meeting_id, utcnow().date())
    return {
        "meeting": view.meeting,
        "sources": [s["id"] for s in view.sources],
        "decisions": [
            {"decision": d.decision, "actions": [_action(a) for a in d.actions]}
            for d in view.decisions
        ],
    }


@router.get("/actions", summary="Every action item you may read, with its status")
def list_actions(principal: Auth, session: ReadDb) -> dict[str, Any]:
    return {
        "actions": [_action(a) for a in service.action_items(session, principal, utcnow().date())]
    }


@router.post(
    "/actions/{action_id}/updates",
    status_code=201,
    summary="Record an action item's status (responsible member or originator)",
)
def update_action(action_id: str, body: StatusIn, principal: Auth, node: NodeDep) -> dict[str, Any]:
    with node.db.transaction() as session:
        return service.update_action(
            session,
            node,
            principal,
            action_id,
            body.status,
            body.as_of.isoformat(),
            body.text,
            body.evidence_refs,
        )
