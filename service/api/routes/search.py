"""Search, suggestions and job-title normalisation."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import AfterValidator

from models.vocabulary import ConceptKind
from service.api.access import RATE_RESPONSES, RateLimited
from service.api.deps import CatalogDep, ExtractorDep, TimingsDep
from service.api.params import Lang, Limit
from service.schemas.common import MAX_QUERY, not_blank
from service.schemas.search import (
    ExtractAnswer,
    ExtractRequest,
    NormalizeAnswer,
    NormalizeRequest,
    SearchAnswer,
)

router = APIRouter(prefix="/v1", tags=["search"])

QueryText = Annotated[
    str,
    Query(
        min_length=1,
        max_length=MAX_QUERY,
        description="What to look for, in any language.",
        examples=["elektricien"],
    ),
    AfterValidator(not_blank),
]


@router.get(
    "/occupations/search",
    summary="Search occupations",
    response_model=SearchAnswer,
    description="Ranked occupations for a free-text query, matched against every label "
    "in every language (a Dutch query finds occupations with English labels only).",
)
def search_occupations(
    catalog: CatalogDep, q: QueryText, lang: Lang = "nl", limit: Limit = 10
) -> SearchAnswer:
    """Occupations ranked by fused dense + character similarity."""
    return catalog.search(ConceptKind.OCCUPATION, q, lang, limit)


@router.get(
    "/skills/search",
    summary="Search skills and knowledge",
    response_model=SearchAnswer,
    description="Ranked skills for a free-text query; `type` narrows to skills "
    "(skill/competence) or knowledge.",
)
def search_skills(
    catalog: CatalogDep,
    q: QueryText,
    lang: Lang = "nl",
    limit: Limit = 10,
    type: Annotated[
        Literal["skill", "knowledge"] | None,
        Query(
            description="skill (skill/competence) or knowledge; default both.", examples=["skill"]
        ),
    ] = None,
) -> SearchAnswer:
    """Skills ranked by fused similarity, optionally of one type."""
    skill_type = {"skill": "skill/competence", "knowledge": "knowledge"}.get(type or "")
    return catalog.search(ConceptKind.SKILL, q, lang, limit, skill_type)


@router.get(
    "/suggest",
    summary="As-you-type suggestions",
    response_model=SearchAnswer,
    description="Suggestions while an advisor types (2+ characters): occupations, skills, "
    "certificates and qualifications; tolerant of typos and partial words.",
)
def suggest(
    catalog: CatalogDep,
    q: Annotated[
        str,
        Query(
            min_length=2,
            max_length=MAX_QUERY,
            examples=["elektr"],
            description="What has been typed so far (2+ characters).",
        ),
        AfterValidator(not_blank),
    ],
    types: Annotated[
        str,
        Query(
            description="Comma-separated kinds: occupation, skill, certificate, qualification.",
            examples=["occupation,skill"],
        ),
    ] = "occupation,skill,certificate,qualification",
    lang: Lang = "nl",
    limit: Limit = 10,
) -> SearchAnswer:
    """Merged, ranked suggestions across the requested kinds."""
    kinds = _kinds(types)
    return catalog.suggest(q, kinds, lang, limit)


def _kinds(types: str) -> list[ConceptKind]:
    from fastapi.exceptions import RequestValidationError

    allowed = {"occupation", "skill", "certificate", "qualification"}
    names = [t.strip() for t in types.split(",") if t.strip()]
    unknown = [n for n in names if n not in allowed]
    if unknown or not names:
        raise RequestValidationError(
            [
                {
                    "loc": ("query", "types"),
                    "msg": f"unknown type(s) {', '.join(unknown) or '(none)'}; "
                    f"use {', '.join(sorted(allowed))}",
                    "type": "value_error",
                }
            ]
        )
    return [ConceptKind(n) for n in dict.fromkeys(names)]


@router.post(
    "/job-titles/normalize",
    summary="Normalise job titles to occupations",
    response_model=NormalizeAnswer,
    description="A batch of up to 500 titles in one call; one result per title, in order, "
    "each with its ranked occupations.",
)
def normalize_job_titles(catalog: CatalogDep, request: NormalizeRequest) -> NormalizeAnswer:
    """Occupations for each title."""
    return catalog.normalize(request.titles, request.lang, request.limit)


@router.post(
    "/skills/extract",
    summary="Extract skills from a free text, with evidence",
    response_model=ExtractAnswer,
    dependencies=[RateLimited],
    responses=RATE_RESPONSES,
    description="The ontology skills a CV paragraph, vacancy or personal story mentions, "
    "each with a confidence and the sentence or clause it came from as `start`/`end` "
    "character offsets into `text`. Only what makes a claim is read (`text_kind`): in a "
    "story not the wishes or what someone else did, in a vacancy not the offer, the "
    "employer or how to apply. Boilerplate yields nothing above the default threshold, "
    "the same one the match uses (see README).",
)
def extract_skills(
    extractor: ExtractorDep, timings: TimingsDep, request: ExtractRequest
) -> ExtractAnswer:
    """Skills in the text, best first, duplicates merged."""
    with timings.extract.time():
        return extractor.extract(
            request.text, request.lang, request.threshold, request.limit, request.text_kind
        )
