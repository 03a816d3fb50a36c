"""Small checks of STIX property values, shared by validation and Hoggar's own types.

Each appends a `Problem` naming where the value is (a JSON pointer) and what is wrong.
"""

from __future__ import annotations

from typing import Any

from hoggar.kernel.errors import Problem
from hoggar.kernel.ids import ID_RE


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
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        problems.append(Problem(where, f"must be an integer from {lo} to {hi}, got {value!r}"))


def check_number(problems: list[Problem], where: str, value: Any, lo: float, hi: float) -> None:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and lo <= value <= hi
    if not ok:
        problems.append(Problem(where, f"must be a number from {lo} to {hi}, got {value!r}"))
