"""Read endpoints: committees and influence rankings."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from app.deps import ReadingDep, ReadTenantDep, ServicesDep, StoreDep
from app.schemas import (
    DealCommitteeOut,
    PeopleRankingOut,
    Problem,
    RoleRankingOut,
    SegmentCommitteeOut,
)
from graph.analytics import committee_of_segment, rank_people, rank_roles
from graph.errors import InvalidInput, NotFound
from graph.influence import Direction
from graph.models import SegmentFilter

router = APIRouter(prefix="/v1", tags=["read"])
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem},
    403: {"model": Problem},
    422: {"model": Problem},
    503: {"model": Problem},
}

Industry = Annotated[str | None, Query(max_length=200, description="Case-insensitive.")]
Region = Annotated[str | None, Query(max_length=200, description="Case-insensitive.")]
MinAmount = Annotated[float | None, Query(ge=0, le=1e13)]
MaxAmount = Annotated[float | None, Query(ge=0, le=1e13)]
DirectionQ = Annotated[Direction, Query(description="positive: champions; negative: blockers.")]
Limit = Annotated[int, Query(ge=1, le=200)]
MinDeals = Annotated[
    int, Query(ge=1, le=100_000, description="Fewest deals an item must have sat in.")
]
RecordIdPath = Annotated[str, Path(min_length=1, max_length=200)]


def segment_query(
    industry: Industry = None,
    region: Region = None,
    min_amount: MinAmount = None,
    max_amount: MaxAmount = None,
) -> SegmentFilter:
    """The segment filters every segment read takes, as one group."""
    if min_amount is not None and max_amount is not None and min_amount > max_amount:
        raise InvalidInput("min_amount", "min_amount is greater than max_amount")
    return SegmentFilter(
        industry=industry or None,
        region=region or None,
        min_amount=min_amount,
        max_amount=max_amount,
    )


SegmentDep = Annotated[SegmentFilter, Depends(segment_query)]


@router.get(
    "/deals/{deal_id}/committee",
    response_model=DealCommitteeOut,
    responses={**ERRORS, 404: {"model": Problem}},
)
def deal_committee(
    deal_id: RecordIdPath, tenant: ReadTenantDep, store: StoreDep
) -> DealCommitteeOut:
    """Who sat in this deal, with roles, stances and evidence."""
    committee = store.deal_committee(tenant, deal_id)
    if committee is None:
        raise NotFound("deal", deal_id)
    return DealCommitteeOut.of(committee)


@router.get("/segments/committee", response_model=SegmentCommitteeOut, responses=ERRORS)
def segment_committee(reading: ReadingDep, segment: SegmentDep) -> SegmentCommitteeOut:
    """The typical committee of a segment's closed deals: roles, presence, sizes."""
    with reading.counts(segment) as counts:
        return SegmentCommitteeOut.of(segment, committee_of_segment(counts, segment))


@router.get("/influencers/roles", response_model=RoleRankingOut, responses=ERRORS)
def influencer_roles(
    services: ServicesDep,
    reading: ReadingDep,
    segment: SegmentDep,
    direction: DirectionQ = "positive",
    limit: Limit = 20,
    min_deals: MinDeals = 3,
) -> RoleRankingOut:
    """Roles ranked by their size-adjusted, shrunk effect on the win rate."""
    with reading.counts(segment) as counts:
        ranking = rank_roles(counts, segment, direction, min_deals, limit, services.influence)
    return RoleRankingOut.of(ranking, direction)


@router.get("/influencers/people", response_model=PeopleRankingOut, responses=ERRORS)
def influencer_people(
    tenant: ReadTenantDep,
    services: ServicesDep,
    reading: ReadingDep,
    segment: SegmentDep,
    role: Annotated[str | None, Query(max_length=100)] = None,
    direction: DirectionQ = "positive",
    limit: Limit = 20,
    min_deals: MinDeals = 3,
    graph: Annotated[
        bool, Query(description="Add `bridging` (betweenness); slow on large segments.")
    ] = False,
) -> PeopleRankingOut:
    """People ranked by their effect on the win rate; audience is shown, never ranked on."""
    with reading.counts(segment, people=True) as counts:
        ranking = rank_people(
            counts,
            services.store,
            tenant,
            segment,
            role or None,
            direction,
            min_deals,
            limit,
            services.influence,
            graph_measures=graph,
        )
    return PeopleRankingOut.of(ranking, direction)
