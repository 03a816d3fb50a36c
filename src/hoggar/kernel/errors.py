"""The error hierarchy of Hoggar's core; web, API and CLI layers translate it.

    HoggarError
    ├── NotFound            the thing does not exist *or* the caller may not see it
    ├── Invalid             input is wrong; carries per-field/per-object problems
    ├── Conflict            the request clashes with stored state (e.g. older version)
    ├── Unauthenticated     no valid credentials
    ├── PermissionDenied    authenticated, but the role does not allow the action
    ├── TooLarge            a body or bundle exceeds a configured limit
    ├── TooManyAttempts     sign-ins refused for a while after repeated failures
    └── PeerFailure         a federated peer misbehaved or could not be reached

A forbidden object is reported as NotFound with the same message as a missing one
(DESIGN.md, releasability): there is deliberately no "Forbidden" for objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where (a JSON pointer or field name) and what."""

    where: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"where": self.where, "message": self.message}


@dataclass
class HoggarError(Exception):
    message: str
    problems: list[Problem] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        if not self.problems:
            return self.message
        details = "; ".join(f"{p.where}: {p.message}" for p in self.problems)
        return f"{self.message} ({details})"


class NotFound(HoggarError):
    pass


class Invalid(HoggarError):
    pass


class Conflict(HoggarError):
    pass


class Unauthenticated(HoggarError):
    pass


class PermissionDenied(HoggarError):
    pass


class TooLarge(HoggarError):
    pass


class PeerFailure(HoggarError):
    pass


class TooManyAttempts(HoggarError):
    """Sign-in refused until `extra["retry_after"]` seconds have passed."""


def not_found(what: str, ident: str) -> NotFound:
    """The single wording for "missing or not visible to you": never vary it by cause."""
    return NotFound(f"No {what} with id {ident!r} exists on this node.")
