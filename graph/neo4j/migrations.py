"""Ordered Cypher migrations (migrations/neo4j/NNNN_name.cypher), recorded in the graph.

Each file is applied once: its version is stored as a `BcgMigration` node, and
every statement is written to be harmless when repeated (IF NOT EXISTS).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

from neo4j import Driver, ManagedTransaction
from neo4j.exceptions import ClientError, ConstraintError

from graph.neo4j import cypher


@dataclass(frozen=True)
class CypherMigration:
    version: str
    name: str
    statements: tuple[str, ...]


def load_migrations() -> list[CypherMigration]:
    folder = resources.files("migrations").joinpath("neo4j")
    found = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".cypher"):
            continue
        version, _, rest = entry.name.removesuffix(".cypher").partition("_")
        body = "\n".join(
            line
            for line in entry.read_text("utf-8").splitlines()
            if not line.strip().startswith("//")
        )
        statements = tuple(s.strip() for s in body.split(";") if s.strip())
        found.append(CypherMigration(version, rest, statements))
    return found


def _run_statement(tx: ManagedTransaction, statement: str) -> None:
    # Migration files are trusted text shipped with the code, not user input.
    tx.run(statement).consume()


def _record(tx: ManagedTransaction, migration: CypherMigration) -> None:
    tx.run(cypher.RECORD_MIGRATION, version=migration.version, name=migration.name).consume()


# What a schema statement answers when another process (a second worker starting at
# the same moment) created the same index or constraint first, despite IF NOT EXISTS.
CREATED_CONCURRENTLY = {
    "Neo.ClientError.Schema.EquivalentSchemaRuleAlreadyExists",
    "Neo.ClientError.Schema.IndexAlreadyExists",
    "Neo.ClientError.Schema.ConstraintAlreadyExists",
}


def apply_migrations(driver: Driver, database: str | None) -> list[str]:
    """Apply the migrations not yet recorded; answer those this call recorded.

    Safe when several processes start together: a rule another one created first is
    taken as created, and a version it recorded first is taken as recorded."""

    def applied(tx: ManagedTransaction) -> set[str]:
        return {record["version"] for record in tx.run(cypher.APPLIED_MIGRATIONS)}

    with driver.session(database=database) as session:
        done = session.execute_read(applied)
        newly = []
        for migration in load_migrations():
            if migration.version in done:
                continue
            for statement in migration.statements:
                # Schema changes cannot share a transaction with data writes.
                try:
                    session.execute_write(_run_statement, statement)
                except ClientError as error:
                    if error.code not in CREATED_CONCURRENTLY:
                        raise
            try:
                session.execute_write(_record, migration)
            except ConstraintError:
                continue  # recorded by another process a moment ago
            newly.append(migration.version)
        return newly
