"""Errors that point a person at the exact place in a source file that is wrong."""

from pathlib import Path


class SourceError(Exception):
    """Bad input in a source file: carries file, line and column so a CLI can say where.

    ``line`` and ``column`` are 1-based; 0 means "the file as a whole" (for example a
    missing file or a file that is not gzip). ``column_name`` names the CSV column or
    JSON field when there is one, because people think in names, not numbers.
    """

    def __init__(
        self,
        path: Path | str,
        line: int,
        column: int,
        message: str,
        column_name: str | None = None,
    ) -> None:
        self.path = str(path)
        self.line = line
        self.column = column
        self.column_name = column_name
        self.message = message
        super().__init__(self.location() + ": " + message)

    def location(self) -> str:
        """``file:line:column`` (with the column's name when known), as compilers print it."""
        where = f"{self.path}:{self.line}:{self.column}"
        if self.column_name:
            where += f" (column {self.column_name!r})"
        return where


class StoreError(Exception):
    """The store cannot do what was asked (wrong database URL, incompatible schema)."""
