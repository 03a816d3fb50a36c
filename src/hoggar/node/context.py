"""The running node's context handed to services: settings, database, key, organization."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from hoggar.kernel.db import Database
from hoggar.kernel.settings import Settings
from hoggar.sharing.sealed import Opener
from hoggar.stix.signing import Signer


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
