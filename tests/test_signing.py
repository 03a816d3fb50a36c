"""The canonical form signed and verified: RFC 8785, whichever encoder writes it."""

from __future__ import annotations

import json
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from hoggar.kernel.signing import SIGNATURE_PROPERTY, _plain, canonical_bytes

keys = st.one_of(st.text(max_size=8), st.sampled_from(["a", "é", "\U0001f600", "\ue000", "Z"]))
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**60), max_value=2**60),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, -0.0, 1.0, 1e-7, 1e-4, 0.1, 15.9087, 1e16, 1e21, 2.5e-5]),
    st.text(),
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4)),
    max_leaves=20,
)


def _reference(body: dict[str, Any]) -> bytes | None:
    try:
        return rfc8785.dumps(body)
    except Exception:  # the reference refuses some values (lone surrogates, big ints)
        return None


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(keys, documents, max_size=6))
def test_canonical_bytes_equal_rfc8785(body: dict[str, Any]) -> None:
    body.pop(SIGNATURE_PROPERTY, None)
    expected = _reference(body)
    if expected is None:
        with pytest.raises(Exception):  # noqa: B017 - whatever rfc8785 raises
            canonical_bytes(body)
        return
    assert canonical_bytes(body) == expected


def test_fast_path_is_taken_for_ordinary_objects_and_not_for_tricky_numbers() -> None:
    ordinary = {"type": "incident", "name": "كمين قرب تين زواتين", "lat": 19.96, "killed": 3}
    assert _plain(ordinary)
    assert canonical_bytes(ordinary) == rfc8785.dumps(ordinary)
    for tricky in (1.0, 1e-7, 1e21, {"é": 1}):
        assert not _plain({"x": tricky})
        assert canonical_bytes({"x": tricky}) == rfc8785.dumps({"x": tricky})
    assert not _plain({"x": 2**53})
    with pytest.raises(ValueError, match="safe integer"):
        canonical_bytes({"x": 2**53})  # out of the domain RFC 8785 can represent


def test_signature_property_is_left_out() -> None:
    signed = {"type": "x", SIGNATURE_PROPERTY: {"sig": "abc"}, "b": [1, "\u2028"]}
    assert (
        canonical_bytes(signed)
        == json.dumps(
            {"b": [1, "\u2028"], "type": "x"}, separators=(",", ":"), ensure_ascii=False
        ).encode()
    )
