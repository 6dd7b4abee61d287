"""What the service has loaded."""

from fastapi import APIRouter

from models.domain import StoreStats
from service.api.deps import StoreDep

router = APIRouter(prefix="/v1", tags=["meta"])


@router.get(
    "/stats",
    summary="Counts of what the store holds",
    response_model=StoreStats,
    description="Occupations, skills, relations by type, labels by language and kind, "
    "qualifications, certificates, vacancies and taxonomy versions present.",
)
def stats(store: StoreDep) -> StoreStats:
    """The same counts `overstap stats --json` prints."""
    return store.stats()
