"""Building a store from settings: the one place that makes engines and drivers.

Each store's library is imported only when that store is built: a Neo4j worker
never loads SQLAlchemy (about 26 MB a process) nor an embedded one the driver.
"""

from __future__ import annotations

from typing import Any

from app.settings import Settings
from graph.ports import GraphStore


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")  # as the driver's own timeout
    cursor.close()


def build_store(settings: Settings) -> GraphStore:
    if settings.store == "neo4j":
        from neo4j import GraphDatabase

        from graph.neo4j.store import Neo4jGraphStore

        auth = None
        if settings.neo4j_user:
            password = settings.neo4j_password.get_secret_value() if settings.neo4j_password else ""
            auth = (settings.neo4j_user, password)
        driver = GraphDatabase.driver(
            settings.neo4j_uri,
            auth=auth,
            connection_timeout=5.0,
            connection_acquisition_timeout=10.0,
            max_transaction_retry_time=5.0,
            notifications_min_severity="OFF",
        )
        return Neo4jGraphStore(driver, settings.neo4j_database, settings.neo4j_batch_size)
    from sqlalchemy import create_engine, event

    from graph.sql.store import SqlGraphStore

    url = settings.sql_url
    if url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    return SqlGraphStore(engine)
