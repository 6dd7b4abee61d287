"""The FastAPI application factory.

Start-up opens the store and, when it is empty, loads the embedded default ontology so
that a fresh ``overstap serve`` answers with real data; ``/readyz`` turns 200 only then.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from ontology.default import ensure_populated
from ontology.store import Store
from service.api.routes import health, meta
from service.settings import Settings, get_settings

API_VERSION = "0.1.0"


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; tests pass their own settings (temporary data dir, SQLite file)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.ready = False
        store = Store(settings.resolved_database_url)
        app.state.store = store
        if settings.load_default:
            await run_in_threadpool(ensure_populated, store)
        app.state.ready = True
        try:
            yield
        finally:
            store.close()

    app = FastAPI(
        title="overstap",
        version=API_VERSION,
        summary="Skills-ontology matching for side-entrants into technical work.",
        description="Matches a person's background to technical occupations through the "
        "ESCO / CompetentNL skills ontology. This service uses the ESCO classification "
        "of the European Commission.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.ready = False
    app.include_router(health.router)
    app.include_router(meta.router)
    return app
