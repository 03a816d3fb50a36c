"""Dates relative to publication: "أمس", "hier", "yesterday", "الثلاثاء الماضي",
"mercredi dernier", "last Tuesday", "ليلة السبت إلى الأحد", "dans la nuit de samedi à
dimanche", "منذ ثلاثة أيام", "il y a trois jours", "three days ago", "الأسبوع
الماضي", "le lendemain". Without a publication date each is reported with no value.
Each matcher takes the scan and a token index and returns the index after the
expression it added, or None.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import NamedTuple

from hoggar.extraction.date_calendar import day_month
from hoggar.extraction.date_scan import DateScan, last_weekday, next_weekday
from hoggar.extraction.date_words import (
    AGO_AFTER,
    AGO_BEFORE,
    AGO_BEFORE_PHRASES,
    DAY_BEFORE_YESTERDAY,
    DAY_DUALS,
    DUALS,
    NEXT_DAY,
    NIGHT,
    NIGHT_DAY,
    NIGHT_OF,
    NIGHT_TO,
    SAME_DAY,
    SAME_OR_NEXT_DAY_FIRST,
    TODAY,
    TOMORROW,
    UNITS,
    WEEK_MODES,
    WEEK_WITH_ARTICLE,
    WEEK_WORD,
    WEEKDAY_MODES,
    WEEKDAY_THIS,
    YESTERDAY,
    bare,
    day_number,
    weekday_at,
)
from hoggar.extraction.numbers import read_number
from hoggar.text.normalize import is_arabic

_WEEK_OFFSET = {"past": -7, "current": 0, "future": 7}


class CountUnit(NamedTuple):
    """ "ثلاثة أيام", "deux semaines", "شهرين": how many of which unit, in how many tokens."""

    amount: int
    unit: str  # day | week | month
    used: int


def relative_day(s: DateScan, i: int) -> int | None:
    """ "أمس", "أول أمس", "aujourd'hui", "tomorrow", and the weekday that may follow."""
    norm = s.norm(i)
    w = bare(norm)
    j = i + 1
    if w & YESTERDAY:
        offset = -1
    elif norm in DAY_BEFORE_YESTERDAY and bare(s.norm(i + 1)) & DAY_BEFORE_YESTERDAY[norm]:
        offset, j = -2, i + 2
    elif norm in TODAY and (today := s.phrase_at(i, TODAY)):
        offset, j = 0, i + today
    elif w & TOMORROW:
        offset = 1
    else:
        return None
    # "أمس الثلاثاء", "hier mardi", "ce lundi": the weekday repeats the day.
    same_sentence = j < len(s.t) and s.t[j].sentence == s.t[i].sentence
    if same_sentence and weekday_at(s.t, j) is not None:
        j += 1
    return s.add(i, j, s.shift(offset), "day", True, offset > 0)


def night(s: DateScan, i: int) -> int | None:
    """ "ليلة السبت إلى الأحد", "dans la nuit de samedi à dimanche", "overnight Sunday"."""
    w = s.norm(i)
    if not bare(w) & NIGHT:
        return None
    j = i + 1
    if not is_arabic(w) and s.norm(j) in NIGHT_OF:
        j += 1
    if s.norm(j) in NIGHT_DAY:
        j += 1
    if j >= len(s.t):
        return None
    weekday = weekday_at(s.t, j)
    if weekday is None:
        return None
    k = j + 1
    # "… إلى الأحد", "… à dimanche", "… to Sunday"
    joined = s.norm(k) in NIGHT_TO and k + 1 < len(s.t)
    if joined and weekday_at(s.t, k + 1) is not None:
        k += 2
    start = None if s.pub is None else last_weekday(s.pub, weekday, False)
    if start is not None and s.pub is not None and start == s.pub and k > j + 1:
        # The night from today to tomorrow has not happened yet: last week's.
        start -= timedelta(days=7)
    return s.add(i, k, start, "day", True)


def weekday(s: DateScan, i: int) -> int | None:
    """ "الثلاثاء الماضي", "mercredi dernier", "ce lundi", "last Tuesday"."""
    j = i
    before = None
    if s.norm(i) in WEEKDAY_MODES and i + 1 < len(s.t):
        before = WEEKDAY_MODES[s.norm(i)]
        j = i + 1
    if s.norm(j) in WEEKDAY_THIS and j + 1 < len(s.t):
        before = "current"
        j += 1
    day = weekday_at(s.t, j)
    if day is None:
        return None
    k = j + 1
    mode = before or s.modifier(k)
    if before is None and mode is not None:
        k += 1
    # "الثلاثاء 12 أبريل": an explicit date follows, let it speak.
    if s.norm(k).isdigit() or day_number(s.norm(k)) is not None:
        explicit = day_month(s, k)
        if explicit is not None:
            return explicit
    if s.pub is None:
        return s.add(i, k, None, "day", True)
    if mode == "future":
        return s.add(i, k, next_weekday(s.pub, day), "day", True, True)
    return s.add(i, k, last_weekday(s.pub, day, mode == "past"), "day", True)


def same_or_next_day(s: DateScan, i: int) -> int | None:
    """ "le lendemain", "the next day", "اليوم التالي", "le même jour": from the last date."""
    if s.norm(i) not in SAME_OR_NEXT_DAY_FIRST:
        return None
    offset = 0
    used = s.phrase_at(i, SAME_DAY)
    if not used:
        offset = 1
        used = s.phrase_at(i, NEXT_DAY)
    if not used:
        return None
    previous = next((m for m in reversed(s.out) if m.start is not None), None)
    if previous is None or previous.start is None or previous.precision != "day":
        return s.add(i, i + used, None, "day", True)
    return s.add(i, i + used, previous.start + timedelta(days=offset), "day", True)


def week(s: DateScan, i: int) -> int | None:
    """ "الأسبوع الماضي", "la semaine dernière", "this week"."""
    j = i
    mode = WEEK_MODES.get(s.norm(i))
    if mode is not None:
        j += 1
    if not s.is_word(j, WEEK_WORD):
        return None
    if (s.norm(j - 1), s.norm(j)) in WEEK_WITH_ARTICLE:
        i = j - 1
    k = j + 1
    if mode is None:
        mode = s.modifier(k)
        if mode is None:
            return None
        k += 1
    if s.pub is None:
        return s.add(i, k, None, "week", True)
    monday = s.pub - timedelta(days=s.pub.weekday())
    start = monday + timedelta(days=_WEEK_OFFSET[mode])
    return s.add(i, k, start, "week", True, mode == "future")


def ago(s: DateScan, i: int) -> int | None:
    """ "منذ ثلاثة أيام", "il y a deux semaines", "three days ago"."""
    j = i
    if s.is_word(i, AGO_BEFORE):
        j = i + 1
    elif s.norm(i) in AGO_BEFORE_PHRASES and (phrase := s.phrase_at(i, AGO_BEFORE_PHRASES)):
        j = i + phrase
    elif bare(s.norm(i)) & DAY_DUALS:
        return None
    if j == i:
        # No word before: a count and unit, then "ago".
        after = _count_unit(s, i)
        if after is None or s.norm(i + after.used) not in AGO_AFTER:
            return None
        return _ago_result(s, i, i + after.used + 1, after)
    before = _count_unit(s, j)
    if before is None:
        return None
    return _ago_result(s, i, j + before.used, before)


def _count_unit(s: DateScan, j: int) -> CountUnit | None:
    if j >= len(s.t):
        return None
    words = bare(s.norm(j))
    for unit, duals in DUALS:
        if words & duals:
            return CountUnit(2, unit, 1)
    number = read_number(s.t, j)
    if number is None:
        return None
    unit_word = s.norm(j + number.used)
    for unit, names in UNITS:
        if unit_word in names:
            return CountUnit(number.value, unit, number.used + 1)
    return None


def _ago_result(s: DateScan, i: int, j: int, count: CountUnit) -> int:
    n = count.amount
    if s.pub is None:
        return s.add(i, j, None, "day", True)
    if count.unit == "day":
        return s.add(i, j, s.pub - timedelta(days=n), "day", True)
    if count.unit == "week":
        start = s.pub - timedelta(days=7 * n)
        return s.add(i, j, start - timedelta(days=start.weekday()), "week", True)
    month = s.pub.month - n
    year = s.pub.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return s.add(i, j, date(year, month, 1), "month", True)
