"""The server-rendered web interface, over real HTTP (httpx) against a live node."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from conftest import ADMIN_PASSWORD, LiveServer
from hoggar.kernel.ids import new_id
from hoggar.stix.extensions import INCIDENT_EXTENSION_ID


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def create(api: httpx.Client, obj: dict[str, Any], tlp: str = "amber") -> dict[str, Any]:
    r = api.post("/api/objects", json={"object": obj, "sharing": {"tlp": tlp}})
    assert r.status_code == 201, r.text
    result: dict[str, Any] = r.json()
    return result


def incident(name: str, event_type: str = "ambush", country: str = "DZ") -> dict[str, Any]:
    ext = {"extension_type": "property-extension", "event_type": event_type, "country": country}
    return {"type": "incident", "name": name, "extensions": {INCIDENT_EXTENSION_ID: ext}}


@contextmanager
def browser(url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=url, timeout=30, follow_redirects=False) as client:
        yield client


def form_login(
    client: httpx.Client, username: str, password: str, next_: str | None = None
) -> httpx.Response:
    data = {"username": username, "password": password}
    if next_ is not None:
        data["next"] = next_
    return client.post("/login", data=data)


@contextmanager
def signed_in(url: str) -> Iterator[httpx.Client]:
    with browser(url) as client:
        r = form_login(client, "admin", ADMIN_PASSWORD)
        assert r.status_code == 303, r.text
        yield client


def csrf_of(page: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', page)
    assert m, "no csrf field in the page"
    return m.group(1)


def is_html(r: httpx.Response) -> bool:
    return r.headers.get("content-type", "").startswith("text/html")


# --- signing in and out ------------------------------------------------------------


def test_pages_signed_out_redirect_to_login(shared_server: LiveServer) -> None:
    with browser(shared_server.url) as client:
        for path in ("/", "/objects", f"/objects/{new_id('incident')}"):
            r = client.get(path)
            assert r.status_code == 303, path
            assert r.headers["location"].startswith("/login"), (path, r.headers["location"])
        login = client.get("/login")
        assert login.status_code == 200
        assert 'name="password"' in login.text


def test_login_wrong_password_shows_error_with_401(
    shared_server: LiveServer, shared_admin: httpx.Client
) -> None:
    username = unique("ghost")
    with browser(shared_server.url) as client:
        r = form_login(client, username, "wrong-password")
        assert r.status_code == 401
        assert is_html(r)
        assert "Wrong username or password." in r.text
        assert f'value="{username}"' in r.text  # the form keeps the username
        assert client.get("/").status_code == 303  # still signed out
        r = form_login(client, "admin", "not-the-password")
        assert r.status_code == 401
        assert client.get("/").status_code == 303
    failed = shared_admin.get(
        "/api/audit", params={"action": "auth.login_failed", "limit": 1000}
    ).json()["entries"]
    assert f"user:{username}" in {e["target"] for e in failed}


def test_login_form_gives_session_and_dashboard_lists_counts(
    shared_server: LiveServer, shared_admin: httpx.Client
) -> None:
    event = unique("ambush_")
    create(shared_admin, incident("First report", event, "NE"))
    create(shared_admin, incident("Second report", event, "NE"))
    with browser(shared_server.url) as client:
        r = form_login(client, "admin", ADMIN_PASSWORD)
        assert r.status_code == 303
        assert r.headers["location"] == "/"
        assert "hoggar_session" in client.cookies
        page = client.get("/")
        assert page.status_code == 200
        assert "<h1>Dashboard</h1>" in page.text
        total = client.get("/api/stats/count", params={"type": "incident"}).json()["count"]
        assert f"{total} incidents visible to Algeria in this period." in page.text
        row = re.search(
            rf">{event}</a>\s*<svg class=\"bar\".*?</svg></td>\s*<td class=\"num\">(\d+)</td>",
            page.text,
        )
        assert row, "the event type is not in the dashboard"
        assert row.group(1) == "2"
        ne = re.search(r"country=NE\">Niger</a></td><td class=\"num\">(\d+)</td>", page.text)
        ne_count = client.get("/api/stats/count", params={"type": "incident", "country": "NE"})
        assert ne and int(ne.group(1)) == ne_count.json()["count"] >= 2


def test_logout_without_csrf_field_does_not_sign_out(shared_server: LiveServer) -> None:
    with signed_in(shared_server.url) as client:
        page = client.get("/")
        token = csrf_of(page.text)
        assert client.post("/logout").status_code == 303
        assert client.get("/").status_code == 200
        assert client.post("/logout", data={"csrf": "forged"}).status_code == 303
        assert client.get("/").status_code == 200
        assert client.post("/logout", data={"csrf": token}).status_code == 303
        assert client.get("/").status_code == 303


OFFSITE = [
    "//evil.example",
    "//evil.example/objects",
    "https://evil.example/",
    "/\\evil.example",
    "\\\\evil.example",
    "javascript:alert(1)",
]


def test_login_next_offsite_redirects_to_root(shared_server: LiveServer) -> None:
    with browser(shared_server.url) as client:
        for target in OFFSITE:
            form = client.get("/login", params={"next": target})
            assert form.status_code == 200
            assert 'name="next" value="/"' in form.text, target
        r = form_login(client, "admin", ADMIN_PASSWORD, next_=OFFSITE[0])
        assert r.status_code == 303
        assert r.headers["location"] == "/"
        for target in OFFSITE[1:]:  # signed in already: the redirect is decided the same way
            r = form_login(client, "admin", ADMIN_PASSWORD, next_=target)
            assert (r.status_code, r.headers["location"]) == (303, "/"), target


def test_login_next_same_site_path_is_kept(shared_server: LiveServer) -> None:
    with browser(shared_server.url) as client:
        r = form_login(client, "admin", ADMIN_PASSWORD, next_="/objects?type=incident")
        assert r.status_code == 303
        assert r.headers["location"] == "/objects?type=incident"


# --- records -----------------------------------------------------------------------


def test_objects_search_finds_an_object_by_a_word_of_its_name(
    shared_server: LiveServer, shared_admin: httpx.Client
) -> None:
    word = unique("tinzaouaten")
    sid = create(shared_admin, incident(f"Embuscade près de {word.capitalize()}"))["id"]
    other = create(shared_admin, incident(f"Convoy attacked near {unique('djanet')}"))["id"]
    with signed_in(shared_server.url) as client:
        found = client.get("/objects", params={"q": word.upper()})
        assert found.status_code == 200
        assert f'href="/incidents/{sid}"' in found.text
        assert f'href="/incidents/{other}"' not in found.text
        assert "1 matching record." in found.text
        missing = client.get("/objects", params={"q": unique("nothing")})
        assert f'href="/incidents/{sid}"' not in missing.text
        assert "0 matching records." in missing.text


def test_object_detail_shows_its_history(
    shared_server: LiveServer, shared_admin: httpx.Client
) -> None:
    first = create(shared_admin, incident("Attack on the Timiaouine post"))
    r = shared_admin.patch(f"/api/objects/{first['id']}", json={"changes": {"description": "v2"}})
    assert r.status_code == 200, r.text
    second = r.json()
    with signed_in(shared_server.url) as client:
        page = client.get(f"/objects/{first['id']}")
        assert page.status_code == 200
        assert "Attack on the Timiaouine post" in page.text
        assert "History (2 versions)" in page.text
        history = page.text.split("History (2 versions)", 1)[1]
        assert second["modified"] in history
        assert first["modified"] in history
        assert history.index(second["modified"]) < history.index(first["modified"])


@pytest.mark.parametrize("kind", ["incident", "location"])
def test_foreign_object_detail_404_with_the_message_of_an_unknown_id(
    shared_server: LiveServer, foreign_unreleased: dict[str, str], kind: str
) -> None:
    foreign = foreign_unreleased[kind]
    unknown = new_id(kind)
    with signed_in(shared_server.url) as client:
        a = client.get(f"/objects/{unknown}")
        b = client.get(f"/objects/{foreign}")
    assert a.status_code == 404
    assert b.status_code == 404, f"the foreign {kind} answered {b.status_code}"
    assert "Ménaka" not in b.text
    assert b.text.replace(foreign, unknown) == a.text
    assert (
        "There is no record at this address, or it was not shared with your organization." in a.text
    )


def test_objects_list_and_detail_escape_html_in_names(
    shared_server: LiveServer, shared_admin: httpx.Client
) -> None:
    marker = unique("xss")
    name = f"<script>alert('{marker}')</script>"
    sid = create(shared_admin, {"type": "location", "name": name, "country": "DZ"})["id"]
    with signed_in(shared_server.url) as client:
        for path, params in ((f"/objects/{sid}", {}), ("/objects", {"q": marker})):
            page = client.get(path, params=params)
            assert page.status_code == 200
            assert marker in page.text
            assert "<script>" not in page.text, path


def test_every_html_response_carries_csp_with_frame_ancestors_none(
    shared_server: LiveServer, shared_admin: httpx.Client
) -> None:
    sid = create(shared_admin, incident("CSP check"))["id"]
    responses: list[tuple[str, httpx.Response]] = []
    with browser(shared_server.url) as anon:
        responses.append(("GET /login", anon.get("/login")))
        responses.append(("POST /login (wrong)", form_login(anon, "admin", "wrong-password")))
    with signed_in(shared_server.url) as client:
        for path in ("/", "/objects", "/objects?q=csp", f"/objects/{sid}"):
            responses.append((f"GET {path}", client.get(path)))
        responses.append(("GET unknown", client.get(f"/objects/{new_id('incident')}")))
    for label, r in responses:
        assert is_html(r), (label, r.headers.get("content-type"))
        csp = r.headers.get("content-security-policy", "")
        directives = {d.strip() for d in csp.split(";")}
        assert "frame-ancestors 'none'" in directives, (label, csp)
