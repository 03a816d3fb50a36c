"""Phrase dictionaries matched over tokens: triggers, cue words, names.

A `Lexicon` holds phrases (sequences of normalised words, `*` for a prefix) each with
a value, and finds them in a token list, longest first, never across a sentence end.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Generic, TypeVar

from hoggar.extraction.tokens import Token, Word, forms, word_of
from hoggar.text.normalize import normalize

V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class Pattern:
    word: Word
    prefix: bool
    strict: bool  # names: a word without the article does not match one with it

    def matches(self, norm: str) -> bool:
        if not self.prefix:
            if self.strict:
                return self.word.matches(norm)
            return any(f == self.word.stem for f, _ in forms(norm))
        return any(f.startswith(self.word.stem) for f, _ in forms(norm))


@dataclass(frozen=True, slots=True)
class Hit(Generic[V]):
    value: V
    first: int
    last: int  # exclusive
    start: int  # character offsets in the text
    end: int
    phrase: str


def compile_phrase(text: str, strict: bool = False) -> tuple[Pattern, ...]:
    out = []
    for raw in text.split():
        prefix = raw.endswith("*")
        norm = normalize(raw.rstrip("*"))
        for part in norm.split():
            out.append(Pattern(word_of(part), prefix, strict))
    return tuple(out)


class Lexicon(Generic[V]):
    def __init__(self, phrases: Iterable[tuple[str, V]], *, names: bool = False) -> None:
        self._exact: dict[str, list[tuple[tuple[Pattern, ...], V, str]]] = defaultdict(list)
        # Prefix patterns by their first two letters: a word only meets those it can match.
        self._prefix: dict[str, list[tuple[tuple[Pattern, ...], V, str]]] = defaultdict(list)
        for text, value in phrases:
            patterns = compile_phrase(text, names)
            if not patterns:
                continue
            entry = (patterns, value, text)
            if patterns[0].prefix:
                self._prefix[patterns[0].word.stem[:2]].append(entry)
            else:
                self._exact[patterns[0].word.stem].append(entry)
        self._short = [e for k, es in self._prefix.items() if len(k) < 2 for e in es]

    def _candidates(self, norm: str) -> list[tuple[tuple[Pattern, ...], V, str]]:
        out: list[tuple[tuple[Pattern, ...], V, str]] = []
        for f, _ in forms(norm):
            out.extend(self._exact.get(f, ()))
        for key in {f[:2] for f, _ in forms(norm)}:
            out.extend(e for e in self._prefix.get(key, ()) if e[0][0].matches(norm))
        out.extend(e for e in self._short if e[0][0].matches(norm))
        return out

    def match_at(self, tokens: Sequence[Token], i: int) -> list[Hit[V]]:
        """Every phrase that starts at token i, longest first."""
        hits: list[Hit[V]] = []
        for patterns, value, text in self._candidates(tokens[i].norm):
            j = i
            ok = True
            for n, pattern in enumerate(patterns):
                k = i + n
                if k >= len(tokens) or tokens[k].sentence != tokens[i].sentence:
                    ok = False
                    break
                if not pattern.matches(tokens[k].norm):
                    ok = False
                    break
                j = k + 1
            if ok:
                hits.append(Hit(value, i, j, tokens[i].start, tokens[j - 1].end, text))
        hits.sort(key=lambda h: -(h.last - h.first))
        return hits

    def find(self, tokens: Sequence[Token]) -> list[Hit[V]]:
        """Non-overlapping hits, longest first at each position, in text order."""
        out: list[Hit[V]] = []
        i = 0
        while i < len(tokens):
            hits = self.match_at(tokens, i)
            if hits:
                best = [h for h in hits if h.last == hits[0].last]
                out.extend(best)
                i = hits[0].last
            else:
                i += 1
        return out


@cache
def _data(name: str) -> dict[str, Any]:
    raw = resources.files("hoggar.extraction").joinpath(f"data/{name}").read_text("utf-8")
    data: dict[str, Any] = json.loads(raw)
    return data


def lexicon_data() -> dict[str, Any]:
    return _data("lexicon.json")


def trigger_data() -> dict[str, Any]:
    return _data("triggers.json")


def number_data() -> dict[str, Any]:
    return _data("numbers.json")


def date_data() -> dict[str, Any]:
    return _data("dates.json")


def words_data() -> dict[str, Any]:
    return _data("words.json")


def word_set(mapping: Mapping[str, Sequence[str]]) -> frozenset[str]:
    """The words of a {lang: [words]} mapping, every language together, as written."""
    return frozenset(word for words in mapping.values() for word in words)


def phrase_set(mapping: Mapping[str, Sequence[str]]) -> frozenset[tuple[str, ...]]:
    """The phrases of a {lang: [phrases]} mapping as tuples of words, as written."""
    return frozenset(tuple(phrase.split()) for phrase in word_set(mapping))


def word_modes(mapping: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """A {mode: [words]} mapping turned round: word → mode."""
    return {word: mode for mode, words in mapping.items() for word in words}


def by_language(mapping: Mapping[str, Sequence[str]]) -> Lexicon[str]:
    """A {lang: [phrases]} mapping as one lexicon; a hit's value is the language."""
    return Lexicon((phrase, lang) for lang, phrases in mapping.items() for phrase in phrases)


def by_key(mapping: Mapping[str, Mapping[str, Sequence[str]]]) -> Lexicon[str]:
    """A {key: {lang: [phrases]}} mapping as one lexicon; a hit's value is the key."""
    return Lexicon(
        (phrase, key)
        for key, by_lang in mapping.items()
        for phrases in by_lang.values()
        for phrase in phrases
    )
