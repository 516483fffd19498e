"""Who is calling: API keys to a tenant and scopes (README, "Keys, tenants and privacy").

The root key comes from BCG_API_KEY or, where that is unset, is made on the
first start and kept (mode 0600) in the data directory, so that the service
never serves data without a key.
"""

from __future__ import annotations

import hmac
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from app.settings import Settings
from graph.keys import SCOPES, ApiKey, hash_key, key_id_of, new_key
from graph.ports import KeyStore

ROOT_TENANT = "default"
ALL_SCOPES = frozenset({"read", "ingest", "admin"})
ROOT_KEY_FILE = "root_key"
ROOT_KEY_ID = "root"
TENANT_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"


@dataclass(frozen=True)
class Principal:
    tenant: str
    scopes: frozenset[str]
    key_id: str

    @property
    def is_root(self) -> bool:
        """The root key manages the keys of every tenant; other admin keys their own."""
        return self.key_id == ROOT_KEY_ID


@dataclass(frozen=True)
class RootKey:
    value: str
    created_now: bool


def resolve_root_key(settings: Settings) -> RootKey:
    if settings.api_key is not None:
        return RootKey(settings.api_key.get_secret_value(), created_now=False)
    path: Path = settings.data_dir / ROOT_KEY_FILE
    if path.exists():
        return RootKey(path.read_text("utf-8").strip(), created_now=False)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    value = "bcg_" + secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")
    return RootKey(value, created_now=True)


def authenticate(presented: str, root_key: str, keys: KeyStore) -> Principal | None:
    """The principal a bearer key stands for; hashes are compared in constant time.
    None for an unknown or revoked key."""
    presented_hash = hash_key(presented)
    if hmac.compare_digest(presented_hash, hash_key(root_key)):
        return Principal(ROOT_TENANT, ALL_SCOPES, ROOT_KEY_ID)
    key_id = key_id_of(presented)
    if key_id is None:
        return None
    key = keys.get_key(key_id)
    if key is None or key.revoked_at is not None:
        return None
    if not hmac.compare_digest(presented_hash, key.key_hash):
        return None
    return Principal(key.tenant, frozenset(key.scopes), key.id)


def issue_key(keys: KeyStore, tenant: str, scopes: list[str]) -> tuple[ApiKey, str]:
    """Create a key; answer its record and the secret, which is never stored."""
    key_id, secret = new_key()
    record = ApiKey(
        id=key_id,
        tenant=tenant,
        scopes=tuple(s for s in SCOPES if s in scopes),
        key_hash=hash_key(secret),
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    keys.create_key(record)
    return record, secret
