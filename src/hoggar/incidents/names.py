"""Places and armed groups a reader may name, and their names in each language."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hoggar.context import Node, Principal
from hoggar.incidents.form import Place
from hoggar.kernel.errors import NotFound
from hoggar.kernel.jsonutil import load_object
from hoggar.orgs.service import org_names
from hoggar.sharing.rule import visible_to
from hoggar.stix.extensions import NAMES_EXTENSION_ID
from hoggar.stix.models import ObjectIndex, ObjectVersion
from hoggar.store import queries
from hoggar.text.matching import Entry, NameIndex, names_from


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


GROUP_TYPES = ("intrusion-set", "threat-actor")


def member_ids(session: Session, node: Node) -> list[str]:
    return [o for o in org_names(session) if o != node.org_id]
