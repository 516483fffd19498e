"""Salesforce standard exports (API field names) → deal and contact records.

Account, Contact and OpportunityContactRole are read into lookups (they are
what opportunities join to); Opportunity, the large file, is streamed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from ingest.crm.csvfiles import (
    CsvTable,
    Located,
    Row,
    RowProblem,
    parse_bool,
    parse_date,
    parse_number,
)
from ingest.regions import region_of_country

SOURCE = "salesforce"
FILES = ("accounts", "opportunities", "contacts", "contact_roles")


@dataclass
class SalesforceExport:
    accounts: IO[str]
    opportunities: IO[str]
    contacts: IO[str]
    contact_roles: IO[str]
    problems: list[RowProblem] = field(default_factory=list)
    _accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    _contacts: dict[str, Located] = field(default_factory=dict)
    _roles: dict[str, list[tuple[str, str | None]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    _opportunities: CsvTable | None = None

    source = SOURCE

    def load_lookups(self) -> None:
        # Every header is checked before anything is read or written.
        accounts = CsvTable("accounts", self.accounts, ("Id", "Name"))
        contacts = CsvTable("contacts", self.contacts, ("Id", "AccountId"))
        roles = CsvTable("contact_roles", self.contact_roles, ("OpportunityId", "ContactId"))
        self._opportunities = CsvTable(
            "opportunities", self.opportunities, ("Id", "AccountId", "StageName")
        )
        for row in accounts.rows():
            if not (account_id := row.get("Id")):
                self._problem(row, None, "Id", "missing account Id")
                continue
            country = row.get("BillingCountry")
            self._accounts[account_id] = {
                "id": account_id,
                "name": row.get("Name"),
                "industry": row.get("Industry"),
                "region": row.get("Region") or region_of_country(country),
                "country": country,
                "employees": parse_number(row.get("NumberOfEmployees")),
            }
        for row in contacts.rows():
            if not (contact_id := row.get("Id")):
                self._problem(row, None, "Id", "missing contact Id")
                continue
            name = " ".join(p for p in (row.get("FirstName"), row.get("LastName")) if p)
            self._contacts[contact_id] = Located(
                row.file,
                row.line,
                {
                    "id": contact_id,
                    "name": name or None,
                    "title": row.get("Title"),
                    "email": row.get("Email"),
                    "account_id": row.get("AccountId"),
                },
            )
        for row in roles.rows():
            opportunity, contact = row.get("OpportunityId"), row.get("ContactId")
            if not opportunity or not contact:
                self._problem(row, row.get("Id"), "OpportunityId/ContactId", "missing reference")
            elif contact not in self._contacts:
                self._problem(row, row.get("Id"), "ContactId", f"unknown contact {contact}")
            else:
                self._roles[opportunity].append((contact, row.get("Role")))

    def _problem(self, row: Row, record_id: str | None, column: str, message: str) -> None:
        self.problems.append(RowProblem(row.file, row.line, record_id, column, message))

    def people(self) -> Iterator[Located]:
        yield from self._contacts.values()

    def deals(self) -> Iterator[Located]:
        assert self._opportunities is not None, "load_lookups() first"
        for row in self._opportunities.rows():
            try:
                yield Located(row.file, row.line, self._deal(row))
            except ValueError as error:
                column, _, message = str(error).partition(": ")
                self._problem(row, row.get("Id"), column, message)

    def _deal(self, row: Row) -> dict[str, Any]:
        opportunity_id = row.get("Id")
        account_id = row.get("AccountId")
        try:
            closed = parse_bool(row.get("IsClosed"))
        except ValueError as error:
            raise ValueError(f"IsClosed: {error}") from error
        try:
            won = parse_bool(row.get("IsWon"))
        except ValueError as error:
            raise ValueError(f"IsWon: {error}") from error
        stage = row.get("StageName")
        if closed is None and stage:
            closed = stage.lower().startswith("closed")
            won = stage.lower() == "closed won"
        outcome = ("won" if won else "lost") if closed else "open"
        try:
            closed_at = parse_date(row.get("CloseDate")) if closed else None
            created_at = parse_date(row.get("CreatedDate"))
        except ValueError as error:
            raise ValueError(f"CloseDate/CreatedDate: {error}") from error
        participants = []
        for contact_id, role in self._roles.get(opportunity_id or "", []):
            participants.append({"person": self._contacts[contact_id].record, "deal_role": role})
        return {
            "id": opportunity_id,
            "name": row.get("Name"),
            "account": self._accounts.get(account_id or "")
            or ({"id": account_id} if account_id else None),
            "amount": parse_number(row.get("Amount")),
            "currency": row.get("CurrencyIsoCode"),
            "stage": stage,
            "outcome": outcome,
            "created_at": created_at,
            "closed_at": closed_at,
            "participants": participants,
        }
