"""Intake endpoints: batches validated per record, valid records written in one transaction."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from app.deps import IngestTenantDep, SettingsDep, StoreDep
from app.errors import ApiError
from app.schemas import DealBatch, IngestResult, PeopleBatch, Problem, rejected_out
from ingest.batches import prepare_deals, prepare_people

router = APIRouter(prefix="/v1/ingest", tags=["ingest"])
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem},
    403: {"model": Problem},
    413: {"model": Problem},
    422: {"model": Problem},
    503: {"model": Problem},
}


def _check_size(field: str, count: int, limit: int) -> None:
    if count > limit:
        raise ApiError(
            422,
            "batch-too-large",
            "Batch too large",
            f"{count} records in one batch; the limit is {limit}. Nothing was written.",
            [{"field": field, "message": f"at most {limit} records per batch"}],
        )


@router.post("/deals", response_model=IngestResult, responses=ERRORS)
def ingest_deals(
    batch: DealBatch, tenant: IngestTenantDep, store: StoreDep, settings: SettingsDep
) -> IngestResult:
    """Upsert deals with their accounts and participants.

    Sending the same batch twice answers all `unchanged`; a changed deal
    (stage, amount, participants, ...) is `updated`.
    """
    _check_size("deals", len(batch.deals), settings.max_batch)
    prepared = prepare_deals(batch.deals, source=batch.source)
    counts = store.upsert_deals(tenant, prepared.records)
    return IngestResult(
        created=counts.created,
        updated=counts.updated,
        unchanged=counts.unchanged,
        rejected=rejected_out(prepared.rejected),
    )


@router.post("/people", response_model=IngestResult, responses=ERRORS)
def ingest_people(
    batch: PeopleBatch, tenant: IngestTenantDep, store: StoreDep, settings: SettingsDep
) -> IngestResult:
    """Upsert the contacts known at accounts, whether or not they sat in a deal yet."""
    _check_size("people", len(batch.people), settings.max_batch)
    prepared = prepare_people(batch.people)
    counts = store.upsert_people(tenant, prepared.records)
    return IngestResult(
        created=counts.created,
        updated=counts.updated,
        unchanged=counts.unchanged,
        rejected=rejected_out(prepared.rejected),
    )
