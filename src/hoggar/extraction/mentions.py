"""Places, states and armed groups named in a text.

Places come from the gazetteer (every name in every script), states from CLDR country
names (Babel) plus the demonyms and force acronyms of `data/lexicon.json`, armed
groups from the group entries the caller passes (names and aliases, as the name
matching service indexes them). Names are matched as whole phrases under Arabic
clitics; a place that is only a village, or a Latin name written in lower case, needs a
cue before it ("قرية", "près de", "in") so that common words do not become places.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, NamedTuple

from babel import Locale

from hoggar.extraction.lexicon import Hit, Lexicon, by_language, lexicon_data
from hoggar.extraction.tokens import Token
from hoggar.geo.gazetteer import MEMBER_STATES, Gazetteer, Place
from hoggar.text.normalize import is_arabic, normalize

_MINOR_KINDS = frozenset({"village", "locality"})
_KIND_SCORE = {
    "capital": 1.0,
    "city": 0.9,
    "town": 0.8,
    "border-town": 0.85,
    "border-post": 0.7,
    "military-camp": 0.7,
    "military-post": 0.7,
    "site": 0.7,
    "admin1": 0.6,
    "village": 0.4,
    "locality": 0.3,
}


@dataclass(frozen=True)
class GroupName:
    """An armed group the extractor may name: its id and every name and alias."""

    id: str
    label: str
    names: tuple[str, ...]


class StateRef(NamedTuple):
    """A state named in a text: how ("country", "demonym", "acronym") and its ISO code."""

    kind: str
    code: str


@dataclass(frozen=True)
class PlaceHit:
    places: tuple[Place, ...]  # every gazetteer place with this name
    hit: Hit[str]
    minor_only: bool


@cache
def _country_names() -> dict[str, str]:
    """Normalised country name → ISO code, in Arabic, French and English."""
    data = lexicon_data()
    out: dict[str, str] = {}
    for code in data["countries"]:
        for lang in ("ar", "fr", "en"):
            name = Locale(lang).territories.get(code)
            if name:
                out[name] = code
    for code, names in data["country_aliases"].items():
        for name in names:
            out[name] = code
    return out


@cache
def state_lexicon() -> Lexicon[StateRef]:
    """Country names, demonyms and force acronyms → (kind, ISO code)."""
    data = lexicon_data()
    phrases: list[tuple[str, StateRef]] = [
        (name, StateRef("country", code)) for name, code in _country_names().items()
    ]
    for code, entry in data["states"].items():
        for words in entry["demonyms"].values():
            phrases.extend((w, StateRef("demonym", code)) for w in words)
        phrases.extend((a, StateRef("acronym", code)) for a in entry["acronyms"])
    return Lexicon(phrases, names=True)


@cache
def word_lexicon(section: str) -> Lexicon[str]:
    """A {lang: [words]} section of lexicon.json as one lexicon (value = the language)."""
    return by_language(lexicon_data()[section])


class PlaceFinder:
    """Gazetteer names as a phrase dictionary."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        countries = {normalize(n) for n in _country_names()}
        countries |= {normalize(n) for n in lexicon_data()["not_places"]}
        demonyms = {
            normalize(w.rstrip("*"))
            for e in lexicon_data()["states"].values()
            for ws in e["demonyms"].values()
            for w in ws
        }
        phrases: dict[str, list[Place]] = {}
        for place in gazetteer.places:
            names = {place.name}
            for lang, values in place.names.items():
                if lang == "und" and place.kind in _MINOR_KINDS:
                    continue
                names.update(values)
            for name in names:
                norm = normalize(name)
                if len(norm) < 3 or norm in countries or norm in demonyms:
                    continue
                phrases.setdefault(norm, []).append(place)
        self._places = phrases
        self.lexicon: Lexicon[str] = Lexicon(((n, n) for n in phrases), names=True)

    def find(self, tokens: Sequence[Token], countries: Iterable[str] = ()) -> list[PlaceHit]:
        """Place names in the text; only places in the member states or in a country
        the text names (a Moroccan town does not come from a word in a Malian story)."""
        cues = word_lexicon("place_cues")
        allowed = MEMBER_STATES | set(countries)
        out = []
        for hit in self.lexicon.find(tokens):
            places = tuple(p for p in self._places[hit.value] if p.country in allowed)
            if not places:
                continue
            first = tokens[hit.first]
            single = hit.last - hit.first == 1
            minor_only = all(p.kind in _MINOR_KINDS for p in places)
            latin = not is_arabic(first.norm)
            cue = hit.first > 0 and bool(cues.match_at(tokens, hit.first - 1))
            if latin and not first.upper:
                continue  # a lower-case Latin word is a word, not a name
            if minor_only and single and not cue:
                continue
            if latin and single and len(first.norm) < 4 and not cue:
                continue
            if not latin and single and len(first.norm) < 4 and not cue:
                continue
            out.append(PlaceHit(places, hit, minor_only))
        return out


def best_place(
    hit: PlaceHit, countries: Iterable[str], region_cue: bool, near: Sequence[Place] = ()
) -> Place:
    """The place a name most likely means, given the countries the text names."""
    wanted = set(countries)

    def score(p: Place) -> float:
        s = _KIND_SCORE.get(p.kind, 0.5)
        if p.kind == "admin1" and region_cue:
            s += 0.6
        if p.country in wanted:
            s += 0.5
        if p.country in MEMBER_STATES:
            s += 0.2
        if p.source.startswith("curated"):
            s += 0.1
        if p.population:
            s += min(math.log10(p.population) / 20, 0.35)
        if near and min(abs(p.lat - q.lat) + abs(p.lon - q.lon) for q in near) < 3:
            s += 0.2
        return s

    return max(hit.places, key=score)


class GroupFinder:
    def __init__(self, groups: Iterable[GroupName]) -> None:
        phrases: list[tuple[str, GroupName]] = []
        self._acronyms: set[str] = set()
        for group in groups:
            for name in group.names:
                norm = normalize(name)
                if len(norm) < 3:
                    continue
                if name.isupper() and len(name) <= 6:
                    self._acronyms.add(norm)
                phrases.append((name, group))
        self.lexicon: Lexicon[GroupName] = Lexicon(phrases, names=True)

    def find(self, tokens: Sequence[Token]) -> list[Hit[GroupName]]:
        out = []
        for hit in self.lexicon.find(tokens):
            word = tokens[hit.first]
            if (
                hit.last - hit.first == 1
                and word.norm in self._acronyms
                and not word.text.isupper()
            ):
                continue  # "jas", "asl" as ordinary words
            out.append(hit)
        return out


def groups_from_json(data: Any) -> list[GroupName]:
    """Group entries from the demo/reference groups.json layout."""
    groups = data if isinstance(data, list) else data["groups"]
    return [
        GroupName(
            id=g.get("id") or f"group:{g['key']}",
            label=g["names"]["en"],
            names=tuple(
                dict.fromkeys(
                    [*g["names"].values(), *g.get("aliases", []), *(g.get("short") or {}).values()]
                )
            ),
        )
        for g in groups
    ]
