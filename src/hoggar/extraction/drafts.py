"""What the extractor returns: draft incidents, field by field, with their evidence.

Every field of a draft carries the spans of text it came from (`Evidence`), so the
analyst sees why it is there. A draft is stored as JSON (`Draft.as_dict`, read back
with `Draft.from_dict`); `EXTRACTOR_VERSION` names the rules that made it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

EXTRACTOR_VERSION = "1"
Span = tuple[int, int]
COUNT_ROLES = ("killed", "wounded", "kidnapped", "released")


@dataclass
class Evidence:
    """One extracted value and the spans of text it came from."""

    value: Any
    spans: list[Span]
    label: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"value": self.value, "spans": [list(s) for s in self.spans], "label": self.label}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Evidence:
        spans = [(int(s[0]), int(s[1])) for s in raw.get("spans", [])]
        return cls(raw["value"], spans, raw.get("label", ""))


@dataclass
class Draft:
    """A draft incident: what the text says, field by field, with evidence."""

    event_type: str
    sub_type: Evidence
    time: Evidence | None  # value: {"start": "YYYY-MM-DD", "end": …, "precision": …}
    places: list[Evidence] = field(default_factory=list)  # value: gazetteer id
    country: Evidence | None = None  # value: ISO code
    actors: list[Evidence] = field(default_factory=list)  # value: group id or "state:XX"
    participants: list[Evidence] = field(default_factory=list)  # value: ISO code
    # Groups a meeting or agreement talked about: named, not taking part.
    mentioned: list[Evidence] = field(default_factory=list)
    counts: dict[str, Evidence] = field(default_factory=dict)
    sentences: list[Span] = field(default_factory=list)
    confidence: float = 0.0

    @property
    def time_precision(self) -> str:
        return self.time.value["precision"] if self.time else "unknown"

    @property
    def start(self) -> str | None:
        return self.time.value["start"] if self.time else None

    def spans_by_field(self) -> list[tuple[str, Span]]:
        out: list[tuple[str, Span]] = [("sub_type", s) for s in self.sub_type.spans]
        if self.time:
            out += [("time", s) for s in self.time.spans]
        for name in ("places", "actors", "participants", "mentioned"):
            for ev in getattr(self, name):
                out += [(name, s) for s in ev.spans]
        if self.country:
            placed = {s for p in self.places for s in p.spans}
            out += [("country", s) for s in self.country.spans if s not in placed]
        for role, ev in self.counts.items():
            out += [(role, s) for s in ev.spans]
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "event_type": self.event_type,
            "sub_type": self.sub_type.as_dict(),
            "time": self.time.as_dict() if self.time else None,
            "places": [e.as_dict() for e in self.places],
            "country": self.country.as_dict() if self.country else None,
            "actors": [e.as_dict() for e in self.actors],
            "participants": [e.as_dict() for e in self.participants],
            "mentioned": [e.as_dict() for e in self.mentioned],
            "counts": {k: v.as_dict() for k, v in self.counts.items()},
            "sentences": [list(s) for s in self.sentences],
            "confidence": self.confidence,
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Draft:
        def ev(x: Any) -> Evidence | None:
            return Evidence.from_dict(x) if x else None

        return cls(
            event_type=raw["event_type"],
            sub_type=Evidence.from_dict(raw["sub_type"]),
            time=ev(raw.get("time")),
            places=[Evidence.from_dict(x) for x in raw.get("places", [])],
            country=ev(raw.get("country")),
            actors=[Evidence.from_dict(x) for x in raw.get("actors", [])],
            participants=[Evidence.from_dict(x) for x in raw.get("participants", [])],
            mentioned=[Evidence.from_dict(x) for x in raw.get("mentioned", [])],
            counts={k: Evidence.from_dict(v) for k, v in raw.get("counts", {}).items()},
            sentences=[(int(s[0]), int(s[1])) for s in raw.get("sentences", [])],
            confidence=float(raw.get("confidence", 0.0)),
        )


@dataclass
class Extraction:
    lang: str
    published: date | None
    drafts: list[Draft]
    notes: list[str]
    # Everything the article names, events or not: "groups", "places", "states".
    named: dict[str, list[Evidence]] = field(default_factory=dict)

    def named_dict(self) -> dict[str, list[dict[str, Any]]]:
        return {k: [e.as_dict() for e in v] for k, v in self.named.items()}

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": EXTRACTOR_VERSION,
            "lang": self.lang,
            "published": self.published.isoformat() if self.published else None,
            "drafts": [d.as_dict() for d in self.drafts],
            "notes": list(self.notes),
            "named": self.named_dict(),
        }
