"""`bcg audit` and `bcg brief`: marketing's answers as tables, on the API's code path.

The CLI reads the counters as a worker does (graph.live) and calls the same
functions as GET /v1/outreach/audit and GET /v1/segments/brief."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from app.auth import ROOT_TENANT
from app.brief_text import brief_markdown
from app.schemas import BriefOut
from app.settings import Settings
from app.stores import build_store
from graph.analytics import Counts
from graph.errors import StoreUnavailable
from graph.influence import Effect, InfluenceSettings
from graph.live import LiveStats
from graph.marketing import VERDICTS, Audit, Brief, buyer_brief, outreach_audit
from graph.models import SegmentFilter
from graph.ports import GraphStore

if TYPE_CHECKING:
    from rich.table import Table

T = TypeVar("T")

Industry = Annotated[str | None, typer.Option(help="Case-insensitive.")]
Region = Annotated[str | None, typer.Option(help="Case-insensitive.")]


def _answer(tenant: str, compute: Callable[[Counts, GraphStore], T]) -> T:
    store = build_store(Settings())
    try:
        with LiveStats().reading(store, tenant, people=True) as counts:
            return compute(counts, store)
    except StoreUnavailable as error:
        typer.echo(f"error: the store is unreachable ({error})", err=True)
        raise typer.Exit(3) from error
    finally:
        store.close()


def _odds(effect: Effect | None) -> str:
    if effect is None:
        return "-"
    low, high = effect.estimate.interval()
    return f"{math.exp(effect.estimate.mean):.2f} ({math.exp(low):.2f}–{math.exp(high):.2f})"


def _money(value: float) -> str:
    return f"{value:,.0f}"


def _where(segment: SegmentFilter) -> str:
    return " / ".join(p for p in (segment.industry, segment.region) if p) or "all segments"


def audit_title(audit: Audit) -> str:
    title = f"Outreach audit: {_where(audit.segment)}, {audit.deals} closed deals"
    return title + (f", campaign {audit.campaign}" if audit.campaign else "")


def audit_tables(audit: Audit) -> list[Table]:
    from rich.table import Table

    spend = audit.spend
    total = spend.total or 1.0
    split = Table(title="Spend by verdict")
    split.add_column("verdict")
    split.add_column("spend", justify="right")
    split.add_column("share", justify="right")
    for verdict in VERDICTS:
        value = spend.by_verdict[verdict]
        split.add_row(verdict, _money(value), f"{value / total:.0%}")
    split.add_row(
        "on decision makers",
        _money(spend.on_decision_makers),
        f"{spend.on_decision_makers / total:.0%}",
    )
    split.add_row(
        "never in a decision",
        _money(spend.never_in_a_decision),
        f"{spend.never_in_a_decision / total:.0%}",
    )
    split.add_row("total", _money(spend.total), "100%" if spend.total else "-")
    campaigns = Table(title="By campaign")
    for column in ("campaign", "targets", "spend", "on decision makers", "never in a decision"):
        campaigns.add_column(column, justify="left" if column == "campaign" else "right")
    for g in audit.campaigns:
        campaigns.add_row(
            g.name,
            str(g.targets),
            _money(g.spend.total),
            _money(g.spend.on_decision_makers),
            _money(g.spend.never_in_a_decision),
        )
    targets = Table(title="Targets")
    for column in (
        "target",
        "campaign",
        "person",
        "verdict",
        "deals",
        "odds ratio (95%)",
        "their roles' odds",
        "spend",
        "audience",
    ):
        targets.add_column(
            column, justify="right" if column in ("deals", "spend", "audience") else "left"
        )
    for a in sorted(audit.targets, key=lambda a: (-a.stored.target.spend, a.stored.target.id)):
        t = a.stored.target
        who = (
            (a.person.name or a.person.id) if a.person else f"({t.name or t.email or t.person_id})"
        )
        audience = (
            t.audience if t.audience is not None else (a.person.audience if a.person else None)
        )
        targets.add_row(
            t.id,
            t.campaign,
            who,
            a.verdict,
            str(a.effect.deals_present if a.effect else 0),
            _odds(a.effect),
            ", ".join(f"{r.key} {math.exp(r.estimate.mean):.2f}" for r in a.roles) or "-",
            _money(t.spend),
            "-" if audience is None else f"{audience:,}",
        )
    missed = Table(title="Missed: positive effect, no target reaches them")
    for column in ("role or person", "odds ratio (95%)", "deals", "evidence"):
        missed.add_column(column, justify="right" if column == "deals" else "left")
    for m in audit.missed:
        name = (
            m.effect.key if m.person is None else f"{m.person.name or m.person.id} ({m.person.id})"
        )
        missed.add_row(
            name, _odds(m.effect), str(m.effect.deals_present), ", ".join(m.effect.evidence_ids[:3])
        )
    return [split, campaigns, targets, missed]


def brief_tables(brief: Brief) -> list[Table]:
    from rich.table import Table

    buying = Table(title="The job titles that buy")
    for column in ("role", "in deals", "odds ratio (95%)"):
        buying.add_column(column, justify="right" if column == "in deals" else "left")
    for e in brief.buying_roles:
        buying.add_row(e.key, f"{e.presence:.0%}", _odds(e))
    median = "-" if brief.median_size is None else f"{brief.median_size:g}"
    room = Table(title="Who sits in the room", caption=f"median committee: {median} people")
    room.add_column("role")
    room.add_column("in deals", justify="right")
    for r in brief.in_the_room:
        room.add_row(r.role, f"{r.presence:.0%}")
    blockers = Table(title="Blockers")
    blockers.add_column("role")
    blockers.add_column("in deals", justify="right")
    blockers.add_column("odds ratio (95%)")
    for e in brief.blockers:
        blockers.add_row(e.key, f"{e.presence:.0%}", _odds(e))
    outside = Table(title="Outside influencers")
    for column in ("person", "deals", "odds ratio (95%)", "audience"):
        outside.add_column(column, justify="right" if column in ("deals", "audience") else "left")
    for i in brief.outside_influencers:
        audience = "-" if i.person.audience is None else f"{i.person.audience:,}"
        outside.add_row(
            i.person.name or i.person.id, str(i.effect.deals_present), _odds(i.effect), audience
        )
    return [buying, room, blockers, outside]


def _print(tables: list[Table]) -> None:
    from rich.console import Console

    console = Console(width=160)
    for table in tables:
        if table.row_count:
            console.print(table)
        else:
            console.print(f"{table.title}: none")


def register(cli: typer.Typer) -> None:
    """Add `audit` and `brief` to the `bcg` command."""

    @cli.command("audit")
    def audit_command(
        industry: Industry = None,
        region: Region = None,
        campaign: Annotated[str | None, typer.Option(help="One campaign.")] = None,
        tenant: str = ROOT_TENANT,
    ) -> None:
        """Marketing's targets against the people who really decide: verdicts, spend by
        verdict and campaign, and the roles and people no target reaches."""
        segment = SegmentFilter(industry=industry or None, region=region or None)
        found = _answer(
            tenant,
            lambda counts, store: outreach_audit(
                counts, store, tenant, segment, campaign or None, InfluenceSettings()
            ),
        )
        typer.echo(audit_title(found))
        _print(audit_tables(found))

    @cli.command("brief")
    def brief_command(
        industry: Industry = None,
        region: Region = None,
        markdown: Annotated[bool, typer.Option("--markdown", help="Print Markdown.")] = False,
        tenant: str = ROOT_TENANT,
    ) -> None:
        """The buyer brief of a segment: the job titles that buy, who sits in the room and
        how many, blockers, outside influencers, in plain sentences and tables."""
        segment = SegmentFilter(industry=industry or None, region=region or None)
        found = _answer(
            tenant,
            lambda counts, store: buyer_brief(counts, store, tenant, segment, InfluenceSettings()),
        )
        if markdown:
            typer.echo(brief_markdown(BriefOut.of(found)))
            return
        for line in found.summary:
            typer.echo(line)
        _print(brief_tables(found))
