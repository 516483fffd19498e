"""Who is calling: API keys to a tenant and scopes (DESIGN §4).

The root key comes from BCG_API_KEY or, where that is unset, is made on the
first start and kept (mode 0600) in the data directory, so that the service
never serves data without a key.
"""

from __future__ import annotations

import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from app.settings import Settings

ROOT_TENANT = "default"
ALL_SCOPES = frozenset({"read", "ingest", "admin"})
ROOT_KEY_FILE = "root_key"


@dataclass(frozen=True)
class Principal:
    tenant: str
    scopes: frozenset[str]
    key_id: str


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


def authenticate(presented: str, root_key: str) -> Principal | None:
    """The principal a bearer key stands for, compared in constant time; None if unknown."""
    if hmac.compare_digest(presented.encode(), root_key.encode()):
        return Principal(ROOT_TENANT, ALL_SCOPES, "root")
    return None
