"""Answers of the admin endpoints."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

SNAPSHOT_EXAMPLE = "20261128T070000-06c32a"


class ReindexJobOut(BaseModel):
    """A re-index job: accepted, running, or finished (with the snapshot it made live)."""

    id: str = Field(
        description="Job id, for `GET /v1/admin/reindex/{job}`.", examples=["3f2a9c1d0b7e"]
    )
    status: Literal["running", "succeeded", "failed"] = Field(
        description="`running` until the new snapshot answers requests (`succeeded`) or "
        "the build failed (`failed`; the previous snapshot stays active).",
        examples=["running"],
    )
    stage: str = Field(description="What the job is doing.", examples=["skills: embedding labels"])
    done: int = Field(description="Items done in this stage.", examples=[1200])
    total: int | None = Field(description="Items in this stage, when known.", examples=[4000])
    started_at: datetime = Field(
        description="When the job was accepted.", examples=["2026-11-28T19:30:00Z"]
    )
    finished_at: datetime | None = Field(
        description="When it succeeded or failed.", examples=["2026-11-28T19:31:10Z"]
    )
    previous_snapshot: str | None = Field(
        description="The snapshot live when the job started.", examples=[SNAPSHOT_EXAMPLE]
    )
    snapshot: str | None = Field(
        description="The snapshot the job built (once built).", examples=[SNAPSHOT_EXAMPLE]
    )
    labels: int | None = Field(description="Labels in the new snapshot.", examples=[5120])
    embedded: int | None = Field(
        description="Labels embedded afresh (the rest came from the cache).", examples=[36]
    )
    error: str | None = Field(
        description="Why the job failed.", examples=["EmbedderError: model not found"]
    )
