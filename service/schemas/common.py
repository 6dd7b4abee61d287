"""What every answer shares: concept references, labels, the answer envelope and the
size limits of requests.

Every field carries a description and an example, because these models *are* the API
documentation at ``/docs``.
"""

import re
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
)

from models.domain import PROVINCES, province_named

MAX_QUERY = 200
MAX_BATCH = 500

# Request bodies: unknown fields are refused (a typo must not pass silently) and JSON
# types are not coerced into each other (`"limit": true` is not 1, `"atomic": 1` is not
# true). Dates stay lax (`Field(strict=False)`): JSON has no date type, they come as text.
REQUEST_CONFIG = ConfigDict(extra="forbid", strict=True)

CollectionName = Literal["occupation", "skill", "certificate", "qualification"]


def province_or_postcode(value: str) -> str:
    """A province's name (any case, answered as spelled in ``PROVINCES``) or a postcode
    prefix of 1–4 digits; anything else is an error naming both."""
    if re.fullmatch(r"[0-9]{1,4}", value):
        return value
    if (province := province_named(value.strip())) is not None:
        return province
    raise ValueError(
        f"{value!r} is neither a province ({', '.join(PROVINCES)}) nor a postcode "
        "prefix of 1–4 digits"
    )


# One rule for every route that filters by region (a match and a vacancy search used
# to disagree: "Atlantis" was 200 on one and 422 on the other).
Region = Annotated[
    str, StringConstraints(min_length=1, max_length=64), AfterValidator(province_or_postcode)
]


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


def not_blank(value: str) -> str:
    """Refuse text that is only whitespace: it would be searched as nothing."""
    if not value.strip():
        raise ValueError("must contain text, not only whitespace")
    return value


ShortText = Annotated[str, StringConstraints(min_length=1, max_length=MAX_QUERY)]
