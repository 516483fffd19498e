"""Signals, newest first, with cursor paging (read scope)."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from app.deps import ReadTenantDep, StoreDep
from app.schemas import Problem, SignalList, SignalOut
from graph.errors import InvalidInput
from graph.signals import SIGNAL_KINDS
from graph.webhooks import signal_item

router = APIRouter(prefix="/v1/signals", tags=["signals"])
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem},
    401: {"model": Problem},
    403: {"model": Problem},
    422: {"model": Problem},
    503: {"model": Problem},
}


def encode_cursor(position: tuple[str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(position)).encode()).decode().rstrip("=")


def since_instant(since: str) -> str:
    """An ISO date or date-time as stored signals are stamped (UTC, seconds), so that they
    compare as text: a date is its midnight UTC, a time without offset is UTC."""
    try:
        moment = datetime.fromisoformat(since.replace("Z", "+00:00"))
    except ValueError as error:
        raise InvalidInput("since", "an ISO date or date-time, e.g. 2026-12-01") from error
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def decode_cursor(cursor: str) -> tuple[str, str]:
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        at, last = raw
        if not isinstance(at, str) or not isinstance(last, str):
            raise ValueError(cursor)
    except (ValueError, TypeError, binascii.Error) as error:
        raise InvalidInput("cursor", "not a cursor this endpoint gave") from error
    return at, last


@router.get("", response_model=SignalList, responses=ERRORS)
def list_signals(
    tenant: ReadTenantDep,
    store: StoreDep,
    since: Annotated[
        str | None, Query(max_length=40, description="ISO date or date-time; inclusive.")
    ] = None,
    kind: Annotated[str | None, Query(max_length=40)] = None,
    account_id: Annotated[str | None, Query(max_length=200)] = None,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> SignalList:
    """Signals found as data arrived, newest first; `next_cursor` pages to older ones."""
    if kind is not None and kind not in SIGNAL_KINDS:
        raise InvalidInput("kind", f"kind must be one of {', '.join(SIGNAL_KINDS)}")
    page = store.signals(
        tenant,
        since=since_instant(since) if since else None,
        kind=kind,
        account_id=account_id,
        before=decode_cursor(cursor) if cursor else None,
        limit=limit,
    )
    return SignalList(
        items=[SignalOut.model_validate(signal_item(s)) for s in page.items],
        next_cursor=encode_cursor(page.next_cursor) if page.next_cursor else None,
    )
