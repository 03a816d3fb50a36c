"""Words with their offsets in the original text, and their comparable forms.

Every comparison uses `hoggar.text.normalize.normalize`; a word keeps the span it has in
the text as written, so highlighting shows exactly what the analyst reads. Arabic
attaches conjunctions, prepositions and the article to the word (وباماكو، بتمنراست،
للجيش): `forms` gives the word with each of those stripped, longest first.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from hoggar.text.normalize import is_arabic, normalize

# A word: letters, digits and the Arabic marks that normalize() drops (they are not \w).
_WORD = re.compile(r"[\w\u0610-\u061a\u064b-\u065f\u0670\u0640]+(?:[.,]\d+)*", re.UNICODE)
# Sentence ends: . ! ? ؟ and line breaks; a full stop glued to the next Arabic word
# ("عناصره.ويأتي") ends a sentence too, a decimal point ("1.5") does not.
_SENTENCE_END = re.compile(r"(?<!\d)[.!?؟…]+(?=\s|$|[\"»”)\]]|[^\W\d])|\n\s*\n|\n")


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    start: int
    end: int
    norm: str
    sentence: int
    upper: bool  # Latin word written with a capital (names, acronyms)


def tokenize(text: str) -> list[Token]:
    """The words of `text`, each with its offsets, normalised form and sentence number."""
    ends = [m.end() for m in _SENTENCE_END.finditer(text)]
    out: list[Token] = []
    sentence = 0
    for m in _WORD.finditer(text):
        while sentence < len(ends) and m.start() >= ends[sentence]:
            sentence += 1
        word = m.group()
        if word[:1].isdigit():  # keep "1.2" and "1,200" apart: separators mean something
            norm = "".join(str(unicodedata.digit(c, 0)) if c.isdigit() else c for c in word)
        else:
            norm = normalize(word)
        if not norm:
            continue
        # A word normalize() split in two (rare: a ligature, a mark) stays one token.
        out.append(
            Token(word, m.start(), m.end(), norm.replace(" ", ""), sentence, word[:1].isupper())
        )
    return out


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, in the numbering `tokenize` uses."""
    spans = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        spans.append((start, m.end()))
        start = m.end()
    spans.append((start, len(text)))
    return spans


_PROCLITIC_1 = ("و", "ف")
_PROCLITIC_2 = ("ب", "ل", "ك")


@lru_cache(maxsize=65536)
def forms(norm: str) -> tuple[tuple[str, bool], ...]:
    """The word and the words it contains under Arabic proclitics, longest first.

    Each form comes with whether the article ال was taken off to reach it:
    وبالجزائر → (وبالجزائر, no), (بالجزائر, no), (الجزائر, no), (جزائر, yes). Latin
    words have one form; a French elided article is a separate token already.
    """
    if not is_arabic(norm):
        return ((norm, False),)
    out = [(norm, False)]
    word = norm
    if len(word) > 3 and word[0] in _PROCLITIC_1:
        word = word[1:]
        out.append((word, False))
    if word.startswith("لل") and len(word) > 3:  # li + al
        out.append(("ال" + word[2:], False))
        word = word[2:]
    elif len(word) > 3 and word[0] in _PROCLITIC_2:
        word = word[1:]
        out.append((word, False))
        if word.startswith("ال") and len(word) > 3:
            word = word[2:]
    elif word.startswith("ال") and len(word) > 3:
        word = word[2:]
    if word != out[-1][0]:
        out.append((word, True))
    return tuple(dict.fromkeys(out))


@dataclass(frozen=True, slots=True)
class Word:
    """A word of a dictionary name: its form without the article, and whether it had one."""

    stem: str
    article: bool

    def matches(self, norm: str) -> bool:
        """Whether a text word is this word, under clitics.

        A name written without the article does not match a word that has one: مالي
        (Mali) is not المالي ("the Malian", "the financial").
        """
        return any(f == self.stem and (art == self.article or not art) for f, art in forms(norm))


def word_of(norm: str) -> Word:
    if is_arabic(norm) and norm.startswith("ال") and len(norm) > 3:
        return Word(norm[2:], True)
    return Word(norm, False)
