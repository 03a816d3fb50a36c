"""Armed-group pages: the groups the reader may see, with aliases and linked incidents."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from hoggar.incidents import responses
from hoggar.incidents.names import GROUP_TYPES, group_index, local_name, names_of, visible_groups
from hoggar.kernel import i18n
from hoggar.kernel.errors import NotFound
from hoggar.orgs.service import org_names
from hoggar.store import aggregates, queries
from hoggar.store.filters import ObjectFilter
from hoggar.web.common import Viewer, render
from hoggar.web.deps import Lang, NodeDep, SignedIn, page_router

router = page_router()


@router.get("/groups")
def group_list(
    request: Request, node: NodeDep, viewer: SignedIn, lang: Lang, q: str = ""
) -> Response:
    with node.db.session() as session:
        groups = visible_groups(session, viewer.principal)
        counts = {
            g["id"]: aggregates.count_objects(
                session,
                viewer.principal,
                ObjectFilter(types=("incident",), group=g["id"]),
            )
            for g in groups
        }
    if q.strip():
        found = group_index(groups, lang).search(q, limit=len(groups) or 1, min_score=0.6)
        matched = {c.id: c for c in found}
        groups = [c.entry.data for c in found]
    else:
        matched = {}
    rows = []
    for g in groups:
        names = names_of(g)
        rows.append(
            {
                "id": g["id"],
                "name": local_name(g, lang),
                "aliases": [v for vs in names.values() for v in vs][:8],
                "type": g["type"],
                "incidents": counts[g["id"]],
                "why": matched[g["id"]].explain() if g["id"] in matched else "",
            }
        )
    return render(request, "groups.html", viewer, rows=rows, q=q)


@router.get("/groups/{stix_id}")
def group_detail(
    request: Request, node: NodeDep, viewer: SignedIn, lang: Lang, stix_id: str
) -> Response:
    i18n.set_language(lang)
    with node.db.session() as session:
        group = queries.get_object(session, viewer.principal, stix_id)
        if group.get("type") not in GROUP_TYPES:
            raise NotFound("No such group.")
        flt = ObjectFilter(types=("incident",), group=stix_id)
        incidents = queries.by_start(session, viewer.principal, flt, limit=100)
        total = aggregates.count_objects(session, viewer.principal, flt)
        by_type = aggregates.aggregate(session, viewer.principal, flt, "event_type")
        by_country = aggregates.aggregate(session, viewer.principal, flt, "country")
        related = _related(session, viewer, stix_id, lang)
        names = org_names(session)
    return render(
        request,
        "group.html",
        viewer,
        group=group,
        title=local_name(group, lang),
        names_by_lang=names_of(group),
        incidents=incidents,
        total=total,
        by_type=by_type,
        by_country=by_country,
        related=related,
        names=names,
    )


def _related(
    session: Session, viewer: Viewer, stix_id: str, lang: str
) -> list[tuple[dict[str, Any], str | None]]:
    """The group's relationships other than attributions, each with the other end's name."""
    related = responses.pointing_at(
        session, viewer.principal, stix_id, ("relationship",), role="target"
    ) + responses.pointing_at(session, viewer.principal, stix_id, ("relationship",), role="source")
    related = [r for r in related if r.get("relationship_type") != "attributed-to"]

    def other_end(r: dict[str, Any]) -> str:
        return str(r["target_ref"] if r.get("source_ref") == stix_id else r["source_ref"])

    other_ids = [other_end(r) for r in related]
    others = (
        {
            o["id"]: local_name(o, lang)
            for o in queries.list_objects(
                session, viewer.principal, ObjectFilter(ids=other_ids), limit=200
            ).items
        }
        if other_ids
        else {}
    )
    return [(r, others.get(other_end(r))) for r in related]
