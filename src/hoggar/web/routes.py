"""The web interface's routers, in the order their paths are matched, and its assets."""

from __future__ import annotations

from fastapi import APIRouter

from hoggar.web import (
    account,
    alerts,
    groups,
    home,
    incident_form,
    incident_map,
    incidents,
    meetings,
    reports,
    sources,
)
from hoggar.web.common import HERE

STATIC_DIR = HERE / "static"
# The incident form's /incidents/new comes before an incident's /incidents/{stix_id}.
ROUTERS: tuple[APIRouter, ...] = (
    account.router,
    home.router,
    incident_form.router,
    incidents.router,
    incident_map.router,
    groups.router,
    alerts.router,
    sources.router,
    meetings.router,
    reports.router,
)
