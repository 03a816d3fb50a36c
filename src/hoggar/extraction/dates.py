"""Dates in Arabic, French and English text, resolved against the publication date.

`find_dates(tokens, published)` returns each date expression with the period it
names and its precision (codebook time precisions: day, week, month, year):

- absolute: "12 أبريل 2010", "le 1er mars 2023", "March 3, 2023", "أغسطس 2009",
  "en mai 2023", "عام 2009" (`date_calendar`);
- relative to publication: "أمس", "أول أمس", "أمس الثلاثاء", "اليوم الأربعاء",
  "الثلاثاء الماضي", "12 أبريل الجاري", "16 مارس الماضي", "منذ ثلاثة أيام",
  "ليلة السبت إلى الأحد", "مطلع الشهر الجاري", "الأسبوع الماضي", "hier",
  "mercredi dernier", "dans la nuit de samedi à dimanche", "il y a trois jours",
  "début mars", "yesterday", "last Tuesday", "three days ago", "early this month"
  (`date_relative`, and `date_calendar` for a day or month with a modifier).

The words are in data/dates.json (`date_words`); month and weekday names come from
CLDR through Babel. Without a publication date a relative expression is reported with
no value: the extractor then says the date is unknown.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from hoggar.extraction.date_calendar import (
    day_month,
    day_range,
    month_day,
    month_period,
    month_year,
    year,
)
from hoggar.extraction.date_relative import (
    ago,
    night,
    relative_day,
    same_or_next_day,
    week,
    weekday,
)
from hoggar.extraction.date_scan import DateMention, DateScan
from hoggar.extraction.tokens import Token

__all__ = ["DateMention", "find_dates"]

# Tried in this order at each token; the first that reads an expression wins.
_MATCHERS: tuple[Callable[[DateScan, int], int | None], ...] = (
    same_or_next_day,
    day_range,
    relative_day,
    night,
    ago,
    day_month,
    month_period,
    week,
    weekday,
    month_day,
    month_year,
    year,
)


def find_dates(tokens: Sequence[Token], published: date | None) -> list[DateMention]:
    """Every date expression in the text, in order, resolved against `published`."""
    scan = DateScan(tokens, published)
    i = 0
    while i < len(tokens):
        for matcher in _MATCHERS:
            j = matcher(scan, i)
            if j is not None:
                i = j
                break
        else:
            i += 1
    return scan.out
