"""Small checks of STIX property values, shared by validation and Hoggar's own types.

Each appends a `Problem` naming where the value is (a JSON pointer) and what is wrong;
`as_number` and `as_count` read a value as the checks understand it (JSON booleans are
not numbers).
"""

from __future__ import annotations

from typing import Any

from hoggar.kernel.errors import Problem
from hoggar.kernel.ids import ID_RE


def as_number(value: Any) -> float | None:
    """A JSON number as a float, or None (booleans are not numbers)."""
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def as_count(value: Any) -> int | None:
    """A JSON integer, or None (booleans are not integers)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def check_ref(problems: list[Problem], where: str, value: Any) -> None:
    if not isinstance(value, str) or not ID_RE.match(value):
        problems.append(Problem(where, f"{value!r} is not a STIX identifier (type--UUID)"))


def check_refs(problems: list[Problem], where: str, value: Any, nonempty: bool = False) -> None:
    if not isinstance(value, list):
        problems.append(Problem(where, "must be a list of STIX identifiers"))
        return
    if nonempty and not value:
        problems.append(Problem(where, "must not be empty"))
    for i, item in enumerate(value):
        check_ref(problems, f"{where}/{i}", item)


def check_int(problems: list[Problem], where: str, value: Any, lo: int, hi: int) -> None:
    count = as_count(value)
    if count is None or not lo <= count <= hi:
        problems.append(Problem(where, f"must be an integer from {lo} to {hi}, got {value!r}"))


def check_number(problems: list[Problem], where: str, value: Any, lo: float, hi: float) -> None:
    number = as_number(value)
    if number is None or not lo <= number <= hi:
        problems.append(Problem(where, f"must be a number from {lo} to {hi}, got {value!r}"))
