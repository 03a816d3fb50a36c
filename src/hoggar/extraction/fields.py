"""The fields of a draft, read from the sentences of its event.

Each reader takes the event (its sentences and the trigger they were typed by), the
text's tokens, and returns the field's `Evidence`: the value and the spans it came from.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from hoggar.extraction.counts import CONJUNCTION_CLITICS
from hoggar.extraction.drafts import COUNT_ROLES, Evidence, Span
from hoggar.extraction.events import Event
from hoggar.extraction.lexicon import Hit, word_set, words_data
from hoggar.extraction.mentions import PlaceHit, StateRef, best_place
from hoggar.extraction.sentences import Sentence
from hoggar.extraction.subtypes import NOT_ACTING
from hoggar.extraction.tokens import Token, forms
from hoggar.geo.gazetteer import MEMBER_STATES, Place

_WORDS = words_data()
_LIST_JOINERS = word_set(_WORDS["list_joiners"])
_LOCATIVE = word_set(_WORDS["locative"])
_LOCATIVE_CLITICS = word_set(_WORDS["locative_clitics"])


@dataclass(frozen=True, slots=True)
class ChosenPlace:
    """A place of the event: the gazetteer entry and the name in the text."""

    place: Place
    mention: PlaceHit

    @property
    def span(self) -> Span:
        return (self.mention.hit.start, self.mention.hit.end)


@dataclass(frozen=True, slots=True)
class StateForce:
    """A state's force named in the text ("الجيش المالي", "FAMa"): its ISO code, where."""

    code: str
    span: Span


def read_time(event: Event, tokens: Sequence[Token]) -> Evidence | None:
    """In the trigger's sentence, the date nearest the trigger; else elsewhere in the event."""
    anchor = event.hits[0].first
    first = event.sentences[0]
    dates = [d for s in event.sentences for d in s.dates]
    if not dates:
        return None
    d = min(dates, key=lambda m: (tokens[m.first].sentence != first.index, abs(m.first - anchor)))
    if d.start is None:
        return None
    end = d.end
    return Evidence(
        {
            "start": d.start.isoformat(),
            "end": end.isoformat() if end else d.start.isoformat(),
            "precision": d.precision,
        },
        [(d.text_start, d.text_end)],
    )


def choose_places(
    event: Event,
    tokens: Sequence[Token],
    countries_named: list[str],
    region_cues: Collection[str],
) -> list[ChosenPlace]:
    """Where it happened: the place named nearest the trigger; a region named to situate
    it ("dans la région de Tombouctou", "بمنطقة كيدال") is context unless nothing more
    precise is given; a second place counts when it is listed with the first ("بين غاو
    وأنسونغو", "à Béchar et Tindouf")."""
    anchor = event.hits[0].first
    region_before = {
        p.hit.first
        for s in event.sentences
        for p in s.places
        if any(
            f in region_cues
            for k in range(max(p.hit.first - 2, 0), p.hit.first)
            for f, _ in forms(tokens[k].norm)
        )
    }
    place_hits = sorted(
        (p for s in event.sentences for p in s.places),
        key=lambda p: (p.hit.first in region_before, abs(p.hit.first - anchor)),
    )
    chosen: list[ChosenPlace] = []
    for p in place_hits:
        place = best_place(p, countries_named, p.hit.first in region_before)
        if any(place.id == c.place.id for c in chosen):
            continue
        if chosen and not listed_with(chosen[0].mention.hit, p.hit, tokens):
            continue
        chosen.append(ChosenPlace(place, p))
    return chosen


def located_country(
    event: Event, states: Sequence[Hit[StateRef]], tokens: Sequence[Token]
) -> Evidence | None:
    """A country named with a locative cue ("في مالي", "au Mali"), nearest the trigger."""
    anchor = event.hits[0].first
    located = [h for h in states if h.value.kind == "country" and locative(tokens, h.first)]
    if not located:
        return None
    h = min(located, key=lambda h: abs(h.first - anchor))
    return Evidence(h.value.code, [(h.start, h.end)], h.value.code)


def named_groups(sentences: Sequence[Sentence]) -> list[Evidence]:
    """The armed groups named, each once with all its spans."""
    actors: list[Evidence] = []
    for s in sentences:
        for g in s.groups:
            if not any(a.value == g.value.id for a in actors):
                actors.append(Evidence(g.value.id, [(g.start, g.end)], g.value.label))
            else:
                next(a for a in actors if a.value == g.value.id).spans.append((g.start, g.end))
    return actors


def acting_forces(
    event: Event, tokens: Sequence[Token], country: Evidence | None
) -> list[StateForce]:
    """The state forces that act in the event. A force named without a nationality ("the
    army", "مفرزة للجيش") is the state's where it happened — except where forces are
    only talked about."""
    forces = force_states(event.sentences, tokens)
    acting = event.sub not in NOT_ACTING
    if acting and not forces and any(s.forces for s in event.sentences):
        code = country.value if country else None
        if code in MEMBER_STATES:
            f = next(f for s in event.sentences for f in s.forces)
            forces = [StateForce(str(code), (f.start, f.end))]
    return forces


def add_forces(actors: list[Evidence], forces: Sequence[StateForce]) -> None:
    for force in forces:
        existing = next((a for a in actors if a.value == f"state:{force.code}"), None)
        if existing:
            existing.spans.append(force.span)
        else:
            actors.append(Evidence(f"state:{force.code}", [force.span], force.code))


def force_states(sentences: Sequence[Sentence], tokens: Sequence[Token]) -> list[StateForce]:
    """Forces with a nationality ("الجيش المالي", "l'armée malienne", "Malian soldiers")
    and force acronyms, one per state (the last span named)."""
    out: list[StateForce] = []
    for s in sentences:
        for h in s.states:
            kind, code = h.value
            if kind == "acronym":
                out.append(StateForce(code, (h.start, h.end)))
                continue
            # A force word within three words before (ar/fr "الجيش المالي", "l'armée
            # malienne", "جيش مالي") or just after (en "Malian soldiers").
            near = [
                f
                for f in s.forces
                if (0 < h.first - f.last + 1 <= 3 and f.last <= h.first)
                or (kind == "demonym" and 0 <= f.first - h.last <= 1)
            ]
            if near and (kind == "demonym" or h.first - near[0].last <= 1):
                f = near[0]
                out.append(StateForce(code, (min(f.start, h.start), max(f.end, h.end))))
    return list({force.code: force for force in out}.values())


def participants(
    states: Sequence[Hit[StateRef]], first: Sentence, tokens: Sequence[Token]
) -> list[Evidence]:
    """Who takes part in a meeting or agreement: the states listed together ("الجزائر
    ومالي وموريتانيا والنيجر", "le Mali et le Niger"), else those its first sentence names."""
    listed = coordinated([h for h in states if h.value.kind == "country"], tokens)
    chosen = listed or [
        h
        for h in first.states
        if h.value.kind in ("country", "demonym") and not locative(tokens, h.first)
    ]
    out: list[Evidence] = []
    for h in chosen:
        code = h.value.code
        existing = next((p for p in out if p.value == code), None)
        if existing:
            existing.spans.append((h.start, h.end))
        else:
            out.append(Evidence(code, [(h.start, h.end)], code))
    return out


def read_counts(event: Event) -> dict[str, Evidence]:
    """Per role, the sum of what the event's sentences state ("four soldiers … 13
    assailants were killed" is 17), leaving out parts of a count already made ("dont
    trois soldats"); zero only when the text says so and gives no number."""
    counts: dict[str, Evidence] = {}
    for s in event.sentences:
        for c in s.counts:
            if c.role not in COUNT_ROLES or c.subset:
                continue
            released = event.sub == "hostage_release" and c.role == "kidnapped"
            role = "released" if released else c.role
            current = counts.get(role)
            if current is None or current.value == 0:
                counts[role] = Evidence(c.value, [c.span])
            elif c.value > 0 and c.span not in current.spans:
                counts[role] = Evidence(current.value + c.value, [*current.spans, c.span])
    return counts


def listed_with(a: Hit[str], b: Hit[str], tokens: Sequence[Token]) -> bool:
    """Two names written as a list: only "and", commas or "between" around them."""
    lo, hi = (a, b) if a.first < b.first else (b, a)
    if tokens[lo.first].sentence != tokens[hi.first].sentence:
        return False
    between = [t.norm for t in tokens[lo.last : hi.first]]
    return len(between) <= 2 and all(w in _LIST_JOINERS for w in between)


def coordinated(states: Sequence[Hit[StateRef]], tokens: Sequence[Token]) -> list[Hit[StateRef]]:
    """States written as a list: next to each other, joined by و / et / and / commas."""
    out: list[Hit[StateRef]] = []
    ordered = sorted(states, key=lambda h: h.first)
    run: list[Hit[StateRef]] = []
    for h in ordered:
        if run:
            gap = [t.norm for t in tokens[run[-1].last : h.first]]
            joined = tokens[h.first].sentence == tokens[run[-1].first].sentence and (
                all(g in _LIST_JOINERS for g in gap)
                and len(gap) <= 3
                and (
                    gap
                    or tokens[h.first].norm.startswith(CONJUNCTION_CLITICS)
                    or tokens[h.first - 1].text != ""
                )
            )
            if not joined:
                if len({x.value.code for x in run}) >= 2:
                    out.extend(run)
                run = []
        run.append(h)
    if len({x.value.code for x in run}) >= 2:
        out.extend(run)
    return out


def locative(tokens: Sequence[Token], i: int) -> bool:
    """Whether a country name is where something happened ("في مالي", "au Mali", "in Mali")."""
    if i == 0:
        return True
    prev = tokens[i - 1].norm
    own = [f for f, _ in forms(tokens[i].norm)]
    if tokens[i].norm != own[-1] and tokens[i].norm[:1] in _LOCATIVE_CLITICS:
        return True
    return prev in _LOCATIVE
