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
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from graph.errors import InvalidInput
from graph.outreach import OutreachRecord, Target
from ingest.batches import FieldError, Prepared, Rejection, fingerprint, validate_each
from ingest.crm.csvfiles import CsvTable, parse_number
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


def _csv_items(name: str, source: bytes | IO[bytes]) -> Iterator[dict[str, Any]]:
    table = CsvTable.open(name, source, required=("id", "campaign"))
    for row in table.rows():
        item: dict[str, Any] = {f: row.get(f) for f in FIELDS if row.get(f) is not None}
        for number in ("spend", "audience"):
            if number in item:
                item[number] = parse_number(item[number])
        yield item


def _jsonl_items(name: str, text: str) -> Iterator[Any]:
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield json.loads(line)
        except json.JSONDecodeError as error:
            raise InvalidInput(name, f"line {line_no} is not JSON: {error.msg}") from error


def read_outreach_file(path: Path) -> list[Any]:
    """The targets of a file: JSON Lines (`.jsonl`, `.ndjson`, or a first character `{`)
    or CSV with the same column names."""
    data = path.read_bytes()
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json") or head == b"{":
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise InvalidInput(path.name, "a JSON Lines file must be UTF-8") from error
        return list(_jsonl_items(path.name, text))
    return list(_csv_items(path.name, data))


def rejection_lines(rejected: Iterable[Rejection]) -> list[str]:
    """Rejections as `index id: field: message` lines (the CLI prints them)."""
    out = []
    for r in rejected:
        errors: tuple[FieldError, ...] = r.errors
        detail = "; ".join(f"{e.field}: {e.message}" for e in errors)
        out.append(f"#{r.index} {r.id or '-'}: {detail}")
    return out
