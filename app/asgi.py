"""Entry point for multi-worker servers: `uvicorn app.asgi:app --factory`."""

from __future__ import annotations

from fastapi import FastAPI

from app.main import create_app
from app.settings import Settings


def app() -> FastAPI:
    return create_app(Settings())
