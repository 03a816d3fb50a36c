"""Scoring extraction against a labelled set: per field and per event.

The set is JSON Lines (tests/data/extraction/*.jsonl, described in its README): each
text with its language, publication date and the events an analyst would record.
Predicted events are paired with gold events of the same text (greedily, best
agreement first; a pair needs the same event type, or the same date and place).
Each field is then a set of values per event (a count is one value, places and actors
are several): a value is a true positive when the paired gold event has it, a false
positive otherwise, and every gold value nobody predicted is a false negative. Events
left unpaired count all their values as false positives (predicted) or negatives
(gold). Places agree when they are the same gazetteer entry or within 25 km (a town
and the namesake region's seat).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from hoggar.extraction.drafts import Draft
from hoggar.extraction.extractor import Extractor, default_extractor
from hoggar.geo.borders import haversine_km
from hoggar.geo.gazetteer import Gazetteer

FIELDS = (
    "event_type",
    "sub_type",
    "date",
    "time_precision",
    "places",
    "country",
    "actors",
    "participants",
    "killed",
    "wounded",
    "kidnapped",
    "released",
)
PLACE_KM = 25.0


@dataclass(frozen=True)
class Text:
    id: str
    lang: str
    published: date | None
    text: str
    events: tuple[dict[str, Any], ...]
    provenance: str


def read_set(path: Path) -> list[Text]:
    """A labelled set; a clear error names the line that is wrong."""
    out = []
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
                out.append(
                    Text(
                        id=str(raw["id"]),
                        lang=str(raw["lang"]),
                        published=date.fromisoformat(raw["published"])
                        if raw.get("published")
                        else None,
                        text=str(raw["text"]),
                        events=tuple(raw.get("events") or ()),
                        provenance=str(raw.get("provenance", "")),
                    )
                )
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}:{n}: {exc}") from exc
    return out


def predicted_event(d: Draft) -> dict[str, Any]:
    """A draft in the labelled set's shape."""
    start = d.start
    precision = d.time_precision
    if start and precision == "month":
        start = start[:7]
    elif start and precision == "year":
        start = start[:4]
    return {
        "event_type": d.event_type,
        "sub_type": d.sub_type.value,
        "date": start,
        "time_precision": precision,
        "places": [p.value for p in d.places],
        "country": d.country.value if d.country else None,
        "actors": [a.value.removeprefix("group:") for a in d.actors],
        "participants": [p.value for p in d.participants],
        **{
            k: (d.counts[k].value if k in d.counts else None)
            for k in ("killed", "wounded", "kidnapped", "released")
        },
    }


def _values(event: dict[str, Any], name: str) -> list[Any]:
    value = event.get(name)
    if value is None:
        return []
    if isinstance(value, list):
        return list(dict.fromkeys(value))
    return [value]


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": round(self.precision, 3),
            "recall": round(self.recall, 3),
            "f1": round(self.f1, 3),
        }


@dataclass
class Result:
    events: Score = field(default_factory=Score)
    fields: dict[str, Score] = field(default_factory=lambda: {f: Score() for f in FIELDS})
    by_lang: dict[str, Score] = field(default_factory=lambda: defaultdict(Score))
    texts: int = 0
    empty_texts: int = 0
    empty_correct: int = 0
    misses: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "texts": self.texts,
            "events": self.events.as_dict(),
            "fields": {k: v.as_dict() for k, v in self.fields.items()},
            "by_language": {k: v.as_dict() for k, v in sorted(self.by_lang.items())},
            "no_event_texts": self.empty_texts,
            "no_event_texts_left_empty": self.empty_correct,
        }


class _Places:
    def __init__(self, gazetteer: Gazetteer) -> None:
        self.g = gazetteer

    def same(self, a: str, b: str) -> bool:
        if a == b:
            return True
        try:
            pa, pb = self.g.get(a), self.g.get(b)
        except KeyError:
            return False
        return haversine_km(pa.lat, pa.lon, pb.lat, pb.lon) <= PLACE_KM


def _agree(name: str, p: Any, g: Any, places: _Places) -> bool:
    if name == "places":
        return places.same(str(p), str(g))
    return bool(p == g)


def _field_counts(
    name: str, pred: dict[str, Any], gold: dict[str, Any], places: _Places
) -> tuple[int, int, int]:
    pv, gv = _values(pred, name), _values(gold, name)
    matched_gold: set[int] = set()
    tp = 0
    for p in pv:
        for k, g in enumerate(gv):
            if k not in matched_gold and _agree(name, p, g, places):
                matched_gold.add(k)
                tp += 1
                break
    return tp, len(pv) - tp, len(gv) - len(matched_gold)


def _pair_score(p: dict[str, Any], g: dict[str, Any], places: _Places) -> float:
    same_type = p["event_type"] == g["event_type"]
    same_date = p.get("date") is not None and p.get("date") == g.get("date")
    same_place = any(
        places.same(a, b) for a in p.get("places") or [] for b in g.get("places") or []
    )
    if not same_type and not (same_date and same_place):
        return 0.0
    return float(
        float(same_type)
        + 0.5 * (p["sub_type"] == g["sub_type"])
        + 0.5 * same_date
        + 0.5 * same_place
        + 0.25 * (p.get("country") is not None and p.get("country") == g.get("country"))
    )


def score_text(
    preds: Sequence[dict[str, Any]],
    golds: Sequence[dict[str, Any]],
    places: _Places,
    result: Result,
    lang: str,
) -> list[tuple[dict[str, Any] | None, dict[str, Any] | None]]:
    pairs = sorted(
        (
            (_pair_score(p, g, places), i, j)
            for i, p in enumerate(preds)
            for j, g in enumerate(golds)
        ),
        reverse=True,
    )
    used_p: set[int] = set()
    used_g: set[int] = set()
    matched: list[tuple[dict[str, Any] | None, dict[str, Any] | None]] = []
    for s, i, j in pairs:
        if s <= 0 or i in used_p or j in used_g:
            continue
        used_p.add(i)
        used_g.add(j)
        matched.append((preds[i], golds[j]))
    matched += [(p, None) for i, p in enumerate(preds) if i not in used_p]
    matched += [(None, g) for j, g in enumerate(golds) if j not in used_g]
    empty: dict[str, Any] = {}
    for p, g in matched:
        ev = result.events
        lang_score = result.by_lang[lang]
        if p is not None and g is not None:
            ev.tp += 1
            lang_score.tp += 1
        elif p is not None:
            ev.fp += 1
            lang_score.fp += 1
        else:
            ev.fn += 1
            lang_score.fn += 1
        for name in FIELDS:
            tp, fp, fn = _field_counts(name, p or empty, g or empty, places)
            sc = result.fields[name]
            sc.tp += tp
            sc.fp += fp
            sc.fn += fn
    return matched


def evaluate(texts: Iterable[Text], extractor: Extractor | None = None) -> Result:
    ex = extractor or default_extractor()
    places = _Places(ex.gazetteer)
    result = Result()
    for t in texts:
        drafts = ex.extract(t.text, t.published, t.lang).drafts
        preds = [predicted_event(d) for d in drafts]
        result.texts += 1
        if not t.events:
            result.empty_texts += 1
            result.empty_correct += not preds
        matched = score_text(preds, list(t.events), places, result, t.lang)
        for p, g in matched:
            if (
                p is None
                or g is None
                or any(_field_counts(n, p, g, places)[1:] != (0, 0) for n in FIELDS)
            ):
                result.misses.append({"id": t.id, "predicted": p, "gold": g})
    return result
