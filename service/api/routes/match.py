"""The side-entrant match."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from service.api.access import RATE_RESPONSES, RateLimited
from service.api.deps import MatcherDep, TimingsDep
from service.api.params import NOT_FOUND, ConceptId, Lang, Limit
from service.match.answer import to_answer, to_transition_answer
from service.schemas.match import MatchAnswer, MatchRequest, TransitionAnswer

router = APIRouter(prefix="/v1", tags=["match"])


@router.post(
    "/match",
    summary="Technical occupations for a person's background",
    response_model=MatchAnswer,
    dependencies=[RateLimited],
    responses=RATE_RESPONSES,
    description="From a story, past occupations, stated skills and held trainings: ranked "
    "technical occupations with the skills the person brings (with evidence), the missing "
    "essential skills, a short training route with hours (only skills a training teaches, "
    "marked exact/narrower/broader), vacancies and a sentence for the advisor. `profile` "
    "says what every input resolved to and how sure; when nothing fits, `matches` is empty "
    "and `message` says why. A free label no concept fits with confidence is 422 naming "
    "the field, with `did_you_mean`. The profile is personal data: it is neither stored "
    "nor logged.",
)
def match(matcher: MatcherDep, timings: TimingsDep, request: MatchRequest) -> MatchAnswer:
    """Ranked matches."""
    with timings.match.time():
        outcome = matcher.match(request)
    return to_answer(matcher, outcome, request.lang)


@router.get(
    "/occupations/{id:path}/transitions",
    summary="Occupations reachable from an occupation (van werk naar werk)",
    response_model=TransitionAnswer,
    responses=NOT_FOUND,
    description="A match whose only input is this occupation's essential skills (marked "
    "inferred): ranked by the same score as /v1/match, 0.8 · weighted essential coverage + "
    "0.2 · optional (specificity-weighted, semantic similarity counting), with the gap, the "
    "short and long training routes and vacancies for each. Empty for an occupation that "
    "lists no essential skills.",
)
def transitions(
    matcher: MatcherDep,
    id: ConceptId,
    target: Annotated[
        Literal["techniek", "all"],
        Query(
            description="techniek (the technical set, as in /v1/match) or all.",
            examples=["techniek"],
        ),
    ] = "techniek",
    limit: Limit = 10,
    max_training_hours: Annotated[
        int | None,
        Query(ge=1, le=10_000, description="Budget for each short route.", examples=[200]),
    ] = None,
    lang: Lang = "nl",
) -> TransitionAnswer:
    """Transitions from one occupation."""
    uri, results = matcher.transitions(id, target, limit, max_training_hours)
    return to_transition_answer(matcher, uri, results, lang)
