"""Armed-group pages: the groups the reader may see, with aliases and linked incidents."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response

from hoggar.context import Node
from hoggar.incidents import service
from hoggar.kernel import i18n
from hoggar.kernel.errors import NotFound
from hoggar.orgs.service import org_names
from hoggar.store import aggregates, queries
from hoggar.store.filters import ObjectFilter
from hoggar.web.common import current_viewer, language_of, login_redirect, not_found, render


def install(app: FastAPI) -> None:
    @app.get("/groups", response_class=HTMLResponse, include_in_schema=False)
    def group_list(request: Request, q: str = "") -> Response:
        node: Node = request.app.state.node
        viewer = current_viewer(request)
        if viewer is None:
            return login_redirect(request)
        lang = language_of(request)
        with node.db.session() as session:
            groups = service.visible_groups(session, viewer.principal)
            counts = {
                g["id"]: aggregates.count_objects(
                    session,
                    viewer.principal,
                    ObjectFilter(types=("incident",), group=g["id"]),
                )
                for g in groups
            }
        if q.strip():
            found = service.group_index(groups, lang).search(
                q, limit=len(groups) or 1, min_score=0.6
            )
            matched = {c.id: c for c in found}
            groups = [c.entry.data for c in found]
        else:
            matched = {}
        rows = []
        for g in groups:
            names = service.names_of(g)
            rows.append(
                {
                    "id": g["id"],
                    "name": service.local_name(g, lang),
                    "aliases": [v for vs in names.values() for v in vs][:8],
                    "type": g["type"],
                    "incidents": counts[g["id"]],
                    "why": matched[g["id"]].explain() if g["id"] in matched else "",
                }
            )
        return render(request, "groups.html", viewer, rows=rows, q=q)

    @app.get("/groups/{stix_id}", response_class=HTMLResponse, include_in_schema=False)
    def group_detail(request: Request, stix_id: str) -> Response:
        node: Node = request.app.state.node
        viewer = current_viewer(request)
        if viewer is None:
            return login_redirect(request)
        lang = language_of(request)
        i18n.set_language(lang)
        with node.db.session() as session:
            try:
                group = queries.get_object(session, viewer.principal, stix_id)
            except NotFound:
                return not_found(request, viewer)
            if group.get("type") not in service.GROUP_TYPES:
                return not_found(request, viewer)
            flt = ObjectFilter(types=("incident",), group=stix_id)
            incidents = queries.by_start(session, viewer.principal, flt, limit=100)
            total = aggregates.count_objects(session, viewer.principal, flt)
            by_type = aggregates.aggregate(session, viewer.principal, flt, "event_type")
            by_country = aggregates.aggregate(session, viewer.principal, flt, "country")
            related = service.pointing_at(
                session, viewer.principal, stix_id, ("relationship",), role="target"
            ) + service.pointing_at(
                session, viewer.principal, stix_id, ("relationship",), role="source"
            )
            related = [r for r in related if r.get("relationship_type") != "attributed-to"]
            other_ids = [
                r["target_ref"] if r.get("source_ref") == stix_id else r["source_ref"]
                for r in related
            ]
            others = (
                {
                    o["id"]: service.local_name(o, lang)
                    for o in queries.list_objects(
                        session, viewer.principal, ObjectFilter(ids=other_ids), limit=200
                    ).items
                }
                if other_ids
                else {}
            )
            names = org_names(session)
        return render(
            request,
            "group.html",
            viewer,
            group=group,
            title=service.local_name(group, lang),
            names_by_lang=service.names_of(group),
            incidents=incidents,
            total=total,
            by_type=by_type,
            by_country=by_country,
            related=[
                (
                    r,
                    others.get(
                        r["target_ref"] if r.get("source_ref") == stix_id else r["source_ref"]
                    ),
                )
                for r in related
            ],
            names=names,
        )
