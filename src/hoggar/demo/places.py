"""STIX locations for the curated towns and sites, each published by its own state."""

from __future__ import annotations

import re
from typing import Any

from hoggar.demo.catalog import LANGS, Catalog, Place
from hoggar.demo.parties import SETUP_AT, Parties, demo_id
from hoggar.sharing.markings import TLP
from hoggar.stix.extensions import NAMES_EXTENSION_ID

# STIX 2.1 region-ov (UN M49 sub-regions).
REGIONS = {
    "DZ": "northern-africa",
    "LY": "northern-africa",
    "ML": "western-africa",
    "NE": "western-africa",
    "BF": "western-africa",
    "MR": "western-africa",
    "TD": "middle-africa",
}
# STIX location `precision` in metres: how far the point may be from the real place.
PRECISION_M = {"geonames": 1000.0, "curated": 5000.0, "approximate": 30000.0}
_ARABIC = re.compile(r"[\u0600-\u06ff]")


def location_id(key: str) -> str:
    return demo_id("location", key)


def names_extension(
    names: dict[str, str], aliases: tuple[str, ...], country: str | None
) -> dict[str, Any]:
    """The Hoggar names extension: names per language, then aliases (Arabic or undetermined)."""
    entries = [{"lang": lang, "value": names[lang]} for lang in LANGS if lang in names]
    seen = {e["value"] for e in entries}
    for alias in aliases:
        if alias not in seen:
            entries.append({"lang": "ar" if _ARABIC.search(alias) else "und", "value": alias})
            seen.add(alias)
    ext: dict[str, Any] = {"extension_type": "property-extension", "names": entries}
    if country:
        ext["country"] = country
    return ext


def location_object(place: Place, parties: Parties) -> dict[str, Any]:
    description = (
        f"{place.kind.replace('-', ' ').capitalize()} in {place.admin1} ({place.country})."
    )
    if place.quality == "approximate":
        description += " Approximate position (about 30 km): the exact site is not published."
    return {
        "type": "location",
        "spec_version": "2.1",
        "id": location_id(place.key),
        "created": SETUP_AT,
        "modified": SETUP_AT,
        "created_by_ref": parties.by_key[place.country].org_id,
        "name": place.names["en"],
        "description": description,
        "latitude": place.lat,
        "longitude": place.lon,
        "precision": PRECISION_M[place.quality],
        "region": REGIONS[place.country],
        "country": place.country,
        "administrative_area": place.admin1,
        "city": place.names["fr"],
        "object_marking_refs": parties.marking_refs(
            place.country, TLP.CLEAR, parties.all_members()
        ),
        "extensions": {
            NAMES_EXTENSION_ID: names_extension(place.names, place.aliases, place.country)
        },
    }


def location_objects(cat: Catalog, parties: Parties) -> list[dict[str, Any]]:
    return [location_object(p, parties) for p in cat.places.values()]
