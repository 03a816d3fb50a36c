"""Hoggar's STIX 2.1 extension definitions (STIX 2.1 §7.3).

They let MISP, OpenCTI or any STIX tool read a Hoggar export: the extension data sits
under `extensions` keyed by these ids, and the definitions travel in exports.
"""

from __future__ import annotations

from typing import Any

HOGGAR_IDENTITY_ID = "identity--9a1f4b02-5b7e-4c1e-8f3a-2d6c0e7b1a90"
INCIDENT_EXTENSION_ID = "extension-definition--7c5e9d0a-1b2f-4e6a-9c8d-3f4a5b6c7d80"
MEETINGS_EXTENSION_ID = "extension-definition--3f1c8e2a-6b4d-4f7e-9a2c-5d8e1b0c7f34"
RELEASE_SET_EXTENSION_ID = "extension-definition--3c0d5a3e-6a2b-4f4e-9d7b-8a1e2b9c4d51"
NAMES_EXTENSION_ID = "extension-definition--b2d4f6a8-0c1e-4a3b-8d5f-7e9a1c3b5d72"
_CREATED = "2026-01-01T00:00:00.000Z"
_SCHEMA_BASE = "https://hoggar.example/schemas/"


def _definition(
    ext_id: str,
    name: str,
    description: str,
    schema: str,
    extension_types: tuple[str, ...] = ("property-extension",),
) -> dict[str, Any]:
    return {
        "type": "extension-definition",
        "spec_version": "2.1",
        "id": ext_id,
        "created_by_ref": HOGGAR_IDENTITY_ID,
        "created": _CREATED,
        "modified": _CREATED,
        "name": name,
        "description": description,
        "schema": _SCHEMA_BASE + schema,
        "version": "1.0.0",
        "extension_types": list(extension_types),
    }


HOGGAR_IDENTITY: dict[str, Any] = {
    "type": "identity",
    "spec_version": "2.1",
    "id": HOGGAR_IDENTITY_ID,
    "created": _CREATED,
    "modified": _CREATED,
    "name": "Hoggar project",
    "identity_class": "organization",
}

DEFINITIONS: dict[str, dict[str, Any]] = {
    INCIDENT_EXTENSION_ID: _definition(
        INCIDENT_EXTENSION_ID,
        "Hoggar incident",
        "Codebook event type, time and geo precision, place, actors, casualties, "
        "seizures and source grading (Admiralty A-F / 1-6) of a security incident.",
        "incident.json",
    ),
    NAMES_EXTENSION_ID: _definition(
        NAMES_EXTENSION_ID,
        "Hoggar multilingual names",
        "Names and aliases of places, organizations and groups tagged with a BCP 47 "
        "language (ar, fr, en).",
        "names.json",
    ),
    MEETINGS_EXTENSION_ID: _definition(
        MEETINGS_EXTENSION_ID,
        "Hoggar meetings, decisions and action items",
        "New objects x-hoggar-meeting, x-hoggar-decision, x-hoggar-action-item and "
        "x-hoggar-action-update: what the member states met about, decided, who is to do "
        "what by when, and the dated status of each action with its evidence.",
        "meetings.json",
        ("new-sdo",),
    ),
    RELEASE_SET_EXTENSION_ID: _definition(
        RELEASE_SET_EXTENSION_ID,
        "Hoggar release set",
        "The organizations (STIX identities) allowed to receive the objects this "
        "marking is applied to, besides their originator.",
        "release-set.json",
    ),
}

# Objects every node knows without storing them: the Hoggar identity, the extension
# definitions and the TLP marking definitions. Exports add the ones they reference.
BUILTIN_IDS = frozenset({HOGGAR_IDENTITY_ID, *DEFINITIONS})
