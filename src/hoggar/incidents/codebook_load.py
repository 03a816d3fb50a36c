"""Reading the incident codebook's data file, `data/codebook.json` (shipped as package
data): parsing, the consistency check, and loading once per process
(`hoggar.incidents.codebook` holds the typed data and its look-ups).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources
from typing import Any

from hoggar.incidents.codebook import (
    LANGUAGES,
    Codebook,
    EventType,
    Field,
    Grade,
    GradingScale,
    ItemKind,
    Precision,
    SubType,
    Text,
    Unit,
)

DATA_FILE = "data/codebook.json"

# Parsing: every malformed entry is reported with where it is in the file.


class CodebookError(ValueError):
    """The codebook data file is malformed or inconsistent."""


def _obj(raw: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise CodebookError(f"{where}: expected an object")
    return raw


def _list(raw: Any, where: str) -> list[Any]:
    if not isinstance(raw, list):
        raise CodebookError(f"{where}: expected a list")
    return raw


def _str(raw: Any, where: str) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise CodebookError(f"{where}: expected a non-empty string")
    return raw


def _opt_str(raw: Any, where: str) -> str | None:
    return None if raw is None else _str(raw, where)


def _strs(raw: Any, where: str) -> tuple[str, ...]:
    return tuple(_str(x, f"{where}/{i}") for i, x in enumerate(_list(raw, where)))


def _text(raw: Any, where: str) -> Text:
    obj = _obj(raw, where)
    return Text(**{lang: _str(obj.get(lang), f"{where}/{lang}") for lang in LANGUAGES})


def _texts(raw: Any, where: str) -> tuple[Text, ...]:
    texts = tuple(_text(x, f"{where}/{i}") for i, x in enumerate(_list(raw, where)))
    if not texts:
        raise CodebookError(f"{where}: needs at least one example")
    return texts


def _precision(raw: Any, where: str) -> Precision:
    obj = _obj(raw, where)
    return Precision(
        key=_str(obj.get("key"), f"{where}/key"),
        acled=_opt_str(obj.get("acled"), f"{where}/acled"),
        label=_text(obj.get("label"), f"{where}/label"),
        definition=_text(obj.get("definition"), f"{where}/definition"),
    )


def _scale(raw: Any, where: str) -> GradingScale:
    obj = _obj(raw, where)
    grades = tuple(
        Grade(
            key=_str(_obj(g, f"{where}/grades/{i}").get("key"), f"{where}/grades/{i}/key"),
            label=_text(g.get("label"), f"{where}/grades/{i}/label"),
            meaning=_text(g.get("meaning"), f"{where}/grades/{i}/meaning"),
        )
        for i, g in enumerate(_list(obj.get("grades"), f"{where}/grades"))
    )
    return GradingScale(
        label=_text(obj.get("label"), f"{where}/label"),
        definition=_text(obj.get("definition"), f"{where}/definition"),
        grades=grades,
    )


def _sub_type(raw: Any, event_key: str, where: str) -> SubType:
    obj = _obj(raw, where)
    guidance = obj.get("time_guidance")
    return SubType(
        key=_str(obj.get("key"), f"{where}/key"),
        event_type=event_key,
        acled=_opt_str(obj.get("acled"), f"{where}/acled"),
        label=_text(obj.get("label"), f"{where}/label"),
        definition=_text(obj.get("definition"), f"{where}/definition"),
        examples=_texts(obj.get("examples"), f"{where}/examples"),
        required=_strs(obj.get("required", []), f"{where}/required"),
        optional=_strs(obj.get("optional", []), f"{where}/optional"),
        default_time_precision=_str(
            obj.get("default_time_precision"), f"{where}/default_time_precision"
        ),
        time_guidance=None if guidance is None else _text(guidance, f"{where}/time_guidance"),
    )


def _event_type(raw: Any, where: str) -> EventType:
    obj = _obj(raw, where)
    key = _str(obj.get("key"), f"{where}/key")
    subs_raw = _list(obj.get("sub_types"), f"{where}/sub_types")
    return EventType(
        key=key,
        acled=_opt_str(obj.get("acled"), f"{where}/acled"),
        label=_text(obj.get("label"), f"{where}/label"),
        definition=_text(obj.get("definition"), f"{where}/definition"),
        examples=_texts(obj.get("examples"), f"{where}/examples"),
        required=_strs(obj.get("required", []), f"{where}/required"),
        optional=_strs(obj.get("optional", []), f"{where}/optional"),
        time_guidance=_text(obj.get("time_guidance"), f"{where}/time_guidance"),
        sub_types=tuple(
            _sub_type(s, key, f"{where}/sub_types/{i}") for i, s in enumerate(subs_raw)
        ),
    )


def parse_codebook(raw: Any) -> Codebook:
    """Build a Codebook from the decoded JSON; CodebookError says what is wrong and where."""
    obj = _obj(raw, "")
    book = Codebook(
        version=_str(obj.get("version"), "/version"),
        title=_text(obj.get("title"), "/title"),
        source=_text(obj.get("source"), "/source"),
        common_required=_strs(obj.get("common_required"), "/common_required"),
        common_optional=_strs(obj.get("common_optional"), "/common_optional"),
        fields=tuple(
            Field(
                key=_str(_obj(f, f"/fields/{i}").get("key"), f"/fields/{i}/key"),
                type=_str(f.get("type"), f"/fields/{i}/type"),
                label=_text(f.get("label"), f"/fields/{i}/label"),
                definition=_text(f.get("definition"), f"/fields/{i}/definition"),
            )
            for i, f in enumerate(_list(obj.get("fields"), "/fields"))
        ),
        event_types=tuple(
            _event_type(t, f"/event_types/{i}")
            for i, t in enumerate(_list(obj.get("event_types"), "/event_types"))
        ),
        time_precisions=tuple(
            _precision(p, f"/time_precisions/{i}")
            for i, p in enumerate(_list(obj.get("time_precisions"), "/time_precisions"))
        ),
        geo_precisions=tuple(
            _precision(p, f"/geo_precisions/{i}")
            for i, p in enumerate(_list(obj.get("geo_precisions"), "/geo_precisions"))
        ),
        source_reliability=_scale(obj.get("source_reliability"), "/source_reliability"),
        information_credibility=_scale(
            obj.get("information_credibility"), "/information_credibility"
        ),
        units=tuple(
            Unit(
                key=_str(_obj(u, f"/units/{i}").get("key"), f"/units/{i}/key"),
                label=_text(u.get("label"), f"/units/{i}/label"),
            )
            for i, u in enumerate(_list(obj.get("units"), "/units"))
        ),
        seized_items=tuple(
            ItemKind(
                key=_str(_obj(k, f"/seized_items/{i}").get("key"), f"/seized_items/{i}/key"),
                label=_text(k.get("label"), f"/seized_items/{i}/label"),
                definition=_text(k.get("definition"), f"/seized_items/{i}/definition"),
                units=_strs(k.get("units"), f"/seized_items/{i}/units"),
                items=_strs(k.get("items"), f"/seized_items/{i}/items"),
            )
            for i, k in enumerate(_list(obj.get("seized_items"), "/seized_items"))
        ),
    )
    _check_consistency(book)
    return book


def _duplicates(keys: Sequence[str]) -> list[str]:
    return sorted(k for k, n in Counter(keys).items() if n > 1)


def _check_consistency(book: Codebook) -> None:
    """Keys unique, every referenced field, precision and unit defined."""
    categories = [t.key for t in book.event_types] + [
        s.key for t in book.event_types for s in t.sub_types
    ]
    groups: dict[str, Sequence[str]] = {
        "event type and sub-type keys": categories,
        "field keys": [f.key for f in book.fields],
        "time precision keys": [p.key for p in book.time_precisions],
        "geo precision keys": [p.key for p in book.geo_precisions],
        "unit keys": book.unit_keys,
        "seized item kinds": [k.key for k in book.seized_items],
        "seized item names": [i.lower() for k in book.seized_items for i in k.items],
        "reliability grades": book.source_reliability.keys,
        "credibility grades": book.information_credibility.keys,
    }
    for what, keys in groups.items():
        if dup := _duplicates(keys):
            raise CodebookError(f"duplicate {what}: {dup}")
    fields = {f.key for f in book.fields}
    listed = [("common", book.common_required + book.common_optional)]
    for t in book.event_types:
        listed.append((t.key, t.required + t.optional))
        listed += [(s.key, s.required + s.optional) for s in t.sub_types]
    for owner, keys in listed:
        if unknown := sorted(set(keys) - fields):
            raise CodebookError(f"{owner} names fields the codebook does not define: {unknown}")
    time_keys = {p.key for p in book.time_precisions}
    for t in book.event_types:
        for s in t.sub_types:
            if s.default_time_precision not in time_keys:
                raise CodebookError(f"{s.key}: unknown time precision {s.default_time_precision}")
    units = set(book.unit_keys)
    for kind in book.seized_items:
        if unknown := sorted(set(kind.units) - units):
            raise CodebookError(f"seized item kind {kind.key} uses unknown units {unknown}")


@cache
def load_codebook() -> Codebook:
    """The codebook shipped with Hoggar (read and checked once per process)."""
    text = resources.files("hoggar.incidents").joinpath(DATA_FILE).read_text(encoding="utf-8")
    return parse_codebook(json.loads(text))
