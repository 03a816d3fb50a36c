"""The Hoggar names extension: a place's or a group's names in several languages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hoggar.kernel.errors import Problem
from hoggar.stix.extensions import NAMES_EXTENSION_ID

EXTENSION_ID = NAMES_EXTENSION_ID


def check_extension(ext: Mapping[str, Any], base: str, problems: list[Problem]) -> None:
    if "names" not in ext:
        return
    names = ext["names"]
    if not isinstance(names, list):
        problems.append(Problem(f"{base}/names", "must be a list of {lang, value} objects"))
        return
    for i, item in enumerate(names):
        if not (
            isinstance(item, Mapping)
            and isinstance(item.get("lang"), str)
            and isinstance(item.get("value"), str)
            and item["value"].strip()
        ):
            problems.append(
                Problem(f"{base}/names/{i}", "needs a lang (BCP 47) and a non-empty value")
            )
