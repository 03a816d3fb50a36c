"""The checks one object passes before it is stored: validation, signature, release set.

`check` needs nothing stored (it runs in worker processes for a large import);
`prepare` adds what needs the directory and stored markings (the originator's key,
the release set the markings declare, whether this node may hold the object). The
versioning decision, which needs the stored versions, is `hoggar.store.ingest`'s.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

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
from hoggar.stix.models import ObjectVersion, VersionRelease
from hoggar.stix.validation import UNVERSIONED_TYPES, validate_object
from hoggar.store.projections import project, project_links


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


def same_release_set(stored: Mapping[str, Any], obj: Mapping[str, Any]) -> bool:
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


def reject(stix_id: str, where: str, message: str) -> IngestResult:
    return IngestResult(stix_id, Outcome.REJECTED, [Problem(where, message)])


NOT_HELD = "not released to this node's organization; it may not be held here"
SAME_VERSION = (
    "a different object with this id and modified time is already stored; "
    "a change needs a newer modified time"
)
# Deliberately names nobody: the caller may not be allowed to know who the originator is.
NOT_ORIGINATOR = "this id belongs to an object of another originator; only it may issue versions"
REVOKED = "this object was revoked; no newer version may be issued"
NOT_OWN_RELEASE_SET = (
    "refers to a release set another organization created; "
    "an originator releases its records under release sets of its own"
)


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
    if release_set is not None and release_set.creator != originator:
        # The rule reads the version's release rows, the counts the marking's: a record
        # released under another organization's set would be listed but not counted.
        return reject(stix_id, "/object_marking_refs", NOT_OWN_RELEASE_SET)
    members = release_set.members if release_set else frozenset()
    if holder_org_id is not None and not may_read(holder_org_id, originator, members):
        return reject(stix_id, "/object_marking_refs", NOT_HELD)
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
