"""HubSpot exports (companies, contacts, deals with association columns) → records.

HubSpot writes enumerations both as internal values (`FINANCIAL_SERVICES`,
`closedwon`, `DECISION_MAKER`) and as labels (`Financial Services`, `Closed Won`,
`Decision maker`); both forms are accepted.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from ingest.crm.csvfiles import (
    CsvTable,
    Located,
    Row,
    RowProblem,
    parse_date,
    parse_number,
    split_ids,
)
from ingest.regions import region_of_country

SOURCE = "hubspot"
FILES = ("companies", "contacts", "deals")


def industry_label(value: str | None) -> str | None:
    """`FINANCIAL_SERVICES` and `Financial Services` are the same industry."""
    if value is None:
        return None
    if value.isupper() or "_" in value:
        return " ".join(word.capitalize() for word in value.replace("_", " ").split())
    return value


def deal_outcome(stage: str | None) -> str:
    folded = (stage or "").replace(" ", "").replace("_", "").lower()
    if folded in {"closedwon", "won"}:
        return "won"
    if folded in {"closedlost", "lost"}:
        return "lost"
    return "open"


@dataclass
class HubSpotExport:
    companies: IO[str]
    contacts: IO[str]
    deals_file: IO[str]
    problems: list[RowProblem] = field(default_factory=list)
    _companies: dict[str, dict[str, Any]] = field(default_factory=dict)
    _contacts: dict[str, Located] = field(default_factory=dict)
    _buying_role: dict[str, str | None] = field(default_factory=dict)
    _deals: CsvTable | None = None

    source = SOURCE

    def load_lookups(self) -> None:
        # Every header is checked before anything is read or written.
        company_table = CsvTable("companies", self.companies, ("Record ID", "Company name"))
        contacts = CsvTable("contacts", self.contacts, ("Record ID",))
        self._deals = CsvTable(
            "deals", self.deals_file, ("Record ID", "Deal Stage", "Associated Company IDs")
        )
        for row in company_table.rows():
            if not (company_id := row.get("Record ID")):
                self._problem(row, None, "Record ID", "missing company Record ID")
                continue
            country = row.get("Country/Region")
            self._companies[company_id] = {
                "id": company_id,
                "name": row.get("Company name"),
                "industry": industry_label(row.get("Industry")),
                "region": region_of_country(country),
                "country": country,
                "employees": parse_number(row.get("Number of Employees")),
            }
        for row in contacts.rows():
            if not (contact_id := row.get("Record ID")):
                self._problem(row, None, "Record ID", "missing contact Record ID")
                continue
            companies = split_ids(row.get("Associated Company IDs"))
            name = " ".join(p for p in (row.get("First Name"), row.get("Last Name")) if p)
            self._contacts[contact_id] = Located(
                row.file,
                row.line,
                {
                    "id": contact_id,
                    "name": name or None,
                    "title": row.get("Job Title"),
                    "email": row.get("Email"),
                    "account_id": companies[0] if companies else None,
                },
            )
            roles = split_ids(row.get("Buying Role"))
            self._buying_role[contact_id] = roles[0] if roles else None

    def _problem(self, row: Row, record_id: str | None, column: str, message: str) -> None:
        self.problems.append(RowProblem(row.file, row.line, record_id, column, message))

    def people(self) -> Iterator[Located]:
        yield from self._contacts.values()

    def deals(self) -> Iterator[Located]:
        assert self._deals is not None, "load_lookups() first"
        for row in self._deals.rows():
            try:
                record = self._deal(row)
            except ValueError as error:
                column, _, message = str(error).partition(": ")
                self._problem(row, row.get("Record ID"), column, message)
                continue
            if record is not None:
                yield Located(row.file, row.line, record)

    def _deal(self, row: Row) -> dict[str, Any] | None:
        deal_id = row.get("Record ID")
        companies = split_ids(row.get("Associated Company IDs"))
        if not companies:
            raise ValueError("Associated Company IDs: a deal needs its company")
        outcome = deal_outcome(row.get("Deal Stage"))
        try:
            closed_at = parse_date(row.get("Close Date")) if outcome != "open" else None
            created_at = parse_date(row.get("Create Date"))
        except ValueError as error:
            raise ValueError(f"Close Date/Create Date: {error}") from error
        participants = []
        for contact_id in split_ids(row.get("Associated Contact IDs")):
            contact = self._contacts.get(contact_id)
            if contact is None:
                self._problem(
                    row,
                    deal_id,
                    "Associated Contact IDs",
                    f"unknown contact {contact_id}; left out of the committee",
                )
                continue
            participants.append(
                {"person": contact.record, "deal_role": self._buying_role.get(contact_id)}
            )
        return {
            "id": deal_id,
            "name": row.get("Deal Name"),
            "account": self._companies.get(companies[0], {"id": companies[0]}),
            "amount": parse_number(row.get("Amount")),
            "stage": row.get("Deal Stage"),
            "outcome": outcome,
            "created_at": created_at,
            "closed_at": closed_at,
            "participants": participants,
        }
