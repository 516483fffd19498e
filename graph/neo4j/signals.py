"""The Neo4j adapter's signals, webhooks and outbox (graph.webhooks.SignalStore).

Nodes (migrations/neo4j/0008_signals.cypher): `SignalArrivals` (what each write
brought, until detection has run over it), `Signal`, `Webhook` and `Outbox`; all
Cypher in graph.neo4j.cypher.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence

from neo4j import ManagedTransaction

from graph.neo4j import cypher
from graph.neo4j.session import Neo4jSession, collected
from graph.signals import Signal, forget_in_arrivals, names_person
from graph.webhooks import (
    SIGNAL_CREATED,
    Delivery,
    Outcome,
    ParkedEvent,
    PendingArrivals,
    SignalPage,
    Webhook,
    WebhookStatus,
    event_body,
    event_id,
    signal_item,
    signal_of_item,
)


class Neo4jArrivalWrites:
    """The write-transaction primitive of graph.signals.ArrivalTx (mixed into Neo4jWriteTx)."""

    _tx: ManagedTransaction
    _tenant: str

    def put_arrivals(self, version: int, payload: str, at: str) -> None:
        self._tx.run(
            cypher.PUT_ARRIVALS, tenant=self._tenant, version=version, payload=payload, at=at
        ).consume()

    def forget_in_signals(self, person_id: str, terms: list[str]) -> int:
        tenant = self._tenant
        stored = collected(self._tx, cypher.SIGNAL_ITEMS, tenant=tenant)
        gone = [i for i, item in stored if names_person(item, person_id, terms)]
        if gone:
            self._tx.run(cypher.DELETE_SIGNALS, tenant=tenant, ids=gone).consume()
        waiting = collected(self._tx, cypher.ARRIVAL_PAYLOADS, tenant=tenant)
        rows = [
            {"version": v, "payload": forget_in_arrivals(p, person_id, terms)} for v, p in waiting
        ]
        changed = [r for r, (_, p) in zip(rows, waiting, strict=True) if r["payload"] != p]
        if changed:
            self._tx.run(cypher.SET_ARRIVAL_PAYLOADS, tenant=tenant, rows=changed).consume()
        return len(gone)


class Neo4jSignals:
    _session: Neo4jSession

    # -- detection -------------------------------------------------------------------------

    def claim_arrivals(
        self, now: float, lease_seconds: float, limit: int, token: str
    ) -> list[PendingArrivals]:
        rows = self._session.write(
            lambda tx: collected(
                tx, cypher.CLAIM_ARRIVALS, now=now, lease=lease_seconds, limit=limit, token=token
            )
        )
        return [PendingArrivals(t, int(v), p) for t, v, p in rows]

    def pending_arrivals(self, tenant: str) -> int:
        record = self._session.read(
            lambda tx: tx.run(cypher.PENDING_ARRIVALS, tenant=tenant).single()
        )
        return int(record["n"]) if record else 0

    def put_signals(
        self, tenant: str, found: Sequence[Signal], done_version: int | None, at: str
    ) -> list[str]:
        token = secrets.token_hex(8)
        by_id = {s.id: s for s in found}

        def work(tx: ManagedTransaction) -> list[str]:
            rows = [
                {
                    "id": s.id,
                    "kind": s.kind,
                    "account_id": s.account_id,
                    "deal_id": s.deal_id,
                    "person_id": s.person.id if s.person else None,
                    "score": s.score,
                    "item": json.dumps(signal_item(s), sort_keys=True),
                }
                for s in found
            ]
            new = sorted(
                collected(tx, cypher.PUT_SIGNALS, tenant=tenant, rows=rows, at=at, token=token)
            )
            hooks = collected(tx, cypher.SIGNAL_WEBHOOKS, tenant=tenant, event=SIGNAL_CREATED)
            events = [
                {
                    "id": event_id(i, h),
                    "webhook_id": h,
                    "signal_id": i,
                    "body": event_body(event_id(i, h), by_id[i], at),
                }
                for i in new
                for h in sorted(hooks)
            ]
            if events:
                tx.run(cypher.PUT_OUTBOX, tenant=tenant, rows=events, at=at).consume()
            if done_version is not None:
                tx.run(cypher.DONE_ARRIVALS, tenant=tenant, version=done_version).consume()
            return new

        return self._session.write(work)

    def signals(
        self,
        tenant: str,
        *,
        since: str | None,
        kind: str | None,
        account_id: str | None,
        before: tuple[str, str] | None,
        limit: int,
    ) -> SignalPage:
        rows = self._session.read(
            lambda tx: collected(
                tx,
                cypher.SIGNALS,
                tenant=tenant,
                since=since,
                kind=kind,
                account_id=account_id,
                before_at=before[0] if before else None,
                before_id=before[1] if before else None,
                limit=limit + 1,
            )
        )
        items = [signal_of_item({**json.loads(item), "created_at": at}) for item, at, _ in rows]
        more = len(rows) > limit
        cursor = (rows[limit - 1][1], rows[limit - 1][2]) if more else None
        return SignalPage(items[:limit], cursor)

    # -- webhooks --------------------------------------------------------------------------

    def create_webhook(self, webhook: Webhook) -> None:
        self._session.write(
            lambda tx: tx.run(
                cypher.CREATE_WEBHOOK,
                id=webhook.id,
                tenant=webhook.tenant,
                url=webhook.url,
                events=list(webhook.events),
                secret=webhook.secret,
                created_at=webhook.created_at,
            ).consume()
        )

    def webhooks(self, tenant: str) -> list[WebhookStatus]:
        rows = self._session.read(lambda tx: collected(tx, cypher.WEBHOOKS, tenant=tenant))
        out = [
            WebhookStatus(
                id=hid,
                url=url,
                events=tuple(events),
                created_at=created,
                pending=int(pending),
                delivered=int(delivered),
                parked=len(parked),
                last_error=errors[-1] if errors else None,
                parked_events=tuple(
                    ParkedEvent(e, s, int(n), err) for e, s, n, err in sorted(parked)
                ),
            )
            for hid, url, events, created, pending, delivered, errors, parked in rows
        ]
        return sorted(out, key=lambda w: (w.created_at, w.id))

    def delete_webhook(self, tenant: str, webhook_id: str) -> bool:
        record = self._session.write(
            lambda tx: tx.run(cypher.DELETE_WEBHOOK, tenant=tenant, id=webhook_id).single()
        )
        return bool(record and record["deleted"])

    # -- delivery --------------------------------------------------------------------------

    def claim_deliveries(
        self, now: float, lease_seconds: float, limit: int, token: str
    ) -> list[Delivery]:
        rows = self._session.write(
            lambda tx: collected(
                tx, cypher.CLAIM_DELIVERIES, now=now, lease=lease_seconds, limit=limit, token=token
            )
        )
        return [
            Delivery(e, t, h, url, secret, body, int(n), token)
            for e, t, h, url, secret, body, n in rows
        ]

    def finish_delivery(self, delivery: Delivery, outcome: Outcome, at: str) -> None:
        state = "delivered" if outcome.ok else ("parked" if outcome.parked else "pending")
        self._session.write(
            lambda tx: tx.run(
                cypher.FINISH_DELIVERY,
                id=delivery.event_id,
                token=delivery.token,
                state=state,
                at=at,
                error=None if outcome.ok else (outcome.error or "")[:500],
                retry_at=outcome.retry_at,
            ).consume()
        )
