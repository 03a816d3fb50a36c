"""Strict JSON parsing and compact dumping used for STIX objects."""

from __future__ import annotations

import json
from typing import Any

from hoggar.kernel.errors import Invalid, Problem


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"the number {text[:40]} is out of range")
    return value


def loads_strict(data: bytes | str, *, where: str = "body") -> Any:
    """Parse JSON, refusing duplicate keys, NaN/Infinity and invalid UTF-8."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        return json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_constant=_reject_constant,
            parse_float=_finite,
        )
    except UnicodeDecodeError as exc:
        raise Invalid(
            "The input is not valid UTF-8.",
            [Problem(where, f"invalid byte at offset {exc.start}")],
        ) from exc
    except RecursionError as exc:
        raise Invalid("The JSON is nested too deeply.", [Problem(where, "too deep")]) from exc
    except ValueError as exc:
        raise Invalid("The input is not valid JSON.", [Problem(where, str(exc))]) from exc


def load_object(data: bytes | str) -> dict[str, Any]:
    """Parse a stored JSON object (a STIX object body)."""
    value = loads_strict(data)
    if not isinstance(value, dict):
        raise Invalid("Expected a JSON object.", [Problem("/", f"got {type(value).__name__}")])
    return value


def dumps_compact(obj: Any) -> str:
    """Compact JSON, non-ASCII kept as is (Arabic stays readable and small)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
