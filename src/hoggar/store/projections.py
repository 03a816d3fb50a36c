"""Derive the queryable projection of an object from its stored JSON.

Pure functions: the projection is an index, recomputed from objects by
`rebuild_projections`, never edited on its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hoggar.kernel.clock import parse_stix
from hoggar.kernel.jsonutil import dumps_compact, loads_strict
from hoggar.stix.checks import as_number
from hoggar.stix.extensions import NAMES_EXTENSION_ID
from hoggar.stix.models import ObjectIndex, ObjectLink, ObjectVersion
from hoggar.stix.types.incident import IncidentFacts
from hoggar.store.search import index_new_rows
from hoggar.text.normalize import search_document

_TEXT_PROPS = ("name", "description", "content", "abstract", "explanation", "opinion", "context")


def _ts(value: Any) -> datetime | None:
    try:
        return parse_stix(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _day(value: Any) -> datetime | None:
    """A "YYYY-MM-DD" property (meetings, due dates) as midnight UTC."""
    if not isinstance(value, str) or len(value) != 10:
        return None
    return _ts(value + "T00:00:00.000Z")


def _text(value: Any, limit: int) -> str | None:
    return value[:limit] if isinstance(value, str) and value else None


def seized_json(value: Any) -> str | None:
    """An incident's seized items as compact JSON [[item, unit, quantity], ...] (or None),
    so that assessments sum them without reading bodies."""
    if not isinstance(value, list):
        return None
    items = [
        [str(i.get("item")), str(i.get("unit", "")), i["quantity"]]
        for i in value
        if isinstance(i, Mapping) and as_number(i.get("quantity")) is not None
    ]
    return dumps_compact(items) if items else None


def incident_facts(inc: IncidentFacts) -> dict[str, Any]:
    """The incident extension's facts an assessment sums (migration 0014 filled them)."""
    return {
        "civilians_killed": inc.civilians_killed,
        "admin1": _text(inc.admin1, 120),
        "place_name": _text(inc.place_name, 300),
        "seized": seized_json(inc.raw.get("seized")),
    }


def display_name(obj: Mapping[str, Any]) -> str | None:
    for prop in ("name", "content", "explanation", "opinion", "relationship_type", "value"):
        value = obj.get(prop)
        if isinstance(value, str) and value:
            return value[:500]
    return None


def project(obj: Mapping[str, Any]) -> dict[str, Any]:
    """The index fields of one object (everything optional except type and text)."""
    exts = obj.get("extensions") if isinstance(obj.get("extensions"), Mapping) else {}
    assert isinstance(exts, Mapping)
    inc = IncidentFacts.of(obj)
    names = (
        exts.get(NAMES_EXTENSION_ID) if isinstance(exts.get(NAMES_EXTENSION_ID), Mapping) else {}
    )
    assert isinstance(names, Mapping)
    texts: list[str] = [str(obj[p]) for p in _TEXT_PROPS if isinstance(obj.get(p), str)]
    texts += [a for a in obj.get("aliases") or [] if isinstance(a, str)]
    texts += [n.get("value", "") for n in names.get("names") or [] if isinstance(n, Mapping)]
    texts += [value for value in (inc.narrative, inc.place_name) if value is not None]
    country = inc.country or names.get("country") or obj.get("country")
    lat = inc.latitude if "latitude" in inc.raw else as_number(obj.get("latitude"))
    lon = inc.longitude if "longitude" in inc.raw else as_number(obj.get("longitude"))
    start = (
        _ts(inc.start_time)
        or _ts(obj.get("first_seen"))
        or _ts(obj.get("published"))
        or _day(obj.get("start_date"))  # meetings
        or _day(obj.get("due_date"))  # action items
        or _day(obj.get("as_of"))  # their status updates
    )
    end = _ts(inc.end_time) or _ts(obj.get("last_seen")) or _day(obj.get("end_date")) or start
    return {
        "stix_type": obj.get("type"),
        "name": display_name(obj),
        "search_text": search_document(texts),
        "lang": inc.narrative_lang or obj.get("lang"),
        "country": country.upper()[:2] if isinstance(country, str) and country else None,
        "event_type": inc.event_type,
        "sub_type": inc.sub_type,
        "start_at": start,
        "end_at": end,
        "lat": lat,
        "lon": lon,
        "killed": inc.killed,
        "wounded": inc.wounded,
        "kidnapped": inc.kidnapped,
        "released": inc.released,
        **incident_facts(inc),
        "modified_at": _ts(obj.get("modified")) or _ts(obj.get("created")),
        "revoked": obj.get("revoked") is True,
    }


def _refs(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


_MEETING_REFS = (
    ("meeting_ref", "meeting"),
    ("decision_ref", "decision"),
    ("action_item_ref", "action"),
    ("evidence_refs", "evidence"),
    ("responsible_ref", "responsible"),
    ("participant_refs", "participant"),
    ("host_ref", "host"),
    ("source_refs", "reported-in"),
)


def project_links(obj: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The link rows of one object: (ref_id, role, relationship_type), without duplicates."""
    inc = IncidentFacts.of(obj)
    pairs: list[tuple[str, str]] = []
    pairs += [(r, "actor") for r in inc.actor_refs]
    pairs += [(r, "location") for r in inc.location_refs]
    pairs += [(r, "object") for r in _refs(obj.get("object_refs"))]
    pairs += [(r, "object") for r in _refs(obj.get("sighting_of_ref"))]
    # Meetings, decisions, action items and their updates (hoggar.stix.types.meetings).
    for prop, role in _MEETING_REFS:
        pairs += [(r, role) for r in _refs(obj.get(prop))]
    rel_type = obj.get("relationship_type") if obj.get("type") == "relationship" else None
    if rel_type is not None:
        pairs += [(r, "source") for r in _refs(obj.get("source_ref"))]
        pairs += [(r, "target") for r in _refs(obj.get("target_ref"))]
    return [
        {"ref_id": ref[:300], "role": role, "relationship_type": rel_type}
        for ref, role in dict.fromkeys(pairs)
    ]


def link_rows(stix_id: str, links: list[dict[str, Any]]) -> list[ObjectLink]:
    """The link rows of one object from its `project_links`."""
    return [ObjectLink(stix_id=stix_id, **link) for link in links]


def index_row(version: ObjectVersion, fields: Mapping[str, Any]) -> ObjectIndex:
    """The index row of a version from its object's `project`."""
    return ObjectIndex(
        stix_id=version.stix_id,
        version_pk=version.pk,
        originator_id=version.originator_id,
        release_marking_id=version.release_marking_id,
        **fields,
    )


def set_current_index(
    session: Session,
    version: ObjectVersion,
    fields: Mapping[str, Any],
    links: list[dict[str, Any]],
) -> None:
    """Make the index row of version.stix_id describe this (current) version, from its
    object's `project` and `project_links` (the caller has them, often from a worker)."""
    session.execute(delete(ObjectLink).where(ObjectLink.stix_id == version.stix_id))
    session.execute(delete(ObjectIndex).where(ObjectIndex.stix_id == version.stix_id))
    session.add(index_row(version, fields))
    session.flush()
    index_new_rows(session, [version.stix_id])
    session.add_all(link_rows(version.stix_id, links))


def rebuild_projections(session: Session, batch: int = 2000) -> int:
    """Drop and recompute the whole index from the current versions; returns rows written."""
    session.execute(delete(ObjectLink))
    session.execute(delete(ObjectIndex))
    written, last = 0, 0
    while True:
        rows = (
            session.execute(
                select(ObjectVersion)
                .where(ObjectVersion.is_current.is_(True), ObjectVersion.pk > last)
                .order_by(ObjectVersion.pk)
                .limit(batch)
            )
            .scalars()
            .all()
        )
        if not rows:
            return written
        objs = [(v, loads_strict(v.body)) for v in rows]
        session.add_all(index_row(v, project(obj)) for v, obj in objs)
        session.flush()
        index_new_rows(session, [v.stix_id for v, _ in objs])
        session.add_all(
            link for v, obj in objs for link in link_rows(v.stix_id, project_links(obj))
        )
        session.flush()
        written += len(rows)
        last = rows[-1].pk
        session.expunge_all()
