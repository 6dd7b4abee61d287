"""Plain domain types (pydantic) and storage table types (sqlmodel); no I/O lives here.

"Models" here are data models; the embedding models' weights live in
``OVERSTAP_MODELS_DIR`` and are handled by ``indexes.embedding``."""
