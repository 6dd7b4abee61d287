"""The one settings object: every knob comes from ``OVERSTAP_*`` environment variables
(or a ``.env`` file), so containers and tests configure the service the same way."""

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


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
    db_upgrade: bool = Field(
        default=True,
        description="Bring the store's schema to this release's revision when it is "
        "opened (Alembic migrations, under a lock, in one transaction). false: refuse a "
        "store that is behind and leave it to `overstap db upgrade` (deployments that "
        "migrate in a separate step). A store made by a newer release is always refused.",
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
        "(1 - weight goes to the embeddings); chosen on MELO bel_q_nl_c_nl, see docs/quality.md.",
    )
    story_fit_weight: float | None = Field(
        default=None,
        ge=0.0,
        le=1.0,
        description="Weight in the match score of how much the story as a whole resembles "
        "an occupation's name and description (occupation-level evidence). Unset: 0.5 "
        "on an ontology with 1,000 or more occupations that list skills (ESCO), 0 on a "
        "small one (the embedded default); both chosen on the dev cases, see docs/quality.md.",
    )
    label_index: Literal["auto", "flat", "hnsw"] = Field(
        default="auto",
        description="The vector index of each label collection in a snapshot: 'flat' "
        "(exact: every label scored), 'hnsw' (an HNSW graph: on full ESCO a search's dense "
        "candidates in a third of the time, recall@10 of 0.99 or more against exact, "
        "`overstap bench --peer` prints it) or 'auto' (HNSW from 20,000 labels, exact "
        "below). Applies from the next `overstap reindex`.",
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
    request_cores: int | None = Field(
        default=None,
        ge=1,
        description="With one thread a call (`request_threads`), the cores one request's "
        "model batches and label searches may spread over while no other request holds "
        "them (a lone match or extraction then uses the idle cores; under load each "
        "keeps to one); default: the cores the process may run on (set it to a "
        "container's CPU quota), 1: never spread.",
    )
    ray_address: str | None = Field(
        default=None,
        description="Run the batch embedding and vacancy derivation of `reindex`, "
        "`import vacancies` and `evaluate melo` on a Ray cluster (the `ray` extra): `auto` "
        "(the cluster this "
        "machine belongs to), a cluster address (host:port or ray://host:port) or `local` "
        "(a new cluster on this machine, for the command). Unset: on this machine. `--ray` "
        "overrides.",
    )
    ray_actors: int | None = Field(
        default=None,
        ge=1,
        description="Actors (model copies) on the Ray cluster; default the cluster's CPUs "
        "divided by `ray_actor_threads`.",
    )
    ray_actor_threads: int = Field(
        default=1,
        ge=1,
        description="Threads (and CPUs reserved) per Ray actor: one each scales best, "
        "as in a server (docs/scale.md).",
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
    public_url: str = Field(
        default="/",
        description="Where clients reach the API (behind a proxy: its public base URL, e.g. "
        "https://overstap.example.nl); the OpenAPI document's `servers` entry, so "
        "generated clients and /docs call the right host.",
    )
    port: int = Field(default=8000, ge=1, le=65535, description="Port `overstap serve` uses.")
    api_keys: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list,
        description="API keys, comma-separated. Writes and admin calls (vacancy upserts "
        "and removals, re-index) need one, as `Authorization: Bearer <key>` or "
        "`X-API-Key`; with none configured they are refused.",
    )
    read_requires_key: bool = Field(
        default=False,
        description="Also require a key for the read endpoints under /v1 (health checks "
        "and the OpenAPI document stay open).",
    )
    rate_limit_per_minute: int | None = Field(
        default=None,
        ge=1,
        description="Requests per minute that one key (or, without a key, one client "
        "address) may make to the expensive endpoints (/v1/match, /v1/skills/extract), "
        "with bursts up to the same number; over it: 429 with Retry-After. Unset: no "
        "limit. Counted per server process.",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Origins allowed to call the API from a browser, comma-separated "
        "(`*` for any); unset: no CORS headers (same-origin only).",
    )
    vacancy_sync_seconds: float = Field(
        default=2.0,
        gt=0,
        description="How often a running service picks up vacancies written by other "
        "processes (the CLI, other replicas).",
    )
    snapshot_sync_seconds: float = Field(
        default=5.0,
        gt=0,
        description="How often a running service checks whether another process (the "
        "CLI, another replica) activated a new snapshot, and switches to it.",
    )
    load_default: bool = Field(
        default=True,
        description="Load the embedded Dutch default ontology when the store is empty.",
    )

    @field_validator("database_url", "models_dir_override", mode="before")
    @classmethod
    def _blank_is_default(cls, value: str | None) -> str | None:
        return value or None

    @field_validator("api_keys", "cors_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        """Environment variables hold lists as ``a,b,c``; blanks are dropped."""
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

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
