"""The codebook check of an incident extension.

The check here is about meaning (is this a codebook event type, does the sub-type belong
to it, are the fields the sub-type needs present); the structural checks of the same
extension (number ranges, timestamp syntax, precision values) stay in
`hoggar.stix.validation`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, TypeGuard

from hoggar.incidents.codebook import Codebook, EventType, SubType
from hoggar.incidents.codebook_load import load_codebook
from hoggar.kernel.clock import parse_stix
from hoggar.kernel.errors import Problem


def _missing(ext: Mapping[str, Any], key: str) -> bool:
    value = ext.get(key)
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, list | tuple | Mapping) and len(value) == 0


def _is_count(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_quantity(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    if isinstance(value, float) and not math.isfinite(value):
        return False
    return value > 0


def _keys(keys: Sequence[str]) -> str:
    return ", ".join(keys)


def _check_categories(
    book: Codebook, ext: Mapping[str, Any], problems: list[Problem]
) -> tuple[EventType, SubType] | None:
    """The event type and sub-type if both are valid and belong together, else None."""
    event_key, sub_key = ext.get("event_type"), ext.get("sub_type")
    type_keys = [t.key for t in book.event_types]
    event: EventType | None = None
    if isinstance(event_key, str) and event_key:
        if event_key in type_keys:
            event = book.event_type(event_key)
        elif (as_sub := book.find_sub_type(event_key)) is not None:
            problems.append(
                Problem(
                    "/event_type",
                    f"{event_key!r} is a sub-type, not an event type: use event_type "
                    f"{as_sub.event_type!r} with sub_type {event_key!r}",
                )
            )
        else:
            problems.append(
                Problem(
                    "/event_type",
                    f"{event_key!r} is not a codebook event type; "
                    f"expected one of: {_keys(type_keys)}",
                )
            )
    elif event_key is not None:
        problems.append(Problem("/event_type", "must be a codebook event type key (a string)"))
    if sub_key is None or event is None:
        if sub_key is not None and not isinstance(sub_key, str):
            problems.append(Problem("/sub_type", "must be a codebook sub-type key (a string)"))
        return None
    if not isinstance(sub_key, str):
        problems.append(Problem("/sub_type", "must be a codebook sub-type key (a string)"))
        return None
    if not sub_key:
        return None  # reported as missing
    if event.has_sub_type(sub_key):
        return event, book.sub_type(event.key, sub_key)
    other = book.find_sub_type(sub_key)
    if other is not None:
        message = f"{sub_key!r} is a sub-type of {other.event_type!r}, not of {event.key!r}"
    else:
        expected = _keys([s.key for s in event.sub_types])
        message = f"{sub_key!r} is not a sub-type of {event.key!r}; expected one of: {expected}"
    problems.append(Problem("/sub_type", message))
    return None


def _check_required(
    book: Codebook,
    ext: Mapping[str, Any],
    pair: tuple[EventType, SubType] | None,
    problems: list[Problem],
) -> None:
    needs: dict[str, str] = {k: "every incident" for k in book.common_required}
    if pair is not None:
        event, sub = pair
        needs.update({k: f"event type {event.key!r}" for k in event.required if k not in needs})
        needs.update({k: f"sub-type {sub.key!r}" for k in sub.required if k not in needs})
    for key, who in needs.items():
        if _missing(ext, key):
            label = book.field(key).label.en.lower()
            problems.append(Problem(f"/{key}", f"is required for {who} ({label})"))


def _check_period(ext: Mapping[str, Any], problems: list[Problem]) -> None:
    start, end = ext.get("start_time"), ext.get("end_time")
    if not (isinstance(start, str) and isinstance(end, str)):
        return
    try:
        if parse_stix(end) < parse_stix(start):
            problems.append(Problem("/end_time", "must not be earlier than start_time"))
    except (ValueError, OverflowError):
        return  # malformed timestamps are reported by hoggar.stix.validation


def _check_counts(ext: Mapping[str, Any], problems: list[Problem]) -> None:
    killed, civilians = ext.get("killed"), ext.get("civilians_killed")
    if _is_count(killed) and _is_count(civilians) and civilians > killed:
        problems.append(
            Problem("/civilians_killed", f"must not exceed killed ({civilians} > {killed})")
        )


def _check_seized(book: Codebook, ext: Mapping[str, Any], problems: list[Problem]) -> None:
    if _missing(ext, "seized"):
        return
    seized = ext["seized"]
    if not isinstance(seized, list):
        problems.append(Problem("/seized", "must be a list of {item, quantity, unit} objects"))
        return
    units = book.unit_keys
    for i, entry in enumerate(seized):
        where = f"/seized/{i}"
        if not isinstance(entry, Mapping):
            problems.append(Problem(where, "must be an object with item, quantity and unit"))
            continue
        item, quantity, unit = entry.get("item"), entry.get("quantity"), entry.get("unit")
        if not isinstance(item, str) or not item.strip():
            problems.append(Problem(f"{where}/item", "is required (what was seized)"))
        if not _is_quantity(quantity):
            problems.append(Problem(f"{where}/quantity", "must be a number greater than 0"))
        if not isinstance(unit, str) or unit not in units:
            problems.append(
                Problem(f"{where}/unit", f"must be one of the codebook units: {_keys(units)}")
            )
            continue
        kind = book.item_kind(item) if isinstance(item, str) else None
        if kind is not None and unit not in kind.units:
            problems.append(
                Problem(
                    f"{where}/unit",
                    f"{item!r} ({kind.key}) is counted in {_keys(kind.units)}, not {unit!r}",
                )
            )


def check_incident_extension(
    ext: Mapping[str, Any], codebook: Codebook | None = None
) -> list[Problem]:
    """What is wrong with an incident extension in the codebook's terms; [] if nothing.

    Each problem's `where` is a JSON pointer relative to the extension ("/sub_type").
    Never raises on JSON-like input.
    """
    received: object = ext  # callers may pass anything decoded from JSON
    if not isinstance(received, Mapping):
        return [Problem("/", "the incident extension must be a JSON object")]
    book = codebook or load_codebook()
    problems: list[Problem] = []
    pair = _check_categories(book, ext, problems)
    _check_required(book, ext, pair, problems)
    _check_period(ext, problems)
    _check_counts(ext, problems)
    _check_seized(book, ext, problems)
    return problems
