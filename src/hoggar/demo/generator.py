"""Build the demo scenario (a pure function of the seed) and seed it into an initialised node."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date
from importlib import resources
from typing import Any

from sqlalchemy.orm import Session

from hoggar.auth.service import create_user, get_user
from hoggar.context import Node, Role, system_principal
from hoggar.demo.catalog import load_catalog
from hoggar.demo.groups import group_objects
from hoggar.demo.incidents import generate_incidents
from hoggar.demo.meetings import meeting_scenario
from hoggar.demo.parties import SELF_KEY, Parties, build_parties, demo_signer, partner_identities
from hoggar.demo.places import location_objects
from hoggar.demo.reports import report_objects
from hoggar.kernel.errors import Invalid, NotFound, Problem
from hoggar.kernel.signing import Signer
from hoggar.orgs.service import upsert_org
from hoggar.records.bundles import import_objects
from hoggar.store.filters import ObjectFilter
from hoggar.store.queries import list_objects

DEFAULT_ANALYST_PASSWORD = "analyst-demo-2026"
DEFAULT_VIEWER_PASSWORD = "viewer-demo-2026"
ACTOR = "demo"


def build_scenario(seed: int, incidents: int, self_org_id: str) -> list[dict[str, Any]]:
    """Every unsigned STIX object of the scenario; the same seed gives the same objects."""
    cat = load_catalog()
    parties = build_parties(cat, self_org_id)
    generated = generate_incidents(cat, parties, seed, incidents)
    objects = [
        *partner_identities(parties),
        *location_objects(cat, parties),
        *group_objects(cat, parties),
        *report_objects(cat, parties),
        *generated,
        *meeting_scenario(parties, [o for o in generated if o["type"] == "incident"]),
    ]
    # The release-set markings are collected while the objects above are made.
    return [*parties.markings(), *objects]


def partner_signers(seed: int, parties: Parties) -> dict[str, Signer]:
    """Each partner's deterministic key, by identity id (Algeria signs with the node key)."""
    return {
        party.org_id: demo_signer(seed, party.org.name)
        for key, party in parties.by_key.items()
        if key != SELF_KEY
    }


def _register_partners(
    session: Session, node: Node, parties: Parties, signers: dict[str, Signer]
) -> None:
    for key, party in sorted(parties.by_key.items()):
        if key == SELF_KEY:
            continue
        upsert_org(
            session,
            node,
            identity_id=party.org_id,
            name=party.org.name,
            country=party.org.country,
            kind=party.org.kind,
            public_key=signers[party.org_id].public_b64,
            actor=ACTOR,
        )


def _create_demo_users(session: Session, node: Node, passwords: dict[Role, str]) -> None:
    """The analyst and viewer accounts, unless a previous run created them."""
    for role, password in passwords.items():
        try:
            get_user(session, role.value)
        except NotFound:
            create_user(
                session, node, username=role.value, password=password, role=role.value, actor=ACTOR
            )


def _stored_marking_ids(node: Node, objects: Sequence[dict[str, Any]]) -> set[str]:
    """Release sets the node already holds (e.g. Algeria-only, made by `init_node`)."""
    ids = [o["id"] for o in objects if o["type"] == "marking-definition"]
    with node.db.session() as session:
        page = list_objects(
            session,
            system_principal(node),
            ObjectFilter(types=["marking-definition"], ids=ids),
            limit=len(ids) or 1,
        )
    return {obj["id"] for obj in page.items}


def seed_demo(
    node: Node,
    *,
    seed: int = 7,
    incidents: int = 3000,
    progress: Callable[[int], None] | None = None,
    analyst_password: str = DEFAULT_ANALYST_PASSWORD,
    viewer_password: str = DEFAULT_VIEWER_PASSWORD,
) -> dict[str, int]:
    """Fill an initialised node with the scenario; returns counts by STIX type.

    The node plays Algeria. Its partners get keys derived from `seed`, are added to the
    member directory, and every object is signed by its originator before one import
    through the store's write path. Seeding again with the same seed stores nothing new.
    """
    parties = build_parties(load_catalog(), node.org_id)
    signers = partner_signers(seed, parties) | {node.org_id: node.signer}
    with node.db.transaction() as session:
        _register_partners(session, node, parties, signers)
        passwords = {Role.ANALYST: analyst_password, Role.VIEWER: viewer_password}
        _create_demo_users(session, node, passwords)
    objects = build_scenario(seed, incidents, node.org_id)
    stored = _stored_marking_ids(node, objects)
    signed = [signers[o["created_by_ref"]].sign(o) for o in objects if o["id"] not in stored]
    report = import_objects(
        node,
        signed,
        principal=system_principal(node),
        source="demo",
        batch_size=1000,
        progress=progress,
    )
    if report.rejected:
        first = report.rejected[:5]
        raise Invalid(
            f"The demo scenario was refused: {len(report.rejected)} objects rejected.",
            [Problem(r.stix_id + p.where, p.message) for r in first for p in r.problems],
        )
    _seed_open_sources(node)
    # Counted over the whole scenario, markings the node already held included, so
    # that seeding twice reports the same numbers.
    return dict(sorted(Counter(o["type"] for o in objects).items()))


def _seed_open_sources(node: Node) -> None:
    """The review queue: the two sample articles and a few composed wire stories, read
    into drafts that wait for an analyst (stored once: seeding again adds nothing)."""
    from hoggar.demo.reports import ARTICLES
    from hoggar.sources.articles import ArticleIn, from_mapping
    from hoggar.sources.runner import reader
    from hoggar.sources.service import ingest_article

    raw = resources.files("hoggar.demo").joinpath("data/open-sources.jsonl").read_text("utf-8")
    articles = [
        from_mapping(json.loads(line), f"open-sources.jsonl:{n}")
        for n, line in enumerate(raw.splitlines(), 1)
        if line.strip()
    ]
    for sample in ARTICLES:
        text = resources.files("hoggar.demo").joinpath(f"data/{sample.file}").read_text("utf-8")
        published = date.fromisoformat(sample.published[:10])
        articles.append(
            ArticleIn(sample.name, text.strip(), published, lang="ar", source_name="Sample article")
        )
    principal = reader(node)
    for article in articles:
        with node.db.transaction() as session:
            ingest_article(session, node, principal, article)
