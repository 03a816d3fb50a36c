"""Render incident titles and narratives in Arabic, French or English from the templates."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from hoggar.demo.catalog import Catalog

MONTHS = {
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "en": "January February March April May June July August September October November December",
    "ar": "يناير فبراير مارس أبريل مايو يونيو يوليو أغسطس سبتمبر أكتوبر نوفمبر ديسمبر",
    # Algerian (and Tunisian) usage: the French-derived month names.
    "ar-DZ": "جانفي فيفري مارس أفريل ماي جوان جويلية أوت سبتمبر أكتوبر نوفمبر ديسمبر",
}
# Opening of the narrative for each time precision; {d} is the date, {t} the time.
DATE_OPENINGS = {
    "fr": {
        "exact": "Le {d} à {t}",
        "hour": "Le {d} vers {t}",
        "day": "Le {d}",
        "week": "Au cours de la semaine du {d}",
        "month": "En {m}",
    },
    "en": {
        "exact": "On {d} at {t}",
        "hour": "On {d} at around {t}",
        "day": "On {d}",
        "week": "During the week of {d}",
        "month": "In {m}",
    },
    "ar": {
        "exact": "في {d} على الساعة {t}",
        "hour": "في {d} حوالي الساعة {t}",
        "day": "في {d}",
        "week": "خلال الأسبوع الذي بدأ في {d}",
        "month": "خلال شهر {m}",
    },
}


def month_names(lang: str, country: str | None) -> list[str]:
    key = "ar-DZ" if lang == "ar" and country == "DZ" else lang
    return MONTHS[key].split()


def date_opening(start: datetime, precision: str, lang: str, reporter_country: str | None) -> str:
    """'Le 12 avril 2021', 'During the week of 12 April 2021', 'في 12 أفريل 2021'."""
    months = month_names(lang, reporter_country)
    day = f"{start.day} {months[start.month - 1]} {start.year}"
    if lang == "fr" and start.day == 1:
        day = f"1er {months[start.month - 1]} {start.year}"
    month = f"{months[start.month - 1]} {start.year}"
    return DATE_OPENINGS[lang][precision].format(d=day, t=start.strftime("%H:%M"), m=month)


def format_number(n: int, lang: str) -> str:
    if lang == "fr":
        return f"{n:,}".replace(",", "\u00a0")
    if lang == "en":
        return f"{n:,}"
    return str(n)


def _plural(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


def toll_phrase(killed: int, civilians: int, wounded: int, lang: str, cat: Catalog) -> str:
    """The casualty sentence, or the 'no casualties' sentence when both counts are zero."""
    if not killed and not wounded:
        return cat.phrases.no_casualties[lang]
    if lang == "fr":
        parts = []
        if killed and civilians == killed:
            parts.append(f"{killed} {_plural(killed, 'civil tué', 'civils tués')}")
        elif killed:
            dead = f"{killed} {_plural(killed, 'mort', 'morts')}"
            if civilians:
                dead += f" (dont {civilians} {_plural(civilians, 'civil', 'civils')})"
            parts.append(dead)
        if wounded:
            parts.append(f"{wounded} {_plural(wounded, 'blessé', 'blessés')}")
        return "Bilan : " + " et ".join(parts) + "."
    if lang == "en":
        parts = []
        if killed and civilians == killed:
            parts.append(f"{killed} {_plural(killed, 'civilian', 'civilians')} killed")
        elif killed:
            dead = f"{killed} killed"
            if civilians:
                dead += f" (including {civilians} {_plural(civilians, 'civilian', 'civilians')})"
            parts.append(dead)
        if wounded:
            parts.append(f"{wounded} wounded")
        return "Toll: " + " and ".join(parts) + "."
    parts = []
    if killed and civilians == killed:
        parts.append(f"عدد القتلى من المدنيين {killed}")
    elif killed:
        dead = f"عدد القتلى {killed}"
        if civilians:
            dead += f" (من بينهم {civilians} من المدنيين)"
        parts.append(dead)
    if wounded:
        parts.append(f"عدد الجرحى {wounded}")
    return "الحصيلة: " + "، و".join(parts) + "."


def seized_phrase(seized: Sequence[Mapping[str, Any]], lang: str, cat: Catalog) -> str:
    """'12 fusils kalachnikov, 1 250 kg de résine de cannabis' in the narrative's language."""
    out = []
    for entry in seized:
        item = cat.items[entry["item"]]
        qty = int(entry["quantity"])
        forms = item.forms[lang]
        number = format_number(qty, lang)
        if lang == "ar":
            unit = cat.phrases.units.get(item.unit, {}).get(lang, "")
            out.append(f"{forms[0]} ({number}{' ' + unit if unit else ''})")
        elif item.unit == "units":
            out.append(f"{number} {forms[0] if qty == 1 else forms[-1]}")
        else:
            out.append(f"{number} {cat.phrases.units[item.unit][lang]} {forms[0]}")
    return ("، " if lang == "ar" else ", ").join(out)


_SPACES = re.compile(r"[ \t]+")
# French elision before a vowel: "près de Arlit" -> "près d'Arlit" ("de Ouallam" stays).
_ELISION = re.compile(r"\bde (?=[AEIUÉÈÂÎaeiuéèâî])")


def fill(template: str, values: Mapping[str, str], lang: str) -> str:
    """Fill a template and tidy the spaces that empty placeholders leave behind."""
    text = _SPACES.sub(" ", template.format_map(values)).strip()
    return _ELISION.sub("d'", text) if lang == "fr" else text
