"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter

from app.deps import ServicesDep
from app.schemas import Health, Problem

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    """The process answers; says nothing of the store."""
    return Health(status="ok")


@router.get("/readyz", response_model=Health, responses={503: {"model": Problem}})
def readyz(services: ServicesDep) -> Health:
    """The store answers; 503 with Retry-After while it does not."""
    services.store.ping()
    return Health(status="ready", store=services.settings.store)
