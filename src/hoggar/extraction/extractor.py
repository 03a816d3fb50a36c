"""Draft incidents from one article: event type, date, places, actors, counts.

The extractor is rule-based and fully offline. A sentence that holds an event-type
trigger (data/triggers.json) and at least one piece of evidence (a date, a place, a
count, an armed group or a state force) makes an event; a following sentence with the
same kind of event, no conflicting date or place, extends it. Every field of a draft
carries the spans of text it came from, so the analyst sees why it is there.

The steps: `sentences` reads what each sentence holds (with `dates`, `counts` and
`mentions`), `subtypes` and `events` make events of them, `fields` and `drafting` make
each event a `Draft` (`drafts`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from hoggar.extraction.drafting import draft, named
from hoggar.extraction.drafts import (
    Extraction,
)
from hoggar.extraction.events import segment
from hoggar.extraction.language import detect_language
from hoggar.extraction.lexicon import lexicon_data
from hoggar.extraction.mentions import GroupName
from hoggar.extraction.sentences import SentenceReader
from hoggar.extraction.tokens import tokenize
from hoggar.geo.gazetteer import Gazetteer, load_gazetteer


class Extractor:
    """Reusable: builds its dictionaries once (gazetteer, groups), then reads texts."""

    def __init__(self, gazetteer: Gazetteer | None = None, groups: Iterable[GroupName] = ()):
        self.gazetteer = gazetteer or load_gazetteer()
        self.reader = SentenceReader(self.gazetteer, groups)
        self.places = self.reader.places
        self.groups = self.reader.groups
        self.region_cues = {w for w in lexicon_data()["region_cues"]}

    def extract(self, text: str, published: date | None, lang: str | None = None) -> Extraction:
        tokens = tokenize(text)
        language = lang or detect_language(text)
        notes = []
        if published is None:
            notes.append("no publication date: relative dates are left unknown")
        sentences = self.reader.read(text, tokens, published)
        countries_named = [
            s.value.code for sent in sentences for s in sent.states if s.value.kind == "country"
        ]
        drafts = [
            draft(e, tokens, countries_named, self.region_cues) for e in segment(sentences, tokens)
        ]
        return Extraction(language, published, drafts, notes, named(sentences, countries_named))


_DEFAULT: Extractor | None = None


def default_extractor() -> Extractor:
    """The extractor with the packaged gazetteer and the reference armed groups."""
    global _DEFAULT
    if _DEFAULT is None:
        import json
        from importlib import resources

        from hoggar.extraction.mentions import groups_from_json

        raw = resources.files("hoggar.demo").joinpath("data/groups.json").read_text("utf-8")
        _DEFAULT = Extractor(load_gazetteer(), groups_from_json(json.loads(raw)))
    return _DEFAULT
