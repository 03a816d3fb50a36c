"""Ranked, explainable name matching across Arabic and Latin scripts.

One index type serves the gazetteer (places), armed groups and other actors: each
entry has names in several languages and a prior weight (population, importance).
A query is compared with every name in four ways, strongest first:

1. the same normalised name ("exact");
2. the same name without articles (ال, al-, el-, le, la…);
3. the same consonant key across scripts ("transliteration": تمنراست = Tamanrasset);
4. a close spelling of the normalised name, or of the consonant key ("spelling",
   "approximate transliteration"), by edit similarity (rapidfuzz).

Each candidate says which name matched, how, and with what score, so an analyst can
see why a place or group was proposed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz, process

from hoggar.text.normalize import is_arabic, key_variants, normalize, skeleton, strip_articles

EXACT, BARE, KEY, PART, SPELLING, KEY_SPELLING = (
    "exact",
    "without articles",
    "transliteration",
    "part of the name",
    "spelling",
    "approximate transliteration",
)


@dataclass(frozen=True)
class Entry:
    """Something with names: a place, a group. `weight` in [0, 1] breaks near ties."""

    id: str
    label: str
    names: tuple[tuple[str, str], ...]  # (language, name)
    weight: float = 0.0
    bias: float = 0.0  # added to every score of this entry (e.g. regions below towns)
    data: Any = field(default=None, compare=False, hash=False)


@dataclass(frozen=True)
class Candidate:
    entry: Entry
    score: float
    matched: str
    lang: str
    method: str
    detail: str

    @property
    def id(self) -> str:
        return self.entry.id

    def explain(self) -> str:
        return (
            f"{self.entry.label}: {self.score:.2f} — matched {self.matched!r} ({self.lang}) "
            f"by {self.method}{f'; {self.detail}' if self.detail else ''}"
        )


@dataclass
class _Name:
    entry: int
    lang: str
    text: str
    norm: str
    bare: str
    key: str  # consonant key, words joined without spaces
    arabic: bool
    words: frozenset[str]


class NameIndex:
    """An in-memory index of entries' names; `search` ranks entries for a query."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        self.entries: list[Entry] = list(entries)
        self._names: list[_Name] = []
        self._by_norm: dict[str, list[int]] = {}
        self._by_bare: dict[str, list[int]] = {}
        self._by_key: dict[str, list[int]] = {}
        for i, entry in enumerate(self.entries):
            seen: set[str] = set()
            for lang, text in entry.names:
                norm = normalize(text)
                if not norm or norm in seen:
                    continue
                seen.add(norm)
                bare = " ".join(strip_articles(norm.split()))
                name = _Name(
                    i, lang, text, norm, bare, _key(text), is_arabic(norm), frozenset(bare.split())
                )
                n = len(self._names)
                self._names.append(name)
                self._by_norm.setdefault(norm, []).append(n)
                self._by_bare.setdefault(name.bare, []).append(n)
                for key in key_variants(text):
                    self._by_key.setdefault(key, []).append(n)
        self._norms = [n.norm for n in self._names]
        self._keys = [n.key for n in self._names]
        words: dict[str, list[int]] = {}
        for n, name in enumerate(self._names):
            for word in set(name.norm.split()):
                words.setdefault(word, []).append(n)
        self._vocabulary = list(words)
        self._word_names = [words[w] for w in self._vocabulary]
        self._names_by_word = words

    def __len__(self) -> int:
        return len(self.entries)

    def _word_names_of(self, word: str) -> list[int]:
        return self._names_by_word.get(word, [])

    def search(
        self,
        query: str,
        limit: int = 5,
        *,
        min_score: float = 0.45,
        accept: Any = None,
    ) -> list[Candidate]:
        """The best `limit` entries for `query`, best first (one candidate per entry).

        `accept`, if given, is a predicate on entries (e.g. a country filter)."""
        norm = normalize(query)
        if not norm:
            return []
        bare = " ".join(strip_articles(norm.split()))
        key = _key(query)
        arabic = is_arabic(norm)
        best: dict[int, Candidate] = {}

        def offer(n: int, score: float, method: str, detail: str = "") -> None:
            name = self._names[n]
            entry = self.entries[name.entry]
            if accept is not None and not accept(entry):
                return
            score = min(1.0, score + 0.04 * entry.weight + entry.bias)
            current = best.get(name.entry)
            if current is None or score > current.score:
                best[name.entry] = Candidate(entry, score, name.text, name.lang, method, detail)

        for n in self._by_norm.get(norm, []):
            offer(n, 0.96, EXACT)
        for n in self._by_bare.get(bare, []):
            offer(n, 0.93, BARE)
        hits: dict[int, str] = {}
        for variant in sorted(key_variants(query), key=len, reverse=True):
            for n in self._by_key.get(variant, []):
                hits.setdefault(n, variant)
        for n, variant in hits.items():
            # Across scripts the key is the evidence; within one script the letters
            # themselves differ, so the same consonants count for less.
            across = self._names[n].arabic != arabic
            strong = len(variant) >= 3
            score = (0.88 if across else 0.6) if strong else (0.62 if across else 0.5)
            offer(n, score, KEY, f"consonants {'-'.join(variant)}")
        words = frozenset(bare.split())
        if len(words) >= 2:
            for n in set().union(*(self._word_names_of(w) for w in words)):
                if words <= self._names[n].words:
                    offer(n, 0.9, PART, "every word of the query is in this name")
        if sum(c.score >= 0.85 for c in best.values()) >= limit:
            return _ranked(best, limit, min_score)
        # Spelling: names close as a whole, or sharing a word close to one of the query's
        # (found through the vocabulary), then scored as a whole with WRatio.
        near: set[int] = {
            n
            for _, _, n in process.extract(
                norm, self._norms, scorer=fuzz.ratio, limit=40, score_cutoff=60
            )
        }
        for word in set(strip_articles(norm.split())):
            if len(word) < 3:
                continue
            for _, _, w in process.extract(
                word, self._vocabulary, scorer=fuzz.ratio, limit=12, score_cutoff=80
            ):
                near.update(self._word_names[w][:40])
        for n in near:
            ratio = _spelling(norm, self._norms[n])
            if ratio >= 72:
                offer(n, 0.45 + 0.45 * (ratio - 72) / 28, SPELLING, f"similarity {ratio:.0f}%")
        if len(key) >= 3:
            for _, ratio, n in process.extract(
                key, self._keys, scorer=fuzz.ratio, limit=40, score_cutoff=75
            ):
                offer(
                    n,
                    0.4 + 0.42 * (ratio - 75) / 25,
                    KEY_SPELLING,
                    f"consonants {'-'.join(key)} ~ {'-'.join(self._names[n].key)} ({ratio:.0f}%)",
                )
        return _ranked(best, limit, min_score)


def _ranked(best: dict[int, Candidate], limit: int, min_score: float) -> list[Candidate]:
    ranked = sorted(
        (c for c in best.values() if c.score >= min_score),
        key=lambda c: (-c.score, -c.entry.weight, c.entry.label),
    )
    return ranked[:limit]


def _spelling(query: str, name: str) -> float:
    """Edit similarity of two normalised names, word order aside; a query that is a
    close part of a longer name counts a little less than a whole match."""
    whole = max(fuzz.ratio(query, name), fuzz.token_sort_ratio(query, name))
    if len(query) >= 5 and len(name) > len(query):
        whole = max(whole, 0.92 * fuzz.partial_ratio(query, name))
    return whole


def _key(text: str) -> str:
    return skeleton(text).replace(" ", "")


def population_weight(population: int | None) -> float:
    """0 for a hamlet, about 1 for a city of ten million (log scale)."""
    if not population or population <= 0:
        return 0.0
    return min(1.0, math.log10(population) / 7)


def names_from(mapping: Mapping[str, Sequence[str]]) -> tuple[tuple[str, str], ...]:
    return tuple((lang, n) for lang, names in mapping.items() for n in names)
