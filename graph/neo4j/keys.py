"""The Neo4j adapter's API keys and audit log (keys are not tenant data: root manages all)."""

from __future__ import annotations

import json
from typing import Any

from neo4j import ManagedTransaction

from graph.erasure import AuditEntry
from graph.keys import ApiKey
from graph.neo4j import cypher
from graph.neo4j.session import Neo4jSession


def _api_key(props: dict[str, Any]) -> ApiKey:
    return ApiKey(
        id=props["id"],
        tenant=props["tenant"],
        scopes=tuple(props["scopes"]),
        key_hash=props["key_hash"],
        created_at=props["created_at"],
        revoked_at=props.get("revoked_at"),
    )


class Neo4jKeys:
    _session: Neo4jSession

    def create_key(self, key: ApiKey) -> None:
        self._session.write(
            lambda tx: tx.run(
                cypher.CREATE_KEY,
                id=key.id,
                tenant=key.tenant,
                scopes=list(key.scopes),
                key_hash=key.key_hash,
                created_at=key.created_at,
            ).consume()
        )

    def get_key(self, key_id: str) -> ApiKey | None:
        def work(tx: ManagedTransaction) -> ApiKey | None:
            row = tx.run(cypher.GET_KEY, id=key_id).single()
            return _api_key(row["key"]) if row else None

        return self._session.read(work)

    def list_keys(self, tenant: str | None) -> list[ApiKey]:
        return self._session.read(
            lambda tx: [_api_key(r["key"]) for r in tx.run(cypher.LIST_KEYS, tenant=tenant)]
        )

    def revoke_key(self, key_id: str, at: str) -> bool:
        row = self._session.write(lambda tx: tx.run(cypher.REVOKE_KEY, id=key_id, at=at).single())
        return bool(row and row["revoked"])

    def audit_entries(self, tenant: str) -> list[AuditEntry]:
        def work(tx: ManagedTransaction) -> list[AuditEntry]:
            return [
                AuditEntry(
                    e["tenant"], e["action"], e.get("key_id"), e["at"], json.loads(e["detail"])
                )
                for e in (r["entry"] for r in tx.run(cypher.AUDIT_ENTRIES, tenant=tenant))
            ]

        return self._session.read(work)
