"""The SQL adapter's plumbing: transactions, errors, batched upserts.

The engine is made by the caller (the app's lifespan or the CLI) and injected.
Every statement is parameterised; every query filters on the tenant.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, OperationalError

from graph.errors import StoreUnavailable

CHUNK = 500  # rows per statement: stays under SQLite's bound-parameter limit
T = TypeVar("T")


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Database:
    """An engine with the adapter's error mapping and its upsert statement."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def guard(self) -> Iterator[None]:
        try:
            yield
        except (OperationalError, DBAPIError) as error:
            if isinstance(error, OperationalError) or error.connection_invalidated:
                raise StoreUnavailable(str(error.orig)[:200]) from error
            raise

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        with self.guard(), self.engine.connect() as conn:
            yield conn

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        with self.guard(), self.engine.begin() as conn:
            yield conn

    def insert(self, table: Table) -> Any:
        dialect = self.engine.dialect.name
        if dialect == "sqlite":
            return sqlite.insert(table)
        if dialect == "postgresql":
            return postgresql.insert(table)
        raise StoreUnavailable(f"unsupported SQL dialect {dialect}")

    def put(
        self,
        conn: Connection,
        table: Table,
        rows: Sequence[dict[str, Any]],
        keys: Sequence[str] = ("tenant", "id"),
        update: Callable[[Any], dict[str, Any]] | None = None,
    ) -> None:
        """Insert rows in one executemany statement; on a key conflict set the columns
        `update(excluded)` names, or keep the stored row when there is no `update`.

        One statement text for any number of rows: SQLAlchemy compiles it once and
        caches it, where a multi-row VALUES clause is compiled afresh every batch."""
        if not rows:
            return
        stmt = self.insert(table)
        if update is None:
            stmt = stmt.on_conflict_do_nothing(index_elements=list(keys))
        else:
            stmt = stmt.on_conflict_do_update(index_elements=list(keys), set_=update(stmt.excluded))
        conn.execute(stmt, list(rows))


def overwrite(rows: Sequence[dict[str, Any]]) -> Callable[[Any], dict[str, Any]]:
    """On conflict, every column of the rows but the key takes the incoming value."""
    columns = [c for c in rows[0] if c not in ("tenant", "id")] if rows else []
    return lambda excluded: {c: excluded[c] for c in columns}
