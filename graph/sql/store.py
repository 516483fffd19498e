"""The embedded store: the GraphStore port on SQLAlchemy Core (SQLite by default).

The write flow is graph.writing's; this adapter supplies its transaction and its
primitives (graph.sql.writes), the reads (graph.sql.reads) and the keys
(graph.sql.keys). See docs/architecture.md.
"""

from __future__ import annotations

from importlib import resources
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, exists, select, text

from graph.sql.db import Database
from graph.sql.keys import SqlKeys
from graph.sql.outreach import SqlOutreach
from graph.sql.reads import SqlReads
from graph.sql.schema import data_versions, deals
from graph.sql.search import SqlSearch
from graph.sql.signals import SqlSignals
from graph.sql.writes import SqlWriteTx
from graph.writing import GraphWriter, NothingChanged, Work

if TYPE_CHECKING:
    from alembic.config import Config


def alembic_config(connection: Connection) -> Config:
    """Alembic is imported when migrating only: it is 37 MB of a worker's memory, and a
    worker on Neo4j never needs it."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(resources.files("migrations").joinpath("sql")))
    config.attributes["connection"] = connection
    return config


class SqlGraphStore(SqlOutreach, GraphWriter, SqlReads, SqlSearch, SqlKeys, SqlSignals):
    """GraphStore on a SQL database; answers exactly what the Neo4j adapter answers."""

    def __init__(self, engine: Engine) -> None:
        self._db = Database(engine)

    def migrate(self) -> list[str]:
        from alembic import command
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory

        with self._db.writing() as conn:
            config = alembic_config(conn)
            before = MigrationContext.configure(conn).get_current_revision()
            command.upgrade(config, "head")
            after = MigrationContext.configure(conn).get_current_revision()
        self._count_uncounted()
        if before == after:
            return []
        script = ScriptDirectory.from_config(config)
        applied = script.iterate_revisions(after, before)
        return sorted(str(r.revision) for r in applied if r is not None)

    def _count_uncounted(self) -> None:
        """Tenants written before the store kept counters are counted once, from scratch:
        those marked uncounted, and those with deals written before data versions were
        kept (no version row at all)."""
        with self._db.reading() as conn:
            marked = select(data_versions.c.tenant).where(data_versions.c.counted.is_(False))
            unversioned = (
                select(deals.c.tenant)
                .where(~exists().where(data_versions.c.tenant == deals.c.tenant))
                .distinct()
            )
            tenants = sorted(
                {r.tenant for r in conn.execute(marked)}
                | {r.tenant for r in conn.execute(unversioned)}
            )
        for tenant in tenants:
            self.recount(tenant)

    def ping(self) -> None:
        with self._db.reading() as conn:
            conn.execute(text("SELECT 1"))

    def close(self) -> None:
        self._db.engine.dispose()

    def _in_transaction(self, tenant: str, work: Work) -> object:
        try:
            with self._db.writing() as conn:
                return work(SqlWriteTx(self._db, conn, tenant))
        except NothingChanged as nothing:
            return nothing.answer
