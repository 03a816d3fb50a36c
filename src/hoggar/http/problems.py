"""The one place core errors become HTTP responses: RFC 9457 problem details under
/api (TAXII 2.1 error messages under /taxii2), and for the routes that serve HTML
pages, the page their interface renders for the error."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from hoggar.kernel.errors import (
    Conflict,
    HoggarError,
    Invalid,
    NotFound,
    PeerFailure,
    PermissionDenied,
    TooLarge,
    TooManyAttempts,
    Unauthenticated,
)

log = logging.getLogger("hoggar.api")
PROBLEM_JSON = "application/problem+json"
TAXII_MEDIA = "application/taxii+json;version=2.1"


class NotAcceptable(HoggarError):
    """The client does not accept any media type this endpoint produces (HTTP 406)."""


class UnsupportedMediaType(HoggarError):
    """The request body is not in a media type this endpoint reads (HTTP 415)."""


_STATUS: list[tuple[type[HoggarError], int, str]] = [
    (NotFound, 404, "not-found"),
    (Invalid, 422, "invalid"),
    (Conflict, 409, "conflict"),
    (Unauthenticated, 401, "unauthenticated"),
    (PermissionDenied, 403, "permission-denied"),
    (TooLarge, 413, "too-large"),
    (TooManyAttempts, 429, "too-many-attempts"),
    (PeerFailure, 502, "peer-failure"),
    (NotAcceptable, 406, "not-acceptable"),
    (UnsupportedMediaType, 415, "unsupported-media-type"),
]
_TITLES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    413: "Request too large",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Too many requests",
    500: "Internal error",
    502: "Peer failure",
}


def problem_response(
    status: int,
    slug: str,
    detail: str,
    instance: str,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    if instance.startswith("/taxii2"):
        return taxii_error(status, detail, errors, headers)
    body: dict[str, Any] = {
        "type": f"urn:hoggar:problem:{slug}",
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "instance": instance,
    }
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def taxii_error(
    status: int, detail: str, errors: list[dict[str, str]] | None, headers: dict[str, str] | None
) -> JSONResponse:
    """A TAXII 2.1 error message (§3.6.1) in the TAXII media type."""
    body: dict[str, Any] = {
        "title": _TITLES.get(status, "Error"),
        "description": detail,
        "http_status": str(status),
    }
    if errors:
        body["details"] = {e["where"]: e["message"] for e in errors}
    return JSONResponse(body, status_code=status, media_type=TAXII_MEDIA, headers=headers)


def status_of(exc: HoggarError) -> tuple[int, str]:
    for cls, status, slug in _STATUS:
        if isinstance(exc, cls):
            return status, slug
    return 400, "bad-request"


# An HTML interface's page for a core error, or None for the problem details.
PageErrors = Callable[[Request, HoggarError], Response | None]
_PAGE = "html_page"


def serves_pages(request: Request) -> None:
    """A router dependency: the core errors of its routes go to the page errors first."""
    setattr(request.state, _PAGE, True)


def install(app: FastAPI, page_errors: PageErrors | None = None) -> None:
    @app.exception_handler(HoggarError)
    async def _hoggar(request: Request, exc: HoggarError) -> Response:
        if page_errors is not None and getattr(request.state, _PAGE, False):
            page = page_errors(request, exc)
            if page is not None:
                return page
        status, slug = status_of(exc)
        headers = (
            {"WWW-Authenticate": 'Bearer realm="hoggar", Basic realm="hoggar"'}
            if status == 401
            else None
        )
        if status == 429:
            headers = {"Retry-After": str(int(exc.extra.get("retry_after", 60)))}
        return problem_response(
            status,
            slug,
            exc.message,
            request.url.path,
            [p.as_dict() for p in exc.problems],
            headers,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"where": "/".join(str(p) for p in err.get("loc", ())), "message": str(err.get("msg"))}
            for err in exc.errors()
        ]
        return problem_response(
            422, "invalid", "The request is not valid; see errors.", request.url.path, errors
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(
            500,
            "internal-error",
            "An internal error occurred; it was logged "
            "on the node. Nothing was changed by this request.",
            request.url.path,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        slug = _TITLES.get(exc.status_code, "error").lower().replace(" ", "-")
        return problem_response(
            exc.status_code,
            slug,
            str(exc.detail),
            request.url.path,
            headers=getattr(exc, "headers", None),
        )
