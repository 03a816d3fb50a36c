"""Fusion: scoring two reports, precision and recall on synthetic ground truth, and the
joint staff finding, confirming and counting once an event reported by two states."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from federation_kit import Member, link, running_members
from hoggar.context import Principal, Role
from hoggar.federation import sync
from hoggar.fusion import service
from hoggar.fusion.score import DEFAULT_THRESHOLD, Facts, score_pair
from hoggar.fusion.truth import evaluate, generate
from hoggar.incidents import service as incidents
from hoggar.store import aggregates
from hoggar.store.filters import ObjectFilter
from incident_kit import Seeded, ambush_form, analyst, seed_place_and_group

T0 = datetime(2026, 3, 14, 5, 30, tzinfo=UTC)
MALI = Facts(
    id="incident--a",
    originator="ml",
    start=T0,
    end=T0,
    time_precision="hour",
    lat=15.918,
    lon=2.4,
    geo_precision="town",
    event_type="battle",
    sub_type="ambush",
    actors=frozenset({"intrusion-set--isgs"}),
    killed=7,
    place_name="Ménaka",
)
NIGER = replace(
    MALI,
    id="incident--b",
    originator="ne",
    start=T0 + timedelta(hours=3),
    end=T0 + timedelta(hours=3),
    time_precision="day",
    lat=15.96,
    lon=2.45,
    sub_type="armed_clash",
    actors=frozenset(),
    killed=9,
    place_name="ميناكا",
)


def test_two_reports_of_one_ambush_match_with_reasons() -> None:
    match = score_pair(MALI, NIGER)
    assert match.score >= DEFAULT_THRESHOLD and not match.veto
    text = " | ".join(match.explanation)
    assert "km apart" in text and "killed 7 vs 9" in text and "transliteration" in text
    assert "compatible sub-types" in text


@pytest.mark.parametrize(
    ("change", "veto"),
    [
        ({"lat": 17.5}, "km apart"),
        ({"start": T0 + timedelta(days=9), "end": T0 + timedelta(days=9)}, "days apart"),
        ({"sub_type": "peaceful_protest", "event_type": "protest"}, "incompatible"),
        ({"actors": frozenset({"intrusion-set--jnim"})}, "different armed groups"),
    ],
)
def test_what_rules_a_match_out_is_said(change: dict[str, Any], veto: str) -> None:
    match = score_pair(MALI, replace(NIGER, **change))
    assert match.score == 0 and veto in match.veto


def test_precision_and_recall_on_synthetic_ground_truth() -> None:
    truth = generate(events=400, seed=11)
    assert len(truth.reports) > 900 and len(truth.same) > 400
    scores = evaluate(truth)
    assert scores.precision >= 0.95, scores
    assert scores.recall >= 0.90, scores
    # A stricter threshold trades recall for precision (the scorer is monotone).
    strict = evaluate(truth, 0.85)
    assert strict.predicted <= scores.predicted


# --- over real nodes ----------------------------------------------------------------


@pytest.fixture
def staff(tmp_path: Path, backend: str) -> Iterator[tuple[dict[str, Member], Seeded]]:
    """Mali and Niger report; the joint staff pulls from both; Algeria sees neither."""
    with running_members(tmp_path, ["ML", "NE", "JS", "DZ"], backend) as ms:
        seeded = seed_place_and_group(ms["JS"].node, [ms["ML"].org, ms["NE"].org])
        for code in ("ML", "NE"):
            link(ms[code], ms["JS"])
            link(ms["JS"], ms[code])
        assert sync.sync_peer(ms["ML"].node, "js").ok and sync.sync_peer(ms["NE"].node, "js").ok
        yield ms, seeded


def _report(m: Member, seeded: Seeded, release: list[str], **changes: Any) -> str:
    with m.node.db.transaction() as session:
        form = ambush_form(seeded, release_to=tuple(release), **changes)
        return str(incidents.report_incident(session, m.node, analyst(m.node), form)["id"])


pytestmark = pytest.mark.usefixtures("backend")


def test_joint_staff_finds_confirms_and_counts_once(
    staff: tuple[dict[str, Member], Seeded],
) -> None:
    ms, seeded = staff
    ml, ne, js, dz = ms["ML"], ms["NE"], ms["JS"], ms["DZ"]
    mali = _report(ml, seeded, [js.org], killed="7", name="Embuscade près de Tin Zaouatine")
    niger = _report(
        ne,
        seeded,
        [js.org],
        killed="9",
        start="2026-11-20 08:00",
        time_precision="hour",
        name="كمين في تين زواتين",
        actor_refs=(),
        latitude="19.99",
        longitude="2.91",
    )
    _report(ml, seeded, [js.org], start="2026-10-02", time_precision="day", name="Older ambush")
    assert sync.sync_peer(js.node, "ml").ok and sync.sync_peer(js.node, "ne").ok
    me = Principal(org_id=js.org, name="fusion", role=Role.ANALYST)
    with js.node.db.session() as session:
        found = service.find_candidates(session, me, mali)
    assert [c.incident["id"] for c in found] == [niger]
    assert any("killed 7 vs 9" in r for r in found[0].match.explanation)
    with js.node.db.transaction() as session:
        grouping = service.confirm(session, js.node, analyst(js.node), mali, niger)
    assert grouping["type"] == "grouping" and set(grouping["object_refs"]) == {mali, niger}
    with js.node.db.session() as session:
        rows = {c.field: c for c in service.summary(session, me, grouping)}
        assert not rows["killed"].agree
        assert sorted(rows["killed"].values) == [("Mali", "7"), ("Niger", "9")]
        flt = ObjectFilter(types=("incident",), text="zaouatine")
        once = ObjectFilter(types=("incident",), text="zaouatine", fused_once=True)
        assert aggregates.count_objects(session, me, flt) == 3
        assert aggregates.count_objects(session, me, once) == 2
        assert service.fused_with(session, me, niger)[0]["id"] == grouping["id"]
    # Algeria's node holds none of these, and Mali never received Niger's report.
    with ml.node.db.session() as session:
        mine = Principal(org_id=ml.org, name="ml", role=Role.ANALYST)
        with pytest.raises(Exception, match="No object"):
            service.find_candidates(session, mine, niger)
    with dz.node.db.session() as session:
        assert aggregates.count_objects(session, Principal(org_id=dz.org, name="dz"), flt) == 0


def test_a_rejected_pair_is_not_proposed_again(staff: tuple[dict[str, Member], Seeded]) -> None:
    ms, seeded = staff
    ml, ne, js = ms["ML"], ms["NE"], ms["JS"]
    a = _report(ml, seeded, [js.org])
    b = _report(ne, seeded, [js.org])
    assert sync.sync_peer(js.node, "ml").ok and sync.sync_peer(js.node, "ne").ok
    me = Principal(org_id=js.org, name="fusion", role=Role.ANALYST)
    with js.node.db.session() as session:
        assert [c.incident["id"] for c in service.find_candidates(session, me, a)] == [b]
    with js.node.db.transaction() as session:
        service.reject(session, js.node, analyst(js.node), a, b)
    with js.node.db.session() as session:
        assert service.find_candidates(session, me, a) == []
        assert service.find_candidates(session, me, b) == []


def test_related_patterns_are_proposed_and_linked(node: Any) -> None:
    from hoggar.fusion.related import related_for
    from incident_kit import seed_place_and_group

    seeded = seed_place_and_group(node, [])

    def report(**changes: Any) -> dict[str, Any]:
        with node.db.transaction() as session:
            form = ambush_form(seeded, **changes)
            return incidents.report_incident(session, node, analyst(node), form)

    kidnap = report(
        event_type="violence_against_civilians",
        sub_type="kidnapping",
        killed="",
        kidnapped="2",
        start="2026-03-01",
        time_precision="day",
    )
    release = report(
        event_type="strategic_development",
        sub_type="hostage_release",
        killed="",
        released="2",
        start="2026-09-15",
        time_precision="day",
    )
    first = report(sub_type="attack_on_post", start="2026-01-10")
    second = report(sub_type="attack_on_post", start="2026-06-02")
    seizure = {"event_type": "strategic_development", "sub_type": "drug_seizure", "killed": ""}
    resin = report(**seizure, seized=(("cannabis resin", "2", "tonnes"),), start="2026-04-01")
    more = report(
        **seizure,
        seized=(("cannabis resin", "800", "kg"),),
        start="2026-05-10",
        location_ref="",
        latitude="22.78",
        longitude="5.52",
        country="DZ",
    )
    me = analyst(node)
    with node.db.session() as session:
        patterns = {(r.pattern, r.incident["id"]) for r in related_for(session, me, kidnap)}
        assert ("kidnapping and release", release["id"]) in patterns
        back = {(r.pattern, r.incident["id"]) for r in related_for(session, me, release)}
        assert ("kidnapping and release", kidnap["id"]) in back
        posts = {(r.pattern, r.incident["id"]) for r in related_for(session, me, first)}
        assert ("repeated attacks on one place", second["id"]) in posts
        route = {(r.pattern, r.incident["id"]) for r in related_for(session, me, resin)}
        assert ("smuggling route", more["id"]) in route
        assert all(p != "smuggling route" for p, _ in related_for_ids(session, me, first))
    with node.db.transaction() as session:
        rel = service.link_related(
            session, node, me, kidnap["id"], release["id"], "kidnapping and release"
        )
    assert (
        rel["relationship_type"] == "related-to" and rel["description"] == "kidnapping and release"
    )


def related_for_ids(session: Any, me: Principal, obj: dict[str, Any]) -> set[tuple[str, str]]:
    from hoggar.fusion.related import related_for

    return {(r.pattern, r.incident["id"]) for r in related_for(session, me, obj)}
