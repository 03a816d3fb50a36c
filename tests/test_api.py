"""The REST API under /api, over real HTTP against a live node (SQLite and PostgreSQL).

Most tests share one node per module (`shared_*` fixtures) and look only at the records
they make; tests that need a pristine node use `node` / `admin_client`.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest
import stix2
from sqlalchemy import func, select, update
from stix2validator import ValidationOptions, validate_instance, validate_string

from conftest import MALI_ID, LiveServer
from factories import member_key
from hoggar.auth.models import ApiToken
from hoggar.context import Node
from hoggar.kernel.clock import parse_stix, utcnow
from hoggar.kernel.ids import new_id
from hoggar.kernel.signing import SIGNATURE_PROPERTY, verify_object
from hoggar.sharing.markings import TLP, TLP2_IDS, ReleaseSet
from hoggar.stix.extensions import INCIDENT_EXTENSION_ID
from hoggar.stix.models import ObjectVersion

PROBLEM_JSON = "application/problem+json"
PASSWORD = "a-long-enough-password"
TS = "2025-03-01T10:00:00.000Z"
NIGER_ID = "identity--0c7e4b1d-3f5a-4a2e-8b9d-6e1f2a3b4c5d"


# --- helpers -----------------------------------------------------------------------


def problem(r: httpx.Response, status: int) -> dict[str, Any]:
    """Assert r is an RFC 9457 problem with this status; return its body."""
    assert r.status_code == status, f"{r.status_code} {r.text}"
    assert r.headers["content-type"].startswith(PROBLEM_JSON), r.headers["content-type"]
    body: dict[str, Any] = r.json()
    for key in ("type", "title", "status", "detail", "instance"):
        assert key in body, f"problem lacks {key!r}: {body}"
    assert body["status"] == status
    assert body["detail"]
    return body


def where(body: dict[str, Any]) -> set[str]:
    return {e["where"] for e in body.get("errors", [])}


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def draft_incident(
    name: str,
    *,
    event_type: str = "ambush",
    country: str = "DZ",
    killed: int = 0,
    kidnapped: int = 0,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "type": "incident",
        "name": name,
        "extensions": {
            INCIDENT_EXTENSION_ID: {
                "extension_type": "property-extension",
                "event_type": event_type,
                "country": country,
                "killed": killed,
                "kidnapped": kidnapped,
            }
        },
        **extra,
    }


def create(
    client: httpx.Client,
    obj: dict[str, Any],
    tlp: str = "amber",
    release_to: list[str] | None = None,
) -> dict[str, Any]:
    r = client.post(
        "/api/objects",
        json={
            "object": obj,
            "sharing": {"tlp": tlp, "release_to": release_to or [], "disclose_recipients": True},
        },
    )
    assert r.status_code == 201, r.text
    result: dict[str, Any] = r.json()
    return result


def import_bundle(client: httpx.Client, objects: list[dict[str, Any]]) -> dict[str, Any]:
    bundle = {"type": "bundle", "id": new_id("bundle"), "objects": objects}
    r = client.post("/api/bundles", content=json.dumps(bundle))
    assert r.status_code == 200, r.text
    result: dict[str, Any] = r.json()
    return result


def listed(client: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    r = client.get("/api/objects", params={"limit": 1000, **params})
    assert r.status_code == 200, r.text
    assert r.json()["next_cursor"] is None
    objects: list[dict[str, Any]] = r.json()["objects"]
    return objects


def list_ids(client: httpx.Client, **params: Any) -> list[str]:
    return [o["id"] for o in listed(client, **params)]


def count(client: httpx.Client, **params: Any) -> int:
    r = client.get("/api/stats/count", params=params)
    assert r.status_code == 200, r.text
    n: int = r.json()["count"]
    return n


def versions(client: httpx.Client, sid: str) -> list[dict[str, Any]]:
    r = client.get(f"/api/objects/{sid}/versions")
    assert r.status_code == 200, r.text
    result: list[dict[str, Any]] = r.json()["versions"]
    return result


def audit(client: httpx.Client, action: str) -> list[dict[str, Any]]:
    r = client.get("/api/audit", params={"action": action, "limit": 1000})
    assert r.status_code == 200, r.text
    entries: list[dict[str, Any]] = r.json()["entries"]
    return entries


@contextmanager
def sign_in(url: str, username: str, password: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=url, timeout=30) as client:
        r = client.post("/api/session", json={"username": username, "password": password})
        assert r.status_code == 200, r.text
        client.headers["x-csrf-token"] = r.json()["csrf_token"]
        yield client


def add_user(admin: httpx.Client, role: str) -> str:
    username = unique(role)
    r = admin.post("/api/users", json={"username": username, "password": PASSWORD, "role": role})
    assert r.status_code == 201, r.text
    return username


def register(admin: httpx.Client, identity_id: str, name: str, country: str) -> None:
    r = admin.post(
        "/api/organizations",
        json={
            "identity_id": identity_id,
            "name": name,
            "country": country,
            "public_key": member_key(identity_id),
        },
    )
    assert r.status_code == 201, r.text


def new_token(admin: httpx.Client, **body: Any) -> tuple[int, dict[str, str]]:
    r = admin.post("/api/tokens", json={"name": "test", **body})
    assert r.status_code == 201, r.text
    return r.json()["id"], {"authorization": f"Bearer {r.json()['token']}"}


@pytest.fixture
def anon(shared_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=shared_server.url, timeout=30) as client:
        yield client


@pytest.fixture
def bearer(shared_admin: httpx.Client, shared_server: LiveServer) -> Iterator[httpx.Client]:
    """A client authenticated only by an API token of the admin (no cookie, no CSRF)."""
    _, headers = new_token(shared_admin)
    with httpx.Client(base_url=shared_server.url, timeout=30, headers=headers) as client:
        yield client


# --- authentication ----------------------------------------------------------------


def test_health_without_credentials_answers_ok(anon: httpx.Client) -> None:
    r = anon.get("/api/health")
    assert r.status_code == 200
    assert r.json()["status"] == "ok"


# Every operation under /api; the test checks this list against the OpenAPI document.
PROTECTED = [
    ("GET", "/api/objects"),
    ("POST", "/api/objects"),
    ("GET", "/api/search?q=x"),
    ("GET", "/api/stats/count"),
    ("GET", "/api/stats/aggregate"),
    ("GET", "/api/objects/{stix_id}"),
    ("PATCH", "/api/objects/{stix_id}"),
    ("PUT", "/api/objects/{stix_id}/sharing"),
    ("POST", "/api/objects/{stix_id}/revoke"),
    ("GET", "/api/objects/{stix_id}/versions"),
    ("GET", "/api/sharing/preview?tlp=amber"),
    ("POST", "/api/bundles"),
    ("GET", "/api/bundles/export"),
    ("GET", "/api/me"),
    ("GET", "/api/users"),
    ("POST", "/api/users"),
    ("PATCH", "/api/users/{username}"),
    ("GET", "/api/tokens"),
    ("POST", "/api/tokens"),
    ("DELETE", "/api/tokens/{token_id}"),
    ("GET", "/api/organizations"),
    ("POST", "/api/organizations"),
    ("GET", "/api/audit"),
    ("GET", "/api/audit/verify"),
    ("GET", "/api/sources/articles"),
    ("POST", "/api/sources/articles"),
    ("GET", "/api/sources/articles/{article_id}"),
    ("GET", "/api/sources/drafts/{draft_id}/form"),
    ("POST", "/api/sources/drafts/{draft_id}/reject"),
    ("GET", "/api/sources/feeds"),
    ("POST", "/api/sources/feeds"),
    ("POST", "/api/sources/feeds/{feed_id}/fetch"),
    ("GET", "/api/meetings"),
    ("POST", "/api/meetings"),
    ("GET", "/api/meetings/{meeting_id}"),
    ("GET", "/api/actions"),
    ("POST", "/api/actions/{action_id}/updates"),
]
PUBLIC = {("GET", "/api/health"), ("POST", "/api/session"), ("DELETE", "/api/session")}


def test_every_endpoint_without_credentials_answers_401_problem_json(anon: httpx.Client) -> None:
    spec = anon.get("/api/openapi.json").json()
    operations = {
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if path.startswith("/api/")
    }
    covered = {(m, p.split("?")[0]) for m, p in PROTECTED}
    assert operations - PUBLIC <= covered, f"untested: {sorted(operations - PUBLIC - covered)}"
    fill = {
        "{stix_id}": new_id("incident"),
        "{username}": "admin",
        "{token_id}": "1",
        "{article_id}": "1",
        "{draft_id}": "1",
        "{feed_id}": "1",
        "{meeting_id}": "x-hoggar-meeting--00000000-0000-4000-8000-000000000000",
        "{action_id}": "x-hoggar-action-item--00000000-0000-4000-8000-000000000000",
    }
    failures = []
    for method, template in PROTECTED:
        path = template
        for key, value in fill.items():
            path = path.replace(key, value)
        r = anon.request(method, path)
        ok = (
            r.status_code == 401
            and r.headers.get("content-type", "").startswith(PROBLEM_JSON)
            and r.json().get("status") == 401
            and r.json().get("instance") == path.split("?")[0]
            and {"type", "title", "detail"} <= r.json().keys()
        )
        if not ok:
            failures.append(f"{method} {path}: {r.status_code} {r.text[:160]}")
    assert not failures, "\n".join(failures)


def test_bearer_token_authenticates_reads_and_writes_without_csrf(bearer: httpx.Client) -> None:
    r = bearer.get("/api/me")
    assert r.status_code == 200
    assert r.json()["user"]["username"] == "admin"
    created = create(bearer, draft_incident("Token-made incident"))
    assert bearer.get(f"/api/objects/{created['id']}").json() == created


def test_revoked_token_is_refused_401(shared_admin: httpx.Client, anon: httpx.Client) -> None:
    token_id, headers = new_token(shared_admin, name="to revoke")
    assert anon.get("/api/me", headers=headers).status_code == 200
    assert shared_admin.delete(f"/api/tokens/{token_id}").status_code == 204
    body = problem(anon.get("/api/me", headers=headers), 401)
    assert "revoked" in body["detail"]
    tokens = {t["id"]: t for t in shared_admin.get("/api/tokens").json()["tokens"]}
    assert tokens[token_id]["revoked"] is True


def test_expired_token_is_refused_401(
    shared_admin: httpx.Client, anon: httpx.Client, shared_node: Node
) -> None:
    token_id, headers = new_token(shared_admin, name="short", expires_in_days=1)
    assert anon.get("/api/me", headers=headers).status_code == 200
    with shared_node.db.transaction() as session:
        past = utcnow() - timedelta(minutes=1)
        session.execute(update(ApiToken).where(ApiToken.id == token_id).values(expires_at=past))
    body = problem(anon.get("/api/me", headers=headers), 401)
    assert "expired" in body["detail"]


def test_malformed_or_unknown_bearer_token_is_refused_401(anon: httpx.Client) -> None:
    for secret in ("nonsense", "hgr_deadbeef_not-a-real-secret"):
        problem(anon.get("/api/me", headers={"authorization": f"Bearer {secret}"}), 401)


def test_cookie_write_with_wrong_or_missing_csrf_is_refused_403(
    shared_admin: httpx.Client, shared_server: LiveServer
) -> None:
    name = unique("CSRF probe ")
    body = {"object": draft_incident(name), "sharing": {"tlp": "amber"}}
    wrong = shared_admin.post("/api/objects", json=body, headers={"x-csrf-token": "forged"})
    assert "CSRF" in problem(wrong, 403)["detail"]
    with httpx.Client(
        base_url=shared_server.url, cookies=shared_admin.cookies, timeout=30
    ) as no_header:
        problem(no_header.post("/api/objects", json=body), 403)
        problem(no_header.post(f"/api/objects/{new_id('incident')}/revoke"), 403)
    assert list_ids(shared_admin, q=name) == []


def test_login_wrong_password_401_and_failure_audit_entry_is_committed(
    shared_admin: httpx.Client, anon: httpx.Client
) -> None:
    username = add_user(shared_admin, "analyst")
    r = anon.post("/api/session", json={"username": username, "password": "wrong-password!"})
    assert "password" in problem(r, 401)["detail"].lower()
    assert "hoggar_session" not in r.cookies
    ghost = unique("nobody")
    problem(anon.post("/api/session", json={"username": ghost, "password": "whatever12"}), 401)
    targets = [e["target"] for e in audit(shared_admin, "auth.login_failed")]
    assert f"user:{username}" in targets
    assert f"user:{ghost}" in targets
    assert shared_admin.get("/api/audit/verify").json()["ok"] is True


def test_write_is_committed_before_its_response_arrives(
    shared_admin: httpx.Client, bearer: httpx.Client
) -> None:
    """Back-to-back requests of one client: each sees the previous one's writes, and none
    fails on a transaction the previous request still holds open."""
    failures = []
    for i in range(20):
        try:
            r = shared_admin.post(
                "/api/objects",
                json={"object": draft_incident(f"Sequential {i}"), "sharing": {"tlp": "amber"}},
            )
            if r.status_code != 201:
                failures.append(f"create {i}: {r.status_code}")
                continue
            place = {"type": "location", "spec_version": "2.1", "id": new_id("location")}
            place |= {"created": TS, "modified": TS, "country": "DZ"}
            b = shared_admin.post(
                "/api/bundles", json={"type": "bundle", "id": new_id("bundle"), "objects": [place]}
            )
            if b.status_code != 200:
                failures.append(f"import after create {i}: {b.status_code}")
            seen = bearer.get(f"/api/objects/{r.json()['id']}")
            if seen.status_code != 200:
                failures.append(f"read after create {i}: {seen.status_code}")
        except httpx.TransportError as exc:
            failures.append(f"request {i}: connection dropped ({exc!r})")
    assert not failures, failures


# --- object life cycle -------------------------------------------------------------


def test_incident_create_read_patch_gives_two_signed_versions_oldest_first(
    shared_admin: httpx.Client, shared_node: Node
) -> None:
    created = create(shared_admin, draft_incident("Ambush near Tin Zaouatine", killed=3))
    sid = created["id"]
    assert sid.startswith("incident--")
    assert created["created_by_ref"] == shared_node.org_id
    own_only = ReleaseSet(creator=shared_node.org_id, members=frozenset()).marking_id
    assert created["object_marking_refs"] == [TLP2_IDS[TLP.AMBER], own_only]
    assert shared_admin.get(f"/api/objects/{sid}").json() == created

    r = shared_admin.patch(f"/api/objects/{sid}", json={"changes": {"description": "3 killed"}})
    assert r.status_code == 200, r.text
    updated = r.json()
    assert updated["description"] == "3 killed"
    assert updated["created"] == created["created"]
    assert parse_stix(updated["modified"]) > parse_stix(created["modified"])
    assert shared_admin.get(f"/api/objects/{sid}").json() == updated

    history = versions(shared_admin, sid)
    assert history == [created, updated]
    for v in history:
        assert SIGNATURE_PROPERTY in v
        verify_object(v, shared_node.signer.public_b64)  # raises if the signature is wrong


def test_sharing_change_issues_new_version_with_new_release_set(
    shared_admin: httpx.Client, shared_node: Node
) -> None:
    register(shared_admin, MALI_ID, "Mali", "ML")
    sid = create(shared_admin, draft_incident("Convoy attacked"))["id"]
    r = shared_admin.put(
        f"/api/objects/{sid}/sharing",
        json={"tlp": "green", "release_to": [MALI_ID], "disclose_recipients": True},
    )
    assert r.status_code == 200, r.text
    to_mali = ReleaseSet(creator=shared_node.org_id, members=frozenset({MALI_ID})).marking_id
    assert r.json()["object_marking_refs"] == [TLP2_IDS[TLP.GREEN], to_mali]
    assert len(versions(shared_admin, sid)) == 2
    assert sid in list_ids(shared_admin, tlp="green")
    assert sid not in list_ids(shared_admin, tlp="amber")
    changes = [e for e in audit(shared_admin, "object.share_change") if e["target"] == sid]
    assert [json.loads(e["detail"]) for e in changes] == [{"tlp": "green", "release_to": [MALI_ID]}]
    bad = shared_admin.put(
        f"/api/objects/{sid}/sharing", json={"tlp": "amber", "release_to": [NIGER_ID]}
    )
    assert "sharing/release_to" in where(problem(bad, 422))
    assert len(versions(shared_admin, sid)) == 2


def test_revoked_object_leaves_lists_and_refuses_changes_409(shared_admin: httpx.Client) -> None:
    sid = create(shared_admin, draft_incident("Reported in error"))["id"]
    r = shared_admin.post(f"/api/objects/{sid}/revoke")
    assert r.status_code == 200, r.text
    assert r.json()["revoked"] is True
    assert sid not in list_ids(shared_admin)
    assert sid in list_ids(shared_admin, include_revoked="true")
    problem(shared_admin.patch(f"/api/objects/{sid}", json={"changes": {"name": "x"}}), 409)
    problem(shared_admin.put(f"/api/objects/{sid}/sharing", json={"tlp": "red"}), 409)
    problem(shared_admin.post(f"/api/objects/{sid}/revoke"), 409)
    assert len(versions(shared_admin, sid)) == 2


def test_create_with_server_owned_properties_422_names_each(shared_admin: httpx.Client) -> None:
    sid = new_id("incident")
    obj = draft_incident(
        "Forged",
        id=sid,
        created_by_ref=MALI_ID,
        modified=TS,
        object_marking_refs=[TLP2_IDS[TLP.CLEAR]],
        x_hoggar_signature={"alg": "Ed25519", "kid": "x", "sig": "y"},
    )
    r = shared_admin.post("/api/objects", json={"object": obj, "sharing": {"tlp": "amber"}})
    assert where(problem(r, 422)) == {
        "/created_by_ref",
        "/modified",
        "/object_marking_refs",
        "/x_hoggar_signature",
    }
    problem(shared_admin.get(f"/api/objects/{sid}"), 404)
    assert create(shared_admin, draft_incident("Own id", id=sid))["id"] == sid


def test_create_with_id_of_existing_object_409_and_keeps_it(shared_admin: httpx.Client) -> None:
    first = create(shared_admin, draft_incident("Original report"))
    again = {"object": draft_incident("Overwrite", id=first["id"]), "sharing": {"tlp": "clear"}}
    problem(shared_admin.post("/api/objects", json=again), 409)
    assert shared_admin.get(f"/api/objects/{first['id']}").json() == first
    assert len(versions(shared_admin, first["id"])) == 1


def test_patch_server_owned_property_422(shared_admin: httpx.Client) -> None:
    sid = create(shared_admin, draft_incident("Immutable id"))["id"]
    for prop, value in (("id", new_id("incident")), ("type", "report"), ("created", TS)):
        r = shared_admin.patch(f"/api/objects/{sid}", json={"changes": {prop: value}})
        assert f"/{prop}" in where(problem(r, 422)), prop
    assert len(versions(shared_admin, sid)) == 1


# --- roles -------------------------------------------------------------------------


def test_viewer_reads_but_writes_403(shared_admin: httpx.Client, shared_server: LiveServer) -> None:
    sid = create(shared_admin, draft_incident("Seen by the viewer"))["id"]
    viewer_name = add_user(shared_admin, "viewer")
    attempt = unique("Viewer write ")
    with sign_in(shared_server.url, viewer_name, PASSWORD) as viewer:
        assert viewer.get(f"/api/objects/{sid}").status_code == 200
        assert sid in list_ids(viewer)
        body = {"object": draft_incident(attempt), "sharing": {"tlp": "amber"}}
        problem(viewer.post("/api/objects", json=body), 403)
        problem(viewer.patch(f"/api/objects/{sid}", json={"changes": {"name": attempt}}), 403)
        problem(viewer.post(f"/api/objects/{sid}/revoke"), 403)
        incident = {**draft_incident(attempt), "spec_version": "2.1", "id": new_id("incident")}
        incident |= {"created": TS, "modified": TS}
        bundle = {"type": "bundle", "id": new_id("bundle"), "objects": [incident]}
        problem(viewer.post("/api/bundles", json=bundle), 403)
        # Disabling the account ends its session.
        r = shared_admin.patch(f"/api/users/{viewer_name}", json={"active": False})
        assert r.status_code == 200
        problem(viewer.get("/api/objects"), 401)
    assert list_ids(shared_admin, q=attempt) == []
    assert len(versions(shared_admin, sid)) == 1


def test_non_admin_users_and_audit_endpoints_403(
    shared_admin: httpx.Client, shared_server: LiveServer
) -> None:
    analyst_name = add_user(shared_admin, "analyst")
    intruder = unique("eve")
    with sign_in(shared_server.url, analyst_name, PASSWORD) as analyst:
        assert analyst.get("/api/me").json()["user"]["role"] == "analyst"
        problem(analyst.get("/api/users"), 403)
        new_user = {"username": intruder, "password": PASSWORD, "role": "admin"}
        problem(analyst.post("/api/users", json=new_user), 403)
        problem(analyst.patch(f"/api/users/{analyst_name}", json={"role": "admin"}), 403)
        problem(analyst.get("/api/audit"), 403)
        problem(analyst.get("/api/audit/verify"), 403)
        org = {"identity_id": NIGER_ID, "name": "Niger", "country": "NE"}
        problem(analyst.post("/api/organizations", json=org), 403)
    users = {u["username"]: u for u in shared_admin.get("/api/users").json()["users"]}
    assert intruder not in users
    assert users[analyst_name]["role"] == "analyst"
    orgs = shared_admin.get("/api/organizations").json()["organizations"]
    assert NIGER_ID not in {o["identity_id"] for o in orgs}


# --- lists, filters, pagination ------------------------------------------------------


def test_area_and_sub_type_filters_select_exactly_the_matching_incidents(
    shared_admin: httpx.Client,
) -> None:
    tag = unique("zq")

    def at(name: str, lat: float, lon: float, sub_type: str = "ambush") -> str:
        obj = draft_incident(f"{name} {tag}", event_type=sub_type)
        ext = obj["extensions"][INCIDENT_EXTENSION_ID]
        ext.update(latitude=lat, longitude=lon, sub_type=sub_type)
        return str(create(shared_admin, obj)["id"])

    tamanrasset = at("Tamanrasset", 22.785, 5.5228)
    in_guezzam = at("In Guezzam", 19.5686, 5.7686, "arms_seizure")
    gao = at("Gao", 16.2717, -0.0447)
    edge = at("On the box's edge", 20.0, 7.0)
    mine = {tamanrasset, in_guezzam, gao, edge}

    def only(**params: Any) -> set[str]:
        return set(list_ids(shared_admin, q=tag, **params)) & mine

    # west,south,east,north: the south of Algeria, bounds included.
    assert only(bbox="3,19,7,23.5") == {tamanrasset, in_guezzam, edge}
    assert only(bbox="-1,15,1,17") == {gao}
    assert only(bbox="-1,15,1,17", type="incident") == {gao}
    assert only(bbox="170,0,-170,10") == set()  # across the antimeridian, far away
    assert only(sub_type="arms_seizure") == {in_guezzam}
    assert only(sub_type=["arms_seizure", "ambush"], bbox="5,19,6,20") == {in_guezzam}
    assert count(shared_admin, q=tag, bbox="3,19,7,23.5") == 3
    for bad, message in (
        ("3,19,7", "four numbers"),
        ("3,19,x,23", "four numbers"),
        ("3,25,7,19", "off the map"),
        ("200,19,7,23", "off the map"),
    ):
        body = problem(shared_admin.get("/api/objects", params={"bbox": bad}), 422)
        assert where(body) == {"bbox"}
        assert message in body["detail"] + body["title"]


def test_list_filters_select_exactly_the_matching_objects(
    shared_admin: httpx.Client, shared_node: Node
) -> None:
    register(shared_admin, MALI_ID, "Mali", "ML")
    tag = unique("zq")  # a word only this test's records carry
    dz_amber = create(shared_admin, draft_incident(f"Ambush at In Guezzam {tag}"))["id"]
    dz_green = create(
        shared_admin,
        draft_incident(f"Arms cache found near Djanet {tag}", event_type="arms_seizure"),
        "green",
    )["id"]
    ne_red = create(
        shared_admin, draft_incident(f"Kidnapping at Arlit {tag}", country="NE"), "red"
    )["id"]
    place = create(
        shared_admin,
        {"type": "location", "name": f"Bordj Badji Mokhtar {tag}", "country": "DZ"},
        "clear",
    )["id"]
    # A record of Mali released to Algeria, older than everything created above.
    to_us = ReleaseSet(creator=MALI_ID, members=frozenset({shared_node.org_id}))
    ml_inc = {
        **draft_incident(f"Attaque à Tessalit {tag}", country="ML"),
        "spec_version": "2.1",
        "id": new_id("incident"),
        "created": TS,
        "modified": TS,
        "created_by_ref": MALI_ID,
        "object_marking_refs": [TLP2_IDS[TLP.GREEN], to_us.marking_id],
    }
    import_bundle(shared_admin, [to_us.to_marking(TS), ml_inc])
    ml = ml_inc["id"]
    mine = {dz_amber, dz_green, ne_red, place, ml}

    def only(**params: Any) -> set[str]:
        return set(list_ids(shared_admin, **params)) & mine

    assert set(list_ids(shared_admin, q=tag)) == mine
    assert only(type="incident") == {dz_amber, dz_green, ne_red, ml}
    assert only(type="location") == {place}
    assert only(type=["location", "incident"]) == mine
    assert only(tlp="green") == {dz_green, ml}
    assert only(tlp="TLP:RED") == {ne_red}
    assert only(tlp="amber") == {dz_amber}
    assert only(tlp="clear") == {place}
    assert only(originator=MALI_ID) == {ml}
    assert {o.get("created_by_ref") for o in listed(shared_admin, originator=MALI_ID)} == {MALI_ID}
    assert only(originator=shared_node.org_id) == mine - {ml}
    assert only(country="NE") == {ne_red}
    assert only(country="ml") == {ml}
    assert only(country="DZ") == {dz_amber, dz_green, place}
    assert only(event_type="arms_seizure") == {dz_green}
    assert only(modified_after="2025-06-01T00:00:00Z") == mine - {ml}
    assert only(modified_before="2025-06-01T00:00:00+01:00") == {ml}
    assert only(q="djanet") == {dz_green}
    assert only(q="ARLIT kidnapping") == {ne_red}
    assert only(q="tessalit") == {ml}
    assert only(q="nowhere-to-be-found") == set()
    assert only(type="incident", country="DZ", tlp="green") == {dz_green}
    r = shared_admin.get("/api/objects", params={"modified_after": "2025-06-01T00:00:00"})
    assert "modified_after" in where(problem(r, 422))
    assert "tlp" in where(problem(shared_admin.get("/api/objects", params={"tlp": "pink"}), 422))
    r = shared_admin.get("/api/search", params={"q": f"guezzam {tag}"})
    assert [o["id"] for o in r.json()["objects"]] == [dz_amber]


def _walk(client: httpx.Client, **params: Any) -> tuple[list[str], int]:
    seen: list[str] = []
    pages = 0
    cursor = None
    while True:
        page = client.get(
            "/api/objects", params={"limit": 7, **params, **({"cursor": cursor} if cursor else {})}
        ).json()
        pages += 1
        assert len(page["objects"]) <= 7
        seen += [o["id"] for o in page["objects"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return seen, pages
        assert len(page["objects"]) == 7


def test_list_cursor_pagination_walks_every_object_exactly_once(
    shared_admin: httpx.Client,
) -> None:
    tag = unique("page")
    objects = [
        {
            "type": "incident",
            "spec_version": "2.1",
            "id": new_id("incident"),
            "created": TS,
            "modified": TS,
            "name": f"Incident {i} {tag}",
        }
        for i in range(25)
    ]
    assert import_bundle(shared_admin, objects)["counts"] == {"created": 25}
    everything = list_ids(shared_admin)
    assert {o["id"] for o in objects} <= set(everything)

    seen, pages = _walk(shared_admin)
    assert sorted(seen) == sorted(everything)
    assert len(seen) == len(set(seen))
    assert pages == -(-len(everything) // 7)
    mine, pages = _walk(shared_admin, q=tag)
    assert sorted(mine) == sorted(o["id"] for o in objects)
    assert pages == 4


def test_list_garbage_cursor_422_names_cursor(shared_admin: httpx.Client) -> None:
    garbage = {
        "not base64": "garbage!",
        "not a number": "djE6YWJj",
        "not UTF-8": base64.urlsafe_b64encode(b"\xff\xfe").decode(),
        "unknown version": "djI6MTA",
    }
    for label, cursor in garbage.items():
        body = problem(shared_admin.get("/api/objects", params={"cursor": cursor}), 422)
        assert where(body) == {"cursor"}, label


def test_list_cursor_with_out_of_range_number_422_names_cursor(
    shared_admin: httpx.Client, shared_server: LiveServer
) -> None:
    huge = base64.urlsafe_b64encode(f"v1:{10**30}".encode()).decode().rstrip("=")
    # A connection of its own, so that a crashed request cannot disturb other tests.
    with httpx.Client(
        base_url=shared_server.url, cookies=shared_admin.cookies, timeout=30
    ) as client:
        try:
            r = client.get("/api/objects", params={"cursor": huge})
        except httpx.TransportError as exc:
            pytest.fail(f"the server dropped the connection instead of answering 422: {exc!r}")
    assert where(problem(r, 422)) == {"cursor"}


# --- releasability: another organization's records ------------------------------------


def _assert_answers_like_unknown(client: httpx.Client, foreign: str) -> None:
    unknown = new_id(foreign.split("--")[0])
    probes = [
        ("GET", "/api/objects/{}", None),
        ("GET", "/api/objects/{}/versions", None),
        ("PATCH", "/api/objects/{}", {"changes": {"name": "x"}}),
        ("PUT", "/api/objects/{}/sharing", {"tlp": "amber", "release_to": []}),
        ("POST", "/api/objects/{}/revoke", None),
    ]
    for method, template, body in probes:
        a = client.request(method, template.format(unknown), json=body)
        b = client.request(method, template.format(foreign), json=body)
        label = f"{method} {template}"
        assert a.status_code == 404, label
        assert b.status_code == a.status_code, f"{label}: {b.status_code} {b.text}"
        assert b.headers["content-type"] == a.headers["content-type"], label
        pa, pb = a.json(), b.json()
        assert (pb["type"], pb["title"]) == (pa["type"], pa["title"]), label
        assert pb["detail"].replace(foreign, unknown) == pa["detail"], label
        assert b.content.replace(foreign.encode(), unknown.encode()) == a.content, label


def test_foreign_unreleased_incident_answers_exactly_like_unknown_id(
    shared_admin: httpx.Client, foreign_unreleased: dict[str, str]
) -> None:
    _assert_answers_like_unknown(shared_admin, foreign_unreleased["incident"])


def test_foreign_unreleased_location_answers_exactly_like_unknown_id(
    shared_admin: httpx.Client, foreign_unreleased: dict[str, str]
) -> None:
    _assert_answers_like_unknown(shared_admin, foreign_unreleased["location"])


def test_foreign_unreleased_objects_absent_from_every_read_path(
    shared_admin: httpx.Client, foreign_unreleased: dict[str, str]
) -> None:
    hidden = set(foreign_unreleased.values())
    assert not hidden & set(list_ids(shared_admin, include_revoked="true"))
    assert count(shared_admin, originator=MALI_ID) == len(listed(shared_admin, originator=MALI_ID))
    assert not hidden & set(list_ids(shared_admin, originator=MALI_ID))
    r = shared_admin.get("/api/search", params={"q": "Ménaka"})
    assert not hidden & {o["id"] for o in r.json()["objects"]}
    groups = shared_admin.get(
        "/api/stats/aggregate", params={"group_by": "country", "type": "location"}
    ).json()["groups"]
    ml_locations = listed(shared_admin, type="location", country="ML")
    assert sum(g["count"] for g in groups if g["key"] == "ML") == len(ml_locations)
    exported = shared_admin.get("/api/bundles/export").json()["objects"]
    assert not hidden & {o["id"] for o in exported}


def test_create_with_id_of_foreign_object_does_not_reveal_its_originator(
    shared_admin: httpx.Client, foreign_unreleased: dict[str, str]
) -> None:
    foreign = foreign_unreleased["location"]
    obj = {"type": "location", "id": foreign, "name": "Probe", "country": "DZ"}
    r = shared_admin.post("/api/objects", json={"object": obj, "sharing": {"tlp": "amber"}})
    assert r.status_code in (404, 409, 422), r.text
    assert MALI_ID not in r.text, f"the answer names the hidden object's originator: {r.text}"


# --- bundles -------------------------------------------------------------------------


def stix2_objects() -> list[Any]:
    """A small, stix2-validator-valid scenario built with the stix2 library."""
    place = stix2.v21.Location(
        name="Tamanrasset",
        latitude=22.785,
        longitude=5.5228,
        country="DZ",
        object_marking_refs=[stix2.TLP_GREEN],
    )
    event = stix2.v21.Incident(
        name="Embuscade près de Tamanrasset",
        description="كمين قرب تمنراست",
        object_marking_refs=[stix2.TLP_GREEN],
        extensions={
            INCIDENT_EXTENSION_ID: {
                "extension_type": "property-extension",
                "event_type": "ambush",
                "country": "DZ",
                "killed": 2,
            }
        },
        allow_custom=True,
    )
    unit = stix2.v21.Identity(name="Gendarmerie nationale", identity_class="organization")
    link = stix2.v21.Relationship(event, "located-at", place)
    report = stix2.v21.Report(
        name="Situation report 12",
        published="2025-03-02T00:00:00Z",
        report_types=["threat-report"],
        object_refs=[event.id, place.id, link.id],
    )
    group = stix2.v21.IntrusionSet(name="Katiba Macina", aliases=["كتيبة ماسينا", "FLM"])
    return [stix2.TLP_GREEN, place, event, unit, link, report, group]


def test_bundle_made_with_stix2_imports_with_per_object_results(
    shared_admin: httpx.Client,
) -> None:
    text = stix2.v21.Bundle(*stix2_objects(), allow_custom=True).serialize()
    sent = json.loads(text)["objects"]
    r = shared_admin.post("/api/bundles", content=text)
    assert r.status_code == 200, r.text
    results = {x["id"]: x for x in r.json()["results"]}
    assert set(results) == {o["id"] for o in sent}
    for obj in sent:
        expected = "builtin" if obj["type"] == "marking-definition" else "created"
        assert results[obj["id"]]["outcome"] == expected, results[obj["id"]]
        assert results[obj["id"]]["problems"] == []
        if expected == "created":
            assert shared_admin.get(f"/api/objects/{obj['id']}").json() == obj
    assert r.json()["counts"] == {"builtin": 1, "created": len(sent) - 1}
    again = shared_admin.post("/api/bundles", content=text).json()
    assert again["counts"] == {"builtin": 1, "duplicate": len(sent) - 1}


def test_bundle_with_invalid_objects_rejects_them_with_reasons_and_stores_the_rest(
    shared_admin: httpx.Client, shared_node: Node
) -> None:
    good = [json.loads(o.serialize()) for o in stix2_objects()[1:3]]
    bad_time = json.loads(stix2.v21.Incident(name="Bad time").serialize())
    bad_time["modified"] = "2025-13-45T99:00:00Z"
    no_name = json.loads(stix2.v21.Incident(name="Unnamed").serialize())
    del no_name["name"]
    old_spec = json.loads(stix2.v21.Incident(name="Old spec").serialize())
    old_spec["spec_version"] = "2.0"
    bad = {bad_time["id"]: "/modified", no_name["id"]: "/name", old_spec["id"]: "/spec_version"}
    report = import_bundle(shared_admin, [*good, bad_time, no_name, old_spec])
    results = {x["id"]: x for x in report["results"]}
    assert report["counts"] == {"created": 2, "rejected": 3}
    for sid, pointer in bad.items():
        assert results[sid]["outcome"] == "rejected"
        problems = results[sid]["problems"]
        assert pointer in {p["where"] for p in problems}, problems
        assert all(p["message"] for p in problems)
        problem(shared_admin.get(f"/api/objects/{sid}"), 404)
    for obj in good:
        assert results[obj["id"]]["outcome"] == "created"
        assert shared_admin.get(f"/api/objects/{obj['id']}").json() == obj
    with shared_node.db.session() as session:
        stored = session.scalar(select(func.count()).where(ObjectVersion.stix_id.in_(list(bad))))
    assert stored == 0
    rejected = {e["target"] for e in audit(shared_admin, "object.rejected")}
    assert set(bad) <= rejected
    assert not {o["id"] for o in good} & rejected


def test_bundle_malformed_body_422_and_stores_nothing(shared_admin: httpx.Client) -> None:
    before = count(shared_admin)
    cases = {
        b"this is not JSON": "not valid JSON",
        b'{"type": "bundle", "type": "bundle", "id": "bundle--1", "objects": []}': "duplicate",
        b"\xff\xfe{}": "UTF-8",
        b'{"type": "report", "objects": []}': "not a STIX bundle",
        b'[{"type": "bundle"}]': "not a STIX bundle",
    }
    for body, message in cases.items():
        detail = problem(shared_admin.post("/api/bundles", content=body), 422)
        assert message in json.dumps(detail), (body, detail)
    assert count(shared_admin) == before


def test_bundle_over_size_limit_413(shared_node: Node, shared_admin: httpx.Client) -> None:
    _, headers = new_token(shared_admin, name="small")
    small = Node(
        settings=dataclasses.replace(shared_node.settings, max_body_bytes=1000),
        db=shared_node.db,
        signer=shared_node.signer,
        org_id=shared_node.org_id,
        org_name=shared_node.org_name,
    )
    objects = [json.loads(o.serialize()) for o in stix2_objects()[1:]]
    text = json.dumps({"type": "bundle", "id": new_id("bundle"), "objects": objects})
    assert len(text) > 1000

    def chunks() -> Iterator[bytes]:
        data = text.encode()
        for i in range(0, len(data), 200):
            yield data[i : i + 200]

    with LiveServer(small) as server, httpx.Client(base_url=server.url, headers=headers) as c:
        assert "1000" in problem(c.post("/api/bundles", content=text), 413)["detail"]
        problem(c.post("/api/bundles", content=chunks()), 413)  # no Content-Length
        tiny = {"type": "bundle", "id": new_id("bundle"), "objects": objects[:1]}
        assert c.post("/api/bundles", json=tiny).status_code == 200
    for obj in objects[1:]:
        problem(shared_admin.get(f"/api/objects/{obj['id']}"), 404)
    assert shared_admin.get(f"/api/objects/{objects[0]['id']}").status_code == 200


# --- export --------------------------------------------------------------------------


def _import_valid_bundle(client: httpx.Client, org_id: str) -> list[dict[str, Any]]:
    objects = [json.loads(o.serialize()) for o in stix2_objects()]
    objects[3]["created_by_ref"] = org_id  # one object explicitly ours
    text = json.dumps({"type": "bundle", "id": new_id("bundle"), "objects": objects})
    results = validate_string(text, ValidationOptions(strict=False))
    assert results.is_valid, [str(e) for e in results.errors]
    for obj in objects:
        assert validate_instance(obj, ValidationOptions(strict=False)).is_valid
    r = client.post("/api/bundles", content=text)
    assert r.status_code == 200
    assert "rejected" not in r.json()["counts"]
    return objects


def test_export_returns_every_imported_object_equal_as_json(
    shared_admin: httpx.Client, shared_node: Node
) -> None:
    objects = _import_valid_bundle(shared_admin, shared_node.org_id)
    r = shared_admin.get("/api/bundles/export")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/stix+json")
    bundle = r.json()
    assert bundle["type"] == "bundle"
    exported = {o["id"]: o for o in bundle["objects"]}
    for obj in objects:
        assert exported.get(obj["id"]) == obj, obj["id"]
    last = audit(shared_admin, "bundle.export")[-1]
    assert json.loads(last["detail"])["objects"] >= len(objects) - 1


def test_export_bundle_validates_with_stix2_validator(
    admin_client: httpx.Client, node: Node
) -> None:
    _import_valid_bundle(admin_client, node.org_id)
    register(admin_client, MALI_ID, "Mali", "ML")
    create(admin_client, draft_incident("Shared with Mali", killed=1), "amber", [MALI_ID])
    create(admin_client, draft_incident("Kept at home"), "red")
    text = admin_client.get("/api/bundles/export").text
    results = validate_string(text, ValidationOptions(strict=False))
    assert results.is_valid, "\n".join(str(e) for e in results.errors)


def test_export_lists_each_object_once(admin_client: httpx.Client) -> None:
    register(admin_client, MALI_ID, "Mali", "ML")
    create(admin_client, draft_incident("Shared with Mali"), "amber", [MALI_ID])
    objects = admin_client.get("/api/bundles/export").json()["objects"]
    keys = [(o["id"], o.get("modified", o.get("created"))) for o in objects]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    assert not duplicates, f"exported more than once: {duplicates}"


def test_export_filtered_by_type_holds_those_objects_and_their_definitions(
    shared_admin: httpx.Client,
) -> None:
    sid = create(shared_admin, draft_incident("Only incidents"), "green")["id"]
    place = create(shared_admin, {"type": "location", "name": "Ouargla", "country": "DZ"})["id"]
    objects = shared_admin.get("/api/bundles/export", params={"type": "incident"}).json()["objects"]
    ids = {o["id"] for o in objects}
    assert sid in ids
    assert place not in ids
    assert {o["type"] for o in objects} <= {
        "incident",
        "marking-definition",
        "identity",
        "extension-definition",
    }
    assert {o["id"] for o in objects if o["type"] == "incident"} == set(
        list_ids(shared_admin, type="incident")
    )
    assert TLP2_IDS[TLP.GREEN] in ids
    assert INCIDENT_EXTENSION_ID in ids


# --- OpenAPI -------------------------------------------------------------------------


def test_openapi_document_is_valid_and_lists_objects(anon: httpx.Client) -> None:
    r = anon.get("/api/openapi.json")
    assert r.status_code == 200
    spec = r.json()
    try:
        from openapi_spec_validator import validate  # type: ignore[import-not-found]
    except ImportError:
        assert spec["openapi"].startswith("3.")
        assert spec["info"]["title"]
        assert spec["info"]["version"]
        for path, item in spec["paths"].items():
            assert path.startswith("/")
            for method, op in item.items():
                assert method in {"get", "put", "post", "delete", "patch", "head", "options"}
                assert op.get("responses"), f"{method} {path}"
        for name, schema in spec.get("components", {}).get("schemas", {}).items():
            assert isinstance(schema, dict), name
    else:
        validate(spec)
    assert {"get", "post"} <= spec["paths"]["/api/objects"].keys()
    assert "/api/objects/{stix_id}/versions" in spec["paths"]


# --- counts and aggregates ------------------------------------------------------------


def _killed(objects: list[dict[str, Any]]) -> int:
    return sum(
        (o.get("extensions") or {}).get(INCIDENT_EXTENSION_ID, {}).get("killed", 0) for o in objects
    )


def test_stats_count_and_aggregates_agree_with_the_list(shared_admin: httpx.Client) -> None:
    create(shared_admin, draft_incident("A", killed=3, kidnapped=1), "amber")
    create(shared_admin, draft_incident("B", killed=2, country="ML"), "green")
    event = unique("ied")
    create(shared_admin, draft_incident("C", event_type=event, killed=5, country="NE"), "red")
    create(shared_admin, draft_incident("D", event_type=event, kidnapped=4), "amber+strict")
    create(shared_admin, {"type": "location", "name": "Illizi", "country": "DZ"}, "clear")
    everything = listed(shared_admin)
    total = count(shared_admin)
    assert total == len(everything) >= 5

    for group_by in ("type", "country", "originator", "event_type", "tlp"):
        r = shared_admin.get("/api/stats/aggregate", params={"group_by": group_by})
        assert r.status_code == 200, r.text
        groups = r.json()["groups"]
        assert sum(g["count"] for g in groups) == total, group_by
        assert sum(g["killed"] for g in groups) == _killed(everything), group_by
        for g in groups:
            if g["key"] is None:
                continue
            members = listed(shared_admin, **{group_by: g["key"]})
            assert g["count"] == len(members) == count(shared_admin, **{group_by: g["key"]}), (
                group_by,
                g,
            )
            assert g["killed"] == _killed(members), (group_by, g)
    by_event = {
        g["key"]: g
        for g in shared_admin.get(
            "/api/stats/aggregate", params={"group_by": "event_type", "type": "incident"}
        ).json()["groups"]
    }
    assert (by_event[event]["count"], by_event[event]["killed"], by_event[event]["kidnapped"]) == (
        2,
        5,
        4,
    )


def test_stats_aggregate_unknown_group_by_422(shared_admin: httpx.Client) -> None:
    r = shared_admin.get("/api/stats/aggregate", params={"group_by": "password_hash"})
    assert where(problem(r, 422)) == {"group_by"}


def test_search_without_words_422(shared_admin: httpx.Client) -> None:
    assert where(problem(shared_admin.get("/api/search"), 422)) == {"q"}


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("short-pw", "at least 10"),
        ("Password123!", "first that attackers try"),
        ("AZERTYUIOP", "first that attackers try"),
        ("motdepasse123", "first that attackers try"),
        ("abababababab", "more than three different"),
        ("policyuser2026!", "account name"),
        ("x" * 1025, "at most 1024"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(
    shared_admin: httpx.Client, password: str, why: str
) -> None:
    """NIST SP 800-63B: length, and not what attackers try first; no composition rule."""
    r = shared_admin.post(
        "/api/users", json={"username": "policyuser", "password": password, "role": "viewer"}
    )
    assert r.status_code == 422, r.text
    assert why in r.json()["errors"][0]["message"]
    assert r.json()["errors"][0]["where"] == "password"
    assert all(
        u["username"] != "policyuser" for u in shared_admin.get("/api/users").json()["users"]
    )


def test_a_long_plain_passphrase_is_accepted(shared_admin: httpx.Client) -> None:
    r = shared_admin.post(
        "/api/users",
        json={"username": "passphrase", "password": "sable dune caravane 9", "role": "viewer"},
    )
    assert r.status_code == 201, r.text
