"""Meetings, decisions and action items: recorded as STIX objects, shared alike, each
member reading only what it may, statuses updated by the responsible member with
evidence, the demo's meetings from the sample articles, and the pages."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import httpx
import pytest

from conftest import ADMIN_PASSWORD, LiveServer
from hoggar.context import Node, Principal, Role
from hoggar.demo import seed_demo
from hoggar.kernel.errors import Invalid, NotFound, PermissionDenied
from hoggar.records import authoring
from hoggar.records.identity import add_member
from hoggar.stix.types.meetings import ACTION_ITEM, DECISION, MEETING
from hoggar.stix.validation import validate_object
from hoggar.store import queries
from hoggar.summits import service
from incident_kit import analyst

MALI = "identity--5b0e2f3c-7d1a-4e8b-9c6f-2a4d8e1b3c70"
NIGER = "identity--6c1f3a4d-8e2b-4f9c-ad70-3b5e9f2c4d81"
CHAD = "identity--7d2a4b5e-9f3c-4a0d-be81-4c6fa03d5e92"


def _members(node: Node) -> None:
    with node.db.transaction() as session:
        for ident, name, country in (
            (MALI, "Mali", "ML"),
            (NIGER, "Niger", "NE"),
            (CHAD, "Chad", "TD"),
        ):
            add_member(session, node, identity_id=ident, name=name, country=country, actor="test")


def _meeting(node: Node, **changes: Any) -> service.MeetingIn:
    values: dict[str, Any] = {
        "name": "Comité technique frontalier",
        "kind": "technical-committee",
        "start_date": "2026-11-10",
        "end_date": "2026-11-11",
        "host": node.org_id,
        "participants": (node.org_id, MALI, NIGER),
        "place_name": "Tamanrasset",
        "country": "DZ",
        "agenda": ("Contrebande d'armes", "Enlèvements"),
        "final_statement": "Le comité a fixé des objectifs pour 2027.",
        "lang": "fr",
        "decisions": (
            service.DecisionIn(
                "Intercepter les convois d'armes.",
                "arms-smuggling",
                (
                    service.ActionIn("Signaler chaque saisie sous 48 h.", MALI, "2026-11-20"),
                    service.ActionIn("Patrouilles conjointes.", NIGER, "2027-03-31"),
                ),
            ),
        ),
    }
    values.update(changes)
    return service.MeetingIn(**values)


def test_a_meeting_is_recorded_as_valid_stix_and_read_back(node: Node) -> None:
    _members(node)
    with node.db.transaction() as session:
        meeting = service.record_meeting(session, node, analyst(node), _meeting(node))
    assert meeting["type"] == MEETING and validate_object(meeting) == []
    with node.db.session() as session:
        view = service.view_meeting(session, analyst(node), meeting["id"], date(2026, 11, 25))
    [decision] = view.decisions
    assert decision.decision["type"] == DECISION and decision.decision["theme"] == "arms-smuggling"
    late, pending = sorted(decision.actions, key=lambda a: a.item["due_date"])
    assert late.item["type"] == ACTION_ITEM
    assert (late.status, late.late) == ("open", True)  # due 20 November, nothing done
    assert (pending.status, pending.late) == ("open", False)
    # Shared with the participants: Mali reads it all, Chad (not a participant) nothing.
    mali = Principal(org_id=MALI, name="m", role=Role.ANALYST)
    chad = Principal(org_id=CHAD, name="c", role=Role.ANALYST)
    with node.db.session() as session:
        assert (
            len(service.view_meeting(session, mali, meeting["id"], date(2026, 11, 25)).decisions)
            == 1
        )
        with pytest.raises(NotFound):
            service.view_meeting(session, chad, meeting["id"], date(2026, 11, 25))
        assert service.list_meetings(session, chad) == []
        assert service.action_items(session, chad, date(2026, 11, 25)) == []


def test_bad_meetings_are_refused_with_the_field(node: Node) -> None:
    _members(node)
    cases = [
        (_meeting(node, kind="party"), "/kind"),
        (
            _meeting(node, participants=("identity--00000000-0000-4000-8000-000000000000",)),
            "/participants/0",
        ),
        (
            _meeting(
                node,
                decisions=(
                    service.DecisionIn("x", "weather", (service.ActionIn("y", MALI, "soon"),)),
                ),
            ),
            "/decisions/0/theme",
        ),
    ]
    for inp, where in cases:
        with node.db.transaction() as session, pytest.raises(Invalid) as err:
            service.record_meeting(session, node, analyst(node), inp)
        assert where in [p.where for p in err.value.problems]
    with node.db.session() as session:
        assert service.list_meetings(session, analyst(node)) == []  # nothing half-written
    viewer = Principal(org_id=node.org_id, name="v", role=Role.VIEWER)
    with node.db.transaction() as session, pytest.raises(PermissionDenied):
        service.record_meeting(session, node, viewer, _meeting(node))


def test_only_the_responsible_member_or_the_originator_updates_a_status(node: Node) -> None:
    _members(node)
    # Here the node is the host; Mali is responsible for one item. The node (originator)
    # may update both; the update is shared with the participants.
    with node.db.transaction() as session:
        meeting = service.record_meeting(session, node, analyst(node), _meeting(node))
        incident = authoring.create_object(
            session,
            node,
            analyst(node),
            {"type": "incident", "name": "Saisie d'armes"},
            authoring.Sharing.parse("amber", [MALI]),
        )
    with node.db.session() as session:
        view = service.view_meeting(session, analyst(node), meeting["id"], date(2026, 11, 25))
    item = view.decisions[0].actions[0].item
    with node.db.transaction() as session:
        service.update_action(
            session,
            node,
            analyst(node),
            item["id"],
            "done",
            "2026-11-18",
            "Fait.",
            [incident["id"]],
        )
    with node.db.transaction() as session, pytest.raises(Invalid) as err:
        service.update_action(session, node, analyst(node), item["id"], "finished", "someday")
    assert {p.where for p in err.value.problems} == {"status", "as_of"}
    with node.db.transaction() as session, pytest.raises(Invalid):
        service.update_action(
            session,
            node,
            analyst(node),
            item["id"],
            "done",
            "2026-11-18",
            "",
            ["incident--" + "0" * 8 + "-0000-4000-8000-" + "0" * 12],
        )
    with node.db.session() as session:
        view = service.view_meeting(session, analyst(node), meeting["id"], date(2026, 11, 25))
        done = next(a for a in view.decisions[0].actions if a.item["id"] == item["id"])
        assert (done.status, done.late) == ("done", False)
        assert [e["id"] for e in done.evidence] == [incident["id"]]
        # Chad reads neither the item nor its update.
        chad = Principal(org_id=CHAD, name="c", role=Role.ANALYST)
        with pytest.raises(NotFound):
            queries.get_object(session, chad, done.updates[0]["id"])


def test_the_demo_has_the_meetings_of_the_sample_articles(node: Node) -> None:
    seed_demo(node, incidents=300)
    algeria = Principal(org_id=node.org_id, name="a", role=Role.ANALYST)
    with node.db.session() as session:
        meetings = {m["start_date"]: m for m in service.list_meetings(session, algeria)}
        assert {"2010-03-16", "2010-04-12", "2010-04-21"} <= meetings.keys()
        assert meetings["2010-04-12"]["place_name"] == "Algiers"
        assert meetings["2010-04-21"]["place_name"] == "Tamanrasset"
        assert len(meetings["2010-04-12"]["participant_refs"]) == 7
        view = service.view_meeting(
            session, algeria, meetings["2010-04-21"]["id"], date(2026, 12, 1)
        )
        assert view.sources and view.sources[0]["type"] == "report"
        statuses = {a.status for d in view.decisions for a in d.actions}
        assert "done" in statuses
        actions = service.action_items(session, algeria, date(2026, 12, 1))
        assert sum(a.late for a in actions) >= 3 and sum(a.status == "done" for a in actions) >= 3
        # The 2025 committee's updates cite the demo's incidents.
        cited = [e for a in actions for e in a.evidence if e["type"] == "incident"]
        assert cited


def test_meeting_pages(node: Node) -> None:
    _members(node)
    with node.db.transaction() as session:
        meeting = service.record_meeting(session, node, analyst(node), _meeting(node))
    with LiveServer(node) as server, httpx.Client(base_url=server.url, timeout=30) as web:
        assert (
            web.post("/login", data={"username": "admin", "password": ADMIN_PASSWORD}).status_code
            == 303
        )
        page = web.get("/meetings")
        assert page.status_code == 200 and "Comité technique frontalier" in page.text
        detail = web.get(f"/meetings/{meeting['id']}")
        assert detail.status_code == 200 and "Signaler chaque saisie sous 48 h." in detail.text
        assert 'class="status s-late"' in detail.text or 'class="status s-open"' in detail.text
        csrf = re.search(r'name="csrf" value="([^"]+)"', detail.text).group(1)  # type: ignore[union-attr]
        item = re.search(r'action="/actions/([^/]+)/status"', detail.text).group(1)  # type: ignore[union-attr]
        r = web.post(
            f"/actions/{item}/status",
            data={
                "csrf": csrf,
                "meeting": meeting["id"],
                "status": "in-progress",
                "as_of": "2026-11-15",
                "text": "En cours",
            },
        )
        assert r.status_code == 303
        assert "En cours" in web.get(f"/meetings/{meeting['id']}").text
        assert (
            web.get("/meetings/x-hoggar-meeting--00000000-0000-4000-8000-000000000000").status_code
            == 404
        )


def test_meetings_over_the_api(node: Node) -> None:
    _members(node)
    body = {
        "name": "Réunion d'experts",
        "kind": "expert-meeting",
        "start_date": "2026-10-01",
        "host": node.org_id,
        "participants": [node.org_id, MALI],
        "decisions": [
            {
                "text": "Partager les listes de personnes enlevées.",
                "theme": "kidnapping",
                "actions": [
                    {
                        "text": "Liste initiale.",
                        "responsible": node.org_id,
                        "due_date": "2026-10-31",
                    }
                ],
            }
        ],
    }
    with LiveServer(node) as server, httpx.Client(base_url=server.url, timeout=30) as api:
        r = api.post("/api/session", json={"username": "admin", "password": ADMIN_PASSWORD})
        api.headers["x-csrf-token"] = r.json()["csrf_token"]
        created = api.post("/api/meetings", json=body)
        assert created.status_code == 201, created.text
        meeting_id = created.json()["id"]
        bad = api.post("/api/meetings", json={**body, "kind": "party"})
        assert bad.status_code == 422 and "/kind" in bad.text
        missing = api.post("/api/meetings", json={"name": "x"})
        assert missing.status_code == 422
        got = api.get(f"/api/meetings/{meeting_id}").json()
        action = got["decisions"][0]["actions"][0]
        assert action["late"] is True and action["status"] == "open"
        upd = api.post(
            f"/api/actions/{action['item']['id']}/updates",
            json={"status": "done", "as_of": "2026-10-30", "text": "Liste envoyée."},
        )
        assert upd.status_code == 201, upd.text
        [after] = api.get("/api/actions").json()["actions"]
        assert (after["status"], after["late"]) == ("done", False)
        assert [m["id"] for m in api.get("/api/meetings").json()["meetings"]] == [meeting_id]


@pytest.mark.parametrize("backend", ["sqlite"])
def test_each_member_node_keeps_the_common_record(tmp_path: Any, backend: str) -> None:
    """Algeria records a meeting with Mali; Mali's node pulls it, Mali updates its own
    action item on its node, and Algeria's node receives the update; Niger gets none."""
    from federation_kit import link, running_members
    from hoggar.federation import sync

    with running_members(tmp_path, ["DZ", "ML", "NE"], backend) as ms:
        dz, ml, ne = ms["DZ"], ms["ML"], ms["NE"]
        for a, b in ((ml, dz), (dz, ml), (ne, dz)):
            link(a, b)
        inp = service.MeetingIn(
            name="Réunion bilatérale",
            kind="chiefs-of-staff-meeting",
            start_date="2026-11-02",
            host=dz.org,
            participants=(dz.org, ml.org),
            decisions=(
                service.DecisionIn(
                    "Patrouilles conjointes",
                    "border-security",
                    (service.ActionIn("Patrouille nord", ml.org, "2026-12-31"),),
                ),
            ),
        )
        with dz.node.db.transaction() as session:
            meeting = service.record_meeting(session, dz.node, analyst(dz.node), inp)
        assert sync.sync_peer(ml.node, "dz").ok and sync.sync_peer(ne.node, "dz").ok
        today = date(2026, 11, 20)
        with ml.node.db.session() as session:
            view = service.view_meeting(session, analyst(ml.node), meeting["id"], today)
        item = view.decisions[0].actions[0].item
        with ml.node.db.transaction() as session:
            service.update_action(
                session,
                ml.node,
                analyst(ml.node),
                item["id"],
                "in-progress",
                "2026-11-19",
                "Première patrouille",
            )
        with ne.node.db.session() as session, pytest.raises(NotFound):
            service.view_meeting(session, analyst(ne.node), meeting["id"], today)
        assert sync.sync_peer(dz.node, "ml").ok
        with dz.node.db.session() as session:
            view = service.view_meeting(session, analyst(dz.node), meeting["id"], today)
        action = view.decisions[0].actions[0]
        assert action.status == "in-progress" and action.latest is not None
        assert action.latest["created_by_ref"] == ml.org
        # Niger cannot set Mali's item's status even from its own node (it cannot read it).
        with ne.node.db.transaction() as session, pytest.raises(NotFound):
            service.update_action(
                session, ne.node, analyst(ne.node), item["id"], "done", "2026-11-19"
            )


def test_recording_a_meeting_in_the_web_form(node: Node) -> None:
    _members(node)
    with LiveServer(node) as server, httpx.Client(base_url=server.url, timeout=30) as web:
        assert (
            web.post("/login", data={"username": "admin", "password": ADMIN_PASSWORD}).status_code
            == 303
        )
        form = web.get("/meetings/new")
        assert form.status_code == 200
        csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
        data: dict[str, Any] = {
            "csrf": csrf,
            "name": "Comité mixte Algérie-Niger",
            "kind": "technical-committee",
            "start_date": "2026-11-24",
            "host": node.org_id,
            "participants": [node.org_id, NIGER],
            "agenda": "Contrebande de carburant\nMigrations",
            "d0_text": "Patrouilles communes sur la frontière",
            "d0_theme": "border-security",
            "d0a0_text": "Première patrouille commune",
            "d0a0_responsible": NIGER,
            "d0a0_due": "2027-01-15",
        }
        bad = web.post("/meetings/new", data={**data, "participants": [], "d0a0_due": "demain"})
        assert bad.status_code == 422
        assert "/participants" in bad.text and "/decisions/0/actions/0/due_date" in bad.text
        assert "Comité mixte Algérie-Niger" in bad.text  # nothing typed is lost
        r = web.post("/meetings/new", data=data)
        assert r.status_code == 303
        page = web.get(r.headers["location"])
        assert "Première patrouille commune" in page.text and "Migrations" in page.text
    with node.db.session() as session:
        [meeting] = service.list_meetings(session, Principal(org_id=NIGER, name="n"))
        assert meeting["agenda"] == ["Contrebande de carburant", "Migrations"]
