"""The FastAPI application factory.

Start-up opens the store (loading the embedded default into an empty one), the
embedder and the active index snapshot (building one when none exists); ``/readyz``
turns 200 only then. Requests before that get 503 problems.
"""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from functools import partial

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from ontology.store import Store
from service.api import problems
from service.api.routes import concepts, health, match, meta, search, vacancies
from service.runtime import open_services
from service.settings import Settings, get_settings
from service.vacancies import VacancyService

API_VERSION = "1.1.0"
log = logging.getLogger("overstap.app")


async def follow_vacancies(service: VacancyService, every: float) -> None:
    """Apply vacancies that other processes wrote (the CLI, other replicas) to this
    process's index; a failed round is logged and retried, never fatal."""
    while True:
        await asyncio.sleep(every)
        try:
            await run_in_threadpool(service.index.sync, service.store)
        except Exception:
            log.exception("vacancy index sync failed; retrying in %.0f s", every)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; tests pass their own settings (temporary data dir, SQLite file)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.ready = False
        store = Store(settings.resolved_database_url)
        app.state.store = store
        services = await run_in_threadpool(partial(open_services, settings, store, serving=True))
        app.state.catalog, app.state.extractor = services.catalog, services.extractor
        app.state.matcher, app.state.vacancies = services.matcher, services.vacancies
        follower = asyncio.create_task(
            follow_vacancies(services.vacancies, settings.vacancy_sync_seconds)
        )
        app.state.ready = True
        try:
            yield
        finally:
            app.state.ready = False
            follower.cancel()
            with suppress(asyncio.CancelledError):
                await follower
            store.close()

    app = FastAPI(
        title="overstap",
        version=API_VERSION,
        summary="Skills-ontology matching for side-entrants into technical work.",
        description="Search the skills ontology (ESCO, CompetentNL, the embedded Dutch "
        "default), normalise job titles and look up occupations, skills, certificates "
        "and mbo qualifications. Errors are RFC 9457 problem+json. This service uses "
        "the ESCO classification of the European Commission.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.ready = False
    app.state.catalog = None
    app.state.extractor = None
    app.state.matcher = None
    app.state.vacancies = None
    problems.install(app)
    app.add_middleware(problems.BodySizeLimit, limit=settings.max_body_bytes)
    routers = (health, meta, search, concepts, match, vacancies)
    for module in routers:
        app.include_router(module.router)
    return app
