"""Incident pages over real HTTP: the form and its messages in three languages, detail,
edit, map layer, timeline, groups, and the same answer for hidden and missing records."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from conftest import ADMIN_PASSWORD, MALI_ID, LiveServer
from hoggar.auth.service import create_user
from hoggar.context import Node, Principal
from hoggar.kernel.i18n import Msg, render
from hoggar.kernel.ids import new_id
from hoggar.records.identity import add_member
from hoggar.store import queries
from hoggar.store.filters import ObjectFilter
from incident_kit import Seeded, seed_place_and_group

VIEWER_PASSWORD = "viewer-password-2026"


@pytest.fixture(scope="module")
def seeded(shared_node: Node, foreign_unreleased: dict[str, str]) -> Seeded:
    """Mali is in the directory (foreign_unreleased registers it); a place and a group."""
    with shared_node.db.transaction() as session:
        create_user(
            session,
            shared_node,
            username="viewer1",
            password=VIEWER_PASSWORD,
            role="viewer",
            actor="test",
        )
    return seed_place_and_group(shared_node, [MALI_ID])


@contextmanager
def _login(
    url: str, username: str = "admin", password: str = ADMIN_PASSWORD
) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=url, timeout=30) as client:
        r = client.post("/login", data={"username": username, "password": password})
        assert r.status_code == 303, r.text
        yield client


@pytest.fixture
def web(shared_server: LiveServer) -> Iterator[httpx.Client]:
    with _login(shared_server.url) as client:
        yield client


def _csrf(page: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', page)
    assert m, "no CSRF field on the page"
    return m.group(1)


def _choose(client: httpx.Client, lang: str) -> None:
    page = client.get("/")
    r = client.post("/language", data={"lang": lang, "next": "/", "csrf": _csrf(page.text)})
    assert r.status_code == 303


def _form(seeded: Seeded, csrf: str, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "csrf": csrf,
        "name": "كمين قرب تين زواتين",
        "event_type": "battle",
        "sub_type": "ambush",
        "lang": "ar",
        "narrative": "تعرضت دورية لكمين شمال تين زواتين.",
        "start": "2026-11-20 05:40",
        "time_precision": "exact",
        "location_ref": seeded.place,
        "geo_precision": "town",
        "actor_refs": [seeded.group],
        "killed": "3",
        "source_reliability": "B",
        "information_credibility": "2",
        "tlp": "amber",
        "release_to": [MALI_ID],
    }
    data.update(changes)
    return data


def _create(client: httpx.Client, seeded: Seeded, **changes: Any) -> str:
    page = client.get("/incidents/new")
    r = client.post("/incidents/new", data=_form(seeded, _csrf(page.text), **changes))
    assert r.status_code == 303, r.text[-3000:]
    m = re.fullmatch(r"/incidents/(incident--[0-9a-f-]+)\?saved=1", r.headers["location"])
    assert m, r.headers["location"]
    return m.group(1)


def test_pages_follow_the_chosen_language_and_direction(web: httpx.Client, seeded: Seeded) -> None:
    _choose(web, "ar")
    page = web.get("/incidents/new")
    assert '<html lang="ar" dir="rtl">' in page.text
    assert "نوع الحدث" in page.text  # the codebook's own Arabic label of "event type"
    assert render(Msg("Report an incident"), "ar") in page.text
    _choose(web, "fr")
    page = web.get("/incidents/new")
    assert '<html lang="fr" dir="ltr">' in page.text
    assert (
        "Signaler un incident" in page.text or render(Msg("Report an incident"), "fr") in page.text
    )
    assert "Embuscade" in page.text  # codebook sub-type label in French
    _choose(web, "en")


def test_the_language_sticks_to_the_account_across_sessions(
    shared_server: LiveServer, seeded: Seeded
) -> None:
    with _login(shared_server.url, "viewer1", VIEWER_PASSWORD) as first:
        _choose(first, "fr")
    with _login(shared_server.url, "viewer1", VIEWER_PASSWORD) as second:
        page = second.get("/")
        assert '<html lang="fr"' in page.text
        assert render(Msg("Dashboard"), "fr") in page.text
        _choose(second, "en")
    with httpx.Client(base_url=shared_server.url, timeout=30) as anonymous:
        page = anonymous.get("/login", headers={"accept-language": "ar,fr;q=0.5"})
        assert '<html lang="ar" dir="rtl">' in page.text


def test_invalid_form_answers_in_the_readers_language_next_to_each_field(
    web: httpx.Client, seeded: Seeded
) -> None:
    _choose(web, "fr")
    page = web.get("/incidents/new")
    before = web.get("/incidents", params={"q": "Tessalit"}).text
    r = web.post(
        "/incidents/new",
        data=_form(
            seeded, _csrf(page.text), name="Tessalit", killed="", latitude="95", location_ref=""
        ),
    )
    assert r.status_code == 422
    text = html.unescape(r.text)
    killed = re.search(
        r'<input id="f-killed"[^>]*aria-invalid="true" aria-describedby="err-killed"', text
    )
    assert killed, "the killed field is not marked invalid"
    error = re.search(
        r'<span class="field-error" id="err-killed" role="alert">([^<]+)</span>', text
    )
    assert error and error.group(1) == render(Msg("Required for this type of event."), "fr")
    lat = re.search(r'id="err-latitude" role="alert">([^<]+)<', text)
    assert lat and lat.group(1) == render(
        Msg("Must be between -{bound} and {bound}.", {"bound": 90}), "fr"
    )
    assert 'value="Tessalit"' in text  # what was typed is kept
    assert web.get("/incidents", params={"q": "Tessalit"}).text.count(
        "/incidents/incident--"
    ) == before.count("/incidents/incident--")
    _choose(web, "en")


def test_create_then_detail_then_edit_keeps_history_and_language(
    web: httpx.Client, seeded: Seeded
) -> None:
    sid = _create(web, seeded)
    page = web.get(f"/incidents/{sid}")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert 'lang="ar">كمين قرب تين زواتين</h1>' in text
    assert "Written in العربية" in text
    assert f'href="/groups/{seeded.group}"' in text
    assert "Tin Zaouatine" in text
    assert "Mali" in text  # the originator sees who receives it
    # Left unticked, the recipients are not shown to each other (a sealed release set).
    assert "Each recipient knows only that it received the record." in text
    assert "B</abbr>" in text and "2</abbr>" in text
    edit = web.get(f"/incidents/{sid}/edit")
    assert edit.status_code == 200 and 'value="3"' in edit.text
    assert re.search(r'name="disclose_recipients" value="1"\s+aria', edit.text)  # unticked
    data = _form(seeded, _csrf(edit.text), killed="4", disclose_recipients="1")
    r = web.post(f"/incidents/{sid}/edit", data=data)
    assert r.status_code == 303, r.text[-2000:]
    text = html.unescape(web.get(f"/incidents/{sid}").text)
    assert "The recipients see this list." in text  # the new version shows them
    assert re.search(
        r'name="disclose_recipients" value="1" checked', web.get(f"/incidents/{sid}/edit").text
    )
    assert "History" in text and text.count('<li><time datetime="') == 2
    assert "killed" in text.split('id="h-history"', 1)[1]


def test_viewer_cannot_report_and_a_missing_csrf_field_saves_nothing(
    shared_server: LiveServer, web: httpx.Client, seeded: Seeded
) -> None:
    r = web.post("/incidents/new", data=_form(seeded, "forged", name="Forged Kidal"))
    assert r.status_code == 400
    listed = web.get("/incidents", params={"q": "Forged Kidal"}).text
    assert 'href="/incidents/incident--' not in listed
    with _login(shared_server.url, "viewer1", VIEWER_PASSWORD) as viewer:
        page = viewer.get("/incidents/new")
        assert "Report an incident</a>" not in viewer.get("/incidents").text
        r = viewer.post("/incidents/new", data=_form(seeded, _csrf(page.text), name="Viewer Gao"))
        assert r.status_code == 403
        listed = viewer.get("/incidents", params={"q": "Viewer Gao"}).text
        assert 'href="/incidents/incident--' not in listed
        assert "may read but not create" in r.text


def test_map_layer_list_search_and_timeline_show_only_readable_incidents(
    web: httpx.Client, seeded: Seeded, foreign_unreleased: dict[str, str]
) -> None:
    sid = _create(web, seeded, name="Embuscade de Timiaouine")
    geo = web.get("/map/incidents.geojson")
    assert geo.status_code == 200 and geo.headers["content-type"].startswith("application/geo+json")
    ids = {f["id"] for f in geo.json()["features"]}
    assert sid in ids and foreign_unreleased["incident"] not in ids
    feature = next(f for f in geo.json()["features"] if f["id"] == sid)
    assert feature["geometry"]["coordinates"] == [2.96, 19.956]
    assert feature["properties"]["label"] == "Ambush"
    found = web.get("/incidents", params={"q": "timiaouine"})
    assert f'href="/incidents/{sid}"' in found.text
    assert (
        web.get("/incidents", params={"q": "Ménaka"}).text.count('href="/incidents/incident--') == 0
    )
    by_group = web.get("/incidents", params={"group": seeded.group})
    assert f'href="/incidents/{sid}"' in by_group.text
    timeline = web.get("/timeline", params={"q": "timiaouine"})
    assert timeline.status_code == 200 and "Nov 2026" in timeline.text
    group = web.get(f"/groups/{seeded.group}")
    assert (
        group.status_code == 200
        and "AQMI" in group.text
        and f'href="/incidents/{sid}"' in group.text
    )


@pytest.mark.parametrize("path", ["/incidents/{}", "/incidents/{}/edit", "/groups/{}"])
def test_hidden_and_missing_records_answer_alike(
    web: httpx.Client, foreign_unreleased: dict[str, str], path: str
) -> None:
    foreign = foreign_unreleased["incident"]
    unknown = new_id("incident")
    a, b = web.get(path.format(unknown)), web.get(path.format(foreign))
    assert a.status_code == b.status_code == 404
    assert b.text.replace(foreign, unknown) == a.text
    assert "Ménaka" not in b.text


def test_codebook_page_lists_every_event_type_in_the_readers_language(web: httpx.Client) -> None:
    _choose(web, "fr")
    page = web.get("/codebook")
    assert page.status_code == 200
    for key in ("battle", "explosion_remote_violence", "strategic_development", "kidnapping"):
        assert f'id="{key}"' in page.text
    assert "Enlèvement" in page.text
    _choose(web, "en")


def test_the_place_finder_answers_from_the_gazetteer_in_any_script(
    web: httpx.Client, shared_server: LiveServer
) -> None:
    for query in ("Tamanghasset", "تمنراست", "tamanraset"):
        found = web.get("/geo/lookup", params={"q": query}).json()
        assert found[0]["id"] == "hoggar:tamanrasset", (query, found[:2])
        assert found[0]["country"] == "DZ" and abs(found[0]["lat"] - 22.785) < 0.01
        assert found[0]["why"]
    assert web.get("/geo/lookup", params={"q": ""}).json() == []
    with httpx.Client(base_url=shared_server.url) as anonymous:
        assert anonymous.get("/geo/lookup", params={"q": "Gao"}).status_code == 401


def test_detail_proposes_the_same_event_and_fuses_it(web: httpx.Client, seeded: Seeded) -> None:
    first = _create(web, seeded, name="Embuscade à Tin Zaouatine (patrouille)", killed="4")
    second = _create(web, seeded, name="كمين تين زواتين", killed="6", start="2026-11-20 07:10")
    page = html.unescape(web.get(f"/incidents/{first}").text)
    section = page.split('id="h-fusion"', 1)[1].split("</section>", 1)[0]
    assert f'href="/incidents/{second}"' in section and "killed 4 vs 6" in section
    r = web.post(
        f"/incidents/{first}/fuse",
        data={"csrf": _csrf(page), "other": second, "decision": "confirm"},
    )
    assert r.status_code == 303, r.text[-1500:]
    page = html.unescape(web.get(f"/incidents/{second}").text)
    fused = page.split('id="h-fusion"', 1)[1].split("</section>", 1)[0]
    assert "Fused event:" in fused and "sources disagree" in fused
    assert "4" in fused and "6" in fused


def test_hiding_recipients_from_each_other_needs_their_keys(
    web: httpx.Client, seeded: Seeded, shared_node: Node
) -> None:
    """A recipient without a key in the directory cannot get a sealed box: the form says
    so on the recipients and stores nothing; ticking "let them see each other" saves."""
    keyless = "identity--7d2a4b5e-9f3c-4a0d-be81-4c6f0a3d5e92"
    with shared_node.db.transaction() as session:
        add_member(session, shared_node, identity_id=keyless, name="Tchad", country="TD")
    page = web.get("/incidents/new")
    r = web.post(
        "/incidents/new",
        data=_form(seeded, _csrf(page.text), name="Sans clé", release_to=[MALI_ID, keyless]),
    )
    assert r.status_code == 422
    assert "no key in the member directory for Tchad" in html.unescape(r.text)
    with shared_node.db.session() as session:
        assert not queries.list_objects(
            session,
            Principal(org_id=shared_node.org_id, name="p"),
            ObjectFilter(text="Sans clé"),
        ).items
    sid = _create(
        web, seeded, name="Avec liste", release_to=[MALI_ID, keyless], disclose_recipients="1"
    )
    assert "The recipients see this list." in html.unescape(web.get(f"/incidents/{sid}").text)


def test_an_incident_without_coordinates_has_a_page(web: httpx.Client, shared_node: Node) -> None:
    """docs/api.md's own example has no coordinates, nor do many partners' records."""
    from hoggar.context import system_principal
    from hoggar.records.authoring import Sharing, create_object
    from hoggar.sharing.markings import TLP
    from hoggar.stix.extensions import INCIDENT_EXTENSION_ID

    draft = {
        "type": "incident",
        "name": "Attack on a patrol, place not given",
        "extensions": {
            INCIDENT_EXTENSION_ID: {
                "extension_type": "property-extension",
                "event_type": "battles",
                "sub_type": "armed_clash",
                "start_time": "2025-03-01T10:00:00.000Z",
            }
        },
    }
    with shared_node.db.transaction() as session:
        obj = create_object(
            session,
            shared_node,
            system_principal(shared_node),
            draft,
            Sharing(TLP.GREEN, frozenset()),
        )
    page = web.get(f"/incidents/{obj['id']}")
    assert page.status_code == 200, page.text[:500]
    assert "Attack on a patrol, place not given" in page.text
