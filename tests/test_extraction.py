"""Reading text into drafts, offline: tokens keep their spans, numbers and dates in three
languages, the sample articles, and the scores on the labelled sets."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hoggar.demo
from hoggar.extraction.dates import find_dates
from hoggar.extraction.evaluation import evaluate, read_set
from hoggar.extraction.extractor import default_extractor
from hoggar.extraction.language import detect_language
from hoggar.extraction.numbers import read_number
from hoggar.extraction.tokens import tokenize
from hoggar.web.sources import segments

# The two sample articles (shared/data/articles), as the package ships them.
ARTICLES = Path(hoggar.demo.__file__).resolve().parent / "data"
SAMPLES = Path(__file__).resolve().parent / "data" / "extraction"
# Scores recorded in docs/extraction.md (hoggar sources eval); tests keep them from falling.
RECORDED = json.loads((SAMPLES / "scores.json").read_text(encoding="utf-8"))

PUB = date(2010, 4, 21)  # a Wednesday


@pytest.mark.parametrize(
    ("text", "start", "precision"),
    [
        ("كشف بيان صدر أمس الثلاثاء عن وزارة الدفاع", "2010-04-20", "day"),
        ("يطلقون رسميا اليوم الأربعاء بتمنراست", "2010-04-21", "day"),
        ("في 12 أبريل الجاري", "2010-04-12", "day"),
        ("في 12 أفريل", "2010-04-12", "day"),
        ("المنعقدة في 16 مارس الماضي", "2010-03-16", "day"),
        ("الذي جمع شهر أغسطس 2009 بتمنراست", "2009-08-01", "month"),
        ("الاجتماع المنعقد في جويلية 2009", "2009-07-01", "month"),
        ("منذ ثلاثة أيام", "2010-04-18", "day"),
        ("ليلة السبت إلى الأحد", "2010-04-17", "day"),
        ("مطلع الشهر الجاري", "2010-04-01", "week"),
        ("الأسبوع الماضي", "2010-04-12", "week"),
        ("Des hommes armés ont attaqué mercredi dernier", "2010-04-14", "day"),
        ("dans la nuit de samedi à dimanche", "2010-04-17", "day"),
        ("le 1er mars 2023", "2023-03-01", "day"),
        ("il y a trois jours", "2010-04-18", "day"),
        ("début mars", "2010-03-01", "week"),
        ("enlevés hier près de Kidal", "2010-04-20", "day"),
        ("avant-hier", "2010-04-19", "day"),
        ("yesterday", "2010-04-20", "day"),
        ("last Tuesday", "2010-04-20", "day"),
        ("on March 3, 2023", "2023-03-03", "day"),
        ("three days ago", "2010-04-18", "day"),
        ("early this month", "2010-04-01", "week"),
        ("in May 2023", "2023-05-01", "month"),
        ("عام 2009", "2009-01-01", "year"),
    ],
)
def test_dates_resolve_against_the_publication_date(text: str, start: str, precision: str) -> None:
    found = find_dates(tokenize(text), PUB)
    assert found, text
    assert (str(found[0].start), found[0].precision) == (start, precision)


def test_relative_dates_without_a_publication_date_are_unknown() -> None:
    found = find_dates(tokenize("أمس الثلاثاء و 12 أبريل 2010"), None)
    assert [f.start for f in found] == [None, date(2010, 4, 12)]
    extraction = default_extractor().extract(
        "Des hommes armés ont tué hier trois soldats à Kidal.", None
    )
    assert extraction.notes and extraction.drafts
    assert extraction.drafts[0].time is None and extraction.drafts[0].time_precision == "unknown"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("12", 12),
        ("1.200", 1200),
        ("trois", 3),
        ("vingt-deux", 22),
        ("quatre-vingt-dix-sept", 97),
        ("soixante et onze", 71),
        ("twenty one", 21),
        ("one hundred and five", 105),
        ("خمسة عشر", 15),
        ("ثلاثة وعشرين", 23),
        ("مائة", 100),
        ("٣٥", 35),
    ],
)
def test_numbers_in_words_and_digits(text: str, value: int) -> None:
    read = read_number(tokenize(text), 0)
    assert read is not None and read[0] == value


@pytest.mark.parametrize(
    ("text", "role", "value"),
    [
        ("أسفر الهجوم عن مقتل خمسة جنود وإصابة ثلاثة آخرين قرب كيدال أمس", "killed", 5),
        ("أسفر الهجوم عن مقتل خمسة جنود وإصابة ثلاثة آخرين قرب كيدال أمس", "wounded", 3),
        ("مقتل جنديين في كمين قرب تيساليت أمس", "killed", 2),
        ("Trois soldats ont été tués hier dans une embuscade près de Ménaka.", "killed", 3),
        ("Vingt-deux civils ont été tués dimanche à Djibo.", "killed", 22),
        ("Gunmen killed twelve villagers near Tillabéri on Sunday.", "killed", 12),
        ("Four aid workers were kidnapped near Agadez on Monday.", "kidnapped", 4),
    ],
)
def test_counts_come_with_their_role(text: str, role: str, value: int) -> None:
    drafts = default_extractor().extract(text, PUB).drafts
    assert drafts, text
    assert drafts[0].counts[role].value == value
    start, end = drafts[0].counts[role].spans[0]
    assert text[start:end]  # the evidence is a real piece of the text


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("هاجم مسلحون مركزا للدرك", "ar"),
        ("Des hommes armés ont attaqué un poste", "fr"),
        ("Gunmen attacked a checkpoint", "en"),
    ],
)
def test_language_detection(text: str, lang: str) -> None:
    assert detect_language(text) == lang


def _summary(path: Path, published: date) -> list[dict[str, object]]:
    drafts = default_extractor().extract(path.read_text(encoding="utf-8"), published).drafts
    return [
        {
            "sub": d.sub_type.value,
            "start": d.start,
            "places": [p.value for p in d.places],
            "participants": {p.value for p in d.participants},
            "groups": {a.value for a in d.mentioned + d.actors},
        }
        for d in drafts
    ]


def test_the_2010_article_gives_the_launch_and_the_meetings() -> None:
    drafts = _summary(ARTICLES / "ar-2010-cemoc-launch.txt", PUB)
    by_place: dict[str, list[dict[str, object]]] = {}
    for d in drafts:
        for p in d["places"]:  # type: ignore[attr-defined]
            by_place.setdefault(str(p), []).append(d)
    launch = by_place["hoggar:tamanrasset"][0]
    assert launch["start"] == "2010-04-21"
    assert launch["participants"] == {"DZ", "ML", "MR", "NE"}
    algiers = by_place["hoggar:algiers"][0]
    assert algiers["sub"] == "meeting" and algiers["start"] == "2010-04-12"
    assert algiers["participants"] == {"DZ", "BF", "LY", "ML", "MR", "NE", "TD"}
    assert any(d["start"] == "2010-03-16" and d["sub"] == "meeting" for d in drafts)
    assert by_place["hoggar:bamako"][0]["start"] is None  # "as soon as possible, no date"
    assert any(d["start"] == "2009-08-01" for d in by_place["hoggar:tamanrasset"])


def test_the_2015_article_gives_the_summit_its_states_and_the_groups_named() -> None:
    drafts = _summary(ARTICLES / "ar-2015-tamanrasset-summit.txt", date(2015, 1, 15))
    summit = next(d for d in drafts if "hoggar:tamanrasset" in d["places"])  # type: ignore[operator]
    assert summit["sub"] == "meeting"
    assert {"DZ", "ML", "MR", "NE"} <= summit["participants"]  # type: ignore[operator]
    assert {"group:aqim", "group:boko-haram", "group:ansar-al-sharia"} <= summit["groups"]  # type: ignore[operator]
    text = (ARTICLES / "ar-2015-tamanrasset-summit.txt").read_text(encoding="utf-8")
    named = default_extractor().extract(text, date(2015, 1, 15)).named
    assert {"group:aqim", "group:boko-haram", "group:ansar-al-sharia"} <= {
        g.value for g in named["groups"]
    }
    assert "hoggar:tamanrasset" in {p.value for p in named["places"]}
    assert {"DZ", "ML", "MR", "NE", "LY"} <= {s.value for s in named["states"]}


def test_background_talk_makes_no_draft() -> None:
    text = (
        "تنامي مسلسل الاختطافات التي تطال الرعايا الأجانب أملا في الحصول على الفدية. "
        "Le terrorisme et les trafics menacent la région depuis des années."
    )
    assert default_extractor().extract(text, PUB).drafts == []


# Properties: spans always point into the text, whatever it is.

_TEXT = st.text(
    alphabet=st.sampled_from(list("abc XYZ.,!?؟\n0123456789éà'-") + list("ابتثجحخدرسشصعفقكلمنهوي")),
    max_size=300,
)


@settings(max_examples=200, deadline=None)
@given(_TEXT)
def test_token_spans_are_the_text(text: str) -> None:
    for tok in tokenize(text):
        assert text[tok.start : tok.end] == tok.text
        assert tok.norm


@settings(max_examples=100, deadline=None)
@given(_TEXT)
def test_extraction_never_fails_and_spans_stay_inside(text: str) -> None:
    extraction = default_extractor().extract(text, PUB)
    for d in extraction.drafts:
        for _, (a, b) in d.spans_by_field():
            assert 0 <= a < b <= len(text)


@settings(max_examples=200, deadline=None)
@given(
    st.text(max_size=80),
    st.lists(
        st.tuples(
            st.integers(1, 3),
            st.sampled_from(["time", "places"]),
            st.integers(0, 80),
            st.integers(0, 80),
        ),
        max_size=6,
    ),
)
def test_highlight_segments_rebuild_the_text(
    text: str, raw: list[tuple[int, str, int, int]]
) -> None:
    marks = [(n, f, (min(a, b), max(a, b))) for n, f, a, b in raw if a != b]
    pieces = segments(text, marks)
    assert "".join(p["text"] for p in pieces) == text


@pytest.mark.parametrize("name", ["dev", "heldout"])
def test_scores_stay_at_or_above_the_recorded_ones(name: str) -> None:
    texts = read_set(SAMPLES / f"{name}.jsonl")
    result = evaluate(texts).as_dict()
    recorded = RECORDED[name]
    assert result["events"]["f1"] >= recorded["events"]["f1"] - 1e-9
    for field, score in recorded["fields"].items():
        assert result["fields"][field]["f1"] >= score["f1"] - 1e-9, field


def test_labelled_sets_are_as_documented() -> None:
    for name, minimum in (("dev", 60), ("heldout", 30)):
        texts = read_set(SAMPLES / f"{name}.jsonl")
        assert len(texts) >= minimum
        assert {t.lang for t in texts} == {"ar", "fr", "en"}
        assert sum(1 for t in texts if not t.events) >= 6
        assert sum(1 for t in texts if len(t.events) >= 2) >= 6
        assert all(t.provenance for t in texts)
