"""Repeated failed sign-ins lock the account name and the source address for a while.

An account name is locked after ACCOUNT_LIMIT consecutive failures (a success clears
them); a source address after SOURCE_LIMIT failures within WINDOW, whatever names it
tried (password spraying). A lock lasts LOCK; while it lasts no password is checked
at all, and the refusal says when to come back (HTTP 429, Retry-After). Names that do
not exist are counted and locked exactly like real ones, so a lock tells an attacker
nothing about which accounts exist. Counters live in the database (migration 0012):
every process of a node, and a restart, see the same ones. Every lock and every
refused attempt is in the audit log.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hoggar.auth.models import LoginThrottle
from hoggar.kernel.clock import utcnow

ACCOUNT_LIMIT = 5
SOURCE_LIMIT = 20
WINDOW = timedelta(minutes=15)
LOCK = timedelta(minutes=15)


def keys(username: str, source: str) -> list[str]:
    """The account key and, when the source names an address ("web:10.0.0.7"), its key."""
    out = [f"user:{username.strip().lower()[:120]}"]
    host = source.partition(":")[2]
    if host:
        out.append(f"ip:{host[:120]}")
    return out


def locked_until(session: Session, keys_: list[str]) -> datetime | None:
    """The end of the latest lock on any of the keys, if one is running now."""
    now = utcnow()
    ends = [
        t
        for t in session.scalars(
            select(LoginThrottle.locked_until).where(LoginThrottle.key.in_(keys_))
        )
        if t is not None and t > now
    ]
    return max(ends) if ends else None


def failed(session: Session, keys_: list[str]) -> list[str]:
    """Count one failure against each key; return the keys this failure locked."""
    now = utcnow()
    locked = []
    for key in keys_:
        row = session.get(LoginThrottle, key, with_for_update=True)
        if row is None:
            row = LoginThrottle(key=key, failures=0, first_failure_at=now, locked_until=None)
            session.add(row)
        elif key.startswith("ip:") and now - row.first_failure_at > WINDOW:
            row.failures, row.first_failure_at = 0, now  # an address's window starts again
        row.failures += 1
        limit = ACCOUNT_LIMIT if key.startswith("user:") else SOURCE_LIMIT
        if row.failures >= limit:
            row.locked_until = now + LOCK
            row.failures, row.first_failure_at = 0, now
            locked.append(key)
    session.flush()
    return locked


def succeeded(session: Session, username: str) -> None:
    """A correct password clears the account's consecutive failures (not the address's)."""
    row = session.get(LoginThrottle, keys(username, "")[0])
    if row is not None:
        session.delete(row)
