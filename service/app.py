"""The FastAPI application factory.

Start-up opens the store (loading the embedded default into an empty one), the
embedder and the active index snapshot (building one when none exists); ``/readyz``
turns 200 only then. Requests before that get 503 problems.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from ontology.store import Store
from service.api import problems
from service.api.routes import concepts, health, match, meta, search
from service.extraction import SkillExtractor
from service.matcher import Matcher
from service.runtime import open_catalog
from service.settings import Settings, get_settings

API_VERSION = "1.0.0"


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; tests pass their own settings (temporary data dir, SQLite file)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.ready = False
        store = Store(settings.resolved_database_url)
        app.state.store = store
        catalog = await run_in_threadpool(open_catalog, settings, store)
        extractor = SkillExtractor(catalog)
        await run_in_threadpool(extractor.default_threshold)  # calibrate before ready
        matcher = await run_in_threadpool(Matcher, catalog, extractor)
        app.state.catalog, app.state.extractor, app.state.matcher = catalog, extractor, matcher
        app.state.ready = True
        try:
            yield
        finally:
            app.state.ready = False
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
    problems.install(app)
    app.add_middleware(problems.BodySizeLimit, limit=settings.max_body_bytes)
    for router in (health.router, meta.router, search.router, concepts.router, match.router):
        app.include_router(router)
    return app
