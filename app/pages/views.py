"""Every call the pages make into the store and the analytics, in this one module.

The pages show what the API answers and compute nothing of their own: each
function here calls what the JSON route of the same question calls
(graph.analytics, the store's reads, ingest's importer) and hands back the
same `app.schemas` shapes, built with the same `.of(...)` builders. When the
analytics' signatures change, this is the one file of the pages to adapt.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal

from app.deps import Reading, Services
from app.schemas import (
    AdvocatesOut,
    AuditOut,
    BriefOut,
    CrmIngestResult,
    DealCommitteeOut,
    LikelyCommitteeOut,
    PeopleRankingOut,
    RoleRankingOut,
    SegmentCommitteeOut,
    SignalOut,
)
from graph.analytics import committee_of_segment, likely_committee, rank_people, rank_roles
from graph.errors import NotFound
from graph.marketing import advocates, buyer_brief, outreach_audit
from graph.models import SegmentFilter
from graph.ports import GraphStore
from graph.search import NameMatches
from graph.webhooks import signal_item
from ingest.crm.hubspot import HubSpotExport
from ingest.crm.importer import Export, run_import
from ingest.crm.salesforce import SalesforceExport

# The API's defaults, so that a page and its JSON route give the same answer.
MIN_PROBABILITY = 0.2  # /v1/…/likely-committee
MIN_DEALS = 3  # /v1/influencers/*
ALL_ROLES = 200  # the largest `limit` the API allows: the forest plot shows every role
PEOPLE_SHOWN = 10
ADVOCATES_SHOWN = 20  # /v1/advocates
SIGNALS_SHOWN = 10  # an account's newest signals
SEARCH_HITS = 8

CrmKind = Literal["salesforce", "hubspot"]
CRM_FILES: dict[CrmKind, tuple[str, ...]] = {
    # The form fields of POST /v1/ingest/salesforce and /v1/ingest/hubspot.
    "salesforce": (
        "accounts",
        "opportunities",
        "contacts",
        "contact_roles",
        "tasks",
        "task_relations",
        "events",
        "event_relations",
        "email_messages",
        "email_message_relations",
    ),
    "hubspot": ("contacts", "deals", "companies", "calls", "meetings", "emails", "notes", "tasks"),
}
Progress = Callable[[str, int], None]


def _reading(services: Services, tenant: str) -> Reading:
    return Reading(services, tenant)


@dataclass(frozen=True)
class DealView:
    committee: DealCommitteeOut
    likely: LikelyCommitteeOut


def deal_view(services: Services, tenant: str, deal_id: str) -> DealView:
    """GET /v1/deals/{id}/committee and GET /v1/deals/{id}/likely-committee together."""
    committee = services.store.deal_committee(tenant, deal_id)
    if committee is None:
        raise NotFound("deal", deal_id)
    with _reading(services, tenant).counts(SegmentFilter(), people=True) as counts:
        likely = likely_committee(
            services.store,
            counts,
            tenant,
            deal_id=deal_id,
            min_probability=MIN_PROBABILITY,
            influence=services.influence,
            likely=services.likely,
        )
    return DealView(DealCommitteeOut.of(committee), LikelyCommitteeOut.of(likely))


@dataclass(frozen=True)
class AccountView:
    likely: LikelyCommitteeOut
    signals: list[SignalOut]  # the account's newest first


def account_view(
    services: Services, tenant: str, account_id: str, amount: float | None
) -> AccountView:
    """GET /v1/accounts/{id}/likely-committee and GET /v1/signals?account_id=…"""
    with _reading(services, tenant).counts(SegmentFilter(), people=True) as counts:
        likely = likely_committee(
            services.store,
            counts,
            tenant,
            account_id=account_id,
            amount=amount,
            min_probability=MIN_PROBABILITY,
            influence=services.influence,
            likely=services.likely,
        )
    page = services.store.signals(
        tenant, since=None, kind=None, account_id=account_id, before=None, limit=SIGNALS_SHOWN
    )
    return AccountView(
        LikelyCommitteeOut.of(likely),
        [SignalOut.model_validate(signal_item(s)) for s in page.items],
    )


@dataclass(frozen=True)
class SegmentView:
    brief: BriefOut
    committee: SegmentCommitteeOut
    roles: RoleRankingOut  # every role with enough deals, strongest positive effect first
    champions: PeopleRankingOut
    blockers: PeopleRankingOut


def segment_view(
    services: Services, tenant: str, industry: str | None, region: str | None
) -> SegmentView:
    """GET /v1/segments/brief, /v1/segments/committee, /v1/influencers/roles and
    /v1/influencers/people (both directions) for one segment."""
    segment = SegmentFilter(industry=industry or None, region=region or None)
    with _reading(services, tenant).counts(segment, people=True) as counts:
        brief = buyer_brief(counts, services.store, tenant, segment, services.influence)
        committee = committee_of_segment(counts, segment)
        roles = rank_roles(counts, segment, "positive", MIN_DEALS, ALL_ROLES, services.influence)
        people = {
            direction: rank_people(
                counts,
                services.store,
                tenant,
                segment,
                None,
                direction,
                MIN_DEALS,
                PEOPLE_SHOWN,
                services.influence,
            )
            for direction in ("positive", "negative")
        }
    return SegmentView(
        brief=BriefOut.of(brief),
        committee=SegmentCommitteeOut.of(segment, committee),
        roles=RoleRankingOut.of(roles, "positive"),
        champions=PeopleRankingOut.of(people["positive"], "positive"),
        blockers=PeopleRankingOut.of(people["negative"], "negative"),
    )


@dataclass(frozen=True)
class MarketingView:
    audit: AuditOut
    advocates: AdvocatesOut


def marketing_view(
    services: Services,
    tenant: str,
    industry: str | None,
    region: str | None,
    campaign: str | None,
) -> MarketingView:
    """GET /v1/outreach/audit and GET /v1/advocates for one segment (and campaign)."""
    segment = SegmentFilter(industry=industry or None, region=region or None)
    with _reading(services, tenant).counts(segment, people=True) as counts:
        audit = outreach_audit(
            counts, services.store, tenant, segment, campaign or None, services.influence
        )
        deals, found = advocates(
            counts, services.store, tenant, segment, ADVOCATES_SHOWN, services.influence
        )
    return MarketingView(AuditOut.of(audit), AdvocatesOut.of(segment, deals, found))


def known_segments(services: Services, tenant: str) -> tuple[list[str], list[str]]:
    """The industries and regions of the tenant's accounts, as the accounts spell them:
    the segment form's suggestions."""
    return services.store.segment_names(tenant)


def search(services: Services, tenant: str, text: str) -> NameMatches:
    return services.store.search_names(tenant, text, SEARCH_HITS)


def import_export(
    store: GraphStore,
    tenant: str,
    kind: CrmKind,
    files: Mapping[str, Path],
    batch_size: int,
    progress: Progress,
) -> CrmIngestResult:
    """POST /v1/ingest/salesforce or /v1/ingest/hubspot, on files saved from the upload."""
    with ExitStack() as stack:
        streams: dict[str, IO[bytes]] = {
            name: stack.enter_context(files[name].open("rb"))
            for name in CRM_FILES[kind]
            if name in files
        }
        export: Export = (
            SalesforceExport(files_in=streams)
            if kind == "salesforce"
            else HubSpotExport(files_in=streams)
        )
        report = run_import(export, tenant, store, batch_size=batch_size, progress=progress)
    return CrmIngestResult.of(report)
