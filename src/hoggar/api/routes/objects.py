"""STIX objects, versions, sharing, search, counts and bundles under /api."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from hoggar.api.schemas import ObjectCreate, ObjectUpdate, SharingIn
from hoggar.context import Node, Principal
from hoggar.http.deps import get_node, get_principal, get_read_session
from hoggar.kernel.errors import Invalid, Problem
from hoggar.records import authoring
from hoggar.records.bundles import export_bundle_text, import_objects, parse_bundle
from hoggar.store import aggregates, queries
from hoggar.store.filters import ObjectFilter

router = APIRouter(prefix="/api", tags=["objects"])
STIX_JSON = "application/stix+json;version=2.1"


def _aware(value: datetime | None, name: str) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise Invalid("Timestamps need a time zone.", [Problem(name, "end it with Z or +00:00")])
    return value


def parse_bbox(value: str) -> tuple[float, float, float, float]:
    """ "west,south,east,north" in degrees, or Invalid saying what is wrong."""
    parts = value.split(",")
    try:
        west, south, east, north = (float(p) for p in parts)
    except ValueError as exc:
        raise Invalid(
            "The area is not four numbers.",
            [Problem("bbox", "give west,south,east,north in decimal degrees, e.g. 0,15,5,20")],
        ) from exc
    if not (-180 <= west <= 180 and -180 <= east <= 180):
        raise Invalid("The area is off the map.", [Problem("bbox", "longitudes run -180 to 180")])
    if not (-90 <= south <= north <= 90):
        raise Invalid(
            "The area is off the map.",
            [Problem("bbox", "latitudes run -90 to 90, south before north")],
        )
    return west, south, east, north


def object_filter(
    type: Annotated[list[str] | None, Query(description="STIX type; repeat for several")] = None,
    originator: Annotated[str | None, Query(description="Identity id of the originator")] = None,
    modified_after: datetime | None = None,
    modified_before: datetime | None = None,
    tlp: Annotated[str | None, Query(description="clear, green, amber, amber+strict, red")] = None,
    marking: Annotated[str | None, Query(description="A marking-definition id")] = None,
    country: Annotated[str | None, Query(min_length=2, max_length=2)] = None,
    event_type: str | None = None,
    sub_type: Annotated[
        list[str] | None, Query(description="Codebook sub-type; repeat for several")
    ] = None,
    start_after: datetime | None = None,
    start_before: datetime | None = None,
    bbox: Annotated[
        str | None,
        Query(description="An area: west,south,east,north in decimal degrees (WGS 84)"),
    ] = None,
    q: Annotated[str | None, Query(max_length=200, description="Words to search for")] = None,
    include_revoked: bool = False,
) -> ObjectFilter:
    if tlp is not None:
        from hoggar.sharing.markings import parse_tlp

        try:
            tlp = parse_tlp(tlp).value
        except ValueError as exc:
            raise Invalid("Unknown TLP level.", [Problem("tlp", str(exc))]) from exc
    return ObjectFilter(
        types=tuple(type or ()),
        originator=originator,
        modified_after=_aware(modified_after, "modified_after"),
        modified_before=_aware(modified_before, "modified_before"),
        tlp=tlp,
        marking=marking,
        country=country,
        event_type=event_type,
        sub_types=tuple(sub_type or ()),
        start_after=_aware(start_after, "start_after"),
        start_before=_aware(start_before, "start_before"),
        bbox=parse_bbox(bbox) if bbox is not None else None,
        text=q,
        include_revoked=include_revoked,
    )


Filter = Annotated[ObjectFilter, Depends(object_filter)]
Auth = Annotated[Principal, Depends(get_principal)]
ReadDb = Annotated[Session, Depends(get_read_session)]
NodeDep = Annotated[Node, Depends(get_node)]


@router.get("/objects", summary="List current objects you may read")
def list_objects(
    principal: Auth,
    session: ReadDb,
    flt: Filter,
    limit: Annotated[int, Query(ge=1, le=queries.MAX_PAGE)] = 100,
    cursor: str | None = None,
) -> dict[str, Any]:
    page = queries.list_objects(session, principal, flt, limit=limit, cursor=cursor)
    return {"objects": page.items, "next_cursor": page.next_cursor}


@router.get("/search", summary="Search the text of objects you may read")
def search(
    principal: Auth,
    session: ReadDb,
    flt: Filter,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: str | None = None,
) -> dict[str, Any]:
    if not flt.text:
        raise Invalid("Nothing to search for.", [Problem("q", "give one or more words")])
    page = queries.list_objects(session, principal, flt, limit=limit, cursor=cursor)
    return {"query": flt.text, "objects": page.items, "next_cursor": page.next_cursor}


@router.get("/stats/count", summary="Count objects you may read")
def count(principal: Auth, session: ReadDb, flt: Filter) -> dict[str, int]:
    return {"count": aggregates.count_objects(session, principal, flt)}


@router.get("/stats/aggregate", summary="Counts and casualties per group")
def aggregate(
    principal: Auth,
    session: ReadDb,
    flt: Filter,
    group_by: Annotated[str, Query(description=", ".join(sorted(aggregates.GROUPABLE)))] = "type",
) -> dict[str, Any]:
    return {"group_by": group_by, "groups": aggregates.aggregate(session, principal, flt, group_by)}


@router.post("/objects", status_code=201, summary="Create an object as your organization")
def create_object(body: ObjectCreate, principal: Auth, node: NodeDep) -> dict[str, Any]:
    with node.db.transaction() as session:
        sharing = authoring.Sharing.parse(
            body.sharing.tlp, body.sharing.release_to, body.sharing.disclose_recipients
        )
        authoring.preview_recipients(session, node, sharing)
        return authoring.create_object(session, node, principal, body.object, sharing)


@router.get("/objects/{stix_id}", summary="The current version of one object")
def get_object(stix_id: str, principal: Auth, session: ReadDb) -> dict[str, Any]:
    return queries.get_object(session, principal, stix_id)


@router.patch("/objects/{stix_id}", summary="Issue a new version (originator only)")
def update_object(
    stix_id: str, body: ObjectUpdate, principal: Auth, node: NodeDep
) -> dict[str, Any]:
    with node.db.transaction() as session:
        sharing = None
        if body.sharing is not None:
            sharing = authoring.Sharing.parse(
                body.sharing.tlp, body.sharing.release_to, body.sharing.disclose_recipients
            )
            authoring.preview_recipients(session, node, sharing)
        return authoring.update_object(session, node, principal, stix_id, body.changes, sharing)


@router.put("/objects/{stix_id}/sharing", summary="Change who receives an object")
def change_sharing(stix_id: str, body: SharingIn, principal: Auth, node: NodeDep) -> dict[str, Any]:
    with node.db.transaction() as session:
        sharing = authoring.Sharing.parse(body.tlp, body.release_to, body.disclose_recipients)
        authoring.preview_recipients(session, node, sharing)
        return authoring.change_sharing(session, node, principal, stix_id, sharing)


@router.post("/objects/{stix_id}/revoke", summary="Revoke an object (originator only)")
def revoke(stix_id: str, principal: Auth, node: NodeDep) -> dict[str, Any]:
    with node.db.transaction() as session:
        return authoring.revoke_object(session, node, principal, stix_id)


@router.get("/objects/{stix_id}/versions", summary="Every version you may read, oldest first")
def versions(stix_id: str, principal: Auth, session: ReadDb) -> dict[str, Any]:
    return {"versions": queries.get_versions(session, principal, stix_id)}


@router.get("/sharing/preview", summary="Which organizations would receive a record")
def sharing_preview(
    principal: Auth,
    session: ReadDb,
    node: NodeDep,
    tlp: str,
    release_to: Annotated[list[str] | None, Query()] = None,
) -> dict[str, Any]:
    sharing = authoring.Sharing.parse(tlp, release_to or [])
    return {
        "tlp": sharing.tlp.label,
        "recipients": authoring.preview_recipients(session, node, sharing),
    }


@router.post("/bundles", summary="Import a STIX 2.1 bundle; per-object results")
async def import_bundle(request: Request, node: NodeDep) -> dict[str, Any]:
    principal = await run_in_threadpool(get_principal, request, node)  # before the body
    raw = await request.body()
    objects = parse_bundle(raw, max_objects=node.settings.max_objects_per_bundle)
    report = await run_in_threadpool(
        lambda: import_objects(node, objects, principal=principal, source="api")
    )
    return report.as_dict()


@router.get(
    "/bundles/export",
    summary="Export what you may read as a STIX 2.1 bundle",
    response_class=StreamingResponse,
)
def export_bundle(principal: Auth, node: NodeDep, flt: Filter) -> StreamingResponse:
    return StreamingResponse(export_bundle_text(node, principal, flt), media_type=STIX_JSON)
