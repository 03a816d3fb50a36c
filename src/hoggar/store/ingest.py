"""The one write path into the object store: validate, verify, version, index.

`ingest_object` keeps every version (unique on id + modified), stores the JSON as
received, marks the newest version current, honours `revoked`, enforces that only
the originator issues new versions, and resolves the release set the object's
markings declare. Callers decide transactions; each object runs in a savepoint so
a rejected object leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, delete, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from hoggar.kernel.added_clock import allocate_added_at, next_added_at
from hoggar.kernel.bulk import insert_rows
from hoggar.kernel.jsonutil import load_object, loads_strict
from hoggar.kernel.sealing import Opener
from hoggar.stix.models import ObjectIndex, ObjectLink, ObjectVersion, VersionRelease
from hoggar.store.check import (
    NOT_ORIGINATOR,
    REVOKED,
    SAME_VERSION,
    Checked,
    IngestResult,
    Outcome,
    Prepared,
    ReleaseResolver,
    prepare,
    reject,
    same_release_set,
    version_row,
)
from hoggar.store.projections import project, project_links, set_current_index
from hoggar.store.search import index_new_rows

# Tables for the driver's executemany (the ORM's bulk path costs several times more).
_VERSIONS = cast(Table, ObjectVersion.__table__)
_RELEASES = cast(Table, VersionRelease.__table__)
_INDEX = cast(Table, ObjectIndex.__table__)
_LINKS = cast(Table, ObjectLink.__table__)


def ingest_object(
    session: Session,
    obj: Any,
    *,
    node_org_id: str,
    received_via: str = "local",
    resolver: ReleaseResolver | None = None,
    require_signature: bool = False,
    holder_org_id: str | None = None,
    opener: Opener | None = None,
) -> IngestResult:
    """Store one object version inside a savepoint; never raises for bad input.

    With `holder_org_id`, an object that organization may not read is refused: a node
    never keeps what its own organization is not allowed to hold (federation input).
    """
    resolver = resolver or ReleaseResolver(session, opener)
    p = prepare(
        session,
        obj,
        node_org_id=node_org_id,
        resolver=resolver,
        require_signature=require_signature,
        holder_org_id=holder_org_id,
    )
    if isinstance(p, IngestResult):
        return p
    with session.begin_nested():
        known = known_versions(session, [p.stix_id]).get(p.stix_id)
        decision = decide(known, p)
        if isinstance(decision, IngestResult):
            return decision
        if decision is Outcome.DUPLICATE:
            assert known is not None
            return _same_key_outcome(session, p, known.versions[p.vkey], {})
        is_newest = decision is Outcome.CREATED
        current_pk = known.current_pk if known is not None else None
        version = ObjectVersion(
            **version_row(
                p, is_current=is_newest, added_at=next_added_at(session), received_via=received_via
            )
        )
        if is_newest and current_pk is not None:
            session.execute(
                update(ObjectVersion).where(ObjectVersion.pk == current_pk).values(is_current=False)
            )
        session.add(version)
        session.flush()
        if p.release_set is not None:
            session.add_all(
                VersionRelease(version_pk=version.pk, org_id=org)
                for org in p.release_set.members
                if org != p.originator
            )
        if is_newest:
            set_current_index(session, version, p.checked.index, p.checked.links)
        if p.release_set is not None and p.release_marking == p.stix_id:
            resolver.cache[p.stix_id] = p.release_set
    outcome = Outcome.CREATED if is_newest else Outcome.STORED_OLDER
    return IngestResult(p.stix_id, outcome, version_pk=version.pk)


def ingest_batch(
    session: Session,
    objects: Sequence[Any],
    *,
    node_org_id: str,
    received_via: str = "local",
    resolver: ReleaseResolver | None = None,
    require_signature: bool = False,
    holder_org_id: str | None = None,
    opener: Opener | None = None,
    checked: Sequence[Checked | IngestResult] | None = None,
) -> list[IngestResult]:
    """Same outcome as `ingest_object` on each object in turn, with set-wise SQL.

    Checks run per object (`checked`: `check`'s results, if they ran already, as
    `checks` runs them in worker processes); stored versions are read once for the
    whole batch and new rows written with multi-row statements. If the database
    refuses the batch (say a concurrent writer stored one of its versions first), it
    is redone object by object.
    """
    resolver = resolver or ReleaseResolver(session, opener)
    kw: dict[str, Any] = {
        "node_org_id": node_org_id,
        "resolver": resolver,
        "require_signature": require_signature,
        "holder_org_id": holder_org_id,
    }
    results: list[IngestResult | None] = [None] * len(objects)
    prepared: list[tuple[int, Prepared]] = []
    provisional: list[str] = []
    for i, obj in enumerate(objects):
        p = prepare(session, obj, checked=None if checked is None else checked[i], **kw)
        if isinstance(p, IngestResult):
            results[i] = p
            continue
        prepared.append((i, p))
        if (
            p.release_set is not None
            and p.release_marking == p.stix_id
            and p.stix_id not in resolver.cache
        ):
            resolver.cache[p.stix_id] = p.release_set  # later objects of the batch refer to it
            provisional.append(p.stix_id)
    try:
        with session.begin_nested():
            _write_batch(session, prepared, results, received_via)
    except DBAPIError:
        for mid in provisional:
            resolver.cache.pop(mid, None)
        for i, p in prepared:
            results[i] = ingest_object(session, p.obj, received_via=received_via, **kw)
    done = [r for r in results if r is not None]
    assert len(done) == len(objects)
    return done


@dataclass
class Known:
    """What is stored (or being stored in this batch) of one object id."""

    originator: str
    versions: dict[str, int | None]  # version_key -> pk (None: new in this batch)
    current_key: str | None = None
    current_pk: int | None = None
    current_revoked: bool = False


def decide(known: Known | None, p: Prepared) -> Outcome | IngestResult:
    """The one versioning decision, for a single object and a batch alike.

    DUPLICATE when this version (id + modified) is already known (the caller compares
    the bodies: the same object, or a refusal); a refusal when another organization
    originated the id, or when a newer version would follow a revocation; otherwise
    CREATED (the newest: it becomes the current version) or STORED_OLDER.
    """
    if known is None:
        return Outcome.CREATED
    if p.vkey in known.versions:
        return Outcome.DUPLICATE
    if known.originator != p.originator:
        return reject(p.stix_id, "/created_by_ref", NOT_ORIGINATOR)
    newest = known.current_key is None or p.vkey > known.current_key
    if newest and known.current_revoked:
        return reject(p.stix_id, "/revoked", REVOKED)
    return Outcome.CREATED if newest else Outcome.STORED_OLDER


def known_versions(session: Session, ids: list[str]) -> dict[str, Known]:
    """What is stored of each of these ids."""
    known: dict[str, Known] = {}
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(
                ObjectVersion.pk,
                ObjectVersion.stix_id,
                ObjectVersion.version_key,
                ObjectVersion.originator_id,
                ObjectVersion.is_current,
                ObjectVersion.revoked,
            ).where(ObjectVersion.stix_id.in_(ids[start : start + 500]))
        ).all()
        for r in rows:
            k = known.setdefault(r.stix_id, Known(r.originator_id, {}))
            k.versions[r.version_key] = r.pk
            if r.is_current:
                k.current_key, k.current_pk, k.current_revoked = r.version_key, r.pk, r.revoked
    return known


def _write_batch(
    session: Session,
    prepared: list[tuple[int, Prepared]],
    results: list[IngestResult | None],
    received_via: str,
) -> None:
    known = known_versions(session, sorted({p.stix_id for _, p in prepared}))
    stored_before = set(known)  # ids with rows already (index and links to replace)
    new: dict[tuple[str, str], Prepared] = {}  # versions accepted earlier in this batch
    accepted: list[list[Any]] = []  # [index, prepared, outcome, is_current]
    demoted: list[int] = []
    current_entry: dict[str, list[Any]] = {}
    for i, p in prepared:
        k = known.get(p.stix_id)
        decision = decide(k, p)
        if isinstance(decision, IngestResult):
            results[i] = decision
            continue
        if decision is Outcome.DUPLICATE:
            assert k is not None
            results[i] = _same_key_outcome(session, p, k.versions[p.vkey], new)
            continue
        newest = decision is Outcome.CREATED
        if k is None:
            k = known[p.stix_id] = Known(p.originator, {})
        k.versions[p.vkey] = None
        new[(p.stix_id, p.vkey)] = p
        entry = [i, p, decision, newest]
        if newest:
            if k.current_pk is not None:
                demoted.append(k.current_pk)
            if p.stix_id in current_entry:
                current_entry[p.stix_id][3] = False
            current_entry[p.stix_id] = entry
            k.current_key, k.current_pk = p.vkey, None
            k.current_revoked = p.obj.get("revoked") is True
        accepted.append(entry)
    if accepted:
        _insert_versions(session, accepted, demoted, results, received_via, stored_before)


def _insert_versions(
    session: Session,
    accepted: list[list[Any]],
    demoted: list[int],
    results: list[IngestResult | None],
    received_via: str,
    stored_before: set[str],
) -> None:
    added = allocate_added_at(session, len(accepted))
    pks = _allocate_pks(session, len(accepted))
    rows = [
        {"pk": pk, **version_row(p, is_current=cur, added_at=added[n], received_via=received_via)}
        for n, (pk, (_, p, _, cur)) in enumerate(zip(pks, accepted, strict=True))
    ]
    # The driver's executemany with the keys given: one prepared statement for the
    # batch (the ORM's RETURNING form ran one INSERT per row on SQLite).
    insert_rows(session, _VERSIONS, rows)
    if demoted:
        for start in range(0, len(demoted), 500):
            session.execute(
                update(ObjectVersion)
                .where(ObjectVersion.pk.in_(demoted[start : start + 500]))
                .values(is_current=False)
            )
    releases = [
        {"version_pk": pk, "org_id": org}
        for pk, (_, p, _, _) in zip(pks, accepted, strict=True)
        if p.release_set is not None
        for org in p.release_set.members
        if org != p.originator
    ]
    if releases:
        insert_rows(session, _RELEASES, releases)
    currents = [(pk, p) for pk, (_, p, _, cur) in zip(pks, accepted, strict=True) if cur]
    if currents:
        ids = [p.stix_id for _, p in currents]
        replaced = [i for i in ids if i in stored_before]  # a new id has no rows yet
        for start in range(0, len(replaced), 500):
            chunk = replaced[start : start + 500]
            session.execute(delete(ObjectLink).where(ObjectLink.stix_id.in_(chunk)))
            session.execute(delete(ObjectIndex).where(ObjectIndex.stix_id.in_(chunk)))
        insert_rows(
            session,
            _INDEX,
            [
                {
                    "stix_id": p.stix_id,
                    "version_pk": pk,
                    "originator_id": p.originator,
                    "release_marking_id": p.release_marking,
                    **p.checked.index,
                }
                for pk, p in currents
            ],
        )
        index_new_rows(session, ids)
        links = [{"stix_id": p.stix_id, **link} for _, p in currents for link in p.checked.links]
        if links:
            insert_rows(session, _LINKS, links)
    for pk, (i, p, outcome, _) in zip(pks, accepted, strict=True):
        results[i] = IngestResult(p.stix_id, outcome, version_pk=pk)


def _allocate_pks(session: Session, count: int) -> list[int]:
    """`count` new, increasing primary keys of stix_versions, reserved for this batch.

    SQLite: the write transaction holds the database lock (BEGIN IMMEDIATE), so the
    keys after the largest stored one are ours. PostgreSQL: taken from the column's
    sequence, which never hands a value out twice.
    """
    if session.get_bind().dialect.name == "sqlite":
        top = session.scalar(text("SELECT coalesce(max(pk), 0) FROM stix_versions")) or 0
        return list(range(int(top) + 1, int(top) + 1 + count))
    return [
        int(v)
        for v in session.scalars(
            text(
                "SELECT nextval(pg_get_serial_sequence('stix_versions', 'pk')) "
                "FROM generate_series(1, :n) ORDER BY 1"
            ),
            {"n": count},
        )
    ]


def _same_key_outcome(
    session: Session, p: Prepared, pk: int | None, new: dict[tuple[str, str], Prepared]
) -> IngestResult:
    if pk is None:  # the same version twice in one batch
        stored: Any = new[(p.stix_id, p.vkey)].obj
    else:
        body = session.scalar(select(ObjectVersion.body).where(ObjectVersion.pk == pk))
        stored = loads_strict(body or "{}")
    if stored == p.obj or same_release_set(stored, p.obj):
        return IngestResult(p.stix_id, Outcome.DUPLICATE, version_pk=pk)
    return reject(p.stix_id, "/modified", SAME_VERSION)


def delete_versions(session: Session, object_id: str, rows: Sequence[ObjectVersion]) -> None:
    """Delete these stored versions of one object (TAXII 2.1 §5.7; the caller checked who
    may), then make the newest remaining version current and rebuild its index rows."""
    for row in rows:
        session.delete(row)
    session.flush()
    remaining = list(
        session.scalars(
            select(ObjectVersion)
            .where(ObjectVersion.stix_id == object_id)
            .order_by(ObjectVersion.version_key.desc())
        )
    )
    for i, row in enumerate(remaining):
        row.is_current = i == 0
    if remaining:
        obj = load_object(remaining[0].body)
        set_current_index(session, remaining[0], project(obj), project_links(obj))
