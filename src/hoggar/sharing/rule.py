"""The releasability rule: the one decision every read path obeys (DESIGN.md).

A principal of organization O may read an object version if and only if O is its
originator or O is in its release set. `may_read` states the rule over values;
`visible_to` states the very same rule as SQL, so the database filters rows and
nothing is ever filtered afterwards in Python. Property tests check the two agree.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.orm import aliased

from hoggar.context import Principal
from hoggar.stix.models import ObjectVersion, VersionRelease


def may_read(org_id: str, originator_id: str, release_set: Collection[str]) -> bool:
    """The rule, over plain values."""
    return org_id == originator_id or org_id in release_set


def visible_to(
    principal: Principal, version: type[ObjectVersion] = ObjectVersion
) -> ColumnElement[bool]:
    """The rule as a SQL condition on one object-version row (alias-aware)."""
    return visible_columns(principal, version.originator_id, version.pk)


def visible_columns(
    principal: Principal, originator_id: ColumnElement[str] | Any, version_pk: Any
) -> ColumnElement[bool]:
    """The same rule over any row naming a version's originator and key (the index row
    of the current version, say), so the database need not read the version row."""
    org = principal.org_id
    return or_(
        originator_id == org,
        exists().where(VersionRelease.version_pk == version_pk, VersionRelease.org_id == org),
    )


def current_visible_to(principal: Principal) -> ColumnElement[bool]:
    """A (possibly older) version row is readable only if the *current* version is too.

    When an originator narrows a release set, the dropped organizations lose the whole
    object, including the older versions they once received.
    """
    cur = aliased(ObjectVersion)
    return and_(
        visible_to(principal),
        exists(
            select(cur.pk).where(
                cur.stix_id == ObjectVersion.stix_id,
                cur.is_current.is_(True),
                visible_to(principal, cur),
            )
        ),
    )
