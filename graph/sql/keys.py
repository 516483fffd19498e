"""The SQL adapter's API keys and audit log (keys are not tenant data: the root key manages all)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from graph.erasure import AuditEntry
from graph.keys import ApiKey
from graph.sql.db import Database
from graph.sql.schema import api_keys, audit_log


def _api_key(row: Any) -> ApiKey:
    return ApiKey(
        id=row["id"],
        tenant=row["tenant"],
        scopes=tuple(s for s in row["scopes"].split(",") if s),
        key_hash=row["key_hash"],
        created_at=row["created_at"],
        revoked_at=row["revoked_at"],
    )


class SqlKeys:
    _db: Database

    def create_key(self, key: ApiKey) -> None:
        with self._db.writing() as conn:
            conn.execute(
                api_keys.insert().values(
                    id=key.id,
                    tenant=key.tenant,
                    scopes=",".join(key.scopes),
                    key_hash=key.key_hash,
                    created_at=key.created_at,
                    revoked_at=key.revoked_at,
                )
            )

    def get_key(self, key_id: str) -> ApiKey | None:
        with self._db.reading() as conn:
            row = conn.execute(select(api_keys).where(api_keys.c.id == key_id)).first()
        return _api_key(row._mapping) if row else None

    def list_keys(self, tenant: str | None) -> list[ApiKey]:
        query = select(api_keys).order_by(api_keys.c.created_at, api_keys.c.id)
        if tenant is not None:
            query = query.where(api_keys.c.tenant == tenant)
        with self._db.reading() as conn:
            return [_api_key(row._mapping) for row in conn.execute(query)]

    def revoke_key(self, key_id: str, at: str) -> bool:
        with self._db.writing() as conn:
            result = conn.execute(
                api_keys.update()
                .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
                .values(revoked_at=at)
            )
        return bool(result.rowcount)

    def audit_entries(self, tenant: str) -> list[AuditEntry]:
        with self._db.reading() as conn:
            rows = conn.execute(
                select(audit_log).where(audit_log.c.tenant == tenant).order_by(audit_log.c.id)
            )
            return [
                AuditEntry(r.tenant, r.action, r.key_id, r.at, json.loads(r.detail)) for r in rows
            ]
