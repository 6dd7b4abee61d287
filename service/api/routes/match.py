"""The side-entrant match."""

from fastapi import APIRouter

from service.api.deps import MatcherDep
from service.matcher import MatchRequestData, to_answer
from service.schemas import MatchAnswer, MatchRequest

router = APIRouter(prefix="/v1", tags=["match"])


@router.post(
    "/match",
    summary="Technical occupations for a person's background",
    response_model=MatchAnswer,
    description="From a story, past occupations, stated skills and held trainings: ranked "
    "technical occupations with the skills the person brings (with evidence), the missing "
    "essential skills, a short training route with hours, vacancies and a sentence to read "
    "out. The profile is personal data: it is neither stored nor logged.",
)
def match(matcher: MatcherDep, request: MatchRequest) -> MatchAnswer:
    """Ranked matches."""
    data = MatchRequestData(**request.model_dump())
    return to_answer(matcher, matcher.match(data), request.lang)
