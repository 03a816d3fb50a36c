"""Draft incidents from one article: event type, date, places, actors, counts.

The extractor is rule-based and fully offline. A sentence that holds an event-type
trigger (data/triggers.json) and at least one piece of evidence (a date, a place, a
count, an armed group or a state force) makes an event; a following sentence with the
same kind of event, no conflicting date or place, extends it. Every field of a draft
carries the spans of text it came from, so the analyst sees why it is there.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from hoggar.extraction.dates import DateMention, find_dates
from hoggar.extraction.language import detect_language
from hoggar.extraction.lexicon import (
    Hit,
    Lexicon,
    by_key,
    by_language,
    lexicon_data,
    trigger_data,
)
from hoggar.extraction.mentions import (
    GroupFinder,
    GroupName,
    PlaceFinder,
    PlaceHit,
    StateRef,
    best_place,
    state_lexicon,
    word_lexicon,
)
from hoggar.extraction.numbers import is_dual, read_number
from hoggar.extraction.tokens import Token, forms, sentence_spans, tokenize
from hoggar.geo.gazetteer import MEMBER_STATES, Gazetteer, Place, load_gazetteer

EXTRACTOR_VERSION = "1"
Span = tuple[int, int]
COUNT_ROLES = ("killed", "wounded", "kidnapped", "released")
_EVENT_TYPE = {
    "armed_clash": "battle",
    "ambush": "battle",
    "attack_on_post": "battle",
    "ied": "explosion_remote_violence",
    "suicide_attack": "explosion_remote_violence",
    "rocket_mortar": "explosion_remote_violence",
    "air_drone_strike": "explosion_remote_violence",
    "attack_on_civilians": "violence_against_civilians",
    "kidnapping": "violence_against_civilians",
    "kidnapping_foreign_national": "violence_against_civilians",
    "grenade": "explosion_remote_violence",
    "government_regains_territory": "battle",
    "non_state_actor_overtakes_territory": "battle",
    "peaceful_protest": "protest",
    "protest_with_intervention": "protest",
    "excessive_force_against_protesters": "protest",
    "violent_demonstration": "riot",
    "mob_violence": "riot",
}
_VIOLENT = frozenset({"battle", "explosion_remote_violence", "violence_against_civilians"})
_MEETINGS = frozenset({"meeting", "agreement", "headquarters_or_base_established"})
# Which sub-type a sentence is when it holds several triggers: the most specific first.
_PRIORITY = (
    "suicide_attack",
    "government_regains_territory",
    "non_state_actor_overtakes_territory",
    "disrupted_weapons_use",
    "ambush",
    "grenade",
    "ied",
    "air_drone_strike",
    "rocket_mortar",
    "hostage_release",
    "kidnapping_foreign_national",
    "kidnapping",
    "attack_on_post",
    "drug_seizure",
    "arms_seizure",
    "fuel_smuggling",
    "human_trafficking_interception",
    "agreement",
    "meeting",
    "headquarters_or_base_established",
    "attack_on_civilians",
    "armed_clash",
    "mob_violence",
    "violent_demonstration",
    "peaceful_protest",
    "border_incursion",
    "change_to_group_activity",
    "recruitment",
    "arrest",
    "threat_statement",
)


def event_type_of(sub_type: str) -> str:
    return _EVENT_TYPE.get(sub_type, "strategic_development")


@dataclass
class Evidence:
    """One extracted value and the spans of text it came from."""

    value: Any
    spans: list[Span]
    label: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"value": self.value, "spans": [list(s) for s in self.spans], "label": self.label}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Evidence:
        spans = [(int(s[0]), int(s[1])) for s in raw.get("spans", [])]
        return cls(raw["value"], spans, raw.get("label", ""))


@dataclass
class Draft:
    """A draft incident: what the text says, field by field, with evidence."""

    event_type: str
    sub_type: Evidence
    time: Evidence | None  # value: {"start": "YYYY-MM-DD", "end": …, "precision": …}
    places: list[Evidence] = field(default_factory=list)  # value: gazetteer id
    country: Evidence | None = None  # value: ISO code
    actors: list[Evidence] = field(default_factory=list)  # value: group id or "state:XX"
    participants: list[Evidence] = field(default_factory=list)  # value: ISO code
    # Groups a meeting or agreement talked about: named, not taking part.
    mentioned: list[Evidence] = field(default_factory=list)
    counts: dict[str, Evidence] = field(default_factory=dict)
    sentences: list[Span] = field(default_factory=list)
    confidence: float = 0.0

    @property
    def time_precision(self) -> str:
        return self.time.value["precision"] if self.time else "unknown"

    @property
    def start(self) -> str | None:
        return self.time.value["start"] if self.time else None

    def spans_by_field(self) -> list[tuple[str, Span]]:
        out: list[tuple[str, Span]] = [("sub_type", s) for s in self.sub_type.spans]
        if self.time:
            out += [("time", s) for s in self.time.spans]
        for name in ("places", "actors", "participants", "mentioned"):
            for ev in getattr(self, name):
                out += [(name, s) for s in ev.spans]
        if self.country:
            placed = {s for p in self.places for s in p.spans}
            out += [("country", s) for s in self.country.spans if s not in placed]
        for role, ev in self.counts.items():
            out += [(role, s) for s in ev.spans]
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "event_type": self.event_type,
            "sub_type": self.sub_type.as_dict(),
            "time": self.time.as_dict() if self.time else None,
            "places": [e.as_dict() for e in self.places],
            "country": self.country.as_dict() if self.country else None,
            "actors": [e.as_dict() for e in self.actors],
            "participants": [e.as_dict() for e in self.participants],
            "mentioned": [e.as_dict() for e in self.mentioned],
            "counts": {k: v.as_dict() for k, v in self.counts.items()},
            "sentences": [list(s) for s in self.sentences],
            "confidence": self.confidence,
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Draft:
        def ev(x: Any) -> Evidence | None:
            return Evidence.from_dict(x) if x else None

        return cls(
            event_type=raw["event_type"],
            sub_type=Evidence.from_dict(raw["sub_type"]),
            time=ev(raw.get("time")),
            places=[Evidence.from_dict(x) for x in raw.get("places", [])],
            country=ev(raw.get("country")),
            actors=[Evidence.from_dict(x) for x in raw.get("actors", [])],
            participants=[Evidence.from_dict(x) for x in raw.get("participants", [])],
            mentioned=[Evidence.from_dict(x) for x in raw.get("mentioned", [])],
            counts={k: Evidence.from_dict(v) for k, v in raw.get("counts", {}).items()},
            sentences=[(int(s[0]), int(s[1])) for s in raw.get("sentences", [])],
            confidence=float(raw.get("confidence", 0.0)),
        )


@dataclass
class Extraction:
    lang: str
    published: date | None
    drafts: list[Draft]
    notes: list[str]
    # Everything the article names, events or not: "groups", "places", "states".
    named: dict[str, list[Evidence]] = field(default_factory=dict)

    def named_dict(self) -> dict[str, list[dict[str, Any]]]:
        return {k: [e.as_dict() for e in v] for k, v in self.named.items()}

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": EXTRACTOR_VERSION,
            "lang": self.lang,
            "published": self.published.isoformat() if self.published else None,
            "drafts": [d.as_dict() for d in self.drafts],
            "notes": list(self.notes),
            "named": self.named_dict(),
        }


@dataclass
class _Count:
    role: str
    value: int
    span: Span
    token: int
    sentence: int
    civilian: bool = False
    subset: bool = False  # "dont trois soldats", "بينهم": part of a count already made


@dataclass
class _Sentence:
    index: int
    span: Span
    tokens: list[int] = field(default_factory=list)
    triggers: list[Hit[str]] = field(default_factory=list)
    dates: list[DateMention] = field(default_factory=list)
    places: list[PlaceHit] = field(default_factory=list)
    states: list[Hit[StateRef]] = field(default_factory=list)
    groups: list[Hit[GroupName]] = field(default_factory=list)
    forces: list[Hit[str]] = field(default_factory=list)
    counts: list[_Count] = field(default_factory=list)
    future: bool = False
    hq: bool = False
    context: set[str] = field(default_factory=set)  # sub-types whose required words are here
    civilian: bool = False
    protest_intervention: bool = False
    protest_force: bool = False


def _trigger_lexicon() -> Lexicon[str]:
    """Every sub-type's triggers (the file's other sections are not sub-types)."""
    others = ("about", "weak", "requires", "civilian_victims")
    return by_key({k: v for k, v in trigger_data().items() if k not in others})


class Extractor:
    """Reusable: builds its dictionaries once (gazetteer, groups), then reads texts."""

    def __init__(self, gazetteer: Gazetteer | None = None, groups: Iterable[GroupName] = ()):
        self.gazetteer = gazetteer or load_gazetteer()
        self.places = PlaceFinder(self.gazetteer)
        self.groups = GroupFinder(groups)
        self.triggers = _trigger_lexicon()
        self.weak = by_language(trigger_data()["weak"])
        self.count_cues = by_key(lexicon_data()["counts"])
        self.victims = word_lexicon("victims")
        self.forces = word_lexicon("forces")
        self.future_cues = word_lexicon("future")
        self.civilians = by_language(trigger_data()["civilian_victims"])
        self.requires = by_key(trigger_data()["requires"])
        self.protest_intervention = word_lexicon("protest_intervention")
        self.protest_force = word_lexicon("protest_force")
        self.hq_nouns = word_lexicon("hq_nouns")
        self.region_cues = {w for w in lexicon_data()["region_cues"]}
        self.victim_stems = [w.rstrip("*") for w in lexicon_data()["victims"]["ar"]]
        self.victims_singular = word_lexicon("victims_singular")
        self.subset = word_lexicon("subset")
        self.no_casualties = by_key(lexicon_data()["no_casualties"])

    # --- finding ---------------------------------------------------------------

    def _counts(self, tokens: Sequence[Token], taken: set[int]) -> list[_Count]:
        """Killed, wounded, kidnapped, released: each number with the cue it belongs to."""
        cues = self.count_cues.find(tokens)
        cue_at = {i: h for h in cues for i in range(h.first, h.last)}
        subset_at = {h.first for h in self.subset.find(tokens)}
        numbers: list[tuple[int, int, int]] = []  # (value, first, last)
        i = 0
        after_number = False
        while i < len(tokens):
            if i in taken:
                i += 1
                continue
            read = read_number(tokens, i)
            if read is not None and read.value < 100000:
                numbers.append((read.value, i, i + read.used))
                i += read.used
                after_number = True
                continue
            # A dual ("جنديين") counts two, unless it is the plural after a number
            # ("سبعة دركيين": the same ending).
            if not after_number and is_dual(tokens[i].norm, self.victim_stems):
                numbers.append((2, i, i + 1))
            after_number = False
            i += 1
        out: list[_Count] = []
        used_cues: set[int] = set()
        for value, first, last in numbers:
            sentence = tokens[first].sentence
            near_victim = any(
                self.victims.match_at(tokens, k) for k in range(last, min(last + 3, len(tokens)))
            )
            word_one = value == 1 and not tokens[first].norm[:1].isdigit()
            if word_one and not (last < len(tokens) and self.victims.match_at(tokens, last)):
                continue  # "un poste", "une attaque": an article, not a count
            best: tuple[int, Hit[str]] | None = None
            # The cue after the number ("5 soldats tués", "خمسة جنود قتلى") or before it
            # ("مقتل خمسة جنود", "killing five"), with victim words allowed between.
            j = last
            gap = 0
            while j < len(tokens) and tokens[j].sentence == sentence and gap <= 4:
                if j in cue_at:
                    # A cue that opens the next clause ("… وإصابة ثلاثة", "and wounding")
                    # belongs to the number after it: it counts one further away.
                    opens = tokens[j].norm.startswith("و") or tokens[j - 1].norm in ("and", "et")
                    best = (j - last + 1 + int(opens), cue_at[j])
                    break
                if not self.victims.match_at(tokens, j) and tokens[j].norm not in _FILLER:
                    gap += 1
                j += 1
            j = first - 1
            gap = 0
            # Arabic puts the verb first and the object late ("اختطف مسلحون مجهولون، مساء
            # الجمعة، ثلاثة تجار"): further back when a victim noun follows the number.
            reach = 4 if near_victim else 2
            while j >= 0 and tokens[j].sentence == sentence and gap <= reach:
                if j in cue_at:
                    # "… tués et quatorze autres blessés": after "and", a new count.
                    joined = any(tokens[k].norm in ("و", "et", "and") for k in range(j + 1, first))
                    distance = first - j + int(joined) * 2
                    if best is None or distance <= best[0]:
                        best = (distance, cue_at[j])
                    break
                if tokens[j].norm not in _FILLER:
                    gap += 1
                j -= 1
            if best is None:
                continue
            if not near_victim and best[0] > 2 and not tokens[first].norm[:1].isdigit():
                continue
            civilian = any(
                tokens[k].norm.startswith(("civil", "مدني", "قروي", "villag"))
                for k in range(last, min(last + 2, len(tokens)))
            )
            cue = best[1]
            used_cues.add(cue.first)
            span = (tokens[first].start, max(tokens[last - 1].end, cue.end))
            if cue.first < first:
                span = (cue.start, tokens[last - 1].end)
            subset = any(k in subset_at for k in range(max(first - 3, 0), first))
            out.append(_Count(cue.value, value, span, first, sentence, civilian, subset))
        # "مقتل جندي", "tuant le chauffeur", "a soldier was killed": one victim, no number.
        for cue in cues:
            if cue.first in used_cues:
                continue
            k = cue.last
            while k < len(tokens) and tokens[k].norm in _DETERMINERS and k < cue.last + 2:
                k += 1
            hit = self.victims_singular.match_at(tokens, k) if k < len(tokens) else []
            if hit and tokens[k].sentence == tokens[cue.first].sentence:
                end = hit[0].end
                out.append(_Count(cue.value, 1, (cue.start, end), cue.first, tokens[k].sentence))
        # "sans faire de victimes", "no casualties", "دون تسجيل خسائر": zero.
        for h in self.no_casualties.find(tokens):
            roles = ("killed", "wounded") if h.value == "both" else ("killed",)
            for role in roles:
                out.append(_Count(role, 0, (h.start, h.end), h.first, tokens[h.first].sentence))
        return out

    def _sentences(
        self, text: str, tokens: Sequence[Token], published: date | None
    ) -> list[_Sentence]:
        spans = sentence_spans(text)
        sentences = [_Sentence(i, s) for i, s in enumerate(spans)]
        for k, tok in enumerate(tokens):
            sentences[tok.sentence].tokens.append(k)
        weak = {i for h in self.weak.find(tokens) for i in range(h.first, h.last)}
        for hit in self.triggers.find(tokens):
            if weak & set(range(hit.first, hit.last)):
                continue
            sentences[tokens[hit.first].sentence].triggers.append(hit)
        dates = find_dates(tokens, published)
        taken: set[int] = set()
        for d in dates:
            sentences[tokens[d.first].sentence].dates.append(d)
            taken.update(range(d.first, d.last))
        states = _one_state_per_word(state_lexicon().find(tokens), tokens)
        for s in states:
            sentences[tokens[s.first].sentence].states.append(s)
        named = {s.value[1] for s in states if s.value[0] == "country"}
        for p in self.places.find(tokens, named):
            sentences[tokens[p.hit.first].sentence].places.append(p)
        for g in self.groups.find(tokens):
            sentences[tokens[g.first].sentence].groups.append(g)
            taken.update(range(g.first, g.last))
        for f in self.forces.find(tokens):
            sentences[tokens[f.first].sentence].forces.append(f)
        for c in self._counts(tokens, taken):
            sentences[c.sentence].counts.append(c)
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
        return sentences

    # --- assembling ------------------------------------------------------------

    def _sub_type(self, s: _Sentence, tokens: Sequence[Token]) -> tuple[str, list[Hit[str]]] | None:
        found = {h.value for h in s.triggers}
        # Refinements that need their base: a foreign victim needs a kidnapping, a
        # "launch" needs a headquarters or staff.
        for needy in trigger_data()["requires"]:
            if needy in found and needy not in s.context:
                found.discard(needy)
        if "headquarters_or_base_established" in found and not s.hq:
            found.discard("headquarters_or_base_established")
        if not found:
            # Casualties are violence even without a verb for it ("douze civils tués").
            if any(c.role == "killed" and c.value > 0 for c in s.counts):
                found = {"attack_on_civilians" if s.civilian and not s.forces else "armed_clash"}
                return next(iter(found)), [
                    Hit(next(iter(found)), c.token, c.token + 1, c.span[0], c.span[1], "")
                    for c in s.counts
                    if c.role == "killed"
                ][:1]
            return None
        chosen = next((sub for sub in _PRIORITY if sub in found), sorted(found)[0])
        # Violence on civilians when the victims are civilians and no force is named.
        if chosen == "armed_clash" and s.civilian and not s.forces:
            chosen = "attack_on_civilians"
        if chosen == "peaceful_protest":
            if s.protest_force or any(c.role == "killed" for c in s.counts):
                chosen = "excessive_force_against_protesters"
            elif s.protest_intervention:
                chosen = "protest_with_intervention"
        if chosen == "agreement" and "meeting" in found:
            signed = any(
                h.value == "agreement" and h.phrase.startswith(("وقع", "توقيع", "sign"))
                for h in s.triggers
            )
            if not signed:
                chosen = "meeting"
        if (
            chosen in _MEETINGS
            and s.dates
            and {"meeting", "headquarters_or_base_established"} <= found
        ):
            # Two kinds of meeting event in one sentence: the one nearest its date.
            chosen = min(
                (h for h in s.triggers if h.value in found & _MEETINGS - {"agreement"}),
                key=lambda h: min(abs(h.first - d.first) for d in s.dates),
            ).value
        if chosen == "arrest" and found & {"drug_seizure", "arms_seizure", "fuel_smuggling"}:
            chosen = next(x for x in _PRIORITY if x in found)
        hits = [h for h in s.triggers if h.value == chosen]
        if not hits:  # a refinement: point at the trigger it refines
            hits = [h for h in s.triggers if event_type_of(h.value) == event_type_of(chosen)]
        return chosen, hits or s.triggers[:1]

    def _evidence(self, s: _Sentence, sub: str = "") -> int:
        """How many kinds of fact make this sentence a reported event, not talk."""
        parts: list[Sequence[object]] = [s.dates, s.places, s.counts, s.groups]
        if sub in _MEETINGS:
            parts.append(s.states)
        else:
            parts.append([h for h in s.states if h.value[0] in ("demonym", "acronym")])
        return sum(1 for part in parts if part)

    def extract(self, text: str, published: date | None, lang: str | None = None) -> Extraction:
        tokens = tokenize(text)
        language = lang or detect_language(text)
        notes = []
        if published is None:
            notes.append("no publication date: relative dates are left unknown")
        sentences = self._sentences(text, tokens, published)
        countries_named = [
            s.value[1] for sent in sentences for s in sent.states if s.value[0] == "country"
        ]
        groups: list[tuple[str, list[_Sentence], list[Hit[str]]]] = []
        for s in sentences:
            typed = self._sub_type(s, tokens)
            if typed is None:
                if groups and s.counts and s.index - groups[-1][1][-1].index == 1:
                    groups[-1][1].append(s)  # "Le bilan est de cinq morts."
                continue
            sub, hits = typed
            previous = sentences[s.index - 1] if s.index else None
            if self._evidence(s, sub) < 1:
                # "وتُوّج الاجتماع بتوقيع بروتوكول": an agreement right after its meeting
                # takes the meeting's date and place.
                follows = bool(groups) and groups[-1][1][-1] is previous
                if not (sub in _MEETINGS and follows and previous is not None):
                    continue
                if self._continues(groups[-1], sub, s):
                    groups[-1][1].append(s)
                    groups[-1][2].extend(hits)
                else:
                    groups.append((sub, [previous, s], list(hits)))
                continue
            if groups and self._continues(groups[-1], sub, s, _definite(hits, tokens)):
                groups[-1][1].append(s)
                groups[-1][2].extend(hits)
                continue
            groups.append((sub, [s], list(hits)))
        groups = _merge_same_meetings(groups)
        drafts = [
            self._draft(sub, sents, hits, tokens, countries_named) for sub, sents, hits in groups
        ]
        return Extraction(
            language, published, drafts, notes, self._named(sentences, countries_named)
        )

    def _named(
        self, sentences: Sequence[_Sentence], countries: Sequence[str]
    ) -> dict[str, list[Evidence]]:
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
                add("states", h.value[1], h.value[1], (h.start, h.end))
        return {k: list(v.values()) for k, v in out.items()}

    def _continues(
        self,
        group: tuple[str, list[_Sentence], list[Hit[str]]],
        sub: str,
        s: _Sentence,
        definite: bool = False,
    ) -> bool:
        """Whether sentence `s` goes on about the event of `group`. A definite mention of
        violence ("the attack", "l'attaque", "الهجوم") right after one refers back to it,
        even with another date (the date of a claim or a statement)."""
        prev_sub, sents, _ = group
        if s.index - sents[-1].index > 1 or s.future != sents[-1].future:
            return False
        prev_places = {p.hit.value for x in sents for p in x.places}
        new_places = {p.hit.value for p in s.places}
        places_conflict = bool(prev_places and new_places and not prev_places & new_places)
        violent = {event_type_of(prev_sub), event_type_of(sub)} <= _VIOLENT
        if definite and violent and not places_conflict:
            return True
        if event_type_of(prev_sub) != event_type_of(sub):
            return False
        if prev_sub in _MEETINGS and sub in _MEETINGS and prev_sub != sub:
            return False
        if event_type_of(sub) == "strategic_development" and prev_sub != sub:
            return False
        prev_dates = {d.start for x in sents for d in x.dates if d.start}
        new_dates = {d.start for d in s.dates if d.start}
        if prev_dates and new_dates and not prev_dates & new_dates:
            return False
        return not places_conflict

    def _draft(
        self,
        sub: str,
        sents: list[_Sentence],
        hits: list[Hit[str]],
        tokens: Sequence[Token],
        countries_named: list[str],
    ) -> Draft:
        anchor = hits[0].first
        first = sents[0]

        def distance(tok: int) -> int:
            return abs(tok - anchor)

        # Date: in the trigger's sentence, nearest the trigger; else elsewhere in the event.
        time = None
        dates = [d for s in sents for d in s.dates]
        if dates:
            d = min(
                dates, key=lambda m: (tokens[m.first].sentence != first.index, distance(m.first))
            )
            if d.start is not None:
                end = d.end
                time = Evidence(
                    {
                        "start": d.start.isoformat(),
                        "end": end.isoformat() if end else d.start.isoformat(),
                        "precision": d.precision,
                    },
                    [(d.text_start, d.text_end)],
                )
        # Places: the most specific, nearest the trigger first.
        # Places: where it happened is the place named nearest the trigger; a region
        # named to situate it ("dans la région de Tombouctou", "بمنطقة كيدال") is context
        # unless nothing more precise is given; a second place counts when it is listed
        # with the first ("بين غاو وأنسونغو", "à Béchar et Tindouf").
        region_before = {
            p.hit.first
            for s in sents
            for p in s.places
            if any(
                f in self.region_cues
                for k in range(max(p.hit.first - 2, 0), p.hit.first)
                for f, _ in forms(tokens[k].norm)
            )
        }
        place_hits = sorted(
            (p for s in sents for p in s.places),
            key=lambda p: (p.hit.first in region_before, distance(p.hit.first)),
        )
        chosen_places: list[tuple[Place, PlaceHit]] = []
        for p in place_hits:
            place = best_place(p, countries_named, p.hit.first in region_before)
            if any(place.id == c[0].id for c in chosen_places):
                continue
            if chosen_places and not _listed_with(chosen_places[0][1].hit, p.hit, tokens):
                continue
            chosen_places.append((place, p))
        places = [
            Evidence(pl.id, [(p.hit.start, p.hit.end)], pl.name_in("en"))
            for pl, p in chosen_places[:3]
        ]
        # Country: the place's, else a country named with a locative cue, else a force's.
        country = None
        if chosen_places:
            pl, p = chosen_places[0]
            country = Evidence(pl.country, [(p.hit.start, p.hit.end)], pl.country)
        states = [h for s in sents for h in s.states]
        if country is None:
            located = [h for h in states if h.value[0] == "country" and _locative(tokens, h.first)]
            if located:
                h = min(located, key=lambda h: distance(h.first))
                country = Evidence(h.value[1], [(h.start, h.end)], h.value[1])
        # Actors: groups named, and state forces (a force word with a nationality).
        actors: list[Evidence] = []
        for s in sents:
            for g in s.groups:
                if not any(a.value == g.value.id for a in actors):
                    actors.append(Evidence(g.value.id, [(g.start, g.end)], g.value.label))
                else:
                    next(a for a in actors if a.value == g.value.id).spans.append((g.start, g.end))
        force_states = self._force_states(sents, tokens)
        if sub not in _MEETINGS:
            # A force named without a nationality ("the army", "مفرزة للجيش") is the
            # state's where it happened — except where forces are only talked about.
            acting = sub not in ("threat_statement", "change_to_group_activity", "recruitment")
            if acting and not force_states and any(s.forces for s in sents):
                code = country.value if country else None
                if code in MEMBER_STATES:
                    f = next(f for s in sents for f in s.forces)
                    force_states = [(str(code), (f.start, f.end))]
            for code, span in force_states:
                existing = next((a for a in actors if a.value == f"state:{code}"), None)
                if existing:
                    existing.spans.append(span)
                else:
                    actors.append(Evidence(f"state:{code}", [span], code))
            if country is None and force_states:
                code, span = force_states[0]
                country = Evidence(code, [span], code)
        # Participants of meetings and agreements: the states listed together ("الجزائر
        # ومالي وموريتانيا والنيجر", "le Mali et le Niger"), else those its first sentence names.
        participants: list[Evidence] = []
        mentioned: list[Evidence] = []
        if sub in _MEETINGS:
            listed = _coordinated([h for h in states if h.value[0] == "country"], tokens)
            chosen_states = listed or [
                h
                for h in first.states
                if h.value[0] in ("country", "demonym") and not _locative(tokens, h.first)
            ]
            for h in chosen_states:
                code = h.value[1]
                existing = next((p for p in participants if p.value == code), None)
                if existing:
                    existing.spans.append((h.start, h.end))
                else:
                    participants.append(Evidence(code, [(h.start, h.end)], code))
            if country is None and chosen_places:
                pl, p = chosen_places[0]
                country = Evidence(pl.country, [(p.hit.start, p.hit.end)], pl.country)
            mentioned, actors = actors, []
        # Counts: per role, the sum of what the event's sentences state ("four soldiers
        # … 13 assailants were killed" is 17), leaving out parts of a count already made
        # ("dont trois soldats"); zero only when the text says so and gives no number.
        counts: dict[str, Evidence] = {}
        for s in sents:
            for c in s.counts:
                if c.role not in COUNT_ROLES or c.subset:
                    continue
                role = "released" if sub == "hostage_release" and c.role == "kidnapped" else c.role
                current = counts.get(role)
                if current is None or current.value == 0:
                    counts[role] = Evidence(c.value, [c.span])
                elif c.value > 0 and c.span not in current.spans:
                    counts[role] = Evidence(current.value + c.value, [*current.spans, c.span])
        evidence = sum(self._evidence(s) for s in sents)
        confidence = min(1.0, 0.35 + 0.1 * evidence + (0.1 if time else 0) + (0.1 if places else 0))
        return Draft(
            event_type=event_type_of(sub),
            sub_type=Evidence(sub, [(h.start, h.end) for h in hits]),
            time=time,
            places=places,
            country=country,
            actors=actors,
            participants=participants,
            mentioned=mentioned,
            counts=counts,
            sentences=[s.span for s in sents],
            confidence=round(confidence, 2),
        )

    def _force_states(
        self, sents: list[_Sentence], tokens: Sequence[Token]
    ) -> list[tuple[str, Span]]:
        out: list[tuple[str, Span]] = []
        for s in sents:
            for h in s.states:
                kind, code = h.value
                if kind == "acronym":
                    out.append((code, (h.start, h.end)))
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
                    out.append((code, (min(f.start, h.start), max(f.end, h.end))))
        return list({c: (c, sp) for c, sp in out}.values())


def _listed_with(a: Hit[str], b: Hit[str], tokens: Sequence[Token]) -> bool:
    """Two names written as a list: only "and", commas or "between" around them."""
    lo, hi = (a, b) if a.first < b.first else (b, a)
    if tokens[lo.first].sentence != tokens[hi.first].sentence:
        return False
    between = [t.norm for t in tokens[lo.last : hi.first]]
    return len(between) <= 2 and all(w in _AND for w in between)


_DETERMINERS = frozenset(
    {"le", "la", "l", "un", "une", "son", "sa", "leur", "the", "a", "an", "its", "their", "one"}
)
_FILLER = frozenset(
    {"من", "عن", "في", "و", "de", "des", "d", "et", "and", "of", "ont", "ete", "a", "were",
     "was", "have", "been", "had", "au", "moins", "least", "at", "les", "the", "people",
     "une", "un", "personnes", "بينهم", "منهم", "اخرين", "اخرون", "آخرين", "est", "sont",
     "شخصا", "including", "dont", "autres", "other", "others", "حوالي", "نحو"}
)  # fmt: skip


def _merge_same_meetings(
    groups: list[tuple[str, list[_Sentence], list[Hit[str]]]],
) -> list[tuple[str, list[_Sentence], list[Hit[str]]]]:
    """An article comes back to the same meeting: same kind, place and date (or none)."""
    out: list[tuple[str, list[_Sentence], list[Hit[str]]]] = []
    for sub, sents, hits in groups:
        places = {p.hit.value for s in sents for p in s.places}
        dates = {d.start for s in sents for d in s.dates if d.start}
        target = None
        if sub in _MEETINGS and places:
            for other in out:
                o_places = {p.hit.value for s in other[1] for p in s.places}
                o_dates = {d.start for s in other[1] for d in s.dates if d.start}
                if (
                    other[0] == sub
                    and places & o_places
                    and (not dates or not o_dates or dates & o_dates)
                    and other[1][0].future == sents[0].future
                ):
                    target = other
                    break
        if target is None:
            out.append((sub, list(sents), list(hits)))
        else:
            target[1].extend(sents)
            target[2].extend(hits)
    return out


_AND = frozenset(
    {"و", "et", "and", "ainsi", "qu", "que", "le", "la", "les", "l", "du", "de", "des", "d", "of"}
)
_DEFINITE = frozenset({"the", "this", "that", "l", "la", "le", "cette", "cet", "ce", "هذا", "هذه"})


def _definite(hits: Sequence[Hit[str]], tokens: Sequence[Token]) -> bool:
    """Every trigger is a definite noun: a reference back, not a new event."""
    if not hits:
        return False
    for h in hits:
        before = tokens[h.first - 1].norm if h.first else ""
        arabic_article = any(art for _, art in forms(tokens[h.first].norm)) and tokens[
            h.first
        ].norm.startswith(("ال", "وال", "بال", "فال"))
        if before not in _DEFINITE and not arabic_article:
            return False
    return True


def _coordinated(states: Sequence[Hit[StateRef]], tokens: Sequence[Token]) -> list[Hit[StateRef]]:
    """States written as a list: next to each other, joined by و / et / and / commas."""
    out: list[Hit[StateRef]] = []
    ordered = sorted(states, key=lambda h: h.first)
    run: list[Hit[StateRef]] = []
    for h in ordered:
        if run:
            gap = [t.norm for t in tokens[run[-1].last : h.first]]
            joined = tokens[h.first].sentence == tokens[run[-1].first].sentence and (
                all(g in _AND for g in gap)
                and len(gap) <= 3
                and (gap or tokens[h.first].norm.startswith("و") or tokens[h.first - 1].text != "")
            )
            if not joined:
                if len({x.value[1] for x in run}) >= 2:
                    out.extend(run)
                run = []
        run.append(h)
    if len({x.value[1] for x in run}) >= 2:
        out.extend(run)
    return out


def _one_state_per_word(hits: list[Hit[StateRef]], tokens: Sequence[Token]) -> list[Hit[StateRef]]:
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
        out.append(next((h for h in group if h.value[0] == wanted), group[0]))
    return out


def _locative(tokens: Sequence[Token], i: int) -> bool:
    """Whether a country name is where something happened ("في مالي", "au Mali", "in Mali")."""
    if i == 0:
        return True
    prev = tokens[i - 1].norm
    own = [f for f, _ in forms(tokens[i].norm)]
    if tokens[i].norm != own[-1] and tokens[i].norm[:1] in ("ب",):
        return True
    return prev in (
        "في",
        "au",
        "en",
        "in",
        "du",
        "de",
        "شمال",
        "جنوب",
        "شرق",
        "غرب",
        "nord",
        "sud",
        "est",
        "ouest",
        "northern",
        "southern",
        "eastern",
        "western",
    )


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
