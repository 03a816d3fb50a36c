"""Read paths over the object store: lists, reads, versions and export; every one
filters through `visible_to` in SQL (`hoggar.store.filters`)."""

from __future__ import annotations

import base64
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from hoggar.context import Principal
from hoggar.kernel.errors import Invalid, Problem, not_found
from hoggar.kernel.jsonutil import load_object
from hoggar.sharing.markings import TLP_BY_ID, builtin_marking_object, sealed_boxes
from hoggar.sharing.rule import current_visible_to, visible_to
from hoggar.stix.extensions import DEFINITIONS, HOGGAR_IDENTITY
from hoggar.stix.models import ObjectIndex, ObjectVersion, VersionRelease
from hoggar.store.filters import ObjectFilter, base, filtered

MAX_PAGE = 1000


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
    stmt = filtered(base(ObjectVersion.pk, ObjectVersion.body), principal, flt)
    if cursor:
        stmt = stmt.where(ObjectVersion.pk < decode_cursor(cursor))
    rows = session.execute(stmt.order_by(ObjectVersion.pk.desc()).limit(limit + 1)).all()
    items = [load_object(r.body) for r in rows[:limit]]
    next_cursor = encode_cursor(rows[limit - 1].pk) if len(rows) > limit else None
    return Page(items, next_cursor)


def by_start(
    session: Session, principal: Principal, flt: ObjectFilter, *, limit: int = 50, offset: int = 0
) -> list[dict[str, Any]]:
    """Current versions ordered by when the event began (newest first)."""
    stmt = filtered(base(ObjectVersion.body), principal, flt)
    stmt = stmt.order_by(ObjectIndex.start_at.desc(), ObjectVersion.pk.desc())
    return [load_object(b) for b in session.scalars(stmt.limit(limit).offset(offset))]


def _newest_added(stmt: Select[Any]) -> Select[Any]:
    # Newest stored first by (added_at, pk), which the (added_at, pk) index both
    # filters (added_after) and orders: ordering by pk alone scanned every row when few
    # matched (2 s at a million).
    return stmt.order_by(ObjectVersion.added_at.desc(), ObjectVersion.pk.desc())


def newest_added(
    session: Session, principal: Principal, flt: ObjectFilter, *, limit: int
) -> list[dict[str, Any]]:
    """The `limit` matching records stored last (for "shared since your last visit")."""
    stmt = _newest_added(filtered(base(ObjectVersion.body), principal, flt)).limit(limit)
    return [load_object(body) for body in session.scalars(stmt)]


def latest_by_originator(
    session: Session, principal: Principal, flt: ObjectFilter, *, cap: int
) -> tuple[list[dict[str, Any]], bool]:
    """Records per originator among the latest `cap` stored that match (newest stored
    first, as `newest_added`), and whether there were more: the cost is bounded by `cap`
    however many records match."""
    latest = _newest_added(filtered(base(ObjectVersion.originator_id), principal, flt))
    originators = session.scalars(latest.limit(cap + 1)).all()
    counts = Counter(originators[:cap])
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [{"key": k, "count": n} for k, n in ordered], len(originators) > cap


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
        stmt = filtered(base(ObjectVersion.pk, ObjectVersion.body), principal, flt)
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
