"""FastAPI dependencies as ``Annotated`` aliases, so routes declare what they need."""

import hmac
from typing import Annotated, cast

from fastapi import Depends, Header, HTTPException, Request

from ontology.store import Store
from service.catalog import Catalog
from service.extraction import SkillExtractor
from service.matcher import Matcher
from service.settings import Settings
from service.vacancies import VacancyService


def get_store(request: Request) -> Store:
    """The store the app opened at start-up."""
    return cast(Store, request.app.state.store)


def get_app_settings(request: Request) -> Settings:
    """The settings the app was built with."""
    return cast(Settings, request.app.state.settings)


def get_catalog(request: Request) -> Catalog:
    """The catalog of the active snapshot, taken once per request: a snapshot switch
    during the request does not change what this request answers from."""
    catalog = getattr(request.app.state, "catalog", None)
    if catalog is None:
        raise HTTPException(503, "the service is still loading its indexes")
    return cast(Catalog, catalog)


def get_extractor(request: Request) -> SkillExtractor:
    """The skill extractor bound to the active catalog."""
    extractor = getattr(request.app.state, "extractor", None)
    if extractor is None:
        raise HTTPException(503, "the service is still loading its indexes")
    return cast(SkillExtractor, extractor)


def get_matcher(request: Request) -> Matcher:
    """The matcher bound to the active catalog."""
    matcher = getattr(request.app.state, "matcher", None)
    if matcher is None:
        raise HTTPException(503, "the service is still loading its indexes")
    return cast(Matcher, matcher)


def get_vacancies(request: Request) -> VacancyService:
    """The vacancy service bound to the active catalog."""
    service = getattr(request.app.state, "vacancies", None)
    if service is None:
        raise HTTPException(503, "the service is still loading its indexes")
    return cast(VacancyService, service)


def require_write_key(
    request: Request,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
    x_api_key: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> None:
    """Writes need the write key when one is configured (``OVERSTAP_WRITE_API_KEY``),
    given as ``Authorization: Bearer <key>`` or ``X-API-Key``. Without a configured
    key the service is open, as on a developer's machine."""
    settings = cast(Settings, request.app.state.settings)
    if settings.write_api_key is None:
        return
    expected = settings.write_api_key.get_secret_value().encode()
    given = x_api_key or ""
    if authorization and authorization.lower().startswith("bearer "):
        given = authorization[7:].strip()
    if not hmac.compare_digest(given.encode(), expected):
        raise HTTPException(
            401,
            "this call writes: it needs the write API key (X-API-Key or Bearer)",
            headers={"WWW-Authenticate": "Bearer"},
        )


StoreDep = Annotated[Store, Depends(get_store)]
MatcherDep = Annotated[Matcher, Depends(get_matcher)]
ExtractorDep = Annotated[SkillExtractor, Depends(get_extractor)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
CatalogDep = Annotated[Catalog, Depends(get_catalog)]
VacanciesDep = Annotated[VacancyService, Depends(get_vacancies)]
WriteAccess = Depends(require_write_key)
