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
)
from hoggar.incidents.codebook_doc_text import FIELD_TYPES, STRINGS
from hoggar.incidents.codebook_load import load_codebook

DOC_FILES = {"en": "codebook.md", "fr": "codebook.fr.md", "ar": "codebook.ar.md"}
LANGUAGE_NAMES = {"ar": "العربية", "fr": "Français", "en": "English"}


def _s(key: str, lang: str) -> str:
    return STRINGS[key][lang]


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
            FIELD_TYPES.get(f.type, {}).get(lang, f.type),
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
