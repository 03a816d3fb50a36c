"""The one write path into the object store: validate, verify, version, index.

`ingest_object` keeps every version (unique on id + modified), stores the JSON as
received, marks the newest version current, honours `revoked`, enforces that only
the originator issues new versions, and resolves the release set the object's
markings declare. Callers decide transactions; each object runs in a savepoint so
a rejected object leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import Table, delete, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from hoggar.kernel.added_clock import allocate_added_at, next_added_at
from hoggar.kernel.bulk import insert_rows
from hoggar.kernel.clock import parse_stix, version_key
from hoggar.kernel.errors import Problem
from hoggar.kernel.jsonutil import dumps_compact, loads_strict
from hoggar.kernel.sealing import Opener
from hoggar.kernel.signing import SIGNATURE_PROPERTY, key_id, verify_object
from hoggar.orgs.service import public_key_of
from hoggar.sharing.markings import (
    TLP_BY_ID,
    ReleaseSet,
    release_set_of_marking,
    sealed_boxes,
    strictest_tlp,
)
from hoggar.sharing.rule import may_read
from hoggar.stix.extensions import BUILTIN_IDS
from hoggar.stix.models import ObjectIndex, ObjectLink, ObjectVersion, VersionRelease
from hoggar.stix.validation import UNVERSIONED_TYPES, validate_object
from hoggar.store.projections import project, project_links, set_current_index
from hoggar.store.search import index_new_rows

# Tables for the driver's executemany (the ORM's bulk path costs several times more).
_VERSIONS = cast(Table, ObjectVersion.__table__)
_RELEASES = cast(Table, VersionRelease.__table__)
_INDEX = cast(Table, ObjectIndex.__table__)
_LINKS = cast(Table, ObjectLink.__table__)


class Outcome(StrEnum):
    CREATED = "created"  # a new version, now current
    STORED_OLDER = "stored-older"  # a new version older than the current one
    DUPLICATE = "duplicate"  # this exact version was already stored
    BUILTIN = "builtin"  # a standard object every node knows (TLP, Hoggar extensions)
    REJECTED = "rejected"


@dataclass
class IngestResult:
    stix_id: str
    outcome: Outcome
    problems: list[Problem] = field(default_factory=list)
    version_pk: int | None = None

    @property
    def ok(self) -> bool:
        return self.outcome is not Outcome.REJECTED

    @property
    def stored(self) -> bool:
        """A new version was written (current or older), not a duplicate or builtin."""
        return self.outcome in (Outcome.CREATED, Outcome.STORED_OLDER)

    @property
    def message(self) -> str:
        return "; ".join(f"{p.where}: {p.message}" for p in self.problems)


class ReleaseResolver:
    """Looks up release-set markings, caching them for the length of an import."""

    def __init__(self, session: Session, opener: Opener | None = None) -> None:
        self.session = session
        self.opener = opener  # the node's key for sealed sets (hoggar.kernel.sealing)
        self.cache: dict[str, ReleaseSet | None] = {}
        self.keys: dict[str, str | None] = {}

    def public_key(self, org_id: str) -> str | None:
        if org_id not in self.keys:
            self.keys[org_id] = public_key_of(self.session, org_id)
        return self.keys[org_id]

    def resolve(self, marking_id: str) -> ReleaseSet | None:
        if marking_id not in self.cache:
            row = self.session.execute(
                select(ObjectVersion.pk, ObjectVersion.body).where(
                    ObjectVersion.stix_id == marking_id, ObjectVersion.is_current.is_(True)
                )
            ).first()
            rs = release_set_of_marking(loads_strict(row.body)) if row else None
            if rs is not None and rs.sealed and row is not None:
                # What this node opened when it stored the marking: its release rows.
                members = self.session.scalars(
                    select(VersionRelease.org_id).where(VersionRelease.version_pk == row.pk)
                )
                rs = replace(rs, members=frozenset(members))
            self.cache[marking_id] = rs
        return self.cache[marking_id]

    def opened(self, obj: Mapping[str, Any], rs: ReleaseSet) -> ReleaseSet:
        """A sealed set being stored: its members are those this node can open."""
        boxes = sealed_boxes(obj)
        if not rs.sealed or boxes is None or self.opener is None:
            return rs
        return replace(rs, members=self.opener.members(boxes) - {rs.creator})


def _version_key_of(obj: Mapping[str, Any]) -> str:
    if obj["type"] in UNVERSIONED_TYPES or "modified" not in obj:
        created = obj.get("created")
        return (
            version_key(created)
            if isinstance(created, str) and obj["type"] != "marking-definition"
            else ""
        )
    return version_key(obj["modified"])


def _release_of(
    obj: Mapping[str, Any], resolver: ReleaseResolver
) -> tuple[str | None, ReleaseSet | None, list[Problem]]:
    """The object's release-set marking id and set (its own, for a release marking)."""
    try:
        own = release_set_of_marking(obj)
    except ValueError as exc:
        return None, None, [Problem("/extensions", str(exc))]
    if own is not None:
        return obj["id"], resolver.opened(obj, own), []
    found: list[tuple[str, ReleaseSet]] = []
    for ref in obj.get("object_marking_refs") or []:
        if ref in TLP_BY_ID:
            continue
        rs = resolver.resolve(ref)
        if rs is not None:
            found.append((ref, rs))
    if len(found) > 1:
        return (
            None,
            None,
            [Problem("/object_marking_refs", "carries more than one Hoggar release set")],
        )
    if found:
        return found[0][0], found[0][1], []
    return None, None, []


def _same_release_set(stored: Mapping[str, Any], obj: Mapping[str, Any]) -> bool:
    """Release-set markings have derived ids: one made again later (another `created`,
    label or signature) declaring the same creator and members is the same marking."""
    try:
        a, b = release_set_of_marking(stored), release_set_of_marking(obj)
    except ValueError:
        return False
    return a is not None and a == b


def _signature_problems(
    resolver: ReleaseResolver, obj: Mapping[str, Any], originator: str, require_signature: bool
) -> tuple[str | None, list[Problem]]:
    if SIGNATURE_PROPERTY not in obj:
        if require_signature:
            return None, [
                Problem(f"/{SIGNATURE_PROPERTY}", "the object is not signed by its originator")
            ]
        return None, []
    public = resolver.public_key(originator)
    if not public:
        return None, [
            Problem(
                f"/{SIGNATURE_PROPERTY}",
                f"signed by {originator}, whose key is not in the member directory",
            )
        ]
    try:
        verify_object(obj, public)
    except ValueError as exc:
        return None, [Problem(f"/{SIGNATURE_PROPERTY}", str(exc))]
    return key_id(public), []


@dataclass
class Checked:
    """What one object's checks and projections give without the database: they run
    in worker processes for a large import (`checks`), so this crosses processes."""

    stix_id: str
    columns: dict[str, Any]  # the version row's columns derived from the object alone
    index: dict[str, Any]  # its index row (hoggar.store.projections)
    links: list[dict[str, Any]]


@dataclass
class Prepared:
    """An object that passed every check that needs no knowledge of stored versions."""

    obj: Mapping[str, Any]
    checked: Checked
    originator: str
    signer_kid: str | None
    release_marking: str | None
    release_set: ReleaseSet | None

    @property
    def stix_id(self) -> str:
        return self.checked.stix_id

    @property
    def vkey(self) -> str:
        return str(self.checked.columns["version_key"])


def _reject(stix_id: str, where: str, message: str) -> IngestResult:
    return IngestResult(stix_id, Outcome.REJECTED, [Problem(where, message)])


NOT_HELD = "not released to this node's organization; it may not be held here"
SAME_VERSION = (
    "a different object with this id and modified time is already stored; "
    "a change needs a newer modified time"
)
# Deliberately names nobody: the caller may not be allowed to know who the originator is.
NOT_ORIGINATOR = "this id belongs to an object of another originator; only it may issue versions"
REVOKED = "this object was revoked; no newer version may be issued"


def check(obj: Any) -> Checked | IngestResult:
    """Validate one object and derive its rows; needs nothing stored (see `checks`)."""
    try:
        body: str | None = dumps_compact(obj)
    except (TypeError, ValueError, RecursionError):
        body = None  # not JSON: validation says what is wrong
    problems = validate_object(obj, body)
    stix_id = str(obj.get("id", "?")) if isinstance(obj, Mapping) else "?"
    if problems:
        return IngestResult(stix_id, Outcome.REJECTED, problems)
    if stix_id in BUILTIN_IDS or (obj["type"] == "marking-definition" and stix_id in TLP_BY_ID):
        return IngestResult(stix_id, Outcome.BUILTIN)
    created, modified = obj.get("created"), obj.get("modified")
    tlp = strictest_tlp(obj.get("object_marking_refs") or [])
    columns = {
        "stix_id": stix_id,
        "stix_type": obj["type"],
        "version_key": _version_key_of(obj),
        "spec_version": str(obj.get("spec_version", "2.1")),
        "body": body if body is not None else dumps_compact(obj),
        "tlp": tlp.value if tlp else None,
        "revoked": obj.get("revoked") is True,
        "created_at": parse_stix(created) if isinstance(created, str) else None,
        "modified_at": parse_stix(modified) if isinstance(modified, str) else None,
    }
    return Checked(stix_id, columns, project(obj), project_links(obj))


def _check_all(objects: Sequence[Any]) -> list[Checked | IngestResult]:
    return [check(obj) for obj in objects]


def checks(
    objects: Sequence[Any], pool: Executor | None = None, chunk: int = 250
) -> Iterator[Checked | IngestResult]:
    """`check` of each object, in order; with a process pool, in its workers."""
    if pool is None:
        yield from map(check, objects)
        return
    parts = (objects[i : i + chunk] for i in range(0, len(objects), chunk))
    for done in pool.map(_check_all, parts):
        yield from done


def prepare(
    session: Session,
    obj: Any,
    *,
    node_org_id: str,
    resolver: ReleaseResolver,
    require_signature: bool = False,
    holder_org_id: str | None = None,
    checked: Checked | IngestResult | None = None,
) -> Prepared | IngestResult:
    """Validate, verify the signature and resolve the release set of one object
    (`checked`: what `check` gave for it, if it ran already)."""
    c = check(obj) if checked is None else checked
    if isinstance(c, IngestResult):
        return c
    stix_id = c.stix_id
    originator = obj.get("created_by_ref") or node_org_id
    signer_kid, problems = _signature_problems(resolver, obj, originator, require_signature)
    if problems:
        return IngestResult(stix_id, Outcome.REJECTED, problems)
    release_marking, release_set, problems = _release_of(obj, resolver)
    if problems:
        return IngestResult(stix_id, Outcome.REJECTED, problems)
    members = release_set.members if release_set else frozenset()
    if holder_org_id is not None and not may_read(holder_org_id, originator, members):
        return _reject(stix_id, "/object_marking_refs", NOT_HELD)
    return Prepared(obj, c, originator, signer_kid, release_marking, release_set)


def version_row(
    p: Prepared, *, is_current: bool, added_at: Any, received_via: str
) -> dict[str, Any]:
    """Column values of the stored version of a prepared object."""
    return {
        **p.checked.columns,
        "originator_id": p.originator,
        "release_marking_id": p.release_marking,
        "is_current": is_current,
        "added_at": added_at,
        "signer_key_id": p.signer_kid,
        "received_via": received_via[:120],
    }


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
        existing = session.execute(
            select(
                ObjectVersion.pk,
                ObjectVersion.version_key,
                ObjectVersion.originator_id,
                ObjectVersion.is_current,
                ObjectVersion.revoked,
                ObjectVersion.body,
            ).where(ObjectVersion.stix_id == p.stix_id)
        ).all()
        current = next((row for row in existing if row.is_current), None)
        same = next((row for row in existing if row.version_key == p.vkey), None)
        if same is not None:
            stored = loads_strict(same.body)
            if stored == p.obj or _same_release_set(stored, p.obj):
                return IngestResult(p.stix_id, Outcome.DUPLICATE, version_pk=same.pk)
            return _reject(p.stix_id, "/modified", SAME_VERSION)
        if existing and existing[0].originator_id != p.originator:
            return _reject(p.stix_id, "/created_by_ref", NOT_ORIGINATOR)
        is_newest = current is None or p.vkey > current.version_key
        if current is not None and current.revoked and is_newest:
            return _reject(p.stix_id, "/revoked", REVOKED)
        version = ObjectVersion(
            **version_row(
                p, is_current=is_newest, added_at=next_added_at(session), received_via=received_via
            )
        )
        if is_newest and current is not None:
            session.execute(
                update(ObjectVersion).where(ObjectVersion.pk == current.pk).values(is_current=False)
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
class _Known:
    """What is stored (or being stored in this batch) of one object id."""

    originator: str
    versions: dict[str, int | None]  # version_key -> pk (None: new in this batch)
    current_key: str | None
    current_pk: int | None
    current_revoked: bool


def _known_versions(session: Session, ids: list[str]) -> dict[str, _Known]:
    known: dict[str, _Known] = {}
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
            k = known.setdefault(r.stix_id, _Known(r.originator_id, {}, None, None, False))
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
    known = _known_versions(session, sorted({p.stix_id for _, p in prepared}))
    stored_before = set(known)  # ids with rows already (index and links to replace)
    new: dict[tuple[str, str], Prepared] = {}  # versions accepted earlier in this batch
    accepted: list[list[Any]] = []  # [index, prepared, outcome, is_current]
    demoted: list[int] = []
    current_entry: dict[str, list[Any]] = {}
    for i, p in prepared:
        k = known.get(p.stix_id)
        if k is not None and p.vkey in k.versions:
            results[i] = _same_key_outcome(session, p, k.versions[p.vkey], new)
            continue
        if k is not None and k.originator != p.originator:
            results[i] = _reject(p.stix_id, "/created_by_ref", NOT_ORIGINATOR)
            continue
        newest = k is None or k.current_key is None or p.vkey > k.current_key
        if k is not None and k.current_revoked and newest:
            results[i] = _reject(p.stix_id, "/revoked", REVOKED)
            continue
        if k is None:
            k = known[p.stix_id] = _Known(p.originator, {}, None, None, False)
        k.versions[p.vkey] = None
        new[(p.stix_id, p.vkey)] = p
        entry = [i, p, Outcome.CREATED if newest else Outcome.STORED_OLDER, newest]
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
    if stored == p.obj or _same_release_set(stored, p.obj):
        return IngestResult(p.stix_id, Outcome.DUPLICATE, version_pk=pk)
    return _reject(p.stix_id, "/modified", SAME_VERSION)
