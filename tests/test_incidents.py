"""Reporting incidents: the form's checks, versions, links, opinions, and who sees them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from federation_kit import Member, link, running_members
from hoggar.context import Principal, Role
from hoggar.federation import sync
from hoggar.incidents import responses, service
from hoggar.incidents.form import FormInvalid, IncidentInput, Place
from hoggar.incidents.form_checks import check_input
from hoggar.kernel.errors import NotFound, PermissionDenied
from hoggar.kernel.i18n import LANGUAGES, render
from hoggar.kernel.signing import verify_object
from hoggar.stix.models import ObjectLink
from hoggar.store import aggregates, queries
from hoggar.store.filters import ObjectFilter
from hoggar.store.projections import rebuild_projections
from incident_kit import Seeded, ambush_form, analyst, seed_place_and_group

pytestmark = pytest.mark.usefixtures("backend")

PLACE = Place(
    "location--00000000-0000-4000-8000-000000000001", "Tin Zaouatine", 19.956, 2.96, "DZ", None
)
GROUP = "intrusion-set--00000000-0000-4000-8000-000000000002"
MEMBER = "identity--00000000-0000-4000-8000-000000000003"


def _check(**changes: Any) -> dict[str, list[str]]:
    inp = ambush_form(Seeded(PLACE.id, GROUP), **changes)
    out = check_input(
        inp,
        place=PLACE if inp.location_ref == PLACE.id else None,
        known_actors=[GROUP],
        members=[MEMBER],
    )
    return {k: [m.msgid for m in v] for k, v in out.errors.items()}


@pytest.fixture
def trio(tmp_path: Path, backend: str) -> Iterator[tuple[Member, Member, Member, Seeded]]:
    """Algeria (reports), Mali (a recipient), Niger (never a recipient), serving on loopback.

    Algeria made a place and a group, shared with both partners."""
    with running_members(tmp_path, ["DZ", "ML", "NE"], backend) as ms:
        dz, ml, ne = ms["DZ"], ms["ML"], ms["NE"]
        seeded = seed_place_and_group(dz.node, [ml.org, ne.org])
        link(ml, dz)
        link(ne, dz)
        link(dz, ml)
        yield dz, ml, ne, seeded


def _report(m: Member, seeded: Seeded, **changes: Any) -> dict[str, Any]:
    with m.node.db.transaction() as session:
        return service.report_incident(
            session, m.node, analyst(m.node), ambush_form(seeded, **changes)
        )


def _principal(m: Member) -> Principal:
    return Principal(org_id=m.org, name="reader", role=Role.ANALYST)


# --- the form's checks (no database) -------------------------------------------------


def test_a_complete_form_gives_the_codebook_extension() -> None:
    inp = ambush_form(Seeded(PLACE.id, GROUP))
    out = check_input(inp, place=PLACE, known_actors=[GROUP], members=[MEMBER])
    assert out.ok, out.errors
    ext = out.extension
    assert ext["event_type"] == "battle" and ext["sub_type"] == "ambush"
    assert ext["start_time"] == "2026-11-20T05:40:00.000Z" == ext["end_time"]
    assert (ext["latitude"], ext["longitude"], ext["country"]) == (19.956, 2.96, "DZ")
    assert ext["location_refs"] == [PLACE.id] and ext["actor_refs"] == [GROUP]
    assert (ext["killed"], ext["wounded"]) == (3, 2)
    assert (ext["source_reliability"], ext["information_credibility"]) == ("B", 2)
    assert ext["narrative_lang"] == "ar"


@pytest.mark.parametrize(
    ("changes", "field", "msgid"),
    [
        ({"name": ""}, "name", "Give the incident a short title."),
        ({"event_type": "ambush"}, "event_type", "This is not an event type of the codebook."),
        (
            {"sub_type": "kidnapping"},
            "sub_type",
            "This sub-type does not belong to the chosen event type.",
        ),
        (
            {"start": "20/11/2026"},
            "start",
            "Enter a date as YYYY-MM-DD, with a time HH:MM if known.",
        ),
        ({"end": "2026-11-19"}, "end", "The end cannot be before the start."),
        ({"start": "2099-01-01"}, "start", "The event cannot start in the future."),
        (
            {"location_ref": "", "latitude": "95", "longitude": "2"},
            "latitude",
            "Must be between -{bound} and {bound}.",
        ),
        (
            {"location_ref": "", "latitude": "", "longitude": ""},
            "location_ref",
            "Choose a known place or give coordinates.",
        ),
        (
            {"location_ref": "location--00000000-0000-4000-8000-00000000dead"},
            "location_ref",
            "This place is unknown; choose one from the list.",
        ),
        (
            {"actor_refs": ("intrusion-set--00000000-0000-4000-8000-00000000beef",)},
            "actor_refs",
            "One of the chosen groups is unknown.",
        ),
        ({"killed": "-1"}, "killed", "Enter a whole number, 0 or more."),
        ({"killed": ""}, "killed", "Required for this type of event."),
        (
            {"killed": "2", "civilians_killed": "5"},
            "civilians_killed",
            "Cannot be more than the number killed.",
        ),
        ({"source_reliability": "G"}, "source_reliability", "Choose a grade from A to F."),
        (
            {"information_credibility": ""},
            "information_credibility",
            "Grade the information (1 to 6).",
        ),
        ({"tlp": "purple"}, "tlp", "Choose a TLP level."),
        (
            {"release_to": ("identity--00000000-0000-4000-8000-00000000f00d",)},
            "release_to",
            "One of the chosen recipients is not a member organization.",
        ),
        (
            {"event_type": "violence_against_civilians", "sub_type": "kidnapping", "killed": ""},
            "kidnapped",
            "Required for this type of event.",
        ),
        (
            {"event_type": "strategic_development", "sub_type": "drug_seizure", "killed": ""},
            "seized",
            "Required for this type of event.",
        ),
        (
            {
                "event_type": "strategic_development",
                "sub_type": "drug_seizure",
                "seized": (("cannabis resin", "0", "kg"),),
            },
            "seized",
            "Each seized quantity must be a number greater than 0.",
        ),
    ],
)
def test_each_problem_is_reported_under_its_field(
    changes: dict[str, Any], field: str, msgid: str
) -> None:
    errors = _check(**changes)
    assert msgid in errors.get(field, []), errors


def test_a_seizure_form_records_its_items() -> None:
    inp = ambush_form(
        Seeded(PLACE.id, GROUP),
        event_type="strategic_development",
        sub_type="drug_seizure",
        killed="",
        seized=(("cannabis resin", "1,5", "tonnes"), ("vehicles", "2", "units")),
    )
    out = check_input(inp, place=PLACE, known_actors=[GROUP], members=[MEMBER])
    assert out.ok, out.errors
    assert out.extension["seized"] == [
        {"item": "cannabis resin", "quantity": 1.5, "unit": "tonnes"},
        {"item": "vehicles", "quantity": 2, "unit": "units"},
    ]


def test_a_day_without_time_spans_the_whole_day() -> None:
    out = check_input(
        ambush_form(Seeded(PLACE.id, GROUP), start="2026-11-20", time_precision="day"),
        place=PLACE,
        known_actors=[GROUP],
        members=[MEMBER],
    )
    assert out.extension["start_time"] == "2026-11-20T00:00:00.000Z"
    assert out.extension["end_time"] == "2026-11-20T23:59:59.999Z"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_form_message_renders_in_each_language(lang: str) -> None:
    errors = check_input(
        IncidentInput(killed="x", latitude="200", longitude="5", tlp="?"),
        place=None,
        known_actors=[],
        members=[],
    ).errors
    assert len(errors) >= 8
    for messages in errors.values():
        for message in messages:
            text = render(message, lang)
            assert text and "{" not in text, (message, text)
            if lang != "en":
                assert text != message.msgid.format(**message.params), (lang, message.msgid)


form_values = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20
)


@settings(max_examples=200, deadline=None)
@given(
    st.fixed_dictionaries(
        {},
        optional={
            k: form_values
            for k in (
                "name",
                "event_type",
                "sub_type",
                "start",
                "end",
                "latitude",
                "longitude",
                "killed",
                "country",
                "tlp",
                "lang",
                "source_reliability",
                "information_credibility",
                "time_precision",
                "geo_precision",
            )
        },
    )
)
def test_any_form_is_either_accepted_or_answered_field_by_field(data: dict[str, str]) -> None:
    out = check_input(IncidentInput.from_mapping(data), place=None, known_actors=[], members=[])
    known = set(IncidentInput.__dataclass_fields__) | {"start", "end"}
    assert set(out.errors) <= known, out.errors
    if out.ok:
        for key in ("event_type", "sub_type", "start_time", "country", "source_reliability"):
            assert key in out.extension


# --- reporting, editing, links, opinions, over real nodes ------------------------------


def test_report_signs_the_incident_and_links_place_and_group_shared_alike(
    trio: tuple[Member, Member, Member, Seeded],
) -> None:
    dz, ml, ne, seeded = trio
    obj = _report(dz, seeded, release_to=(ml.org,))
    verify_object(obj, dz.node.signer.public_b64)
    assert obj["lang"] == "ar" and obj["name"] == "كمين قرب تين زواتين"
    with dz.node.db.session() as session:
        view = service.view_incident(session, _principal(dz), obj["id"])
        links = responses.pointing_at(
            session, _principal(dz), obj["id"], ("relationship",), "source"
        )
    assert [g["id"] for g in view.groups] == [seeded.group]
    assert [p["id"] for p in view.places] == [seeded.place]
    assert view.recipients == [ml.org]
    assert sorted(r["relationship_type"] for r in links) == ["attributed-to", "located-at"]
    assert all(r["object_marking_refs"] == obj["object_marking_refs"] for r in links)
    assert sync.sync_peer(ml.node, "dz").ok and sync.sync_peer(ne.node, "dz").ok
    with ml.node.db.session() as session:
        seen = service.view_incident(session, _principal(ml), obj["id"])
        assert seen.recipients is None  # only the originator sees who else received it
        assert [g["id"] for g in seen.groups] == [seeded.group]
        by_group = ObjectFilter(types=("incident",), group=seeded.group)
        assert aggregates.count_objects(session, _principal(ml), by_group) == 1
    with ne.node.db.session() as session:
        with pytest.raises(NotFound):
            service.view_incident(session, _principal(ne), obj["id"])
        by_group = ObjectFilter(types=("incident",), group=seeded.group)
        assert aggregates.count_objects(session, _principal(ne), by_group) == 0
        assert (
            responses.pointing_at(
                session, _principal(ne), seeded.group, ("relationship",), "target"
            )
            == []
        )


def test_edit_is_a_new_version_by_the_originator_and_links_follow(
    trio: tuple[Member, Member, Member, Seeded],
) -> None:
    dz, ml, _, seeded = trio
    obj = _report(dz, seeded, release_to=(ml.org,))
    edited = ambush_form(seeded, killed="5", actor_refs=(), release_to=(ml.org,), name="كمين")
    with dz.node.db.transaction() as session:
        service.edit_incident(session, dz.node, analyst(dz.node), obj["id"], edited)
    with dz.node.db.session() as session:
        view = service.view_incident(session, _principal(dz), obj["id"])
    assert len(view.versions) == 2
    assert service.extension_of(view.incident)["killed"] == 5
    assert "killed" in view.changes[0] and "name" in view.changes[0]
    assert "actor_refs" in view.changes[0]
    assert view.groups == []  # the attributed-to relationship was revoked with the choice
    assert [p["id"] for p in view.places] == [seeded.place]
    assert sync.sync_peer(ml.node, "dz").ok
    with ml.node.db.transaction() as session, pytest.raises(PermissionDenied):
        service.edit_incident(session, ml.node, analyst(ml.node), obj["id"], edited)


def test_narrowing_the_release_set_on_edit_takes_the_links_along(
    trio: tuple[Member, Member, Member, Seeded],
) -> None:
    dz, ml, ne, seeded = trio
    obj = _report(dz, seeded, release_to=(ml.org, ne.org))
    with dz.node.db.transaction() as session:
        service.edit_incident(
            session, dz.node, analyst(dz.node), obj["id"], ambush_form(seeded, release_to=(ml.org,))
        )
    with dz.node.db.session() as session:
        niger = Principal(org_id=ne.org, name="peer", role=Role.PEER)
        with pytest.raises(NotFound):
            queries.get_object(session, niger, obj["id"])
        by_group = ObjectFilter(types=("incident",), group=seeded.group)
        assert aggregates.count_objects(session, niger, by_group) == 0
        assert responses.pointing_at(session, niger, obj["id"], ("relationship",), "source") == []


def test_a_partner_corroborates_and_only_the_chosen_organizations_see_it(
    trio: tuple[Member, Member, Member, Seeded],
) -> None:
    dz, ml, ne, seeded = trio
    obj = _report(dz, seeded, release_to=(ml.org, ne.org))
    assert sync.sync_peer(ml.node, "dz").ok
    with ml.node.db.transaction() as session:
        opinion = responses.give_opinion(
            session,
            ml.node,
            analyst(ml.node),
            obj["id"],
            responses.OpinionInput("agree", "Same patrol report."),
        )
    assert opinion["object_refs"] == [obj["id"]]
    with ml.node.db.transaction() as session, pytest.raises(FormInvalid) as bad:
        responses.give_opinion(
            session, ml.node, analyst(ml.node), obj["id"], responses.OpinionInput("maybe")
        )
    assert "opinion" in bad.value.errors
    assert sync.sync_peer(dz.node, "ml").ok
    with dz.node.db.session() as session:
        view = service.view_incident(session, _principal(dz), obj["id"])
        assert [o["opinion"] for o in view.opinions] == ["agree"]
        niger = Principal(org_id=ne.org, name="peer", role=Role.PEER)
        assert service.view_incident(session, niger, obj["id"]).opinions == []
    with dz.node.db.transaction() as session, pytest.raises(FormInvalid):
        responses.give_opinion(
            session, dz.node, analyst(dz.node), obj["id"], responses.OpinionInput("agree")
        )


def test_links_rebuilt_from_objects_equal_the_ones_kept_on_write(
    trio: tuple[Member, Member, Member, Seeded],
) -> None:
    dz, ml, _, seeded = trio
    obj = _report(dz, seeded, release_to=(ml.org,))
    with dz.node.db.transaction() as session:
        service.edit_incident(
            session, dz.node, analyst(dz.node), obj["id"], ambush_form(seeded, actor_refs=())
        )

    def links() -> set[tuple[str, str, str, str | None]]:
        with dz.node.db.session() as session:
            return {
                (r.stix_id, r.ref_id, r.role, r.relationship_type)
                for r in session.scalars(select(ObjectLink))
            }

    before = links()
    assert (obj["id"], seeded.place, "location", None) in before
    with dz.node.db.transaction() as session:
        rebuild_projections(session)
    assert links() == before
