"""What each sentence of a text holds: triggers, dates, places, states, groups, forces,
counts and the cue words the event rules read.

A trigger that is part of a weak (generic) phrase does not count; the tokens of dates
and group names are not read as counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from hoggar.extraction.counts import Count, CountReader
from hoggar.extraction.date_scan import DateMention
from hoggar.extraction.dates import find_dates
from hoggar.extraction.drafts import Span
from hoggar.extraction.lexicon import Hit, Lexicon, by_key, by_language, trigger_data
from hoggar.extraction.mentions import (
    GroupFinder,
    GroupName,
    PlaceFinder,
    PlaceHit,
    StateRef,
    state_lexicon,
    word_lexicon,
)
from hoggar.extraction.tokens import Token, forms, sentence_spans
from hoggar.geo.gazetteer import Gazetteer

# Sections of triggers.json that are not sub-types.
_NOT_SUB_TYPES = ("about", "weak", "requires", "civilian_victims")


@dataclass(slots=True)
class Sentence:
    index: int
    span: Span
    tokens: list[int] = field(default_factory=list)
    triggers: list[Hit[str]] = field(default_factory=list)
    dates: list[DateMention] = field(default_factory=list)
    places: list[PlaceHit] = field(default_factory=list)
    states: list[Hit[StateRef]] = field(default_factory=list)
    groups: list[Hit[GroupName]] = field(default_factory=list)
    forces: list[Hit[str]] = field(default_factory=list)
    counts: list[Count] = field(default_factory=list)
    future: bool = False
    hq: bool = False
    context: set[str] = field(default_factory=set)  # sub-types whose required words are here
    civilian: bool = False
    protest_intervention: bool = False
    protest_force: bool = False


def _trigger_lexicon() -> Lexicon[str]:
    """Every sub-type's triggers (the file's other sections are not sub-types)."""
    return by_key({k: v for k, v in trigger_data().items() if k not in _NOT_SUB_TYPES})


class SentenceReader:
    """Builds its dictionaries once (gazetteer names, groups, triggers, cues)."""

    def __init__(self, gazetteer: Gazetteer, groups: Iterable[GroupName]) -> None:
        self.places = PlaceFinder(gazetteer)
        self.groups = GroupFinder(groups)
        self.triggers = _trigger_lexicon()
        self.weak = by_language(trigger_data()["weak"])
        self.counts = CountReader()
        self.forces = word_lexicon("forces")
        self.future_cues = word_lexicon("future")
        self.civilians = by_language(trigger_data()["civilian_victims"])
        self.requires = by_key(trigger_data()["requires"])
        self.protest_intervention = word_lexicon("protest_intervention")
        self.protest_force = word_lexicon("protest_force")
        self.hq_nouns = word_lexicon("hq_nouns")

    def read(self, text: str, tokens: Sequence[Token], published: date | None) -> list[Sentence]:
        sentences = [Sentence(i, s) for i, s in enumerate(sentence_spans(text))]
        for k, tok in enumerate(tokens):
            sentences[tok.sentence].tokens.append(k)
        self._triggers(tokens, sentences)
        taken = self._names(tokens, published, sentences)
        for c in self.counts.find(tokens, taken):
            sentences[c.sentence].counts.append(c)
        self._cues(tokens, sentences)
        return sentences

    def _triggers(self, tokens: Sequence[Token], sentences: list[Sentence]) -> None:
        weak = {i for h in self.weak.find(tokens) for i in range(h.first, h.last)}
        for hit in self.triggers.find(tokens):
            if weak & set(range(hit.first, hit.last)):
                continue
            sentences[tokens[hit.first].sentence].triggers.append(hit)

    def _names(
        self, tokens: Sequence[Token], published: date | None, sentences: list[Sentence]
    ) -> set[int]:
        """Dates, states, places, groups and forces; the tokens that are not counts."""
        taken: set[int] = set()
        for d in find_dates(tokens, published):
            sentences[tokens[d.first].sentence].dates.append(d)
            taken.update(range(d.first, d.last))
        states = one_state_per_word(state_lexicon().find(tokens), tokens)
        for s in states:
            sentences[tokens[s.first].sentence].states.append(s)
        named = {s.value.code for s in states if s.value.kind == "country"}
        for p in self.places.find(tokens, named):
            sentences[tokens[p.hit.first].sentence].places.append(p)
        for g in self.groups.find(tokens):
            sentences[tokens[g.first].sentence].groups.append(g)
            taken.update(range(g.first, g.last))
        for f in self.forces.find(tokens):
            sentences[tokens[f.first].sentence].forces.append(f)
        return taken

    def _cues(self, tokens: Sequence[Token], sentences: list[Sentence]) -> None:
        for h in self.hq_nouns.find(tokens):
            sentences[tokens[h.first].sentence].hq = True
        for h in self.requires.find(tokens):
            sentences[tokens[h.first].sentence].context.add(h.value)
        for h in self.civilians.find(tokens):
            sentences[tokens[h.first].sentence].civilian = True
        for h in self.protest_intervention.find(tokens):
            sentences[tokens[h.first].sentence].protest_intervention = True
        for h in self.protest_force.find(tokens):
            sentences[tokens[h.first].sentence].protest_force = True
        for h in self.future_cues.find(tokens):
            sentences[tokens[h.first].sentence].future = True


def one_state_per_word(hits: list[Hit[StateRef]], tokens: Sequence[Token]) -> list[Hit[StateRef]]:
    """مالي is the country, المالي the adjective: one reading per word."""
    by_first: dict[int, list[Hit[StateRef]]] = {}
    for h in hits:
        by_first.setdefault(h.first, []).append(h)
    out = []
    for first, group in by_first.items():
        if len(group) == 1:
            out.append(group[0])
            continue
        has_article = any(art for _, art in forms(tokens[first].norm))
        wanted = "demonym" if has_article else "country"
        out.append(next((h for h in group if h.value.kind == wanted), group[0]))
    return out
