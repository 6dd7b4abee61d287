"""Liveness and readiness for orchestrators and the Docker HEALTHCHECK."""

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel, Field

router = APIRouter(tags=["health"])


class Health(BaseModel):
    """Whether the process (liveness) or the service (readiness) is up."""

    status: str = Field(examples=["ok"], description="`ok`, or `starting` before readiness.")


@router.get("/healthz", summary="Liveness: the process answers", response_model=Health)
def healthz() -> Health:
    """Answers as soon as the process runs; restart the container when this fails."""
    return Health(status="ok")


@router.get(
    "/readyz",
    summary="Readiness: the store is open and loaded",
    response_model=Health,
    responses={503: {"model": Health, "description": "Still starting."}},
)
def readyz(request: Request, response: Response) -> Health:
    """Send traffic only once this answers 200."""
    if getattr(request.app.state, "ready", False):
        return Health(status="ok")
    response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return Health(status="starting")
