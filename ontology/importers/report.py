"""What an import did, for the CLI to print and tests to check."""

from dataclasses import dataclass, field


@dataclass
class ImportReport:
    """Rows read per file and anything that was skipped on purpose, with why."""

    source: str
    rows: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    obsoleted: int = 0

    def count(self, name: str, n: int) -> None:
        """Add ``n`` rows read from ``name``."""
        self.rows[name] = self.rows.get(name, 0) + n

    def merge(self, other: "ImportReport") -> None:
        """Fold another report into this one."""
        for name, n in other.rows.items():
            self.count(name, n)
        self.notes.extend(other.notes)
        self.obsoleted += other.obsoleted
