"""Intake endpoints: batches validated per record, valid records written in one transaction."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, UploadFile

from app.deps import IngestTenantDep, SettingsDep, StoreDep
from app.errors import ApiError
from app.schemas import (
    CrmIngestResult,
    DealBatch,
    IngestResult,
    NoteBatch,
    NotesResult,
    PeopleBatch,
    Problem,
    rejected_out,
)
from ingest.batches import prepare_deals, prepare_people
from ingest.crm.csvfiles import text_stream
from ingest.crm.hubspot import HubSpotExport
from ingest.crm.importer import run_import
from ingest.crm.salesforce import SalesforceExport
from ingest.notes.intake import prepare_notes

router = APIRouter(prefix="/v1/ingest", tags=["ingest"])
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem},
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


@router.post("/notes", response_model=NotesResult, responses=ERRORS)
def ingest_notes(
    batch: NoteBatch, tenant: IngestTenantDep, store: StoreDep, settings: SettingsDep
) -> NotesResult:
    """Find the people a note names, match them to the account's contacts, read their
    stance, and add them to the deal's committee (`source: note`) with the sentence as
    evidence. Sending the same notes again changes nothing."""
    _check_size("notes", len(batch.notes), settings.max_batch)
    prepared = prepare_notes(batch.notes, store, tenant)
    counts = store.upsert_notes(tenant, prepared.records)
    return NotesResult.of(prepared, counts)


CsvFile = Annotated[UploadFile, File(description="A CSV export, UTF-8, header row first.")]


@router.post("/salesforce", response_model=CrmIngestResult, responses=ERRORS)
def ingest_salesforce(
    accounts: CsvFile,
    opportunities: CsvFile,
    contacts: CsvFile,
    contact_roles: CsvFile,
    tenant: IngestTenantDep,
    store: StoreDep,
    settings: SettingsDep,
) -> CrmIngestResult:
    """Salesforce's standard exports with API field names (Account, Opportunity, Contact,
    OpportunityContactRole). Extra columns are ignored; the region comes from the country."""
    export = SalesforceExport(
        accounts=text_stream(accounts.file),
        opportunities=text_stream(opportunities.file),
        contacts=text_stream(contacts.file),
        contact_roles=text_stream(contact_roles.file),
    )
    report = run_import(export, tenant, store, store, batch_size=min(settings.max_batch, 1000))
    return CrmIngestResult.of(report)


@router.post("/hubspot", response_model=CrmIngestResult, responses=ERRORS)
def ingest_hubspot(
    companies: CsvFile,
    contacts: CsvFile,
    deals: CsvFile,
    tenant: IngestTenantDep,
    store: StoreDep,
    settings: SettingsDep,
) -> CrmIngestResult:
    """HubSpot's exports of companies, contacts and deals, with their association columns."""
    export = HubSpotExport(
        companies=text_stream(companies.file),
        contacts=text_stream(contacts.file),
        deals_file=text_stream(deals.file),
    )
    report = run_import(export, tenant, store, store, batch_size=min(settings.max_batch, 1000))
    return CrmIngestResult.of(report)
