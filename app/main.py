"""The app factory and its lifespan: settings in, a ready FastAPI app out.

Nothing is built at import time: the store (Neo4j driver or SQLAlchemy
engine) is created in the lifespan, kept in a typed `Services` on the app
state, and closed when the app stops.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from app import pages
from app.auth import resolve_root_key
from app.deps import Services
from app.errors import install_error_handlers
from app.logs import AccessLog
from app.middleware import BodySizeLimit
from app.openapi import install_problem_openapi
from app.routes import analysis, health, ingest, keys, marketing, people, reads, signals, webhooks
from app.settings import Settings
from app.stores import build_store
from app.webhooks import SignalWorker
from graph.errors import StoreUnavailable
from graph.influence import InfluenceSettings
from graph.likely import LikelySettings
from graph.live import LiveStats

log = logging.getLogger("bcg")


def create_app(settings: Settings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        root = resolve_root_key(settings)
        if root.created_now:
            print(
                f"Root API key (shown once; kept in {settings.data_dir / 'root_key'}):\n"
                f"  {root.value}",
                flush=True,
            )
        store = build_store(settings)
        try:
            applied = store.migrate()
            if applied:
                log.info("applied migrations %s", applied)
        except StoreUnavailable:
            log.warning("store unreachable at start; /readyz answers 503 until it is back")
        live = LiveStats(settings.read_cache_tenants)
        app.state.services = Services(
            settings, store, root.value, InfluenceSettings(), LikelySettings(), live
        )
        worker = SignalWorker(settings, store, InfluenceSettings(), LikelySettings(), live)
        if settings.signal_worker:
            worker.start()
        try:
            yield
        finally:
            worker.stop()
            store.close()

    app = FastAPI(
        title="Buying-committee graph",
        version="0.1.0",
        summary="Who sits in B2B buying decisions, and whose presence predicts the outcome.",
        description=(
            "Reach is not influence: every score is an effect on the win rate, with its "
            "evidence and its uncertainty. Authenticate with `Authorization: Bearer <key>`."
        ),
        lifespan=lifespan,
    )
    install_error_handlers(app)
    install_problem_openapi(app)
    app.include_router(health.router)
    app.include_router(ingest.router)
    app.include_router(reads.router)
    app.include_router(analysis.router)
    app.include_router(people.router)
    app.include_router(keys.router)
    app.include_router(marketing.router)
    app.include_router(signals.router)
    app.include_router(webhooks.router)
    app.mount(pages.STATIC_PATH, pages.static_files(), name="pages-static")
    app.include_router(pages.router)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
        )
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(AccessLog)
    return app
