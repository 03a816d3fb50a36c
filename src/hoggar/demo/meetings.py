"""The scenario's meetings: the three 2010 meetings the sample articles report, the 2015
Tamanrasset summit, a fictional 2025 technical committee; their decisions, action items
and status updates (data/meetings.json)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from importlib import resources
from typing import Any

from hoggar.demo.parties import SELF_KEY, SETUP_AT, Parties, demo_id
from hoggar.demo.places import location_id, names_extension
from hoggar.sharing.markings import TLP
from hoggar.stix.extensions import INCIDENT_EXTENSION_ID, NAMES_EXTENSION_ID
from hoggar.stix.types.meetings import ACTION_UPDATE, extension
from hoggar.summits.service import ActionIn, DecisionIn, MeetingIn, meeting_objects


def load_meetings() -> list[dict[str, Any]]:
    raw = resources.files("hoggar.demo").joinpath("data/meetings.json").read_text("utf-8")
    meetings: list[dict[str, Any]] = json.loads(raw)["meetings"]
    return meetings


def _evidence(
    ref: str, parties: Parties, incidents: Sequence[dict[str, Any]], meeting_ids: dict[str, str]
) -> list[str]:
    kind, _, rest = ref.partition(":")
    if kind == "article":
        return [demo_id("report", rest)]
    if kind == "meeting":
        return [meeting_ids[rest]]
    # "incidents:DZ:arms_seizure:2025:3": the first N such incidents that member reported.
    country, sub_type, year, count = rest.split(":")
    reporter = parties.by_key[country].org_id
    found = [
        i["id"]
        for i in incidents
        if i.get("created_by_ref") == reporter
        and (i["extensions"][INCIDENT_EXTENSION_ID].get("sub_type") == sub_type)
        and str(i["extensions"][INCIDENT_EXTENSION_ID].get("start_time", "")).startswith(year)
    ]
    return found[: int(count)]


def meeting_scenario(parties: Parties, incidents: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    data = load_meetings()
    meeting_ids = {m["key"]: demo_id("x-hoggar-meeting", m["key"]) for m in data}
    out: list[dict[str, Any]] = []
    for m in data:
        key = m["key"]
        org = {k: parties.by_key[k].org_id for k in m["participants"]}
        inp = MeetingIn(
            name=m["names"]["en"],
            kind=m["kind"],
            start_date=m["start_date"],
            end_date=m.get("end_date"),
            host=parties.by_key[m["host"]].org_id,
            participants=tuple(org.values()),
            place_name=m.get("place_name", ""),
            country=m.get("country"),
            agenda=tuple(m.get("agenda", [])),
            final_statement=m.get("final_statement", ""),
            description=m.get("description", ""),
            decisions=tuple(
                DecisionIn(
                    d["text"],
                    d["theme"],
                    tuple(
                        ActionIn(a["text"], parties.by_key[a["responsible"]].org_id, a["due_date"])
                        for a in d["actions"]
                    ),
                )
                for d in m["decisions"]
            ),
            evidence_refs=(demo_id("report", m["article"]),) if m.get("article") else (),
        )
        ids = {"meeting": meeting_ids[key]}
        for i, d in enumerate(m["decisions"]):
            ids[f"decision-{i}"] = demo_id("x-hoggar-decision", key, str(i))
            for j, _ in enumerate(d["actions"]):
                ids[f"action-{i}-{j}"] = demo_id("x-hoggar-action-item", key, str(i), str(j))
        recorded = (
            SETUP_AT if m["start_date"] < SETUP_AT[:10] else f"{m['start_date']}T18:00:00.000Z"
        )
        marks = parties.marking_refs(SELF_KEY, TLP.AMBER, m["participants"])
        for obj in meeting_objects(inp, ids):
            obj.update(created=recorded, modified=recorded, spec_version="2.1")
            obj["created_by_ref"] = parties.self_org_id
            obj["object_marking_refs"] = marks
            if obj["type"] == "x-hoggar-meeting":
                obj["extensions"][NAMES_EXTENSION_ID] = names_extension(m["names"], (), None)
                if m.get("place"):
                    obj["location_ref"] = location_id(m["place"])
            out.append(obj)
        for i, d in enumerate(m["decisions"]):
            for j, a in enumerate(d["actions"]):
                for n, u in enumerate(a.get("updates", [])):
                    at = f"{u['as_of']}T18:00:00.000Z" if u["as_of"] > SETUP_AT[:10] else SETUP_AT
                    evidence = [
                        e
                        for ref in u.get("evidence", [])
                        for e in _evidence(ref, parties, incidents, meeting_ids)
                    ]
                    update: dict[str, Any] = {
                        "type": ACTION_UPDATE,
                        "spec_version": "2.1",
                        "id": demo_id("x-hoggar-action-update", key, str(i), str(j), str(n)),
                        "created": at,
                        "modified": at,
                        "created_by_ref": parties.by_key[u["by"]].org_id,
                        "action_item_ref": ids[f"action-{i}-{j}"],
                        "meeting_ref": meeting_ids[key],
                        "status": u["status"],
                        "as_of": u["as_of"],
                        "extensions": extension(),
                        "object_marking_refs": parties.marking_refs(
                            u["by"], TLP.AMBER, m["participants"]
                        ),
                    }
                    if u.get("text"):
                        update["text"] = u["text"]
                    if evidence:
                        update["evidence_refs"] = evidence
                    out.append(update)
    return out
