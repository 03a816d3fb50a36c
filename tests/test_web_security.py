"""Session cookies, security headers and templates: what a browser is told to enforce."""

from __future__ import annotations

import dataclasses
import re
from importlib import resources

import httpx

from conftest import ADMIN_PASSWORD, LiveServer
from hoggar.context import Node


def _sign_in(url: str) -> httpx.Response:
    return httpx.post(f"{url}/api/session", json={"username": "admin", "password": ADMIN_PASSWORD})


def test_the_session_cookie_is_httponly_strict_and_secure_behind_tls(node: Node) -> None:
    plain = _sign_in_on(node)
    assert "httponly" in plain and "samesite=strict" in plain and "secure" not in plain
    behind_tls = dataclasses.replace(
        node, settings=dataclasses.replace(node.settings, secure_cookies=True)
    )
    assert "secure" in _sign_in_on(behind_tls)


def _sign_in_on(node: Node) -> str:
    with LiveServer(node) as server:
        r = _sign_in(server.url)
    assert r.status_code == 200, r.text
    cookie = r.headers["set-cookie"].lower()
    assert cookie.startswith("hoggar_session=")
    return cookie


def test_every_answer_carries_the_security_headers(node: Node, live_server: LiveServer) -> None:
    for path in ("/api/health", "/login", "/api/objects", "/taxii2/", "/static/hoggar.css"):
        r = httpx.get(live_server.url + path)
        assert r.headers["x-content-type-options"] == "nosniff", path
        assert r.headers["x-frame-options"] == "DENY", path
        assert r.headers["referrer-policy"] == "same-origin", path
        csp = {d.strip() for d in r.headers["content-security-policy"].split(";")}
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp, path
        assert not any("unsafe-inline" in d or "unsafe-eval" in d for d in csp), path


def test_no_template_carries_inline_script_event_handlers_or_style() -> None:
    """The CSP forbids inline scripts and styles; a template that had one would break,
    silently (bar widths given as style attributes once drew every bar alike)."""
    templates = [
        *(resources.files("hoggar.web") / "templates").iterdir(),
        *(resources.files("hoggar.reports") / "templates").iterdir(),  # served at /reports
    ]
    checked = 0
    for template in templates:
        if not template.name.endswith(".html"):
            continue
        html = template.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), template.name
        assert not re.search(r"\son[a-z]+\s*=", html), template.name
        assert "javascript:" not in html, template.name
        # Inline style attributes are blocked too (style-src 'self'): layout would break.
        assert not re.search(r"\sstyle\s*=", html), template.name
        checked += 1
    assert checked > 10
