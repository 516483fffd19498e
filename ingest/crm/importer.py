"""One import path for every bulk source (Salesforce, HubSpot, JSONL), used by API and CLI.

Contacts go in first, then deals, then activities (and the notes their text gives),
then notes, in batches; each batch is one transaction. A bad row is reported with its
file, line and reason, and the good rows still go in. The report says, per object,
what was read, written, skipped and rejected, and what the committees now rest on
(`coverage`, ingest.crm.coverage).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import IO, ClassVar, Protocol

from graph.models import DealCoverage, UpsertCounts
from graph.outreach import OutreachWriterPort
from graph.ports import CoverageReader, DealWriter, PeopleWriter
from ingest.activities import ActivityStore, write_activities
from ingest.batches import FieldError, Rejection, prepare_deals, prepare_people
from ingest.crm.coverage import Coverage, coverage_of
from ingest.crm.csvfiles import CsvTable, Located, RowProblem
from ingest.notes.intake import prepare_notes
from ingest.outreach import prepare_outreach

DEFAULT_BATCH = 1000
OBJECTS = ("contacts", "deals", "activities", "notes", "outreach")


@dataclass(frozen=True)
class FileRead:
    """One file as the importer found it."""

    name: str
    rows: int
    encoding: str
    delimiter: str
    duplicate_columns: tuple[str, ...] = ()

    @classmethod
    def of(cls, table: CsvTable, rows: int) -> FileRead:
        return cls(table.name, rows, table.encoding, table.delimiter, tuple(table.duplicates))


@dataclass
class ExportBase:
    """What every export reports besides its records: problems (rows left out),
    warnings (rows kept with something odd), rows read and skipped per object, the
    files it read and those of the folder it does not know."""

    source: str = "import"
    problems: list[RowProblem] = field(default_factory=list)
    warnings: list[RowProblem] = field(default_factory=list)
    read: Counter[str] = field(default_factory=Counter)
    skipped: Counter[tuple[str, str]] = field(default_factory=Counter)  # (object, reason)
    files: list[FileRead] = field(default_factory=list)
    skipped_files: list[str] = field(default_factory=list)
    deal_accounts: dict[str, str] = field(default_factory=dict)  # deal id -> account id
    unknown_accounts: int = 0  # deals kept on an account of their own marked unknown
    object_of_file: dict[str, str] = field(default_factory=dict)  # file -> object it holds

    def load_lookups(self) -> None:
        return None

    def people(self) -> Iterator[Located]:
        return iter(())

    def deals(self) -> Iterator[Located]:
        return iter(())

    def activities(self) -> Iterator[Located]:
        return iter(())

    def notes(self) -> Iterator[Located]:
        return iter(())

    def outreach(self) -> Iterator[Located]:
        return iter(())

    def finish(self) -> None:
        """Called after every record was taken: count what was left unused."""
        return None

    def problem(self, file: str, line: int, record_id: str | None, column: str, text: str) -> None:
        self.problems.append(RowProblem(file, line, record_id, column, text))

    def warn(self, file: str, line: int, record_id: str | None, column: str, text: str) -> None:
        self.warnings.append(RowProblem(file, line, record_id, column, text))


@dataclass
class ContactExport(ExportBase):
    """A CRM export whose contacts may lack their employer (a private contact, one with
    no company association): such a contact goes in only as a participant of a deal or
    an activity, which places them, and is counted as skipped otherwise."""

    employer_word: ClassVar[str] = "account"  # how the CRM names a contact's employer
    _contacts: dict[str, Located] = field(default_factory=dict)
    _used: set[str] = field(default_factory=set)  # contacts a deal or activity named

    def people(self) -> Iterator[Located]:
        for contact in self._contacts.values():
            if contact.record["account_id"]:
                yield contact

    def finish(self) -> None:
        unplaced = [
            c
            for i, c in self._contacts.items()
            if not c.record["account_id"] and i not in self._used
        ]
        if unplaced:
            reason = f"no {self.employer_word}, in no deal or activity"
            self.skipped[("contacts", reason)] += len(unplaced)


class Export(Protocol):
    source: str
    problems: list[RowProblem]
    warnings: list[RowProblem]
    read: Counter[str]
    skipped: Counter[tuple[str, str]]
    files: list[FileRead]
    skipped_files: list[str]
    deal_accounts: dict[str, str]
    unknown_accounts: int
    object_of_file: dict[str, str]

    def load_lookups(self) -> None: ...

    def people(self) -> Iterator[Located]: ...

    def deals(self) -> Iterator[Located]: ...

    def activities(self) -> Iterator[Located]: ...

    def notes(self) -> Iterator[Located]: ...

    def outreach(self) -> Iterator[Located]: ...

    def finish(self) -> None: ...


class ImportStore(
    DealWriter, PeopleWriter, ActivityStore, CoverageReader, OutreachWriterPort, Protocol
):
    """What a bulk import writes to and reads its coverage from."""


@dataclass(frozen=True)
class LocatedRejection:
    file: str
    line: int
    id: str | None
    errors: tuple[FieldError, ...]


@dataclass
class ObjectReport:
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    rejected: int = 0

    def add(self, counts: UpsertCounts) -> None:
        self.created += counts.created
        self.updated += counts.updated
        self.unchanged += counts.unchanged


@dataclass
class ImportReport:
    deals: UpsertCounts = field(default_factory=UpsertCounts)
    people: UpsertCounts = field(default_factory=UpsertCounts)
    objects: dict[str, ObjectReport] = field(
        default_factory=lambda: {name: ObjectReport() for name in OBJECTS}
    )
    files: list[FileRead] = field(default_factory=list)
    skipped_files: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str, int]] = field(default_factory=list)  # object, reason, count
    rejected: list[LocatedRejection] = field(default_factory=list)
    warnings: list[LocatedRejection] = field(default_factory=list)
    unknown_accounts: int = 0
    coverage: Coverage = field(default_factory=lambda: coverage_of([]))


Progress = Callable[[str, int], None]  # (what, rows just done)


def _batches(items: Iterator[Located], size: int) -> Iterator[list[Located]]:
    while batch := list(islice(items, size)):
        yield batch


def _located(batch: list[Located], rejections: list[Rejection]) -> list[LocatedRejection]:
    return [
        LocatedRejection(batch[r.index].file, batch[r.index].line, r.id, r.errors)
        for r in rejections
    ]


def run_import(
    export: Export,
    tenant: str,
    store: ImportStore,
    batch_size: int = DEFAULT_BATCH,
    progress: Progress | None = None,
) -> ImportReport:
    report = ImportReport()
    export.load_lookups()
    objects = report.objects
    for batch in _batches(export.people(), batch_size):
        prepared = prepare_people([item.record for item in batch])
        counts = store.upsert_people(tenant, prepared.records)
        report.people.add(counts)
        objects["contacts"].add(counts)
        report.rejected.extend(_located(batch, prepared.rejected))
        if progress:
            progress("contacts", len(batch))
    deal_ids: set[str] = set()
    for batch in _batches(export.deals(), batch_size):
        prepared_deals = prepare_deals([item.record for item in batch], source=export.source)
        counts = store.upsert_deals(tenant, prepared_deals.records)
        report.deals.add(counts)
        objects["deals"].add(counts)
        deal_ids.update(r.deal.id for r in prepared_deals.records)
        export.deal_accounts.update({r.deal.id: r.deal.account_id for r in prepared_deals.records})
        report.rejected.extend(_located(batch, prepared_deals.rejected))
        report.warnings.extend(_located(batch, prepared_deals.warnings))
        if progress:
            progress("deals", len(batch))
    for batch in _batches(export.activities(), batch_size):
        intake = write_activities(
            [item.record for item in batch], store, tenant, export.deal_accounts
        )
        objects["activities"].add(intake.counts)
        objects["notes"].add(intake.notes)
        objects["notes"].read += len(intake.prepared_notes.records)  # read from their text
        report.rejected.extend(_located(batch, intake.rejected))
        if progress:
            progress("activities", len(batch))
    for batch in _batches(export.notes(), batch_size):
        notes = prepare_notes([item.record for item in batch], store, tenant)
        objects["notes"].add(store.upsert_notes(tenant, notes.records))
        report.rejected.extend(_located(batch, notes.rejected))
    # Campaign members after contacts: they are matched to the contacts just written.
    for batch in _batches(export.outreach(), batch_size):
        targets = prepare_outreach([item.record for item in batch], source=export.source)
        objects["outreach"].add(store.upsert_outreach(tenant, targets.records))
        report.rejected.extend(_located(batch, targets.rejected))
    export.finish()
    _close(report, export, store.deal_coverage(tenant, deal_ids))
    return report


def _close(report: ImportReport, export: Export, covered: list[DealCoverage]) -> None:
    """Problems, skips and warnings of the export into the report, and the coverage."""
    report.rejected.extend(
        LocatedRejection(p.file, p.line, p.id, (FieldError(p.field, p.message),))
        for p in export.problems
    )
    report.warnings.extend(
        LocatedRejection(p.file, p.line, p.id, (FieldError(p.field, p.message),))
        for p in export.warnings
    )
    report.rejected.sort(key=lambda r: (r.file, r.line))
    report.warnings.sort(key=lambda r: (r.file, r.line))
    report.files = list(export.files)
    report.unknown_accounts = export.unknown_accounts
    report.skipped_files = sorted(export.skipped_files)
    report.skipped = sorted((o, reason, n) for (o, reason), n in export.skipped.items())
    for name, n in export.read.items():
        if name in report.objects:
            report.objects[name].read += n
    for name, _, n in report.skipped:
        if name in report.objects:  # ("activity people", …) are not rows of an object
            report.objects[name].skipped += n
    for r in report.rejected:
        name = export.object_of_file.get(r.file, "deals")
        if name in report.objects:
            report.objects[name].rejected += 1
    report.coverage = coverage_of(covered)


@dataclass
class JsonlExport(ExportBase):
    """One deal per line, in the shape of `POST /v1/ingest/deals`."""

    stream: IO[str] | None = None
    name: str = "deals.jsonl"

    def deals(self) -> Iterator[Located]:
        assert self.stream is not None
        self.object_of_file[self.name] = "deals"
        for number, line in enumerate(self.stream, start=1):
            if not line.strip():
                continue
            self.read["deals"] += 1
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                self.problem(self.name, number, None, "(line)", f"not JSON: {error.msg}")
                continue
            yield Located(self.name, number, record)
