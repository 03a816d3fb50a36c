"""Dates named on the calendar: a day and month, a month, a year, a range of days.

"12 أبريل 2010", "le 1er mars 2023", "March 3, 2023", "أغسطس 2009", "en mai 2023",
"عام 2009", "du 2 au 8 juillet 2024", "début mars", "مطلع الشهر الجاري", "16 مارس
الماضي". A day and month without a year take it from the publication date. Each
matcher takes the scan and a token index and returns the index after the expression
it added, or None.
"""

from __future__ import annotations

import calendar
from dataclasses import replace
from datetime import date, timedelta

from hoggar.extraction.date_scan import DateScan, year_for
from hoggar.extraction.date_words import (
    DAY_MONTH_OF,
    MONTH_IN,
    MONTH_MODES,
    MONTH_PART_OF,
    MONTH_PARTS,
    MONTH_WORD,
    RANGE_FROM,
    RANGE_TO,
    YEAR,
    YEAR_IN,
    YEAR_WORD,
    bare,
    day_number,
    month_at,
    month_before_day_or_year,
)

_PART_DAY = {"early": 1, "mid": 11, "late": 21}


def day_range(s: DateScan, i: int) -> int | None:
    """ "du 2 au 8 juillet 2024", "من 2 إلى 8 جويلية", "2-8 July": the span's first day."""
    j = i
    if s.norm(j) in RANGE_FROM:
        j += 1
    first = day_number(s.norm(j))
    if first is None:
        return None
    k = j + 1
    if s.norm(k) in RANGE_TO:
        k += 1
    elif j != i:  # "2-8 July": the hyphen is not a word
        return None
    last = day_number(s.norm(k))
    if last is None or last <= first:
        return None
    month = month_at(s.t, k + 1)
    if month is None:
        return None
    end = finish_day(s, i, k + 1 + month.used, first, month.month)
    mention = s.out.pop()
    span_days = last - first
    precision = "day" if span_days == 0 else ("week" if span_days <= 7 else "month")
    s.out.append(replace(mention, precision=precision))
    return end


def day_month(s: DateScan, i: int) -> int | None:
    day = day_number(s.norm(i))
    j = i + 1
    if day is None:
        return None
    if s.norm(j) in DAY_MONTH_OF:
        j += 1
    month = month_at(s.t, j)
    if month is None:
        return None
    return finish_day(s, i, j + month.used, day, month.month)


def month_day(s: DateScan, i: int) -> int | None:
    """English "March 3, 2023", "on May 3"."""
    month = month_before_day_or_year(s.t, i)
    if month is None:
        return None
    j = i + month.used
    day = day_number(s.norm(j))
    if day is None or (j + 1 < len(s.t) and month_at(s.t, j + 1)):
        return None
    return finish_day(s, i, j + 1, day, month.month)


def finish_day(s: DateScan, i: int, j: int, day: int, month: int) -> int:
    """A day and month read up to j: the year or modifier after them, then the date."""
    year, mode, j = s.year_or_modifier(j)
    relative = year is None
    if year is None:
        if mode == "current" and s.pub is not None:
            year = s.pub.year
        else:
            year = year_for(month, day, s.pub, mode or "near")
    if year is None:
        return s.add(i, j, None, "day", True)
    day = min(day, calendar.monthrange(year, month)[1])
    start = date(year, month, day)
    future = s.pub is not None and start > s.pub
    return s.add(i, j, start, "day", relative, future)


def _month_part(s: DateScan, i: int) -> tuple[str | None, int]:
    """ "début (de)", "مطلع", "late": the part of a month named at i, and where it ends."""
    for part, words in MONTH_PARTS:
        if s.is_word(i, words):
            j = i + 1
            if s.norm(j) in MONTH_PART_OF:
                j += 1
            return part, j
    return None, i


def month_period(s: DateScan, i: int) -> int | None:
    """A month, or a part of it: "début mars", "en mai", "الشهر الماضي", "early this month"."""
    part, j = _month_part(s, i)
    pre_mode = MONTH_MODES.get(s.norm(j))
    if pre_mode is not None and s.is_word(j + 1, MONTH_WORD):
        j += 1
    if s.is_word(j, MONTH_WORD):
        month = month_at(s.t, j + 1)
        if month is None:
            return _month_by_mode(s, i, j + 1, part, pre_mode)
        j += 1 + month.used
    else:
        month = month_at(s.t, j)
        if month is None:
            return None
        prev = s.norm(j - 1) if j > 0 else ""
        if part is None and prev not in MONTH_IN:
            return None
        j += month.used
    return _named_month(s, i, j, month.month, part)


def _month_by_mode(s: DateScan, i: int, j: int, part: str | None, mode: str | None) -> int | None:
    """ "الشهر الجاري", "le mois dernier", "this month": the month word read up to j."""
    if mode is None:
        mode = s.modifier(j)
        if mode is None:
            return None
        j += 1
    if s.pub is None:
        return s.add(i, j, None, "week" if part else "month", True)
    first = s.pub.replace(day=1)
    if mode == "past":
        first = (first - timedelta(days=1)).replace(day=1)
    elif mode == "future":
        first = (first + timedelta(days=32)).replace(day=1)
    return _month_result(s, i, j, first, part, True)


def _named_month(s: DateScan, i: int, j: int, number: int, part: str | None) -> int:
    """A month named and read up to j: its year, written or the nearest one."""
    year, mode, j = s.year_or_modifier(j)
    relative = year is None
    if year is None and s.pub is not None:
        year = s.pub.year
        if mode == "past" or (mode is None and number > s.pub.month + 1):
            year = s.pub.year if number < s.pub.month else s.pub.year - 1
        if mode == "future" and number < s.pub.month:
            year += 1
    if year is None:
        return s.add(i, j, None, "week" if part else "month", True)
    return _month_result(s, i, j, date(year, number, 1), part, relative)


def _month_result(
    s: DateScan, i: int, j: int, first: date, part: str | None, relative: bool
) -> int:
    if part is None:
        return s.add(i, j, first, "month", relative)
    return s.add(i, j, first.replace(day=_PART_DAY[part]), "week", relative)


def month_year(s: DateScan, i: int) -> int | None:
    """ "أغسطس 2009", "mai 2023", "May 2023" (no day)."""
    month = month_before_day_or_year(s.t, i)
    if month is None:
        return None
    j = i + month.used
    if j < len(s.t) and YEAR.match(s.norm(j)):
        return s.add(i, j + 1, date(int(s.norm(j)), month.month, 1), "month", False)
    return None


def year(s: DateScan, i: int) -> int | None:
    """ "عام 2009", "en 2019", "since 2012"."""
    word = s.norm(i)
    if not (bare(word) & YEAR_WORD or word in YEAR_IN):
        return None
    j = i + 1
    if j < len(s.t) and YEAR.match(s.norm(j)):
        return s.add(i, j + 1, date(int(s.norm(j)), 1, 1), "year", False)
    return None
