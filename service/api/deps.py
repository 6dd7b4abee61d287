"""FastAPI dependencies as ``Annotated`` aliases, so routes declare what they need."""

from typing import Annotated, cast

from fastapi import Depends, HTTPException, Request

from ontology.store import Store
from service.catalog import Catalog
from service.extraction import SkillExtractor
from service.matcher import Matcher
from service.settings import Settings


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


StoreDep = Annotated[Store, Depends(get_store)]
MatcherDep = Annotated[Matcher, Depends(get_matcher)]
ExtractorDep = Annotated[SkillExtractor, Depends(get_extractor)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
CatalogDep = Annotated[Catalog, Depends(get_catalog)]
