"""FastAPI dependencies as ``Annotated`` aliases, so routes declare what they need.

Every per-request service comes from one ``Services`` taken once per request
(FastAPI caches a dependency within a request): catalog, extractor, matcher and
vacancies of one request always belong to the same snapshot, however many of them a
route asks for, even when a re-index switches snapshots meanwhile.
"""

from collections.abc import Iterator
from typing import Annotated, cast

from fastapi import Depends, HTTPException, Request, Response

from ontology.store import Store
from service.api.metrics import Timings
from service.catalog import Catalog
from service.extraction.extractor import SkillExtractor
from service.match.matcher import Matcher
from service.runtime.live import LiveServices
from service.runtime.reindex import Reindexer
from service.runtime.services import Services
from service.settings import Settings
from service.vacancies.service import VacancyService

SNAPSHOT_HEADER = "X-Overstap-Snapshot"


def get_store(request: Request) -> Store:
    """The store the app opened at start-up."""
    return cast(Store, request.app.state.store)


def get_app_settings(request: Request) -> Settings:
    """The settings the app was built with."""
    return cast(Settings, request.app.state.settings)


def get_services(request: Request, response: Response) -> Iterator[Services]:
    """The live services, held until the request is answered; the answer names the
    snapshot in a header (and in the log line)."""
    live: LiveServices | None = getattr(request.app.state, "live", None)
    if live is None:
        raise HTTPException(503, "the service is still loading its indexes")
    with live.using() as services:
        snapshot = services.catalog.snapshot.id
        request.state.snapshot = snapshot
        response.headers[SNAPSHOT_HEADER] = snapshot
        yield services


ServicesDep = Annotated[Services, Depends(get_services)]


def get_catalog(services: ServicesDep) -> Catalog:
    """The catalog of this request's snapshot."""
    return services.catalog


def get_extractor(services: ServicesDep) -> SkillExtractor:
    """The skill extractor of this request's snapshot."""
    return services.extractor


def get_matcher(services: ServicesDep) -> Matcher:
    """The matcher of this request's snapshot."""
    return services.matcher


def get_vacancies(services: ServicesDep) -> VacancyService:
    """The vacancy service of this request's snapshot."""
    return services.vacancies


def get_reindexer(request: Request) -> Reindexer:
    """The re-index jobs of this server."""
    reindexer: Reindexer | None = getattr(request.app.state, "reindexer", None)
    if reindexer is None:
        raise HTTPException(503, "the service is still loading its indexes")
    return reindexer


def get_timings(request: Request) -> Timings:
    """The service-layer histograms of ``/metrics``."""
    return cast(Timings, request.app.state.timings)


StoreDep = Annotated[Store, Depends(get_store)]
TimingsDep = Annotated[Timings, Depends(get_timings)]
MatcherDep = Annotated[Matcher, Depends(get_matcher)]
ExtractorDep = Annotated[SkillExtractor, Depends(get_extractor)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
CatalogDep = Annotated[Catalog, Depends(get_catalog)]
VacanciesDep = Annotated[VacancyService, Depends(get_vacancies)]
ReindexerDep = Annotated[Reindexer, Depends(get_reindexer)]
