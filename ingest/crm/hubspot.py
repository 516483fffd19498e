"""HubSpot exports (deals and contacts; companies and activity exports when given) → records.

A deals export and a contacts export are enough. Companies come from the companies
export when there is one (industry, country), else from the association columns
(`Associated Company IDs` and the names beside them). The outcome comes from the
closed flags (`Is Closed Won`, `Is closed lost`, `Is Deal Closed?`) before any stage
label, so that a custom stage ("Dead Deals") is read as what the flags say. A deal
without a company takes its first contact's company, else an account of its own
marked unknown. Text association columns (`Associated Note`, …) become notes about
the deal; the calls, meetings, e-mails, notes and tasks exports become activities.

HubSpot writes enumerations both as internal values (`FINANCIAL_SERVICES`,
`closedwon`, `DECISION_MAKER`) and as labels; both forms are accepted.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any, ClassVar

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
    split_ids,
)
from ingest.crm.importer import ContactExport, FileRead
from ingest.crm.stages import StageReader
from ingest.regions import region_of_country

SOURCE = "hubspot"
ACTIVITY_FILES = {
    "calls": "call",
    "meetings": "meeting",
    "emails": "email",
    "notes": "note",
    "tasks": "task",
}
FILES = ("companies", "contacts", "deals", *ACTIVITY_FILES)
REQUIRED = ("contacts", "deals")
COLUMNS = {
    "companies": ("Record ID",),
    "contacts": ("Record ID",),
    "deals": ("Record ID", "Deal Stage"),
    **{name: ("Record ID",) for name in ACTIVITY_FILES},
}
SUBJECTS = ("Call Title", "Meeting name", "Email subject", "Task Title", "Subject", "Title")
TEXTS = (
    "Call notes",
    "Meeting description",
    "Internal meeting notes",
    "Email text",
    "Email body",
    "Note body",
    "Task notes",
    "Body",
    "Notes",
)
WHEN = ("Activity date", "Meeting start time", "Create Date", "Created at")
# Association columns that list records (ids, or the names beside them), not text.
RECORD_ASSOCIATIONS = ("company", "contact", "deal", "ticket", "line item", "quote", "product")


def industry_label(value: str | None) -> str | None:
    """`FINANCIAL_SERVICES` and `Financial Services` are the same industry."""
    if value is None:
        return None
    if value.isupper() or "_" in value:
        return " ".join(word.capitalize() for word in value.replace("_", " ").split())
    return value


def _flag(row: Row, column: str) -> bool | None:
    try:
        return parse_bool(row.get(column))
    except ValueError as error:
        raise ValueError(f"{column}: {error}") from error


def flag_outcome(row: Row) -> Outcome | None:
    """The outcome the closed flags give, or None when they do not decide it (a closed
    deal with neither won nor lost flag: its stage label must say which)."""
    won, lost = _flag(row, "Is Closed Won"), _flag(row, "Is closed lost")
    closed = _flag(row, "Is Deal Closed?")
    if won:
        return "won"
    if lost:
        return "lost"
    if closed:
        if won is False:
            return "lost"
        return "won" if lost is False else None
    if closed is False or (won is False and lost is False):
        return "open"
    return None


@dataclass
class HubSpotExport(ContactExport):
    files_in: Mapping[str, bytes | IO[bytes]] = field(default_factory=dict)
    stage_map: dict[str, Outcome] = field(default_factory=dict)
    source: str = SOURCE
    employer_word: ClassVar[str] = "company"
    _tables: dict[str, CsvTable] = field(default_factory=dict)
    _companies: dict[str, dict[str, Any]] = field(default_factory=dict)
    _buying_role: dict[str, str | None] = field(default_factory=dict)
    _stages: StageReader | None = None
    _day_first: dict[str, bool] = field(default_factory=dict)
    _notes: list[Located] = field(default_factory=list)

    def load_lookups(self) -> None:
        # Every header is checked before anything is read or written.
        for name, source in self.files_in.items():
            self._tables[name] = CsvTable.open(name, source, COLUMNS[name])
            self.object_of_file[name] = {"companies": "accounts"}.get(
                name, name if name in ("contacts", "deals") else "activities"
            )
        for name, table in self._tables.items():
            dates = ("Close Date", "Create Date", *WHEN, "Last Activity Date")
            self._day_first[name] = table.day_first(*dates)
        self._read_companies()
        self._read_contacts()
        self._scan_deals()
        for table in self._tables.values():
            self.files.append(FileRead.of(table, sum(1 for _ in table.rows())))

    def _rows(self, name: str) -> Iterator[Row]:
        table = self._tables.get(name)
        return table.rows() if table else iter(())

    def _company(self, company_id: str, name: str | None = None) -> dict[str, Any]:
        """A company known from the companies export, or from an association column."""
        company = self._companies.setdefault(company_id, {"id": company_id})
        if name and not company.get("name"):
            company["name"] = name
        return company

    def _read_companies(self) -> None:
        for row in self._rows("companies"):
            if not (company_id := row.get("Record ID")):
                self.problem(row.file, row.line, None, "Record ID", "missing company Record ID")
                continue
            country = row.get("Country/Region")
            self._companies[company_id] = {
                "id": company_id,
                "name": row.first("Company name", "Name"),
                "industry": industry_label(row.get("Industry")),
                "region": region_of_country(country),
                "country": country,
                "employees": parse_number(row.get("Number of Employees")),
            }

    def _associated(self, row: Row, what: str) -> list[str]:
        """Ids of an association column, and their names beside them where they align."""
        ids = split_ids(row.get(f"Associated {what} IDs"))
        names = [n.strip() for n in (row.get(f"Associated {what}") or "").split(";")]
        if what == "Company" and len(names) == len(ids):
            for company_id, name in zip(ids, names, strict=True):
                self._company(company_id, name or None)
        return ids

    def _read_contacts(self) -> None:
        for row in self._rows("contacts"):
            self.read["contacts"] += 1
            if not (contact_id := row.get("Record ID")):
                self.problem(row.file, row.line, None, "Record ID", "missing contact Record ID")
                continue
            companies = self._associated(row, "Company")
            if companies and row.get("Company Name"):
                self._company(companies[0], row.get("Company Name"))
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

    def _scan_deals(self) -> None:
        """Company names from the deals' association columns, and the stages neither
        a flag nor a known label decides, refused together before anything is written."""
        self._stages = StageReader(dict(self.stage_map))
        for row in self._rows("deals"):
            self._associated(row, "Company")
            try:
                decided = flag_outcome(row)
            except ValueError:
                continue  # reported with its row when the deal is read
            if decided is None:
                self._stages.outcome(row.get("Deal Stage"))
        self._stages.refuse_unknown("deals")

    def deals(self) -> Iterator[Located]:
        for row in self._rows("deals"):
            self.read["deals"] += 1
            try:
                record = self._deal(row)
            except ValueError as error:
                column, _, message = str(error).partition(": ")
                self.problem(row.file, row.line, row.get("Record ID"), column, message)
                continue
            self._association_notes(row, record)
            yield Located(row.file, row.line, record)

    def _account(self, row: Row, deal_id: str | None, contacts: list[str]) -> dict[str, Any]:
        companies = split_ids(row.get("Associated Company IDs"))
        if companies:
            return self._company(companies[0])
        for contact_id in contacts:
            employer = self._contacts[contact_id].record["account_id"]
            if employer:
                return self._company(employer)
        self.unknown_accounts += 1
        self.warn(
            row.file,
            row.line,
            deal_id,
            "Associated Company IDs",
            "no company and no contact with one; kept on an account of its own marked unknown",
        )
        return {"id": f"unknown-company-of-deal-{deal_id}", "name": f"Unknown company ({deal_id})"}

    def _deal(self, row: Row) -> dict[str, Any]:
        deal_id = row.get("Record ID")
        assert self._stages is not None
        outcome = flag_outcome(row) or self._stages.outcome(row.get("Deal Stage")) or "open"
        day_first = self._day_first["deals"]
        try:
            closed_at = parse_date(row.get("Close Date"), day_first) if outcome != "open" else None
            created_at = parse_date(row.get("Create Date"), day_first)
        except ValueError as error:
            raise ValueError(f"Close Date/Create Date: {error}") from error
        contacts = []
        for contact_id in split_ids(row.get("Associated Contact IDs")):
            if contact_id in self._contacts:
                contacts.append(contact_id)
            else:
                message = f"unknown contact {contact_id}; left out of the committee"
                self.warn(row.file, row.line, deal_id, "Associated Contact IDs", message)
        self._used.update(contacts)
        participants = [
            {"person": self._contacts[c].record, "deal_role": self._buying_role.get(c)}
            for c in contacts
        ]
        return {
            "id": deal_id,
            "name": row.get("Deal Name"),
            "account": self._account(row, deal_id, contacts),
            "amount": parse_number(row.get("Amount")),
            "currency": row.get("Currency"),
            "stage": row.get("Deal Stage"),
            "outcome": outcome,
            "created_at": created_at,
            "closed_at": closed_at,
            "participants": participants,
        }

    def _association_notes(self, row: Row, deal: dict[str, Any]) -> None:
        """`Associated Note` and the other text association columns: notes about the
        deal, dated by its last activity (else its close or create date)."""
        table = self._tables["deals"]
        when = row.first("Last Activity Date", "Close Date", "Create Date")
        for column in table.columns:
            if not column.startswith("associated ") or column.endswith(" ids"):
                continue
            what = column.removeprefix("associated ")
            if any(what.startswith(r) for r in RECORD_ASSOCIATIONS):
                continue
            text = row.get(column)
            if not text:
                continue
            try:
                occurred = parse_moment(when, self._day_first["deals"]) or date.today().isoformat()
            except ValueError:
                occurred = date.today().isoformat()
            self.read["notes"] += 1
            self._notes.append(
                Located(
                    row.file,
                    row.line,
                    {
                        "id": f"hubspot-deal-{deal['id']}-{what.replace(' ', '-')}",
                        "deal_id": deal["id"],
                        "occurred_at": occurred,
                        "text": clip_text(text),
                    },
                )
            )

    def notes(self) -> Iterator[Located]:
        yield from self._notes

    def activities(self) -> Iterator[Located]:
        for name, kind in ACTIVITY_FILES.items():
            for row in self._rows(name):
                self.read["activities"] += 1
                yield from self._activity(row, kind, self._day_first[name])

    def _activity(self, row: Row, kind: str, day_first: bool) -> Iterator[Located]:
        record_id = row.get("Record ID")
        try:
            occurred = parse_moment(row.first(*WHEN), day_first)
        except ValueError as error:
            self.problem(row.file, row.line, record_id, "Activity date", str(error))
            return
        if not record_id or not occurred:
            self.problem(row.file, row.line, record_id, "Record ID/Activity date", "missing")
            return
        people = [c for c in split_ids(row.get("Associated Contact IDs")) if c in self._contacts]
        deals = [d for d in split_ids(row.get("Associated Deal IDs")) if d in self.deal_accounts]
        companies = split_ids(row.get("Associated Company IDs"))
        if (
            not deals
            and not companies
            and not any(self._contacts[c].record["account_id"] for c in people)
        ):
            self.skipped[("activities", "no deal, company or placed contact of this export")] += 1
            return
        self._used.update(people)
        base = {
            "source": SOURCE,
            "kind": kind,
            "occurred_at": occurred,
            "subject": row.first(*SUBJECTS),
            "account_id": companies[0] if companies else None,
            "people": [self._contacts[c].record for c in people],
            "text": clip_text(row.first(*TEXTS)),
        }
        # One activity per deal it is associated with (an activity names one deal).
        for n, deal_id in enumerate(deals or [None]):
            activity_id = record_id if n == 0 else f"{record_id}:{deal_id}"
            yield Located(row.file, row.line, {**base, "id": activity_id, "deal_id": deal_id})
