"""The dashboard, all records, the codebook and the map's base layers."""

from __future__ import annotations

from importlib import resources

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from hoggar.geo.gazetteer import load_gazetteer
from hoggar.http.sessions import last_visit
from hoggar.incidents.dashboard import FIRST_VISIT_DAYS, PARTNER_CAP
from hoggar.incidents.dashboard import dashboard as dashboard_figures
from hoggar.kernel import i18n
from hoggar.kernel.errors import HoggarError
from hoggar.orgs.service import org_names
from hoggar.store import aggregates, queries
from hoggar.store.filters import ObjectFilter
from hoggar.store.projections import display_name
from hoggar.web.common import render
from hoggar.web.deps import Lang, MaybeViewer, NodeDep, SignedIn, current_viewer, page_router
from hoggar.web.filters import PERIODS, IncidentFilters

router = page_router()
PAGE_SIZE = 50
GEO_LAYERS = frozenset({"borders", "towns"})


@router.get("/")
def dashboard(request: Request, node: NodeDep, viewer: SignedIn) -> Response:
    filters = IncidentFilters.from_query(request.query_params)
    flt, errors = filters.to_filter()
    since = last_visit(request)
    with node.db.session() as session:
        names = org_names(session)
        figures = dashboard_figures(
            session, viewer.principal, flt, own_org_id=node.org_id, since=since
        )
    return render(
        request,
        "dashboard.html",
        viewer,
        filters=filters,
        periods=list(PERIODS),
        errors=errors,
        by_type=figures.by_type,
        by_country=figures.by_country,
        recent=figures.recent,
        total=figures.total,
        names=names,
        since=since,
        partners=figures.partners,
        partners_more=figures.partners_more,
        partner_cap=PARTNER_CAP,
        first_visit_days=FIRST_VISIT_DAYS,
        partner_incidents=figures.partner_incidents,
        max_type=max((g["count"] for g in figures.by_type), default=0),
    )


@router.get("/objects")
def object_list(
    request: Request,
    node: NodeDep,
    viewer: SignedIn,
    type: str = "",
    q: str = "",
    country: str = "",
    originator: str = "",
    tlp: str = "",
    event_type: str = "",
    cursor: str = "",
) -> Response:
    filters = {
        "type": type,
        "q": q,
        "country": country,
        "originator": originator,
        "tlp": tlp,
        "event_type": event_type,
    }
    flt = ObjectFilter(
        types=(type,) if type else (),
        text=q or None,
        country=country or None,
        originator=originator or None,
        tlp=tlp or None,
        event_type=event_type or None,
    )
    error = None
    with node.db.session() as session:
        names = org_names(session)
        try:
            page = queries.list_objects(
                session, viewer.principal, flt, limit=PAGE_SIZE, cursor=cursor or None
            )
            total = aggregates.count_objects(session, viewer.principal, flt)
        except HoggarError as exc:  # a cursor that is not ours: the list says so
            page, total, error = queries.Page([], None), 0, exc.message
    return render(
        request,
        "objects.html",
        viewer,
        page=page,
        total=total,
        names=names,
        filters=filters,
        error=error,
    )


@router.get("/objects/{stix_id}")
def object_detail(request: Request, node: NodeDep, viewer: SignedIn, stix_id: str) -> Response:
    with node.db.session() as session:
        names = org_names(session)
        versions = queries.get_versions(session, viewer.principal, stix_id)
        row = queries.get_version_row(session, viewer.principal, stix_id)
        recipients = queries.recipients_of(session, viewer.principal, row)
    current = versions[-1]
    return render(
        request,
        "object.html",
        viewer,
        obj=current,
        versions=versions,
        names=names,
        tlp=row.tlp,
        originator=row.originator_id,
        recipients=[names.get(o, o) for o in recipients or []],
        show_recipients=recipients is not None,
        title=display_name(current) or stix_id,
    )


@router.get("/codebook")
def codebook_page(request: Request, viewer: SignedIn) -> Response:
    return render(request, "codebook.html", viewer)


@router.get("/geo/{layer}.geojson")
def geo_layer(request: Request, layer: str) -> Response:
    """Packaged base layers (country borders, towns): public data, served offline."""
    if layer not in GEO_LAYERS or current_viewer(request) is None:
        return Response(status_code=404)
    data = resources.files("hoggar.geo").joinpath(f"data/{layer}.geojson").read_bytes()
    return Response(
        data,
        media_type="application/geo+json",
        headers={"Cache-Control": "private, max-age=86400"},
    )


@router.get("/geo/lookup")
def geo_lookup(
    node: NodeDep, viewer: MaybeViewer, lang: Lang, q: str = "", country: str = ""
) -> Response:
    """Gazetteer candidates for the incident form's place finder (public data)."""
    if viewer is None:
        return JSONResponse({"detail": "sign in first"}, status_code=401)
    gazetteer = load_gazetteer(node.settings.data_dir)
    found = gazetteer.lookup(q[:200], 8, country=country or None) if q.strip() else []
    return JSONResponse(
        [
            {
                "id": c.id,
                "name": c.entry.data.name_in(lang),
                "country": c.entry.data.country,
                "country_name": i18n.country_name(c.entry.data.country, lang),
                "admin1": c.entry.data.admin1,
                "lat": c.entry.data.lat,
                "lon": c.entry.data.lon,
                "kind": c.entry.data.kind,
                "score": round(c.score, 3),
                "why": c.explain(),
            }
            for c in found
        ]
    )
