"""Timezone-aware UTC time and the STIX timestamp format (STIX 2.1 §3.2)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import lru_cache

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
    return _parse_checked(value)


@lru_cache(maxsize=8192)
def _parse_checked(value: str) -> datetime:
    # Cached: imports and queries meet the same instants again and again (created =
    # modified = start), and a datetime is immutable.
    m = _STIX_TS.match(value)
    if not m:
        raise ValueError(f"{value!r} is not a STIX timestamp (YYYY-MM-DDTHH:MM:SS[.s+]Z, UTC)")
    frac = m.group(7)
    try:
        # fromisoformat is the C parser; the regex above already fixed the shape.
        base = datetime.fromisoformat(value[:19])
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a valid date/time: {exc}") from exc
    micro = int(frac.ljust(6, "0")[:6]) if frac else 0
    return base.replace(microsecond=micro, tzinfo=UTC)


def version_key(value: str) -> str:
    """A fixed-width, sortable form of a STIX timestamp (microseconds).

    Two spellings of the same instant ("…00Z" and "…00.000Z") get the same key, so
    the store's uniqueness on (id, modified) is uniqueness of the instant. Precision
    beyond microseconds is kept in the stored JSON but not in the key.
    """
    ts = parse_stix(value)
    return ts.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
