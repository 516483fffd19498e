"""Marketing's endpoints: outreach in, the outreach audit, the buyer brief, advocates."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from app.deps import IngestTenantDep, SettingsDep, StoreDep
from app.errors import ApiError
from app.schemas import IngestResult, OutreachBatch, Problem, rejected_out
from ingest.outreach import prepare_outreach

router = APIRouter(prefix="/v1", tags=["marketing"])
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem},
    403: {"model": Problem},
    422: {"model": Problem},
    503: {"model": Problem},
}


@router.post("/outreach", response_model=IngestResult, responses=ERRORS)
def ingest_outreach(
    batch: OutreachBatch, tenant: IngestTenantDep, store: StoreDep, settings: SettingsDep
) -> IngestResult:
    """Upsert outreach targets by id; each is matched to a known person by id, e-mail or
    name at the company (unmatched targets are kept as they came, never guessed).
    Sending the same batch twice answers all `unchanged`."""
    if len(batch.outreach) > settings.max_batch:
        raise ApiError(
            422,
            "batch-too-large",
            "Batch too large",
            f"{len(batch.outreach)} records in one batch; the limit is {settings.max_batch}. "
            "Nothing was written.",
            [{"field": "outreach", "message": f"at most {settings.max_batch} records per batch"}],
        )
    prepared = prepare_outreach(batch.outreach)
    counts = store.upsert_outreach(tenant, prepared.records)
    return IngestResult(
        created=counts.created,
        updated=counts.updated,
        unchanged=counts.unchanged,
        rejected=rejected_out(prepared.rejected),
    )
