"""The incident codebook: complete and translated data, its check, and docs that cannot drift."""

from __future__ import annotations

import copy
import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hoggar.demo import build_scenario
from hoggar.incidents import (
    LANGUAGES,
    CodebookError,
    Text,
    check_incident_extension,
    load_codebook,
    parse_codebook,
)
from hoggar.incidents.codebook_doc import DOC_FILES, main, render_markdown
from hoggar.incidents.codebook_load import DATA_FILE
from hoggar.stix.extensions import INCIDENT_EXTENSION_ID
from hoggar.stix.types.incident import EVENT_PRECISIONS, GEO_PRECISIONS, RELIABILITY

ROOT = Path(__file__).resolve().parents[1]
DATA_PATH = ROOT / "src" / "hoggar" / "incidents" / DATA_FILE
DEMO_EVENTS = ROOT / "src" / "hoggar" / "demo" / "data" / "events.json"
ARABIC = re.compile(r"[\u0600-\u06FF]")
# The properties of the Hoggar incident extension (hoggar.stix.validation, docs/data-model.md).
EXTENSION_FIELDS = {
    "event_type",
    "sub_type",
    "start_time",
    "end_time",
    "time_precision",
    "latitude",
    "longitude",
    "country",
    "admin1",
    "place_name",
    "geo_precision",
    "location_refs",
    "actor_refs",
    "killed",
    "wounded",
    "kidnapped",
    "released",
    "civilians_killed",
    "seized",
    "source_reliability",
    "information_credibility",
    "narrative",
    "narrative_lang",
}

BOOK = load_codebook()
ENTRIES = [(t.key, t) for t in BOOK.event_types] + [
    (s.key, s) for t in BOOK.event_types for s in t.sub_types
]


def _ambush(**changes: Any) -> dict[str, Any]:
    ext: dict[str, Any] = {
        "extension_type": "property-extension",
        "event_type": "battle",
        "sub_type": "ambush",
        "start_time": "2024-03-02T00:00:00.000Z",
        "end_time": "2024-03-02T23:59:59.999Z",
        "time_precision": "day",
        "latitude": 15.3,
        "longitude": -1.6,
        "country": "ML",
        "admin1": "Mopti",
        "place_name": "Boni",
        "geo_precision": "town",
        "killed": 4,
        "wounded": 6,
        "civilians_killed": 0,
        "source_reliability": "B",
        "information_credibility": 2,
        "narrative": "Un convoi est tombé dans une embuscade sur l'axe Boni-Hombori.",
        "narrative_lang": "fr",
    }
    ext.update(changes)
    return {k: v for k, v in ext.items() if v is not None}


def _wheres(ext: Any) -> list[str]:
    return [p.where for p in check_incident_extension(ext)]


# The data


def test_loads_once_with_version_and_acled_source_note() -> None:
    assert load_codebook() is BOOK
    assert re.fullmatch(r"\d+\.\d+\.\d+", BOOK.version)
    assert "ACLED" in BOOK.source.en and "ACLED" in BOOK.source.fr and "ACLED" in BOOK.source.ar
    assert len(BOOK.event_types) == 6 and len(ENTRIES) > 30


@pytest.mark.parametrize(("key", "entry"), ENTRIES, ids=[k for k, _ in ENTRIES])
def test_every_type_and_sub_type_is_translated(key: str, entry: Any) -> None:
    texts: list[Text] = [entry.label, entry.definition, *entry.examples]
    assert 1 <= len(entry.examples) <= 2
    for text in texts:
        for lang in LANGUAGES:
            assert text.get(lang).strip(), (key, lang)
        assert ARABIC.search(text.ar), (key, text.ar)
        assert not ARABIC.search(text.fr + text.en), key
        assert text.fr != text.en, (key, text.en)
    assert re.fullmatch(r"[a-z][a-z0-9_]*", key)


def test_keys_unique_across_types_and_sub_types() -> None:
    keys = [k for k, _ in ENTRIES]
    assert len(keys) == len(set(keys))


def test_every_demo_event_pair_is_in_the_codebook() -> None:
    demo = json.loads(DEMO_EVENTS.read_text(encoding="utf-8"))["sub_types"]
    pairs = {(raw["event_type"], raw.get("sub_type", key)) for key, raw in demo.items()}
    assert len(pairs) >= 20
    for event_key, sub_key in pairs:
        assert BOOK.sub_type(event_key, sub_key).event_type == event_key


def test_generated_demo_incidents_pass_the_check() -> None:
    objects = build_scenario(11, 500, "identity--5b0c1f0e-8a4e-4c41-9d7a-2f1c3e5d7a90")
    incidents = [o for o in objects if o["type"] == "incident"]
    assert len(incidents) == 500
    for obj in incidents:
        ext = obj["extensions"][INCIDENT_EXTENSION_ID]
        assert check_incident_extension(ext) == [], (ext["sub_type"], ext)


def test_precisions_and_grades_match_the_stix_validation() -> None:
    assert {p.key for p in BOOK.time_precisions} == EVENT_PRECISIONS
    assert {p.key for p in BOOK.geo_precisions} == GEO_PRECISIONS
    assert set(BOOK.source_reliability.keys) == RELIABILITY
    assert BOOK.information_credibility.keys == ("1", "2", "3", "4", "5", "6")
    levels = [*BOOK.time_precisions, *BOOK.geo_precisions]
    grades = [*BOOK.source_reliability.grades, *BOOK.information_credibility.grades]
    for text in [p.definition for p in levels] + [g.meaning for g in grades]:
        assert all(text.get(lang) for lang in LANGUAGES) and ARABIC.search(text.ar)
    acled = {p.key: p.acled for p in BOOK.time_precisions}
    assert (acled["day"], acled["week"], acled["month"]) == ("1", "2", "3")


def test_fields_are_exactly_the_extension_properties() -> None:
    assert {f.key for f in BOOK.fields} == EXTENSION_FIELDS
    assert set(BOOK.common_required) | set(BOOK.common_optional) <= EXTENSION_FIELDS


def test_seized_item_kinds_cover_the_demo_items_with_their_units() -> None:
    items = json.loads(DEMO_EVENTS.read_text(encoding="utf-8"))["items"]
    for name, raw in items.items():
        kind = BOOK.item_kind(name)
        assert kind is not None, name
        assert raw["unit"] in kind.units, (name, raw["unit"])


def test_required_fields_of_the_cooperation_sub_types() -> None:
    needs = {
        ("violence_against_civilians", "kidnapping"): "kidnapped",
        ("violence_against_civilians", "kidnapping_foreign_national"): "kidnapped",
        ("strategic_development", "hostage_release"): "released",
        ("strategic_development", "arms_seizure"): "seized",
        ("strategic_development", "drug_seizure"): "seized",
        ("strategic_development", "fuel_smuggling"): "seized",
        ("strategic_development", "threat_statement"): "actor_refs",
        ("strategic_development", "meeting"): "narrative",
        ("battle", "ambush"): "killed",
    }
    for (event_key, sub_key), field in needs.items():
        required = BOOK.required_fields(event_key, sub_key)
        assert field in required and required[: len(BOOK.common_required)] == (BOOK.common_required)
        assert field not in BOOK.optional_fields(event_key, sub_key)


def test_label_in_each_language() -> None:
    assert BOOK.label("ambush", "en") == "Ambush"
    assert BOOK.label("ambush", "fr") == "Embuscade"
    assert BOOK.label("ambush", "ar") == "كمين"
    assert BOOK.label("battle", "fr") == "Combat"
    with pytest.raises(ValueError, match="unsupported language"):
        BOOK.label("ambush", "de")
    with pytest.raises(KeyError):
        BOOK.label("picnic", "en")
    with pytest.raises(KeyError):
        BOOK.sub_type("battle", "ied")


def test_malformed_data_is_refused_with_its_place() -> None:
    raw = json.loads(DATA_PATH.read_text(encoding="utf-8"))
    duplicate = copy.deepcopy(raw)
    duplicate["event_types"][1]["sub_types"][0]["key"] = "ambush"
    with pytest.raises(CodebookError, match="duplicate event type and sub-type keys"):
        parse_codebook(duplicate)
    unknown_field = copy.deepcopy(raw)
    unknown_field["event_types"][0]["sub_types"][0]["required"] = ["arrested"]
    with pytest.raises(CodebookError, match="arrested"):
        parse_codebook(unknown_field)
    untranslated = copy.deepcopy(raw)
    del untranslated["event_types"][2]["sub_types"][1]["label"]["ar"]
    with pytest.raises(CodebookError, match="/event_types/2/sub_types/1/label/ar"):
        parse_codebook(untranslated)


def test_package_data_ships_the_codebook() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "incidents/data/*.json" in pyproject["tool"]["setuptools"]["package-data"]["hoggar"]


# The check


def test_check_accepts_a_valid_ambush() -> None:
    assert check_incident_extension(_ambush()) == []
    assert check_incident_extension(_ambush(end_time=None, latitude=None, longitude=None)) == []


def test_check_rejects_an_unknown_event_type() -> None:
    problems = check_incident_extension(_ambush(event_type="picnic"))
    assert [p.where for p in problems] == ["/event_type"]
    assert "battle" in problems[0].message


def test_check_points_from_a_sub_type_used_as_event_type_to_the_right_pair() -> None:
    (problem,) = check_incident_extension(_ambush(event_type="ambush"))
    assert problem.where == "/event_type"
    assert "'battle'" in problem.message


def test_check_rejects_a_sub_type_of_another_type() -> None:
    (problem,) = check_incident_extension(_ambush(sub_type="ied"))
    assert problem.where == "/sub_type"
    assert "explosion_remote_violence" in problem.message
    (unknown,) = check_incident_extension(_ambush(sub_type="skirmish"))
    assert unknown.where == "/sub_type" and "armed_clash" in unknown.message


def test_check_rejects_a_kidnapping_without_kidnapped() -> None:
    ext = _ambush(event_type="violence_against_civilians", sub_type="kidnapping")
    assert _wheres(ext) == ["/kidnapped"]
    assert check_incident_extension({**ext, "kidnapped": 3}) == []
    assert _wheres({**ext, "kidnapped": None}) == ["/kidnapped"]


def test_check_rejects_end_before_start() -> None:
    ext = _ambush(start_time="2024-03-02T10:00:00Z", end_time="2024-03-02T09:59:59.999Z")
    (problem,) = check_incident_extension(ext)
    assert problem.where == "/end_time" and "start_time" in problem.message
    assert check_incident_extension(_ambush(end_time="2024-03-02T00:00:00Z")) == []
    # A malformed timestamp is the structural validation's business, not a crash here.
    assert check_incident_extension(_ambush(end_time="yesterday")) == []


def test_check_requires_the_common_fields() -> None:
    assert _wheres(_ambush(sub_type=None, source_reliability=None)) == [
        "/sub_type",
        "/source_reliability",
    ]
    assert "/event_type" in _wheres({})


def test_check_seized_items_and_units() -> None:
    base = {**_ambush(killed=None), "event_type": "strategic_development"}
    seizure = {**base, "sub_type": "arms_seizure"}
    assert _wheres(seizure) == ["/seized"]
    good = [
        {"item": "kalashnikov rifles", "quantity": 12, "unit": "units"},
        {"item": "explosives", "quantity": 3.5, "unit": "kg"},
        {"item": "camel saddles", "quantity": 4, "unit": "units"},
    ]
    assert check_incident_extension({**seizure, "seized": good}) == []
    bad = [
        {"item": "fuel", "quantity": 100, "unit": "units"},
        {"item": "", "quantity": 0, "unit": "gallons"},
        "rifles",
    ]
    assert _wheres({**seizure, "seized": bad}) == [
        "/seized/0/unit",
        "/seized/1/item",
        "/seized/1/quantity",
        "/seized/1/unit",
        "/seized/2",
    ]


def test_check_civilians_killed_not_above_killed() -> None:
    assert _wheres(_ambush(killed=2, civilians_killed=3)) == ["/civilians_killed"]


@pytest.mark.parametrize("value", [None, [], "battle", 3])
def test_check_refuses_a_non_object(value: Any) -> None:
    assert _wheres(value) == ["/"]


JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)
JSON = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
CODEBOOK_WORDS = st.sampled_from(
    [k for k, _ in ENTRIES]
    + [u.key for u in BOOK.units]
    + [i for kind in BOOK.seized_items for i in kind.items]
    + ["2024-03-02T10:00:00Z", "2024-03-01T10:00:00.5Z", "9999-99-99T99:99:99Z"]
)
SEIZED = st.lists(
    st.dictionaries(
        st.sampled_from(["item", "quantity", "unit", "x"]), CODEBOOK_WORDS | JSON_SCALARS
    )
    | JSON,
    max_size=4,
)
EXTENSIONS = st.dictionaries(
    st.sampled_from(sorted(EXTENSION_FIELDS)) | st.text(max_size=10),
    CODEBOOK_WORDS | SEIZED | JSON,
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(EXTENSIONS)
def test_check_never_raises_on_json_like_input(ext: dict[str, Any]) -> None:
    problems = check_incident_extension(ext)
    assert all(p.where.startswith("/") and p.message for p in problems)


# The documents


@pytest.mark.parametrize("lang", LANGUAGES)
def test_docs_are_up_to_date_with_the_data(lang: str) -> None:
    path = ROOT / "docs" / DOC_FILES[lang]
    expected = render_markdown(BOOK, lang)
    assert path.read_text(encoding="utf-8") == expected, (
        f"{path.name} is stale: run python -m hoggar.incidents.codebook_doc --lang {lang} "
        f"-o docs/{DOC_FILES[lang]}"
    )


def test_docs_cover_every_key_in_their_language() -> None:
    for lang in LANGUAGES:
        text = render_markdown(BOOK, lang)
        for key, entry in ENTRIES:
            assert f"`{key}`" in text and entry.label.get(lang) in text
        for level in [*BOOK.time_precisions, *BOOK.geo_precisions]:
            assert level.definition.get(lang) in text
    arabic = render_markdown(BOOK, "ar")
    assert arabic.startswith('<div dir="rtl"') and arabic.rstrip().endswith("</div>")
    with pytest.raises(ValueError):
        render_markdown(BOOK, "de")


def test_doc_command_writes_a_file(tmp_path: Path) -> None:
    out = tmp_path / "codebook.fr.md"
    assert main(["--lang", "fr", "--output", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == render_markdown(BOOK, "fr")
