"""Read paths over the object store; every one filters through `visible_to` in SQL."""

from __future__ import annotations

import base64
import math
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import CompoundSelect, Integer, Select, case, cast, func, or_, select
from sqlalchemy.orm import Session, aliased

from hoggar.context import Principal
from hoggar.kernel.errors import Invalid, Problem, not_found
from hoggar.kernel.jsonutil import load_object
from hoggar.sharing.markings import TLP_BY_ID, builtin_marking_object, sealed_boxes
from hoggar.sharing.rule import current_visible_to, visible_columns, visible_to
from hoggar.stix.extensions import DEFINITIONS, HOGGAR_IDENTITY
from hoggar.stix.models import ObjectIndex, ObjectLink, ObjectVersion, VersionRelease
from hoggar.store import rollup
from hoggar.store.search import query_terms, text_matches

MAX_PAGE = 1000
GROUPABLE = {
    "type": ObjectIndex.stix_type,
    "country": ObjectIndex.country,
    "originator": ObjectIndex.originator_id,
    "event_type": ObjectIndex.event_type,
    "tlp": ObjectVersion.tlp,
}


@dataclass
class ObjectFilter:
    """Filters shared by lists, counts, aggregates, search and export."""

    types: Sequence[str] = ()
    originator: str | None = None
    modified_after: datetime | None = None
    added_after: datetime | None = None  # stored here after this moment (received or made)
    not_originator: str | None = None  # everything but this organization's own records
    modified_before: datetime | None = None
    tlp: str | None = None
    marking: str | None = None
    country: str | None = None
    event_type: str | None = None
    sub_types: Sequence[str] = ()  # any of these codebook sub-types
    countries: Sequence[str] = ()  # any of these (ISO codes)
    # A report made for another organization holds only what both may read.
    also_readable_by: str | None = None
    start_after: datetime | None = None
    start_before: datetime | None = None
    # An area: (west, south, east, north) in degrees; incidents with coordinates inside.
    bbox: tuple[float, float, float, float] | None = None
    text: str | None = None
    include_revoked: bool = False
    ids: Sequence[str] = ()
    group: str | None = None  # incidents attributed to this group (actor_refs or relationship)
    fused_once: bool = False  # leave out reports marked duplicate-of another (readable) one


@dataclass
class Page:
    items: list[dict[str, Any]]
    next_cursor: str | None
    extra: dict[str, Any] = field(default_factory=dict)


def encode_cursor(pk: int) -> str:
    return base64.urlsafe_b64encode(f"v1:{pk}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, pk = raw.split(":", 1)
        value = int(pk)
        if prefix != "v1" or not 0 < value < 2**31:  # row ids are 32-bit on PostgreSQL
            raise ValueError(prefix)
        return value
    except (ValueError, UnicodeDecodeError) as exc:
        raise Invalid(
            "The cursor is not valid.",
            [Problem("cursor", "use the next_cursor value of a previous page")],
        ) from exc


def _filtered(stmt: Select[Any], principal: Principal, flt: ObjectFilter) -> Select[Any]:
    """Apply the rule and the filters to a statement over current versions + index."""
    stmt = stmt.where(ObjectVersion.is_current.is_(True), visible_to(principal))
    if flt.also_readable_by and flt.also_readable_by != principal.org_id:
        stmt = stmt.where(visible_to(Principal(org_id=flt.also_readable_by, name="")))
    if flt.types:
        stmt = stmt.where(ObjectVersion.stix_type.in_(list(flt.types)))
        # The same condition on the index row (always the current version's type) lets
        # the (stix_type, start_at) index both select and order "latest incidents".
        stmt = stmt.where(
            ObjectIndex.stix_type == flt.types[0]
            if len(flt.types) == 1
            else ObjectIndex.stix_type.in_(list(flt.types))
        )
    if flt.ids:
        stmt = stmt.where(ObjectVersion.stix_id.in_(list(flt.ids)))
    if flt.originator:
        stmt = stmt.where(ObjectVersion.originator_id == flt.originator)
    if flt.added_after:
        stmt = stmt.where(ObjectVersion.added_at > flt.added_after)
    if flt.not_originator:
        stmt = stmt.where(ObjectVersion.originator_id != flt.not_originator)
    if flt.modified_after:
        stmt = stmt.where(ObjectVersion.modified_at > flt.modified_after)
    if flt.modified_before:
        stmt = stmt.where(ObjectVersion.modified_at < flt.modified_before)
    if flt.tlp:
        stmt = stmt.where(ObjectVersion.tlp == flt.tlp)
    if flt.marking:
        level = TLP_BY_ID.get(flt.marking)
        stmt = stmt.where(
            ObjectVersion.tlp == level.value
            if level
            else ObjectVersion.release_marking_id == flt.marking
        )
    if not flt.include_revoked:
        stmt = stmt.where(ObjectVersion.revoked.is_(False))
    stmt = _index_conditions(stmt, flt)
    if flt.group:
        stmt = stmt.where(ObjectVersion.stix_id.in_(attributed_to(principal, flt.group)))
    if flt.fused_once:
        stmt = stmt.where(ObjectVersion.stix_id.not_in(duplicates(principal)))
    if flt.text and query_terms(flt.text):
        stmt = stmt.where(text_matches(flt.text))
    return stmt


def _index_conditions(stmt: Select[Any], flt: ObjectFilter) -> Select[Any]:
    """The filters on the current version's index row."""
    if flt.country:
        stmt = stmt.where(ObjectIndex.country == flt.country.upper())
    if flt.event_type:
        stmt = stmt.where(ObjectIndex.event_type == flt.event_type)
    if flt.countries:
        stmt = stmt.where(ObjectIndex.country.in_([c.upper() for c in flt.countries]))
    if flt.sub_types:
        stmt = stmt.where(ObjectIndex.sub_type.in_(list(flt.sub_types)))
    if flt.start_after:
        stmt = stmt.where(ObjectIndex.start_at >= flt.start_after)
    if flt.start_before:
        stmt = stmt.where(ObjectIndex.start_at < flt.start_before)
    if flt.bbox:
        west, south, east, north = flt.bbox
        stmt = stmt.where(ObjectIndex.lat.between(south, north))
        stmt = stmt.where(
            ObjectIndex.lon.between(west, east)
            if west <= east  # an area across the antimeridian wraps round
            else or_(ObjectIndex.lon >= west, ObjectIndex.lon <= east)
        )
    return stmt


def _index_only(flt: ObjectFilter) -> bool:
    """Whether the index rows alone answer the filter (no version column needed)."""
    return not (
        flt.ids
        or flt.added_after
        or flt.modified_after
        or flt.modified_before
        or flt.tlp
        or flt.marking
        or flt.group
        or flt.text
    )


def _index_filtered(stmt: Select[Any], principal: Principal, flt: ObjectFilter) -> Select[Any]:
    """`_filtered` for a statement over index rows only (current versions by
    construction): the rule on the index row's originator and version key, so neither
    the version row nor its body is read. Only for filters `_index_only` accepts."""
    assert _index_only(flt)
    stmt = stmt.where(visible_columns(principal, ObjectIndex.originator_id, ObjectIndex.version_pk))
    if flt.also_readable_by and flt.also_readable_by != principal.org_id:
        other = Principal(org_id=flt.also_readable_by, name="")
        stmt = stmt.where(visible_columns(other, ObjectIndex.originator_id, ObjectIndex.version_pk))
    if flt.types:
        stmt = stmt.where(ObjectIndex.stix_type.in_(list(flt.types)))
    if flt.originator:
        stmt = stmt.where(ObjectIndex.originator_id == flt.originator)
    if flt.not_originator:
        stmt = stmt.where(ObjectIndex.originator_id != flt.not_originator)
    if not flt.include_revoked:
        stmt = stmt.where(ObjectIndex.revoked.is_(False))
    stmt = _index_conditions(stmt, flt)
    if flt.fused_once:
        stmt = stmt.where(ObjectIndex.stix_id.not_in(duplicates(principal)))
    return stmt


def attributed_to(principal: Principal, group_id: str) -> CompoundSelect[Any]:
    """Ids of objects naming `group_id` as an actor, or linked to it by an attributed-to
    relationship the principal may read (a hidden link must not show through a filter)."""
    direct = select(ObjectLink.stix_id).where(
        ObjectLink.ref_id == group_id, ObjectLink.role == "actor"
    )
    target, source, rel = aliased(ObjectLink), aliased(ObjectLink), aliased(ObjectVersion)
    via = (
        select(source.ref_id)
        .join(target, target.stix_id == source.stix_id)
        .join(rel, rel.stix_id == source.stix_id)
        .where(
            target.ref_id == group_id,
            target.role == "target",
            target.relationship_type == "attributed-to",
            source.role == "source",
            rel.is_current.is_(True),
            rel.revoked.is_(False),
            visible_to(principal, rel),
        )
    )
    return direct.union(via)


def duplicates(principal: Principal) -> Select[Any]:
    """Ids of reports that a duplicate-of relationship the principal may read marks as
    another report of an event already counted (counting fused events once)."""
    source, target, rel = aliased(ObjectLink), aliased(ObjectLink), aliased(ObjectVersion)
    return (
        select(source.ref_id)
        .join(target, target.stix_id == source.stix_id)
        .join(rel, rel.stix_id == source.stix_id)
        .where(
            source.role == "source",
            target.role == "target",
            target.relationship_type == "duplicate-of",
            rel.is_current.is_(True),
            rel.revoked.is_(False),
            visible_to(principal, rel),
        )
    )


def _base(*columns: Any) -> Select[Any]:
    return (
        select(*columns)
        .select_from(ObjectVersion)
        .join(ObjectIndex, ObjectIndex.version_pk == ObjectVersion.pk)
    )


def list_objects(
    session: Session,
    principal: Principal,
    flt: ObjectFilter,
    *,
    limit: int = 100,
    cursor: str | None = None,
) -> Page:
    """Current versions the principal may read, newest stored first, keyset-paginated."""
    limit = max(1, min(limit, MAX_PAGE))
    stmt = _filtered(_base(ObjectVersion.pk, ObjectVersion.body), principal, flt)
    if cursor:
        stmt = stmt.where(ObjectVersion.pk < decode_cursor(cursor))
    rows = session.execute(stmt.order_by(ObjectVersion.pk.desc()).limit(limit + 1)).all()
    items = [load_object(r.body) for r in rows[:limit]]
    next_cursor = encode_cursor(rows[limit - 1].pk) if len(rows) > limit else None
    return Page(items, next_cursor)


def incident_points(
    session: Session, principal: Principal, flt: ObjectFilter, limit: int = 5000
) -> list[dict[str, Any]]:
    """Incidents with coordinates for a map layer, most recent events first."""
    stmt = _filtered(
        _base(
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
    stmt = _filtered(
        _base(
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
        if _index_only(flt):  # the index rows alone: no version row, no body read
            stmt = select(*columns).select_from(ObjectIndex)
            return _index_filtered(stmt, principal, flt)
        return _filtered(_base(*columns), principal, flt)

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
    stmt = _filtered(
        _base(ObjectIndex.start_at, ObjectIndex.event_type, ObjectIndex.killed), principal, flt
    ).where(ObjectIndex.start_at.is_not(None))
    return [(r.start_at, r.event_type, r.killed or 0) for r in session.execute(stmt)]


def by_start(
    session: Session, principal: Principal, flt: ObjectFilter, *, limit: int = 50, offset: int = 0
) -> list[dict[str, Any]]:
    """Current versions ordered by when the event began (newest first)."""
    stmt = _filtered(_base(ObjectVersion.body), principal, flt)
    stmt = stmt.order_by(ObjectIndex.start_at.desc(), ObjectVersion.pk.desc())
    return [load_object(b) for b in session.scalars(stmt.limit(limit).offset(offset))]


def count_objects(session: Session, principal: Principal, flt: ObjectFilter) -> int:
    counted = rollup.count(session, principal, flt)
    if counted is not None:
        return counted
    stmt = _filtered(_base(func.count()), principal, flt)
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


def _newest_added(stmt: Select[Any]) -> Select[Any]:
    # Newest stored first by (added_at, pk), which the (added_at, pk) index both
    # filters (added_after) and orders: ordering by pk alone scanned every row when few
    # matched (2 s at a million).
    return stmt.order_by(ObjectVersion.added_at.desc(), ObjectVersion.pk.desc())


def newest_added(
    session: Session, principal: Principal, flt: ObjectFilter, *, limit: int
) -> list[dict[str, Any]]:
    """The `limit` matching records stored last (for "shared since your last visit")."""
    stmt = _newest_added(_filtered(_base(ObjectVersion.body), principal, flt)).limit(limit)
    return [load_object(body) for body in session.scalars(stmt)]


def latest_by_originator(
    session: Session, principal: Principal, flt: ObjectFilter, *, cap: int
) -> tuple[list[dict[str, Any]], bool]:
    """Records per originator among the latest `cap` stored that match (newest stored
    first, as `newest_added`), and whether there were more: the cost is bounded by `cap`
    however many records match."""
    latest = _newest_added(_filtered(_base(ObjectVersion.originator_id), principal, flt))
    originators = session.scalars(latest.limit(cap + 1)).all()
    counts = Counter(originators[:cap])
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [{"key": k, "count": n} for k, n in ordered], len(originators) > cap


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
    filtered = _filtered(
        _base(
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
        filtered = filtered.where(ObjectVersion.stix_id.in_(duplicates(principal)))
    stmt = filtered.group_by(key).order_by(func.count().desc(), key)
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


def get_object(session: Session, principal: Principal, stix_id: str) -> dict[str, Any]:
    """The current version, or NotFound whether missing or not releasable to principal."""
    body = session.scalar(
        select(ObjectVersion.body).where(
            ObjectVersion.stix_id == stix_id,
            ObjectVersion.is_current.is_(True),
            visible_to(principal),
        )
    )
    if body is None:
        raise not_found("object", stix_id)
    result: dict[str, Any] = load_object(body)
    return result


def get_versions(session: Session, principal: Principal, stix_id: str) -> list[dict[str, Any]]:
    """All versions the principal may read, oldest first (the current one must be readable)."""
    rows = session.scalars(
        select(ObjectVersion.body)
        .where(ObjectVersion.stix_id == stix_id, current_visible_to(principal))
        .order_by(ObjectVersion.version_key)
    ).all()
    if not rows:
        raise not_found("object", stix_id)
    return [load_object(b) for b in rows]


def get_version_row(session: Session, principal: Principal, stix_id: str) -> ObjectVersion:
    row = session.scalar(
        select(ObjectVersion).where(
            ObjectVersion.stix_id == stix_id,
            ObjectVersion.is_current.is_(True),
            visible_to(principal),
        )
    )
    if row is None:
        raise not_found("object", stix_id)
    return row


def recipients_of(session: Session, principal: Principal, row: ObjectVersion) -> list[str] | None:
    """Who receives a version; told only to its originator, who chose them (MISP lesson:
    revealing other recipients is itself a leak). None for everyone else."""
    if principal.org_id != row.originator_id:
        return None
    return sorted(
        session.scalars(select(VersionRelease.org_id).where(VersionRelease.version_pk == row.pk))
    )


def recipients_disclosed(session: Session, row: ObjectVersion) -> bool:
    """Whether the version's release set lets its recipients see each other (a sealed
    set does not, hoggar.kernel.sealing); True for a record without recipients."""
    if row.release_marking_id is None:
        return True
    body = session.scalar(
        select(ObjectVersion.body).where(
            ObjectVersion.stix_id == row.release_marking_id, ObjectVersion.is_current.is_(True)
        )
    )
    return body is None or sealed_boxes(load_object(body)) is None


def iter_export(
    session: Session, principal: Principal, flt: ObjectFilter, batch: int = 1000
) -> Iterator[dict[str, Any]]:
    """Stream the matching objects, then the markings and definitions they reference.

    Referenced release-set markings are included only where the principal may read
    them (they carry the same rule); standard TLP and Hoggar definitions always.
    """
    marking_ids: set[str] = set()
    extension_ids: set[str] = set()
    exported_markings: set[str] = set()
    last: int | None = None
    while True:
        stmt = _filtered(_base(ObjectVersion.pk, ObjectVersion.body), principal, flt)
        if last is not None:
            stmt = stmt.where(ObjectVersion.pk > last)
        rows = session.execute(stmt.order_by(ObjectVersion.pk).limit(batch)).all()
        if not rows:
            break
        for row in rows:
            obj = load_object(row.body)
            marking_ids.update(obj.get("object_marking_refs") or [])
            extension_ids.update(k for k in obj.get("extensions") or {} if k in DEFINITIONS)
            if obj["type"] == "marking-definition":
                exported_markings.add(obj["id"])
            yield obj
        last = rows[-1].pk
    yield from _referenced(session, principal, marking_ids - exported_markings, extension_ids)


def _referenced(
    session: Session,
    principal: Principal,
    marking_ids: set[str],
    extension_ids: set[str],
) -> Iterator[dict[str, Any]]:
    for mid in sorted(marking_ids):
        if mid in TLP_BY_ID:
            yield builtin_marking_object(mid)
    stored = [m for m in sorted(marking_ids) if m not in TLP_BY_ID]
    for body in session.scalars(
        select(ObjectVersion.body).where(
            ObjectVersion.stix_id.in_(stored),
            ObjectVersion.is_current.is_(True),
            visible_to(principal),
        )
    ):
        obj = load_object(body)
        extension_ids.update(k for k in obj.get("extensions") or {} if k in DEFINITIONS)
        yield obj
    if extension_ids:
        yield HOGGAR_IDENTITY
        for ext_id in sorted(extension_ids):
            yield DEFINITIONS[ext_id]
