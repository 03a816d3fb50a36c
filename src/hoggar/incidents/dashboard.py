"""The figures of the dashboard: what the web page shows, computed without HTTP.

One function so that the page, the API and the benchmark (bench/suite.py) measure
the same queries.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from hoggar.context import Principal
from hoggar.kernel.clock import utcnow
from hoggar.store import aggregates, queries
from hoggar.store.filters import ObjectFilter


@dataclass
class Dashboard:
    by_type: list[dict[str, Any]]
    by_country: list[dict[str, Any]]
    recent: list[dict[str, Any]]
    total: int
    partners: list[dict[str, Any]]  # records shared by partners since `partners_since`
    partners_more: bool  # more than PARTNER_CAP: `partners` counts the latest PARTNER_CAP
    partners_since: datetime
    partner_incidents: list[dict[str, Any]]


# "Shared by partners": since the last visit, or in the last FIRST_VISIT_DAYS on a first
# visit; counted among the latest PARTNER_CAP records so that a node that has just
# received a million records answers as fast as one that received ten.
FIRST_VISIT_DAYS = 30
PARTNER_CAP = 1000


def dashboard(
    session: Session,
    principal: Principal,
    flt: ObjectFilter,
    *,
    own_org_id: str,
    since: datetime | None,
) -> Dashboard:
    """Incidents by type and country, the latest, the total (fused events once), and
    what partners shared since the viewer's last visit."""
    flt = replace(flt, fused_once=True)  # an event reported by several states counts once
    if since is None:
        since = utcnow() - timedelta(days=FIRST_VISIT_DAYS)
    shared = ObjectFilter(not_originator=own_org_id, added_after=since)
    partners, more = queries.latest_by_originator(session, principal, shared, cap=PARTNER_CAP)
    return Dashboard(
        by_type=aggregates.aggregate(session, principal, flt, "event_type"),
        by_country=aggregates.aggregate(session, principal, flt, "country"),
        recent=queries.by_start(session, principal, flt, limit=12),
        total=aggregates.count_objects(session, principal, flt),
        partners=partners,
        partners_more=more,
        partners_since=since,
        partner_incidents=queries.newest_added(
            session, principal, replace(shared, types=("incident",)), limit=8
        ),
    )
