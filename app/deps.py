"""Request dependencies as Annotated aliases: the store, the caller, the settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.auth import Principal, authenticate
from app.errors import ApiError
from app.settings import Settings
from graph.influence import InfluenceSettings
from graph.likely import LikelySettings
from graph.ports import GraphStore
from graph.readmodel import ReadModel, ReadModels


@dataclass
class Services:
    """What the lifespan builds and every request shares."""

    settings: Settings
    store: GraphStore
    root_key: str
    influence: InfluenceSettings
    likely: LikelySettings
    read_models: ReadModels


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def get_store(services: ServicesDep) -> GraphStore:
    return services.store


def get_settings(services: ServicesDep) -> Settings:
    return services.settings


StoreDep = Annotated[GraphStore, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings)]

_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer <key>`.")


def get_principal(
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or not credentials.credentials:
        raise ApiError(
            401,
            "unauthorized",
            "Unauthorized",
            "An API key is required.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    principal = authenticate(credentials.credentials, services.root_key, services.store)
    if principal is None:
        raise ApiError(
            401,
            "unauthorized",
            "Unauthorized",
            "The API key is not valid.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def _scoped(scope: str) -> object:
    def check(principal: PrincipalDep) -> str:
        if scope not in principal.scopes:
            raise ApiError(403, "forbidden", "Forbidden", f"This key lacks the {scope!r} scope.")
        return principal.tenant

    return check


ReadTenantDep = Annotated[str, Depends(_scoped("read"))]


def get_read_model(services: ServicesDep, tenant: ReadTenantDep) -> ReadModel:
    """The reading tenant's closed deals at the store's current data version."""
    return services.read_models.get(services.store, tenant)


ReadModelDep = Annotated[ReadModel, Depends(get_read_model)]
IngestTenantDep = Annotated[str, Depends(_scoped("ingest"))]


def _ingest(principal: PrincipalDep) -> Principal:
    if "ingest" not in principal.scopes:
        raise ApiError(403, "forbidden", "Forbidden", "This key lacks the 'ingest' scope.")
    return principal


IngestPrincipalDep = Annotated[Principal, Depends(_ingest)]


def _admin(principal: PrincipalDep) -> Principal:
    if "admin" not in principal.scopes:
        raise ApiError(403, "forbidden", "Forbidden", "This key lacks the 'admin' scope.")
    return principal


AdminDep = Annotated[Principal, Depends(_admin)]
