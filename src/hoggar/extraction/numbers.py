"""Numbers written in digits or in words, in Arabic, French and English.

`read_number(tokens, i)` reads the number that starts at token `i` and says how many
tokens it used: "12", "1.200", "trois", "vingt-deux", "quatre-vingt-dix", "twenty one",
"خمسة عشر", "ثلاثة وعشرين", "مائة". The words and their values are in data/numbers.json,
in `normalize` form (ة→ه, أ→ا, ى→ي). Approximate quantities ("une dizaine", "dozens",
"عشرات") are not numbers: the codebook records exact counts only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple

from hoggar.extraction.lexicon import number_data, word_set
from hoggar.extraction.tokens import Token, forms

_WORDS = number_data()
# Arabic number words by kind, in the order they are tried.
_AR_KINDS: tuple[tuple[str, dict[str, int]], ...] = tuple(
    (kind, _WORDS["ar"][table])
    for kind, table in (
        ("unit", "units"),
        ("ten", "tens"),
        ("hundred", "hundreds"),
        ("thousand", "thousands"),
    )
)
_AR_TEENS = frozenset(_WORDS["ar"]["teens"])
_AR_DUAL_SUFFIXES: tuple[str, ...] = tuple(_WORDS["ar"]["dual_suffixes"])
_FR: dict[str, int] = _WORDS["fr"]["words"]
_FR_TWENTY = frozenset(_WORDS["fr"]["twenty"])
_EN: dict[str, int] = _WORDS["en"]["words"]
_JOINERS = word_set(_WORDS["joiners"])
_DIGITS = re.compile(r"^\d{1,3}(?:[.,\u066c\u202f]\d{3})+$|^\d+$")


class Number(NamedTuple):
    """A number read from the text: its value and how many tokens it used."""

    value: int
    used: int


def _digits(text: str) -> int | None:
    if _DIGITS.match(text):
        return int(re.sub(r"\D", "", text))
    return None


def _ar_word(norm: str) -> tuple[str, int] | None:
    """(kind, value) of an Arabic number word, under a leading و ("and")."""
    for form, article in forms(norm):
        if article:
            continue
        for kind, table in _AR_KINDS:
            if form in table:
                return kind, table[form]
    return None


def _read_arabic(tokens: Sequence[Token], i: int) -> Number | None:
    total = 0
    j = i
    first = True
    while j < len(tokens):
        norm = tokens[j].norm
        if not first and not norm.startswith("و"):
            # "خمسة عشر": a teen is unit + عشر without و.
            if norm in _AR_TEENS and j == i + 1 and 0 < total < 10:
                total += 10
                j += 1
                continue
            break
        word = _ar_word(norm if first else norm[1:]) if not first else _ar_word(norm)
        if word is None and first:
            return None
        if word is None:
            break
        kind, value = word
        if kind == "thousand":
            total = max(total, 1) * value if total else value
        elif kind == "hundred" and total and total < 10:
            total *= 100
        else:
            total += value
        first = False
        j += 1
    if j == i:
        return None
    return Number(total, j - i)


def _read_latin(tokens: Sequence[Token], i: int, table: dict[str, int]) -> Number | None:
    total = 0
    current = 0
    j = i
    while j < len(tokens):
        norm = tokens[j].norm
        if j > i and norm in _JOINERS and j + 1 < len(tokens) and tokens[j + 1].norm in table:
            j += 1
            continue
        if norm not in table or tokens[j].sentence != tokens[i].sentence:
            break
        value = table[norm]
        if value == 100:
            current = max(current, 1) * 100
        elif value == 1000:
            total += max(current, 1) * 1000
            current = 0
        elif norm in _FR_TWENTY and current == 4:  # quatre-vingt(s)
            current = 80
        elif current >= 60 and current % 20 == 0 and 10 <= value < 20 and table is _FR:
            current += value  # soixante-dix, quatre-vingt-douze
        else:
            current += value
        j += 1
    if j == i:
        return None
    return Number(total + current, j - i)


def read_number(tokens: Sequence[Token], i: int) -> Number | None:
    """The number starting at token i (its value, the tokens it used), or None."""
    tok = tokens[i]
    value = _digits(tok.norm) if tok.norm[:1].isdigit() else None
    if value is not None:
        return Number(value, 1)
    if tok.norm in _FR or tok.norm in _EN:
        french = _read_latin(tokens, i, _FR) if tok.norm in _FR else None
        english = _read_latin(tokens, i, _EN) if tok.norm in _EN else None
        best = max((r for r in (french, english) if r), key=lambda r: r.used)
        return best
    if "\u0600" <= tok.norm[:1] <= "\u06ff":
        return _read_arabic(tokens, i)
    return None


# Dual nouns: "جنديين", "قتيلين", "رهينتين" count 2 with no number word.
@lru_cache(maxsize=8)
def _duals(stems: tuple[str, ...]) -> frozenset[str]:
    out: set[str] = set()
    for stem in stems:
        base = stem[:-1] if stem.endswith("ه") else stem
        out.update(f for f in (base + suffix for suffix in _AR_DUAL_SUFFIXES) if len(f) > 4)
    return frozenset(out)


def is_dual(norm: str, stems: Sequence[str]) -> bool:
    duals = _duals(tuple(stems))
    return any(form in duals for form, _ in forms(norm))
