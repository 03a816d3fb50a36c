"""Scoring the name matcher on a labelled set of spellings (places and armed groups).

The set is a TSV file `query, target, lang, kind` (tests/data/name_variants.tsv): a
target `place:<key>` is the gazetteer entry `hoggar:<key>`, a target `group:<key>` an
armed group of the reference list shipped with the demo (`demo/data/groups.json`).
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from hoggar.geo.gazetteer import Gazetteer, load_gazetteer
from hoggar.text.matching import Entry, NameIndex, names_from


@dataclass(frozen=True)
class Case:
    query: str
    target: str
    lang: str
    kind: str


@dataclass
class Tally:
    total: int = 0
    top1: int = 0
    top5: int = 0

    def add(self, rank: int | None) -> None:
        self.total += 1
        self.top1 += rank == 1
        self.top5 += rank is not None and rank <= 5

    @property
    def top1_rate(self) -> float:
        return self.top1 / self.total if self.total else 0.0

    @property
    def top5_rate(self) -> float:
        return self.top5 / self.total if self.total else 0.0


@dataclass
class Report:
    overall: Tally = field(default_factory=Tally)
    by: dict[str, dict[str, Tally]] = field(default_factory=lambda: defaultdict(dict))
    misses: list[tuple[Case, list[str]]] = field(default_factory=list)

    def add(self, case: Case, rank: int | None, found: list[str]) -> None:
        self.overall.add(rank)
        for dimension, value in (
            ("kind", case.kind),
            ("lang", case.lang),
            ("target", case.target.split(":")[0]),
        ):
            self.by[dimension].setdefault(value, Tally()).add(rank)
        if rank != 1:
            self.misses.append((case, found))


def read_cases(path: Path) -> list[Case]:
    with path.open(encoding="utf-8", newline="") as f:
        rows = csv.DictReader(f, delimiter="\t")
        return [Case(r["query"], r["target"], r["lang"], r["kind"]) for r in rows]


def group_index() -> NameIndex:
    """The armed groups of the reference list, by every name and alias."""
    raw = resources.files("hoggar.demo").joinpath("data/groups.json").read_text("utf-8")
    data = json.loads(raw)
    groups = data if isinstance(data, list) else data["groups"]
    return NameIndex(
        Entry(
            id=f"group:{g['key']}",
            label=g["names"]["en"],
            names=names_from({k: [v] for k, v in g["names"].items()})
            + tuple(("und", a) for a in g.get("aliases", []))
            + tuple(("short", s) for s in (g.get("short") or {}).values()),
        )
        for g in groups
    )


def evaluate(cases: Iterable[Case], gazetteer: Gazetteer | None = None) -> Report:
    places = gazetteer or load_gazetteer()
    groups = group_index()
    report = Report()
    for case in cases:
        kind, key = case.target.split(":", 1)
        if kind == "place":
            found = [c.id.removeprefix("hoggar:") for c in places.lookup(case.query, 5)]
        else:
            found = [c.id.removeprefix("group:") for c in groups.search(case.query, 5)]
        rank = found.index(key) + 1 if key in found else None
        report.add(case, rank, found)
    return report
