"""The filters shared by every read path, applied in SQL together with the
releasability rule (`visible_to`): lists, counts, aggregates, search and export."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import CompoundSelect, Select, or_, select
from sqlalchemy.orm import aliased

from hoggar.context import Principal
from hoggar.sharing.markings import TLP_BY_ID
from hoggar.sharing.rule import visible_columns, visible_to
from hoggar.stix.models import ObjectIndex, ObjectLink, ObjectVersion
from hoggar.store.search import query_terms, text_matches


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


def filtered(stmt: Select[Any], principal: Principal, flt: ObjectFilter) -> Select[Any]:
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
    stmt = index_conditions(stmt, flt)
    if flt.group:
        stmt = stmt.where(ObjectVersion.stix_id.in_(attributed_to(principal, flt.group)))
    if flt.fused_once:
        stmt = stmt.where(ObjectVersion.stix_id.not_in(duplicates(principal)))
    if flt.text and query_terms(flt.text):
        stmt = stmt.where(text_matches(flt.text))
    return stmt


def index_conditions(stmt: Select[Any], flt: ObjectFilter) -> Select[Any]:
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


def index_only(flt: ObjectFilter) -> bool:
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


def index_filtered(stmt: Select[Any], principal: Principal, flt: ObjectFilter) -> Select[Any]:
    """`filtered` for a statement over index rows only (current versions by
    construction): the rule on the index row's originator and version key, so neither
    the version row nor its body is read. Only for filters `index_only` accepts."""
    assert index_only(flt)
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
    stmt = index_conditions(stmt, flt)
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


def base(*columns: Any) -> Select[Any]:
    """`columns` of the current versions joined to their index rows (for `filtered`)."""
    return (
        select(*columns)
        .select_from(ObjectVersion)
        .join(ObjectIndex, ObjectIndex.version_pk == ObjectVersion.pk)
    )
