"""What every request or command works in: the node (settings, database, key, organization)
and the principal asking (a user or a peer node, always of one organization).

This module sits below every domain: it imports only the kernel.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property

from hoggar.kernel.db import Database
from hoggar.kernel.sealing import Opener
from hoggar.kernel.settings import Settings
from hoggar.kernel.signing import Signer


@dataclass
class Node:
    settings: Settings
    db: Database
    signer: Signer
    org_id: str
    org_name: str

    @cached_property
    def opener(self) -> Opener:
        """Opens the boxes of sealed release sets sealed to this node's organization."""
        return Opener.from_seed(self.org_id, self.signer.seed())

    def close(self) -> None:
        self.db.dispose()


class Role(StrEnum):
    ADMIN = "admin"
    ANALYST = "analyst"
    VIEWER = "viewer"
    PEER = "peer"  # another node, reading and pushing as its organization over TAXII


@dataclass(frozen=True)
class Principal:
    """Who is asking: a user or a peer node, always of one organization."""

    org_id: str
    name: str
    role: Role = Role.VIEWER
    user_id: int | None = None
    kind: str = "user"  # "user" | "peer" | "system"

    @property
    def can_write(self) -> bool:
        """May author records (as this node's organization) or import bundles."""
        return self.role in (Role.ADMIN, Role.ANALYST)

    @property
    def is_peer(self) -> bool:
        return self.role == Role.PEER

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


def system_principal(node: Node) -> Principal:
    """The node itself, acting as its organization's administrator (imports, set-up)."""
    return Principal(org_id=node.org_id, name="system", role=Role.ADMIN, kind="system")
