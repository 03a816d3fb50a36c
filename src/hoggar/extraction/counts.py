"""Casualty and hostage counts: each number with the cue word it belongs to.

"5 soldats tués", "مقتل خمسة جنود", "killing five", "جنديين" (a dual: two), "مقتل جندي"
(one victim, no number), "sans faire de victimes" (zero). The cue may come after the
number or before it, with victim words and filler words allowed between; a cue that
opens the next clause ("… وإصابة ثلاثة", "and wounding") belongs to the number after it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hoggar.extraction.drafts import Span
from hoggar.extraction.lexicon import Hit, by_key, lexicon_data, word_set, words_data
from hoggar.extraction.mentions import word_lexicon
from hoggar.extraction.numbers import is_dual, read_number
from hoggar.extraction.tokens import Token

_WORDS = words_data()
_FILLER = word_set(_WORDS["count_filler"])
_DETERMINERS = word_set(_WORDS["determiners"])
_CONJUNCTIONS = word_set(_WORDS["conjunctions"])
CONJUNCTION_CLITICS = tuple(sorted(word_set(_WORDS["conjunction_clitics"])))
_AND_WORDS = _CONJUNCTIONS | set(CONJUNCTION_CLITICS)
_CIVILIAN_PREFIXES = tuple(sorted(word_set(_WORDS["civilian_prefixes"])))


@dataclass(frozen=True, slots=True)
class Count:
    role: str  # killed, wounded, kidnapped, released (the keys of lexicon.json "counts")
    value: int
    span: Span
    token: int
    sentence: int
    civilian: bool = False
    subset: bool = False  # "dont trois soldats", "بينهم": part of a count already made


@dataclass(frozen=True, slots=True)
class _Number:
    """A number in the text: its value and its tokens [first, last)."""

    value: int
    first: int
    last: int


@dataclass(frozen=True, slots=True)
class _Cue:
    """A count cue near a number, and how far: the nearest one wins."""

    distance: int
    hit: Hit[str]


class CountReader:
    """The count cues and victim words (data/lexicon.json), built once."""

    def __init__(self) -> None:
        self.cues = by_key(lexicon_data()["counts"])
        self.victims = word_lexicon("victims")
        self.victim_stems = tuple(w.rstrip("*") for w in lexicon_data()["victims"]["ar"])
        self.victims_singular = word_lexicon("victims_singular")
        self.subset = word_lexicon("subset")
        self.no_casualties = by_key(lexicon_data()["no_casualties"])

    def find(self, tokens: Sequence[Token], taken: set[int]) -> list[Count]:
        """Killed, wounded, kidnapped, released: every count the text states, in order of
        the numbers, then the single victims, then the statements of none."""
        cues = self.cues.find(tokens)
        cue_at = {i: h for h in cues for i in range(h.first, h.last)}
        subset_at = {h.first for h in self.subset.find(tokens)}
        out: list[Count] = []
        used_cues: set[int] = set()
        for number in self._numbers(tokens, taken):
            cue = self._cue_for(tokens, number, cue_at)
            if cue is not None:
                used_cues.add(cue.first)
                out.append(_count(tokens, number, cue, subset_at))
        out += self._single_victims(tokens, cues, used_cues)
        out += self._none(tokens)
        return out

    def _numbers(self, tokens: Sequence[Token], taken: set[int]) -> list[_Number]:
        """Numbers in digits or words outside dates and names, and Arabic duals."""
        numbers: list[_Number] = []
        i = 0
        after_number = False
        while i < len(tokens):
            if i in taken:
                i += 1
                continue
            read = read_number(tokens, i)
            if read is not None and read.value < 100000:
                numbers.append(_Number(read.value, i, i + read.used))
                i += read.used
                after_number = True
                continue
            # A dual ("جنديين") counts two, unless it is the plural after a number
            # ("سبعة دركيين": the same ending).
            if not after_number and is_dual(tokens[i].norm, self.victim_stems):
                numbers.append(_Number(2, i, i + 1))
            after_number = False
            i += 1
        return numbers

    def _cue_for(
        self, tokens: Sequence[Token], number: _Number, cue_at: dict[int, Hit[str]]
    ) -> Hit[str] | None:
        """The cue a number counts for, if it is a count at all."""
        first, last = number.first, number.last
        near_victim = any(
            self.victims.match_at(tokens, k) for k in range(last, min(last + 3, len(tokens)))
        )
        word_one = number.value == 1 and not tokens[first].norm[:1].isdigit()
        if word_one and not (last < len(tokens) and self.victims.match_at(tokens, last)):
            return None  # "un poste", "une attaque": an article, not a count
        best = self._cue_after(tokens, number, cue_at)
        # Arabic puts the verb first and the object late ("اختطف مسلحون مجهولون، مساء
        # الجمعة، ثلاثة تجار"): further back when a victim noun follows the number.
        before = _cue_before(tokens, number, cue_at, 4 if near_victim else 2)
        if before is not None and (best is None or before.distance <= best.distance):
            best = before
        if best is None:
            return None
        if not near_victim and best.distance > 2 and not tokens[first].norm[:1].isdigit():
            return None
        return best.hit

    def _cue_after(
        self, tokens: Sequence[Token], number: _Number, cue_at: dict[int, Hit[str]]
    ) -> _Cue | None:
        """The cue after the number ("5 soldats tués", "خمسة جنود قتلى"), with victim
        words allowed between."""
        sentence = tokens[number.first].sentence
        j = number.last
        gap = 0
        while j < len(tokens) and tokens[j].sentence == sentence and gap <= 4:
            if j in cue_at:
                # A cue that opens the next clause ("… وإصابة ثلاثة", "and wounding")
                # belongs to the number after it: it counts one further away.
                opens = (
                    tokens[j].norm.startswith(CONJUNCTION_CLITICS)
                    or tokens[j - 1].norm in _CONJUNCTIONS
                )
                return _Cue(j - number.last + 1 + int(opens), cue_at[j])
            if not self.victims.match_at(tokens, j) and tokens[j].norm not in _FILLER:
                gap += 1
            j += 1
        return None

    def _single_victims(
        self, tokens: Sequence[Token], cues: list[Hit[str]], used_cues: set[int]
    ) -> list[Count]:
        """ "مقتل جندي", "tuant le chauffeur", "a soldier was killed": one victim, no number."""
        out: list[Count] = []
        for cue in cues:
            if cue.first in used_cues:
                continue
            k = cue.last
            while k < len(tokens) and tokens[k].norm in _DETERMINERS and k < cue.last + 2:
                k += 1
            hit = self.victims_singular.match_at(tokens, k) if k < len(tokens) else []
            if hit and tokens[k].sentence == tokens[cue.first].sentence:
                end = hit[0].end
                out.append(Count(cue.value, 1, (cue.start, end), cue.first, tokens[k].sentence))
        return out

    def _none(self, tokens: Sequence[Token]) -> list[Count]:
        """ "sans faire de victimes", "no casualties", "دون تسجيل خسائر": zero."""
        out: list[Count] = []
        for h in self.no_casualties.find(tokens):
            roles = ("killed", "wounded") if h.value == "both" else ("killed",)
            for role in roles:
                out.append(Count(role, 0, (h.start, h.end), h.first, tokens[h.first].sentence))
        return out


def _cue_before(
    tokens: Sequence[Token], number: _Number, cue_at: dict[int, Hit[str]], reach: int
) -> _Cue | None:
    """The cue before the number ("مقتل خمسة جنود", "killing five")."""
    first = number.first
    sentence = tokens[first].sentence
    j = first - 1
    gap = 0
    while j >= 0 and tokens[j].sentence == sentence and gap <= reach:
        if j in cue_at:
            # "… tués et quatorze autres blessés": after "and", a new count.
            joined = any(tokens[k].norm in _AND_WORDS for k in range(j + 1, first))
            return _Cue(first - j + int(joined) * 2, cue_at[j])
        if tokens[j].norm not in _FILLER:
            gap += 1
        j -= 1
    return None


def _count(tokens: Sequence[Token], number: _Number, cue: Hit[str], subset_at: set[int]) -> Count:
    first, last = number.first, number.last
    civilian = any(
        tokens[k].norm.startswith(_CIVILIAN_PREFIXES)
        for k in range(last, min(last + 2, len(tokens)))
    )
    span = (tokens[first].start, max(tokens[last - 1].end, cue.end))
    if cue.first < first:
        span = (cue.start, tokens[last - 1].end)
    subset = any(k in subset_at for k in range(max(first - 3, 0), first))
    return Count(cue.value, number.value, span, first, tokens[first].sentence, civilian, subset)
