"""Hoggar's own STIX types and extensions, and the registry validation consults.

Each module holds one: its identifiers, its checks, and a typed view of it read once
(`incident.IncidentFacts`, `meetings`). Validation knows them only through the two
tables below, so a new type or extension is one module and one line here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from hoggar.kernel.errors import Problem
from hoggar.stix.types import incident, meetings, names

# New STIX object types (STIX 2.1 §7.3 new-SDO extensions): type -> its checks.
OBJECT_TYPES: dict[str, Callable[[Mapping[str, Any]], list[Problem]]] = {
    t: meetings.check for t in meetings.TYPES
}
# Property extensions: extension id -> its checks (the extension, its JSON pointer,
# the list its problems are added to).
PROPERTY_EXTENSIONS: dict[str, Callable[[Mapping[str, Any], str, list[Problem]], None]] = {
    incident.EXTENSION_ID: incident.check_extension,
    names.EXTENSION_ID: names.check_extension,
}
