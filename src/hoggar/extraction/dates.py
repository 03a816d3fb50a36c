"""Dates in Arabic, French and English text, resolved against the publication date.

`find_dates(tokens, published)` returns each date expression with the period it
names and its precision (codebook time precisions: day, week, month, year):

- absolute: "12 أبريل 2010", "le 1er mars 2023", "March 3, 2023", "أغسطس 2009",
  "en mai 2023", "عام 2009";
- relative to publication: "أمس", "أول أمس", "أمس الثلاثاء", "اليوم الأربعاء",
  "الثلاثاء الماضي", "12 أبريل الجاري", "16 مارس الماضي", "منذ ثلاثة أيام",
  "ليلة السبت إلى الأحد", "مطلع الشهر الجاري", "الأسبوع الماضي", "hier",
  "mercredi dernier", "dans la nuit de samedi à dimanche", "il y a trois jours",
  "début mars", "yesterday", "last Tuesday", "three days ago", "early this month".

Month and weekday names come from CLDR through Babel, in the Mashriqi (يناير، أبريل),
Maghrebi (جانفي، أفريل، جويلية، أوت; غشت، شتنبر) and Levantine (كانون الثاني، نيسان)
forms, and in French and English. Without a publication date a relative expression
is reported with no value: the extractor then says the date is unknown.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from babel.dates import get_day_names, get_month_names

from hoggar.extraction.numbers import read_number
from hoggar.extraction.tokens import Token, forms
from hoggar.text.normalize import normalize


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


@cache
def _months() -> dict[tuple[str, ...], int]:
    out: dict[tuple[str, ...], int] = {}
    for locale in ("ar", "ar_DZ", "ar_MA", "ar_TN", "ar_LB", "fr", "en"):
        for width in ("wide", "abbreviated"):
            for number, name in get_month_names(width, locale=locale).items():
                key = tuple(normalize(name).split())
                if key and (width == "wide" or len(key[0]) >= 3):
                    out.setdefault(key, number)
    out.pop(("may",), None)  # added back below: "may" is also a verb; needs a day or year
    out.pop(("sept",), None)  # "sept." is also "seven" in French
    out[("ابريل",)] = 4
    out[("افريل",)] = 4
    out[("اوت",)] = 8
    out[("اغسطس",)] = 8
    out[("يوليوز",)] = 7
    return out


@cache
def _weekdays() -> dict[str, int]:
    """Normalised weekday names (without the Arabic article) → Monday=0 … Sunday=6."""
    out: dict[str, int] = {}
    for locale in ("ar", "fr", "en"):
        for number, name in get_day_names("wide", locale=locale).items():
            word = normalize(name)
            if word.startswith("ال"):
                word = word[2:]
            out[word] = number
    return out


_AR_DAY_WORD = {"يوم", "نهار"}
_PAST = {
    "الماضي",
    "الماضيه",
    "المنصرم",
    "المنصرمه",
    "الفايت",
    "dernier",
    "derniere",
    "passe",
    "last",
}
_FUTURE = {"المقبل", "المقبله", "القادم", "القادمه", "prochain", "prochaine", "next", "coming"}
_CURRENT = {"الجاري", "الحالي", "الجاريه", "courant", "this", "ce", "cette"}
_EARLY = {"مطلع", "بدايه", "اوايل", "اول", "debut", "early", "beginning"}
_MID = {"منتصف", "mi", "mid", "middle"}
_LATE = {"نهايه", "اواخر", "اخر", "fin", "late", "end"}
_WEEK = {"اسبوع", "الاسبوع", "semaine", "week"}
_MONTH_WORD = {"شهر", "الشهر", "mois", "month"}
_YEAR_WORD = {"عام", "العام", "سنه", "السنه", "annee", "an", "year"}
_DAYS_UNIT = {"ايام": 1, "يوما": 1, "يوم": 1, "jours": 1, "jour": 1, "days": 1, "day": 1}
_WEEKS_UNIT = {"اسابيع", "اسبوعا", "semaines", "semaine", "weeks", "week"}
_MONTHS_UNIT = {"اشهر", "شهور", "شهرا", "mois", "months", "month"}
_AGO_BEFORE = {"منذ", "قبل"}
_ORDINAL = re.compile(r"^(\d{1,2})(?:er|re|st|nd|rd|th|e)?$")
_YEAR = re.compile(r"^(19[5-9]\d|20\d\d)$")


def _bare(norm: str) -> set[str]:
    return {f for f, _ in forms(norm)}


def _day_number(norm: str) -> int | None:
    m = _ORDINAL.match(norm)
    if m and 1 <= int(m.group(1)) <= 31:
        return int(m.group(1))
    return None


def _month_at(tokens: Sequence[Token], i: int) -> tuple[int, int] | None:
    """(month, tokens used) of a month name at i (one or two words, clitics allowed)."""
    months = _months()
    if not 0 <= i < len(tokens):
        return None
    if i + 1 < len(tokens):
        for f in _bare(tokens[i].norm):
            two = (f, tokens[i + 1].norm)
            if two in months:
                return months[two], 2
    for f in _bare(tokens[i].norm):
        if (f,) in months:
            return months[(f,)], 1
    return None


def _weekday_at(tokens: Sequence[Token], i: int) -> int | None:
    if not 0 <= i < len(tokens):
        return None
    tok = tokens[i]
    days = _weekdays()
    for f, article in forms(tok.norm):
        if f in days:
            # Arabic أحد/اثنين without the article or يوم before it are numbers, not days.
            arabic = "\u0600" <= f[:1] <= "\u06ff"
            after_day_word = i > 0 and tokens[i - 1].norm in _AR_DAY_WORD
            if arabic and not article and not after_day_word and f in ("احد", "اثنين", "جمعه"):
                continue
            return days[f]
    return None


def _last_weekday(ref: date, weekday: int, strictly_before: bool) -> date:
    delta = (ref.weekday() - weekday) % 7
    if delta == 0 and strictly_before:
        delta = 7
    return ref - timedelta(days=delta)


def _next_weekday(ref: date, weekday: int) -> date:
    delta = (weekday - ref.weekday()) % 7 or 7
    return ref + timedelta(days=delta)


def _norms(tokens: Sequence[Token], i: int, n: int) -> list[str]:
    return [t.norm for t in tokens[i : i + n]]


def _year_for(month: int, day: int, published: date | None, mode: str) -> int | None:
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


class _Scanner:
    def __init__(self, tokens: Sequence[Token], published: date | None) -> None:
        self.t = tokens
        self.pub = published
        self.out: list[DateMention] = []

    def norm(self, i: int) -> str:
        return self.t[i].norm if 0 <= i < len(self.t) else ""

    def is_word(self, i: int, words: frozenset[str] | set[str]) -> bool:
        """Whether token i is one of `words`, under Arabic clitics."""
        return bool(_bare(self.norm(i)) & words)

    def modifier(self, i: int) -> str | None:
        for mode, words in (("past", _PAST), ("future", _FUTURE), ("current", _CURRENT)):
            if self.is_word(i, words):
                return mode
        return None

    def year_or_modifier(self, j: int) -> tuple[int | None, str | None, int]:
        """After a day and month, or a month: (the year written, else None; the modifier
        "الماضي"/"dernier"/"last"…, else None; where the expression ends)."""
        if j < len(self.t) and _YEAR.match(self.norm(j)):
            return int(self.norm(j)), None, j + 1
        mode = self.modifier(j)
        return None, mode, j + (mode is not None)

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

    # Each matcher returns the index after the expression, or None.

    def relative_day(self, i: int) -> int | None:
        w = _bare(self.norm(i))
        offset = None
        j = i + 1
        if w & {"امس", "البارحه"}:
            offset = -1
        elif (self.norm(i) in ("اول", "اولا") and _bare(self.norm(i + 1)) & {"امس"}) or (
            self.norm(i) == "avant" and self.norm(i + 1) == "hier"
        ):
            offset, j = -2, i + 2
        elif self.norm(i) == "hier" or self.norm(i) == "yesterday":
            offset = -1
        elif self.norm(i) == "aujourd" and self.norm(i + 1) == "hui":
            offset, j = 0, i + 2
        elif self.norm(i) in ("today", "tonight") or (
            w & {"اليوم"} and self.norm(i) in ("اليوم", "واليوم")
        ):
            offset = 0
        elif self.norm(i) in ("demain", "tomorrow") or w & {"غدا"}:
            offset = 1
        if offset is None:
            return None
        # "أمس الثلاثاء", "hier mardi", "ce lundi": the weekday repeats the day.
        same_sentence = j < len(self.t) and self.t[j].sentence == self.t[i].sentence
        if same_sentence and _weekday_at(self.t, j) is not None:
            j += 1
        return self.add(i, j, self.shift(offset), "day", True, offset > 0)

    def night(self, i: int) -> int | None:
        w = self.norm(i)
        j = i
        if _bare(w) & {"ليله", "ليل"}:
            j = i + 1
        elif w == "nuit" or w == "overnight":
            j = i + 1
            if self.norm(j) in ("de", "du", "d", "from"):
                j += 1
        elif w == "night" and i > 0:
            return None
        else:
            return None
        if j < len(self.t) and self.norm(j) == "يوم":
            j += 1
        if j >= len(self.t):
            return None
        weekday = _weekday_at(self.t, j)
        if weekday is None:
            return None
        k = j + 1
        # "… إلى الأحد", "… à dimanche", "… to Sunday"
        joined = self.norm(k) in ("الي", "a", "au", "to", "علي", "until") and k + 1 < len(self.t)
        if joined and _weekday_at(self.t, k + 1) is not None:
            k += 2
        start = None if self.pub is None else _last_weekday(self.pub, weekday, False)
        if start is not None and self.pub is not None and start == self.pub and k > j + 1:
            # The night from today to tomorrow has not happened yet: last week's.
            start -= timedelta(days=7)
        return self.add(i, k, start, "day", True)

    def weekday(self, i: int) -> int | None:
        j = i
        before = None
        if self.norm(i) in ("last", "next", "this") and i + 1 < len(self.t):
            before = {"last": "past", "next": "future", "this": "current"}[self.norm(i)]
            j = i + 1
        if self.norm(j) in ("ce", "cette") and j + 1 < len(self.t):
            before = "current"
            j += 1
        weekday = _weekday_at(self.t, j)
        if weekday is None:
            return None
        k = j + 1
        mode = before or self.modifier(k)
        if before is None and mode is not None:
            k += 1
        # "الثلاثاء 12 أبريل": an explicit date follows, let it speak.
        if self.norm(k).isdigit() or _day_number(self.norm(k)) is not None:
            explicit = self.day_month(k)
            if explicit is not None:
                return explicit
        if self.pub is None:
            return self.add(i, k, None, "day", True)
        if mode == "future":
            return self.add(i, k, _next_weekday(self.pub, weekday), "day", True, True)
        return self.add(i, k, _last_weekday(self.pub, weekday, mode == "past"), "day", True)

    def day_range(self, i: int) -> int | None:
        """ "du 2 au 8 juillet 2024", "من 2 إلى 8 جويلية", "2-8 July": the span's first day."""
        j = i
        if self.norm(j) in ("du", "from", "between", "entre", "من", "بين"):
            j += 1
        first = _day_number(self.norm(j))
        if first is None:
            return None
        k = j + 1
        if self.norm(k) in ("au", "to", "and", "et", "الي", "و", "حتي", "until"):
            k += 1
        elif j == i:
            pass  # "2-8 July": the hyphen is not a word
        else:
            return None
        last = _day_number(self.norm(k))
        if last is None or last <= first:
            return None
        month = _month_at(self.t, k + 1)
        if month is None:
            return None
        end = self._finish_day(i, k + 1 + month[1], first, month[0])
        mention = self.out.pop()
        span_days = last - first
        precision = "day" if span_days == 0 else ("week" if span_days <= 7 else "month")
        self.out.append(
            DateMention(
                mention.start,
                precision,
                mention.first,
                mention.last,
                mention.text_start,
                mention.text_end,
                mention.relative,
                mention.future,
            )
        )
        return end

    def next_day(self, i: int) -> int | None:
        """ "le lendemain", "the next day", "اليوم التالي": the day after the last date."""
        words = self.norm(i), self.norm(i + 1), self.norm(i + 2)
        used = 0
        offset = 1
        if words[:2] == ("meme", "jour") or words[:3] == ("the", "same", "day"):
            used, offset = (2 if words[0] == "meme" else 3), 0
        elif (words[0] in ("اليوم", "في") and words[1] in ("نفسه", "ذاته")) or words[:3] == (
            "في",
            "نفس",
            "اليوم",
        ):
            used, offset = (3 if words[1] == "نفس" else 2), 0
        elif words[0] == "lendemain":
            used = 1
        elif words[:3] in (("the", "next", "day"), ("the", "following", "day")):
            used = 3
        elif (words[0] in ("اليوم", "في") and words[1] in ("التالي", "الموالي", "الغد")) or (
            words[0] == "next" and words[1] == "day"
        ):
            used = 2
        if not used:
            return None
        previous = next((m for m in reversed(self.out) if m.start is not None), None)
        if previous is None or previous.start is None or previous.precision != "day":
            return self.add(i, i + used, None, "day", True)
        return self.add(i, i + used, previous.start + timedelta(days=offset), "day", True)

    def day_month(self, i: int) -> int | None:
        day = _day_number(self.norm(i))
        j = i + 1
        if day is None:
            return None
        if self.norm(j) in ("من",):
            j += 1
        month = _month_at(self.t, j)
        if month is None:
            return None
        j += month[1]
        return self._finish_day(i, j, day, month[0])

    def month_day(self, i: int) -> int | None:
        # English "March 3, 2023", "on May 3".
        month = _month_at(self.t, i)
        if month is None and self.norm(i) == "may":
            month = (5, 1)
        if month is None:
            return None
        j = i + month[1]
        day = _day_number(self.norm(j))
        if day is None or (j + 1 < len(self.t) and _month_at(self.t, j + 1)):
            return None
        return self._finish_day(i, j + 1, day, month[0])

    def _finish_day(self, i: int, j: int, day: int, month: int) -> int:
        year, mode, j = self.year_or_modifier(j)
        relative = year is None
        if year is None:
            if mode == "current" and self.pub is not None:
                year = self.pub.year
            else:
                year = _year_for(month, day, self.pub, mode or "near")
        if year is None:
            return self.add(i, j, None, "day", True)
        day = min(day, calendar.monthrange(year, month)[1])
        start = date(year, month, day)
        future = self.pub is not None and start > self.pub
        return self.add(i, j, start, "day", relative, future)

    def month_period(self, i: int) -> int | None:
        j = i
        part = None
        if self.is_word(j, _EARLY):
            part = "early"
        elif self.is_word(j, _MID):
            part = "mid"
        elif self.is_word(j, _LATE):
            part = "late"
        if part is not None:
            j += 1
            if self.norm(j) in ("de", "du", "d", "of", "in"):
                j += 1
        named_month = False
        pre_mode = {"this": "current", "ce": "current", "last": "past", "next": "future"}.get(
            self.norm(j)
        )
        if pre_mode is not None and self.is_word(j + 1, _MONTH_WORD):
            j += 1
        if self.is_word(j, _MONTH_WORD):
            j += 1
            month = _month_at(self.t, j) if j < len(self.t) else None
            if month is not None:
                named_month = True
                j += month[1]
                number = month[0]
            else:
                mode = pre_mode
                if mode is None:
                    mode = self.modifier(j)
                    if mode is None:
                        return None
                    j += 1
                if self.pub is None:
                    return self.add(i, j, None, "week" if part else "month", True)
                first = self.pub.replace(day=1)
                if mode == "past":
                    first = (first - timedelta(days=1)).replace(day=1)
                elif mode == "future":
                    first = (first + timedelta(days=32)).replace(day=1)
                return self._month_result(i, j, first, part, True)
        else:
            month = _month_at(self.t, j) if j < len(self.t) else None
            if month is None:
                return None
            prev = self.norm(j - 1) if j > 0 else ""
            named_month = part is not None or prev in ("en", "in", "في", "خلال", "depuis", "since")
            j += month[1]
            number = month[0]
        if not named_month:
            return None
        year, mode, j = self.year_or_modifier(j)
        relative = year is None
        if year is None and self.pub is not None:
            year = self.pub.year
            if mode == "past" or (mode is None and number > self.pub.month + 1):
                year = self.pub.year if number < self.pub.month else self.pub.year - 1
            if mode == "future" and number < self.pub.month:
                year += 1
        if year is None:
            return self.add(i, j, None, "week" if part else "month", True)
        return self._month_result(i, j, date(year, number, 1), part, relative)

    def _month_result(self, i: int, j: int, first: date, part: str | None, relative: bool) -> int:
        if part is None:
            return self.add(i, j, first, "month", relative)
        day = {"early": 1, "mid": 11, "late": 21}[part]
        return self.add(i, j, first.replace(day=day), "week", relative)

    def month_year(self, i: int) -> int | None:
        # "أغسطس 2009", "mai 2023", "May 2023" (no day).
        month = _month_at(self.t, i)
        if month is None and self.norm(i) == "may":
            month = (5, 1)
        if month is None:
            return None
        j = i + month[1]
        if j < len(self.t) and _YEAR.match(self.norm(j)):
            return self.add(i, j + 1, date(int(self.norm(j)), month[0], 1), "month", False)
        return None

    def week(self, i: int) -> int | None:
        j = i
        mode = None
        if self.norm(i) in ("last", "this", "next", "cette"):
            mode = {"last": "past", "this": "current", "cette": "current", "next": "future"}[
                self.norm(i)
            ]
            j += 1
        if not self.is_word(j, _WEEK):
            return None
        if self.norm(j) == "semaine" and self.norm(j - 1) == "la":
            i = j - 1
        k = j + 1
        if mode is None:
            mode = self.modifier(k)
            if mode is None:
                return None
            k += 1
        if self.pub is None:
            return self.add(i, k, None, "week", True)
        monday = self.pub - timedelta(days=self.pub.weekday())
        offset = {"past": -7, "current": 0, "future": 7}[mode]
        return self.add(i, k, monday + timedelta(days=offset), "week", True, mode == "future")

    def ago(self, i: int) -> int | None:
        word = self.norm(i)
        j = i
        if self.is_word(i, _AGO_BEFORE):
            j = i + 1
        elif word == "il" and self.norm(i + 1) == "y" and self.norm(i + 2) == "a":
            j = i + 3
        elif _bare(word) & {"يومين", "يومان"}:
            return None
        count_unit = self._count_unit(j) if j > i else None
        if count_unit is None and j == i:
            count_unit = self._count_unit(i)
            if count_unit is None or self.norm(i + count_unit[2]) != "ago":
                return None
            n, unit, used = count_unit
            return self._ago_result(i, i + used + 1, n, unit)
        if count_unit is None:
            return None
        n, unit, used = count_unit
        return self._ago_result(i, j + used, n, unit)

    def _count_unit(self, j: int) -> tuple[int, str, int] | None:
        if j >= len(self.t):
            return None
        bare = _bare(self.norm(j))
        if bare & {"يومين", "يومان"}:
            return 2, "day", 1
        if bare & {"اسبوعين"}:
            return 2, "week", 1
        if bare & {"شهرين"}:
            return 2, "month", 1
        number = read_number(self.t, j)
        if number is None:
            return None
        n, used = number
        unit_word = self.norm(j + used)
        if unit_word in _DAYS_UNIT:
            return n, "day", used + 1
        if unit_word in _WEEKS_UNIT:
            return n, "week", used + 1
        if unit_word in _MONTHS_UNIT:
            return n, "month", used + 1
        return None

    def _ago_result(self, i: int, j: int, n: int, unit: str) -> int:
        if self.pub is None:
            return self.add(i, j, None, "day", True)
        if unit == "day":
            return self.add(i, j, self.pub - timedelta(days=n), "day", True)
        if unit == "week":
            start = self.pub - timedelta(days=7 * n)
            return self.add(i, j, start - timedelta(days=start.weekday()), "week", True)
        month = self.pub.month - n
        year = self.pub.year + (month - 1) // 12
        month = (month - 1) % 12 + 1
        return self.add(i, j, date(year, month, 1), "month", True)

    def year(self, i: int) -> int | None:
        word = self.norm(i)
        if not (_bare(word) & _YEAR_WORD or word in ("en", "in", "depuis", "since")):
            return None
        j = i + 1
        if j < len(self.t) and _YEAR.match(self.norm(j)):
            return self.add(i, j + 1, date(int(self.norm(j)), 1, 1), "year", False)
        return None

    def run(self) -> list[DateMention]:
        matchers = (
            self.next_day,
            self.day_range,
            self.relative_day,
            self.night,
            self.ago,
            self.day_month,
            self.month_period,
            self.week,
            self.weekday,
            self.month_day,
            self.month_year,
            self.year,
        )
        i = 0
        while i < len(self.t):
            for matcher in matchers:
                j = matcher(i)
                if j is not None:
                    i = j
                    break
            else:
                i += 1
        return self.out


def find_dates(tokens: Sequence[Token], published: date | None) -> list[DateMention]:
    """Every date expression in the text, in order, resolved against `published`."""
    return _Scanner(tokens, published).run()
