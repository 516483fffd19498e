"""Intake endpoints: batches validated per record, valid records written in one transaction."""

from __future__ import annotations

from typing import IO, Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile

from app.deps import IngestTenantDep, SettingsDep, StoreDep
from app.errors import ApiError
from app.schemas import (
    ActivitiesResult,
    ActivityBatch,
    CrmIngestResult,
    DealBatch,
    IngestResult,
    NoteBatch,
    NotesResult,
    PeopleBatch,
    Problem,
    rejected_out,
)
from ingest.activities import write_activities
from ingest.batches import prepare_deals, prepare_people
from ingest.crm.hubspot import HubSpotExport
from ingest.crm.importer import run_import
from ingest.crm.salesforce import SalesforceExport
from ingest.crm.stages import parse_stage_map
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
        warnings=rejected_out(prepared.warnings),
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


CsvFile = Annotated[
    UploadFile,
    File(description="A CSV export: UTF-8 (BOM or not), Windows-1252 or Latin-1; , ; or tab."),
]
OptionalCsv = Annotated[UploadFile | None, File(description="An optional CSV export.")]
StageMap = Annotated[
    str | None,
    Form(
        description="Outcomes of stage labels the export's flags do not decide: "
        "`Dead Deals=lost; Signed=won`."
    ),
]


def _files(**uploads: UploadFile | None) -> dict[str, IO[bytes]]:
    return {name: upload.file for name, upload in uploads.items() if upload is not None}


@router.post("/activities", response_model=ActivitiesResult, responses=ERRORS)
def ingest_activities(
    batch: ActivityBatch, tenant: IngestTenantDep, store: StoreDep, settings: SettingsDep
) -> ActivitiesResult:
    """Upsert calls, meetings, e-mails and tasks. Who took part sits in the deal's
    committee (`source: activity`, the activity as evidence); an activity logged on the
    account alone counts for the account's deals open on its date; its text is read as
    a note. Sending the same batch again changes nothing."""
    _check_size("activities", len(batch.activities), settings.max_batch)
    return ActivitiesResult.of(write_activities(batch.activities, store, tenant))


@router.post("/salesforce", response_model=CrmIngestResult, responses=ERRORS)
def ingest_salesforce(
    accounts: CsvFile,
    opportunities: CsvFile,
    contacts: CsvFile,
    tenant: IngestTenantDep,
    store: StoreDep,
    settings: SettingsDep,
    contact_roles: OptionalCsv = None,
    tasks: OptionalCsv = None,
    task_relations: OptionalCsv = None,
    events: OptionalCsv = None,
    event_relations: OptionalCsv = None,
    email_messages: OptionalCsv = None,
    email_message_relations: OptionalCsv = None,
    campaigns: OptionalCsv = None,
    campaign_members: OptionalCsv = None,
    leads: OptionalCsv = None,
    stage_map: StageMap = None,
) -> CrmIngestResult:
    """Salesforce's exports with API field names: Account, Opportunity, Contact, and where
    the org has them OpportunityContactRole, Task, TaskRelation, Event, EventRelation,
    EmailMessage, EmailMessageRelation, and Campaign, CampaignMember and Lead (members
    become outreach targets, each campaign's cost spread over them). Extra columns are
    ignored; the region comes from the country."""
    export = SalesforceExport(
        files_in=_files(
            accounts=accounts,
            opportunities=opportunities,
            contacts=contacts,
            contact_roles=contact_roles,
            tasks=tasks,
            task_relations=task_relations,
            events=events,
            event_relations=event_relations,
            email_messages=email_messages,
            email_message_relations=email_message_relations,
            campaigns=campaigns,
            campaign_members=campaign_members,
            leads=leads,
        ),
        stage_map=parse_stage_map(stage_map),
    )
    report = run_import(export, tenant, store, batch_size=min(settings.max_batch, 1000))
    return CrmIngestResult.of(report)


@router.post("/hubspot", response_model=CrmIngestResult, responses=ERRORS)
def ingest_hubspot(
    contacts: CsvFile,
    deals: CsvFile,
    tenant: IngestTenantDep,
    store: StoreDep,
    settings: SettingsDep,
    companies: OptionalCsv = None,
    calls: OptionalCsv = None,
    meetings: OptionalCsv = None,
    emails: OptionalCsv = None,
    notes: OptionalCsv = None,
    tasks: OptionalCsv = None,
    stage_map: StageMap = None,
) -> CrmIngestResult:
    """HubSpot's exports of deals and contacts with their association columns; companies
    and the calls, meetings, e-mails, notes and tasks exports when given."""
    export = HubSpotExport(
        files_in=_files(
            companies=companies,
            contacts=contacts,
            deals=deals,
            calls=calls,
            meetings=meetings,
            emails=emails,
            notes=notes,
            tasks=tasks,
        ),
        stage_map=parse_stage_map(stage_map),
    )
    report = run_import(export, tenant, store, batch_size=min(settings.max_batch, 1000))
    return CrmIngestResult.of(report)
