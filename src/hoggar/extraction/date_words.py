"""The words of date expressions (data/dates.json) and the look-ups made with them.

Month and weekday names come from CLDR through Babel, in the Mashriqi (يناير، أبريل),
Maghrebi (جانفي، أفريل، جويلية، أوت; غشت، شتنبر) and Levantine (كانون الثاني، نيسان)
forms, and in French and English, with the corrections of data/dates.json. Each
section of that file is loaded once here, under the name of the expression that uses it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from typing import NamedTuple

from babel.dates import get_day_names, get_month_names

from hoggar.extraction.lexicon import date_data, phrase_set, word_modes, word_set
from hoggar.extraction.tokens import Token, forms
from hoggar.text.normalize import normalize

_DATA = date_data()
# Phrases (tuples of words, compared as written) by their first word, longest first.
Phrases = Mapping[str, tuple[tuple[str, ...], ...]]

# "dernier", "المقبل", "this": which period a date after its noun is (past, future, current).
MODIFIERS: tuple[tuple[str, frozenset[str]], ...] = tuple(
    (mode, word_set(words)) for mode, words in _DATA["modifiers"].items()
)


def _by_first(phrases: Iterable[tuple[str, ...]]) -> Phrases:
    """Phrases by their first word, longest first."""
    out: dict[str, list[tuple[str, ...]]] = {}
    for phrase in sorted(phrases, key=lambda p: (-len(p), p)):
        out.setdefault(phrase[0], []).append(phrase)
    return {first: tuple(group) for first, group in out.items()}


def _second_words(mapping: dict[str, list[str]]) -> dict[str, frozenset[str]]:
    """Two-word phrases as first word → the second words it takes."""
    out: dict[str, frozenset[str]] = {}
    for first, second in phrase_set(mapping):
        out[first] = out.get(first, frozenset()) | {second}
    return out


YESTERDAY = word_set(_DATA["relative_days"]["yesterday"])
DAY_BEFORE_YESTERDAY = _second_words(_DATA["relative_days"]["day_before_yesterday"])
TODAY = _by_first(phrase_set(_DATA["relative_days"]["today"]))
TOMORROW = word_set(_DATA["relative_days"]["tomorrow"])
NIGHT = word_set(_DATA["night"]["night"])
NIGHT_OF = word_set(_DATA["night"]["of"])
NIGHT_DAY = word_set(_DATA["night"]["day"])
NIGHT_TO = word_set(_DATA["night"]["to"])
WEEKDAY_MODES = word_modes(_DATA["weekday"]["modes_before"])
WEEKDAY_THIS = word_set(_DATA["weekday"]["this"])
RANGE_FROM = word_set(_DATA["day_range"]["from"])
RANGE_TO = word_set(_DATA["day_range"]["to"])
# The day of, or the day after, the date before.
SAME_DAY = _by_first(phrase_set(_DATA["same_or_next_day"]["same"]))
NEXT_DAY = _by_first(phrase_set(_DATA["same_or_next_day"]["next"]))
SAME_OR_NEXT_DAY_FIRST = frozenset(SAME_DAY) | frozenset(NEXT_DAY)
DAY_MONTH_OF = word_set(_DATA["day_month"]["of"])
MONTH_PARTS: tuple[tuple[str, frozenset[str]], ...] = tuple(
    (part, word_set(words)) for part, words in _DATA["month_period"]["parts"].items()
)
MONTH_PART_OF = word_set(_DATA["month_period"]["of"])
MONTH_MODES = word_modes(_DATA["month_period"]["modes_before"])
MONTH_WORD = word_set(_DATA["month_period"]["month"])
MONTH_IN = word_set(_DATA["month_period"]["in"])
WEEK_MODES = word_modes(_DATA["week"]["modes_before"])
WEEK_WORD = word_set(_DATA["week"]["week"])
WEEK_WITH_ARTICLE = phrase_set(_DATA["week"]["with_article"])
_AGO_BEFORE = phrase_set(_DATA["ago"]["before"])
AGO_BEFORE = frozenset(p[0] for p in _AGO_BEFORE if len(p) == 1)
AGO_BEFORE_PHRASES = _by_first(p for p in _AGO_BEFORE if len(p) > 1)
AGO_AFTER = word_set(_DATA["ago"]["after"])
# Unit words and duals ("يومين": two days), by unit, in the order they are tried.
UNITS: tuple[tuple[str, frozenset[str]], ...] = tuple(
    (unit, word_set(words)) for unit, words in _DATA["ago"]["units"].items()
)
DUALS: tuple[tuple[str, frozenset[str]], ...] = tuple(
    (unit, word_set(words)) for unit, words in _DATA["ago"]["duals"].items()
)
DAY_DUALS = dict(DUALS)["day"]
YEAR_WORD = word_set(_DATA["year"]["year"])
YEAR_IN = word_set(_DATA["year"]["in"])
_DAY_WORDS = word_set(_DATA["weekdays"]["day_words"])
_AMBIGUOUS_WEEKDAYS = word_set(_DATA["weekdays"]["ambiguous"])
_SUFFIXES = "|".join(
    re.escape(s) for s in sorted(word_set(_DATA["ordinal_suffixes"]), key=lambda s: (-len(s), s))
)
_ORDINAL = re.compile(rf"^(\d{{1,2}})(?:{_SUFFIXES})?$")
YEAR = re.compile(r"^(19[5-9]\d|20\d\d)$")


class MonthAt(NamedTuple):
    """A month named in the text: its number and how many tokens the name used."""

    month: int
    used: int


def bare(norm: str) -> set[str]:
    """The word and the words under its Arabic clitics."""
    return {f for f, _ in forms(norm)}


def day_number(norm: str) -> int | None:
    m = _ORDINAL.match(norm)
    if m and 1 <= int(m.group(1)) <= 31:
        return int(m.group(1))
    return None


@cache
def _months() -> dict[tuple[str, ...], int]:
    data = _DATA["months"]
    out: dict[tuple[str, ...], int] = {}
    for locale in data["locales"]:
        for width in ("wide", "abbreviated"):
            for number, name in get_month_names(width, locale=locale).items():
                key = tuple(normalize(name).split())
                if key and (width == "wide" or len(key[0]) >= 3):
                    out.setdefault(key, number)
    for name in [*word_set(data["dropped"]), *data["only_with_day_or_year"]]:
        out.pop(tuple(name.split()), None)
    for name, number in data["added"].items():
        out[tuple(name.split())] = number
    return out


_ONLY_WITH_DAY_OR_YEAR: dict[str, int] = _DATA["months"]["only_with_day_or_year"]


def month_at(tokens: Sequence[Token], i: int) -> MonthAt | None:
    """The month named at i (one or two words, clitics allowed)."""
    months = _months()
    if not 0 <= i < len(tokens):
        return None
    if i + 1 < len(tokens):
        for f in bare(tokens[i].norm):
            two = (f, tokens[i + 1].norm)
            if two in months:
                return MonthAt(months[two], 2)
    for f in bare(tokens[i].norm):
        if (f,) in months:
            return MonthAt(months[(f,)], 1)
    return None


def month_before_day_or_year(tokens: Sequence[Token], i: int) -> MonthAt | None:
    """A month at i, or a name that is one only before a day or a year ("May 3")."""
    month = month_at(tokens, i)
    if month is None and 0 <= i < len(tokens) and tokens[i].norm in _ONLY_WITH_DAY_OR_YEAR:
        return MonthAt(_ONLY_WITH_DAY_OR_YEAR[tokens[i].norm], 1)
    return month


@cache
def _weekdays() -> dict[str, int]:
    """Normalised weekday names (without the Arabic article) → Monday=0 … Sunday=6."""
    out: dict[str, int] = {}
    for locale in _DATA["weekdays"]["locales"]:
        for number, name in get_day_names("wide", locale=locale).items():
            word = normalize(name)
            if word.startswith("ال"):
                word = word[2:]
            out[word] = number
    return out


def weekday_at(tokens: Sequence[Token], i: int) -> int | None:
    if not 0 <= i < len(tokens):
        return None
    tok = tokens[i]
    days = _weekdays()
    for f, article in forms(tok.norm):
        if f in days:
            # Arabic أحد/اثنين without the article or يوم before it are numbers, not days.
            after_day_word = i > 0 and tokens[i - 1].norm in _DAY_WORDS
            if not article and not after_day_word and f in _AMBIGUOUS_WEEKDAYS:
                continue
            return days[f]
    return None
