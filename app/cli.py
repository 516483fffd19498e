"""The `bcg` command: serve, migrate, and batch work on the same code paths as the API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
import uvicorn

from app.auth import ROOT_TENANT
from app.settings import Settings
from app.stores import build_store
from graph.analytics import backtest
from graph.errors import InvalidInput
from graph.influence import InfluenceSettings
from graph.likely import LikelySettings

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


@cli.command("backtest")
def backtest_command(
    as_of: Annotated[datetime, typer.Option("--as-of", formats=["%Y-%m-%d"])],
    k: Annotated[int, typer.Option(min=1, max=20)] = 3,
    tenant: str = ROOT_TENANT,
) -> None:
    """Time-split backtest: learn before AS_OF, predict after, beside the baselines."""
    from rich.console import Console
    from rich.table import Table

    settings = Settings()
    store = build_store(settings)
    try:
        result = backtest(
            store,
            store,
            tenant,
            as_of.date().isoformat(),
            k,
            InfluenceSettings(),
            LikelySettings(),
        )
    except InvalidInput as error:
        typer.echo(f"error: {error.field}: {error.message}", err=True)
        raise typer.Exit(2) from error
    finally:
        store.close()
    table = Table(
        title=f"Backtest as of {result.as_of}: {result.deals_history} deals learnt, "
        f"{result.deals_evaluated} predicted, k={result.k}"
    )
    table.add_column("method")
    for column in ("precision@k", "recall@k", "AUC", "Brier"):
        table.add_column(column, justify="right")

    def cell(value: float | None) -> str:
        return "-" if value is None else f"{value:.3f}"

    for name, m in result.metrics.items():
        table.add_row(name, cell(m.precision_at_k), cell(m.recall_at_k), cell(m.auc), cell(m.brier))
    Console().print(table)


def main() -> None:
    cli()
