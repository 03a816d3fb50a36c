"""Numbers written in digits or in words, in Arabic, French and English.

`read_number(tokens, i)` reads the number that starts at token `i` and says how many
tokens it used: "12", "1.200", "trois", "vingt-deux", "quatre-vingt-dix", "twenty one",
"خمسة عشر", "ثلاثة وعشرين", "مائة". Words are compared in `normalize` form (ة→ه,
أ→ا, ى→ي), so the tables below are written that way. Approximate quantities ("une
dizaine", "dozens", "عشرات") are not numbers: the codebook records exact counts only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from hoggar.extraction.tokens import Token, forms

_AR_UNITS = {
    "واحد": 1, "واحده": 1, "احد": 1, "احدي": 1,
    "اثنان": 2, "اثنين": 2, "اثنتين": 2, "اثنتان": 2, "اثني": 2, "اثنا": 2,
    "ثلاث": 3, "ثلاثه": 3, "اربع": 4, "اربعه": 4, "خمس": 5, "خمسه": 5,
    "ست": 6, "سته": 6, "سبع": 7, "سبعه": 7, "ثمان": 8, "ثماني": 8, "ثمانيه": 8,
    "تسع": 9, "تسعه": 9, "عشر": 10, "عشره": 10,
}  # fmt: skip
_AR_TENS = {
    "عشرون": 20, "عشرين": 20, "ثلاثون": 30, "ثلاثين": 30, "اربعون": 40, "اربعين": 40,
    "خمسون": 50, "خمسين": 50, "ستون": 60, "ستين": 60, "سبعون": 70, "سبعين": 70,
    "ثمانون": 80, "ثمانين": 80, "تسعون": 90, "تسعين": 90,
}  # fmt: skip
_AR_HUNDREDS = {
    "مايه": 100, "مئه": 100, "مائه": 100, "مئتين": 200, "مئتان": 200, "مايتين": 200,
    "مائتين": 200, "مائتان": 200,
}  # fmt: skip
_AR_THOUSANDS = {"الف": 1000, "الفين": 2000, "الفان": 2000, "الاف": 1000}

_FR = {
    "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7,
    "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13,
    "quatorze": 14, "quinze": 15, "seize": 16, "vingt": 20, "vingts": 20, "trente": 30,
    "quarante": 40, "cinquante": 50, "soixante": 60, "cent": 100, "cents": 100,
    "mille": 1000,
}  # fmt: skip
_EN = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "thousand": 1000,
}  # fmt: skip
_DIGITS = re.compile(r"^\d{1,3}(?:[.,\u066c\u202f]\d{3})+$|^\d+$")


def _digits(text: str) -> int | None:
    if _DIGITS.match(text):
        return int(re.sub(r"\D", "", text))
    return None


def _ar_word(norm: str) -> tuple[str, int] | None:
    """(kind, value) of an Arabic number word, under a leading و ("and")."""
    for form, article in forms(norm):
        if article:
            continue
        for kind, table in (
            ("unit", _AR_UNITS),
            ("ten", _AR_TENS),
            ("hundred", _AR_HUNDREDS),
            ("thousand", _AR_THOUSANDS),
        ):
            if form in table:
                return kind, table[form]
    return None


def _read_arabic(tokens: Sequence[Token], i: int) -> tuple[int, int] | None:
    total = 0
    j = i
    first = True
    while j < len(tokens):
        norm = tokens[j].norm
        if not first and not norm.startswith("و"):
            # "خمسة عشر": a teen is unit + عشر without و.
            if norm in ("عشر", "عشره") and j == i + 1 and 0 < total < 10:
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
    return total, j - i


def _read_latin(tokens: Sequence[Token], i: int, table: dict[str, int]) -> tuple[int, int] | None:
    total = 0
    current = 0
    j = i
    while j < len(tokens):
        norm = tokens[j].norm
        if j > i and norm in ("et", "and") and j + 1 < len(tokens) and tokens[j + 1].norm in table:
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
        elif norm in ("vingt", "vingts") and current == 4:  # quatre-vingt(s)
            current = 80
        elif current >= 60 and current % 20 == 0 and 10 <= value < 20 and table is _FR:
            current += value  # soixante-dix, quatre-vingt-douze
        else:
            current += value
        j += 1
    if j == i:
        return None
    return total + current, j - i


def read_number(tokens: Sequence[Token], i: int) -> tuple[int, int] | None:
    """(value, tokens used) of the number starting at token i, or None."""
    tok = tokens[i]
    value = _digits(tok.norm) if tok.norm[:1].isdigit() else None
    if value is not None:
        return value, 1
    if tok.norm in _FR or tok.norm in _EN:
        french = _read_latin(tokens, i, _FR) if tok.norm in _FR else None
        english = _read_latin(tokens, i, _EN) if tok.norm in _EN else None
        best = max((r for r in (french, english) if r), key=lambda r: r[1])
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
        out.update(f for f in (base + "ين", base + "ان", base + "تين", base + "تان") if len(f) > 4)
    return frozenset(out)


def is_dual(norm: str, stems: Sequence[str]) -> bool:
    duals = _duals(tuple(stems))
    return any(form in duals for form, _ in forms(norm))
