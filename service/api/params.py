"""Query and path parameters shared by the routes, declared once so every route
documents and validates them the same way."""

from typing import Annotated, Any

from fastapi import Path, Query

Lang = Annotated[
    str,
    Query(
        min_length=2,
        max_length=8,
        description="Language of display labels and descriptions; falls back to another "
        "language (and says so) when a concept has none.",
        examples=["nl"],
    ),
]
Limit = Annotated[int, Query(ge=1, le=100, description="How many results (1–100).", examples=[10])]
ConceptId = Annotated[
    str,
    Path(
        description="Short id (the URI's last segment) or the full URI, as answers give "
        "them (`http://data.europa.eu/esco/…`; percent-encoded or not).",
        max_length=300,
        examples=["4910419f-b4af-4f59-b544-9dbebc8a74f0"],
    ),
]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such id (problem+json)."}}
