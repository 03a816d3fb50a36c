"""The date_added clock: strictly increasing, and in commit order.

TAXII clients resume with `added_after` (TAXII 2.1 §3.4.1), which is safe only if no
version can become visible with a date_added earlier than one already served. Each
value is taken with one atomic UPDATE of a single row: the row lock (the database
lock on SQLite) is held until commit, so a later transaction always gets a later
value, and values never repeat even if the system clock steps back.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import BigInteger, String, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from hoggar.kernel.clock import utcnow
from hoggar.kernel.db import Base

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ADDED = "added"


class ClockRow(Base):
    __tablename__ = "clocks"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_us: Mapped[int] = mapped_column(BigInteger)


def _to_us(ts: datetime) -> int:
    delta = ts - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def next_added_at(session: Session) -> datetime:
    """A date_added later than every one committed or in progress before it."""
    return allocate_added_at(session, 1)[0]


def allocate_added_at(session: Session, count: int) -> list[datetime]:
    """`count` consecutive, increasing date_added values, all later than any before."""
    now = _to_us(utcnow())
    last = session.execute(
        text(
            "UPDATE clocks SET last_us = CASE WHEN last_us + 1 > :now THEN last_us + :n "
            "ELSE :now + :n - 1 END WHERE name = :name RETURNING last_us"
        ),
        {"now": now, "n": count, "name": ADDED},
    ).scalar()
    if last is None:  # a database created before the clock row existed
        last = now + count - 1
        session.execute(
            text("INSERT INTO clocks (name, last_us) VALUES (:name, :last)"),
            {"name": ADDED, "last": last},
        )
    first = int(last) - count + 1
    return [EPOCH + timedelta(microseconds=first + k) for k in range(count)]


def lock_clock(session: Session) -> None:
    """Take the clock's lock without advancing it (lock order: clock, then audit head)."""
    session.execute(text("UPDATE clocks SET last_us = last_us WHERE name = :name"), {"name": ADDED})
