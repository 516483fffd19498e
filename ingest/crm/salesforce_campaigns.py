"""Salesforce `Campaign` and `CampaignMember` (with `Lead` where present) → outreach targets.

A member is one target: its contact (ContactId, in its 18-character form) or its lead.
A lead converted to a contact (`ConvertedContactId`) is that contact; another lead is
named by its e-mail, name, company and title (from Lead.csv, or from the member's own
columns, which recent exports carry), and matched like any target. The campaign's
`Type` is the channel, its `StartDate` the date. Its cost (`ActualCost`, else
`BudgetedCost`) is spread evenly over its members, except those that carry their own
cost (a custom `Cost__c`/`Spend__c` column, or `Cost`/`Spend`), whose cost is taken
from the campaign's first.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from ingest.crm.csvfiles import CsvTable, Located, Row, parse_bool, parse_date, parse_number
from ingest.crm.salesforce_ids import sf_id

OWN_COST = ("Cost__c", "Spend__c", "Cost", "Spend")


class Problems(Protocol):
    def problem(
        self, file: str, line: int, record_id: str | None, column: str, text: str
    ) -> None: ...

    def warn(self, file: str, line: int, record_id: str | None, column: str, text: str) -> None: ...


@dataclass(frozen=True)
class Campaign:
    id: str
    name: str
    channel: str | None
    start: str | None
    cost: float | None


def _number(row: Row, *columns: str) -> float | None:
    value = parse_number(row.first(*columns))
    if value is None:
        return None
    try:
        return float(value)
    except ValueError as error:
        raise ValueError(f"{'/'.join(columns)}: {value!r} is not a number") from error


def read_campaigns(table: CsvTable | None, problems: Problems) -> dict[str, Campaign]:
    found: dict[str, Campaign] = {}
    if table is None:
        return found
    day_first = table.day_first("StartDate")
    for row in table.rows():
        campaign_id = sf_id(row.get("Id"))
        if not campaign_id:
            problems.problem(row.file, row.line, None, "Id", "missing campaign Id")
            continue
        if parse_bool(row.get("IsDeleted")):
            continue
        try:
            cost = _number(row, "ActualCost", "BudgetedCost")
            start = parse_date(row.get("StartDate"), day_first)
        except ValueError as error:
            column, _, message = str(error).partition(": ")
            problems.problem(row.file, row.line, campaign_id, column or "StartDate", message)
            continue
        if cost is None:
            problems.warn(
                row.file, row.line, campaign_id, "ActualCost", "no cost: its members count 0"
            )
        found[campaign_id] = Campaign(
            campaign_id, row.get("Name") or campaign_id, row.get("Type"), start, cost
        )
    return found


def read_leads(table: CsvTable | None) -> dict[str, dict[str, Any]]:
    """Lead id → how to name the person: the converted contact, or e-mail, name,
    company and title."""
    found: dict[str, dict[str, Any]] = {}
    if table is None:
        return found
    for row in table.rows():
        lead_id = sf_id(row.get("Id"))
        if not lead_id:
            continue
        name = " ".join(p for p in (row.get("FirstName"), row.get("LastName")) if p)
        found[lead_id] = {
            "person_id": sf_id(row.get("ConvertedContactId")),
            "email": row.get("Email"),
            "name": name or row.get("Name"),
            "company": row.get("Company"),
            "title": row.get("Title"),
        }
    return found


def _member_person(
    row: Row, contacts: Mapping[str, Located], leads: Mapping[str, dict[str, Any]]
) -> dict[str, Any]:
    own_name = " ".join(p for p in (row.get("FirstName"), row.get("LastName")) if p)
    given = {
        "email": row.get("Email"),
        "name": own_name or row.get("Name"),
        "company": row.get("CompanyOrAccount"),
        "title": row.get("Title"),
    }
    contact = sf_id(row.get("ContactId"))
    lead = sf_id(row.get("LeadId"))
    if contact:
        known = contacts.get(contact)
        person: dict[str, Any] = {"person_id": contact}
        if known is not None:
            person.update(email=known.record["email"], name=known.record["name"])
            person.update(title=known.record["title"])
        return {**{k: v for k, v in given.items() if v}, **{k: v for k, v in person.items() if v}}
    if lead:
        from_lead = {k: v for k, v in leads.get(lead, {}).items() if v}
        return {**{k: v for k, v in given.items() if v}, **from_lead}
    return {k: v for k, v in given.items() if v}


def campaign_targets(
    campaigns_table: CsvTable | None,
    members_table: CsvTable | None,
    leads_table: CsvTable | None,
    contacts: Mapping[str, Located],
    problems: Problems,
    skipped: dict[tuple[str, str], int],
) -> Iterator[Located]:
    """Each campaign member as a target record (the fields of POST /v1/outreach)."""
    if members_table is None:
        return
    campaigns = read_campaigns(campaigns_table, problems)
    leads = read_leads(leads_table)
    members: list[tuple[Row, str, Campaign, float | None]] = []
    for row in members_table.rows():
        member_id = sf_id(row.get("Id"))
        campaign = campaigns.get(sf_id(row.get("CampaignId")) or "")
        if not member_id:
            problems.problem(row.file, row.line, None, "Id", "missing campaign member Id")
            continue
        if parse_bool(row.get("IsDeleted")):
            key = ("outreach", "deleted in Salesforce")
            skipped[key] = skipped.get(key, 0) + 1
            continue
        if campaign is None:
            problems.problem(
                row.file, row.line, member_id, "CampaignId", "no such campaign in Campaign.csv"
            )
            continue
        try:
            own = _number(row, *OWN_COST)
        except ValueError as error:
            column, _, message = str(error).partition(": ")
            problems.problem(row.file, row.line, member_id, column, message)
            continue
        members.append((row, member_id, campaign, own))
    shares = _shares([(c.id, c.cost, own) for _, _, c, own in members])
    for (row, member_id, campaign, own), share in zip(members, shares, strict=True):
        record: dict[str, Any] = {
            "id": member_id,
            "campaign": campaign.name,
            "channel": campaign.channel,
            "spend": own if own is not None else share,
            "occurred_at": campaign.start,
            "status": row.get("Status")
            or ("Responded" if parse_bool(row.get("HasResponded")) else None),
            **_member_person(row, contacts, leads),
        }
        yield Located(row.file, row.line, {k: v for k, v in record.items() if v is not None})


def _shares(members: list[tuple[str, float | None, float | None]]) -> list[float]:
    """Each member's share of its campaign's cost: (cost − what members carry themselves)
    split evenly over the others, never below zero."""
    carried: dict[str, float] = {}
    sharing: dict[str, int] = {}
    for campaign, _, own in members:
        if own is None:
            sharing[campaign] = sharing.get(campaign, 0) + 1
        else:
            carried[campaign] = carried.get(campaign, 0.0) + own
    out = []
    for campaign, cost, own in members:
        if own is not None:
            out.append(own)
            continue
        left = max((cost or 0.0) - carried.get(campaign, 0.0), 0.0)
        out.append(round(left / sharing[campaign], 2))
    return out
