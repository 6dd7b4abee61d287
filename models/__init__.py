"""Plain domain types (pydantic) and storage table types (sqlmodel); no I/O lives here."""
