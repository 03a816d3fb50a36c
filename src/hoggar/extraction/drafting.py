"""An event's draft incident, and what the whole article names.

The draft's fields come from `fields`; its confidence grows with the kinds of evidence
its sentences give, a date and a place. A meeting or agreement has participants (the
states taking part) and mentions groups; other events have actors (groups and state
forces).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from hoggar.extraction.drafts import Draft, Evidence, Span
from hoggar.extraction.events import Event, evidence
from hoggar.extraction.fields import (
    acting_forces,
    add_forces,
    choose_places,
    located_country,
    named_groups,
    participants,
    read_counts,
    read_time,
)
from hoggar.extraction.mentions import best_place
from hoggar.extraction.sentences import Sentence
from hoggar.extraction.subtypes import MEETINGS, event_type_of
from hoggar.extraction.tokens import Token


def draft(
    event: Event,
    tokens: Sequence[Token],
    countries_named: list[str],
    region_cues: Collection[str],
) -> Draft:
    sub, sents, hits = event.sub, event.sentences, event.hits
    time = read_time(event, tokens)
    chosen = choose_places(event, tokens, countries_named, region_cues)
    places = [Evidence(c.place.id, [c.span], c.place.name_in("en")) for c in chosen[:3]]
    # Country: the place's, else a country named with a locative cue, else a force's.
    states = [h for s in sents for h in s.states]
    country = None
    if chosen:
        country = Evidence(chosen[0].place.country, [chosen[0].span], chosen[0].place.country)
    if country is None:
        country = located_country(event, states, tokens)
    actors = named_groups(sents)
    met: list[Evidence] = []
    mentioned: list[Evidence] = []
    if sub in MEETINGS:
        met = participants(states, sents[0], tokens)
        mentioned, actors = actors, []
    else:
        forces = acting_forces(event, tokens, country)
        add_forces(actors, forces)
        if country is None and forces:
            country = Evidence(forces[0].code, [forces[0].span], forces[0].code)
    found = sum(evidence(s) for s in sents)
    confidence = min(1.0, 0.35 + 0.1 * found + (0.1 if time else 0) + (0.1 if places else 0))
    return Draft(
        event_type=event_type_of(sub),
        sub_type=Evidence(sub, [(h.start, h.end) for h in hits]),
        time=time,
        places=places,
        country=country,
        actors=actors,
        participants=met,
        mentioned=mentioned,
        counts=read_counts(event),
        sentences=[s.span for s in sents],
        confidence=round(confidence, 2),
    )


def named(sentences: Sequence[Sentence], countries: Sequence[str]) -> dict[str, list[Evidence]]:
    """Groups, places and states the article names anywhere, each once, with spans."""
    out: dict[str, dict[str, Evidence]] = {"groups": {}, "places": {}, "states": {}}

    def add(kind: str, key: str, label: str, span: Span) -> None:
        ev = out[kind].setdefault(key, Evidence(key, [], label))
        ev.spans.append(span)

    for s in sentences:
        for g in s.groups:
            add("groups", g.value.id, g.value.label, (g.start, g.end))
        for p in s.places:
            place = best_place(p, countries, False)
            add("places", place.id, place.name_in("en"), (p.hit.start, p.hit.end))
        for h in s.states:
            add("states", h.value.code, h.value.code, (h.start, h.end))
    return {k: list(v.values()) for k, v in out.items()}
