"""Key management (admin scope). The root key manages every tenant's keys; a tenant's
admin key manages its own tenant's."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from app.auth import issue_key
from app.deps import AdminDep, StoreDep
from app.errors import ApiError
from app.schemas import KeyCreated, KeyIn, KeyList, KeyOut, Problem
from graph.errors import NotFound

router = APIRouter(prefix="/v1/keys", tags=["keys"])
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem},
    401: {"model": Problem},
    403: {"model": Problem},
    422: {"model": Problem},
    503: {"model": Problem},
}


@router.post("", response_model=KeyCreated, status_code=201, responses=ERRORS)
def create_key(body: KeyIn, principal: AdminDep, store: StoreDep) -> KeyCreated:
    """A new key for a tenant; the answer shows the key once, only its hash is kept."""
    tenant = body.tenant or principal.tenant
    if tenant != principal.tenant and not principal.is_root:
        raise ApiError(
            403, "forbidden", "Forbidden", "Only the root key makes keys for another tenant."
        )
    record, secret = issue_key(store, tenant, list(body.scopes))
    return KeyCreated(**KeyOut.of(record).model_dump(), key=secret)


@router.get("", response_model=KeyList, responses=ERRORS)
def list_keys(
    principal: AdminDep,
    store: StoreDep,
    tenant: Annotated[str | None, Query(max_length=64)] = None,
) -> KeyList:
    """Keys without their secrets: the root key sees every tenant's (or `tenant`'s)."""
    wanted = tenant if principal.is_root else principal.tenant
    return KeyList(items=[KeyOut.of(k) for k in store.list_keys(wanted)])


@router.delete("/{key_id}", status_code=204, responses={**ERRORS, 404: {"model": Problem}})
def revoke_key(
    key_id: Annotated[str, Path(min_length=1, max_length=64)],
    principal: AdminDep,
    store: StoreDep,
) -> Response:
    """Revoke a key: it stops working at once."""
    key = store.get_key(key_id)
    if key is None or key.revoked_at or (key.tenant != principal.tenant and not principal.is_root):
        raise NotFound("key", key_id)
    store.revoke_key(key_id, datetime.now(UTC).isoformat(timespec="seconds"))
    return Response(status_code=204)
