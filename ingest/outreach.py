"""Outreach in: targets from an HTTP body, a CSV or a JSON Lines file (DESIGN §4).

One shape for all three, validated per target so that one bad row is rejected with
its failing field while the rest go in. A target names its person as a known id,
an e-mail address, or a name (best with the company and title); one of them is
required. Its title is read as a role here, so that the audit can tell which roles
an unmatched target aimed at.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from graph.errors import InvalidInput
from graph.models import UpsertCounts
from graph.outreach import OutreachRecord, OutreachWriterPort, Target
from ingest.batches import FieldError, Prepared, Rejection, fingerprint, validate_each
from ingest.crm.csvfiles import CsvTable, Located, parse_number
from ingest.records import Email, LongText, RecordId, ShortText
from ingest.titles import parse_title


class TargetIn(BaseModel):
    """One person a campaign aimed at, and what was spent on them."""

    model_config = ConfigDict(extra="ignore")

    id: RecordId
    campaign: LongText
    channel: ShortText | None = Field(default=None, examples=["event"])
    spend: float = Field(default=0.0, ge=0, le=1e13, description="What reaching them cost.")
    occurred_at: date | datetime | None = None
    person_id: RecordId | None = Field(default=None, description="A known person's id.")
    email: Email | None = None
    name: LongText | None = None
    company: LongText | None = Field(default=None, description="Account id or name.")
    title: LongText | None = None
    audience: int | None = Field(
        default=None, ge=0, le=10_000_000_000, description="Follower count; shown, never ranked."
    )
    status: ShortText | None = Field(default=None, examples=["Responded"])


_TARGET = TypeAdapter(TargetIn)


def to_target(model: TargetIn, source: str) -> Target:
    return Target(
        id=model.id,
        campaign=model.campaign,
        spend=float(model.spend),
        source=source,
        channel=model.channel,
        occurred_at=model.occurred_at.isoformat() if model.occurred_at else None,
        person_id=model.person_id,
        email=model.email.lower() if model.email else None,
        name=model.name,
        company=model.company,
        title=model.title,
        role=parse_title(model.title).role if model.title else None,
        audience=model.audience,
        status=model.status,
    )


def prepare_outreach(raw_items: Iterable[Any], source: str = "api") -> Prepared[OutreachRecord]:
    prepared: Prepared[OutreachRecord] = Prepared()
    for index, model, rejection in validate_each(raw_items, _TARGET):
        if rejection:
            prepared.rejected.append(rejection)
        elif not (model.person_id or model.email or model.name):
            error = FieldError("person_id", "a target needs person_id, email or name")
            prepared.rejected.append(Rejection(index, model.id, (error,)))
        else:
            prepared.records.append(OutreachRecord(to_target(model, source), fingerprint(model)))
    return prepared


FIELDS = tuple(TargetIn.model_fields)


def _csv_items(name: str, source: bytes | IO[bytes]) -> Iterator[Located]:
    table = CsvTable.open(name, source, required=("id", "campaign"))
    for row in table.rows():
        item: dict[str, Any] = {f: row.get(f) for f in FIELDS if row.get(f) is not None}
        for number in ("spend", "audience"):
            if number in item:
                item[number] = parse_number(item[number])
        yield Located(row.file, row.line, item)


def _jsonl_items(name: str, text: str) -> Iterator[Located]:
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield Located(name, line_no, json.loads(line))
        except json.JSONDecodeError as error:
            raise InvalidInput(name, f"line {line_no} is not JSON: {error.msg}") from error


def read_outreach_file(path: Path) -> list[Located]:
    """The targets of a file with their lines: JSON Lines (`.jsonl`, `.ndjson`, or a
    first character `{`) or CSV with the same column names. A file that is neither stops
    with InvalidInput before anything is written."""
    data = path.read_bytes()
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json") or head == b"{":
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise InvalidInput(path.name, "a JSON Lines file must be UTF-8") from error
        return list(_jsonl_items(path.name, text))
    return list(_csv_items(path.name, data))


@dataclass
class OutreachImport:
    counts: UpsertCounts = field(default_factory=UpsertCounts)
    rejected: list[tuple[Located, Rejection]] = field(default_factory=list)

    def lines(self) -> list[str]:
        """Rejections as `file:line: id: field: reason`, as `bcg import` prints them."""
        out = []
        for where, r in self.rejected:
            detail = "; ".join(f"{e.field}: {e.message}" for e in r.errors)
            out.append(f"{where.file}:{where.line}: {r.id or '-'}: {detail}")
        return out


def import_outreach_file(
    path: Path, store: OutreachWriterPort, tenant: str, batch: int = 1000
) -> OutreachImport:
    """A file's targets, written a batch (one transaction) at a time."""
    items = read_outreach_file(path)
    done = OutreachImport()
    for start in range(0, len(items), batch):
        chunk = items[start : start + batch]
        prepared = prepare_outreach([item.record for item in chunk])
        done.counts.add(store.upsert_outreach(tenant, prepared.records))
        done.rejected += [(chunk[r.index], r) for r in prepared.rejected]
    return done
