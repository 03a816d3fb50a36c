"""Counts, sums and facts of the matching incidents (maps, timelines, assessments,
dashboards), through the shared filters and the releasability rule; from the monthly
counts (`hoggar.store.rollup`) where they can answer."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, Select, case, cast, func, select
from sqlalchemy.orm import Session

from hoggar.context import Principal
from hoggar.kernel.errors import Invalid, Problem
from hoggar.stix.models import ObjectIndex, ObjectVersion
from hoggar.store import rollup
from hoggar.store.filters import (
    ObjectFilter,
    base,
    duplicates,
    filtered,
    index_filtered,
    index_only,
)

GROUPABLE = {
    "type": ObjectIndex.stix_type,
    "country": ObjectIndex.country,
    "originator": ObjectIndex.originator_id,
    "event_type": ObjectIndex.event_type,
    "tlp": ObjectVersion.tlp,
}


def incident_points(
    session: Session, principal: Principal, flt: ObjectFilter, limit: int = 5000
) -> list[dict[str, Any]]:
    """Incidents with coordinates for a map layer, most recent events first."""
    stmt = filtered(
        base(
            ObjectIndex.stix_id,
            ObjectIndex.name,
            ObjectIndex.event_type,
            ObjectIndex.sub_type,
            ObjectIndex.start_at,
            ObjectIndex.lat,
            ObjectIndex.lon,
            ObjectIndex.killed,
            ObjectIndex.kidnapped,
            ObjectIndex.country,
            ObjectIndex.lang,
            ObjectVersion.originator_id,
        ),
        principal,
        flt,
    ).where(ObjectIndex.lat.is_not(None), ObjectIndex.lon.is_not(None))
    rows = session.execute(stmt.order_by(ObjectIndex.start_at.desc()).limit(limit)).all()
    return [dict(r._mapping) for r in rows]


def incident_facts(session: Session, principal: Principal, flt: ObjectFilter) -> list[Any]:
    """Index facts of every matching incident (for assessments and reports)."""
    stmt = filtered(
        base(
            ObjectIndex.stix_id,
            ObjectIndex.name,
            ObjectIndex.sub_type,
            ObjectIndex.event_type,
            ObjectIndex.country,
            ObjectIndex.start_at,
            ObjectIndex.lat,
            ObjectIndex.lon,
            ObjectIndex.killed,
            ObjectIndex.wounded,
            ObjectIndex.kidnapped,
            ObjectIndex.released,
            ObjectIndex.civilians_killed,
            ObjectIndex.admin1,
            ObjectIndex.place_name,
            ObjectIndex.seized,
            ObjectVersion.originator_id,
        ),
        principal,
        flt,
    )
    return list(session.execute(stmt.order_by(ObjectIndex.start_at, ObjectVersion.pk)))


@dataclass
class IncidentGroups:
    """`incident_facts` summed in the database (an assessment over a year of a million
    records reads a few thousand groups instead of every incident)."""

    # (sub_type, country, "YYYY-MM") -> [incidents, killed, civilians killed, wounded,
    # kidnapped, released]; civilians killed counts every death of an attack on
    # civilians when the report does not say.
    sums: list[tuple[str | None, str | None, str, list[int]]]
    regions: list[tuple[str | None, str | None, str, int]]  # (sub_type, country, admin1, n)
    places: list[tuple[str | None, int, int]]  # distinct (sub_type, map cell: map_cell)
    seized: list[tuple[str | None, str]]  # (sub_type, seized JSON) of incidents with some


CELLS_PER_DEGREE = 10


def map_cell(lat: float, lon: float) -> tuple[int, int]:
    """The map cell (a tenth of a degree, under a pixel of the maps) of a place; the
    database computes the very same numbers (`_cell_of`)."""
    return (
        math.floor((lat + 90) * CELLS_PER_DEGREE),
        math.floor((lon + 180) * CELLS_PER_DEGREE),
    )


def _cell_of(session: Session, column: Any, offset: int) -> Any:
    value = (column + offset) * CELLS_PER_DEGREE  # positive: truncation is floor
    if session.get_bind().dialect.name == "sqlite":
        return cast(value, Integer)
    return cast(func.floor(value), Integer)  # PostgreSQL's cast rounds


def month_of(session: Session, column: Any) -> Any:
    """ "YYYY-MM" of a UTC datetime column, on either engine."""
    if session.get_bind().dialect.name == "sqlite":
        return func.substr(column, 1, 7)  # stored as "YYYY-MM-DD HH:MM:SS…" in UTC
    return func.to_char(func.timezone("UTC", column), "YYYY-MM")


def incident_groups(session: Session, principal: Principal, flt: ObjectFilter) -> IncidentGroups:
    """Sums of the matching incidents by sub-type, country and month; regions; places;
    seized items — what `incident_facts` gives row by row."""
    month = month_of(session, ObjectIndex.start_at)
    civilians = func.coalesce(
        ObjectIndex.civilians_killed,
        case(
            (
                ObjectIndex.event_type == "violence_against_civilians",
                func.coalesce(ObjectIndex.killed, 0),
            ),
            else_=0,
        ),
    )

    def grouped(*columns: Any) -> Select[Any]:
        if index_only(flt):  # the index rows alone: no version row, no body read
            stmt = select(*columns).select_from(ObjectIndex)
            return index_filtered(stmt, principal, flt)
        return filtered(base(*columns), principal, flt)

    measures = (
        ObjectIndex.killed,
        civilians,
        ObjectIndex.wounded,
        ObjectIndex.kidnapped,
        ObjectIndex.released,
    )
    # One pass for the sums and the regions (a region is within a country).
    keys = (ObjectIndex.sub_type, ObjectIndex.country, month, ObjectIndex.admin1)
    sums = grouped(
        *keys, func.count(), *(func.coalesce(func.sum(c), 0) for c in measures)
    ).group_by(*keys)
    cell_lat = _cell_of(session, ObjectIndex.lat, 90)
    cell_lon = _cell_of(session, ObjectIndex.lon, 180)
    places = (
        grouped(ObjectIndex.sub_type, cell_lat, cell_lon)
        .where(ObjectIndex.lat.is_not(None), ObjectIndex.lon.is_not(None))
        .group_by(ObjectIndex.sub_type, cell_lat, cell_lon)
    )
    seized = (
        grouped(ObjectIndex.sub_type, ObjectIndex.seized)
        .where(ObjectIndex.seized.is_not(None))
        .order_by(ObjectIndex.start_at, ObjectIndex.version_pk)  # incident_facts' order
    )
    summed = session.execute(sums).all()
    regions: dict[tuple[str | None, str | None, str], int] = {}
    for r in summed:
        if r[3] is not None:
            key = (r[0], r[1], r[3])
            regions[key] = regions.get(key, 0) + int(r[4])
    return IncidentGroups(
        sums=[(r[0], r[1], r[2] or "", [int(v) for v in r[4:]]) for r in summed],
        regions=[(sub, country, str(admin1), n) for (sub, country, admin1), n in regions.items()],
        places=[(r[0], int(r[1]), int(r[2])) for r in session.execute(places)],
        seized=[(r[0], r[1]) for r in session.execute(seized)],
    )


def start_times(
    session: Session, principal: Principal, flt: ObjectFilter
) -> list[tuple[datetime, str | None, int]]:
    """(start, event type, killed) of every matching incident, for a timeline."""
    stmt = filtered(
        base(ObjectIndex.start_at, ObjectIndex.event_type, ObjectIndex.killed), principal, flt
    ).where(ObjectIndex.start_at.is_not(None))
    return [(r.start_at, r.event_type, r.killed or 0) for r in session.execute(stmt)]


def count_objects(session: Session, principal: Principal, flt: ObjectFilter) -> int:
    counted = rollup.count(session, principal, flt)
    if counted is not None:
        return counted
    stmt = filtered(base(func.count()), principal, flt)
    return int(session.scalar(stmt) or 0)


def aggregate(
    session: Session, principal: Principal, flt: ObjectFilter, group_by: str
) -> list[dict[str, Any]]:
    """Counts and casualty sums per group, over what the principal may read.

    From the monthly counts where they can answer (`hoggar.store.rollup`), else from
    the rows; both give the same figures (tests/test_rollup.py)."""
    if group_by not in GROUPABLE:
        raise Invalid(
            "Unknown grouping.", [Problem("group_by", f"one of {', '.join(sorted(GROUPABLE))}")]
        )
    groups = rollup.aggregate(session, principal, flt, group_by)
    if groups is not None:
        return groups
    return row_aggregate(session, principal, flt, group_by)


def row_aggregate(
    session: Session,
    principal: Principal,
    flt: ObjectFilter,
    group_by: str,
    *,
    only_duplicates: bool = False,
) -> list[dict[str, Any]]:
    """`aggregate` read from the incident rows (with `only_duplicates`: just the
    reports a readable duplicate-of marks as another report of a counted event)."""
    key = GROUPABLE[group_by]
    matching = filtered(
        base(
            key.label("key"),
            func.count().label("n"),
            func.coalesce(func.sum(ObjectIndex.killed), 0).label("killed"),
            func.coalesce(func.sum(ObjectIndex.wounded), 0).label("wounded"),
            func.coalesce(func.sum(ObjectIndex.kidnapped), 0).label("kidnapped"),
        ),
        principal,
        flt,
    )
    if only_duplicates:
        matching = matching.where(ObjectVersion.stix_id.in_(duplicates(principal)))
    stmt = matching.group_by(key).order_by(func.count().desc(), key)
    return [
        {
            "key": r.key,
            "count": int(r.n),
            "killed": int(r.killed),
            "wounded": int(r.wounded),
            "kidnapped": int(r.kidnapped),
        }
        for r in session.execute(stmt)
    ]
