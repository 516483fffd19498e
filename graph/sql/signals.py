"""The SQL adapter's signals, webhooks and outbox (graph.webhooks.SignalStore).

Tables (migrations/sql/versions/0009_signals.py): `signal_arrivals` (what each
write brought, until detection has run over it), `signals`, `webhooks` and
`outbox` (one row per event and webhook, with its attempts and lease).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Float,
    Index,
    Integer,
    String,
    Table,
    Text,
    and_,
    delete,
    func,
    or_,
    select,
    tuple_,
    update,
)

from graph.signals import Signal, forget_in_arrivals, names_person
from graph.sql.db import Database, chunks
from graph.sql.schema import metadata
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

signal_arrivals = Table(
    "signal_arrivals",
    metadata,
    Column("tenant", String(100), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("payload", Text, nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("lease_token", String(40)),
    Column("leased_until", Float),
)

signals = Table(
    "signals",
    metadata,
    Column("tenant", String(100), primary_key=True),
    Column("id", String(40), primary_key=True),
    Column("kind", String(40), nullable=False),
    Column("account_id", String(200)),
    Column("deal_id", String(200)),
    Column("person_id", String(200)),
    Column("score", Float, nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("item", Text, nullable=False),
    Index("ix_signals_newest", "tenant", "created_at", "id"),
)

webhooks = Table(
    "webhooks",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("tenant", String(100), nullable=False),
    Column("url", Text, nullable=False),
    Column("events", String(200), nullable=False),
    Column("secret", String(100), nullable=False),
    Column("created_at", String(40), nullable=False),
    Index("ix_webhooks_tenant", "tenant"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", String(120), primary_key=True),
    Column("tenant", String(100), nullable=False),
    Column("webhook_id", String(40), nullable=False),
    Column("signal_id", String(40), nullable=False),
    Column("body", Text, nullable=False),
    Column("state", String(10), nullable=False),  # pending, delivered, parked
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", Float, nullable=False),
    Column("lease_token", String(40)),
    Column("leased_until", Float),
    Column("last_error", Text),
    Column("created_at", String(40), nullable=False),
    Column("finished_at", String(40)),
    Index("ix_outbox_due", "state", "next_attempt_at"),
    Index("ix_outbox_webhook", "tenant", "webhook_id", "state"),
)


class SqlArrivalWrites:
    """The write-transaction primitive of graph.signals.ArrivalTx (mixed into SqlWriteTx)."""

    _conn: Connection
    _tenant: str

    def put_arrivals(self, version: int, payload: str, at: str) -> None:
        self._conn.execute(
            signal_arrivals.insert().values(
                tenant=self._tenant, version=version, payload=payload, created_at=at
            )
        )

    def forget_in_signals(self, person_id: str, terms: list[str]) -> int:
        tenant = self._tenant
        rows = self._conn.execute(
            select(signals.c.id, signals.c.item).where(signals.c.tenant == tenant)
        ).all()
        gone = [r.id for r in rows if names_person(r.item, person_id, terms)]
        for chunk in chunks(gone):
            self._conn.execute(
                delete(outbox).where(outbox.c.tenant == tenant, outbox.c.signal_id.in_(chunk))
            )
            self._conn.execute(
                delete(signals).where(signals.c.tenant == tenant, signals.c.id.in_(chunk))
            )
        t = signal_arrivals
        for r in self._conn.execute(
            select(t.c.version, t.c.payload).where(t.c.tenant == tenant)
        ).all():
            forgotten = forget_in_arrivals(r.payload, person_id, terms)
            if forgotten != r.payload:
                self._conn.execute(
                    update(t)
                    .where(t.c.tenant == tenant, t.c.version == r.version)
                    .values(payload=forgotten)
                )
        return len(gone)


def _free(table: Table, now: float) -> Any:
    return or_(table.c.leased_until.is_(None), table.c.leased_until < now)


class SqlSignals:
    _db: Database

    # -- detection -------------------------------------------------------------------------

    def claim_arrivals(
        self, now: float, lease_seconds: float, limit: int, token: str
    ) -> list[PendingArrivals]:
        t = signal_arrivals
        with self._db.writing() as conn:
            keys = conn.execute(
                select(t.c.tenant, t.c.version)
                .where(_free(t, now))
                .order_by(t.c.tenant, t.c.version)
                .limit(limit)
            ).all()
            if not keys:
                return []
            conn.execute(
                update(t)
                .where(tuple_(t.c.tenant, t.c.version).in_([tuple(k) for k in keys]), _free(t, now))
                .values(lease_token=token, leased_until=now + lease_seconds)
            )
            rows = conn.execute(
                select(t.c.tenant, t.c.version, t.c.payload)
                .where(t.c.lease_token == token)
                .order_by(t.c.tenant, t.c.version)
            ).all()
        return [PendingArrivals(r.tenant, r.version, r.payload) for r in rows]

    def pending_arrivals(self, tenant: str) -> int:
        with self._db.reading() as conn:
            return int(
                conn.execute(
                    select(func.count()).where(signal_arrivals.c.tenant == tenant)
                ).scalar_one()
            )

    def put_signals(
        self, tenant: str, found: Sequence[Signal], done_version: int | None, at: str
    ) -> list[str]:
        with self._db.writing() as conn:
            ids = [s.id for s in found]
            stored = {
                r.id
                for r in conn.execute(
                    select(signals.c.id).where(signals.c.tenant == tenant, signals.c.id.in_(ids))
                )
            }
            new = [s for s in found if s.id not in stored]
            hooks = [
                h
                for h in conn.execute(select(webhooks).where(webhooks.c.tenant == tenant))
                if SIGNAL_CREATED in h.events.split(",")
            ]
            if new:
                conn.execute(
                    signals.insert(),
                    [
                        {
                            "tenant": tenant,
                            "id": s.id,
                            "kind": s.kind,
                            "account_id": s.account_id,
                            "deal_id": s.deal_id,
                            "person_id": s.person.id if s.person else None,
                            "score": s.score,
                            "created_at": at,
                            "item": json.dumps(signal_item(s), sort_keys=True),
                        }
                        for s in new
                    ],
                )
            rows = [
                {
                    "id": event_id(s.id, h.id),
                    "tenant": tenant,
                    "webhook_id": h.id,
                    "signal_id": s.id,
                    "body": event_body(event_id(s.id, h.id), s, at),
                    "state": "pending",
                    "attempts": 0,
                    "next_attempt_at": 0.0,
                    "created_at": at,
                }
                for s in new
                for h in hooks
            ]
            if rows:
                conn.execute(outbox.insert(), rows)
            if done_version is not None:
                conn.execute(
                    delete(signal_arrivals).where(
                        signal_arrivals.c.tenant == tenant,
                        signal_arrivals.c.version == done_version,
                    )
                )
        return [s.id for s in new]

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
        query = select(signals.c.item, signals.c.created_at, signals.c.id).where(
            signals.c.tenant == tenant
        )
        if since is not None:
            query = query.where(signals.c.created_at >= since)
        if kind is not None:
            query = query.where(signals.c.kind == kind)
        if account_id is not None:
            query = query.where(signals.c.account_id == account_id)
        if before is not None:
            query = query.where(tuple_(signals.c.created_at, signals.c.id) < tuple_(*before))
        query = query.order_by(signals.c.created_at.desc(), signals.c.id.desc()).limit(limit + 1)
        with self._db.reading() as conn:
            rows = conn.execute(query).all()
        items = [
            signal_of_item({**json.loads(r.item), "created_at": r.created_at}) for r in rows[:limit]
        ]
        more = len(rows) > limit
        return SignalPage(items, (rows[limit - 1].created_at, rows[limit - 1].id) if more else None)

    # -- webhooks --------------------------------------------------------------------------

    def create_webhook(self, webhook: Webhook) -> None:
        with self._db.writing() as conn:
            conn.execute(
                webhooks.insert().values(
                    id=webhook.id,
                    tenant=webhook.tenant,
                    url=webhook.url,
                    events=",".join(webhook.events),
                    secret=webhook.secret,
                    created_at=webhook.created_at,
                )
            )

    def webhooks(self, tenant: str) -> list[WebhookStatus]:
        with self._db.reading() as conn:
            hooks = conn.execute(
                select(webhooks)
                .where(webhooks.c.tenant == tenant)
                .order_by(webhooks.c.created_at, webhooks.c.id)
            ).all()
            counts: dict[tuple[str, str], int] = {
                (r.webhook_id, r.state): r.n
                for r in conn.execute(
                    select(outbox.c.webhook_id, outbox.c.state, func.count().label("n"))
                    .where(outbox.c.tenant == tenant)
                    .group_by(outbox.c.webhook_id, outbox.c.state)
                )
            }
            errors = conn.execute(
                select(outbox.c.webhook_id, outbox.c.last_error, outbox.c.finished_at)
                .where(outbox.c.tenant == tenant, outbox.c.last_error.is_not(None))
                .order_by(outbox.c.finished_at)
            ).all()
            parked = conn.execute(
                select(outbox.c.webhook_id, outbox.c.id, outbox.c.signal_id, outbox.c.attempts)
                .add_columns(outbox.c.last_error)
                .where(outbox.c.tenant == tenant, outbox.c.state == "parked")
                .order_by(outbox.c.id)
            ).all()
        last = {r.webhook_id: r.last_error for r in errors}
        return [
            WebhookStatus(
                id=h.id,
                url=h.url,
                events=tuple(h.events.split(",")),
                created_at=h.created_at,
                pending=counts.get((h.id, "pending"), 0),
                delivered=counts.get((h.id, "delivered"), 0),
                parked=counts.get((h.id, "parked"), 0),
                last_error=last.get(h.id),
                parked_events=tuple(
                    ParkedEvent(p.id, p.signal_id, p.attempts, p.last_error)
                    for p in parked
                    if p.webhook_id == h.id
                ),
            )
            for h in hooks
        ]

    def delete_webhook(self, tenant: str, webhook_id: str) -> bool:
        with self._db.writing() as conn:
            gone = conn.execute(
                delete(webhooks).where(webhooks.c.tenant == tenant, webhooks.c.id == webhook_id)
            ).rowcount
            conn.execute(
                delete(outbox).where(outbox.c.tenant == tenant, outbox.c.webhook_id == webhook_id)
            )
        return bool(gone)

    # -- delivery --------------------------------------------------------------------------

    def claim_deliveries(
        self, now: float, lease_seconds: float, limit: int, token: str
    ) -> list[Delivery]:
        due = and_(outbox.c.state == "pending", outbox.c.next_attempt_at <= now, _free(outbox, now))
        with self._db.writing() as conn:
            ids = [
                r.id
                for r in conn.execute(
                    select(outbox.c.id).where(due).order_by(outbox.c.next_attempt_at).limit(limit)
                )
            ]
            if not ids:
                return []
            conn.execute(
                update(outbox)
                .where(outbox.c.id.in_(ids), due)
                .values(lease_token=token, leased_until=now + lease_seconds)
            )
            rows = conn.execute(
                select(outbox, webhooks.c.url, webhooks.c.secret)
                .join(webhooks, webhooks.c.id == outbox.c.webhook_id)
                .where(outbox.c.lease_token == token, outbox.c.state == "pending")
                .order_by(outbox.c.next_attempt_at, outbox.c.id)
            ).all()
        return [
            Delivery(r.id, r.tenant, r.webhook_id, r.url, r.secret, r.body, r.attempts, token)
            for r in rows
        ]

    def finish_delivery(self, delivery: Delivery, outcome: Outcome, at: str) -> None:
        if outcome.ok:
            values: dict[str, Any] = {"state": "delivered", "finished_at": at}
        else:
            values = {
                "state": "parked" if outcome.parked else "pending",
                "last_error": (outcome.error or "")[:500],
                "next_attempt_at": outcome.retry_at or 0.0,
                "finished_at": at,
            }
        with self._db.writing() as conn:
            conn.execute(
                update(outbox)
                .where(outbox.c.id == delivery.event_id, outbox.c.lease_token == delivery.token)
                .values(
                    attempts=outbox.c.attempts + 1, lease_token=None, leased_until=None, **values
                )
            )
