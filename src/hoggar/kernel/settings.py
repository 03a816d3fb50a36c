"""Where a node keeps its files and which database it uses."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

DATABASE_URL_ENV = "HOGGAR_DATABASE_URL"
DATA_DIR_ENV = "HOGGAR_DATA_DIR"


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    max_body_bytes: int = 50 * 1024 * 1024
    max_objects_per_bundle: int = 100_000
    session_max_age_s: int = 12 * 3600
    # Set when served behind TLS: session cookies then carry the Secure flag.
    secure_cookies: bool = False

    @property
    def signing_key_path(self) -> Path:
        return self.data_dir / "keys" / "signing-key.pem"

    @property
    def secret_path(self) -> Path:
        return self.data_dir / "keys" / "session-secret"

    def session_secret(self) -> str:
        """A per-node random secret for signing session cookies, created on first use."""
        if not self.secret_path.exists():
            self.secret_path.parent.mkdir(parents=True, exist_ok=True)
            self.secret_path.write_text(secrets.token_urlsafe(48))
            self.secret_path.chmod(0o600)
        return self.secret_path.read_text().strip()

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_settings(data_dir: str | Path | None = None, database_url: str | None = None) -> Settings:
    """Settings from arguments, then environment, then defaults (SQLite in the data dir)."""
    raw_dir = data_dir or os.environ.get(DATA_DIR_ENV) or "./hoggar-data"
    path = Path(raw_dir).expanduser().resolve()
    url = database_url or os.environ.get(DATABASE_URL_ENV) or f"sqlite:///{path / 'hoggar.db'}"
    secure = os.environ.get("HOGGAR_SECURE_COOKIES", "").lower() in ("1", "true", "yes")
    return Settings(data_dir=path, database_url=url, secure_cookies=secure)
