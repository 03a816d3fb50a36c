"""TAXII 2.1 conformance of a node's /taxii2/ server, over real HTTP (SQLite and PostgreSQL).

The OASIS taxii2-client drives every request it can express; plain httpx sends the
ones it cannot (chosen headers, error cases, raw bytes). One node per backend holds
records of several organizations with different release sets; tests that change the
collection work on objects of their own and assert only about those.
"""

from __future__ import annotations

import base64
import gzip
import json
import math
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import pytest
import requests
import stix2
import zstandard
from sqlalchemy import select
from stix2validator import ValidationOptions, validate_instance
from taxii2client.common import TokenAuth
from taxii2client.exceptions import AccessError
from taxii2client.v21 import ApiRoot, Collection, Server, as_pages

from conftest import ADMIN_PASSWORD, BACKENDS, LiveServer, create_pg_database, drop_pg_database
from factories import incident, release_marking, shared
from hoggar.audit.models import AuditEntry
from hoggar.auth.service import create_user
from hoggar.auth.tokens import create_peer_account, create_token
from hoggar.context import Node, Principal, Role
from hoggar.federation.taxii import collection_id
from hoggar.kernel.clock import parse_stix
from hoggar.kernel.ids import new_id
from hoggar.kernel.settings import load_settings
from hoggar.node.service import init_node
from hoggar.records import authoring
from hoggar.records.identity import add_member
from hoggar.stix.extensions import INCIDENT_EXTENSION_ID, RELEASE_SET_EXTENSION_ID
from hoggar.stix.models import ObjectVersion
from hoggar.store.ingest import ingest_object

TAXII = "application/taxii+json;version=2.1"
STIX = "application/stix+json;version=2.1"
MALI = "identity--5b0e2f3c-7d1a-4e8b-9c6f-2a4d8e1b3c70"
NIGER = "identity--0c7e4b1d-3f5a-4a2e-8b9d-6e1f2a3b4c5d"
USER_PASSWORD = "a-long-enough-password"
BULK = 120  # incidents authored in bulk: pages of >= 100 objects exist
TS = "2025-03-01T10:00:00.000Z"


# --- the world: one node per backend -------------------------------------------------


@dataclass
class World:
    backend: str
    node: Node
    base: str  # http://127.0.0.1:port
    tokens: dict[str, str]  # "admin" | "analyst" | "viewer" | "peer" -> API token
    versioned: str = ""
    versioned_modified: list[str] = field(default_factory=list)
    widened: str = ""  # v1 Algeria only, v2 released to Mali
    widened_modified: list[str] = field(default_factory=list)
    narrowed: str = ""  # v1 released to Mali, v2 Algeria only
    to_mali: set[str] = field(default_factory=set)
    not_to_mali: set[str] = field(default_factory=set)
    niger_secret: str = ""  # Niger's, released to Mali only: Algeria may not read it
    niger_private: str = ""  # Niger's, originator only
    niger_to_algeria: str = ""  # Niger's, released to Algeria

    @property
    def cid(self) -> str:
        return collection_id(self.node)

    @property
    def discovery_url(self) -> str:
        return f"{self.base}/taxii2/"

    @property
    def root_url(self) -> str:
        return f"{self.base}/taxii2/hoggar/"

    @property
    def coll_url(self) -> str:
        return f"{self.root_url}collections/{self.cid}/"

    def analyst(self) -> Principal:
        return Principal(org_id=self.node.org_id, name="analyst", role=Role.ANALYST)

    def create(self, name: str, release: list[str], **ext: Any) -> str:
        with self.node.db.transaction() as session:
            return _author(session, self.node, self.analyst(), name, release, **ext)

    def update(self, stix_id: str, **changes: Any) -> str:
        with self.node.db.transaction() as session:
            obj = authoring.update_object(session, self.node, self.analyst(), stix_id, changes)
        return str(obj["modified"])

    def share(self, stix_id: str, release: list[str]) -> str:
        with self.node.db.transaction() as session:
            obj = authoring.change_sharing(
                session,
                self.node,
                self.analyst(),
                stix_id,
                authoring.Sharing.parse("amber", release),
            )
        return str(obj["modified"])


class BearerAuth(TokenAuth):  # type: ignore[misc]
    """taxii2-client's TokenAuth sends `Authorization: Token <key>`; RFC 6750 says Bearer."""

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["Authorization"] = f"Bearer {self.key}"
        return r


def _author(
    session: Any, node: Node, who: Principal, name: str, release: list[str], **ext: Any
) -> str:
    draft: dict[str, Any] = {"type": "incident", "name": name}
    if ext:
        draft["extensions"] = {
            INCIDENT_EXTENSION_ID: {"extension_type": "property-extension", **ext}
        }
    obj = authoring.create_object(
        session, node, who, draft, authoring.Sharing.parse("amber", release)
    )
    return str(obj["id"])


def _populate(world: World) -> None:
    node, who = world.node, world.analyst()
    with node.db.transaction() as session:
        add_member(session, node, identity_id=MALI, name="Mali", country="ML")
        add_member(session, node, identity_id=NIGER, name="Niger", country="NE")
        create_user(
            session, node, username="analyst", password=USER_PASSWORD, role="analyst", actor="t"
        )
        create_user(
            session, node, username="viewer", password=USER_PASSWORD, role="viewer", actor="t"
        )
        for role in ("admin", "analyst", "viewer"):
            world.tokens[role] = create_token(session, node, role, name="taxii", actor="t")[1]
        world.tokens["peer"] = create_peer_account(
            session, node, username="peer-ml", org_id=MALI, actor="admin"
        )[1]
        releases: list[list[str]] = [[MALI], [], [NIGER, MALI], [NIGER]]
        for i in range(BULK):
            release = releases[i % len(releases)]
            sid = _author(
                session,
                node,
                who,
                f"Incident {i} near Tamanrasset",
                release,
                event_type="ambush" if i % 2 else "armed-clash",
                country="DZ",
                killed=i % 5,
                start_time=TS,
                time_precision="day",
                source_reliability="B",
                information_credibility=2,
            )
            (world.to_mali if MALI in release else world.not_to_mali).add(sid)
        kidal = {"type": "location", "name": "Kidal", "country": "ML"}
        kidal |= {"latitude": 18.44, "longitude": 1.41}
        network = {"type": "threat-actor", "name": "Smuggling network"}
        network["threat_actor_types"] = ["crime-syndicate"]
        for draft, release in [
            (kidal, [MALI]),
            ({"type": "location", "name": "In Guezzam", "country": "DZ"}, []),
            (network, [MALI, NIGER]),
            ({"type": "intrusion-set", "name": "Desert group"}, [NIGER]),
        ]:
            obj = authoring.create_object(
                session, node, who, draft, authoring.Sharing.parse("green", release)
            )
            (world.to_mali if MALI in release else world.not_to_mali).add(obj["id"])
        world.versioned = _author(session, node, who, "Versioned v1", [MALI], event_type="ambush")
        world.widened = _author(session, node, who, "Widened v1", [])
        world.narrowed = _author(session, node, who, "Narrowed v1", [MALI])
    world.versioned_modified = [_modified(world, world.versioned)]
    world.versioned_modified.append(world.update(world.versioned, name="Versioned v2"))
    world.versioned_modified.append(world.update(world.versioned, name="Versioned v3"))
    world.widened_modified = [_modified(world, world.widened), world.share(world.widened, [MALI])]
    world.share(world.narrowed, [])
    world.to_mali |= {world.versioned, world.widened}
    world.not_to_mali.add(world.narrowed)
    world.niger_secret = _ingest_foreign(world, NIGER, {MALI}, "Niger to Mali only")
    world.niger_private = _ingest_foreign(world, NIGER, set(), "Niger only")
    world.niger_to_algeria = _ingest_foreign(world, NIGER, {world.node.org_id}, "Niger to DZ")


def _modified(world: World, stix_id: str) -> str:
    with world.node.db.session() as session:
        body = session.scalar(
            select(ObjectVersion.body).where(
                ObjectVersion.stix_id == stix_id, ObjectVersion.is_current.is_(True)
            )
        )
    return str(json.loads(body)["modified"])


def _ingest_foreign(world: World, originator: str, members: set[str], name: str) -> str:
    """Another organization's record, stored as received (no holder check)."""
    obj = incident(originator, name=name, markings=shared(originator, members))
    with world.node.db.transaction() as session:
        for item in (release_marking(originator, members), obj):
            result = ingest_object(session, item, node_org_id=world.node.org_id)
            assert result.ok, result.message
    return str(obj["id"])


@pytest.fixture(scope="module", params=BACKENDS)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    backend = str(request.param)
    tmp = tmp_path_factory.mktemp(f"taxii-{backend}")
    url = f"sqlite:///{tmp / 'hoggar.db'}" if backend == "sqlite" else create_pg_database()
    node = init_node(
        load_settings(tmp / "node", url),
        org_name="Algeria",
        country="DZ",
        admin_user="admin",
        admin_password=ADMIN_PASSWORD,
    )
    try:
        with LiveServer(node) as server:
            w = World(backend=backend, node=node, base=server.url, tokens={})
            _populate(w)
            yield w
    finally:
        node.close()
        if backend != "sqlite":
            drop_pg_database(url)


# --- helpers ------------------------------------------------------------------------


def client(world: World, who: str = "admin") -> httpx.Client:
    return httpx.Client(
        base_url=world.coll_url,
        headers={"Authorization": f"Bearer {world.tokens[who]}", "Accept": TAXII},
        timeout=30,
    )


def collection(world: World, who: str = "admin") -> Collection:
    return Collection(world.coll_url, auth=BearerAuth(world.tokens[who]))


def media(value: str) -> str:
    return value.replace(" ", "").lower()


def assert_taxii_error(r: httpx.Response, status: int) -> dict[str, Any]:
    """r is a TAXII 2.1 error message (§3.6.1) with this HTTP status."""
    assert r.status_code == status, f"{r.status_code} {r.text}"
    assert media(r.headers["content-type"]) == TAXII, r.headers["content-type"]
    body = r.json()
    assert isinstance(body.get("title"), str) and body["title"], body
    assert isinstance(body.get("description"), str) and body["description"], body
    assert body.get("http_status") == str(status), body
    return body


def version_of(obj: dict[str, Any]) -> str:
    return str(obj.get("modified") or obj.get("created") or "")


def walk(c: httpx.Client, path: str, params: dict[str, Any]) -> Iterator[httpx.Response]:
    """Every page of a paged TAXII resource, following `next` by hand."""
    params = dict(params)
    for _ in range(10_000):
        r = c.get(path, params=params)
        assert r.status_code == 200, r.text
        yield r
        body = r.json()
        if not body["more"]:
            assert "next" not in body, body
            return
        assert body.get("next"), body
        params["next"] = body["next"]
    raise AssertionError("pagination does not end")


def all_of(c: httpx.Client, path: str, params: dict[str, Any], key: str = "objects") -> list[Any]:
    return [item for r in walk(c, path, params) for item in r.json().get(key, [])]


def stix2_objects() -> list[dict[str, Any]]:
    """A small, valid STIX 2.1 graph built with the stix2 library."""
    actor = stix2.ThreatActor(
        name=f"Convoy raiders {uuid.uuid4().hex[:6]}", threat_actor_types=["criminal"]
    )
    malware = stix2.Malware(name="Sahel loader", is_family=False, malware_types=["dropper"])
    indicator = stix2.Indicator(
        name="Loader C2",
        pattern=f"[ipv4-addr:value = '198.51.100.{uuid.uuid4().int % 250}']",
        pattern_type="stix",
        valid_from="2025-03-01T00:00:00Z",
    )
    rel = stix2.Relationship(indicator, "indicates", malware)
    place = stix2.Location(name="Tessalit", country="ML", latitude=20.2, longitude=1.01)
    octets = ".".join(str(b) for b in uuid.uuid4().bytes[:3])
    address = stix2.IPv4Address(value=f"10.{octets}")  # an SCO: id derived from the value
    return [json.loads(o.serialize()) for o in (actor, malware, indicator, rel, place, address)]


# --- discovery, API root, collections, authentication ------------------------------


def test_discovery_basic_password_lists_the_one_api_root(world: World) -> None:
    server = Server(world.discovery_url, user="admin", password=ADMIN_PASSWORD)
    assert "Algeria" in server.title
    assert server.default is not None and server.default.url.endswith("/taxii2/hoggar/")
    assert [root.url for root in server.api_roots] == [world.root_url]


def test_api_root_token_as_basic_password_reports_versions_and_max_content_length(
    world: World,
) -> None:
    root = ApiRoot(world.root_url, user="anyone", password=world.tokens["analyst"])
    assert root.versions == [TAXII]
    assert root.max_content_length == world.node.settings.max_body_bytes > 0
    assert [c.id for c in root.collections] == [world.cid]


@pytest.mark.parametrize(
    ("who", "can_write"), [("admin", True), ("analyst", True), ("viewer", False), ("peer", True)]
)
def test_collection_bearer_token_role_decides_can_write(
    world: World, who: str, can_write: bool
) -> None:
    root = ApiRoot(world.root_url, auth=BearerAuth(world.tokens[who]))
    (listed,) = root.collections
    one = collection(world, who)
    for coll in (listed, one):
        assert coll.id == world.cid
        assert coll.can_read is True
        assert coll.can_write is can_write
        assert coll.media_types == [STIX]


def test_collection_basic_password_of_viewer_cannot_write(world: World) -> None:
    r = httpx.post(
        world.coll_url + "objects/",
        content=json.dumps({"objects": stix2_objects()}),
        headers={"Accept": TAXII, "Content-Type": TAXII},
        auth=("viewer", USER_PASSWORD),
    )
    assert_taxii_error(r, 403)
    coll = Collection(world.coll_url, user="viewer", password=USER_PASSWORD)
    assert coll.can_read is True and coll.can_write is False
    with pytest.raises(AccessError):  # the client itself honours can_write
        coll.add_objects({"objects": stix2_objects()})


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


BAD_CREDENTIALS = {
    "none": None,
    "wrong-password": _basic("admin", "not-the-password"),
    "unknown-user": _basic("nobody", "whatever-password"),
    "malformed-basic": "Basic %%%not-base64%%%",
    "unknown-token-basic": _basic("x", "hgr_deadbeef_" + "A" * 43),
    "unknown-token-bearer": "Bearer hgr_deadbeef_" + "A" * 43,
    "not-a-token-bearer": "Bearer not-a-token",
    "empty-bearer": "Bearer",
    "other-scheme": "Digest username=admin",
}
PATHS = ["", "hoggar/", "hoggar/collections/", "COLL/", "COLL/objects/", "COLL/manifest/"]


def url_of(world: World, path: str) -> str:
    return world.discovery_url + path.replace("COLL", f"hoggar/collections/{world.cid}")


@pytest.mark.parametrize("credentials", sorted(BAD_CREDENTIALS))
def test_endpoint_missing_or_bad_credentials_answers_401_taxii_error(
    world: World, credentials: str
) -> None:
    headers = {"Accept": TAXII}
    if BAD_CREDENTIALS[credentials] is not None:
        headers["Authorization"] = str(BAD_CREDENTIALS[credentials])
    # a wrong password costs an argon2 verification: two endpoints are enough there
    paths = PATHS[::5] if credentials in ("wrong-password", "unknown-user") else PATHS
    for path in paths:
        r = httpx.get(url_of(world, path), headers=headers)
        assert_taxii_error(r, 401)
        assert r.headers.get("www-authenticate"), "a 401 must carry WWW-Authenticate (RFC 9110)"
        assert "objects" not in r.json()


def test_revoked_token_answers_401_taxii_error(world: World) -> None:
    from hoggar.auth.tokens import revoke_token

    with world.node.db.transaction() as session:
        token, secret = create_token(session, world.node, "analyst", name="short", actor="t")
    with httpx.Client(headers={"Authorization": f"Bearer {secret}", "Accept": TAXII}) as c:
        assert c.get(world.coll_url).status_code == 200
        with world.node.db.transaction() as session:
            revoke_token(session, world.node, token.id, actor="t")
        assert_taxii_error(c.get(world.coll_url), 401)


# --- add objects, status -------------------------------------------------------------


def test_add_objects_stix2_envelope_completes_with_counts_and_status_resource(
    world: World,
) -> None:
    objects = stix2_objects()
    coll = collection(world, "analyst")
    status = coll.add_objects({"objects": objects})
    assert status.status == "complete"
    assert (status.total_count, status.success_count) == (len(objects), len(objects))
    assert (status.failure_count, status.pending_count) == (0, 0)
    assert status.failures == [] and status.pendings == []
    assert {(s["id"], s["version"]) for s in status.successes} == {
        (o["id"], version_of(o)) for o in objects
    }
    parse_stix(status.request_timestamp)
    again = ApiRoot(world.root_url, auth=BearerAuth(world.tokens["analyst"])).get_status(status.id)
    assert again._raw == status._raw
    served = coll.get_objects(id=[o["id"] for o in objects])["objects"]
    assert sorted(served, key=lambda o: o["id"]) == sorted(objects, key=lambda o: o["id"])


def test_add_objects_invalid_objects_are_failures_with_messages(world: World) -> None:
    good = stix2_objects()[:2]
    no_name = incident(None)
    del no_name["name"]
    bad_prefix = {**incident(None), "id": new_id("malware")}
    bad_time = {**incident(None), "modified": "yesterday"}
    envelope = {"objects": [*good, no_name, bad_prefix, bad_time, "not an object"]}
    status = collection(world, "analyst").add_objects(envelope)
    assert status.status == "complete"
    assert (status.total_count, status.success_count, status.failure_count) == (6, 2, 4)
    assert {s["id"] for s in status.successes} == {o["id"] for o in good}
    failures = {f["id"]: f for f in status.failures}
    assert set(failures) >= {no_name["id"], bad_prefix["id"], bad_time["id"]}
    assert all(isinstance(f["message"], str) and f["message"] for f in status.failures)
    assert "/name" in failures[no_name["id"]]["message"]
    assert "/id" in failures[bad_prefix["id"]]["message"]
    assert "/modified" in failures[bad_time["id"]]["message"]
    assert failures[no_name["id"]]["version"] == no_name["modified"]
    with client(world) as c:
        ids = ",".join([no_name["id"], bad_prefix["id"], bad_time["id"]])
        assert c.get("objects/", params={"match[id]": ids}).json()["objects"] == []


def test_add_objects_gzip_request_body_is_read(world: World) -> None:
    objects = stix2_objects()
    body = gzip.compress(json.dumps({"objects": objects}).encode())
    with client(world, "analyst") as c:
        r = c.post(
            "objects/",
            content=body,
            headers={"Content-Type": TAXII, "Content-Encoding": "gzip"},
        )
        assert r.status_code == 202, r.text
        assert media(r.headers["content-type"]) == TAXII
        status = r.json()
        assert (status["status"], status["success_count"]) == ("complete", len(objects))
        got = c.get(f"../../status/{status['id']}/").json()
        assert got == status
        served = c.get("objects/", params={"match[id]": ",".join(o["id"] for o in objects)})
        assert len(served.json()["objects"]) == len(objects)


def test_add_objects_corrupt_gzip_body_answers_taxii_error(world: World) -> None:
    with client(world, "analyst") as c:
        r = c.post(
            "objects/",
            content=b"\x1f\x8b\x08\x00garbage",
            headers={"Content-Type": TAXII, "Content-Encoding": "gzip"},
        )
    assert 400 <= r.status_code < 500
    assert_taxii_error(r, r.status_code)


@pytest.mark.parametrize(
    "content_type", ["application/json", STIX, "text/plain", "application/x-www-form-urlencoded"]
)
def test_add_objects_wrong_content_type_answers_415(world: World, content_type: str) -> None:
    with client(world, "analyst") as c:
        r = c.post(
            "objects/",
            content=json.dumps({"objects": stix2_objects()}),
            headers={"Content-Type": content_type},
        )
    assert_taxii_error(r, 415)


def test_add_objects_not_an_envelope_answers_422_taxii_error(world: World) -> None:
    with client(world, "analyst") as c:
        for body in (b"[]", b'{"objects": {}}', b"{not json"):
            r = c.post("objects/", content=body, headers={"Content-Type": TAXII})
            assert_taxii_error(r, 422)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(
    "accept", ["application/json", "text/html", "application/taxii+json;version=2.0"]
)
def test_get_accept_without_taxii_media_type_answers_406(
    world: World, path: str, accept: str
) -> None:
    headers = {"Accept": accept, "Authorization": f"Bearer {world.tokens['admin']}"}
    r = httpx.get(url_of(world, path), headers=headers)
    assert r.status_code == 406, r.text
    assert r.json()["http_status"] == "406"


def test_add_objects_accept_application_json_answers_406(world: World) -> None:
    with client(world, "analyst") as c:
        r = c.post(
            "objects/",
            content=json.dumps({"objects": stix2_objects()}),
            headers={"Content-Type": TAXII, "Accept": "application/json"},
        )
    assert r.status_code == 406, r.text
    assert r.json()["http_status"] == "406"


def test_add_objects_id_of_an_object_the_caller_may_not_read_reveals_nothing_of_it(
    world: World,
) -> None:
    """DESIGN.md: error messages obey releasability too. Algeria may not read Niger's
    record; reusing its id must not tell an Algerian user who originated it."""
    hidden = incident(None, name="same id", modified="2026-01-01T00:00:00.000Z")
    hidden["id"] = world.niger_secret
    fresh = {**hidden, "id": new_id("incident")}
    status = collection(world, "analyst").add_objects({"objects": [hidden, fresh]})
    assert status.total_count == 2
    assert fresh["id"] in {s["id"] for s in status.successes}
    assert NIGER not in json.dumps(status._raw), status._raw


def test_status_of_another_user_answers_404_unless_admin(world: World) -> None:
    status = collection(world, "analyst").add_objects({"objects": stix2_objects()[:1]})
    with client(world, "viewer") as c:
        missing = assert_taxii_error(c.get(f"../../status/{uuid.uuid4()}/"), 404)
        other = assert_taxii_error(c.get(f"../../status/{status.id}/"), 404)
    assert other["title"] == missing["title"]
    with client(world, "admin") as c:
        assert c.get(f"../../status/{status.id}/").json()["id"] == status.id


# --- get objects: versions, filters, added_after, pagination ----------------------------


def test_get_objects_without_match_version_serves_the_last_version(world: World) -> None:
    coll = collection(world)
    (obj,) = coll.get_objects(id=world.versioned)["objects"]
    assert obj["modified"] == world.versioned_modified[-1]
    assert obj["name"] == "Versioned v3"
    (same,) = coll.get_objects(id=world.versioned, version="last")["objects"]
    assert same == obj


def test_get_objects_match_version_all_first_and_timestamps_select_versions(world: World) -> None:
    coll = collection(world)
    v1, v2, v3 = world.versioned_modified

    def modified(**kw: Any) -> list[str]:
        return [o["modified"] for o in coll.get_objects(id=world.versioned, **kw)["objects"]]

    assert modified(version="all") == [v1, v2, v3]
    assert modified(version="first") == [v1]
    assert modified(version=v2) == [v2]
    assert sorted(modified(version=[v1, v3])) == [v1, v3]
    assert sorted(modified(version=["first", "last"])) == [v1, v3]
    assert modified(version="2001-01-01T00:00:00.000Z") == []
    assert modified(version=v2[:-1] + "000Z") == [v2]  # the same instant, more digits


def test_get_objects_match_version_of_each_manifest_entry_selects_that_version(
    world: World,
) -> None:
    """match[version]=<timestamp> selects the version the manifest and versions endpoint
    report (TAXII 2.1 manifest-record: modified, else created, else date_added)."""
    collection(world, "analyst").add_objects({"objects": stix2_objects()})  # has an SCO
    with client(world) as c:
        manifest = c.get("manifest/", params={"limit": 1000}).json()["objects"]
        one_per_type = {e["id"].split("--")[0]: e for e in manifest}
        assert {"marking-definition", "identity", "incident", "ipv4-addr"} <= one_per_type.keys()
        missed = {}
        for stix_type, entry in sorted(one_per_type.items()):
            params = {"match[id]": entry["id"], "match[version]": entry["version"]}
            got = c.get("objects/", params=params).json()["objects"]
            if [o["id"] for o in got] != [entry["id"]]:
                missed[stix_type] = entry["version"]
    assert not missed, f"match[version]=<manifest version> finds nothing for {missed}"


def test_get_objects_match_id_and_type_lists_filter_exactly(world: World) -> None:
    coll = collection(world)
    some = sorted(world.to_mali)[:3]
    got = coll.get_objects(id=some)["objects"]
    assert sorted(o["id"] for o in got) == some
    types = coll.get_objects(type=["location", "threat-actor"])["objects"]
    assert {o["type"] for o in types} == {"location", "threat-actor"}
    assert len(types) >= 3
    both = coll.get_objects(id=some, type="location")["objects"]
    assert both == []
    assert coll.get_objects(type="no-such-type")["objects"] == []
    with client(world) as c:  # spaces after commas are tolerated
        r = c.get("objects/", params={"match[type]": "location, threat-actor"})
        assert {o["type"] for o in r.json()["objects"]} == {"location", "threat-actor"}


def test_get_objects_match_spec_version_filters(world: World) -> None:
    coll = collection(world)
    with client(world) as c:
        everything = all_of(c, "objects/", {"limit": 1000})
        v21 = all_of(c, "objects/", {"limit": 1000, "match[spec_version]": "2.1"})
    assert [o["id"] for o in v21] == [o["id"] for o in everything]
    assert coll.get_objects(spec_version="2.0")["objects"] == []
    assert len(coll.get_objects(spec_version=["2.0", "2.1"], limit=5)["objects"]) == 5


def test_get_objects_added_after_is_strictly_greater(world: World) -> None:
    with client(world) as c:
        manifest = c.get("manifest/", params={"limit": 1000}).json()["objects"]
        assert len(manifest) > 20
        page = c.get("objects/", params={"limit": 10})
        last = page.headers["x-taxii-date-added-last"]
        assert last == manifest[9]["date_added"]
        rest = c.get("objects/", params={"added_after": last, "limit": 1000}).json()["objects"]
        assert [o["id"] for o in rest] == [m["id"] for m in manifest[10:]]
        before = parse_stix(last) - timedelta(microseconds=1)
        earlier = before.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        rest = c.get("objects/", params={"added_after": earlier, "limit": 1000}).json()["objects"]
        assert [o["id"] for o in rest] == [m["id"] for m in manifest[9:]]
        newest = manifest[-1]["date_added"]
        r = c.get("objects/", params={"added_after": newest})
        assert r.json() == {"more": False, "objects": []}
        assert "x-taxii-date-added-first" not in r.headers


@pytest.mark.parametrize("version", ["last", "all"])
def test_get_objects_as_pages_walks_every_object_exactly_once(world: World, version: str) -> None:
    coll = collection(world)
    whole = coll.get_objects(version=version, limit=1000)
    assert whole["more"] is False and len(whole["objects"]) > 100
    pages = list(as_pages(coll.get_objects, per_request=7, version=version))
    assert len(pages) == math.ceil(len(whole["objects"]) / 7)
    for page in pages[:-1]:
        assert page["more"] is True and page["next"] and len(page["objects"]) == 7
    assert pages[-1]["more"] is False and "next" not in pages[-1]
    walked = [(o["id"], version_of(o)) for p in pages for o in p["objects"]]
    assert walked == [(o["id"], version_of(o)) for o in whole["objects"]]
    assert len(set(walked)) == len(walked)


def test_get_objects_next_by_hand_walks_once_with_ordered_date_headers(world: World) -> None:
    with client(world) as c:
        whole = c.get("objects/", params={"limit": 1000}).json()["objects"]
        seen: list[str] = []
        previous_last = ""
        pages = list(walk(c, "objects/", {"limit": 11}))
        for r in pages:
            first = r.headers["x-taxii-date-added-first"]
            last = r.headers["x-taxii-date-added-last"]
            parse_stix(first), parse_stix(last)
            assert previous_last < first <= last
            previous_last = last
            seen += [o["id"] for o in r.json()["objects"]]
        assert len(pages) == math.ceil(len(whole) / 11)
    assert seen == [o["id"] for o in whole]
    assert len(seen) == len(set(seen))


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "token",
    [
        "garbage!!",
        "%%%",
        _b64("no separator"),
        _b64("2025-03-01T10:00:00.000000Z|not-a-number"),
        _b64("yesterday|12"),
        base64.b64encode(b"\xff\xfe\xfd").decode(),
    ],
)
def test_get_objects_garbage_next_answers_4xx_taxii_error(world: World, token: str) -> None:
    with client(world) as c:
        r = c.get("objects/", params={"next": token, "limit": 5})
        assert 400 <= r.status_code < 500, f"{r.status_code} {r.text[:300]}"
        assert_taxii_error(r, r.status_code)
        r = c.get("manifest/", params={"next": token})
        assert 400 <= r.status_code < 500, f"{r.status_code} {r.text[:300]}"


@pytest.mark.parametrize("pk", [2**31, 2**63, 10**30])
def test_get_objects_forged_next_with_out_of_range_row_never_answers_5xx(
    world: World, pk: int
) -> None:
    """A well-formed token may be accepted (an empty page) or refused (4xx), never 500."""
    token = _b64(f"2025-03-01T10:00:00.000000Z|{pk}")
    for path in ("objects/", "manifest/"):
        with client(world) as c:  # a fresh connection: a 500 may close the old one
            r = c.get(path, params={"next": token, "limit": 5})
        assert r.status_code < 500, f"{path}: {r.status_code} {r.text[:300]}"
        if r.status_code >= 400:
            assert_taxii_error(r, r.status_code)


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("limit", "0"),
        ("limit", "-3"),
        ("limit", "ten"),
        ("added_after", "yesterday"),
        ("added_after", "2025-02-30T00:00:00Z"),
        ("match[version]", "newest"),
    ],
)
def test_get_objects_invalid_parameter_answers_taxii_error_naming_it(
    world: World, param: str, value: str
) -> None:
    with client(world) as c:
        body = assert_taxii_error(c.get("objects/", params={param: value}), 422)
    assert param in body.get("details", {}), body


def test_get_objects_unknown_collection_and_api_root_answer_404(world: World) -> None:
    with client(world) as c:
        assert_taxii_error(c.get(f"../{uuid.uuid4()}/objects/"), 404)
        assert_taxii_error(c.get(f"{world.root_url.replace('hoggar', 'other')}"), 404)


# --- manifest and versions -------------------------------------------------------------


@pytest.mark.parametrize("version", ["last", "all"])
def test_manifest_entries_agree_with_objects(world: World, version: str) -> None:
    with client(world) as c:
        params = {"match[version]": version, "limit": 13}
        manifest = all_of(c, "manifest/", params)
        objects = all_of(c, "objects/", params)
        page = c.get("manifest/", params=params)
    assert len(manifest) == len(objects) > 100
    for entry, obj in zip(manifest, objects, strict=True):
        assert set(entry) == {"id", "date_added", "version", "media_type"}
        assert entry["id"] == obj["id"]
        assert entry["media_type"] == STIX
        assert entry["version"] == (version_of(obj) or entry["date_added"])
        parse_stix(entry["date_added"])
    added = [e["date_added"] for e in manifest]
    assert added == sorted(added) and len(set(added)) == len(added)
    assert page.headers["x-taxii-date-added-first"] == page.json()["objects"][0]["date_added"]
    assert page.headers["x-taxii-date-added-last"] == page.json()["objects"][-1]["date_added"]


def test_versions_lists_every_version_oldest_first(world: World) -> None:
    coll = collection(world)
    body = coll.object_versions(world.versioned)
    assert body["versions"] == world.versioned_modified
    assert body["more"] is False
    with client(world) as c:
        r = c.get(f"objects/{world.versioned}/versions/", params={"limit": 2})
        assert r.json()["versions"] == world.versioned_modified[:2] and r.json()["more"] is True
        rest = c.get(
            f"objects/{world.versioned}/versions/",
            params={"limit": 2, "next": r.json()["next"]},
        )
        assert rest.json() == {"more": False, "versions": world.versioned_modified[2:]}
        assert r.headers["x-taxii-date-added-first"] <= r.headers["x-taxii-date-added-last"]


# --- one object, and objects the caller may not see -----------------------------------


def test_get_object_serves_the_last_version_or_the_versions_asked(world: World) -> None:
    coll = collection(world)
    (obj,) = coll.get_object(world.versioned)["objects"]
    assert obj["modified"] == world.versioned_modified[-1]
    versions = coll.get_object(world.versioned, version="all")["objects"]
    assert [o["modified"] for o in versions] == world.versioned_modified
    (first,) = coll.get_object(world.versioned, version="first")["objects"]
    assert first["name"] == "Versioned v1"


def _same_answer(forbidden: httpx.Response, missing: httpx.Response, fid: str, mid: str) -> None:
    assert forbidden.status_code == missing.status_code
    assert forbidden.text.replace(fid, "ID") == missing.text.replace(mid, "ID")
    skip = {"date", "content-length"}
    assert {k: v for k, v in forbidden.headers.items() if k not in skip} == {
        k: v for k, v in missing.headers.items() if k not in skip
    }


@pytest.mark.parametrize("foreign", ["niger_secret", "niger_private"])
def test_get_object_of_another_org_not_released_answers_like_a_missing_one(
    world: World, foreign: str
) -> None:
    fid = getattr(world, foreign)
    mid = new_id("incident")
    with client(world) as c:
        for suffix in ("", "versions/"):
            forbidden = c.get(f"objects/{fid}/{suffix}")
            missing = c.get(f"objects/{mid}/{suffix}")
            assert_taxii_error(forbidden, 404)
            _same_answer(forbidden, missing, fid, mid)
        for params in ({"match[id]": fid}, {"match[id]": fid, "match[version]": "all"}):
            assert c.get("objects/", params=params).json() == {"more": False, "objects": []}
            assert c.get("manifest/", params=params).json() == {"more": False, "objects": []}
        forbidden, missing = c.delete(f"objects/{fid}/"), c.delete(f"objects/{mid}/")
        assert_taxii_error(forbidden, 404)
        _same_answer(forbidden, missing, fid, mid)
    with world.node.db.session() as session:  # still stored, only hidden
        assert session.scalar(select(ObjectVersion.pk).where(ObjectVersion.stix_id == fid))


# --- releasability for a peer principal ----------------------------------------------------


def expected_versions(world: World, org: str) -> dict[str, list[str]]:
    """Recomputed from the stored JSON: version -> readable by org, per DESIGN.md."""
    with world.node.db.session() as session:
        rows = session.execute(
            select(ObjectVersion.stix_id, ObjectVersion.body, ObjectVersion.is_current).order_by(
                ObjectVersion.added_at, ObjectVersion.pk
            )
        ).all()
    bodies = [(sid, json.loads(body), current) for sid, body, current in rows]
    release_to: dict[str, set[str]] = {}
    for _, obj, _ in bodies:
        ext = (obj.get("extensions") or {}).get(RELEASE_SET_EXTENSION_ID)
        if obj["type"] == "marking-definition" and ext is not None:
            release_to[obj["id"]] = set(ext.get("release_to", []))

    def readable(obj: dict[str, Any]) -> bool:
        originator = obj.get("created_by_ref") or world.node.org_id
        own = release_to.get(obj["id"]) if obj["type"] == "marking-definition" else None
        members = set(own or set())
        for ref in obj.get("object_marking_refs") or []:
            members |= release_to.get(ref, set())
        return org in (originator, *members)

    current_ok = {sid for sid, obj, current in bodies if current and readable(obj)}
    out: dict[str, list[str]] = {}
    for sid, obj, _ in bodies:
        if sid in current_ok and readable(obj):
            out.setdefault(sid, []).append(version_of(obj))
    return out


@pytest.mark.parametrize("who", ["peer", "admin"])
def test_get_objects_every_page_serves_exactly_what_the_release_sets_allow(
    world: World, who: str
) -> None:
    org = MALI if who == "peer" else world.node.org_id
    expected = expected_versions(world, org)
    coll = collection(world, who)
    served: dict[str, list[str]] = {}
    pages = list(as_pages(coll.get_objects, per_request=9, version="all"))
    assert len(pages) > 3
    for page in pages:
        for obj in page["objects"]:
            served.setdefault(obj["id"], []).append(version_of(obj))
    assert {k: sorted(v) for k, v in served.items()} == {k: sorted(v) for k, v in expected.items()}
    manifest = [
        e for p in as_pages(coll.get_manifest, per_request=9, version="all") for e in p["objects"]
    ]
    assert sorted({e["id"] for e in manifest}) == sorted(expected)
    assert len(manifest) == sum(map(len, expected.values()))
    if who == "peer":
        assert world.to_mali <= expected.keys()
        assert (
            not (world.not_to_mali | {world.niger_private, world.niger_to_algeria})
            & expected.keys()
        )
        assert world.niger_secret in expected  # relayed: Niger released it to Mali
        assert expected[world.widened] == world.widened_modified[1:]


def test_get_objects_match_version_first_for_peer_is_the_first_version_it_may_read(
    world: World,
) -> None:
    """Mali may read only v2 of `widened` (v1 was Algeria's alone). A version Mali may
    not read must not change its answers: `first` is then v2, as `all` and `last` say."""
    coll = collection(world, "peer")
    v2 = world.widened_modified[1]
    assert [
        o["modified"] for o in coll.get_objects(id=world.widened, version="all")["objects"]
    ] == [v2]
    assert coll.object_versions(world.widened)["versions"] == [v2]
    first = coll.get_objects(id=world.widened, version="first")["objects"]
    assert [o["modified"] for o in first] == [v2]


def test_peer_single_object_and_versions_obey_release_sets(world: World) -> None:
    expected = expected_versions(world, MALI)
    with world.node.db.session() as session:
        stored = set(session.scalars(select(ObjectVersion.stix_id)))
    hidden = stored - expected.keys()
    assert hidden >= world.not_to_mali
    with client(world, "peer") as c:
        for sid in sorted(hidden):
            assert_taxii_error(c.get(f"objects/{sid}/"), 404)
            assert_taxii_error(c.get(f"objects/{sid}/versions/"), 404)
        for sid in sorted(world.to_mali | {world.niger_secret}):
            r = c.get(f"objects/{sid}/", params={"match[version]": "all"})
            assert [version_of(o) for o in r.json()["objects"]] == expected[sid]
            versions = c.get(f"objects/{sid}/versions/").json()["versions"]
            assert versions == expected[sid]


# --- delete --------------------------------------------------------------------------------


def _audit(world: World, action: str, target: str) -> list[AuditEntry]:
    with world.node.db.session() as session:
        return list(
            session.scalars(
                select(AuditEntry).where(AuditEntry.action == action, AuditEntry.target == target)
            )
        )


def test_delete_object_by_admin_of_originator_removes_every_version_and_is_audited(
    world: World,
) -> None:
    sid = world.create("to be deleted", [MALI, NIGER])
    world.update(sid, name="to be deleted, v2")
    coll = collection(world, "admin")
    assert len(coll.get_object(sid, version="all")["objects"]) == 2
    coll.delete_object(sid)
    with client(world) as c:
        assert_taxii_error(c.get(f"objects/{sid}/"), 404)
        assert_taxii_error(c.get(f"objects/{sid}/versions/"), 404)
        assert c.get("manifest/", params={"match[id]": sid}).json()["objects"] == []
    with client(world, "peer") as c:
        assert_taxii_error(c.get(f"objects/{sid}/"), 404)
    (entry,) = _audit(world, "object.delete", sid)
    assert entry.actor == "admin"
    assert json.loads(entry.detail) == {"versions": 2}


def test_delete_object_match_version_last_restores_the_previous_version(world: World) -> None:
    sid = world.create("three versions", [MALI])
    v2 = world.update(sid, name="second")
    v3 = world.update(sid, name="third")
    with client(world) as c:
        r = c.delete(f"objects/{sid}/", params={"match[version]": "last"})
        assert r.status_code == 200, r.text
        (current,) = c.get(f"objects/{sid}/").json()["objects"]
        assert current["modified"] == v2 and current["name"] == "second"
        versions = c.get(f"objects/{sid}/versions/").json()["versions"]
    assert v3 not in versions and versions[-1] == v2 and len(versions) == 2
    with client(world, "peer") as c:
        (seen,) = c.get("objects/", params={"match[id]": sid}).json()["objects"]
        assert seen["modified"] == v2


@pytest.mark.parametrize("who", ["analyst", "viewer", "peer"])
def test_delete_object_by_non_admin_is_refused_and_object_kept(world: World, who: str) -> None:
    sid = world.create(f"not deletable by {who}", [MALI])
    with client(world, who) as c:
        assert_taxii_error(c.delete(f"objects/{sid}/"), 403)
        assert len(c.get(f"objects/{sid}/").json()["objects"]) == 1
    assert _audit(world, "object.delete", sid) == []


def test_delete_object_originated_elsewhere_is_refused_even_to_admin(world: World) -> None:
    with client(world) as c:
        assert_taxii_error(c.delete(f"objects/{world.niger_to_algeria}/"), 403)
        assert len(c.get(f"objects/{world.niger_to_algeria}/").json()["objects"]) == 1
        assert_taxii_error(c.delete(f"objects/{world.niger_secret}/"), 404)
    assert _audit(world, "object.delete", world.niger_to_algeria) == []


# --- compression ---------------------------------------------------------------------------


def _raw(world: World, accept_encoding: str) -> httpx.Response:
    with (
        client(world) as c,
        c.stream(
            "GET", "objects/", params={"limit": 150}, headers={"Accept-Encoding": accept_encoding}
        ) as r,
    ):
        r.raw_bytes = b"".join(r.iter_raw())  # type: ignore[attr-defined]
        return r


@pytest.mark.parametrize(
    ("offered", "encoding"), [("zstd", "zstd"), ("gzip", "gzip"), ("gzip, zstd", "zstd")]
)
def test_get_objects_compressed_response_decodes_to_the_same_json(
    world: World, offered: str, encoding: str
) -> None:
    plain = _raw(world, "identity")
    assert "content-encoding" not in plain.headers
    document = json.loads(plain.raw_bytes)  # type: ignore[attr-defined]
    assert len(document["objects"]) >= 100
    packed = _raw(world, offered)
    assert packed.headers["content-encoding"] == encoding
    assert "accept-encoding" in packed.headers.get("vary", "").lower()
    wire: bytes = packed.raw_bytes  # type: ignore[attr-defined]
    assert int(packed.headers["content-length"]) == len(wire)
    if encoding == "zstd":
        data = zstandard.ZstdDecompressor().decompressobj().decompress(wire)
    else:
        data = gzip.decompress(wire)
    assert json.loads(data) == document
    assert packed.headers["x-taxii-date-added-last"] == plain.headers["x-taxii-date-added-last"]
    ratio = len(wire) / len(plain.raw_bytes)  # type: ignore[attr-defined]
    print(f"[{world.backend}] {encoding}: {len(wire)} of {len(data)} bytes, ratio {ratio:.3f}")
    assert len(wire) < len(plain.raw_bytes)  # type: ignore[attr-defined]


# --- every object served is valid STIX 2.1 ----------------------------------------------


def test_get_objects_every_version_served_validates_with_stix2_validator(world: World) -> None:
    objects = [
        o
        for page in as_pages(collection(world).get_objects, per_request=200, version="all")
        for o in page["objects"]
    ]
    objects += [
        o
        for page in as_pages(collection(world, "peer").get_objects, per_request=200, version="all")
        for o in page["objects"]
    ]
    assert len(objects) > 100
    options = ValidationOptions(strict=False)
    failures: dict[tuple[str, str], list[str]] = {}
    for obj in objects:
        result = validate_instance(obj, options)
        if not result.is_valid:
            failures[(obj["id"], version_of(obj))] = [str(e) for e in result.errors]
    report = "\n".join(f"{sid} @ {v}: {msgs}" for (sid, v), msgs in sorted(failures.items()))
    assert not failures, f"{len(failures)} served object versions are not valid STIX 2.1:\n{report}"
