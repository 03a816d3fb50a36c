"""STIX identifiers (STIX 2.1 §2.9): `type--UUID`."""

from __future__ import annotations

import re
import uuid

TYPE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,248}[a-z0-9]$")
ID_RE = re.compile(
    r"^([a-z0-9][a-z0-9-]{1,248}[a-z0-9])--"
    r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$"
)
# Namespace for deterministic ids Hoggar derives (release-set markings, demo data).
HOGGAR_NAMESPACE = uuid.UUID("6d1f3a52-8f0e-4b9a-9a3c-0a7f5c2e9b11")


def new_id(stix_type: str) -> str:
    return f"{stix_type}--{uuid.uuid4()}"


def derived_id(stix_type: str, *parts: str) -> str:
    """A stable id computed from its parts (UUIDv5), same on every node."""
    return f"{stix_type}--{uuid.uuid5(HOGGAR_NAMESPACE, '|'.join(parts))}"


def is_id(value: object, stix_type: str | None = None) -> bool:
    if not isinstance(value, str):
        return False
    m = ID_RE.match(value)
    if m is None:
        return False
    return stix_type is None or m.group(1) == stix_type
