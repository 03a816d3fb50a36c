"""Structural checks of STIX 2.1 objects on the ingest path (STIX 2.1 §3, §4-§7).

Hand-written and fast: stix2-validator checks ~120 objects/s and is used only in
tests. Each problem names where it is (a JSON pointer) and what is wrong.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from hoggar.kernel.clock import parse_stix
from hoggar.kernel.errors import Problem
from hoggar.kernel.ids import ID_RE, TYPE_RE
from hoggar.kernel.signing import SIGNATURE_PROPERTY
from hoggar.stix.checks import check_int, check_number, check_ref, check_refs
from hoggar.stix.types import OBJECT_TYPES, PROPERTY_EXTENSIONS

# STIX 2.1 §6 cyber-observable types: no created/modified, never versioned.
SCO_TYPES = frozenset(
    [
        "artifact",
        "autonomous-system",
        "directory",
        "domain-name",
        "email-addr",
        "email-message",
        "file",
        "ipv4-addr",
        "ipv6-addr",
        "mac-addr",
        "mutex",
        "network-traffic",
        "process",
        "software",
        "url",
        "user-account",
        "windows-registry-key",
        "x509-certificate",
    ]
)
UNVERSIONED_TYPES = SCO_TYPES | {"marking-definition", "language-content-unversioned"}

REQUIRED: dict[str, tuple[str, ...]] = {
    "attack-pattern": ("name",),
    "campaign": ("name",),
    "course-of-action": ("name",),
    "extension-definition": ("name", "schema", "version", "extension_types", "created_by_ref"),
    "grouping": ("context", "object_refs"),
    "identity": ("name",),
    "incident": ("name",),
    "indicator": ("pattern", "pattern_type", "valid_from"),
    "infrastructure": ("name",),
    "intrusion-set": ("name",),
    "language-content": ("object_ref", "contents"),
    "malware": ("is_family",),
    "malware-analysis": ("product",),
    "note": ("content", "object_refs"),
    "observed-data": ("first_observed", "last_observed", "number_observed"),
    "opinion": ("opinion", "object_refs"),
    "relationship": ("relationship_type", "source_ref", "target_ref"),
    "report": ("name", "published", "object_refs"),
    "sighting": ("sighting_of_ref",),
    "threat-actor": ("name",),
    "tool": ("name",),
    "vulnerability": ("name",),
}
OPINIONS = {"strongly-disagree", "disagree", "neutral", "agree", "strongly-agree"}
TIMESTAMP_PROPS = {
    "created",
    "modified",
    "published",
    "valid_from",
    "valid_until",
    "first_seen",
    "last_seen",
    "first_observed",
    "last_observed",
    "object_modified",
    "start_time",
    "stop_time",
}
PROPERTY_NAME = re.compile(r"^[a-z0-9_]{1,250}$")


def validate_object(obj: Any, text: str | None = None) -> list[Problem]:
    """Everything structurally wrong with one object; an empty list means acceptable.

    `text`, the object's JSON if the caller has it, lets the check of its strings be
    skipped when no suspect character occurs anywhere in it (the usual case).
    """
    if not isinstance(obj, Mapping):
        return [Problem("/", "a STIX object must be a JSON object")]
    problems: list[Problem] = []
    stix_type = obj.get("type")
    if not isinstance(stix_type, str) or not TYPE_RE.match(stix_type):
        problems.append(Problem("/type", f"{stix_type!r} is not a valid STIX type name"))
        return problems
    stix_id = obj.get("id")
    if not isinstance(stix_id, str) or not ID_RE.match(stix_id):
        problems.append(Problem("/id", f"{stix_id!r} is not a STIX identifier (type--UUID)"))
    elif not stix_id.startswith(stix_type + "--"):
        problems.append(Problem("/id", f"the id's type prefix does not match type {stix_type!r}"))
    spec = obj.get("spec_version")
    if stix_type not in SCO_TYPES and spec != "2.1":
        problems.append(Problem("/spec_version", f"must be '2.1' (STIX 2.1 only), got {spec!r}"))
    elif stix_type in SCO_TYPES and spec not in (None, "2.1"):
        problems.append(Problem("/spec_version", f"must be '2.1', got {spec!r}"))
    for key, value in obj.items():
        if not isinstance(key, str) or not PROPERTY_NAME.match(key):
            problems.append(Problem(f"/{key}", "property names use only a-z, 0-9 and _"))
        elif value == []:
            problems.append(Problem(f"/{key}", "must not be an empty list (STIX 2.1 §3.1)"))
    _check_timestamps(obj, stix_type, problems)
    for prop in REQUIRED.get(stix_type, ()):
        if prop not in obj or obj[prop] in (None, "", []):
            problems.append(Problem(f"/{prop}", f"is required for {stix_type}"))
    if text is None or _SUSPECT.search(text) or _may_be_deep(text):
        _check_text(obj, "", problems)
    for prop in STRING_PROPERTIES & obj.keys():
        if not isinstance(obj[prop], str):
            problems.append(Problem(f"/{prop}", "must be a string"))
    _check_common(obj, problems)
    _check_type_specific(obj, stix_type, problems)
    return problems


def _check_timestamps(obj: Mapping[str, Any], stix_type: str, problems: list[Problem]) -> None:
    if stix_type not in SCO_TYPES:
        needed = ("created",) if stix_type == "marking-definition" else ("created", "modified")
        for prop in needed:
            if prop not in obj:
                problems.append(Problem(f"/{prop}", f"is required for {stix_type}"))
    for prop in TIMESTAMP_PROPS & obj.keys():
        try:
            parse_stix(obj[prop])
        except ValueError as exc:
            problems.append(Problem(f"/{prop}", str(exc)))
    created, modified = obj.get("created"), obj.get("modified")
    if isinstance(created, str) and isinstance(modified, str):
        try:
            if parse_stix(modified) < parse_stix(created):
                problems.append(Problem("/modified", "must not be earlier than created"))
        except ValueError:
            pass


# Trojan-source characters: bidi embeddings, overrides and isolates reorder what a
# reader sees (a right-to-left override can make "evil.exe" display as "exe.live");
# never legitimate in a record.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
# Invisible characters that make two names look alike (ZWNJ and ZWJ stay: Arabic-script
# orthography uses them).
_INVISIBLE = re.compile("[\u200b\u2060\ufeff\u00ad]")
# Control characters (C0 but tab, line feed and carriage return; DEL; C1): no record
# needs them, PostgreSQL refuses NUL, and terminals act on them.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# A lone surrogate is not Unicode: it cannot be written as UTF-8, stored or sent.
_SURROGATE = re.compile("[\ud800-\udfff]")
# What in an object's JSON text makes its values worth walking: the characters above
# (control characters appear escaped), long digit runs (integers past 2^53) and deep
# nesting is counted separately.
_SUSPECT = re.compile(
    f"{_BIDI_CONTROLS.pattern}|{_INVISIBLE.pattern}|{_SURROGATE.pattern}|[\x7f-\x9f]"
    r"|\\u00[01]|\\u007f|\\[bf]|\d{16}"
)
_NAME_PROPERTIES = frozenset({"name", "aliases", "value", "place_name"})
# The deepest nesting of objects and lists in one object (the root is level 1): far more
# than any STIX object needs, and below what every reader and encoder accepts.
MAX_DEPTH = 32
# Integers JSON carries exactly (I-JSON, RFC 7493; RFC 8785 canonical form).
MAX_INT = 2**53 - 1
# Properties that STIX defines as strings.
STRING_PROPERTIES = frozenset(
    {"name", "description", "content", "abstract", "explanation", "context", "lang"}
)


def _may_be_deep(text: str) -> bool:
    return text.count("{") + text.count("[") > MAX_DEPTH


_TEXT_CHECKS = (
    (_BIDI_CONTROLS, "a bidirectional control character"),
    (_CONTROL, "a control character"),
    (_SURROGATE, "a lone surrogate, which is not Unicode"),
)
_NAME_CHECKS = (*_TEXT_CHECKS, (_INVISIBLE, "an invisible character"))


def _check_string(value: str, where: str, problems: list[Problem], name: bool) -> None:
    for pattern, what in _NAME_CHECKS if name else _TEXT_CHECKS:
        found = pattern.search(value)
        if found:
            code = f"U+{ord(found.group()):04X}"
            problems.append(Problem(where, f"contains {what} ({code}) at {found.start()}"))


def _check_text(
    value: Any, where: str, problems: list[Problem], *, name: bool = False, depth: int = 1
) -> None:
    """Every value in the object, however deep: strings without bidi controls, control
    characters or lone surrogates (in names, nothing invisible either); finite numbers,
    integers JSON carries exactly; no deeper than MAX_DEPTH. Says where (a JSON pointer)
    and what is wrong."""
    if isinstance(value, str):
        _check_string(value, where, problems, name)
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int):
        if abs(value) > MAX_INT:
            problems.append(Problem(where, "is too large for JSON to carry exactly (2^53 - 1)"))
    elif isinstance(value, float):
        if not math.isfinite(value):
            problems.append(Problem(where, "must be a finite number"))
    elif isinstance(value, Mapping | list):
        if depth > MAX_DEPTH:
            problems.append(Problem(where or "/", f"is nested deeper than {MAX_DEPTH} levels"))
            return
        items = value.items() if isinstance(value, Mapping) else enumerate(value)
        for key, item in items:
            if isinstance(key, str):
                _check_string(key, f"{where}/{key}", problems, False)
            inner = name or (isinstance(value, Mapping) and key in _NAME_PROPERTIES)
            _check_text(item, f"{where}/{key}", problems, name=inner, depth=depth + 1)


def _check_common(obj: Mapping[str, Any], problems: list[Problem]) -> None:
    for key, value in obj.items():
        if key.endswith("_ref"):
            check_ref(problems, f"/{key}", value)
        elif key.endswith("_refs"):
            check_refs(problems, f"/{key}", value)
    if "created_by_ref" in obj and not str(obj["created_by_ref"]).startswith("identity--"):
        problems.append(Problem("/created_by_ref", "must refer to an identity"))
    markings = obj.get("object_marking_refs")
    for i, ref in enumerate(markings if isinstance(markings, list) else []):
        if isinstance(ref, str) and not ref.startswith("marking-definition--"):
            problems.append(
                Problem(f"/object_marking_refs/{i}", "must refer to a marking-definition")
            )
    if "confidence" in obj:
        check_int(problems, "/confidence", obj["confidence"], 0, 100)
    if "revoked" in obj and not isinstance(obj["revoked"], bool):
        problems.append(Problem("/revoked", "must be true or false"))
    for key in ("labels", "aliases"):
        if key in obj and (
            not isinstance(obj[key], list) or not all(isinstance(x, str) for x in obj[key])
        ):
            problems.append(Problem(f"/{key}", "must be a list of strings"))
    refs = obj.get("external_references")
    if refs is not None:
        if not isinstance(refs, list):
            problems.append(Problem("/external_references", "must be a list"))
        else:
            for i, ref in enumerate(refs):
                if not isinstance(ref, Mapping) or not isinstance(ref.get("source_name"), str):
                    problems.append(
                        Problem(f"/external_references/{i}", "needs a source_name string")
                    )
    exts = obj.get("extensions")
    if exts is not None and not isinstance(exts, Mapping):
        problems.append(Problem("/extensions", "must be an object keyed by extension id"))
    sig = obj.get(SIGNATURE_PROPERTY)
    if sig is not None and (
        not isinstance(sig, Mapping) or not {"alg", "kid", "sig"} <= sig.keys()
    ):
        problems.append(Problem(f"/{SIGNATURE_PROPERTY}", "must have alg, kid and sig"))


def _check_type_specific(obj: Mapping[str, Any], stix_type: str, problems: list[Problem]) -> None:
    check_type = OBJECT_TYPES.get(stix_type)
    if check_type is not None:
        problems.extend(check_type(obj))
    if stix_type == "opinion" and obj.get("opinion") not in OPINIONS:
        problems.append(Problem("/opinion", f"must be one of {sorted(OPINIONS)}"))
    if stix_type in ("note", "opinion", "report", "grouping") and "object_refs" in obj:
        check_refs(problems, "/object_refs", obj["object_refs"], nonempty=True)
    if stix_type == "location":
        has_point = "latitude" in obj or "longitude" in obj
        if has_point:
            check_number(problems, "/latitude", obj.get("latitude"), -90, 90)
            check_number(problems, "/longitude", obj.get("longitude"), -180, 180)
        if not (has_point or obj.get("region") or obj.get("country")):
            problems.append(Problem("/", "a location needs region, country or latitude/longitude"))
    if (
        stix_type == "marking-definition"
        and not obj.get("extensions")
        and (not obj.get("definition_type") or not isinstance(obj.get("definition"), Mapping))
    ):
        problems.append(
            Problem(
                "/definition",
                "a marking-definition needs definition_type and definition, or extensions",
            )
        )
    exts = obj.get("extensions")
    if isinstance(exts, Mapping):
        for ext_id, ext in exts.items():
            if not isinstance(ext, Mapping):
                problems.append(Problem(f"/extensions/{ext_id}", "must be an object"))
                continue
            problems.extend(
                Problem(f"/extensions/{ext_id}/{k}", "must not be an empty list (STIX 2.1 §3.1)")
                for k, v in ext.items()
                if v == []
            )
            check_extension = PROPERTY_EXTENSIONS.get(ext_id)
            if check_extension is not None:
                check_extension(ext, f"/extensions/{ext_id}", problems)
