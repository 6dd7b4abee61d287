"""The one settings object: every knob comes from ``OVERSTAP_*`` environment variables
(or a ``.env`` file), so containers and tests configure the service the same way."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Configuration of store, data folder, embedder and server."""

    model_config = SettingsConfigDict(
        env_prefix="OVERSTAP_", env_file=".env", extra="ignore", populate_by_name=True
    )

    data_dir: Path = Field(
        default=Path("./var"),
        description="Where the SQLite store, model folders and index snapshots live.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default a SQLite file in data_dir. PostgreSQL: "
        "postgresql+psycopg://user:password@host/db",
    )
    embedder: str = Field(
        default="bundled:multilingual-e5-small",
        description="Embedding model: the bundled default, or st:<name-or-path> for any "
        "sentence-transformers model (used from issue 3 on).",
    )
    lexical_weight: float = Field(
        default=0.1,
        ge=0.0,
        le=1.0,
        description="Weight of the character TF-IDF channel in the fused score "
        "(1 - weight goes to the embeddings); chosen on MELO bel_q_nl_c_nl, see README.",
    )
    runtime: Literal["onnx", "onnx-int8", "torch"] = Field(
        default="onnx",
        description="How the embedding model runs: 'onnx' (exported once to ONNX and run "
        "by onnxruntime, same vectors, no torch in the server), 'onnx-int8' (the export "
        "quantised to int8: faster, slightly different vectors, its own snapshots) or "
        "'torch' (sentence-transformers on torch, the reference).",
    )
    threads: int | None = Field(
        default=None,
        ge=1,
        description="Threads per embedding call in batch jobs (reindex, import, "
        "evaluate); default: all cores.",
    )
    request_threads: int = Field(
        default=1,
        ge=1,
        description="Threads per embedding call and FAISS/BLAS search in `serve`: "
        "concurrency comes from parallel requests, so one thread each avoids pools "
        "fighting over the cores (see docs/performance.md).",
    )
    models_dir_override: Path | None = Field(
        default=None,
        validation_alias="OVERSTAP_MODELS_DIR",
        description="Where model folders (bundled, tuned, ONNX exports) live; default "
        "data_dir/models. Several data dirs may share one.",
    )
    max_body_bytes: int = Field(
        default=1_048_576,
        ge=1024,
        description="Largest request body accepted; larger ones get 413 before parsing.",
    )
    host: str = Field(default="127.0.0.1", description="Address `overstap serve` binds to.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port `overstap serve` uses.")
    write_api_key: SecretStr | None = Field(
        default=None,
        description="Key that calls which write (vacancy upserts and removals) must send "
        "as X-API-Key or Bearer token; unset: writes are open (development only).",
    )
    vacancy_sync_seconds: float = Field(
        default=2.0,
        gt=0,
        description="How often a running service picks up vacancies written by other "
        "processes (the CLI, other replicas).",
    )
    load_default: bool = Field(
        default=True,
        description="Load the embedded Dutch default ontology when the store is empty.",
    )

    @field_validator("database_url", "write_api_key", "models_dir_override", mode="before")
    @classmethod
    def _blank_is_default(cls, value: str | None) -> str | None:
        return value or None

    @property
    def models_dir(self) -> Path:
        """Where materialised embedding models live."""
        return self.models_dir_override or self.data_dir / "models"

    @property
    def snapshots_dir(self) -> Path:
        """Where index snapshots and the ``ACTIVE`` pointer live."""
        return self.data_dir / "snapshots"

    @property
    def cache_path(self) -> Path:
        """The embedding cache file."""
        return self.data_dir / "cache" / "embeddings.sqlite"

    @property
    def resolved_database_url(self) -> str:
        """The database URL in force (the SQLite default resolved against data_dir)."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'overstap.db').resolve()}"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (cached; tests build their own ``Settings``)."""
    return Settings()
