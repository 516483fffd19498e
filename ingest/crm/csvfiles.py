"""Reading CRM CSV exports row by row, with the file name and line of every row kept."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
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


class CsvTable:
    """One export file: its header is read and checked when opened, its rows streamed.

    A file that is not UTF-8 text, not CSV, or lacks a required column stops the
    import with InvalidInput naming the file, before anything is written.
    """

    def __init__(self, name: str, stream: IO[str], required: tuple[str, ...]) -> None:
        self.name = name
        self._reader = csv.DictReader(stream)
        with self._errors():
            header = [h.strip().lstrip("\ufeff") for h in (self._reader.fieldnames or [])]
        missing = [c for c in required if c not in header]
        if missing:
            raise InvalidInput(name, f"missing columns: {', '.join(missing)}")
        self._reader.fieldnames = header

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except UnicodeDecodeError as error:
            line = self._reader.line_num + 1
            raise InvalidInput(self.name, f"not UTF-8 text near line {line}") from error
        except csv.Error as error:
            line = self._reader.line_num
            raise InvalidInput(self.name, f"not readable as CSV at line {line}: {error}") from error

    def rows(self) -> Iterator[Row]:
        with self._errors():
            for record in self._reader:
                values = {
                    k: v for k, v in record.items() if isinstance(k, str) and isinstance(v, str)
                }
                yield Row(self.name, self._reader.line_num, values)


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
