"""The SQL adapter's outreach: the `outreach` table, its write primitives and reads."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Float,
    Index,
    Integer,
    String,
    Table,
    Text,
    func,
    or_,
    select,
)

from graph.models import SegmentFilter
from graph.outreach import OutreachTx, OutreachWriter, StanceSeat, StoredTarget, target_of
from graph.rows import Row
from graph.sql.db import Database, chunks, overwrite
from graph.sql.reads import DEAL_ACCOUNT, SEAT_DEAL, segment_conditions
from graph.sql.schema import accounts, deals, metadata, participations
from graph.writing import WriteTx

outreach = Table(
    "outreach",
    metadata,
    Column("tenant", String(100), primary_key=True),
    Column("id", String(200), primary_key=True),
    Column("source", String(50), nullable=False),
    Column("campaign", Text, nullable=False),
    Column("campaign_key", Text, nullable=False),
    Column("channel", String(200)),
    Column("spend", Float, nullable=False),
    Column("occurred_at", String(40)),
    Column("given_person_id", String(200)),
    Column("email", String(254)),
    Column("name", Text),
    Column("company", Text),
    Column("title", Text),
    Column("role", String(100)),
    Column("audience", Integer),
    Column("status", String(100)),
    Column("person_id", String(200)),
    Column("match", String(20), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Index("ix_outreach_campaign", "tenant", "campaign_key"),
    Index("ix_outreach_person", "tenant", "person_id"),
)

COLUMNS = [c for c in outreach.c if c.name != "tenant"]
# What an erased person's targets keep: campaign, channel, spend, date, company, audience.
FORGOTTEN = {
    "person_id": None,
    "given_person_id": None,
    "email": None,
    "name": None,
    "title": None,
    "match": "",
    "content_hash": "erased",
}


class SqlOutreachTx:
    """Outreach primitives on the write transaction's connection."""

    def __init__(self, db: Database, conn: Connection, tenant: str) -> None:
        self._db = db
        self._conn = conn
        self._tenant = tenant

    def outreach_hashes(self, ids: Sequence[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for chunk in chunks(sorted(set(ids))):
            rows = self._conn.execute(
                select(outreach.c.id, outreach.c.content_hash).where(
                    outreach.c.tenant == self._tenant, outreach.c.id.in_(chunk)
                )
            )
            found.update({r.id: r.content_hash for r in rows})
        return found

    def accounts_named(self, names: Sequence[str]) -> list[tuple[str, str | None]]:
        found: set[tuple[str, str | None]] = set()
        lower = self._lower()
        for chunk in chunks(sorted(set(names))):
            rows = self._conn.execute(
                select(accounts.c.id, accounts.c.name).where(
                    accounts.c.tenant == self._tenant,
                    or_(
                        lower(accounts.c.id).in_(chunk),
                        lower(func.trim(accounts.c.name)).in_(chunk),
                    ),
                )
            )
            found.update((r.id, r.name) for r in rows)
        return sorted(found, key=lambda r: r[0])

    def _lower(self) -> Any:
        """Lower case as Python and Neo4j's toLower have it: SQLite's lower() folds ASCII
        only, so "ÉLECTRICITÉ" would not find "Électricité" there."""
        if self._conn.dialect.name != "sqlite":
            return func.lower
        driver = self._conn.connection.driver_connection
        assert driver is not None
        driver.create_function("bcg_lower", 1, _python_lower, deterministic=True)
        return func.bcg_lower

    def put_outreach(self, rows: Sequence[Row]) -> None:
        full = [{"tenant": self._tenant, **r} for r in rows]
        self._db.put(self._conn, outreach, full, update=overwrite(full))

    def unmatched_targets(self) -> list[tuple[StoredTarget, str]]:
        rows = self._conn.execute(
            select(*COLUMNS).where(
                outreach.c.tenant == self._tenant,
                outreach.c.person_id.is_(None),
                outreach.c.content_hash != FORGOTTEN["content_hash"],
            )
        ).mappings()
        return [(target_of(dict(r)), r["content_hash"]) for r in rows]

    def outreach_names(self) -> list[tuple[str, str]]:
        rows = self._conn.execute(
            select(outreach.c.id, outreach.c.name).where(
                outreach.c.tenant == self._tenant, outreach.c.name.is_not(None)
            )
        )
        return [(r.id, r.name) for r in rows]

    def forget_in_outreach(self, person_id: str, email: str | None, ids: Sequence[str]) -> int:
        named = [outreach.c.person_id == person_id, outreach.c.given_person_id == person_id]
        if email:
            named.append(outreach.c.email == email.lower())
        forgotten = 0
        for chunk in [*chunks(sorted(set(ids))), []]:
            result = self._conn.execute(
                outreach.update()
                .where(outreach.c.tenant == self._tenant, or_(*named, outreach.c.id.in_(chunk)))
                .values(**FORGOTTEN)
            )
            forgotten += int(result.rowcount or 0)
        return forgotten


class SqlOutreach(OutreachWriter):
    """Outreach on the SQL store (mixed into graph.sql.store.SqlGraphStore)."""

    _db: Database

    def _outreach_tx(self, tx: WriteTx) -> OutreachTx:
        conn: Connection = tx._conn  # type: ignore[attr-defined]
        return SqlOutreachTx(self._db, conn, tx._tenant)  # type: ignore[attr-defined]

    def outreach_targets(self, tenant: str, campaign: str | None) -> list[StoredTarget]:
        query = select(*COLUMNS).where(outreach.c.tenant == tenant)
        if campaign is not None:
            query = query.where(outreach.c.campaign_key == campaign.strip().lower())
        with self._db.reading() as conn:
            rows = conn.execute(query.order_by(outreach.c.id)).mappings().all()
        return [target_of(dict(r)) for r in rows]

    def won_stances(
        self, tenant: str, person_ids: Collection[str], segment: SegmentFilter
    ) -> list[StanceSeat]:
        joined = participations.join(deals, SEAT_DEAL).join(accounts, DEAL_ACCOUNT)
        found: list[StanceSeat] = []
        with self._db.reading() as conn:
            for chunk in chunks(sorted(set(person_ids))):
                rows: Any = conn.execute(
                    select(
                        participations.c.person_id,
                        participations.c.deal_id,
                        deals.c.account_id,
                        participations.c.deal_role,
                        participations.c.stance,
                        participations.c.source,
                        participations.c.external,
                    )
                    .select_from(joined)
                    .where(
                        *segment_conditions(tenant, segment),
                        deals.c.outcome == "won",
                        participations.c.tenant == tenant,
                        participations.c.person_id.in_(chunk),
                    )
                )
                found += [
                    StanceSeat(
                        r.person_id,
                        r.deal_id,
                        r.account_id,
                        r.deal_role,
                        r.stance,
                        r.source,
                        bool(r.external),
                    )
                    for r in rows
                ]
        return sorted(found, key=lambda s: (s.person_id, s.deal_id, s.source))


def _python_lower(value: str | None) -> str | None:
    return value.lower() if value is not None else None
