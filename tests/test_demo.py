"""The demo scenario: deterministic, plausible, fully stored, signed, releasable to Algeria."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest
from stix2validator import ValidationOptions, validate_instance

from hoggar.auth.service import get_user
from hoggar.context import Node, Principal
from hoggar.demo import build_scenario, seed_demo
from hoggar.demo.catalog import load_catalog
from hoggar.kernel.clock import parse_stix
from hoggar.kernel.signing import verify_object
from hoggar.orgs.service import list_orgs, public_key_of
from hoggar.sharing.markings import ReleaseSet
from hoggar.sources.models import Article, Draft
from hoggar.stix.extensions import INCIDENT_EXTENSION_ID, NAMES_EXTENSION_ID
from hoggar.store.aggregates import count_objects
from hoggar.store.filters import ObjectFilter
from hoggar.store.queries import list_objects

SELF_ID = "identity--5b0c1f0e-8a4e-4c41-9d7a-2f1c3e5d7a90"
EVENT_TYPES = {
    "battle",
    "explosion_remote_violence",
    "violence_against_civilians",
    "riot",
    "protest",
    "strategic_development",
}
MEMBER_COUNTRIES = {"DZ", "BF", "TD", "LY", "ML", "MR", "NE"}
ARTICLE_FILES = ("ar-2010-cemoc-launch.txt", "ar-2015-tamanrasset-summit.txt")
SMALL = 200


def _incident_ext(obj: dict[str, Any]) -> dict[str, Any]:
    ext: dict[str, Any] = obj["extensions"][INCIDENT_EXTENSION_ID]
    return ext


def _all_visible(node: Node, principal: Principal) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    cursor = None
    with node.db.session() as session:
        while True:
            page = list_objects(session, principal, ObjectFilter(), limit=1000, cursor=cursor)
            out += page.items
            if page.next_cursor is None:
                return out
            cursor = page.next_cursor


def test_build_scenario_same_seed_same_objects() -> None:
    first = build_scenario(7, 50, SELF_ID)
    assert first == build_scenario(7, 50, SELF_ID)
    other = build_scenario(8, 50, SELF_ID)
    incident_ids = {o["id"] for o in first if o["type"] == "incident"}
    assert incident_ids.isdisjoint(o["id"] for o in other if o["type"] == "incident")


def test_build_scenario_incidents_plausible() -> None:
    objects = build_scenario(7, 600, SELF_ID)
    ids = {o["id"] for o in objects}
    incidents = [o for o in objects if o["type"] == "incident"]
    assert len(incidents) == 600
    codebook = {s.sub_type for s in load_catalog().sub_types.values()}
    for obj in incidents:
        ext = _incident_ext(obj)
        assert ext["extension_type"] == "property-extension"
        assert ext["event_type"] in EVENT_TYPES and ext["sub_type"] in codebook
        assert 0 <= ext["latitude"] <= 38 and -18 <= ext["longitude"] <= 26
        assert ext["country"] in MEMBER_COUNTRIES
        start, end = parse_stix(ext["start_time"]), parse_stix(ext["end_time"])
        assert datetime(2019, 1, 1, tzinfo=UTC) <= start <= end < datetime(2026, 1, 1, tzinfo=UTC)
        assert parse_stix(obj["created"]) >= start
        assert ext["civilians_killed"] <= ext["killed"]
        assert set(ext["location_refs"]) <= ids and set(ext.get("actor_refs", [])) <= ids
        assert ext["narrative_lang"] in ("ar", "fr", "en") and ext["narrative"]
    # Realism, loosely: several event types, mostly small tolls with a tail, a dry season.
    types = Counter(_incident_ext(o)["event_type"] for o in incidents)
    assert len(types) >= 5 and types["battle"] > types["riot"]
    killed = sorted(_incident_ext(o)["killed"] for o in incidents)
    assert killed[len(killed) // 2] <= 3 < killed[-1]
    months = Counter(parse_stix(_incident_ext(o)["start_time"]).month for o in incidents)
    assert months[8] < months[2] + months[3]


def test_build_scenario_places_and_groups_multilingual() -> None:
    objects = build_scenario(7, 0, SELF_ID)
    places = {o["name"]: o for o in objects if o["type"] == "location"}
    assert len(places) >= 60
    tam = places["Tamanrasset"]
    assert abs(tam["latitude"] - 22.79) < 0.02 and abs(tam["longitude"] - 5.52) < 0.02
    names = {(n["lang"], n["value"]) for n in tam["extensions"][NAMES_EXTENSION_ID]["names"]}
    assert ("ar", "تمنراست") in names and ("fr", "Tamanrasset") in names
    timbuktu = places["Timbuktu"]["extensions"][NAMES_EXTENSION_ID]["names"]
    assert {"lang": "ar", "value": "تمبكتو"} in timbuktu
    groups = {o["name"]: o for o in objects if o["type"] in ("intrusion-set", "threat-actor")}
    aqim = groups["Al-Qaeda in the Islamic Maghreb (AQIM)"]
    assert {"AQMI", "دروكدال", "Droukdel"} <= set(aqim["aliases"])
    jnim = next(g for g in groups.values() if "JNIM" in g["aliases"])
    assert "جماعة نصرة الإسلام والمسلمين" in jnim["aliases"] and "GSIM" in jnim["aliases"]
    assert sum(1 for g in groups.values() if g["type"] == "threat-actor") >= 2


@pytest.fixture
def seeded(node: Node) -> tuple[Node, dict[str, int]]:
    return node, seed_demo(node, seed=7, incidents=SMALL)


def test_seed_demo_stores_everything_visible_to_algeria_and_adds_users(
    seeded: tuple[Node, dict[str, int]],
) -> None:
    node, counts = seeded
    assert counts["incident"] == SMALL
    assert counts["identity"] == 7 and counts["report"] == 2
    assert counts["location"] >= 60 and counts["intrusion-set"] >= 10
    assert counts["relationship"] > 0 and counts["marking-definition"] > 0
    scenario = build_scenario(7, SMALL, node.org_id)
    assert counts == dict(Counter(o["type"] for o in scenario))
    # init_node already stored Algeria's identity and its "Algeria only" release set.
    expected: dict[str, set[str]] = {"identity": {node.org_id}}
    expected["marking-definition"] = {ReleaseSet(node.org_id, frozenset()).marking_id}
    for obj in scenario:
        expected.setdefault(obj["type"], set()).add(obj["id"])
    algeria = Principal(org_id=node.org_id, name="t")
    with node.db.session() as session:
        # The open-source review queue: one local report per article read (8).
        queued = {a.report_id for a in session.query(Article)}
        assert len(queued) == 8 and session.query(Draft).count() >= 8
        expected["report"] |= queued
        for stix_type, ids in expected.items():
            flt = ObjectFilter(types=[stix_type])
            assert count_objects(session, algeria, flt) == len(ids), stix_type
        # Mali receives only what was released to it: less than Algeria holds.
        mali = Principal(org_id=_org_id(node, "Mali"), name="m")
        incidents = ObjectFilter(types=["incident"])
        assert 0 < count_objects(session, mali, incidents) < SMALL
        assert get_user(session, "analyst").role == "analyst"
        assert get_user(session, "viewer").role == "viewer"


def _org_id(node: Node, name: str) -> str:
    with node.db.session() as session:
        return next(o.identity_id for o in list_orgs(session) if o.name == name)


def test_seed_demo_objects_signed_and_valid_stix(seeded: tuple[Node, dict[str, int]]) -> None:
    node, _ = seeded
    objects = _all_visible(node, Principal(org_id=node.org_id, name="t"))
    originators = Counter(o.get("created_by_ref") for o in objects)
    assert len(originators) == 8  # Algeria, six partners, the joint staff
    with node.db.session() as session:
        keys = {org: public_key_of(session, org) for org in originators if org}
    for obj in objects:
        key = keys[obj["created_by_ref"]]
        assert key is not None
        verify_object(obj, key)
    # A sample of the demo's own objects, a few of each type, passes the OASIS validator.
    # init_node made the node identity and the "Algeria only" release set (both carry an
    # empty list, which stix2-validator refuses): they are not the demo's.
    scenario_ids = {o["id"] for o in build_scenario(7, SMALL, node.org_id)}
    scenario_ids -= {node.org_id, ReleaseSet(node.org_id, frozenset()).marking_id}
    by_type: dict[str, list[dict[str, Any]]] = {}
    for obj in sorted(objects, key=lambda o: o["id"]):
        if obj["id"] not in scenario_ids:
            continue
        by_type.setdefault(obj["type"], []).append(obj)
    sample = [o for group in by_type.values() for o in group[:3]][:20]
    assert len(sample) == 20 and {"incident", "location", "report"} <= {o["type"] for o in sample}
    for obj in sample:
        result = validate_instance(obj, ValidationOptions(strict=False))
        assert result.is_valid, (obj["id"], [str(e) for e in result.errors])


def test_seed_demo_articles_are_arabic_reports(seeded: tuple[Node, dict[str, int]]) -> None:
    node, _ = seeded
    with node.db.session() as session:
        page = list_objects(
            session, Principal(org_id=node.org_id, name="t"), ObjectFilter(types=["report"])
        )
    reports = {
        r["published"][:4]: r for r in page.items if "open-source" not in r.get("labels", [])
    }
    assert set(reports) == {"2010", "2015"}
    assert reports["2010"]["published"] == "2010-04-21T00:00:00.000Z"
    assert "approximate" in reports["2015"]["description"]
    for report in reports.values():
        assert report["lang"] == "ar" and report["report_types"] == ["threat-report"]
        assert "تمنراست" in report["description"] and report["object_refs"]
    assert "هيئة أركان عملياتية مشتركة" in reports["2010"]["description"]
    assert "بوكو حرام" in reports["2015"]["description"]


def test_seed_demo_twice_is_idempotent(node: Node) -> None:
    first = seed_demo(node, seed=3, incidents=20)
    assert seed_demo(node, seed=3, incidents=20) == first
