"""What every answer shares: concept references, labels, the answer envelope and the
size limits of requests.

Every field carries a description and an example, because these models *are* the API
documentation at ``/docs``.
"""

from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    Field,
    StringConstraints,
)

MAX_QUERY = 200
MAX_BATCH = 500

CollectionName = Literal["occupation", "skill", "certificate", "qualification"]


class LabelOut(BaseModel):
    """One surface form of a concept."""

    text: str = Field(description="The label.", examples=["elektromonteur"])
    language: str = Field(description="ISO 639-1 language code.", examples=["nl"])
    kind: str = Field(
        default="preferred",
        description="preferred, alternative or hidden (hidden: misspellings, old names).",
        examples=["alternative"],
    )


class ConceptRef(BaseModel):
    """A concept as lists show it: identity plus a display label."""

    uri: str = Field(
        description="The concept's source URI (ESCO, CompetentNL or urn:overstap:…).",
        examples=["http://data.europa.eu/esco/occupation/4910419f-b4af-4f59-b544-9dbebc8a74f0"],
    )
    id: str = Field(
        description="Short id for URLs: the URI's last segment.",
        examples=["4910419f-b4af-4f59-b544-9dbebc8a74f0"],
    )
    kind: str = Field(
        description="occupation, skill, certificate or qualification.", examples=["occupation"]
    )
    label: str | None = Field(
        description="Preferred label in the requested language, or "
        "in another language when it has none.",
        examples=["elektromonteur"],
    )
    label_language: str | None = Field(description="Language of `label`.", examples=["nl"])
    label_fallback: bool = Field(
        default=False,
        description="True when `label` is not in the requested language.",
        examples=[False],
    )


class Answer(BaseModel):
    """What every list answer says about its source."""

    taxonomy_versions: list[str] = Field(
        description="Taxonomy releases in the snapshot that answered.",
        examples=[["overstap-default 2026.11"]],
    )
    snapshot: str = Field(
        description="Id of the index snapshot that answered.", examples=["20261128T070000-06c32a"]
    )


MAX_TEXT = 20_000
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=MAX_QUERY)]
