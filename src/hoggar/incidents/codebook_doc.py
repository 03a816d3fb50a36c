"""Render the incident codebook as a user-facing Markdown document in Arabic, French or English.

    python -m hoggar.incidents.codebook_doc --lang fr > docs/codebook.fr.md

The documents in docs/ are generated from the data file and a test re-renders them,
so they cannot drift from the codebook.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from hoggar.incidents.codebook import (
    LANGUAGES,
    Codebook,
    EventType,
    GradingScale,
    Precision,
    SubType,
    load_codebook,
)

DOC_FILES = {"en": "codebook.md", "fr": "codebook.fr.md", "ar": "codebook.ar.md"}
LANGUAGE_NAMES = {"ar": "العربية", "fr": "Français", "en": "English"}

_STRINGS: dict[str, dict[str, str]] = {
    "generated": {
        "en": "Version {version}. Generated from `src/hoggar/incidents/data/codebook.json` by "
        "`python -m hoggar.incidents.codebook_doc --lang {lang}`: edit the data file, "
        "not this page.",
        "fr": "Version {version}. Page générée à partir de "
        "`src/hoggar/incidents/data/codebook.json` par "
        "`python -m hoggar.incidents.codebook_doc --lang {lang}` : modifier le fichier de "
        "données, pas cette page.",
        "ar": "الإصدار {version}. أُنشئت هذه الصفحة آلياً من الملف "
        "`src/hoggar/incidents/data/codebook.json` بالأمر "
        "`python -m hoggar.incidents.codebook_doc --lang {lang}`: يُعدَّل ملف البيانات "
        "لا هذه الصفحة.",
    },
    "other_languages": {"en": "Other languages", "fr": "Autres langues", "ar": "لغات أخرى"},
    "how_to": {
        "en": "How to code an incident",
        "fr": "Comment coder un incident",
        "ar": "كيفية ترميز حادث",
    },
    "rule_one_type": {
        "en": "Each incident has exactly one event type and one sub-type of that type "
        "(`event_type`, `sub_type`). When an event fits two sub-types, choose the more "
        "violent one and mention the other in the narrative.",
        "fr": "Chaque incident a exactement un type d'événement et un sous-type de ce type "
        "(`event_type`, `sub_type`). Si un événement relève de deux sous-types, choisir le "
        "plus violent et mentionner l'autre dans le récit.",
        "ar": "لكل حادث نوع حدث واحد فقط ونوع فرعي واحد من ذلك النوع "
        "(`event_type`، `sub_type`). إذا انطبق على الحدث نوعان فرعيان، يُختار الأشد عنفاً "
        "ويُذكر الآخر في السرد.",
    },
    "rule_common": {
        "en": "Fields every incident needs:",
        "fr": "Champs exigés pour tout incident :",
        "ar": "الحقول المطلوبة لكل حادث:",
    },
    "rule_required": {
        "en": "Some event types and sub-types require further fields (listed below). A count "
        "of 0 means that the source reports none; leave an optional count out when the "
        "source says nothing about it.",
        "fr": "Certains types et sous-types exigent d'autres champs (indiqués plus bas). Un "
        "nombre égal à 0 signifie que la source n'en signale aucun ; omettre un nombre "
        "facultatif quand la source n'en dit rien.",
        "ar": "تتطلب بعض الأنواع والأنواع الفرعية حقولاً إضافية (مبينة أدناه). العدد 0 يعني "
        "أن المصدر لا يذكر أي حالة؛ ويُترك العدد الاختياري فارغاً إذا لم يذكر المصدر شيئاً "
        "عنه.",
    },
    "rule_precision": {
        "en": "Record how precisely time and place are known (time precision, geo precision) "
        "instead of guessing a day or a point: the period from `start_time` to `end_time` "
        "is as wide as the time precision says.",
        "fr": "Noter la précision avec laquelle le moment et le lieu sont connus (précision "
        "temporelle, précision géographique) au lieu de deviner un jour ou un point : la "
        "période de `start_time` à `end_time` est aussi large que l'indique la précision "
        "temporelle.",
        "ar": "تُسجَّل درجة دقة معرفة الزمان والمكان (الدقة الزمنية والدقة الجغرافية) بدلاً "
        "من تخمين يوم أو نقطة: تمتد الفترة من `start_time` إلى `end_time` بقدر ما تشير "
        "إليه الدقة الزمنية.",
    },
    "rule_check": {
        "en": "`hoggar.incidents.check_incident_extension` checks an incident extension "
        "against this codebook (event type, sub-type, required fields, end not before "
        "start, civilians killed not above killed, seized items and units).",
        "fr": "`hoggar.incidents.check_incident_extension` vérifie une extension d'incident "
        "au regard de ce codebook (type, sous-type, champs exigés, fin non antérieure au "
        "début, civils tués pas plus nombreux que les tués, objets saisis et unités).",
        "ar": "تتحقق الدالة `hoggar.incidents.check_incident_extension` من مطابقة امتداد "
        "الحادث لهذا الدليل (نوع الحدث، النوع الفرعي، الحقول المطلوبة، عدم سبق النهاية "
        "للبداية، عدم تجاوز القتلى المدنيين لإجمالي القتلى، المحجوزات ووحداتها).",
    },
    "overview": {"en": "Overview", "fr": "Vue d'ensemble", "ar": "نظرة عامة"},
    "event_type": {"en": "Event type", "fr": "Type d'événement", "ar": "نوع الحدث"},
    "event_types": {"en": "Event types", "fr": "Types d'événements", "ar": "أنواع الأحداث"},
    "sub_types": {"en": "Sub-types", "fr": "Sous-types", "ar": "الأنواع الفرعية"},
    "acled": {"en": "ACLED equivalent", "fr": "Équivalent ACLED", "ar": "المقابل في ACLED"},
    "hoggar_addition": {
        "en": "none (Hoggar addition)",
        "fr": "aucun (ajout de Hoggar)",
        "ar": "لا يوجد (إضافة من Hoggar)",
    },
    "none": {"en": "none", "fr": "aucun", "ar": "لا يوجد"},
    "time_guidance": {
        "en": "Time precision",
        "fr": "Précision temporelle",
        "ar": "الدقة الزمنية",
    },
    "default_precision": {
        "en": "Usual time precision",
        "fr": "Précision temporelle habituelle",
        "ar": "الدقة الزمنية المعتادة",
    },
    "required": {"en": "Required fields", "fr": "Champs exigés", "ar": "الحقول المطلوبة"},
    "required_extra": {
        "en": "besides those of every incident",
        "fr": "en plus de ceux de tout incident",
        "ar": "إضافة إلى حقول كل حادث",
    },
    "optional": {
        "en": "Also worth recording",
        "fr": "À noter aussi",
        "ar": "حقول أخرى مفيدة",
    },
    "example": {"en": "Example", "fr": "Exemple", "ar": "مثال"},
    "examples": {"en": "Examples", "fr": "Exemples", "ar": "أمثلة"},
    "fields": {
        "en": "Fields of the incident extension",
        "fr": "Champs de l'extension d'incident",
        "ar": "حقول امتداد الحادث",
    },
    "field": {"en": "Field", "fr": "Champ", "ar": "الحقل"},
    "name": {"en": "Name", "fr": "Nom", "ar": "الاسم"},
    "type": {"en": "Type", "fr": "Type", "ar": "النوع"},
    "definition": {"en": "Definition", "fr": "Définition", "ar": "التعريف"},
    "time_precisions": {
        "en": "Time precision levels",
        "fr": "Niveaux de précision temporelle",
        "ar": "مستويات الدقة الزمنية",
    },
    "geo_precisions": {
        "en": "Geo precision levels",
        "fr": "Niveaux de précision géographique",
        "ar": "مستويات الدقة الجغرافية",
    },
    "level": {"en": "Level", "fr": "Niveau", "ar": "المستوى"},
    "acled_level": {"en": "ACLED level", "fr": "Niveau ACLED", "ar": "مستوى ACLED"},
    "grading": {
        "en": "Source and information grading",
        "fr": "Cotation de la source et de l'information",
        "ar": "تنقيط المصدر والمعلومة",
    },
    "grading_intro": {
        "en": "Grade the source and the information separately: a reliable source can pass "
        "on doubtful information. `F` and `6` mean that no judgement is possible.",
        "fr": "Coter séparément la source et l'information : une source fiable peut "
        "transmettre une information douteuse. `F` et `6` signifient qu'aucune appréciation "
        "n'est possible.",
        "ar": "يُنقَّط المصدر والمعلومة كل على حدة: فقد ينقل مصدر موثوق معلومة مشكوكاً فيها. "
        "ويعني `F` و`6` تعذّر إصدار أي حكم.",
    },
    "grade": {"en": "Grade", "fr": "Cote", "ar": "الدرجة"},
    "meaning": {"en": "Meaning", "fr": "Signification", "ar": "المعنى"},
    "seized": {"en": "Seized items", "fr": "Objets saisis", "ar": "المحجوزات"},
    "seized_intro": {
        "en": "Each entry of `seized` is `{item, quantity, unit}`. Record the item under one "
        "of the names below when it fits, so that seizures add up across reports; the unit "
        "must be one the item's kind is counted in.",
        "fr": "Chaque entrée de `seized` est `{item, quantity, unit}`. Noter l'objet sous "
        "l'un des noms ci-dessous quand il convient, pour que les saisies s'additionnent "
        "d'un rapport à l'autre ; l'unité doit être l'une de celles de sa catégorie.",
        "ar": "كل عنصر في `seized` هو `{item, quantity, unit}`. تُسجَّل المادة بأحد الأسماء "
        "أدناه متى انطبق عليها، حتى تُجمع المحجوزات عبر التقارير؛ ويجب أن تكون الوحدة من "
        "وحدات فئة المادة.",
    },
    "kind": {"en": "Kind", "fr": "Catégorie", "ar": "الفئة"},
    "units": {"en": "Units", "fr": "Unités", "ar": "الوحدات"},
    "item_names": {
        "en": "Item names (`item`)",
        "fr": "Noms d'objets (`item`)",
        "ar": "أسماء المواد (`item`)",
    },
    "unit": {"en": "Unit", "fr": "Unité", "ar": "الوحدة"},
    "source": {"en": "Source", "fr": "Source", "ar": "المصدر"},
}

_FIELD_TYPES: dict[str, dict[str, str]] = {
    "code": {"en": "code", "fr": "code", "ar": "رمز"},
    "string": {"en": "text", "fr": "texte", "ar": "نص"},
    "timestamp": {
        "en": "STIX timestamp (UTC)",
        "fr": "horodatage STIX (UTC)",
        "ar": "طابع زمني STIX (UTC)",
    },
    "number": {"en": "number", "fr": "nombre", "ar": "عدد"},
    "integer": {"en": "integer ≥ 0", "fr": "entier ≥ 0", "ar": "عدد صحيح ≥ 0"},
    "grade": {"en": "integer from 1 to 6", "fr": "entier de 1 à 6", "ar": "عدد صحيح من 1 إلى 6"},
    "identifiers": {
        "en": "list of STIX identifiers",
        "fr": "liste d'identifiants STIX",
        "ar": "قائمة معرفات STIX",
    },
    "seized-list": {
        "en": "list of {item, quantity, unit}",
        "fr": "liste de {item, quantity, unit}",
        "ar": "قائمة من {item, quantity, unit}",
    },
}


def _s(key: str, lang: str) -> str:
    return _STRINGS[key][lang]


def _colon(lang: str) -> str:
    """French puts a space before a colon."""
    return " :" if lang == "fr" else ":"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _join(items: Sequence[str], lang: str) -> str:
    return ("، " if lang == "ar" else ", ").join(items)


def _codes(keys: Sequence[str], lang: str) -> str:
    return _join([f"`{k}`" for k in keys], lang)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return [*lines, ""]


def _examples(texts: Sequence[str], lang: str) -> list[str]:
    title = _s("example" if len(texts) == 1 else "examples", lang)
    if len(texts) == 1:
        return [f"*{title}{_colon(lang)}* {texts[0]}", ""]
    return [f"*{title}{_colon(lang)}*", "", *[f"- {t}" for t in texts], ""]


def _acled(value: str | None, lang: str) -> str:
    return value if value is not None else _s("hoggar_addition", lang)


def _precision_name(book: Codebook, key: str, lang: str) -> str:
    for p in book.time_precisions:
        if p.key == key:
            return f"{p.label.get(lang)} (`{key}`)"
    return f"`{key}`"


def _header(book: Codebook, lang: str) -> list[str]:
    others = " · ".join(
        f"[{LANGUAGE_NAMES[other]}]({DOC_FILES[other]})" for other in LANGUAGES if other != lang
    )
    return [
        f"# {book.title.get(lang)}",
        "",
        _s("generated", lang).format(version=book.version, lang=lang),
        "",
        f"{_s('other_languages', lang)}{_colon(lang)} {others}",
        "",
        f"> **{_s('source', lang)}.** {book.source.get(lang)}",
        "",
    ]


def _how_to(book: Codebook, lang: str) -> list[str]:
    return [
        f"## {_s('how_to', lang)}",
        "",
        f"1. {_s('rule_one_type', lang)}",
        f"2. {_s('rule_common', lang)} {_codes(book.common_required, lang)}.",
        f"3. {_s('rule_required', lang)}",
        f"4. {_s('rule_precision', lang)}",
        f"5. {_s('rule_check', lang)}",
        "",
    ]


def _overview(book: Codebook, lang: str) -> list[str]:
    rows = [
        [
            f"[{t.label.get(lang)}](#{t.key}) (`{t.key}`)",
            _join([f"{s.label.get(lang)} (`{s.key}`)" for s in t.sub_types], lang),
        ]
        for t in book.event_types
    ]
    return [
        f"## {_s('overview', lang)}",
        "",
        *_table([_s("event_type", lang), _s("sub_types", lang)], rows),
    ]


def _sub_type(book: Codebook, event: EventType, sub: SubType, lang: str) -> list[str]:
    required = [k for k in event.required + sub.required if k not in book.common_required]
    optional = [k for k in dict.fromkeys(event.optional + sub.optional) if k not in set(required)]
    lines = [
        f"#### {sub.label.get(lang)} — `{sub.key}`",
        "",
        sub.definition.get(lang),
        "",
        f"- {_s('acled', lang)}{_colon(lang)} {_acled(sub.acled, lang)}",
        f"- {_s('required', lang)} ({_s('required_extra', lang)}){_colon(lang)} "
        + (_codes(required, lang) if required else _s("none", lang)),
    ]
    if optional:
        lines.append(f"- {_s('optional', lang)}{_colon(lang)} {_codes(optional, lang)}")
    lines.append(
        f"- {_s('default_precision', lang)}{_colon(lang)} "
        f"{_precision_name(book, sub.default_time_precision, lang)}"
    )
    if sub.time_guidance is not None:
        lines.append(f"- {_s('time_guidance', lang)}{_colon(lang)} {sub.time_guidance.get(lang)}")
    lines.append("")
    lines += _examples([e.get(lang) for e in sub.examples], lang)
    return lines


def _event_types(book: Codebook, lang: str) -> list[str]:
    lines = [f"## {_s('event_types', lang)}", ""]
    for event in book.event_types:
        lines += [
            f'<a id="{event.key}"></a>',
            "",
            f"### {event.label.get(lang)} — `{event.key}`",
            "",
            event.definition.get(lang),
            "",
            f"- {_s('acled', lang)}{_colon(lang)} {_acled(event.acled, lang)}",
            f"- {_s('time_guidance', lang)}{_colon(lang)} {event.time_guidance.get(lang)}",
            "",
        ]
        lines += _examples([e.get(lang) for e in event.examples], lang)
        for sub in event.sub_types:
            lines += _sub_type(book, event, sub, lang)
    return lines


def _fields(book: Codebook, lang: str) -> list[str]:
    rows = [
        [
            f"`{f.key}`",
            f.label.get(lang),
            _FIELD_TYPES.get(f.type, {}).get(lang, f.type),
            f.definition.get(lang),
        ]
        for f in book.fields
    ]
    header = [_s(k, lang) for k in ("field", "name", "type", "definition")]
    return [f"## {_s('fields', lang)}", "", *_table(header, rows)]


def _precisions(title: str, levels: Sequence[Precision], lang: str) -> list[str]:
    rows = [
        [f"`{p.key}`", p.label.get(lang), p.acled or "—", p.definition.get(lang)] for p in levels
    ]
    header = [_s(k, lang) for k in ("level", "name", "acled_level", "definition")]
    return [f"## {_s(title, lang)}", "", *_table(header, rows)]


def _scale(scale: GradingScale, lang: str) -> list[str]:
    rows = [[f"`{g.key}`", g.label.get(lang), g.meaning.get(lang)] for g in scale.grades]
    header = [_s(k, lang) for k in ("grade", "name", "meaning")]
    return [
        f"### {scale.label.get(lang)}",
        "",
        scale.definition.get(lang),
        "",
        *_table(header, rows),
    ]


def _grading(book: Codebook, lang: str) -> list[str]:
    return [
        f"## {_s('grading', lang)}",
        "",
        _s("grading_intro", lang),
        "",
        *_scale(book.source_reliability, lang),
        *_scale(book.information_credibility, lang),
    ]


def _seized(book: Codebook, lang: str) -> list[str]:
    kinds = [
        [
            f"`{k.key}`",
            k.label.get(lang),
            _codes(k.units, lang),
            _codes(k.items, lang),
            k.definition.get(lang),
        ]
        for k in book.seized_items
    ]
    units = [[f"`{u.key}`", u.label.get(lang)] for u in book.units]
    kind_header = [_s(k, lang) for k in ("kind", "name", "units", "item_names", "definition")]
    return [
        f"## {_s('seized', lang)}",
        "",
        _s("seized_intro", lang),
        "",
        *_table(kind_header, kinds),
        f"### {_s('units', lang)}",
        "",
        *_table([_s("unit", lang), _s("name", lang)], units),
    ]


def render_markdown(codebook: Codebook, lang: str) -> str:
    """The whole codebook as one Markdown document in `lang` ("ar", "fr" or "en")."""
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}; expected one of {LANGUAGES}")
    lines = [
        *_header(codebook, lang),
        *_how_to(codebook, lang),
        *_overview(codebook, lang),
        *_event_types(codebook, lang),
        *_fields(codebook, lang),
        *_precisions("time_precisions", codebook.time_precisions, lang),
        *_precisions("geo_precisions", codebook.geo_precisions, lang),
        *_grading(codebook, lang),
        *_seized(codebook, lang),
    ]
    while lines and not lines[-1]:
        lines.pop()
    body = "\n".join(lines) + "\n"
    if lang == "ar":
        return f'<div dir="rtl" lang="ar">\n\n{body}\n</div>\n'
    return body


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m hoggar.incidents.codebook_doc",
        description="Write the incident codebook as Markdown.",
    )
    parser.add_argument("--lang", choices=LANGUAGES, default="en")
    parser.add_argument("--output", "-o", help="write to this file instead of standard output")
    args = parser.parse_args(argv)
    text = render_markdown(load_codebook(), args.lang)
    if args.output:
        with open(args.output, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
    else:
        sys.stdout.buffer.write(text.encode("utf-8"))
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
