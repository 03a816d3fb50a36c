"""The one write path into the object store: validate, verify, version, index.

`ingest_object` keeps every version (unique on id + modified), stores the JSON as
received, marks the newest version current, honours `revoked`, enforces that only
the originator issues new versions, and resolves the release set the object's
markings declare. Callers decide transactions; each object runs in a savepoint so
a rejected object leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hoggar.kernel.clock import parse_stix, version_key
from hoggar.kernel.errors import Problem
from hoggar.kernel.jsonutil import dumps_compact, loads_strict
from hoggar.orgs.service import public_key_of
from hoggar.sharing.markings import TLP_BY_ID, ReleaseSet, release_set_of_marking, strictest_tlp
from hoggar.sharing.rule import may_read
from hoggar.stix.clock import next_added_at
from hoggar.stix.extensions import BUILTIN_IDS, SIGNATURE_PROPERTY
from hoggar.stix.models import ObjectVersion, VersionRelease
from hoggar.stix.projections import set_current_index
from hoggar.stix.signing import key_id, verify_object
from hoggar.stix.validation import UNVERSIONED_TYPES, validate_object


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
    def message(self) -> str:
        return "; ".join(f"{p.where}: {p.message}" for p in self.problems)


class ReleaseResolver:
    """Looks up release-set markings, caching them for the length of an import."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.cache: dict[str, ReleaseSet | None] = {}

    def resolve(self, marking_id: str) -> ReleaseSet | None:
        if marking_id not in self.cache:
            body = self.session.scalar(
                select(ObjectVersion.body).where(
                    ObjectVersion.stix_id == marking_id, ObjectVersion.is_current.is_(True)
                )
            )
            self.cache[marking_id] = release_set_of_marking(loads_strict(body)) if body else None
        return self.cache[marking_id]


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
        return obj["id"], own, []
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
    session: Session, obj: Mapping[str, Any], originator: str, require_signature: bool
) -> tuple[str | None, list[Problem]]:
    if SIGNATURE_PROPERTY not in obj:
        if require_signature:
            return None, [
                Problem(f"/{SIGNATURE_PROPERTY}", "the object is not signed by its originator")
            ]
        return None, []
    public = public_key_of(session, originator)
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


def ingest_object(
    session: Session,
    obj: Any,
    *,
    node_org_id: str,
    received_via: str = "local",
    resolver: ReleaseResolver | None = None,
    require_signature: bool = False,
    holder_org_id: str | None = None,
) -> IngestResult:
    """Store one object version inside a savepoint; never raises for bad input.

    With `holder_org_id`, an object that organization may not read is refused: a node
    never keeps what its own organization is not allowed to hold (federation input).
    """
    problems = validate_object(obj)
    stix_id = str(obj.get("id", "?")) if isinstance(obj, Mapping) else "?"
    if problems:
        return IngestResult(stix_id, Outcome.REJECTED, problems)
    if stix_id in BUILTIN_IDS or (obj["type"] == "marking-definition" and stix_id in TLP_BY_ID):
        return IngestResult(stix_id, Outcome.BUILTIN)
    resolver = resolver or ReleaseResolver(session)
    originator = obj.get("created_by_ref") or node_org_id
    signer_kid, problems = _signature_problems(session, obj, originator, require_signature)
    if problems:
        return IngestResult(stix_id, Outcome.REJECTED, problems)
    release_marking, release_set, problems = _release_of(obj, resolver)
    if problems:
        return IngestResult(stix_id, Outcome.REJECTED, problems)
    members = release_set.members if release_set else frozenset()
    if holder_org_id is not None and not may_read(holder_org_id, originator, members):
        return IngestResult(
            stix_id,
            Outcome.REJECTED,
            [
                Problem(
                    "/object_marking_refs",
                    "not released to this node's organization; it may not be held here",
                )
            ],
        )
    vkey = _version_key_of(obj)
    body = dumps_compact(obj)
    with session.begin_nested():
        existing = session.execute(
            select(
                ObjectVersion.pk,
                ObjectVersion.version_key,
                ObjectVersion.originator_id,
                ObjectVersion.is_current,
                ObjectVersion.revoked,
                ObjectVersion.body,
            ).where(ObjectVersion.stix_id == stix_id)
        ).all()
        current = next((row for row in existing if row.is_current), None)
        same = next((row for row in existing if row.version_key == vkey), None)
        if same is not None:
            stored = loads_strict(same.body)
            if stored == obj or _same_release_set(stored, obj):
                return IngestResult(stix_id, Outcome.DUPLICATE, version_pk=same.pk)
            return IngestResult(
                stix_id,
                Outcome.REJECTED,
                [
                    Problem(
                        "/modified",
                        "a different object with this id and modified time is already stored; "
                        "a change needs a newer modified time",
                    )
                ],
            )
        if existing and existing[0].originator_id != originator:
            return IngestResult(
                stix_id,
                Outcome.REJECTED,
                [
                    Problem(
                        "/created_by_ref",
                        f"only the originator ({existing[0].originator_id}) may issue "
                        "new versions of this object",
                    )
                ],
            )
        is_newest = current is None or vkey > current.version_key
        if current is not None and current.revoked and is_newest:
            return IngestResult(
                stix_id,
                Outcome.REJECTED,
                [Problem("/revoked", "this object was revoked; no newer version may be issued")],
            )
        created = obj.get("created")
        modified = obj.get("modified")
        version = ObjectVersion(
            stix_id=stix_id,
            stix_type=obj["type"],
            version_key=vkey,
            spec_version=str(obj.get("spec_version", "2.1")),
            body=body,
            originator_id=originator,
            tlp=(
                tlp.value if (tlp := strictest_tlp(obj.get("object_marking_refs") or [])) else None
            ),
            release_marking_id=release_marking,
            is_current=is_newest,
            revoked=obj.get("revoked") is True,
            created_at=parse_stix(created) if isinstance(created, str) else None,
            modified_at=parse_stix(modified) if isinstance(modified, str) else None,
            added_at=next_added_at(session),
            signer_key_id=signer_kid,
            received_via=received_via[:120],
        )
        if is_newest and current is not None:
            session.execute(
                update(ObjectVersion).where(ObjectVersion.pk == current.pk).values(is_current=False)
            )
        session.add(version)
        session.flush()
        if release_set is not None:
            session.add_all(
                VersionRelease(version_pk=version.pk, org_id=org)
                for org in release_set.members
                if org != originator
            )
        if is_newest:
            set_current_index(session, version, obj)
        if release_set is not None and release_marking == stix_id:
            resolver.cache[stix_id] = release_set
    outcome = Outcome.CREATED if is_newest else Outcome.STORED_OLDER
    return IngestResult(stix_id, outcome, version_pk=version.pk)
