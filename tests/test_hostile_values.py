"""Values no record may carry are refused one object at a time, with where and why, on
every engine and every write path (issue 19, items 2-5): control characters (NUL
above all: PostgreSQL refuses it), lone surrogates (not Unicode: not writable as
UTF-8), nesting deeper than any reader serialises, numbers the canonical JSON form
cannot carry, and non-string names.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from factories import incident
from hoggar.context import Node
from hoggar.kernel.ids import new_id
from hoggar.stix.models import ObjectVersion
from hoggar.stix.validation import MAX_DEPTH
from hoggar.store.check import Outcome
from hoggar.store.ingest import ingest_batch


def _nested(depth: int) -> Any:
    value: Any = "bottom"
    for _ in range(depth):
        value = {"x": value}
    return value


# (what is wrong, how to make it, the JSON pointer the refusal names)
PROBES: list[tuple[str, dict[str, Any], str]] = [
    ("NUL in a name", {"name": "Ménaka\x00"}, "/name"),
    ("bell in a description", {"description": "ring\x07"}, "/description"),
    ("C1 control", {"description": "next\x85line"}, "/description"),
    ("lone surrogate", {"name": "bad \ud800 name"}, "/name"),
    ("NUL in a nested key", {"x_notes": {"k\x00": "v"}}, "/x_notes/k\x00"),
    ("too deep", {"x_deep": _nested(MAX_DEPTH + 5)}, "/x_deep" + "/x" * (MAX_DEPTH - 1)),
    ("not a number", {"x_score": float("nan")}, "/x_score"),
    ("infinity", {"x_score": float("inf")}, "/x_score"),
    ("huge integer", {"x_count": 10**30}, "/x_count"),
    ("a name that is a number", {"name": 5}, "/name"),
]


@pytest.mark.parametrize(("what", "change", "pointer"), PROBES, ids=[p[0] for p in PROBES])
def test_each_bad_value_is_refused_alone_with_its_place(
    node: Node, what: str, change: dict[str, Any], pointer: str
) -> None:
    bad = {**incident(node.org_id, event_type="battles"), **change}
    good = incident(node.org_id, event_type="battles", name="A clean record")
    with node.db.transaction() as session:
        results = ingest_batch(session, [bad, good], node_org_id=node.org_id)
    assert results[0].outcome is Outcome.REJECTED, what
    assert pointer in [p.where for p in results[0].problems], results[0].problems
    assert results[1].outcome is Outcome.CREATED  # the clean one beside it is kept
    with node.db.session() as session:
        stored = session.scalar(
            select(func.count()).where(ObjectVersion.stix_id.in_([bad["id"], good["id"]]))
        )
    assert stored == 1


def test_ordinary_text_passes(node: Node) -> None:
    fine = incident(
        node.org_id,
        event_type="battles",
        name="هجوم على دورية قرب ميناكا",
        description="Line one\nline two\ttabbed; ZWNJ in Persian: می‌خواهم; 2^53-1 below",
    )
    fine["x_count"] = 2**53 - 1
    fine["x_deep"] = _nested(MAX_DEPTH - 2)
    with node.db.transaction() as session:
        assert ingest_batch(session, [fine], node_org_id=node.org_id)[0].ok


def _body(obj: dict[str, Any]) -> bytes:
    # json.dumps writes NaN and lone surrogates (as \ud800) as a careless client would.
    return json.dumps(obj).encode()


@pytest.mark.parametrize(
    ("what", "change", "pointer"),
    [p for p in PROBES if p[0] not in ("too deep", "NUL in a nested key")],
    ids=[p[0] for p in PROBES if p[0] not in ("too deep", "NUL in a nested key")],
)
def test_the_api_answers_422_not_500(
    admin_client: httpx.Client, what: str, change: dict[str, Any], pointer: str
) -> None:
    draft = {
        "object": {"type": "incident", "name": "Probe", **change},
        "sharing": {"tlp": "amber"},
    }
    r = admin_client.post(
        "/api/objects", content=_body(draft), headers={"content-type": "application/json"}
    )
    assert r.status_code == 422, (what, r.status_code, r.text[:300])
    assert r.headers["content-type"].startswith("application/problem+json")
    bundle = {
        "type": "bundle",
        "id": new_id("bundle"),
        "objects": [{**incident(None, event_type="battles"), **change}],
    }
    r = admin_client.post(
        "/api/bundles", content=_body(bundle), headers={"content-type": "application/json"}
    )
    assert r.status_code in (200, 422), (what, r.status_code, r.text[:300])
    if r.status_code == 200:  # per-object refusal with its reason
        results = r.json()["results"]
        assert [x["outcome"] for x in results] == ["rejected"]
        assert pointer in [p["where"] for p in results[0]["problems"]]
