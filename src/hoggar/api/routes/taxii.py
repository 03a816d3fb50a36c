"""TAXII 2.1 over HTTP under /taxii2/ (OASIS TAXII 2.1 §4 API roots, §5 collections).

Authentication: HTTP Basic (username and password, or any username and an API token as
the password) or `Authorization: Bearer <token>`. Errors are TAXII error messages
(§3.6.1), rendered by hoggar.http.problems for every path under /taxii2/.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import io
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from hoggar import __version__
from hoggar.auth.logins import authenticate, refusal
from hoggar.auth.service import principal_of
from hoggar.auth.tokens import authenticate_token
from hoggar.context import Node, Principal
from hoggar.federation import taxii
from hoggar.http.deps import get_node, get_read_session
from hoggar.http.problems import NotAcceptable, UnsupportedMediaType
from hoggar.kernel.errors import Invalid, NotFound, Problem, TooLarge, Unauthenticated
from hoggar.kernel.jsonutil import loads_strict

router = APIRouter(prefix="/taxii2", tags=["taxii"])


def _accepts_taxii(request: Request) -> bool:
    accept = request.headers.get("accept", "*/*").replace(" ", "").lower()
    for part in accept.split(","):
        media = part.split(";q=")[0]
        if media in (
            "*/*",
            "application/*",
            "application/taxii+json",
            "application/taxii+json;version=2.1",
        ):
            return True
    return False


def taxii_principal(request: Request, node: Node = Depends(get_node)) -> Principal:
    """Negotiate the media type, then authenticate in a short transaction of its own."""
    if not _accepts_taxii(request):
        raise NotAcceptable(f"This server answers only with {taxii.TAXII_MEDIA}.")
    auth = request.headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    if scheme.lower() in ("bearer", "token") and value:  # taxii2-client's TokenAuth: "Token"
        with node.db.transaction() as session:
            return principal_of(authenticate_token(session, node, value.strip(), request.method))
    if scheme.lower() == "basic" and value:
        source = f"taxii:{request.client.host if request.client else ''}"
        try:
            username, _, password = base64.b64decode(value).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise Unauthenticated("Malformed Basic credentials.") from exc
        with node.db.transaction() as session:
            if password.startswith("hgr_"):
                return principal_of(authenticate_token(session, node, password, request.method))
            user = authenticate(session, node, username, password, source=source, per_request=True)
        if user is None:  # the failed-login audit entry is committed by now
            raise refusal(node, username, source)
        return principal_of(user)
    raise Unauthenticated("TAXII needs HTTP Basic or Bearer credentials.")


def taxii_json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body, status_code=status, media_type=taxii.TAXII_MEDIA, headers=headers)


def _root(api_root: str) -> None:
    if api_root != taxii.API_ROOT:
        raise NotFound(f"No API root {api_root!r} on this server.")


def _collection(node: Node, api_root: str, collection: str) -> None:
    _root(api_root)
    if collection != taxii.collection_id(node):
        raise NotFound(f"No collection {collection!r} in this API root.")


def _added_headers(page: taxii.TaxiiPage) -> dict[str, str]:
    headers = {}
    if page.first_added:
        headers["X-TAXII-Date-Added-First"] = page.first_added
    if page.last_added:
        headers["X-TAXII-Date-Added-Last"] = str(page.last_added)
    return headers


@router.get("/", summary="TAXII discovery (§4.1)")
def discovery(
    request: Request, node: Node = Depends(get_node), _: Principal = Depends(taxii_principal)
) -> JSONResponse:
    return taxii_json(
        {
            "title": f"Hoggar node of {node.org_name}",
            "description": "TAXII 2.1 server of a Hoggar node; every object obeys its "
            "originator's release set.",
            "contact": "the node administrator",
            "default": f"/taxii2/{taxii.API_ROOT}/",
            "api_roots": [f"/taxii2/{taxii.API_ROOT}/"],
        }
    )


@router.get("/{api_root}/", summary="API root information (§4.2)")
def api_root_info(
    api_root: str, node: Node = Depends(get_node), _: Principal = Depends(taxii_principal)
) -> JSONResponse:
    _root(api_root)
    return taxii_json(
        {
            "title": f"Hoggar records of {node.org_name}",
            "description": f"Hoggar {__version__}",
            "versions": [taxii.TAXII_MEDIA],
            "max_content_length": node.settings.max_body_bytes,
        }
    )


@router.get("/{api_root}/status/{status_id}/", summary="Status of a POST (§4.3)")
def status(
    api_root: str,
    status_id: str,
    session: Session = Depends(get_read_session),
    principal: Principal = Depends(taxii_principal),
) -> JSONResponse:
    _root(api_root)
    return taxii_json(taxii.get_status(session, principal, status_id))


def _collection_info(node: Node, principal: Principal) -> dict[str, Any]:
    return {
        "id": taxii.collection_id(node),
        "title": "Hoggar records",
        "description": "Every record this node holds that your organization may receive.",
        "can_read": True,
        "can_write": principal.can_write or principal.is_peer,
        "media_types": [taxii.STIX_MEDIA],
    }


@router.get("/{api_root}/collections/", summary="Collections (§5.1)")
def collections(
    api_root: str, node: Node = Depends(get_node), principal: Principal = Depends(taxii_principal)
) -> JSONResponse:
    _root(api_root)
    return taxii_json({"collections": [_collection_info(node, principal)]})


@router.get("/{api_root}/collections/{collection}/", summary="A collection (§5.2)")
def collection(
    api_root: str,
    collection: str,
    node: Node = Depends(get_node),
    principal: Principal = Depends(taxii_principal),
) -> JSONResponse:
    _collection(node, api_root, collection)
    return taxii_json(_collection_info(node, principal))


@router.get("/{api_root}/collections/{collection}/manifest/", summary="Manifest (§5.3)")
def manifest(
    api_root: str,
    collection: str,
    request: Request,
    node: Node = Depends(get_node),
    session: Session = Depends(get_read_session),
    principal: Principal = Depends(taxii_principal),
) -> JSONResponse:
    _collection(node, api_root, collection)
    page = taxii.query_versions(session, principal, taxii.parse_match(dict(request.query_params)))
    body: dict[str, Any] = {
        "more": page.more,
        "objects": [taxii.manifest_entry(r) for r in page.rows],
    }
    if page.next:
        body["next"] = page.next
    return taxii_json(body, headers=_added_headers(page))


def _envelope(page: taxii.TaxiiPage) -> Response:
    """Objects are stored as JSON text: splice them in rather than re-encode each one."""
    parts = [f'{{"more":{"true" if page.more else "false"}']
    if page.next:
        parts.append(f',"next":"{page.next}"')
    parts.append(',"objects":[')
    parts.append(",".join(r.body for r in page.rows))
    parts.append("]}")
    return Response(
        "".join(parts).encode(), media_type=taxii.TAXII_MEDIA, headers=_added_headers(page)
    )


@router.get("/{api_root}/collections/{collection}/objects/", summary="Get objects (§5.4)")
def get_objects(
    api_root: str,
    collection: str,
    request: Request,
    node: Node = Depends(get_node),
    session: Session = Depends(get_read_session),
    principal: Principal = Depends(taxii_principal),
) -> Response:
    _collection(node, api_root, collection)
    page = taxii.query_versions(session, principal, taxii.parse_match(dict(request.query_params)))
    return _envelope(page)


@router.post("/{api_root}/collections/{collection}/objects/", summary="Add objects (§5.5)")
async def add_objects(
    api_root: str, collection: str, request: Request, node: Node = Depends(get_node)
) -> JSONResponse:
    # Who is asking comes first: nothing is read or unpacked for an anonymous client.
    principal = await run_in_threadpool(taxii_principal, request, node)
    _collection(node, api_root, collection)
    content_type = request.headers.get("content-type", "").replace(" ", "").lower()
    if not content_type.startswith("application/taxii+json"):
        raise UnsupportedMediaType(f"Send the envelope as {taxii.TAXII_MEDIA}.")
    raw = await request.body()
    if request.headers.get("content-encoding", "").lower() == "gzip":
        raw = await run_in_threadpool(_gunzip, raw, node.settings.max_body_bytes)
    envelope = loads_strict(raw, where="envelope")
    if not isinstance(envelope, dict) or not isinstance(envelope.get("objects"), list):
        raise Invalid(
            "Not a TAXII envelope.", [Problem("objects", "an envelope needs an objects list")]
        )
    # Storing is blocking work: off the event loop, so other requests keep being served.
    status = await run_in_threadpool(taxii.add_objects, node, principal, envelope["objects"])
    return taxii_json(status, status=202)


def _gunzip(raw: bytes, limit: int) -> bytes:
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as f:
            data = f.read(limit + 1)
    except (OSError, EOFError) as exc:
        raise Invalid("The gzip body is corrupt.", [Problem("body", str(exc))]) from exc
    if len(data) > limit:
        raise TooLarge(f"The uncompressed body exceeds {limit} bytes.")
    return data


@router.get(
    "/{api_root}/collections/{collection}/objects/{object_id}/", summary="Get an object (§5.6)"
)
def get_object(
    api_root: str,
    collection: str,
    object_id: str,
    request: Request,
    node: Node = Depends(get_node),
    session: Session = Depends(get_read_session),
    principal: Principal = Depends(taxii_principal),
) -> Response:
    _collection(node, api_root, collection)
    taxii.require_visible(session, principal, object_id)
    match = taxii.parse_match(dict(request.query_params))
    return _envelope(taxii.query_versions(session, principal, match, object_id=object_id))


@router.delete("/{api_root}/collections/{collection}/objects/{object_id}/", summary="Delete (§5.7)")
def delete_object(
    api_root: str,
    collection: str,
    object_id: str,
    request: Request,
    node: Node = Depends(get_node),
    principal: Principal = Depends(taxii_principal),
) -> Response:
    _collection(node, api_root, collection)
    versions = taxii.parse_match(dict(request.query_params)).versions
    if "match[version]" not in request.query_params:
        versions = ("all",)
    taxii.delete_object(node, principal, object_id, versions)
    return Response(status_code=200, media_type=taxii.TAXII_MEDIA)


@router.get(
    "/{api_root}/collections/{collection}/objects/{object_id}/versions/",
    summary="Versions of an object (§5.8)",
)
def versions(
    api_root: str,
    collection: str,
    object_id: str,
    request: Request,
    node: Node = Depends(get_node),
    session: Session = Depends(get_read_session),
    principal: Principal = Depends(taxii_principal),
) -> JSONResponse:
    _collection(node, api_root, collection)
    taxii.require_visible(session, principal, object_id)
    params = dict(request.query_params)
    params["match[version]"] = "all"
    page = taxii.query_versions(session, principal, taxii.parse_match(params), object_id=object_id)
    body: dict[str, Any] = {
        "more": page.more,
        "versions": [taxii.manifest_entry(r)["version"] for r in page.rows],
    }
    if page.next:
        body["next"] = page.next
    return taxii_json(body, headers=_added_headers(page))
