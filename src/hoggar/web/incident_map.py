"""Incidents on the map and along the timeline."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from hoggar.kernel import i18n
from hoggar.orgs.service import org_names
from hoggar.store import aggregates, queries
from hoggar.web.common import event_label, render
from hoggar.web.deps import Lang, MaybeViewer, NodeDep, SignedIn, page_router
from hoggar.web.filters import IncidentFilters
from hoggar.web.incidents import filter_choices

router = page_router()
MAP_LIMIT = 5000


@router.get("/map")
def map_page(request: Request, node: NodeDep, viewer: SignedIn, lang: Lang) -> Response:
    filters = IncidentFilters.from_query(request.query_params)
    _, errors = filters.to_filter()
    i18n.set_language(lang)
    return render(
        request,
        "map.html",
        viewer,
        filters=filters,
        errors=errors,
        **filter_choices(node, viewer),
    )


@router.get("/map/incidents.geojson")
def map_data(request: Request, node: NodeDep, viewer: MaybeViewer, lang: Lang) -> Response:
    """The map layer: visible incidents with coordinates, as GeoJSON."""
    if viewer is None:
        return JSONResponse({"type": "FeatureCollection", "features": []}, status_code=401)
    filters = IncidentFilters.from_query(request.query_params)
    flt, _ = filters.to_filter()
    with node.db.session() as session:
        names = org_names(session)
        points = aggregates.incident_points(session, viewer.principal, flt, limit=MAP_LIMIT)
        total = aggregates.count_objects(session, viewer.principal, flt)
    features = [
        {
            "type": "Feature",
            "id": p["stix_id"],
            "geometry": {"type": "Point", "coordinates": [p["lon"], p["lat"]]},
            "properties": {
                "id": p["stix_id"],
                "name": p["name"],
                "event_type": p["event_type"],
                "label": event_label(p["sub_type"] or p["event_type"], lang),
                "start": p["start_at"].isoformat() if p["start_at"] else None,
                "day": i18n.format_day(p["start_at"], lang),
                "killed": p["killed"],
                "kidnapped": p["kidnapped"],
                "country": p["country"],
                "lang": p["lang"],
                "originator": names.get(p["originator_id"], p["originator_id"]),
            },
        }
        for p in points
    ]
    return JSONResponse(
        {"type": "FeatureCollection", "features": features, "total": total},
        media_type="application/geo+json",
    )


@router.get("/timeline")
def timeline(request: Request, node: NodeDep, viewer: SignedIn, lang: Lang) -> Response:
    filters = IncidentFilters.from_query(request.query_params)
    flt, errors = filters.to_filter()
    i18n.set_language(lang)
    choices = filter_choices(node, viewer)
    with node.db.session() as session:
        rows = aggregates.start_times(session, viewer.principal, flt)
        recent = queries.by_start(session, viewer.principal, flt, limit=40)
    months = _months(rows)
    return render(
        request,
        "timeline.html",
        viewer,
        filters=filters,
        errors=errors,
        months=months,
        max_month=max((m["count"] for m in months), default=0),
        items=recent,
        total=len(rows),
        **choices,
    )


def _months(rows: list[tuple[datetime, str | None, int]]) -> list[dict[str, Any]]:
    """Incidents per month, with the split by event type, oldest month first."""
    counts: dict[tuple[int, int], Counter[str]] = {}
    killed: Counter[tuple[int, int]] = Counter()
    for start, event_type, dead in rows:
        key = (start.year, start.month)
        counts.setdefault(key, Counter())[event_type or ""] += 1
        killed[key] += dead
    if not counts:
        return []
    first, last = min(counts), max(counts)
    out = []
    year, month = first
    while (year, month) <= last:
        by_type = counts.get((year, month), Counter())
        out.append(
            {
                "key": f"{year:04d}-{month:02d}",
                "label": i18n.month_label(datetime(year, month, 1)),  # noqa: DTZ001
                "count": sum(by_type.values()),
                "killed": killed[(year, month)],
                "by_type": by_type.most_common(),
                "since": f"{year:04d}-{month:02d}-01",
            }
        )
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out
