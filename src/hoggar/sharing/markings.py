"""TLP 2.0 markings and Hoggar release-set markings (STIX 2.1 §7.2, TLP 2.0 extension).

A release set is a `marking-definition` carrying the Hoggar release-set extension:
the list of organization identities allowed to receive what it marks. Its id is
derived from its creator and the sorted members, so the same set made on two nodes
is the same object.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from hoggar.kernel.ids import derived_id, is_id
from hoggar.kernel.sealing import SEALED_PROPERTY, check_boxes
from hoggar.stix.extensions import RELEASE_SET_EXTENSION_ID

# OASIS TLP 2.0 marking definitions (extension-definition--60a3c5c5…), and the STIX 2.1
# §7.2.1.4 TLP 1.0 ones, which we read as their TLP 2.0 equivalents.
TLP2_EXTENSION_ID = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"


class TLP(StrEnum):
    CLEAR = "clear"
    GREEN = "green"
    AMBER = "amber"
    AMBER_STRICT = "amber+strict"
    RED = "red"

    @property
    def label(self) -> str:
        return "TLP:" + self.value.upper()


TLP2_IDS: dict[TLP, str] = {
    TLP.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    TLP.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    TLP.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    TLP.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    TLP.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
TLP1_IDS: dict[str, TLP] = {
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": TLP.CLEAR,  # white
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": TLP.GREEN,
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": TLP.AMBER,
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": TLP.RED,
}
TLP_BY_ID: dict[str, TLP] = {v: k for k, v in TLP2_IDS.items()} | TLP1_IDS
# From most to least restrictive: when an object carries several, the strictest wins.
TLP_ORDER = [TLP.RED, TLP.AMBER_STRICT, TLP.AMBER, TLP.GREEN, TLP.CLEAR]


def tlp_marking_object(level: TLP) -> dict[str, Any]:
    """The standard TLP 2.0 marking definition, as published with the TLP 2.0 extension."""
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": TLP2_IDS[level],
        "created": "2022-10-01T00:00:00.000Z",
        "name": level.label,
        "extensions": {
            TLP2_EXTENSION_ID: {"extension_type": "property-extension", "tlp_2_0": level.value}
        },
    }


def builtin_marking_object(marking_id: str) -> dict[str, Any]:
    """The standard definition behind a TLP marking id, 2.0 or 1.0 (STIX 2.1 §7.2.1.4)."""
    level = TLP_BY_ID[marking_id]
    if marking_id == TLP2_IDS[level]:
        return tlp_marking_object(level)
    name = "white" if level is TLP.CLEAR else level.value
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": marking_id,
        "created": "2017-01-20T00:00:00.000Z",
        "definition_type": "tlp",
        "name": f"TLP:{name.upper()}",
        "definition": {"tlp": name},
    }


def strictest_tlp(marking_refs: Iterable[str]) -> TLP | None:
    found = {TLP_BY_ID[r] for r in marking_refs if r in TLP_BY_ID}
    for level in TLP_ORDER:
        if level in found:
            return level
    return None


def parse_tlp(value: str) -> TLP:
    """Accept 'amber', 'TLP:AMBER', 'amber+strict', 'white' (TLP 1.0)."""
    raw = value.strip().lower().removeprefix("tlp:")
    if raw == "white":
        return TLP.CLEAR
    try:
        return TLP(raw)
    except ValueError as exc:
        choices = ", ".join(t.label for t in TLP)
        raise ValueError(f"{value!r} is not a TLP 2.0 level (one of {choices})") from exc


@dataclass(frozen=True)
class ReleaseSet:
    """Who may receive an object besides its originator (DESIGN.md, releasability)."""

    creator: str
    members: frozenset[str]
    # Sealed (hoggar.kernel.sealing): the marking does not list the members; `members`
    # is what this node could open, the whole set only on the originator's and relays'.
    sealed: bool = False

    @property
    def marking_id(self) -> str:
        """The id of a disclosed set (a sealed set's needs its originator's key)."""
        assert not self.sealed
        return derived_id("marking-definition", "release-set", self.creator, *sorted(self.members))

    def to_marking(self, created: str, names: Mapping[str, str] | None = None) -> dict[str, Any]:
        names = names or {}
        label = ", ".join(sorted(names.get(m, m) for m in self.members)) or "originator only"
        # STIX 2.1 forbids empty lists: no release_to means originator only.
        props = {"release_to": sorted(self.members)} if self.members else {}
        return _release_marking(
            self.marking_id, self.creator, created, f"Hoggar release set: {label}", props
        )


def sealed_release_marking(
    marking_id: str, creator: str, boxes: list[str], created: str
) -> dict[str, Any]:
    """A release-set marking whose members only their own boxes tell (sealed.seal)."""
    name = "Hoggar release set (recipients not disclosed)"
    return _release_marking(marking_id, creator, created, name, {SEALED_PROPERTY: boxes})


def _release_marking(
    marking_id: str, creator: str, created: str, name: str, props: Mapping[str, Any]
) -> dict[str, Any]:
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": marking_id,
        "created": created,
        "created_by_ref": creator,
        "name": name,
        "extensions": {RELEASE_SET_EXTENSION_ID: {"extension_type": "property-extension", **props}},
    }


def _release_extension(obj: Mapping[str, Any]) -> dict[str, Any] | None:
    ext = (obj.get("extensions") or {}).get(RELEASE_SET_EXTENSION_ID)
    return ext if isinstance(ext, dict) else None


def sealed_boxes(obj: Mapping[str, Any]) -> list[Any] | None:
    """The sealed boxes of a sealed release-set marking, else None."""
    ext = _release_extension(obj)
    boxes = ext.get(SEALED_PROPERTY) if ext is not None else None
    return boxes if isinstance(boxes, list) else None


def release_set_of_marking(obj: Mapping[str, Any]) -> ReleaseSet | None:
    """The release set a marking-definition declares, or None if it is not one.

    A sealed set comes back with no members: only the boxes a node can open tell
    them (`hoggar.store.check.ReleaseResolver`)."""
    if obj.get("type") != "marking-definition":
        return None
    ext = _release_extension(obj)
    if ext is None:
        return None
    if SEALED_PROPERTY in ext:
        if "release_to" in ext:
            raise ValueError(f"a release set has either release_to or {SEALED_PROPERTY}")
        problem = check_boxes(ext[SEALED_PROPERTY])
        if problem:
            raise ValueError(problem)
    members = ext.get("release_to", [])
    if not isinstance(members, list) or not all(is_id(m, "identity") for m in members):
        raise ValueError("release_to must be a list of identity ids")
    creator = obj.get("created_by_ref")
    if not is_id(creator, "identity"):
        raise ValueError("a release-set marking needs created_by_ref (its originator)")
    assert isinstance(creator, str)
    return ReleaseSet(creator=creator, members=frozenset(members), sealed=SEALED_PROPERTY in ext)
