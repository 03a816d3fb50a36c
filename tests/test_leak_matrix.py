"""The leak matrix: seven organizations, every marking and release set, every read path.

One node holds a generated corpus (about two thousand objects): incidents of seven
originators under every TLP level and release sets from nobody to everybody, later
versions that narrow or widen the set, revocations, duplicate-of links with their own
readers, reports pointing at incidents. Each organization reads it over HTTP with its
own credentials (the node's own roles, and a peer account for every other member):
REST lists, search, counts, aggregates (from rows and from the monthly counts),
exports, single reads and their errors, TAXII pages, objects and manifests, the map's
data. Each returned set must equal the set computed from the generator's own record of
who may read what — never from the database.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import event

from conftest import ADMIN_PASSWORD, LiveServer
from factories import incident, release_marking, shared
from hoggar.auth.service import create_user
from hoggar.auth.tokens import create_token
from hoggar.context import Node, Principal, Role, system_principal
from hoggar.federation.peers import add_peer
from hoggar.federation.taxii import collection_id
from hoggar.fusion.score import Facts
from hoggar.fusion.service import candidates_for
from hoggar.kernel.clock import parse_stix
from hoggar.kernel.ids import derived_id, new_id
from hoggar.kernel.signing import public_key_b64
from hoggar.records.bundles import import_objects
from hoggar.sharing.markings import TLP

CODES = ["ML", "NE", "MR", "BF", "TD", "JS"]
OTHERS = {c: derived_id("identity", "leak-matrix", c) for c in CODES}
TAXII = "application/taxii+json;version=2.1"
WORD = "zqleakmatrix"  # every incident's name carries it


@dataclass
class Record:
    originator: str
    readers: frozenset[str]  # the current version's release set
    revoked: bool = False
    kind: str = "incident"


@dataclass
class Corpus:
    records: dict[str, Record] = field(default_factory=dict)
    bodies: dict[str, dict[str, Any]] = field(default_factory=dict)  # first versions
    duplicates: list[tuple[str, str, str]] = field(default_factory=list)  # rel, source, target

    def readable(self, org: str, kind: str = "incident", *, revoked: bool = False) -> set[str]:
        return {
            sid
            for sid, r in self.records.items()
            if r.kind == kind
            and (revoked or not r.revoked)
            and (org == r.originator or org in r.readers)  # the rule, written out again
        }


def _build(node: Node, rng: random.Random) -> Corpus:
    corpus = Corpus()
    orgs = [node.org_id, *OTHERS.values()]
    markings: dict[tuple[str, frozenset[str]], dict[str, Any]] = {}
    first: list[dict[str, Any]] = []

    def readers_for(originator: str) -> frozenset[str]:
        others = [o for o in orgs if o != originator]
        return frozenset(rng.sample(others, rng.choice([0, 1, 2, 3, len(others)])))

    def marked(originator: str, readers: frozenset[str], tlp: TLP) -> list[str]:
        markings.setdefault((originator, readers), release_marking(originator, set(readers)))
        return shared(originator, set(readers), tlp)

    for originator in orgs:
        for tlp in TLP:
            for _ in range(36):
                readers = readers_for(originator)
                obj = incident(
                    originator,
                    name=f"Embuscade {WORD} {rng.randrange(10**6)}",
                    markings=marked(originator, readers, tlp),
                    event_type=rng.choice(["battle", "violence_against_civilians"]),
                    sub_type="ambush",
                    start_time=f"2025-{rng.randrange(1, 13):02d}-1{rng.randrange(10)}T08:00:00Z",
                    country=rng.choice(["ML", "NE", "DZ"]),
                    latitude=15 + rng.random() * 5,
                    longitude=rng.random() * 5,
                    geo_precision="town",
                    killed=rng.randrange(4),
                )
                corpus.records[obj["id"]] = Record(originator, readers)
                corpus.bodies[obj["id"]] = obj
                first.append(obj)
    later: list[dict[str, Any]] = []
    for obj in rng.sample(first, 400):  # new versions: narrowed, widened, revoked
        originator = obj["created_by_ref"]
        record = corpus.records[obj["id"]]
        new = {**obj, "modified": "2025-06-01T00:00:00.000Z"}
        if rng.random() < 0.25:
            new["revoked"] = True
            record.revoked = True
        else:
            record.readers = readers_for(originator)
            new["object_marking_refs"] = marked(originator, record.readers, TLP.AMBER)
        later.append(new)
    links: list[dict[str, Any]] = []
    incidents = list(corpus.records)
    for _ in range(120):  # duplicate-of links and reports, with readers of their own
        originator = rng.choice(orgs)
        readers = readers_for(originator)
        source, target = rng.sample(incidents, 2)
        rel = {
            "type": "relationship",
            "spec_version": "2.1",
            "id": new_id("relationship"),
            "created": "2025-07-01T00:00:00.000Z",
            "modified": "2025-07-01T00:00:00.000Z",
            "created_by_ref": originator,
            "relationship_type": "duplicate-of",
            "source_ref": source,
            "target_ref": target,
            "object_marking_refs": marked(originator, readers, TLP.AMBER),
        }
        corpus.records[rel["id"]] = Record(originator, readers, kind="relationship")
        corpus.duplicates.append((rel["id"], source, target))
        links.append(rel)
    for _ in range(60):
        originator = rng.choice(orgs)
        readers = readers_for(originator)
        report = {
            "type": "report",
            "spec_version": "2.1",
            "id": new_id("report"),
            "created": "2025-07-02T00:00:00.000Z",
            "modified": "2025-07-02T00:00:00.000Z",
            "created_by_ref": originator,
            "name": f"Bilan {WORD}",
            "published": "2025-07-02T00:00:00.000Z",
            "object_refs": rng.sample(incidents, 3),
            "object_marking_refs": marked(originator, readers, TLP.GREEN),
        }
        corpus.records[report["id"]] = Record(originator, readers, kind="report")
        links.append(report)
    for batch in ([*markings.values()], first, later, links):
        report_ = import_objects(node, batch, principal=system_principal(node), source="t")
        assert not report_.rejected, report_.rejected[0].message
    return corpus


@dataclass
class Reader:
    org: str
    client: httpx.Client


@pytest.fixture
def matrix(node: Node, live_server: LiveServer) -> Iterator[tuple[Node, Corpus, list[Reader]]]:
    corpus = _build(node, random.Random(20261202))
    tokens: dict[str, str] = {}
    with node.db.transaction() as session:
        for code, org in OTHERS.items():
            key = public_key_b64(Ed25519PrivateKey.generate().public_key())
            card = {"identity_id": org, "name": f"Org {code}", "public_key": key}
            card.update(
                {"kind": "joint-staff"} if code == "JS" else {"kind": "member", "country": code}
            )
            tokens[org] = add_peer(session, node, name=code.lower(), card=card).inbound_token
        create_user(
            session,
            node,
            username="viewer1",
            password="viewer-password-2026",
            role=Role.VIEWER,
            actor="t",
        )
        tokens[node.org_id] = create_token(session, node, "viewer1", name="t", actor="t")[1]
    readers = [
        Reader(org, httpx.Client(base_url=live_server.url, timeout=60, headers=_auth(token)))
        for org, token in tokens.items()
    ]
    try:
        yield node, corpus, readers
    finally:
        for r in readers:
            r.client.close()


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _all_pages(client: httpx.Client, path: str, **params: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {**params, "limit": 200 if path == "/api/search" else 1000}
        if cursor:
            query["cursor"] = cursor
        r = client.get(path, params=query)
        assert r.status_code == 200, r.text
        body = r.json()
        out += body["objects"]
        cursor = body.get("next_cursor")
        if not cursor:
            return out


def _taxii_pages(client: httpx.Client, url: str, **params: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    query: dict[str, Any] = {"limit": 1000, **params}
    while True:
        r = client.get(url, params=query, headers={"Accept": TAXII})
        assert r.status_code == 200, r.text
        body = r.json()
        out += body.get("objects", [])
        if not body.get("more"):
            return out
        query = {"limit": 1000, "next": body["next"], **params}


def test_every_reader_gets_exactly_what_the_rule_allows_on_every_path(
    matrix: tuple[Node, Corpus, list[Reader]],
) -> None:
    node, corpus, readers = matrix
    assert len(corpus.records) >= 1440 and len(readers) == 7  # plus 400 later versions
    taxii = f"/taxii2/hoggar/collections/{collection_id(node)}"
    for reader in readers:
        c, org = reader.client, reader.org
        incidents = corpus.readable(org)
        every = incidents | corpus.readable(org, revoked=True)
        ids = lambda objs: {o["id"] for o in objs if o["type"] == "incident"}  # noqa: E731

        assert ids(_all_pages(c, "/api/objects", type="incident")) == incidents
        assert ids(_all_pages(c, "/api/search", q=WORD, type="incident")) == incidents
        assert ids(_all_pages(c, "/api/objects", type="incident", include_revoked=True)) == every
        assert c.get("/api/stats/count", params={"type": "incident"}).json()["count"] == len(
            incidents
        )
        by_originator = Counter(corpus.records[s].originator for s in incidents)
        for period in ({}, {"start_after": "2025-01-01T00:00:00Z"}):  # rows, monthly counts
            got = c.get(
                "/api/stats/aggregate",
                params={"type": "incident", "group_by": "originator", **period},
            ).json()["groups"]
            assert {g["key"]: g["count"] for g in got} == dict(by_originator)
        exported = json.loads(c.get("/api/bundles/export", params={"type": "incident"}).text)
        assert ids(exported["objects"]) == incidents
        # TAXII: the current version of everything readable, revoked ones included.
        pages = _taxii_pages(c, f"{taxii}/objects/", **{"match[type]": "incident"})
        assert ids(pages) == every
        manifest = c.get(f"{taxii}/manifest/", params={"limit": 1000}, headers={"Accept": TAXII})
        assert manifest.status_code == 200
        reports = {o["id"] for o in _all_pages(c, "/api/objects", type="report")}
        assert reports == corpus.readable(org, "report")
        links = {o["id"] for o in _all_pages(c, "/api/objects", type="relationship")}
        assert links == corpus.readable(org, "relationship")


def test_a_record_one_may_not_read_answers_exactly_like_one_that_does_not_exist(
    matrix: tuple[Node, Corpus, list[Reader]],
) -> None:
    node, corpus, readers = matrix
    taxii = f"/taxii2/hoggar/collections/{collection_id(node)}"
    rng = random.Random(7)
    # The same SQL statements answer both (the server runs in this process): no work
    # done only for a record that exists, whose time could tell it apart.
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "stix_" in statement:  # the record's lookup (not the token's bookkeeping)
            statements.append(statement)

    def run(c: httpx.Client, url: str, headers: dict[str, str]) -> tuple[httpx.Response, list[str]]:
        statements.clear()
        response = c.get(url, headers=headers)
        return response, list(statements)

    event.listen(node.db.engine, "before_cursor_execute", seen)
    try:
        for reader in readers:
            c = reader.client
            hidden = sorted(set(corpus.records) - corpus.readable(reader.org, revoked=True))
            hidden = [s for s in hidden if corpus.records[s].kind == "incident"]
            for sid in rng.sample(hidden, 15):
                missing = f"incident--{new_id('incident').split('--')[1]}"
                for path in (
                    "/api/objects/{}",
                    "/api/objects/{}/versions",
                    taxii + "/objects/{}/",
                ):
                    headers = {"Accept": TAXII} if path.startswith("/taxii2") else {}
                    a, sql_a = run(c, path.format(sid), headers)
                    b, sql_b = run(c, path.format(missing), headers)
                    assert a.status_code == b.status_code == 404, (path, a.text)
                    assert a.text.replace(sid, "X") == b.text.replace(missing, "X")
                    assert set(a.headers) == set(b.headers)
                    assert sql_a == sql_b and sql_a, (path, sql_a, sql_b)
    finally:
        event.remove(node.db.engine, "before_cursor_execute", seen)
        visible = sorted(corpus.readable(reader.org))
        for sid in rng.sample(visible, 10):
            assert c.get(f"/api/objects/{sid}").status_code == 200


def test_counts_of_events_reported_twice_see_only_readable_duplicate_links(
    matrix: tuple[Node, Corpus, list[Reader]],
) -> None:
    """'Counted once' subtracts a report only for a duplicate-of link the reader may
    read: a count must not betray a link (or a report) it may not see."""
    node, corpus, _ = matrix
    from hoggar.store import aggregates
    from hoggar.store.filters import ObjectFilter

    for org in [node.org_id, *OTHERS.values()]:
        reader = Principal(org_id=org, name="r", role=Role.VIEWER)
        incidents = corpus.readable(org)
        links = corpus.readable(org, "relationship")
        sources = {s for rel, s, _ in corpus.duplicates if rel in links}
        expected = len(incidents - sources)
        with node.db.session() as session:
            for period in ({}, {"start_after": parse_stix("2025-01-01T00:00:00Z")}):
                flt = ObjectFilter(types=("incident",), fused_once=True, **period)
                assert aggregates.count_objects(session, reader, flt) == expected


def test_fusion_candidates_and_map_points_hold_only_readable_incidents(
    matrix: tuple[Node, Corpus, list[Reader]], live_server: LiveServer
) -> None:
    node, corpus, _ = matrix
    from hoggar.store import aggregates
    from hoggar.store.filters import ObjectFilter

    rng = random.Random(11)
    for org in [node.org_id, *OTHERS.values()]:
        reader = Principal(org_id=org, name="r", role=Role.ANALYST)
        allowed = corpus.readable(org)
        with node.db.session() as session:
            points = aggregates.incident_points(session, reader, ObjectFilter(types=("incident",)))
            assert {p["stix_id"] for p in points} == allowed
            for sid in rng.sample(sorted(corpus.records), 20):
                if corpus.records[sid].kind != "incident":
                    continue
                facts = Facts.from_incident(corpus.bodies[sid])
                assert facts is not None
                found = candidates_for(session, reader, facts, threshold=0.0, limit=500)
                assert {c.incident["id"] for c in found} <= allowed
    # The web map's data, as the node's own viewer.
    with httpx.Client(base_url=live_server.url) as web:
        r = web.post("/api/session", json={"username": "admin", "password": ADMIN_PASSWORD})
        assert r.status_code == 200
        data = web.get("/map/incidents.geojson").json()
        assert {f["properties"]["id"] for f in data["features"]} == corpus.readable(node.org_id)
        assert data["total"] == len(corpus.readable(node.org_id))
