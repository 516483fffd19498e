"""Prediction endpoints: likely committees, and the backtest that says how good they are."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from app.deps import ReadingDep, ReadTenantDep, ServicesDep
from app.schemas import BacktestIn, BacktestOut, LikelyCommitteeOut, Problem
from graph.analytics import backtest, likely_committee
from graph.models import SegmentFilter

router = APIRouter(prefix="/v1", tags=["predict"])
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem},
    401: {"model": Problem},
    403: {"model": Problem},
    404: {"model": Problem},
    422: {"model": Problem},
    503: {"model": Problem},
}
RecordIdPath = Annotated[str, Path(min_length=1, max_length=200)]
MinProbability = Annotated[
    float, Query(ge=0, le=1, description="Leave out roles less likely than this.")
]


@router.get(
    "/deals/{deal_id}/likely-committee", response_model=LikelyCommitteeOut, responses=ERRORS
)
def deal_likely_committee(
    deal_id: RecordIdPath,
    tenant: ReadTenantDep,
    services: ServicesDep,
    reading: ReadingDep,
    min_probability: MinProbability = 0.2,
) -> LikelyCommitteeOut:
    """Roles likely to take part in this deal, who fills them, the gaps and the warm paths."""
    with reading.counts(SegmentFilter(), people=True) as counts:
        result = likely_committee(
            services.store,
            counts,
            tenant,
            deal_id=deal_id,
            min_probability=min_probability,
            influence=services.influence,
            likely=services.likely,
        )
    return LikelyCommitteeOut.of(result)


@router.get(
    "/accounts/{account_id}/likely-committee",
    response_model=LikelyCommitteeOut,
    responses=ERRORS,
)
def account_likely_committee(
    account_id: RecordIdPath,
    tenant: ReadTenantDep,
    services: ServicesDep,
    reading: ReadingDep,
    amount: Annotated[float | None, Query(ge=0, le=1e13, description="Expected deal size.")] = None,
    min_probability: MinProbability = 0.2,
) -> LikelyCommitteeOut:
    """The committee an account's next deal is likely to have, from similar deals."""
    with reading.counts(SegmentFilter(), people=True) as counts:
        result = likely_committee(
            services.store,
            counts,
            tenant,
            account_id=account_id,
            amount=amount,
            min_probability=min_probability,
            influence=services.influence,
            likely=services.likely,
        )
    return LikelyCommitteeOut.of(result)


@router.post("/backtest", response_model=BacktestOut, responses=ERRORS)
def run_backtest(body: BacktestIn, tenant: ReadTenantDep, services: ServicesDep) -> BacktestOut:
    """Learn from deals closed before `as_of`, predict those after, beside two baselines.
    It reads the whole history (it asks what was known at a past date)."""
    result = backtest(
        services.store,
        tenant,
        body.as_of.isoformat(),
        body.k,
        services.influence,
        services.likely,
    )
    return BacktestOut.of(result)
