"""FastAPI dependencies as ``Annotated`` aliases, so routes declare what they need."""

from typing import Annotated, cast

from fastapi import Depends, Request

from ontology.store import Store
from service.settings import Settings


def get_store(request: Request) -> Store:
    """The store the app opened at start-up."""
    return cast(Store, request.app.state.store)


def get_app_settings(request: Request) -> Settings:
    """The settings the app was built with."""
    return cast(Settings, request.app.state.settings)


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
