"""Webhooks of a tenant (admin scope: they send its data elsewhere); the secret is shown once."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Path, Response

from app.deps import AdminDep, SettingsDep, StoreDep
from app.schemas import (
    ParkedEventOut,
    Problem,
    WebhookCreated,
    WebhookIn,
    WebhookList,
    WebhookOut,
)
from app.webhooks import UnsafeUrl, check_url
from graph.errors import InvalidInput, NotFound
from graph.webhooks import Webhook, WebhookStatus
from graph.writing import now_iso

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem},
    401: {"model": Problem},
    403: {"model": Problem},
    422: {"model": Problem},
    503: {"model": Problem},
}


def _out(status: WebhookStatus) -> WebhookOut:
    return WebhookOut(
        id=status.id,
        url=status.url,
        events=list(status.events),
        created_at=status.created_at,
        pending=status.pending,
        delivered=status.delivered,
        parked=status.parked,
        last_error=status.last_error,
        parked_events=[
            ParkedEventOut(
                event_id=e.event_id,
                signal_id=e.signal_id,
                attempts=e.attempts,
                last_error=e.last_error,
            )
            for e in status.parked_events
        ],
    )


@router.post(
    "",
    response_model=WebhookCreated,
    status_code=201,
    responses={**ERRORS, 413: {"model": Problem}},
)
def create_webhook(
    body: WebhookIn, principal: AdminDep, store: StoreDep, settings: SettingsDep
) -> WebhookCreated:
    """Register a receiver of the tenant's signals; the answer shows the signing secret once."""
    try:
        check_url(body.url, settings)
    except UnsafeUrl as error:
        raise InvalidInput("url", str(error)) from error
    hook = Webhook(
        id=f"wh_{secrets.token_hex(8)}",
        tenant=principal.tenant,
        url=body.url,
        events=tuple(sorted(set(body.events))),
        secret=f"whsec_{secrets.token_urlsafe(32)}",
        created_at=now_iso(),
    )
    store.create_webhook(hook)
    return WebhookCreated(
        id=hook.id,
        url=hook.url,
        events=list(hook.events),
        created_at=hook.created_at,
        secret=hook.secret,
    )


@router.get("", response_model=WebhookList, responses=ERRORS)
def list_webhooks(principal: AdminDep, store: StoreDep) -> WebhookList:
    """The tenant's webhooks with what they delivered, what waits, what is parked and why."""
    return WebhookList(items=[_out(s) for s in store.webhooks(principal.tenant)])


@router.delete("/{webhook_id}", status_code=204, responses={**ERRORS, 404: {"model": Problem}})
def delete_webhook(
    webhook_id: Annotated[str, Path(min_length=1, max_length=64)],
    principal: AdminDep,
    store: StoreDep,
) -> Response:
    """Stop delivering to a webhook; what it still had to receive is dropped."""
    if not store.delete_webhook(principal.tenant, webhook_id):
        raise NotFound("webhook", webhook_id)
    return Response(status_code=204)
