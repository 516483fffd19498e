"""The `bcg` command: serve, migrate, and batch work on the same code paths as the API."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path
from typing import IO, Annotated

import typer
import uvicorn

from app.auth import ROOT_TENANT, TENANT_PATTERN, issue_key
from app.protocol import NoDelayH11Protocol
from app.settings import Settings
from app.stores import build_store
from graph.analytics import backtest
from graph.errors import InvalidInput, StoreUnavailable
from graph.influence import InfluenceSettings
from graph.keys import SCOPES
from graph.likely import LikelySettings
from ingest.crm.hubspot import HubSpotExport
from ingest.crm.importer import Export, JsonlExport, run_import
from ingest.crm.salesforce import SalesforceExport

cli = typer.Typer(no_args_is_help=True, help="Buying-committee graph service.")


@cli.command()
def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """Serve the HTTP API."""
    settings = Settings()
    if workers > 1 and settings.sql_url.startswith("sqlite") and settings.store == "sqlite":
        # One file has one writer; workers would also race to create its schema.
        raise typer.BadParameter(
            "the embedded SQLite store is served by one worker; use Neo4j (or "
            "BCG_DATABASE_URL on a server database) for more",
            param_hint="--workers",
        )
    # Our access log (app/logs.py) replaces uvicorn's, which would log raw paths and queries.
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if workers > 1:
        uvicorn.run(
            "app.asgi:app",
            host=host,
            port=port,
            workers=workers,
            factory=True,
            access_log=False,
            http=NoDelayH11Protocol,
        )
    else:
        from app.main import create_app

        uvicorn.run(
            create_app(settings), host=host, port=port, access_log=False, http=NoDelayH11Protocol
        )


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


import_cli = typer.Typer(no_args_is_help=True, help="Bulk imports, on the API's code path.")
cli.add_typer(import_cli, name="import")


def _find(folder: Path, *patterns: str) -> Path:
    """The export file in `folder` whose lower-cased name matches a pattern, in order."""
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".csv")
    for pattern in patterns:
        for path in files:
            if re.fullmatch(pattern, path.name.lower()):
                return path
    raise typer.BadParameter(f"no file like {patterns[0]} in {folder}")


def _run_import(export: Export, tenant: str, sizes: dict[str, int]) -> None:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    settings = Settings()
    store = build_store(settings)
    console = Console(stderr=True)
    try:
        with Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console
        ) as bar:
            tasks = {what: bar.add_task(what, total=total) for what, total in sizes.items()}

            def advance(what: str, done: int) -> None:
                bar.advance(tasks[what], done)

            report = run_import(export, tenant, store, store, progress=advance)
    except StoreUnavailable as error:
        typer.echo(f"error: the store is unreachable ({error}); nothing more was written", err=True)
        raise typer.Exit(3) from error
    except InvalidInput as error:
        typer.echo(f"error: {error.field}: {error.message}", err=True)
        raise typer.Exit(2) from error
    finally:
        store.close()
    for r in report.rejected:
        reasons = "; ".join(f"{e.field}: {e.message}" for e in r.errors)
        typer.echo(f"{r.file}:{r.line}: {r.id or '-'}: {reasons}", err=True)
    d, p = report.deals, report.people
    typer.echo(
        f"deals: {d.created} created, {d.updated} updated, {d.unchanged} unchanged; "
        f"contacts: {p.created} created, {p.updated} updated, {p.unchanged} unchanged; "
        f"{len(report.rejected)} rows rejected"
    )


def _import_files(
    paths: dict[str, Path],
    build: Callable[[Mapping[str, IO[str]]], Export],
    deals_file: str,
    tenant: str,
) -> None:
    """Open a CRM's export files, size the progress bar from them, and import."""
    with ExitStack() as stack:
        streams = {
            k: stack.enter_context(v.open(encoding="utf-8-sig", newline=""))
            for k, v in paths.items()
        }
        sizes = {
            "contacts": _data_lines(paths["contacts"]),
            "deals": _data_lines(paths[deals_file]),
        }
        _run_import(build(streams), tenant, sizes)


def _data_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return max(0, sum(1 for _ in handle) - 1)


@import_cli.command("salesforce")
def import_salesforce(folder: Path, tenant: str = ROOT_TENANT) -> None:
    """Salesforce exports in FOLDER: Account, Opportunity, Contact, OpportunityContactRole."""
    paths = {
        "accounts": _find(folder, r"accounts?\.csv", r".*account.*\.csv"),
        "opportunities": _find(folder, r"opportunit(y|ies)\.csv", r"opportunit(y|ies).*\.csv"),
        "contacts": _find(folder, r"contacts?\.csv"),
        "contact_roles": _find(
            folder,
            r"opportunitycontactroles?\.csv",
            r"(opportunity_)?contact_roles?\.csv",
            r".*contactrole.*\.csv",
        ),
    }
    _import_files(
        paths,
        lambda s: SalesforceExport(
            accounts=s["accounts"],
            opportunities=s["opportunities"],
            contacts=s["contacts"],
            contact_roles=s["contact_roles"],
        ),
        deals_file="opportunities",
        tenant=tenant,
    )


@import_cli.command("hubspot")
def import_hubspot(folder: Path, tenant: str = ROOT_TENANT) -> None:
    """HubSpot exports in FOLDER: companies, contacts and deals (names containing those words)."""
    paths = {
        "companies": _find(folder, r".*compan.*\.csv"),
        "contacts": _find(folder, r".*contact.*\.csv"),
        "deals_file": _find(folder, r".*deal.*\.csv"),
    }
    _import_files(
        paths,
        lambda s: HubSpotExport(
            companies=s["companies"], contacts=s["contacts"], deals_file=s["deals_file"]
        ),
        deals_file="deals_file",
        tenant=tenant,
    )


@import_cli.command("deals")
def import_deals(file: Path, tenant: str = ROOT_TENANT) -> None:
    """Deals from a JSON Lines file, one deal per line as in POST /v1/ingest/deals."""
    with file.open(encoding="utf-8") as stream:
        lines = _data_lines(file) + 1
        _run_import(JsonlExport(stream, name=file.name), tenant, {"contacts": 0, "deals": lines})


keys_cli = typer.Typer(no_args_is_help=True, help="API keys.")
cli.add_typer(keys_cli, name="keys")


@keys_cli.command("create")
def create_key(
    tenant: Annotated[str, typer.Option(help="The tenant the key acts in.")],
    scopes: Annotated[str, typer.Option(help="Comma-separated: read,ingest,admin.")] = "read",
) -> None:
    """Make a key for a tenant and print it once (only its hash is stored)."""
    wanted = [s.strip() for s in scopes.split(",") if s.strip()]
    unknown = sorted(set(wanted) - set(SCOPES))
    if unknown or not wanted:
        raise typer.BadParameter(f"scopes must be among {', '.join(SCOPES)}", param_hint="--scopes")
    if not re.fullmatch(TENANT_PATTERN, tenant):
        raise typer.BadParameter("lower-case letters, digits, '-' and '_'", param_hint="--tenant")
    store = build_store(Settings())
    try:
        record, secret = issue_key(store, tenant, wanted)
    finally:
        store.close()
    typer.echo(f"key {record.id} for tenant {record.tenant} ({','.join(record.scopes)}):")
    typer.echo(secret)


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
