"""API keys as stored: only a hash of the secret is kept (docs/decisions.md, "Security")."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

SCOPES = ("read", "ingest", "admin")


@dataclass(frozen=True)
class ApiKey:
    id: str
    tenant: str
    scopes: tuple[str, ...]
    key_hash: str
    created_at: str
    revoked_at: str | None = None


def hash_key(presented: str) -> str:
    """Keys are long random strings, so a plain SHA-256 is enough (no password stretching)."""
    return hashlib.sha256(presented.encode()).hexdigest()


def new_key() -> tuple[str, str]:
    """A key id and the full secret key `bcg_<id>_<secret>` shown once to its owner."""
    key_id = secrets.token_hex(6)
    return key_id, f"bcg_{key_id}_{secrets.token_urlsafe(32)}"


def key_id_of(presented: str) -> str | None:
    parts = presented.split("_")
    if len(parts) >= 3 and parts[0] == "bcg" and len(parts[1]) == 12:
        return parts[1]
    return None
