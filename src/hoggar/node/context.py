"""The running node's context handed to services: settings, database, key, organization."""

from __future__ import annotations

from dataclasses import dataclass

from hoggar.kernel.db import Database
from hoggar.kernel.settings import Settings
from hoggar.stix.signing import Signer


@dataclass
class Node:
    settings: Settings
    db: Database
    signer: Signer
    org_id: str
    org_name: str

    def close(self) -> None:
        self.db.dispose()
