"""Sentences into events.

A sentence that holds an event-type trigger and at least one piece of evidence (a date,
a place, a count, an armed group or a state force) makes an event; a following sentence
with the same kind of event, no conflicting date or place, extends it, and so does a
definite mention of violence right after ("the attack", "l'attaque", "الهجوم"). A
sentence that only gives casualties ("Le bilan est de cinq morts.") extends the event
before it. An article that comes back to the same meeting makes one event of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from hoggar.extraction.lexicon import Hit, word_set, words_data
from hoggar.extraction.sentences import Sentence
from hoggar.extraction.subtypes import MEETINGS, VIOLENT, Classified, classify, event_type_of
from hoggar.extraction.tokens import Token, forms

_DEFINITE = word_set(words_data()["definite"])
_DEFINITE_PREFIXES = tuple(sorted(word_set(words_data()["definite_prefixes"])))


@dataclass(slots=True)
class Event:
    """One event of the article: its sub-type, its sentences and the triggers."""

    sub: str
    sentences: list[Sentence]
    hits: list[Hit[str]]

    def place_names(self) -> set[str]:
        return {p.hit.value for s in self.sentences for p in s.places}

    def dates(self) -> set[date]:
        return {d.start for s in self.sentences for d in s.dates if d.start}


def segment(sentences: Sequence[Sentence], tokens: Sequence[Token]) -> list[Event]:
    """The events of an article, in order, from its sentences."""
    events: list[Event] = []
    for s in sentences:
        typed = classify(s)
        if typed is None:
            if events and s.counts and s.index - events[-1].sentences[-1].index == 1:
                events[-1].sentences.append(s)  # "Le bilan est de cinq morts."
            continue
        if evidence(s, typed.sub) < 1:
            previous = sentences[s.index - 1] if s.index else None
            _after_meeting(events, typed, s, previous)
            continue
        if events and continues(events[-1], typed.sub, s, definite(typed.hits, tokens)):
            events[-1].sentences.append(s)
            events[-1].hits.extend(typed.hits)
            continue
        events.append(Event(typed.sub, [s], list(typed.hits)))
    return merge_same_meetings(events)


def _after_meeting(
    events: list[Event], typed: Classified, s: Sentence, previous: Sentence | None
) -> None:
    """A sentence without evidence counts only as part of a meeting right before it:
    "وتُوّج الاجتماع بتوقيع بروتوكول" takes the meeting's date and place."""
    follows = bool(events) and events[-1].sentences[-1] is previous
    if not (typed.sub in MEETINGS and follows and previous is not None):
        return
    if continues(events[-1], typed.sub, s):
        events[-1].sentences.append(s)
        events[-1].hits.extend(typed.hits)
    else:
        events.append(Event(typed.sub, [previous, s], list(typed.hits)))


def evidence(s: Sentence, sub: str = "") -> int:
    """How many kinds of fact make this sentence a reported event, not talk."""
    parts: list[Sequence[object]] = [s.dates, s.places, s.counts, s.groups]
    if sub in MEETINGS:
        parts.append(s.states)
    else:
        parts.append([h for h in s.states if h.value.kind in ("demonym", "acronym")])
    return sum(1 for part in parts if part)


def continues(event: Event, sub: str, s: Sentence, definite: bool = False) -> bool:
    """Whether sentence `s` goes on about `event`. A definite mention of violence ("the
    attack", "l'attaque", "الهجوم") right after one refers back to it, even with another
    date (the date of a claim or a statement)."""
    prev_sub, sents = event.sub, event.sentences
    if s.index - sents[-1].index > 1 or s.future != sents[-1].future:
        return False
    prev_places = event.place_names()
    new_places = {p.hit.value for p in s.places}
    places_conflict = bool(prev_places and new_places and not prev_places & new_places)
    violent = {event_type_of(prev_sub), event_type_of(sub)} <= VIOLENT
    if definite and violent and not places_conflict:
        return True
    if event_type_of(prev_sub) != event_type_of(sub):
        return False
    if prev_sub in MEETINGS and sub in MEETINGS and prev_sub != sub:
        return False
    if event_type_of(sub) == "strategic_development" and prev_sub != sub:
        return False
    prev_dates = event.dates()
    new_dates = {d.start for d in s.dates if d.start}
    if prev_dates and new_dates and not prev_dates & new_dates:
        return False
    return not places_conflict


def definite(hits: Sequence[Hit[str]], tokens: Sequence[Token]) -> bool:
    """Every trigger is a definite noun: a reference back, not a new event."""
    if not hits:
        return False
    for h in hits:
        before = tokens[h.first - 1].norm if h.first else ""
        arabic_article = any(art for _, art in forms(tokens[h.first].norm)) and tokens[
            h.first
        ].norm.startswith(_DEFINITE_PREFIXES)
        if before not in _DEFINITE and not arabic_article:
            return False
    return True


def merge_same_meetings(events: list[Event]) -> list[Event]:
    """An article comes back to the same meeting: same kind, place and date (or none)."""
    out: list[Event] = []
    for event in events:
        places = event.place_names()
        dates = event.dates()
        target = None
        if event.sub in MEETINGS and places:
            for other in out:
                o_dates = other.dates()
                if (
                    other.sub == event.sub
                    and places & other.place_names()
                    and (not dates or not o_dates or dates & o_dates)
                    and other.sentences[0].future == event.sentences[0].future
                ):
                    target = other
                    break
        if target is None:
            out.append(Event(event.sub, list(event.sentences), list(event.hits)))
        else:
            target.sentences.extend(event.sentences)
            target.hits.extend(event.hits)
    return out
