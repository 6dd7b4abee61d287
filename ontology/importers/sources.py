"""Reading source files (CSV and JSON Lines, plain or gzip) with exact error positions.

Files are read whole and decoded strictly as UTF-8 so that a file in the wrong
encoding fails before anything is written, with the line and column of the first bad
byte, rather than as mojibake in the store.
"""

import csv
import gzip
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ontology.errors import SourceError

csv.field_size_limit(10_000_000)


def read_text(path: Path) -> str:
    """The file's text; gzip when the name ends in ``.gz``; strict UTF-8 (BOM allowed)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SourceError(path, 0, 0, f"cannot read file: {exc.strerror or exc}") from exc
    if path.suffix == ".gz":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise SourceError(path, 0, 0, f"not a valid gzip file: {exc}") from exc
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        bad = raw[exc.start : exc.start + 1].hex()
        raise SourceError(
            path, line, column, f"not valid UTF-8 (byte 0x{bad}); save the file as UTF-8"
        ) from exc


@dataclass(frozen=True)
class CsvRow:
    """One record of a CSV file, with the line it starts on for error messages."""

    path: Path
    line: int
    header: tuple[str, ...]
    values: tuple[str, ...]

    def get(self, name: str) -> str:
        """The stripped value of a column, or ``""`` when the column or value is absent."""
        try:
            index = self.header.index(name)
        except ValueError:
            return ""
        return self.values[index].strip() if index < len(self.values) else ""

    def require(self, name: str) -> str:
        """The value of a column that must not be empty."""
        value = self.get(name)
        if not value:
            raise self.error(name, "required value is empty")
        return value

    def error(self, name: str, message: str) -> SourceError:
        """A SourceError pointing at this row's column ``name``."""
        column = self.header.index(name) + 1 if name in self.header else 0
        return SourceError(self.path, self.line, column, message, column_name=name)


@dataclass(frozen=True)
class CsvTable:
    """A parsed CSV file: its header and its rows."""

    path: Path
    header: tuple[str, ...]
    rows: list[CsvRow]

    def has(self, name: str) -> bool:
        """Whether the header has a column of that name."""
        return name in self.header


def read_csv(path: Path, required: Sequence[str]) -> CsvTable:
    """Parse a CSV file (RFC 4180, fields may span lines) and check its header.

    Rows shorter than the header are padded with empty values (ESCO's own exports leave
    trailing empty fields out); rows longer than the header are malformed.
    """
    text = read_text(path)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = tuple(name.strip() for name in next(reader))
    except StopIteration:
        raise SourceError(path, 1, 1, "file is empty; expected a header row") from None
    except csv.Error as exc:
        raise SourceError(path, 1, 1, f"malformed header: {exc}") from exc
    missing = [name for name in required if name not in header]
    if missing:
        raise SourceError(
            path,
            1,
            len(header) + 1,
            f"missing required column(s) {', '.join(map(repr, missing))}; "
            f"the header has {', '.join(header)}",
            column_name=missing[0],
        )
    rows: list[CsvRow] = []
    end = reader.line_num
    while True:
        start = end + 1
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise SourceError(path, start, 1, f"malformed CSV: {exc}") from exc
        end = reader.line_num
        if not values or (len(values) == 1 and not values[0].strip()):
            continue
        if len(values) > len(header):
            raise SourceError(
                path,
                start,
                len(header) + 1,
                f"row has {len(values)} fields but the header has {len(header)}",
            )
        rows.append(CsvRow(path, start, header, tuple(values)))
    return CsvTable(path, header, rows)


def split_multi(value: str, separators: str = "\n|") -> list[str]:
    """Split a multi-valued field (ESCO puts alternatives on separate lines in one
    field; our own formats use ``|``), dropping empties and duplicates, keeping order."""
    parts = re.split("[" + re.escape(separators) + "]", value)
    seen: dict[str, None] = {}
    for part in parts:
        cleaned = part.strip()
        if cleaned:
            seen.setdefault(cleaned, None)
    return list(seen)


@dataclass(frozen=True)
class JsonLine:
    """One non-empty line of a JSON Lines file."""

    line: int
    text: str


def json_lines(path: Path) -> Iterator[JsonLine]:
    """The non-blank lines of a JSON Lines file with their 1-based numbers."""
    for number, text in enumerate(read_text(path).splitlines(), start=1):
        if text.strip():
            yield JsonLine(number, text)


class UniqueKeys:
    """Refuses a key that a file repeats, naming both lines (a repeated row is almost
    always an editing mistake, and silently keeping one of the two hides it)."""

    def __init__(self, column: str) -> None:
        self.column = column
        self._first: dict[str, int] = {}

    def check(self, row: CsvRow, key: str) -> None:
        """Remember ``key`` at this row, or fail when an earlier row had it."""
        if key in self._first:
            raise row.error(
                self.column, f"{key} is listed twice (first at line {self._first[key]})"
            )
        self._first[key] = row.line
