"""Salesforce exports and org backups (API field names) → contacts, deals and activities.

Account, Contact, Opportunity are required; OpportunityContactRole is optional
(real orgs barely fill it). The committee mostly lives in activities: Task and
TaskRelation, Event and EventRelation, EmailMessage and EmailMessageRelation. Ids
are keyed in their 18-character form (ingest.crm.salesforce_ids), so that a
15-character id in an activity finds its 18-character contact. Leads (00Q) and
users (005) in an activity are not the account's contacts and are left out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

from graph.models import Outcome
from ingest.crm.csvfiles import (
    CsvTable,
    Located,
    Row,
    clip_text,
    parse_bool,
    parse_date,
    parse_moment,
    parse_number,
)
from ingest.crm.importer import ContactExport, FileRead
from ingest.crm.salesforce_campaigns import campaign_targets
from ingest.crm.salesforce_ids import ACCOUNT, CONTACT, LEAD, OPPORTUNITY, USER, kind_of, sf_id
from ingest.crm.stages import StageReader
from ingest.regions import region_of_country

SOURCE = "salesforce"
# Upload field / report name → the Salesforce object its file holds.
OBJECTS = {
    "accounts": "Account",
    "opportunities": "Opportunity",
    "contacts": "Contact",
    "contact_roles": "OpportunityContactRole",
    "tasks": "Task",
    "task_relations": "TaskRelation",
    "events": "Event",
    "event_relations": "EventRelation",
    "email_messages": "EmailMessage",
    "email_message_relations": "EmailMessageRelation",
    "campaigns": "Campaign",
    "campaign_members": "CampaignMember",
    "leads": "Lead",
}
REQUIRED = ("accounts", "opportunities", "contacts")
COLUMNS = {
    "accounts": ("Id", "Name"),
    "opportunities": ("Id", "AccountId", "StageName"),
    "contacts": ("Id", "AccountId"),
    "contact_roles": ("OpportunityId", "ContactId"),
    "tasks": ("Id",),
    "task_relations": ("TaskId", "RelationId"),
    "events": ("Id",),
    "event_relations": ("EventId", "RelationId"),
    "email_messages": ("Id",),
    "email_message_relations": ("EmailMessageId",),
    "campaigns": ("Id", "Name"),
    "campaign_members": ("Id", "CampaignId"),
    "leads": ("Id",),
}
REPORT_OBJECT = {
    "accounts": "accounts",
    "contacts": "contacts",
    "contact_roles": "contact roles",
    "opportunities": "deals",
    "campaigns": "outreach",
    "campaign_members": "outreach",
    "leads": "outreach",
}


def activity_kind(*labels: str | None, default: str = "task") -> str:
    """Task `TaskSubtype`/`Type` (Call, Email, ListEmail, Meeting, …) → activity kind."""
    for label in labels:
        folded = (label or "").lower().replace("-", "")
        if "call" in folded:
            return "call"
        if "email" in folded:
            return "email"
        if "meeting" in folded:
            return "meeting"
    return default


@dataclass
class _Activity:
    file: str
    line: int
    id: str
    kind: str
    occurred_at: str
    subject: str | None
    what: str | None
    account: str | None
    text: str | None
    task: str | None = None  # an e-mail's Task (Enhanced Email logs both)
    people: list[str] = field(default_factory=list)


@dataclass
class SalesforceExport(ContactExport):
    files_in: Mapping[str, bytes | IO[bytes]] = field(default_factory=dict)
    stage_map: dict[str, Outcome] = field(default_factory=dict)
    source: str = SOURCE
    _tables: dict[str, CsvTable] = field(default_factory=dict)
    _accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    _by_email: dict[str, str] = field(default_factory=dict)
    _roles: dict[str, list[tuple[str, str | None]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    _opportunity_accounts: dict[str, str | None] = field(default_factory=dict)
    _activities: list[_Activity] = field(default_factory=list)
    _stages: StageReader | None = None
    _day_first: bool = False

    def load_lookups(self) -> None:
        # Every header is checked before anything is read or written.
        for name, source in self.files_in.items():
            self._tables[name] = CsvTable.open(name, source, COLUMNS[name])
            self.object_of_file[name] = REPORT_OBJECT.get(name, "activities")
        self._read_accounts()
        self._read_contacts()
        if "contact_roles" in self._tables:
            self._read_roles()
        self._scan_opportunities()
        self._read_activities()
        for table in self._tables.values():
            self.files.append(FileRead.of(table, sum(1 for _ in table.rows())))

    def _table(self, name: str) -> Iterator[Row]:
        table = self._tables.get(name)
        return table.rows() if table else iter(())

    def _read_accounts(self) -> None:
        for row in self._table("accounts"):
            if not (account_id := sf_id(row.get("Id"))):
                self.problem(row.file, row.line, None, "Id", "missing account Id")
                continue
            country = row.first("BillingCountry", "ShippingCountry")
            self._accounts[account_id] = {
                "id": account_id,
                "name": row.get("Name"),
                "industry": row.get("Industry"),
                "region": row.get("Region") or region_of_country(country),
                "country": country,
                "employees": parse_number(row.get("NumberOfEmployees")),
            }

    def _read_contacts(self) -> None:
        for row in self._table("contacts"):
            self.read["contacts"] += 1
            if not (contact_id := sf_id(row.get("Id"))):
                self.problem(row.file, row.line, None, "Id", "missing contact Id")
                continue
            if parse_bool(row.get("IsDeleted")):
                self.skipped[("contacts", "deleted in Salesforce")] += 1
                continue
            name = " ".join(p for p in (row.get("FirstName"), row.get("LastName")) if p)
            email = row.get("Email")
            self._contacts[contact_id] = Located(
                row.file,
                row.line,
                {
                    "id": contact_id,
                    "name": name or row.get("Name"),
                    "title": row.get("Title"),
                    "email": email,
                    "account_id": sf_id(row.get("AccountId")),
                },
            )
            if email:
                self._by_email[email.lower()] = contact_id

    def _read_roles(self) -> None:
        for row in self._table("contact_roles"):
            opportunity = sf_id(row.get("OpportunityId"))
            contact = sf_id(row.get("ContactId"))
            record_id = row.get("Id")
            if not opportunity or not contact:
                self.problem(row.file, row.line, record_id, "OpportunityId/ContactId", "missing")
            elif contact not in self._contacts:
                self.problem(
                    row.file, row.line, record_id, "ContactId", f"unknown contact {contact}"
                )
            else:
                self._roles[opportunity].append((contact, row.get("Role")))

    def _scan_opportunities(self) -> None:
        """Opportunity → account for the activities, and the stages no flag decides,
        refused together before anything is written."""
        self._stages = StageReader(dict(self.stage_map))
        if "opportunities" in self._tables:
            self._day_first = self._tables["opportunities"].day_first("CloseDate", "CreatedDate")
        for row in self._table("opportunities"):
            opportunity = sf_id(row.get("Id"))
            if opportunity:
                self._opportunity_accounts[opportunity] = sf_id(row.get("AccountId"))
            if row.get("IsClosed") is None:
                self._stages.outcome(row.get("StageName"))
        self._stages.refuse_unknown("opportunities")

    def deals(self) -> Iterator[Located]:
        for row in self._table("opportunities"):
            self.read["deals"] += 1
            try:
                yield Located(row.file, row.line, self._deal(row))
            except ValueError as error:
                column, _, message = str(error).partition(": ")
                self.problem(row.file, row.line, row.get("Id"), column, message)

    def _outcome(self, row: Row) -> str:
        try:
            closed = parse_bool(row.get("IsClosed"))
        except ValueError as error:
            raise ValueError(f"IsClosed: {error}") from error
        try:
            won = parse_bool(row.get("IsWon"))
        except ValueError as error:
            raise ValueError(f"IsWon: {error}") from error
        if closed is None:
            assert self._stages is not None
            return self._stages.outcome(row.get("StageName")) or "open"
        return ("won" if won else "lost") if closed else "open"

    def _participant(self, contact_id: str, role: str | None) -> dict[str, Any]:
        self._used.add(contact_id)
        return {"person": self._contacts[contact_id].record, "deal_role": role}

    def _deal(self, row: Row) -> dict[str, Any]:
        opportunity_id = sf_id(row.get("Id"))
        account_id = sf_id(row.get("AccountId"))
        outcome = self._outcome(row)
        day_first = self._day_first
        try:
            closed_at = parse_date(row.get("CloseDate"), day_first) if outcome != "open" else None
            created_at = parse_date(row.get("CreatedDate"), day_first)
        except ValueError as error:
            raise ValueError(f"CloseDate/CreatedDate: {error}") from error
        roles = self._roles.get(opportunity_id or "", [])
        participants = [self._participant(c, role) for c, role in roles]
        primary = sf_id(row.get("ContactId"))
        if primary and primary in self._contacts and primary not in {c for c, _ in roles}:
            participants.append(self._participant(primary, None))
        return {
            "id": opportunity_id,
            "name": row.get("Name"),
            "account": self._accounts.get(account_id or "")
            or ({"id": account_id} if account_id else None),
            "amount": parse_number(row.get("Amount")),
            "currency": row.get("CurrencyIsoCode"),
            "stage": row.get("StageName"),
            "outcome": outcome,
            "created_at": created_at,
            "closed_at": closed_at,
            "participants": participants,
        }

    # -- activities ----------------------------------------------------------------

    def _read_activities(self) -> None:
        tasks = self._read_kind("tasks", "Task", ("ActivityDate", "CreatedDate"))
        events = self._read_kind(
            "events", "Event", ("StartDateTime", "ActivityDateTime", "ActivityDate", "CreatedDate")
        )
        self._relate("task_relations", "TaskId", tasks)
        self._relate("event_relations", "EventId", events)
        emails = self._read_kind("email_messages", "EmailMessage", ("MessageDate", "CreatedDate"))
        self._relate("email_message_relations", "EmailMessageId", emails)
        # An e-mail logged as a Task (Enhanced Email) is that task, not a second activity.
        for email in list(emails.values()):
            task = tasks.get(email.task or "")
            if task is not None:
                task.people.extend(p for p in email.people if p not in task.people)
                del emails[email.id]
        self._activities = [*tasks.values(), *events.values(), *emails.values()]

    def _read_kind(self, name: str, label: str, dates: tuple[str, ...]) -> dict[str, _Activity]:
        found: dict[str, _Activity] = {}
        table = self._tables.get(name)
        if table is None:
            return found
        day_first = table.day_first(*dates)
        for row in table.rows():
            self.read["activities"] += 1
            activity_id = sf_id(row.get("Id"))
            if not activity_id:
                self.problem(row.file, row.line, None, "Id", f"missing {label} Id")
                continue
            if parse_bool(row.get("IsDeleted")):
                self.skipped[("activities", "deleted in Salesforce")] += 1
                continue
            try:
                occurred = parse_moment(row.first(*dates), day_first)
            except ValueError as error:
                self.problem(row.file, row.line, activity_id, "/".join(dates), str(error))
                continue
            if occurred is None:
                self.problem(row.file, row.line, activity_id, "/".join(dates), "no date")
                continue
            task = None
            if label == "EmailMessage":
                kind, what = "email", sf_id(row.get("RelatedToId"))
                text, task = row.first("TextBody", "HtmlBody"), sf_id(row.get("ActivityId"))
            else:
                default = "meeting" if label == "Event" else "task"
                kind = activity_kind(row.get("TaskSubtype"), row.get("Type"), default=default)
                what, text = sf_id(row.get("WhatId")), row.get("Description")
            activity = _Activity(
                row.file,
                row.line,
                activity_id,
                kind,
                occurred,
                row.get("Subject"),
                what,
                sf_id(row.get("AccountId")),
                clip_text(text),
                task,
            )
            self._add_person(activity, sf_id(row.get("WhoId")))
            found[activity_id] = activity
        return found

    def _relate(self, name: str, key: str, activities: dict[str, _Activity]) -> None:
        for row in self._table(name):
            activity = activities.get(sf_id(row.get(key)) or "")
            if activity is None:
                continue
            relation = sf_id(row.get("RelationId"))
            if parse_bool(row.get("IsWhat")) and relation:
                activity.what = activity.what or relation
                continue
            if relation is None and (address := row.get("RelationAddress")):
                relation = self._by_email.get(address.lower())
            self._add_person(activity, relation)

    def _add_person(self, activity: _Activity, relation: str | None) -> None:
        if relation is None or relation in activity.people:
            return
        if relation in self._contacts:
            activity.people.append(relation)
        elif kind_of(relation) in (LEAD, USER):
            self.skipped[("activity people", "leads and users are not contacts")] += 1
        elif kind_of(relation) == CONTACT:
            self.skipped[("activity people", "contact not in the Contact file")] += 1

    def activities(self) -> Iterator[Located]:
        for a in self._activities:
            deal = (
                a.what
                if kind_of(a.what) == OPPORTUNITY or a.what in self._opportunity_accounts
                else None
            )
            if deal is not None and deal not in self._opportunity_accounts:
                deal = None  # an opportunity this export does not hold
            account = self._opportunity_accounts.get(deal) if deal else None
            if account is None and a.what and kind_of(a.what) == ACCOUNT:
                account = a.what
            account = account or a.account
            if account is None:
                account = next(
                    (
                        self._contacts[p].record["account_id"]
                        for p in a.people
                        if self._contacts[p].record["account_id"]
                    ),
                    None,
                )
            if deal is None and account is None:
                self.skipped[
                    ("activities", "no opportunity, account or contact of this export")
                ] += 1
                continue
            for p in a.people:
                self._used.add(p)
            yield Located(
                a.file,
                a.line,
                {
                    "id": a.id,
                    "source": SOURCE,
                    "kind": a.kind,
                    "occurred_at": a.occurred_at,
                    "subject": a.subject,
                    "deal_id": deal,
                    "account_id": account,
                    "people": [self._contacts[p].record for p in a.people],
                    "text": a.text,
                },
            )

    # -- campaigns (outreach) ------------------------------------------------------

    def outreach(self) -> Iterator[Located]:
        """Campaign members as outreach targets (ingest.crm.salesforce_campaigns)."""
        self.read["outreach"] += sum(1 for _ in self._table("campaign_members"))
        return campaign_targets(
            self._tables.get("campaigns"),
            self._tables.get("campaign_members"),
            self._tables.get("leads"),
            self._contacts,
            self,
            self.skipped,
        )
