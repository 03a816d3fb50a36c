"""Timezone-aware UTC time and the STIX timestamp format (STIX 2.1 §3.2)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

_STIX_TS = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z$")


def utcnow() -> datetime:
    return datetime.now(UTC)


def format_stix(ts: datetime) -> str:
    """Millisecond precision, as STIX producers conventionally emit (§3.2)."""
    ts = ts.astimezone(UTC)
    return ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z"


def parse_stix(value: str) -> datetime:
    """Parse a STIX timestamp; raise ValueError saying what is wrong."""
    if not isinstance(value, str):
        raise ValueError(f"expected a timestamp string, got {type(value).__name__}")
    m = _STIX_TS.match(value)
    if not m:
        raise ValueError(f"{value!r} is not a STIX timestamp (YYYY-MM-DDTHH:MM:SS[.s+]Z, UTC)")
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    frac = (m.group(7) or "").ljust(6, "0")[:6]
    try:
        return datetime(year, month, day, hour, minute, second, int(frac), tzinfo=UTC)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a valid date/time: {exc}") from exc


def version_key(value: str) -> str:
    """A fixed-width, sortable form of a STIX timestamp (microseconds).

    Two spellings of the same instant ("…00Z" and "…00.000Z") get the same key, so
    the store's uniqueness on (id, modified) is uniqueness of the instant. Precision
    beyond microseconds is kept in the stored JSON but not in the key.
    """
    ts = parse_stix(value)
    return ts.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
