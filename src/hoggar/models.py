"""Imports every domain's tables so that metadata (and Alembic) sees them all."""

from hoggar.alerts.models import Alert, Delivery, WatchRule
from hoggar.audit.models import AuditEntry, AuditHead
from hoggar.auth.models import ApiToken, LoginThrottle, User
from hoggar.federation.models import (
    BundleCursor,
    Peer,
    ReceivedBundle,
    RefusedObject,
    TaxiiStatus,
)
from hoggar.fusion.models import FusionDecision
from hoggar.kernel.added_clock import ClockRow
from hoggar.orgs.models import NodeSetting, Organization
from hoggar.sources.models import Article, Draft, Feed
from hoggar.stix.models import MonthlyCount, ObjectIndex, ObjectVersion, VersionRelease

__all__ = [
    "Alert",
    "ApiToken",
    "Article",
    "AuditEntry",
    "AuditHead",
    "BundleCursor",
    "ClockRow",
    "Delivery",
    "Draft",
    "Feed",
    "FusionDecision",
    "LoginThrottle",
    "MonthlyCount",
    "NodeSetting",
    "ObjectIndex",
    "ObjectVersion",
    "Organization",
    "Peer",
    "ReceivedBundle",
    "RefusedObject",
    "TaxiiStatus",
    "User",
    "VersionRelease",
    "WatchRule",
]
