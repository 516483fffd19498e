"""Webhooks, their outbox and the signal store: what both adapters implement.

A signal and the outbox rows of its deliveries (one per webhook of the tenant) are
written in one transaction, when the signal's id is new: a crash loses neither,
and a fact found again adds neither. Workers claim what is due with a lease in
the store (`claim_*`), so that several workers never deliver one event (or detect
one write) at the same time; a worker that dies leaves a lease that runs out.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from graph.models import Person
from graph.signals import Signal

SIGNAL_CREATED = "signal.created"
EVENT_TYPES = (SIGNAL_CREATED,)


@dataclass(frozen=True)
class Webhook:
    id: str
    tenant: str
    url: str
    events: tuple[str, ...]
    secret: str
    created_at: str


@dataclass(frozen=True)
class ParkedEvent:
    event_id: str
    signal_id: str
    attempts: int
    last_error: str | None


@dataclass(frozen=True)
class WebhookStatus:
    """A webhook as `GET /v1/webhooks` shows it (never its secret)."""

    id: str
    url: str
    events: tuple[str, ...]
    created_at: str
    pending: int
    delivered: int
    parked: int
    last_error: str | None
    parked_events: tuple[ParkedEvent, ...]


@dataclass(frozen=True)
class PendingArrivals:
    """A write's arrivals claimed for detection: tenant, data version, payload."""

    tenant: str
    version: int
    payload: str


@dataclass(frozen=True)
class Delivery:
    """An outbox row claimed for one attempt."""

    event_id: str
    tenant: str
    webhook_id: str
    url: str
    secret: str
    body: str
    attempts: int
    token: str


@dataclass(frozen=True)
class Outcome:
    """What one attempt came to: delivered, due again at `retry_at`, or parked."""

    ok: bool
    error: str | None = None
    retry_at: float | None = None
    parked: bool = False


@dataclass(frozen=True)
class SignalPage:
    items: list[Signal]
    next_cursor: tuple[str, str] | None


class SignalStore(Protocol):
    def claim_arrivals(
        self, now: float, lease_seconds: float, limit: int, token: str
    ) -> list[PendingArrivals]:
        """Writes not yet run through detection whose lease is free, leased to `token`."""
        ...

    def pending_arrivals(self, tenant: str) -> int:
        """Writes of the tenant not yet run through detection (the detection backlog)."""
        ...

    def put_signals(
        self,
        tenant: str,
        signals: Sequence[Signal],
        done_version: int | None,
        at: str,
    ) -> list[str]:
        """Insert the signals whose ids are new (stamped `at`), with an outbox row for
        each webhook of the tenant that takes `signal.created` (`event_body`); forget the
        arrivals of `done_version`. One transaction; answers the new signals' ids."""
        ...

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
        """Newest first (created_at, then id, descending); `before` is the last
        (created_at, id) of the previous page."""
        ...

    def create_webhook(self, webhook: Webhook) -> None: ...

    def webhooks(self, tenant: str) -> list[WebhookStatus]: ...

    def delete_webhook(self, tenant: str, webhook_id: str) -> bool:
        """Delete the webhook and what it still had to deliver."""
        ...

    def claim_deliveries(
        self, now: float, lease_seconds: float, limit: int, token: str
    ) -> list[Delivery]:
        """Outbox rows due by `now` whose lease is free, leased to `token`."""
        ...

    def finish_delivery(self, delivery: Delivery, outcome: Outcome, at: str) -> None:
        """Record an attempt (only while the lease is still this attempt's)."""
        ...


def event_id(signal_id: str, webhook_id: str) -> str:
    """One event per signal and webhook: the receiver de-duplicates on it."""
    return f"evt_{signal_id.removeprefix('sig_')}_{webhook_id}"


def signal_item(signal: Signal) -> dict[str, Any]:
    """The signal item of DESIGN §4, as the API and the webhook deliveries show it."""
    person = signal.person
    return {
        "id": signal.id,
        "kind": signal.kind,
        "account_id": signal.account_id,
        "deal_id": signal.deal_id,
        "person": None
        if person is None
        else {
            "id": person.id,
            "name": person.name,
            "title": person.title,
            "role": person.role,
            "account_id": person.account_id,
        },
        "score": signal.score,
        "detail": signal.detail,
        "evidence": signal.evidence,
        "created_at": signal.created_at,
    }


def event_body(event: str, signal: Signal, at: str) -> str:
    """A delivery's body, frozen when the outbox row is written: every retry sends the
    same bytes (what the receiver's signature check and de-duplication rely on)."""
    data = signal_item(replace(signal, created_at=signal.created_at or at))
    return json.dumps(
        {"id": event, "type": SIGNAL_CREATED, "created_at": at, "data": data}, sort_keys=True
    )


def signal_of_item(item: dict[str, Any]) -> Signal:
    raw = item.get("person")
    person = None
    if raw is not None:
        person = Person(
            id=raw["id"],
            account_id=raw.get("account_id"),
            name=raw.get("name"),
            title=raw.get("title"),
            role=raw.get("role") or "staff.other",
        )
    return Signal(
        id=item["id"],
        kind=item["kind"],
        account_id=item.get("account_id"),
        deal_id=item.get("deal_id"),
        person=person,
        score=float(item["score"]),
        detail=item["detail"],
        evidence=item.get("evidence") or {},
        created_at=item.get("created_at") or "",
    )
