"""Token scopes: a read token reads everything its user may read and changes nothing."""

from __future__ import annotations

import base64

import httpx

from conftest import ADMIN_PASSWORD, LiveServer
from factories import incident
from hoggar.context import Node
from hoggar.federation.taxii import collection_id

TAXII = "application/taxii+json;version=2.1"


def _token(url: str, scope: str) -> str:
    with httpx.Client(base_url=url) as admin:
        r = admin.post("/api/session", json={"username": "admin", "password": ADMIN_PASSWORD})
        admin.headers["x-csrf-token"] = r.json()["csrf_token"]
        made = admin.post("/api/tokens", json={"name": f"{scope} token", "scope": scope})
        assert made.status_code == 201, made.text
        assert made.json()["scope"] == scope
        listed = {t["name"]: t["scope"] for t in admin.get("/api/tokens").json()["tokens"]}
        assert listed[f"{scope} token"] == scope
        bad = admin.post("/api/tokens", json={"name": "x", "scope": "admin"})
        assert bad.status_code == 422 and bad.json()["errors"][0]["where"].endswith("scope")
        return str(made.json()["token"])


def test_a_read_token_reads_and_is_refused_every_write(node: Node, live_server: LiveServer) -> None:
    url = live_server.url
    reader = {"Authorization": f"Bearer {_token(url, 'read')}"}
    writer = {"Authorization": f"Bearer {_token(url, 'write')}"}
    new = {"object": incident(None, name="Scoped"), "sharing": {"tlp": "amber"}}
    new["object"].pop("id")
    for key in ("spec_version", "created", "modified"):
        new["object"].pop(key)
    assert httpx.get(f"{url}/api/objects", headers=reader).status_code == 200
    refused = httpx.post(f"{url}/api/objects", json=new, headers=reader)
    assert refused.status_code == 403
    assert "only read" in refused.json()["detail"]
    assert httpx.post(f"{url}/api/objects", json=new, headers=writer).status_code == 201
    # TAXII: reading works, adding objects does not, with Bearer or Basic alike.
    objects = f"{url}/taxii2/hoggar/collections/{collection_id(node)}/objects/"
    assert httpx.get(objects, headers={**reader, "Accept": TAXII}).status_code == 200
    envelope = {"objects": []}
    for auth in (
        reader,
        {
            "Authorization": "Basic "
            + base64.b64encode(f"admin:{reader['Authorization'][7:]}".encode()).decode()
        },
    ):
        r = httpx.post(
            objects,
            json=envelope,
            headers={**auth, "Accept": TAXII, "Content-Type": TAXII},
        )
        assert r.status_code == 403, r.text
        assert r.headers["content-type"].startswith("application/taxii+json")


def test_a_peer_token_mints_no_token(node: Node, live_server: LiveServer) -> None:
    """Issue 19, item 12: a token minted by a peer would survive the revocation of the
    token its node was given."""
    from hoggar.auth.tokens import create_peer_account
    from hoggar.kernel.ids import new_id

    with node.db.transaction() as session:
        _, secret = create_peer_account(
            session, node, username="peer-probe", org_id=new_id("identity"), actor="test"
        )
    with httpx.Client(base_url=live_server.url, timeout=30) as peer:
        r = peer.post(
            "/api/tokens",
            json={"name": "mine"},
            headers={"Authorization": f"Bearer {secret}"},
        )
    assert r.status_code == 403, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
