"""Vacancies: batch upsert, look-up, removal, search and candidate backgrounds."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Response

from service.api.access import AUTH_RESPONSES, KeyRequired
from service.api.deps import VacanciesDep
from service.api.params import NOT_FOUND, Lang, Limit
from service.schemas.vacancies import (
    CandidateOccupationsAnswer,
    VacancyBatch,
    VacancyBatchAnswer,
    VacancyOut,
    VacancySearchAnswer,
    VacancySearchRequest,
)
from service.vacancies.answer import candidates_answer, ingest_batch, search_answer, vacancy_out
from service.vacancies.service import VacancyQuery

router = APIRouter(prefix="/v1/vacancies", tags=["vacancies"])

VacancyId = Annotated[
    str,
    Path(description="The publisher's vacancy id.", max_length=120, examples=["vac-2026-000123"]),
]


@router.post(
    "",
    summary="Store or update vacancies (batch upsert by id)",
    response_model=VacancyBatchAnswer,
    dependencies=[KeyRequired],
    responses={
        **AUTH_RESPONSES,
        422: {
            "description": "Atomic batch with invalid records, "
            "or a malformed body (problem+json naming the fields)."
        },
    },
    description="Up to 500 vacancies per call. Each is checked on its own: the answer says "
    "per record whether it was created, updated, unchanged or invalid (and why); valid "
    "records are stored even when others are not, unless `atomic` is true (then one "
    "invalid record fails the call with 422 and nothing is stored). Stored means durable: "
    "the vacancy, its occupations, skills and vector are committed before the answer.",
)
def upsert_vacancies(service: VacanciesDep, batch: VacancyBatch) -> VacancyBatchAnswer:
    """Derive, store and index the valid records."""
    return ingest_batch(service, batch)


@router.post(
    "/search",
    summary="Vacancies that fit a person",
    response_model=VacancySearchAnswer,
    description="Open vacancies ranked by fit to a text (story, CV, query) and/or skills, "
    "optionally only for some occupations, in a region (province or postcode prefix), "
    "posted since a day and above a minimum score. Filters are applied inside the "
    "vector search, so `limit` results come back whenever that many pass. Each result "
    "shows the vacancy skills the person has (with where the vacancy asks for them) "
    "and those missing.",
)
def search_vacancies(service: VacanciesDep, request: VacancySearchRequest) -> VacancySearchAnswer:
    """Ranked open vacancies."""
    query = VacancyQuery(
        text=request.text,
        occupations=request.occupations,
        skills=request.skills,
        region=request.region,
        posted_since=request.posted_since,
        min_score=request.min_score,
        limit=request.limit,
    )
    return search_answer(service, service.search(query, date.today()), request.lang)


@router.get(
    "/{id}",
    summary="One vacancy",
    response_model=VacancyOut,
    responses=NOT_FOUND,
    description="The vacancy as stored, with the occupations its title names and the "
    "skills found in its text (with offsets). Expired vacancies are still returned "
    "(`expired: true`) until deleted.",
)
def get_vacancy(service: VacanciesDep, id: VacancyId, lang: Lang = "nl") -> VacancyOut:
    """The stored vacancy."""
    return vacancy_out(service, service.get(id), lang, date.today())


@router.delete(
    "/{id}",
    summary="Remove a vacancy",
    status_code=204,
    responses={**NOT_FOUND, **AUTH_RESPONSES},
    dependencies=[KeyRequired],
    description="Removes the vacancy and its vector; it never appears in results again.",
)
def delete_vacancy(service: VacanciesDep, id: VacancyId) -> Response:
    """Delete by id."""
    service.delete(id)
    return Response(status_code=204)


@router.get(
    "/{id}/candidate-occupations",
    summary="Backgrounds that fit a vacancy",
    response_model=CandidateOccupationsAnswer,
    responses=NOT_FOUND,
    description="Occupations whose skills cover most of this vacancy's skills (weighted "
    "by extraction confidence; the essential skills of its occupation when none were "
    "found): where side-entrants for this job can come from. The vacancy's own "
    "occupations are left out.",
)
def vacancy_candidate_occupations(
    service: VacanciesDep, id: VacancyId, limit: Limit = 10, lang: Lang = "nl"
) -> CandidateOccupationsAnswer:
    """Ranked backgrounds."""
    return candidates_answer(service, id, limit, lang)
