"""The `bcg` command: serve, migrate, and batch work on the same code paths as the API."""

from __future__ import annotations

import typer
import uvicorn

from app.settings import Settings
from app.stores import build_store

cli = typer.Typer(no_args_is_help=True, help="Buying-committee graph service.")


@cli.command()
def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """Serve the HTTP API."""
    settings = Settings()
    if workers > 1:
        uvicorn.run("app.asgi:app", host=host, port=port, workers=workers, factory=True)
    else:
        from app.main import create_app

        uvicorn.run(create_app(settings), host=host, port=port)


@cli.command()
def migrate() -> None:
    """Apply pending migrations to the configured store (harmless when repeated)."""
    settings = Settings()
    store = build_store(settings)
    try:
        applied = store.migrate()
    finally:
        store.close()
    target = settings.neo4j_uri if settings.store == "neo4j" else settings.sql_url
    if applied:
        typer.echo(f"{settings.store} ({target}): applied {', '.join(applied)}")
    else:
        typer.echo(f"{settings.store} ({target}): up to date")


def main() -> None:
    cli()
