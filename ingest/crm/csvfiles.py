"""Reading CRM CSV exports row by row, with the file name and line of every row kept."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

from graph.errors import InvalidInput


@dataclass(frozen=True)
class Row:
    file: str
    line: int
    values: dict[str, str]

    def get(self, column: str) -> str | None:
        """The trimmed cell, or None when the column is missing or the cell empty."""
        value = self.values.get(column)
        if value is None:
            return None
        value = value.strip()
        return value or None


@dataclass
class Located:
    """A record built from a row, with where it came from."""

    file: str
    line: int
    record: dict[str, Any]


@dataclass(frozen=True)
class RowProblem:
    file: str
    line: int
    id: str | None
    field: str
    message: str


def text_stream(binary: IO[bytes]) -> IO[str]:
    """A text view of an uploaded or opened file; a UTF-8 byte-order mark is dropped."""
    return io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")


def rows(name: str, stream: IO[str]) -> Iterator[Row]:
    """Rows as dicts keyed by trimmed header names; extra columns are kept and ignored later.

    A file that is not UTF-8 text or not CSV stops the import with InvalidInput
    naming the file, rather than a server error.
    """
    reader = csv.DictReader(stream)
    try:
        if reader.fieldnames is not None:
            reader.fieldnames = [h.strip().lstrip("\ufeff") for h in reader.fieldnames]
        for record in reader:
            values = {k: v for k, v in record.items() if isinstance(k, str) and isinstance(v, str)}
            yield Row(name, reader.line_num, values)
    except UnicodeDecodeError as error:
        raise InvalidInput(name, f"not UTF-8 text near line {reader.line_num + 1}") from error
    except csv.Error as error:
        raise InvalidInput(
            name, f"not readable as CSV at line {reader.line_num}: {error}"
        ) from error


_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f"}


def parse_bool(value: str | None) -> bool | None:
    if value is None:
        return None
    folded = value.strip().lower()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise ValueError(f"{value!r} is not a boolean (true/false or 1/0)")


_ISO_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})")


def parse_date(value: str | None) -> str | None:
    """ISO date of a CRM date or timestamp (2025-03-31, 2025-03-31T09:30:00.000Z, 03/31/2025)."""
    if value is None:
        return None
    if match := _ISO_DATE.match(value.strip()):
        return match.group(1)
    for fmt in ("%m/%d/%Y", "%m/%d/%Y %H:%M", "%d.%m.%Y"):
        try:
            return datetime.strptime(value.strip(), fmt).date().isoformat()
        except ValueError:
            continue
    raise ValueError(f"{value!r} is not a date")


def parse_number(value: str | None) -> Any:
    """A number cell as the API would receive it; thousands separators are dropped."""
    if value is None:
        return None
    return value.replace(",", "").replace(" ", "")


def split_ids(value: str | None) -> list[str]:
    """HubSpot's association lists: ids separated by ';'."""
    if not value:
        return []
    return [part.strip() for part in value.split(";") if part.strip()]
