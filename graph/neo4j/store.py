"""The GraphStore port on Neo4j.

The write flow is graph.writing's; this adapter supplies its managed transaction
and its primitives (graph.neo4j.writes), the reads (graph.neo4j.reads) and the
keys (graph.neo4j.keys). See docs/architecture.md.
"""

from __future__ import annotations

from neo4j import Driver, ManagedTransaction
from neo4j.exceptions import ConstraintError

from graph.neo4j import cypher
from graph.neo4j.keys import Neo4jKeys
from graph.neo4j.migrations import apply_migrations
from graph.neo4j.outreach import Neo4jOutreach
from graph.neo4j.reads import Neo4jReads
from graph.neo4j.search import Neo4jSearch
from graph.neo4j.session import Neo4jSession
from graph.neo4j.signals import Neo4jSignals
from graph.neo4j.writes import Neo4jWriteTx
from graph.writing import GraphWriter, NothingChanged, Work

DEFAULT_BATCH_SIZE = 1000


class Neo4jGraphStore(Neo4jOutreach, GraphWriter, Neo4jReads, Neo4jSearch, Neo4jKeys, Neo4jSignals):
    """GraphStore on Neo4j; answers exactly what the embedded adapter answers."""

    def __init__(
        self, driver: Driver, database: str | None = None, batch_size: int = DEFAULT_BATCH_SIZE
    ) -> None:
        self._session = Neo4jSession(driver, database)
        self._batch_size = batch_size

    def migrate(self) -> list[str]:
        with self._session.guard():
            applied = apply_migrations(self._session.driver, self._session.database)
        uncounted = self._session.read(
            lambda tx: [r["tenant"] for r in tx.run(cypher.UNCOUNTED_TENANTS)]
        )
        for tenant in uncounted:
            self.recount(tenant)
        return applied

    def ping(self) -> None:
        self._session.read(lambda tx: tx.run(cypher.PING).consume())

    def close(self) -> None:
        self._session.driver.close()

    def _in_transaction(self, tenant: str, work: Work) -> object:
        def run(tx: ManagedTransaction) -> object:
            return work(Neo4jWriteTx(tx, tenant, self._batch_size))

        try:
            try:
                return self._session.write(run)
            except ConstraintError:
                # Two writers of a new tenant raced to create its version node; the
                # loser wrote nothing and runs again behind the winner's lock.
                return self._session.write(run)
        except NothingChanged as nothing:
            return nothing.answer
