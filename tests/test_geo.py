"""The gazetteer and the borders: look-ups, nearby places, point in country, distance
to the nearest border and to a given border, the node's own names, and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hoggar.cli.main import app
from hoggar.geo.borders import haversine_km, load_borders
from hoggar.geo.gazetteer import LOCAL_FILE, GazetteerError, load_gazetteer

runner = CliRunner()


# Tolerances: the packaged borders are Natural Earth 1:10m simplified to about 1 km, and
# the reference distances below are read off that source at full resolution (rounded).
@pytest.mark.parametrize(
    ("place", "lat", "lon", "country", "border", "low", "high"),
    [
        ("Tin Zaouatine", 19.956, 2.96, "DZ", ("DZ", "ML"), 0, 5),
        ("Bordj Badji Mokhtar", 21.329, 0.948, "DZ", ("DZ", "ML"), 4, 15),
        ("In Guezzam", 19.574, 5.768, "DZ", ("DZ", "NE"), 6, 20),
        ("Tamanrasset", 22.785, 5.523, "DZ", ("DZ", "NE"), 260, 330),
        ("Ghat", 24.965, 10.176, "LY", ("DZ", "LY"), 8, 25),
        ("Madama", 21.95, 13.65, "NE", ("LY", "NE"), 60, 130),
        ("Timbuktu", 16.77, -3.0, "ML", ("ML", "MR"), 220, 300),
        ("Niamey", 13.51, 2.11, "NE", ("BF", "NE"), 60, 110),
        ("Bassikounou", 15.87, -5.97, "MR", ("ML", "MR"), 10, 60),
    ],
)
def test_points_near_borders(
    place: str,
    lat: float,
    lon: float,
    country: str,
    border: tuple[str, str],
    low: float,
    high: float,
) -> None:
    borders = load_borders()
    assert borders.country_at(lat, lon) == country, place
    distance = borders.distance_to(lat, lon, *border)
    assert low <= distance.km <= high, f"{place}: {distance.km:.1f} km to {border}"
    nearest = borders.nearest_border(lat, lon)
    assert nearest.km <= distance.km + 1e-6
    # The reported nearest point is on the border and as far as stated.
    n_lat, n_lon = distance.nearest
    assert abs(haversine_km(lat, lon, n_lat, n_lon) - distance.km) < 1e-6


def test_sea_and_unknown_borders_are_clear() -> None:
    borders = load_borders()
    assert borders.country_at(34.0, 5.0) == "DZ"
    assert borders.country_at(38.0, 5.0) is None  # the Mediterranean
    with pytest.raises(KeyError, match="do not share a land border"):
        borders.distance_to(22.0, 5.0, "DZ", "TD")
    assert set(borders.neighbours("NE")) >= {"DZ", "LY", "TD", "ML", "BF", "NG", "BJ"}
    assert "MA" in borders.neighbours("DZ") and "EH" in borders.neighbours("MR")


def test_every_member_state_has_a_border_and_names_in_three_languages() -> None:
    borders = load_borders()
    for code in ("DZ", "BF", "TD", "LY", "ML", "MR", "NE"):
        country = borders.countries[code]
        assert country.member and set(country.names) == {"ar", "fr", "en"}
        assert borders.neighbours(code)


def test_gazetteer_finds_places_in_any_script() -> None:
    gazetteer = load_gazetteer()
    assert len(gazetteer) > 5000
    for query, expected in [
        ("تمنراست", "hoggar:tamanrasset"),
        ("Tamanghasset", "hoggar:tamanrasset"),
        ("Tombouctou", "hoggar:timbuktu"),
        ("تمبكتو", "hoggar:timbuktu"),
        ("Bordj Badji Mokhtar", "hoggar:bordj-badji-mokhtar"),
    ]:
        best = gazetteer.lookup(query, 1)[0]
        assert best.id == expected, (query, best.explain())
    only_bf = gazetteer.lookup("Gao", 5, country="BF")
    assert only_bf and all(c.entry.data.country == "BF" for c in only_bf)


def test_places_near_a_point_are_sorted_by_distance() -> None:
    found = load_gazetteer().near(19.956, 2.96, km=150)
    assert found and found[0][1] < 5  # Tin Zaouatine itself
    distances = [d for _, d in found]
    assert distances == sorted(distances) and distances[-1] <= 150
    assert all(p.kind != "admin1" for p, _ in found)


def test_a_node_adds_its_own_places_and_names(tmp_path: Path) -> None:
    local = [
        {
            "id": "local:oued-tiririne",
            "name": "Oued Tiririne",
            "names": {"ar": ["واد تيريرين"], "fr": ["Oued Tiririne"]},
            "country": "DZ",
            "lat": 23.1,
            "lon": 6.9,
            "kind": "site",
        }
    ]
    (tmp_path / LOCAL_FILE).write_text(json.dumps(local, ensure_ascii=False), encoding="utf-8")
    gazetteer = load_gazetteer(tmp_path)
    assert gazetteer.lookup("وادي تيريرين", 1)[0].id == "local:oued-tiririne"
    assert load_gazetteer().lookup("Oued Tiririne", 1)[0].id != "local:oued-tiririne"
    (tmp_path / LOCAL_FILE).write_text('[{"id": "x", "name": "X"}]', encoding="utf-8")
    with pytest.raises(GazetteerError, match=r"gazetteer-local.json\[0\]"):
        load_gazetteer(tmp_path)


def test_cli_lookup_near_where_and_eval() -> None:
    r = runner.invoke(app, ["geo", "lookup", "Tamanghasset", "--json"])
    assert r.exit_code == 0, r.output
    first = json.loads(r.output)[0]
    assert first["id"] == "hoggar:tamanrasset" and first["score"] > 0.8, first
    r = runner.invoke(app, ["geo", "where", "21.33", "0.95", "--border", "DZ-ML", "--json"])
    assert r.exit_code == 0, r.output
    where = json.loads(r.output)
    assert where["country"] == "DZ" and 4 <= where["border"]["km"] <= 15
    r = runner.invoke(app, ["geo", "where", "22", "5", "--border", "DZ-TD"])
    assert r.exit_code == 1 and "do not share a land border" in r.output
    r = runner.invoke(app, ["geo", "near", "--km", "30", "--json", "--", "16.77", "-3.0"])
    assert r.exit_code == 0 and json.loads(r.output)[0]["country"] == "ML"
    r = runner.invoke(
        app, ["geo", "eval", str(Path(__file__).parent / "data" / "name_variants.tsv"), "--json"]
    )
    assert r.exit_code == 0, r.output
    scores = json.loads(r.output)
    assert scores["top1"] >= 0.95 and scores["top5"] >= 0.99


def test_cli_actors_lookup_finds_a_group_the_node_may_read(tmp_path: Path) -> None:
    from conftest import ADMIN_PASSWORD
    from hoggar.kernel.settings import load_settings
    from hoggar.node.service import init_node
    from incident_kit import seed_place_and_group

    node = init_node(
        load_settings(tmp_path / "node"),
        org_name="Algeria",
        country="DZ",
        admin_user="admin",
        admin_password=ADMIN_PASSWORD,
    )
    seeded = seed_place_and_group(node, [])
    node.close()
    r = runner.invoke(
        app, ["actors", "lookup", "القاعدة في بلاد المغرب", "-d", str(tmp_path / "node")]
    )
    assert r.exit_code == 0, r.output
    flat = "".join(r.output.split())  # the table may wrap long cells
    assert "Al-Qaeda" in flat and "partofthename" in flat and seeded.group[:8] in flat
    r = runner.invoke(app, ["actors", "lookup", "zzqqxx", "-d", str(tmp_path / "node")])
    assert r.exit_code == 1 and "no group matches" in r.output
