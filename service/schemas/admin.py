"""Requests and answers of the admin endpoints."""

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from ontology.housekeeping import PurgePolicy
from service.schemas.common import REQUEST_CONFIG

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


class PurgeIn(BaseModel):
    """What to keep (every field optional: the defaults are the CLI's)."""

    model_config = REQUEST_CONFIG

    expired_days: int = Field(
        default=PurgePolicy.expired_days,
        ge=0,
        le=3650,
        description="Keep a vacancy this many days after it expired.",
        examples=[30],
    )
    change_days: int = Field(
        default=PurgePolicy.change_days,
        ge=0,
        le=3650,
        description="Keep change-log rows this many days. Running servers apply changes "
        "within seconds; one that falls further behind reloads its vacancies, so no "
        "setting makes a server miss a removal.",
        examples=[7],
    )
    dry_run: bool = Field(
        default=False, description="Count what would be deleted; change nothing.", examples=[True]
    )


class PurgeOut(BaseModel):
    """What a purge deleted (or would delete, on a dry run) and what it kept."""

    expired_vacancies: int = Field(
        description="Vacancies deleted because they expired before `expired_before`.",
        examples=[1250],
    )
    change_rows: int = Field(description="Change-log rows deleted.", examples=[48000])
    change_rows_kept: int = Field(
        description="Change-log rows left (the newest is always kept).", examples=[3100]
    )
    purged_through: int = Field(
        description="The change log is deleted up to this sequence number (0: never purged).",
        examples=[51200],
    )
    expired_before: date = Field(description="The expiry cut-off.", examples=["2026-11-05"])
    changes_before: datetime = Field(
        description="The change-log cut-off.", examples=["2026-11-28T03:00:00Z"]
    )
    dry_run: bool = Field(description="Nothing was changed.", examples=[False])
