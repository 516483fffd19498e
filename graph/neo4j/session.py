"""Typed managed transactions on an injected driver, with the adapter's error mapping.

Reads run in `execute_read`, writes in `execute_write` (the driver retries what
Neo4j marks transient: deadlocks, a leader switch); what still fails for want of
the server is StoreUnavailable, which the HTTP layer answers with 503.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from neo4j import Driver, ManagedTransaction
from neo4j.exceptions import DriverError, Neo4jError, ServiceUnavailable, SessionExpired

from graph.errors import StoreUnavailable

T = TypeVar("T")


def collected(tx: ManagedTransaction, query: Any, **params: Any) -> list[Any]:
    """The `rows` list of a statement that ends `RETURN collect(...) AS rows`: one record
    however many rows, so that an empty answer is an empty list, not a missing record."""
    record = tx.run(query, **params).single()
    return list(record["rows"]) if record else []


class Neo4jSession:
    def __init__(self, driver: Driver, database: str | None) -> None:
        self.driver = driver
        self.database = database

    @contextmanager
    def guard(self) -> Iterator[None]:
        try:
            yield
        except (ServiceUnavailable, SessionExpired, OSError) as error:
            raise StoreUnavailable(type(error).__name__) from error
        except DriverError as error:
            raise StoreUnavailable(type(error).__name__) from error
        except Neo4jError as error:
            if error.is_retryable():
                raise StoreUnavailable(error.code or "transient error") from error
            raise

    def read(self, work: Callable[[ManagedTransaction], T]) -> T:
        with self.guard(), self.driver.session(database=self.database) as session:
            return session.execute_read(work)

    def write(self, work: Callable[[ManagedTransaction], T]) -> T:
        """One managed write transaction; retried by the driver, StoreUnavailable if not."""
        with self.guard(), self.driver.session(database=self.database) as session:
            return session.execute_write(work)
