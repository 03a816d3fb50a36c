"""The incident filters shared by the list, the map, the timeline and the dashboard."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from hoggar.incidents.form import parse_moment
from hoggar.kernel.i18n import N_, Msg
from hoggar.store.filters import ObjectFilter

PERIODS = {"30d": 30, "90d": 90, "1y": 365, "5y": 5 * 365}


@dataclass(frozen=True)
class IncidentFilters:
    period: str = ""
    since: str = ""  # YYYY-MM-DD
    until: str = ""  # YYYY-MM-DD, inclusive
    event_type: str = ""
    sub_type: str = ""  # one or several codebook sub-types, comma-separated
    country: str = ""
    group: str = ""
    originator: str = ""
    tlp: str = ""
    q: str = ""

    @classmethod
    def from_query(cls, params: QueryParams) -> IncidentFilters:
        names = cls.__dataclass_fields__
        return cls(**{k: params.get(k, "").strip()[:300] for k in names})

    def query(self, **override: str) -> str:
        values = {**asdict(self), **override}
        return urlencode({k: v for k, v in values.items() if v})

    def to_filter(self, now: datetime | None = None) -> tuple[ObjectFilter, list[Msg]]:
        errors: list[Msg] = []
        start_after = start_before = None
        if self.period in PERIODS:
            start_after = (now or datetime.now(UTC)) - timedelta(days=PERIODS[self.period])
        if self.since:
            start_after = parse_moment(self.since)
            if start_after is None:
                errors.append(Msg(N_("The start date must be written YYYY-MM-DD.")))
        if self.until:
            end = parse_moment(self.until)
            if end is None:
                errors.append(Msg(N_("The end date must be written YYYY-MM-DD.")))
            else:
                start_before = end + timedelta(days=1) if len(self.until) == 10 else end
        return (
            ObjectFilter(
                types=("incident",),
                event_type=self.event_type or None,
                sub_types=tuple(s for s in self.sub_type.split(",") if s),
                country=self.country.upper() or None,
                group=self.group or None,
                originator=self.originator or None,
                tlp=self.tlp or None,
                text=self.q or None,
                start_after=start_after,
                start_before=start_before,
            ),
            errors,
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
