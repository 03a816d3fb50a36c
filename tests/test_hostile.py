"""Hostile input gets a clear error saying what and where, and nothing is stored.

Hand-picked cases (bidi overrides and invisible characters in names, duplicate keys,
invalid UTF-8, deep nesting, wrong spec versions, impossible timestamps) and
property-based ones (arbitrary bytes to the bundle reader, arbitrary JSON to the
importer): the only outcome is a refusal with its reason, never an exception.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from factories import incident
from hoggar.context import Node, system_principal
from hoggar.kernel.errors import Invalid
from hoggar.kernel.ids import new_id
from hoggar.records.bundles import import_objects, parse_bundle
from hoggar.sources.articles import ArticleIn
from hoggar.stix.models import ObjectVersion
from hoggar.stix.validation import validate_object


def _stored(node: Node) -> int:
    with node.db.session() as session:
        return int(session.scalar(select(func.count()).select_from(ObjectVersion)) or 0)


def _refused(node: Node, obj: Any) -> str:
    """Import one object; it must be refused and leave nothing behind. Its reason."""
    before = _stored(node)
    report = import_objects(node, [obj], principal=system_principal(node), source="hostile")
    assert [r.ok for r in report.results] == [False], report.as_dict()
    assert _stored(node) == before
    return report.results[0].message


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("name", "Attack on evil\u202eexe.post", "/name: contains a bidirectional control"),
        ("name", "Kidal\u2066 (isolate)", "/name: contains a bidirectional control"),
        ("description", "text \u202d hidden", "/description: contains a bidirectional"),
        ("name", "Tin\u200bzaouatine", "/name: contains an invisible character (U+200B) at 3"),
        ("name", "\ufeffGao", "/name: contains an invisible character (U+FEFF) at 0"),
        ("name", "Mé\u00adnaka", "/name: contains an invisible character (U+00AD)"),
    ],
)
def test_hidden_characters_are_refused_with_where_and_which(
    node: Node, field: str, value: str, expected: str
) -> None:
    assert expected in _refused(node, {**incident(node.org_id), field: value})


def test_joiners_of_arabic_script_and_nested_names_are_checked_as_names(node: Node) -> None:
    # ZWNJ is part of Arabic-script orthography: accepted.
    ok = {**incident(node.org_id), "name": "كمين\u200cقرب كيدال"}
    report = import_objects(node, [ok], principal=system_principal(node), source="t")
    assert [r.ok for r in report.results] == [True]
    # An alias deep in a list is a name too.
    group = {
        "type": "intrusion-set",
        "spec_version": "2.1",
        "id": new_id("intrusion-set"),
        "created": "2025-03-01T10:00:00.000Z",
        "modified": "2025-03-01T10:00:00.000Z",
        "name": "Group",
        "aliases": ["fine", "hid\u2060den"],
    }
    assert "/aliases/1: contains an invisible character (U+2060)" in _refused(node, group)


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"spec_version": "2.0"}, "/spec_version"),
        ({"spec_version": None}, "/spec_version"),
        ({"created": "0000-01-01T00:00:00Z"}, "/created"),
        ({"modified": "2025-02-30T00:00:00Z"}, "/modified"),
        ({"modified": "2025-13-01T00:00:00Z"}, "/modified"),
        ({"created": "2025-03-01T24:00:00Z"}, "/created"),
        ({"created": "+10000-01-01T00:00:00Z"}, "/created"),
        ({"created": "2025-03-01T10:00:00+01:00"}, "/created"),
        ({"id": "incident--not-a-uuid"}, "/id"),
        ({"type": "Incident"}, "/type"),
    ],
)
def test_wrong_versions_and_impossible_timestamps_are_refused(
    node: Node, change: dict[str, Any], where: str
) -> None:
    assert where in _refused(node, {**incident(node.org_id), **change})


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"type": "bundle", "type": "bundle", "id": "x"}', "duplicate key 'type'"),
        (b'{"type": "bundle", "id": "\xff\xfe"}', "invalid byte at offset"),
        (b"[" * 200_000 + b"]" * 200_000, "too deep"),
        (b'{"type": "bundle", "objects": [NaN]}', "NaN is not valid JSON"),
        (b'{"type": "bundle", "objects": [1e999]}', "out of range"),
        (b'{"type": "bundle"', "Expecting"),
    ],
)
def test_malformed_envelopes_say_what_is_wrong(data: bytes, message: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_bundle(data)
    assert message in str(caught.value)


def test_articles_lose_formatting_characters_before_anything_reads_them() -> None:
    article = ArticleIn(title="\ufeffكمين\u200b", text="هجوم\u202b على \u00adمركز")
    assert article.title == "كمين" and article.text == "هجوم على مركز"


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_are_a_bundle_or_a_clear_refusal(data: bytes) -> None:
    try:
        objects = parse_bundle(data)
    except Invalid as exc:
        assert exc.problems and all(p.where and p.message for p in exc.problems)
    else:
        assert isinstance(objects, list)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=12,
)
keys = st.sampled_from(
    [
        *("type", "id", "spec_version", "created", "modified", "name", "created_by_ref"),
        *("object_marking_refs", "extensions", "revoked", "labels", "x"),
    ]
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.dictionaries(keys, json_values, max_size=8), st.booleans())
def test_any_json_object_is_refused_with_reasons_or_stored_whole(
    node: Node, garbage: dict[str, Any], based_on_incident: bool
) -> None:
    obj = {**incident(node.org_id), **garbage} if based_on_incident else garbage
    json.dumps(obj)  # only JSON values, as a parsed body would be
    problems = validate_object(obj)
    assert all(p.where is not None and p.message for p in problems)
    before = _stored(node)
    report = import_objects(node, [obj], principal=system_principal(node), source="fuzz")
    [result] = report.results
    if result.ok:
        assert _stored(node) in (before, before + 1)  # stored whole (or a duplicate)
    else:
        assert result.problems and _stored(node) == before
