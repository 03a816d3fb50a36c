"""The state of a scan for dates: the tokens, the publication date, what was found.

The matchers of `date_relative` and `date_calendar` read the tokens through it and add
what they find; `dates.find_dates` runs them in order over the text.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

from hoggar.extraction.date_words import MODIFIERS, YEAR, Phrases, bare
from hoggar.extraction.tokens import Token


@dataclass(frozen=True)
class DateMention:
    start: date | None  # first day of the period; None if relative and no publication date
    precision: str  # day | week | month | year
    first: int  # token range [first, last)
    last: int
    text_start: int
    text_end: int
    relative: bool
    future: bool = False

    @property
    def end(self) -> date | None:
        """Last day of the period."""
        if self.start is None:
            return None
        if self.precision == "day":
            return self.start
        if self.precision == "week":
            return self.start + timedelta(days=6)
        if self.precision == "month":
            last = calendar.monthrange(self.start.year, self.start.month)[1]
            return self.start.replace(day=last)
        return self.start.replace(month=12, day=31)


class YearOrModifier(NamedTuple):
    """What follows a day and month, or a month: the year written (else None), the
    modifier ("الماضي", "dernier", "last"…, else None), where the expression ends."""

    year: int | None
    mode: str | None
    end: int


class DateScan:
    def __init__(self, tokens: Sequence[Token], published: date | None) -> None:
        self.t = tokens
        self.pub = published
        self.out: list[DateMention] = []

    def norm(self, i: int) -> str:
        return self.t[i].norm if 0 <= i < len(self.t) else ""

    def is_word(self, i: int, words: frozenset[str]) -> bool:
        """Whether token i is one of `words`, under Arabic clitics."""
        return bool(bare(self.norm(i)) & words)

    def phrase_at(self, i: int, phrases: Phrases) -> int:
        """How many tokens the longest of `phrases` that starts at i uses (0: none)."""
        for phrase in phrases.get(self.norm(i), ()):
            if all(self.norm(i + k) == word for k, word in enumerate(phrase)):
                return len(phrase)
        return 0

    def modifier(self, i: int) -> str | None:
        for mode, words in MODIFIERS:
            if self.is_word(i, words):
                return mode
        return None

    def year_or_modifier(self, j: int) -> YearOrModifier:
        if j < len(self.t) and YEAR.match(self.norm(j)):
            return YearOrModifier(int(self.norm(j)), None, j + 1)
        mode = self.modifier(j)
        return YearOrModifier(None, mode, j + (mode is not None))

    def add(
        self,
        i: int,
        j: int,
        start: date | None,
        precision: str,
        relative: bool,
        future: bool = False,
    ) -> int:
        self.out.append(
            DateMention(
                start, precision, i, j, self.t[i].start, self.t[j - 1].end, relative, future
            )
        )
        return j

    def shift(self, days: int) -> date | None:
        return None if self.pub is None else self.pub + timedelta(days=days)


def last_weekday(ref: date, weekday: int, strictly_before: bool) -> date:
    delta = (ref.weekday() - weekday) % 7
    if delta == 0 and strictly_before:
        delta = 7
    return ref - timedelta(days=delta)


def next_weekday(ref: date, weekday: int) -> date:
    delta = (weekday - ref.weekday()) % 7 or 7
    return ref + timedelta(days=delta)


def year_for(month: int, day: int, published: date | None, mode: str) -> int | None:
    """The year of a day and month written without one."""
    if published is None:
        return None
    year = published.year
    if mode == "past":
        return year if (month, day) <= (published.month, published.day) else year - 1
    if mode == "future":
        return year if (month, day) >= (published.month, published.day) else year + 1
    candidate = date(year, month, min(day, calendar.monthrange(year, month)[1]))
    # Undated day and month: the nearest past one, unless it is within the next month.
    return year if candidate <= published + timedelta(days=31) else year - 1
