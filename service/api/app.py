"""The FastAPI application factory.

Start-up opens the store (loading the embedded default into an empty one), the
embedder and the active index snapshot (building one when none exists); ``/readyz``
turns 200 only then. Requests before that get 503 problems. Two background tasks run
while serving: one applies vacancies other processes wrote, one switches to a
snapshot another process activated.
"""

import asyncio
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from functools import partial
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from starlette.concurrency import run_in_threadpool
from starlette.routing import Route

from indexes.snapshot import SnapshotDirectory
from ontology.store import Store
from service import __version__
from service.api import metrics, openapi_doc, problems
from service.api.access import KeyRing, RateLimiter, ReadAccess
from service.api.deps import SNAPSHOT_HEADER
from service.api.protocol import HttpProtocol
from service.api.routes import admin, concepts, health, match, meta, search, vacancies
from service.logs import REQUEST_ID, AccessLog
from service.runtime.live import LiveServices
from service.runtime.memory import freeze_start_up, thaw_start_up
from service.runtime.reindex import Reindexer
from service.runtime.services import Services, open_services
from service.settings import Settings, get_settings

WEB_DIR = Path(__file__).parents[1] / "web"  # the advisor page: static HTML, CSS and JS
log = logging.getLogger("overstap.app")


async def every(seconds: float, what: str, work: Callable[[], object]) -> None:
    """Run ``work`` in a worker thread every ``seconds``; a failed round is logged and
    retried, never fatal."""
    while True:
        await asyncio.sleep(seconds)
        try:
            await run_in_threadpool(work)
        except Exception:
            log.exception("%s failed; retrying in %.0f s", what, seconds)


def _retire(settings: Settings) -> Callable[[Services], None]:
    """What happens to services no request uses any more: their snapshot's lease is
    given up and unused snapshot folders are removed, off the request's thread."""
    directory = SnapshotDirectory(settings.snapshots_dir)

    def retire(services: Services) -> None:
        lease = services.catalog.snapshot.lease
        if lease is not None:
            threading.Thread(target=directory.release, args=(lease,), daemon=True).start()

    return retire


def operation_id(route: APIRoute) -> str:
    """A generated client's method name: the endpoint function's name in camelCase
    (``search_occupations`` → ``searchOccupations``), unique because the names are."""
    head, *rest = route.name.split("_")
    return head + "".join(word.capitalize() for word in rest)


def _shown(host: str) -> str:
    """Where a browser on this machine reaches a server bound to ``host``."""
    if host in {"0.0.0.0", "::", ""}:
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


def _safe_url(settings: Settings) -> str:
    """The database URL without its password, for the log."""
    from sqlalchemy.engine import make_url

    return make_url(settings.resolved_database_url).render_as_string(hide_password=True)


def _route_paths(app: FastAPI) -> dict[str, list[str]]:
    """Every path with its methods: the documented ones (included routers and all) and
    the app's own routes the document leaves out (/docs, /metrics, /openapi.json)."""
    paths = {path: list(ops) for path, ops in app.openapi().get("paths", {}).items()}
    for route in app.routes:
        if isinstance(route, Route) and route.methods and route.path not in paths:
            paths[route.path] = sorted(route.methods)
    return paths


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; tests pass their own settings (temporary data dir, SQLite file)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.ready = False
        started = time.monotonic()
        log.info("starting: store %s, data in %s", _safe_url(settings), settings.data_dir)
        store = Store(settings.resolved_database_url, settings.db_upgrade)
        app.state.store = store
        services = await run_in_threadpool(partial(open_services, settings, store, serving=True))
        freeze_start_up()  # no first-request collection through all of it (thawed below)
        live = LiveServices(services, _retire(settings))
        reindexer = Reindexer(settings, live)
        app.state.live, app.state.reindexer = live, reindexer
        tasks = [
            asyncio.create_task(
                every(
                    settings.vacancy_sync_seconds,
                    "vacancy index sync",
                    lambda: live.current.vacancies.index.sync(store),
                )
            ),
            asyncio.create_task(
                every(settings.snapshot_sync_seconds, "snapshot follow", reindexer.follow)
            ),
        ]
        app.state.ready = True
        base = f"http://{_shown(settings.host)}:{settings.port}"
        log.info(
            "ready in %.0f s: the advisor page at %s/, the API documentation at %s/docs",
            time.monotonic() - started,
            base,
            base,
        )
        try:
            yield
        finally:
            app.state.ready = False
            for task in tasks:
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await task
            lease = live.current.catalog.snapshot.lease
            if lease is not None:
                lease.unlink(missing_ok=True)
            store.close()
            thaw_start_up()  # what this app built can be collected again

    # The documentation page (/docs) with its scripts and styles served by this process
    # (fastapi-offline carries them): the service runs where there is no internet, and
    # FastAPI's own page loads them from a CDN. No /redoc: ReDoc fetches its logo from
    # cdn.redoc.ly whatever it is told (seen in the browser test).
    app = FastAPIOffline(
        title="overstap",
        redoc_url=None,
        version=__version__,
        summary="Skills-ontology matching for side-entrants into technical work.",
        description="Search the skills ontology (ESCO, CompetentNL, the embedded Dutch "
        "default), normalise job titles and look up occupations, skills, certificates "
        "and mbo qualifications. Errors are RFC 9457 problem+json. Writes and admin "
        "calls need an API key (`Authorization: Bearer <key>` or `X-API-Key`). Every "
        f"answer names the index snapshot that produced it in `{SNAPSHOT_HEADER}`. This "
        "service uses the ESCO classification of the European Commission.",
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
        # Swagger UI would send the document to validator.swagger.io from any host but
        # localhost: nothing leaves the machine.
        swagger_ui_parameters={"validatorUrl": None},
        servers=[{"url": settings.public_url, "description": "This service."}],
    )
    app.state.settings = settings
    app.state.ready = False
    app.state.live = None
    app.state.reindexer = None
    app.state.keys = KeyRing(settings.api_keys)
    app.state.rate_limiter = (
        RateLimiter(settings.rate_limit_per_minute) if settings.rate_limit_per_minute else None
    )
    problems.install(app)
    app.add_middleware(HttpProtocol, paths=lambda: _route_paths(app))  # innermost
    app.add_middleware(problems.BodySizeLimit, limit=settings.max_body_bytes)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "X-API-Key", "Content-Type", REQUEST_ID],
            expose_headers=[REQUEST_ID, SNAPSHOT_HEADER, "Retry-After"],
            max_age=600,
        )
    metrics.install(app)  # outside the refusals above, so they are counted too
    app.add_middleware(AccessLog)  # outermost: it sees every answer, refusals included
    app.include_router(health.router)
    # match before concepts: /v1/occupations/{id:path}/transitions must be tried before
    # /v1/occupations/{id:path} (a URI id has slashes, so the latter would swallow it).
    for module in (meta, search, match, concepts, vacancies, admin):
        app.include_router(module.router, dependencies=[ReadAccess])
    openapi_doc.install(app, settings)
    # The advisor page at / (index.html) with its CSS and JS. Mounted last: routes are
    # tried in order, so /v1, /docs, /openapi.json and the health checks come first and
    # only paths no route claims reach the static files.
    app.mount("/", StaticFiles(directory=WEB_DIR, html=True), name="web")
    return app
