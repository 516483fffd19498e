"""Request dependencies as Annotated aliases: the store, the caller, the settings."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.auth import Principal, authenticate
from app.errors import ApiError
from app.settings import Settings
from graph.analytics import Counts, counts_from_history, needs_history
from graph.influence import InfluenceSettings
from graph.likely import LikelySettings
from graph.live import LiveStats
from graph.models import SegmentFilter
from graph.ports import GraphStore


@dataclass
class Services:
    """What the lifespan builds and every request shares."""

    settings: Settings
    store: GraphStore
    root_key: str
    influence: InfluenceSettings
    likely: LikelySettings
    live: LiveStats


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


@dataclass(frozen=True)
class Reading:
    """The reading tenant's counters: the store's, caught up (graph.live), or for a
    segment cut by amount or date, tallied from its closed deals."""

    services: Services
    tenant: str

    @contextmanager
    def counts(self, segment: SegmentFilter, people: bool = False) -> Iterator[Counts]:
        if needs_history(segment):
            yield counts_from_history(self.services.store, self.tenant, segment)
            return
        with self.services.live.reading(self.services.store, self.tenant, people) as counts:
            yield counts


def get_reading(services: ServicesDep, tenant: ReadTenantDep) -> Reading:
    return Reading(services, tenant)


ReadingDep = Annotated[Reading, Depends(get_reading)]
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
