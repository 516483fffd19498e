"""Marketing's endpoints: outreach in, the outreach audit, the buyer brief, advocates."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse

from app.brief_text import brief_markdown
from app.deps import (
    IngestTenantDep,
    ReadingDep,
    ReadTenantDep,
    ServicesDep,
    SettingsDep,
    StoreDep,
)
from app.errors import ApiError
from app.routes.reads import SegmentDep
from app.schemas import (
    AdvocatesOut,
    AuditOut,
    BriefOut,
    IngestResult,
    OutreachBatch,
    Problem,
    rejected_out,
)
from graph.marketing import advocates, buyer_brief, outreach_audit
from ingest.outreach import prepare_outreach

router = APIRouter(prefix="/v1", tags=["marketing"])
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem},
    401: {"model": Problem},
    403: {"model": Problem},
    422: {"model": Problem},
    503: {"model": Problem},
}


@router.post(
    "/outreach", response_model=IngestResult, responses={**ERRORS, 413: {"model": Problem}}
)
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


Campaign = Annotated[
    str | None, Query(max_length=500, description="One campaign (case-insensitive).")
]


@router.get("/outreach/audit", response_model=AuditOut, responses=ERRORS)
def audit(
    tenant: ReadTenantDep,
    services: ServicesDep,
    reading: ReadingDep,
    segment: SegmentDep,
    campaign: Campaign = None,
) -> AuditOut:
    """Marketing's targets against the people who really sit in the segment's decisions:
    each target's verdict, spend by verdict, campaign and channel, and the roles and people
    with a positive effect that no target reaches (`missed`). Audience is shown beside,
    never counted as merit."""
    with reading.counts(segment, people=True) as counts:
        found = outreach_audit(
            counts, services.store, tenant, segment, campaign or None, services.influence
        )
    return AuditOut.of(found)


@router.get(
    "/segments/brief",
    response_model=BriefOut,
    responses={**ERRORS, 200: {"content": {"text/markdown": {}}}},
)
def brief(
    request: Request,
    tenant: ReadTenantDep,
    services: ServicesDep,
    reading: ReadingDep,
    segment: SegmentDep,
) -> Any:
    """The buyer brief of a segment: the job titles that buy (top roles by effect, with
    presence and interval), who sits in the room and how many, blockers, outside
    influencers, and a summary in plain sentences. JSON, or Markdown for a slide or an
    e-mail with `Accept: text/markdown`."""
    with reading.counts(segment, people=True) as counts:
        found = BriefOut.of(
            buyer_brief(counts, services.store, tenant, segment, services.influence)
        )
    if _wants_markdown(request.headers.get("accept", "")):
        return PlainTextResponse(brief_markdown(found), media_type="text/markdown; charset=utf-8")
    return found


def _wants_markdown(accept: str) -> bool:
    """Markdown only when asked for by name (a browser's `*/*` gets JSON)."""
    return any(part.split(";")[0].strip() == "text/markdown" for part in accept.split(","))


Limit = Annotated[int, Query(ge=1, le=200)]


@router.get("/advocates", response_model=AdvocatesOut, responses=ERRORS)
def list_advocates(
    tenant: ReadTenantDep,
    services: ServicesDep,
    reading: ReadingDep,
    segment: SegmentDep,
    limit: Limit = 20,
) -> AdvocatesOut:
    """Customers' people who championed or supported won deals (stances from the CRM,
    activities and notes), ranked by their effect on the win rate, with audience beside:
    a customer with 100 followers who moves deals outranks a celebrity who does not."""
    with reading.counts(segment, people=True) as counts:
        deals, found = advocates(counts, services.store, tenant, segment, limit, services.influence)
    return AdvocatesOut.of(segment, deals, found)
