"""One import path for every bulk source (Salesforce, HubSpot, JSONL), used by API and CLI.

Contacts go in first, then deals, in batches; each batch is one transaction.
A bad row is reported with its file, line and reason, and the good rows
still go in.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import IO, Protocol

from graph.models import UpsertCounts
from graph.ports import DealWriter, PeopleWriter
from ingest.batches import FieldError, prepare_deals, prepare_people
from ingest.crm.csvfiles import Located, RowProblem

DEFAULT_BATCH = 1000


class Export(Protocol):
    source: str
    problems: list[RowProblem]

    def load_lookups(self) -> None: ...

    def people(self) -> Iterator[Located]: ...

    def deals(self) -> Iterator[Located]: ...


@dataclass(frozen=True)
class LocatedRejection:
    file: str
    line: int
    id: str | None
    errors: tuple[FieldError, ...]


@dataclass
class ImportReport:
    deals: UpsertCounts = field(default_factory=UpsertCounts)
    people: UpsertCounts = field(default_factory=UpsertCounts)
    rejected: list[LocatedRejection] = field(default_factory=list)


Progress = Callable[[str, int], None]  # (what, rows just done)


def _batches(items: Iterator[Located], size: int) -> Iterator[list[Located]]:
    while batch := list(islice(items, size)):
        yield batch


def run_import(
    export: Export,
    tenant: str,
    deals: DealWriter,
    people: PeopleWriter,
    batch_size: int = DEFAULT_BATCH,
    progress: Progress | None = None,
) -> ImportReport:
    report = ImportReport()
    export.load_lookups()
    for batch in _batches(export.people(), batch_size):
        prepared = prepare_people([item.record for item in batch])
        report.people.add(people.upsert_people(tenant, prepared.records))
        report.rejected.extend(
            LocatedRejection(batch[r.index].file, batch[r.index].line, r.id, r.errors)
            for r in prepared.rejected
        )
        if progress:
            progress("contacts", len(batch))
    for batch in _batches(export.deals(), batch_size):
        prepared_deals = prepare_deals([item.record for item in batch], source=export.source)
        report.deals.add(deals.upsert_deals(tenant, prepared_deals.records))
        report.rejected.extend(
            LocatedRejection(batch[r.index].file, batch[r.index].line, r.id, r.errors)
            for r in prepared_deals.rejected
        )
        if progress:
            progress("deals", len(batch))
    report.rejected.extend(
        LocatedRejection(p.file, p.line, p.id, (FieldError(p.field, p.message),))
        for p in export.problems
    )
    report.rejected.sort(key=lambda r: (r.file, r.line))
    return report


@dataclass
class JsonlExport:
    """One deal per line, in the shape of `POST /v1/ingest/deals`."""

    stream: IO[str]
    name: str = "deals.jsonl"
    source: str = "import"
    problems: list[RowProblem] = field(default_factory=list)

    def load_lookups(self) -> None:
        return None

    def people(self) -> Iterator[Located]:
        return iter(())

    def deals(self) -> Iterator[Located]:
        for number, line in enumerate(self.stream, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                self.problems.append(
                    RowProblem(self.name, number, None, "(line)", f"not JSON: {error.msg}")
                )
                continue
            yield Located(self.name, number, record)
