"""Reading CRM CSV exports as users have them, row by row, with the file and line kept.

Exports arrive in whatever the CRM, the user's locale or Excel made of them:
UTF-8 with or without a byte-order mark, Windows-1252 or Latin-1 (Salesforce's
weekly export in many orgs), `,` `;` or tab between cells, CRLF line ends and
newlines inside quoted cells, quoted headers, a column twice. A table decodes
its bytes once (charset-normalizer tells the single-byte encodings apart),
names the encoding and delimiter it found, and streams its rows as often as a
reader needs (a pre-scan for unknown stages, then the import).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any

from charset_normalizer import from_bytes

from graph.errors import InvalidInput

csv.field_size_limit(64 * 1024 * 1024)  # an e-mail body in one cell can be large


def fold_column(name: str) -> str:
    """Header names are matched without case or repeated spaces: HubSpot writes both
    "Is Closed Won" and "Is closed lost"; a quoted header keeps stray spaces."""
    return " ".join(name.replace("\ufeff", "").strip().strip('"').split()).lower()


@dataclass(frozen=True)
class Row:
    file: str
    line: int
    values: dict[str, str]  # folded column name -> cell

    def get(self, column: str) -> str | None:
        """The trimmed cell, or None when the column is missing or the cell empty."""
        value = self.values.get(fold_column(column))
        if value is None:
            return None
        value = value.strip()
        return value or None

    def first(self, *columns: str) -> str | None:
        """The first non-empty cell among columns that mean the same thing."""
        for column in columns:
            if (value := self.get(column)) is not None:
                return value
        return None


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


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str


def read_bytes(source: bytes | IO[bytes]) -> bytes:
    if isinstance(source, bytes):
        return source
    return source.read()


def decode(name: str, data: bytes) -> Decoded:
    """The file's text and the encoding it was in. UTF-8 (with or without BOM) and
    UTF-16 with a BOM are taken as they say; anything else is left to the detector."""
    if data.startswith(codecs.BOM_UTF8):
        try:
            return Decoded(data[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig")
        except UnicodeDecodeError:
            pass
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return Decoded(data.decode("utf-16"), "utf-16")
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    matches = list(from_bytes(data))
    if not matches:
        raise InvalidInput(name, "not text in any encoding the importer can tell")
    least = min(m.chaos for m in matches)
    for preferred in PREFERRED:
        for match in matches:
            if match.chaos <= least + 0.1 and preferred in match.could_be_from_charset:
                return Decoded(str(match), _encoding_name(preferred))
    best = matches[0]
    return Decoded(str(best), _encoding_name(best.encoding))


# The single-byte encodings CRM exports are written in, in the order they are preferred
# among candidates the detector finds about as plausible: on a short file, Windows-1250
# or a DOS code page decode Western names as well as Windows-1252 does.
PREFERRED = ("cp1252", "latin_1", "iso8859_15", "cp1250")


def _encoding_name(python_name: str) -> str:
    """Python's codec name as users know it: cp1252 is Windows-1252."""
    known = {"cp1252": "windows-1252", "latin_1": "latin-1", "iso8859_15": "iso-8859-15"}
    return known.get(python_name, python_name.replace("_", "-"))


DELIMITERS = (",", ";", "\t")


def sniff_delimiter(text: str) -> str:
    """The delimiter of the header line: the candidate found most often outside quotes
    (`,` on a tie: a one-column file)."""
    header: list[str] = []
    quoted = False
    for char in text:
        if char == '"':
            quoted = not quoted
        elif char in "\r\n" and not quoted:
            break
        elif not quoted:
            header.append(char)
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


@dataclass
class CsvTable:
    """One export file, decoded and its header checked when opened.

    A file that is not text, not CSV, or lacks a required column stops the
    import with InvalidInput naming the file, before anything is written."""

    name: str
    text: str
    encoding: str
    delimiter: str
    columns: list[str] = field(default_factory=list)  # folded, first occurrence kept
    duplicates: list[str] = field(default_factory=list)
    _index: list[tuple[str, int]] = field(default_factory=list)

    @classmethod
    def open(cls, name: str, source: bytes | IO[bytes], required: tuple[str, ...] = ()) -> CsvTable:
        decoded = decode(name, read_bytes(source))
        table = cls(name, decoded.text, decoded.encoding, sniff_delimiter(decoded.text))
        table._read_header()
        missing = [c for c in required if fold_column(c) not in table.columns]
        if missing:
            raise InvalidInput(name, f"missing columns: {', '.join(missing)}")
        return table

    def _reader(self) -> Any:
        return csv.reader(io.StringIO(self.text, newline=""), delimiter=self.delimiter)

    def _read_header(self) -> None:
        reader = self._reader()
        try:
            header: list[str] = next(reader, [])
        except csv.Error as error:
            raise InvalidInput(self.name, f"not readable as CSV at line 1: {error}") from error
        seen: set[str] = set()
        for position, raw in enumerate(header):
            column = fold_column(raw)
            if not column:
                continue
            if column in seen:
                self.duplicates.append(raw.strip())
                continue
            seen.add(column)
            self.columns.append(column)
            self._index.append((column, position))

    def has(self, column: str) -> bool:
        return fold_column(column) in self.columns

    def rows(self) -> Iterator[Row]:
        """Data rows with the line each starts on (a quoted cell may span lines);
        blank lines are skipped."""
        reader = self._reader()
        try:
            next(reader, None)
            start = reader.line_num + 1
            for cells in reader:
                if any(c.strip() for c in cells):
                    values = {c: cells[i] for c, i in self._index if i < len(cells)}
                    yield Row(self.name, start, values)
                start = reader.line_num + 1
        except csv.Error as error:
            line = reader.line_num
            raise InvalidInput(self.name, f"not readable as CSV at line {line}: {error}") from error

    def day_first(self, *columns: str) -> bool:
        """Whether this file writes slash dates day first: it does when one of them has a
        first part above 12 (31/03/2025); otherwise they are read month first, as US
        exports write them (03/31/2025). One rule per file, never per cell."""
        for row in self.rows():
            for column in columns:
                value = row.get(column)
                if value and (match := _SLASH.match(value)) and int(match.group(1)) > 12:
                    return True
        return False


_TRUE = {"true", "1", "yes", "y", "t", "wahr", "ja", "vrai", "oui", "sí", "si"}
_FALSE = {"false", "0", "no", "n", "f", "falsch", "nein", "faux", "non"}


def parse_bool(value: str | None) -> bool | None:
    if value is None:
        return None
    folded = value.strip().lower()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise ValueError(f"{value!r} is not a boolean (true/false or 1/0)")


_ISO = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_SLASH = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})(?:,?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_DOTTED = re.compile(
    r"^(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4})(?:,?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?"
)
_MERIDIEM = re.compile(r"\b(am|pm)\b", re.I)


def _year(text: str) -> int:
    year = int(text)
    return year + 2000 if year < 100 else year


def _moment(value: str, day_first: bool) -> datetime | None:
    """A date or date-time as written; None for a time of day nobody gave."""
    text = value.strip()
    if re.fullmatch(r"\d{12,13}", text):  # epoch milliseconds (HubSpot's raw values)
        return datetime.fromtimestamp(int(text) / 1000, tz=UTC).replace(tzinfo=None)
    if match := _ISO.match(text):
        y, m, d = int(match.group(1)), int(match.group(2)), int(match.group(3))
    elif match := _SLASH.match(text):
        a, b = int(match.group(1)), int(match.group(2))
        d, m = (a, b) if day_first else (b, a)
        y = _year(match.group(3))
    elif match := _DOTTED.match(text):
        d, m, y = int(match.group(1)), int(match.group(2)), _year(match.group(3))
    else:
        raise ValueError(f"{value!r} is not a date")
    hour = int(match.group(4)) if match.group(4) else 0
    minute = int(match.group(5)) if match.group(5) else 0
    second = int(match.group(6)) if match.group(6) else 0
    meridiem = _MERIDIEM.search(text[match.end() :])
    if meridiem and match.group(4):
        hour = hour % 12 + (12 if meridiem.group(1).lower() == "pm" else 0)
    try:
        return datetime(y, m, d, hour, minute, second)
    except ValueError as error:
        raise ValueError(f"{value!r} is not a date ({error})") from error


def parse_date(value: str | None, day_first: bool = False) -> str | None:
    """ISO date of a CRM date or timestamp: 2025-03-31, 2025-03-31T09:30:00.000Z,
    03/31/2025 (31/03/2025 in a day-first file), 31.03.2025, epoch milliseconds."""
    if value is None:
        return None
    moment = _moment(value, day_first)
    return moment.date().isoformat() if moment else None


def parse_moment(value: str | None, day_first: bool = False) -> str | None:
    """Like parse_date, with the time of day kept when the cell has one (as written:
    exports carry the user's time zone or UTC, and only the date is compared)."""
    if value is None:
        return None
    moment = _moment(value, day_first)
    if moment is None:
        return None
    if (moment.hour, moment.minute, moment.second) == (0, 0, 0) and len(value.strip()) <= 10:
        return moment.date().isoformat()
    return moment.isoformat(timespec="seconds")


_NUMBER_NOISE = re.compile(r"[^\d.,+-]")


def parse_number(value: str | None) -> Any:
    """A number cell as the API would receive it. Currency signs, spaces and
    apostrophes are dropped; with both `.` and `,` the last one is the decimal point;
    a lone separator followed by exactly three digits groups thousands (1,200 and
    1.200 are 1200; 12,5 is 12.5). What is left unparseable goes to validation as is."""
    if value is None:
        return None
    text = _NUMBER_NOISE.sub("", value.strip())
    if not text or not re.search(r"\d", text):
        return value.strip()
    if "." in text and "," in text:
        decimal = "." if text.rfind(".") > text.rfind(",") else ","
        thousands = "," if decimal == "." else "."
        return text.replace(thousands, "").replace(decimal, ".")
    for sep in (",", "."):
        if sep in text:
            parts = text.split(sep)
            grouped = len(parts) > 2 or (len(parts[-1]) == 3 and parts[0].lstrip("+-") != "0")
            return text.replace(sep, "") if grouped else text.replace(sep, ".")
    return text


def split_ids(value: str | None) -> list[str]:
    """HubSpot's association lists: ids separated by ';' (or ',')."""
    if not value:
        return []
    return [part.strip() for part in re.split(r"[;,]", value) if part.strip()]


TEXT_LIMIT = 20_000


def clip_text(text: str | None) -> str | None:
    """An activity's or note's text as the notes reader takes it: its first 20,000
    characters (a long e-mail thread's later quotes are the earlier e-mails)."""
    return text[:TEXT_LIMIT] if text else text
