"""Admin calls: re-index without downtime, and housekeeping. Every one needs an API key."""

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Path, Response

from ontology.housekeeping import PurgePolicy
from service.api.access import AUTH_RESPONSES, KeyRequired
from service.api.deps import ReindexerDep, VacanciesDep
from service.runtime.reindex import ReindexBusyError
from service.schemas.admin import PurgeIn, PurgeOut, ReindexJobOut

router = APIRouter(prefix="/v1/admin", tags=["admin"], dependencies=[KeyRequired])
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"description": "A re-index is running already, here or in another process."}
}
JobId = Annotated[str, Path(description="The job id.", max_length=64, examples=["3f2a9c1d0b7e"])]


@router.post(
    "/reindex",
    summary="Re-index in the background and switch to the new snapshot",
    response_model=ReindexJobOut,
    status_code=202,
    responses={**AUTH_RESPONSES, **CONFLICT},
    description="Builds a new index snapshot of the store beside the active one, then "
    "switches to it atomically: requests in flight finish on the snapshot they started "
    "with, and no answer mixes two snapshots. Returns at once with a job to poll; the "
    "`Location` header points at it. One re-index runs at a time per snapshots folder.",
)
def start_reindex(reindexer: ReindexerDep, response: Response) -> ReindexJobOut:
    """Accept a job."""
    try:
        job = reindexer.start()
    except ReindexBusyError as exc:
        raise HTTPException(409, str(exc)) from None
    response.headers["Location"] = f"/v1/admin/reindex/{job.id}"
    return ReindexJobOut.model_validate(job, from_attributes=True)


@router.get(
    "/reindex/{job}",
    summary="Progress of a re-index job",
    response_model=ReindexJobOut,
    responses={**AUTH_RESPONSES, 404: {"description": "No such job (problem+json)."}},
    description="Stage, items done and total, and once finished the snapshot that went "
    "live (or why it failed). The last 50 jobs are kept.",
)
def get_reindex_job(reindexer: ReindexerDep, job: JobId) -> ReindexJobOut:
    """One job."""
    found = reindexer.job(job)
    if found is None:
        raise HTTPException(404, f"no re-index job {job!r}")
    return ReindexJobOut.model_validate(found, from_attributes=True)


@router.post(
    "/purge",
    summary="Delete expired vacancies and old change-log rows",
    response_model=PurgeOut,
    responses={**AUTH_RESPONSES},
    description="Housekeeping, as `overstap db purge` does it: vacancies that expired "
    "more than `expired_days` ago are deleted with what was derived from them (as "
    "`DELETE /v1/vacancies/{id}` would), and change-log rows older than `change_days` "
    "(all but the newest). Vacancies go in chunks of 500, each one transaction (a purge "
    "that stops half-way leaves every chunk whole); every server's index drops the deleted "
    "vacancies (this one at once, the others at their next sync). Run it from a "
    "scheduler, e.g. daily; `dry_run` counts without deleting.",
)
def purge_vacancies(
    vacancies: VacanciesDep, body: Annotated[PurgeIn | None, Body()] = None
) -> PurgeOut:
    """Purge now (takes the vacancy writer lock one chunk at a time)."""
    wanted = body or PurgeIn()
    report = vacancies.purge(
        PurgePolicy(expired_days=wanted.expired_days, change_days=wanted.change_days),
        dry_run=wanted.dry_run,
    )
    return PurgeOut.model_validate(asdict(report))
