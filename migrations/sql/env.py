"""Alembic environment: runs on the connection handed in by `bcg migrate` (or BCG_DATABASE_URL)."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine

from graph.sql.schema import metadata

config = context.config
connection = config.attributes.get("connection")

if connection is None:
    engine = create_engine(os.environ.get("BCG_DATABASE_URL", "sqlite:///data/bcg.sqlite3"))
    with engine.begin() as own:
        context.configure(connection=own, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
