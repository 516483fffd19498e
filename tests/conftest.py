"""Fixtures: the service on a real SQLite file and on a real Neo4j, behind real HTTP calls.

`make test` starts a local Neo4j and sets BCG_NEO4J_URI (and BCG_REQUIRE_NEO4J,
so that the Neo4j half can never be skipped silently).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from neo4j import Driver, GraphDatabase

from app.main import create_app
from app.settings import Settings
from graph.counts import KINDS, StatRow

API_KEY = "test-root-key-0123456789abcdef0123456789"
STORES = ["sqlite", "neo4j"]


def neo4j_uri() -> str | None:
    return os.environ.get("BCG_NEO4J_URI")


@pytest.fixture(scope="session")
def neo4j_driver() -> Iterator[Driver]:
    uri = neo4j_uri()
    if not uri:
        if os.environ.get("BCG_REQUIRE_NEO4J"):
            pytest.fail("BCG_REQUIRE_NEO4J is set but BCG_NEO4J_URI is not")
        pytest.skip("no Neo4j: run `make test`, or set BCG_NEO4J_URI")
    user = os.environ.get("BCG_NEO4J_USER")
    auth = (user, os.environ.get("BCG_NEO4J_PASSWORD", "")) if user else None
    driver = GraphDatabase.driver(uri, auth=auth, notifications_min_severity="OFF")
    driver.verify_connectivity()
    yield driver
    driver.close()


def wipe_neo4j(driver: Driver) -> None:
    """Empty the graph in batches (one transaction for a large graph exceeds its memory)."""
    with driver.session() as session:
        session.run(
            "MATCH (n) WHERE NOT n:BcgMigration "
            "CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"
        ).consume()


def make_settings(kind: str, tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "env": "test",
        "store": kind,
        "data_dir": tmp_path / "data",
        "api_key": API_KEY,
    }
    if kind == "neo4j":
        values["neo4j_uri"] = neo4j_uri()
        values["neo4j_user"] = os.environ.get("BCG_NEO4J_USER")
        values["neo4j_password"] = os.environ.get("BCG_NEO4J_PASSWORD")
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(params=STORES)
def store_kind(request: pytest.FixtureRequest) -> str:
    kind: str = request.param
    if kind == "neo4j":
        wipe_neo4j(request.getfixturevalue("neo4j_driver"))
    return kind


@pytest.fixture
def settings(store_kind: str, tmp_path: Path) -> Settings:
    return make_settings(store_kind, tmp_path)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        test_client.headers["Authorization"] = f"Bearer {API_KEY}"
        yield test_client


def dump_store(settings: Settings) -> str:
    """Every stored text of a store, to look for what must not be there."""
    if settings.store == "neo4j":
        user = os.environ.get("BCG_NEO4J_USER")
        auth = (user, os.environ.get("BCG_NEO4J_PASSWORD", "")) if user else None
        with GraphDatabase.driver(settings.neo4j_uri, auth=auth) as driver:
            nodes = driver.execute_query("MATCH (n) RETURN properties(n) AS p").records
            rels = driver.execute_query("MATCH ()-[r]->() RETURN properties(r) AS p").records
        return json.dumps([r["p"] for r in [*nodes, *rels]], default=str)
    import sqlite3

    path = settings.sql_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        rows = [list(db.execute(f"SELECT * FROM {t}")) for t in tables]
    return json.dumps(rows, default=str)


@pytest.fixture
def neo4j_uri_if_any() -> Any:
    return dump_store


def stored_counters(store: Any, tenant: str) -> list[StatRow]:
    """Every counter the store keeps for the tenant, as a list (they stream otherwise)."""
    rows: list[StatRow] = store.stats_since(tenant, KINDS, None, lambda delta: list(delta.rows))
    return rows
