"""The ASGI application of a node: REST API, web interface, static assets, health."""

from __future__ import annotations

import gc
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hoggar import __version__
from hoggar.api.compression import CompressResponses
from hoggar.api.routes import accounts, meetings, objects, sources, taxii
from hoggar.context import Node
from hoggar.http import problems
from hoggar.http.sessions import SESSION_COOKIE
from hoggar.web import deps as web_deps
from hoggar.web import routes as web_routes

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        b"frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
    ),
]


class LimitsAndHeaders:
    """Refuse bodies over the limit (413) and add security headers to every response."""

    def __init__(self, app: ASGIApp, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body):
            await self._too_large(scope, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise _BodyTooLarge
            return message

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + SECURITY_HEADERS
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except _BodyTooLarge:
            await self._too_large(scope, send)

    async def _too_large(self, scope: Scope, send: Send) -> None:
        response = problems.problem_response(
            413,
            "too-large",
            f"The request body exceeds {self.max_body} bytes.",
            scope.get("path", ""),
        )
        await response(scope, _empty_receive, send)


class _BodyTooLarge(Exception):
    pass


async def _empty_receive() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


def _document_security(app: FastAPI) -> None:
    """Declare the two ways to authenticate in the OpenAPI document."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            from fastapi.openapi.utils import get_openapi

            schema = get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes
            )
            schema.setdefault("components", {})["securitySchemes"] = {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API token (hoggar token create / POST /api/tokens)",
                },
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": SESSION_COOKIE,
                    "description": "Set by POST /api/session; send X-CSRF-Token on writes",
                },
            }
            schema["security"] = [{"bearer": []}, {"session": []}]
            for path, ops in schema.get("paths", {}).items():
                if path in ("/api/health", "/api/session"):
                    for op in ops.values():
                        op["security"] = []
            _document_errors(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "required": ["type", "title", "status", "detail", "instance"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["where", "message"],
                "properties": {"where": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}
TAXII_ERROR_SCHEMA = {
    "type": "object",
    "description": "TAXII 2.1 error message (section 3.6.1)",
    "required": ["title"],
    "properties": {
        "title": {"type": "string"},
        "description": {"type": "string"},
        "http_status": {"type": "string"},
        "details": {"type": "object"},
    },
}


def _document_errors(schema: dict[str, Any]) -> None:
    """Say what the node really answers: every 4xx is RFC 9457 problem details under
    /api and a TAXII error message under /taxii2 (FastAPI would document its own
    validation error body, which the node never sends); TAXII answers in its media type."""
    from hoggar.federation.taxii import TAXII_MEDIA

    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM_SCHEMA
    components["TaxiiError"] = TAXII_ERROR_SCHEMA
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    for path, ops in schema.get("paths", {}).items():
        taxii = path.startswith("/taxii2")
        media = TAXII_MEDIA if taxii else problems.PROBLEM_JSON
        ref = "#/components/schemas/" + ("TaxiiError" if taxii else "Problem")
        for op in ops.values():
            responses = op.setdefault("responses", {})
            responses.pop("422", None)
            responses["4XX"] = {
                "description": "The request was refused; the body says why and where",
                "content": {media: {"schema": {"$ref": ref}}},
            }
            if taxii:
                for code, response in responses.items():
                    content = response.get("content") or {}
                    if code.startswith("2") and "application/json" in content:
                        response["content"] = {TAXII_MEDIA: content["application/json"]}


def settle() -> None:
    """Load the long-lived reference data, then exempt it from garbage collection.

    A node holds millions of small objects that live as long as the process (the
    gazetteer's places and names, the codebook); every full collection walked them
    all, and a TAXII page that happened to trigger one took 150 ms more (p95 tripled).
    `gc.freeze()` moves what exists now out of the collector's sight.
    """
    from hoggar.geo.gazetteer import load_gazetteer
    from hoggar.incidents.codebook_load import load_codebook

    load_gazetteer()
    load_codebook()
    gc.collect()
    gc.freeze()


def create_app(node: Node) -> FastAPI:
    app = FastAPI(
        title="Hoggar node API",
        version=__version__,
        description=(
            "REST API of a Hoggar node. Every read obeys the releasability rule: you see an "
            "object only if your organization is its originator or in its release set; an object "
            "you may not see answers exactly like a missing one. Errors are RFC 9457 problem "
            "details. Authenticate with `Authorization: Bearer <token>` or a session cookie "
            "(then send `X-CSRF-Token` on writes)."
        ),
        openapi_url="/api/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.node = node
    problems.install(app, page_errors=web_deps.page_error)
    app.add_exception_handler(web_deps.SignInRequired, web_deps.sign_in_first)
    _document_security(app)

    @app.get("/api/health", tags=["health"], summary="Liveness and database check (no auth)")
    def health() -> JSONResponse:
        try:
            status = node.db.ping()
        except Exception as exc:  # any database failure means "not healthy", never a 500
            status = f"database unreachable: {type(exc).__name__}"
        healthy = status == "ok"
        return JSONResponse(
            {"status": "ok" if healthy else "degraded", "database": status, "version": __version__},
            status_code=200 if healthy else 503,
        )

    app.include_router(objects.router)
    app.include_router(accounts.router)
    app.include_router(taxii.router)
    app.include_router(sources.router)
    app.include_router(meetings.router)
    app.mount("/static", StaticFiles(directory=str(web_routes.STATIC_DIR)), name="static")
    for router in web_routes.ROUTERS:
        app.include_router(router)
    app.add_middleware(
        SessionMiddleware,
        secret_key=node.settings.session_secret(),
        session_cookie=SESSION_COOKIE,
        max_age=node.settings.session_max_age_s,
        same_site="strict",
        https_only=node.settings.secure_cookies,
    )
    # Compress large responses (TAXII pages) for slow links; zstd where both ends have it.
    app.add_middleware(CompressResponses, minimum_size=1024)
    app.add_middleware(LimitsAndHeaders, max_body=node.settings.max_body_bytes)
    return app
