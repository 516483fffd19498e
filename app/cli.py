"""The `bcg` command: serve, migrate, and batch work on the same code paths as the API."""

from __future__ import annotations

import logging
import os
import re
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
import uvicorn

from app.auth import ROOT_TENANT, TENANT_PATTERN, issue_key
from app.import_report import report_lines
from app.marketing_cli import register as register_marketing
from app.protocol import NoDelayH11Protocol
from app.settings import Settings
from app.stores import build_store
from graph.analytics import backtest
from graph.errors import InvalidInput, StoreUnavailable
from graph.influence import InfluenceSettings
from graph.keys import SCOPES
from graph.likely import LikelySettings
from graph.models import Outcome
from ingest.crm.hubspot import REQUIRED as HUBSPOT_REQUIRED
from ingest.crm.hubspot import HubSpotExport
from ingest.crm.importer import Export, JsonlExport, run_import
from ingest.crm.salesforce import REQUIRED as SALESFORCE_REQUIRED
from ingest.crm.salesforce import SalesforceExport
from ingest.crm.stages import parse_stage_map

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
        # The supervisor holds nothing the workers hold (app/supervise.py).
        args = ["--host", host, "--port", str(port), "--workers", str(workers)]
        os.execv(sys.executable, [sys.executable, "-m", "app.supervise", *args])  # noqa: S606
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


@cli.command()
def recount(tenant: Annotated[str, typer.Option(help="The tenant to count again.")]) -> None:
    """Count a tenant's ranking counters again from its stored deals (a new generation:
    every worker reloads). `migrate` does it for tenants written before counters were
    kept; this is the repair for anything else."""
    store = build_store(Settings())
    try:
        moved = store.recount(tenant)
    finally:
        store.close()
    typer.echo(f"{tenant}: {moved} counters")


import_cli = typer.Typer(no_args_is_help=True, help="Bulk imports, on the API's code path.")
cli.add_typer(import_cli, name="import")


def _stem(path: Path) -> str:
    return "".join(c for c in path.stem.lower() if c.isalnum())


# A Salesforce file's object from its name: `Task.csv` in a backup, `tasks.csv`, ….
SALESFORCE_FILES = {
    "account": "accounts",
    "accounts": "accounts",
    "opportunity": "opportunities",
    "opportunities": "opportunities",
    "contact": "contacts",
    "contacts": "contacts",
    "opportunitycontactrole": "contact_roles",
    "opportunitycontactroles": "contact_roles",
    "contactroles": "contact_roles",
    "contactrole": "contact_roles",
    "task": "tasks",
    "tasks": "tasks",
    "taskrelation": "task_relations",
    "taskrelations": "task_relations",
    "event": "events",
    "events": "events",
    "eventrelation": "event_relations",
    "eventrelations": "event_relations",
    "emailmessage": "email_messages",
    "emailmessages": "email_messages",
    "emailmessagerelation": "email_message_relations",
    "emailmessagerelations": "email_message_relations",
    "campaign": "campaigns",
    "campaigns": "campaigns",
    "campaignmember": "campaign_members",
    "campaignmembers": "campaign_members",
    "lead": "leads",
    "leads": "leads",
}
# A HubSpot file's object from a word in its name, in this order
# (`hubspot-crm-exports-all-deals-2025-10-01.csv`).
HUBSPOT_WORDS = (
    ("compan", "companies"),
    ("contact", "contacts"),
    ("deal", "deals"),
    ("call", "calls"),
    ("meeting", "meetings"),
    ("email", "emails"),
    ("note", "notes"),
    ("task", "tasks"),
)


def _csv_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise typer.BadParameter(f"{folder} is not a folder", param_hint="FOLDER")
    return sorted(p for p in folder.iterdir() if p.suffix.lower() == ".csv")


def _salesforce_files(folder: Path) -> tuple[dict[str, Path], list[str]]:
    found: dict[str, Path] = {}
    skipped: list[str] = []
    for path in _csv_files(folder):
        name = SALESFORCE_FILES.get(_stem(path))
        if name and name not in found:
            found[name] = path
        else:
            skipped.append(path.name)
    return found, skipped


def _hubspot_files(folder: Path) -> tuple[dict[str, Path], list[str]]:
    found: dict[str, Path] = {}
    skipped: list[str] = []
    for path in _csv_files(folder):
        name = next((n for word, n in HUBSPOT_WORDS if word in _stem(path)), None)
        if name and name not in found:
            found[name] = path
        else:
            skipped.append(path.name)
    return found, skipped


def _require(found: dict[str, Path], required: tuple[str, ...], folder: Path) -> None:
    missing = [name for name in required if name not in found]
    if missing:
        raise typer.BadParameter(f"no {', '.join(missing)} export in {folder}")


def _run_import(export: Export, tenant: str, sizes: dict[str, int]) -> None:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    settings = Settings()
    store = build_store(settings)
    console = Console(stderr=True)
    try:
        store.migrate()  # a fresh data directory imports as `serve` starts: migrated first
        with Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console
        ) as bar:
            tasks = {what: bar.add_task(what, total=total) for what, total in sizes.items()}

            def advance(what: str, done: int) -> None:
                if what in tasks:
                    bar.advance(tasks[what], done)

            report = run_import(export, tenant, store, progress=advance)
    except StoreUnavailable as error:
        typer.echo(f"error: the store is unreachable ({error}); nothing more was written", err=True)
        raise typer.Exit(3) from error
    except InvalidInput as error:
        typer.echo(f"error: {error.field}: {error.message}", err=True)
        raise typer.Exit(2) from error
    finally:
        store.close()
    for line in report_lines(report):
        typer.echo(line.text, err=line.to_stderr)


def _import_files(paths: dict[str, Path], export: Export, deals_file: str, tenant: str) -> None:
    """Size the progress bar from the export files, and import."""
    sizes = {
        "contacts": _data_lines(paths["contacts"]),
        "deals": _data_lines(paths[deals_file]),
        "activities": 0,
    }
    _run_import(export, tenant, sizes)


def _data_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return max(0, sum(1 for _ in handle) - 1)


StageMapOption = Annotated[
    str | None,
    typer.Option(
        "--stage-map",
        help="Outcomes of stage labels the export's flags do not decide: "
        "'Dead Deals=lost; Signed=won'.",
    ),
]


def _stage_map(text: str | None) -> dict[str, Outcome]:
    try:
        return parse_stage_map(text)
    except InvalidInput as error:
        raise typer.BadParameter(error.message, param_hint="--stage-map") from error


@import_cli.command("salesforce")
def import_salesforce(
    folder: Path, tenant: str = ROOT_TENANT, stage_map: StageMapOption = None
) -> None:
    """A Salesforce export or org backup in FOLDER: Account, Opportunity, Contact and, where
    present, OpportunityContactRole, Task, TaskRelation, Event, EventRelation, EmailMessage,
    EmailMessageRelation, Campaign, CampaignMember and Lead (`Task.csv`, `tasks.csv`, …).
    Other files are listed as skipped."""
    paths, skipped = _salesforce_files(folder)
    _require(paths, SALESFORCE_REQUIRED, folder)
    if "campaign_members" not in paths:
        # Campaigns and leads say nothing without their members: not read.
        skipped += sorted(paths.pop(n).name for n in ("campaigns", "leads") if n in paths)
    export = SalesforceExport(
        files_in={name: path.read_bytes() for name, path in paths.items()},
        stage_map=_stage_map(stage_map),
        skipped_files=skipped,
    )
    _import_files(paths, export, "opportunities", tenant)


@import_cli.command("hubspot")
def import_hubspot(
    folder: Path, tenant: str = ROOT_TENANT, stage_map: StageMapOption = None
) -> None:
    """HubSpot exports in FOLDER: deals and contacts, and where present companies, calls,
    meetings, e-mails, notes and tasks (file names containing those words)."""
    paths, skipped = _hubspot_files(folder)
    _require(paths, HUBSPOT_REQUIRED, folder)
    export = HubSpotExport(
        files_in={name: path.read_bytes() for name, path in paths.items()},
        stage_map=_stage_map(stage_map),
        skipped_files=skipped,
    )
    _import_files(paths, export, "deals", tenant)


@import_cli.command("deals")
def import_deals(file: Path, tenant: str = ROOT_TENANT) -> None:
    """Deals from a JSON Lines file, one deal per line as in POST /v1/ingest/deals."""
    with file.open(encoding="utf-8") as stream:
        lines = _data_lines(file) + 1
        export = JsonlExport(stream=stream, name=file.name)
        _run_import(export, tenant, {"contacts": 0, "deals": lines})


@import_cli.command("outreach")
def import_outreach(file: Path, tenant: str = ROOT_TENANT) -> None:
    """Outreach targets from a CSV or JSON Lines file, one target a row or line, with the
    fields of POST /v1/outreach (id, campaign, channel, spend, occurred_at, person_id or
    email or name with company and title, audience)."""
    from ingest.outreach import import_outreach_file

    store = build_store(Settings())
    try:
        store.migrate()
        done = import_outreach_file(file, store, tenant)
    except StoreUnavailable as error:
        typer.echo(f"error: the store is unreachable ({error}); nothing more was written", err=True)
        raise typer.Exit(3) from error
    except InvalidInput as error:
        typer.echo(f"error: {error.field}: {error.message}", err=True)
        raise typer.Exit(2) from error
    finally:
        store.close()
    for line in done.lines():
        typer.echo(line, err=True)
    c = done.counts
    typer.echo(
        f"{file.name}: targets {c.created} created, {c.updated} updated, "
        f"{c.unchanged} unchanged, {len(done.rejected)} rejected"
    )


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


register_marketing(cli)


@cli.command("signals")
def signals_command(
    tenant: str = ROOT_TENANT,
    kind: Annotated[str | None, typer.Option(help="One kind of signal only.")] = None,
    account: Annotated[str | None, typer.Option(help="One account's signals only.")] = None,
    since: Annotated[str | None, typer.Option(help="ISO date or date-time, inclusive.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="JSON Lines, one signal a line.")] = False,
) -> None:
    """Signals, newest first. Writes not yet run through detection (say, a `bcg import`
    while no server ran) are detected first."""
    import json

    from rich.console import Console
    from rich.table import Table

    from app.routes.signals import since_instant
    from graph.detection import run_pending
    from graph.live import LiveStats
    from graph.signals import SIGNAL_KINDS
    from graph.webhooks import signal_item
    from ingest.notes.intent import read_intent

    if kind is not None and kind not in SIGNAL_KINDS:
        raise typer.BadParameter(f"one of {', '.join(SIGNAL_KINDS)}", param_hint="--kind")
    settings = Settings()
    store = build_store(settings)
    try:
        store.migrate()
        live = LiveStats(1)
        while run_pending(
            store,
            live,
            read_intent,
            InfluenceSettings(),
            LikelySettings(),
            lease_seconds=settings.webhook_lease_seconds,
        ):
            pass
        page = store.signals(
            tenant,
            since=since_instant(since) if since else None,
            kind=kind,
            account_id=account,
            before=None,
            limit=limit,
        )
    except StoreUnavailable as error:
        typer.echo(f"error: the store is unreachable ({error})", err=True)
        raise typer.Exit(3) from error
    except InvalidInput as error:
        typer.echo(f"error: {error.field}: {error.message}", err=True)
        raise typer.Exit(2) from error
    finally:
        store.close()
    if as_json:
        for signal in page.items:
            typer.echo(json.dumps(signal_item(signal), sort_keys=True))
        return
    table = Table(title=f"Signals of tenant {tenant}, newest first ({len(page.items)} shown)")
    for column in ("created", "kind", "account", "deal", "person", "score", "detail"):
        table.add_column(column, justify="right" if column == "score" else "left")
    for s in page.items:
        table.add_row(
            s.created_at,
            s.kind,
            s.account_id or "",
            s.deal_id or "",
            s.person.id if s.person else "",
            f"{s.score:.2f}",
            s.detail,
        )
    Console(width=200).print(table)


def main() -> None:
    cli()
