"""The meeting objects: four new STIX domain objects defined by one extension.

- `x-hoggar-meeting`: a summit of chiefs of staff, a ministerial conference, a
  technical committee… — when, where, host, participating organizations, agenda,
  final statement.
- `x-hoggar-decision`: one decision of a meeting, with its theme.
- `x-hoggar-action-item`: what a decision asks of one member state, by a due date.
- `x-hoggar-action-update`: a dated status of an action item, with evidence (links to
  incidents, reports, documents), issued by the responsible state or the meeting's
  originator.

STIX 2.1 §7.3: each object carries `extensions: {MEETINGS_EXTENSION_ID:
{"extension_type": "new-sdo"}}`; the definition travels in exports like Hoggar's
other extensions. `check` is called by the store's validation for these types.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from hoggar.kernel.errors import Problem
from hoggar.kernel.i18n import N_
from hoggar.kernel.ids import ID_RE
from hoggar.stix.extensions import MEETINGS_EXTENSION_ID

MEETING = "x-hoggar-meeting"
DECISION = "x-hoggar-decision"
ACTION_ITEM = "x-hoggar-action-item"
ACTION_UPDATE = "x-hoggar-action-update"
TYPES = (MEETING, DECISION, ACTION_ITEM, ACTION_UPDATE)

MEETING_KINDS = (
    "heads-of-state-summit",
    "chiefs-of-staff-meeting",
    "ministerial-conference",
    "technical-committee",
    "expert-meeting",
    "other",
)
THEMES = (
    "armed-group-violence",
    "kidnapping",
    "arms-smuggling",
    "drug-smuggling",
    "human-smuggling",
    "border-security",
    "civilian-harm",
    "intelligence-sharing",
    "institutions",
)
# The themes' names in the interfaces and reports (translated where shown).
THEME_LABELS = {
    "armed-group-violence": N_("Armed-group violence"),
    "kidnapping": N_("Kidnapping"),
    "arms-smuggling": N_("Arms smuggling"),
    "drug-smuggling": N_("Drug smuggling"),
    "human-smuggling": N_("Human smuggling"),
    "border-security": N_("Border security"),
    "civilian-harm": N_("Harm to civilians"),
    "intelligence-sharing": N_("Intelligence sharing"),
    "institutions": N_("Institutions"),
}
STATUSES = ("open", "in-progress", "done", "cancelled")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")

REQUIRED: dict[str, tuple[str, ...]] = {
    MEETING: ("name", "meeting_kind", "start_date", "host_ref", "participant_refs"),
    DECISION: ("meeting_ref", "text", "theme"),
    ACTION_ITEM: ("decision_ref", "meeting_ref", "text", "responsible_ref", "due_date"),
    ACTION_UPDATE: ("action_item_ref", "status", "as_of"),
}


def extension() -> dict[str, Any]:
    return {MEETINGS_EXTENSION_ID: {"extension_type": "new-sdo"}}


def _day(problems: list[Problem], where: str, value: Any) -> None:
    if not isinstance(value, str) or not _DAY.match(value):
        problems.append(Problem(where, "a date written YYYY-MM-DD"))
        return
    try:
        date.fromisoformat(value)
    except ValueError:
        problems.append(Problem(where, f"{value!r} is not a date"))


def _ref(problems: list[Problem], where: str, value: Any, stix_type: str | None = None) -> None:
    if not isinstance(value, str) or not ID_RE.match(value):
        problems.append(Problem(where, "a STIX identifier (type--UUID)"))
    elif stix_type and not value.startswith(stix_type + "--"):
        problems.append(Problem(where, f"must refer to a {stix_type}"))


def _texts(problems: list[Problem], where: str, value: Any) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        problems.append(Problem(where, "a list of non-empty strings"))


def check(obj: Mapping[str, Any]) -> list[Problem]:
    """Problems of a meeting object, each under the property it concerns."""
    stix_type = str(obj.get("type"))
    problems = [
        Problem(f"/{p}", f"is required for {stix_type}")
        for p in REQUIRED[stix_type]
        if p not in obj
    ]
    exts = obj.get("extensions")
    if (
        not isinstance(exts, Mapping)
        or (exts.get(MEETINGS_EXTENSION_ID) or {}).get("extension_type") != "new-sdo"
    ):
        problems.append(
            Problem(f"/extensions/{MEETINGS_EXTENSION_ID}", "must be {'extension_type': 'new-sdo'}")
        )
    if stix_type == MEETING:
        if "meeting_kind" in obj and obj["meeting_kind"] not in MEETING_KINDS:
            problems.append(Problem("/meeting_kind", f"one of {list(MEETING_KINDS)}"))
        for prop in ("start_date", "end_date"):
            if prop in obj:
                _day(problems, f"/{prop}", obj[prop])
        start, end = obj.get("start_date"), obj.get("end_date")
        if isinstance(start, str) and isinstance(end, str) and end < start:
            problems.append(Problem("/end_date", "is before start_date"))
        if "host_ref" in obj:
            _ref(problems, "/host_ref", obj["host_ref"], "identity")
        refs = obj.get("participant_refs")
        if "participant_refs" in obj:
            if not isinstance(refs, list) or not refs:
                problems.append(Problem("/participant_refs", "a non-empty list of identity ids"))
            else:
                for i, r in enumerate(refs):
                    _ref(problems, f"/participant_refs/{i}", r, "identity")
        for i, r in enumerate(obj.get("source_refs") or []):
            _ref(problems, f"/source_refs/{i}", r)
        for prop in ("agenda",):
            if prop in obj:
                _texts(problems, f"/{prop}", obj[prop])
        if "location_ref" in obj:
            _ref(problems, "/location_ref", obj["location_ref"], "location")
    elif stix_type == DECISION:
        _ref(
            problems, "/meeting_ref", obj.get("meeting_ref"), MEETING
        ) if "meeting_ref" in obj else None
        if "theme" in obj and obj["theme"] not in THEMES:
            problems.append(Problem("/theme", f"one of {list(THEMES)}"))
    elif stix_type == ACTION_ITEM:
        for prop, target in (
            ("decision_ref", DECISION),
            ("meeting_ref", MEETING),
            ("responsible_ref", "identity"),
        ):
            if prop in obj:
                _ref(problems, f"/{prop}", obj[prop], target)
        if "due_date" in obj:
            _day(problems, "/due_date", obj["due_date"])
    elif stix_type == ACTION_UPDATE:
        if "action_item_ref" in obj:
            _ref(problems, "/action_item_ref", obj["action_item_ref"], ACTION_ITEM)
        if "status" in obj and obj["status"] not in STATUSES:
            problems.append(Problem("/status", f"one of {list(STATUSES)}"))
        if "as_of" in obj:
            _day(problems, "/as_of", obj["as_of"])
        for i, r in enumerate(obj.get("evidence_refs") or []):
            _ref(problems, f"/evidence_refs/{i}", r)
    return problems
