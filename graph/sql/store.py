"""The embedded store: the GraphStore port on SQLAlchemy Core (SQLite by default).

The engine is made by the caller (the app's lifespan or the CLI) and injected.
Every statement is parameterised; every query filters on the tenant.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, replace
from datetime import UTC, datetime
from importlib import resources
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, and_, case, delete, func, select, text, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, OperationalError

from graph.activities import (
    ActivityRow,
    DealSpan,
    activity_seats,
    incoming_of_activities,
    reach,
    rewrite_activity,
)
from graph.erasure import AuditEntry, ErasureReport, redact, redaction_terms
from graph.errors import StoreUnavailable
from graph.keys import ApiKey
from graph.models import (
    Account,
    AccountContacts,
    ActivityRecord,
    ClosedDeal,
    Deal,
    DealCommittee,
    DealCoverage,
    DealRecord,
    NoteRecord,
    Participant,
    Person,
    PersonRecord,
    PersonSeat,
    Seat,
    SeatSummary,
    SegmentFilter,
    UpsertCounts,
    classify_upserts,
    committee_role,
    segment_key,
)
from graph.notes import MentionRow, note_seats
from graph.resolution import (
    Incoming,
    Known,
    Merge,
    incoming_of_deals,
    name_key,
    name_pairs,
    resolve,
    rewrite_deal,
)
from graph.sql.schema import (
    accounts,
    activities,
    activity_people,
    api_keys,
    audit_log,
    data_versions,
    deals,
    mentions,
    notes,
    participations,
    people,
    person_merges,
)

CHUNK = 500  # rows per statement: stays under SQLite's bound-parameter limit
# A seat's deal, and whether any of a person's seats in one deal is an outsider's (a
# person may sit in a deal from a CRM and from a note): the seat reads share both.
SEAT_DEAL = and_(participations.c.tenant == deals.c.tenant, participations.c.deal_id == deals.c.id)
ANY_EXTERNAL = func.max(case((participations.c.external, 1), else_=0)).label("external")


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def alembic_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files("migrations").joinpath("sql")))
    config.attributes["connection"] = connection
    return config


class SqlGraphStore:
    """GraphStore on a SQL database; answers exactly what the Neo4j adapter answers."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    # -- lifecycle -----------------------------------------------------------------

    def migrate(self) -> list[str]:
        with self._guard(), self._engine.begin() as conn:
            config = alembic_config(conn)
            before = MigrationContext.configure(conn).get_current_revision()
            command.upgrade(config, "head")
            after = MigrationContext.configure(conn).get_current_revision()
        if before == after:
            return []
        script = ScriptDirectory.from_config(config)
        applied = script.iterate_revisions(after, before)
        return sorted(str(r.revision) for r in applied if r is not None)

    def ping(self) -> None:
        with self._guard(), self._engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def close(self) -> None:
        self._engine.dispose()

    @contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except (OperationalError, DBAPIError) as error:
            if isinstance(error, OperationalError) or error.connection_invalidated:
                raise StoreUnavailable(str(error.orig)[:200]) from error
            raise

    # -- writes --------------------------------------------------------------------

    def _insert(self, table: Any) -> Any:
        dialect = self._engine.dialect.name
        if dialect == "sqlite":
            return sqlite.insert(table)
        if dialect == "postgresql":
            return postgresql.insert(table)
        raise StoreUnavailable(f"unsupported SQL dialect {dialect}")

    def _put(
        self,
        conn: Connection,
        table: Any,
        rows: Sequence[dict[str, Any]],
        keys: Sequence[str] = ("tenant", "id"),
        update: Callable[[Any], dict[str, Any]] | None = None,
    ) -> None:
        """Insert rows in one executemany statement; on a key conflict set the columns
        `update(excluded)` names, or keep the stored row when there is no `update`.

        One statement text for any number of rows: SQLAlchemy compiles it once and
        caches it, where a multi-row VALUES clause is compiled afresh every batch."""
        if not rows:
            return
        stmt = self._insert(table)
        if update is None:
            stmt = stmt.on_conflict_do_nothing(index_elements=list(keys))
        else:
            stmt = stmt.on_conflict_do_update(index_elements=list(keys), set_=update(stmt.excluded))
        conn.execute(stmt, list(rows))

    def _bump(self, conn: Connection, tenant: str) -> None:
        """Move the tenant's data version, inside the writing transaction (graph.readmodel)."""
        self._put(
            conn,
            data_versions,
            [{"tenant": tenant, "version": 1}],
            keys=("tenant",),
            update=lambda _: {"version": data_versions.c.version + 1},
        )

    def data_version(self, tenant: str) -> str:
        with self._guard(), self._engine.connect() as conn:
            version = conn.execute(
                select(data_versions.c.version).where(data_versions.c.tenant == tenant)
            ).scalar()
        return str(version or 0)

    def _hashes(self, conn: Connection, table: Any, tenant: str, ids: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for chunk in _chunks(ids):
            rows = conn.execute(
                select(table.c.id, table.c.content_hash).where(
                    table.c.tenant == tenant, table.c.id.in_(chunk)
                )
            )
            found.update({row.id: row.content_hash for row in rows})
        return found

    def _upsert_accounts(self, conn: Connection, tenant: str, items: Sequence[Account]) -> None:
        rows = {
            a.id: {
                "tenant": tenant,
                "id": a.id,
                "name": a.name,
                "industry": a.industry,
                "industry_key": segment_key(a.industry),
                "region": a.region,
                "region_key": segment_key(a.region),
                "country": a.country,
                "employees": a.employees,
            }
            for a in items
        }
        kept = ("name", "industry", "industry_key", "region", "region_key", "country", "employees")
        self._put(
            conn,
            accounts,
            list(rows.values()),
            update=lambda excluded: {c: func.coalesce(excluded[c], accounts.c[c]) for c in kept},
        )

    def _upsert_people(
        self,
        conn: Connection,
        tenant: str,
        items: Sequence[tuple[Person, str | None, str | None]],
    ) -> None:
        """Write people; a field left empty keeps its stored value.

        Each item carries the account to use for a new contact whose employer
        was not given (the deal's account; a known contact keeps theirs) and
        the fingerprint of the contact record, when it came as one.
        """
        rows = {
            p.id: {
                "tenant": tenant,
                "id": p.id,
                "account_id": p.account_id or fallback,
                "account_given": p.account_id is not None,
                "name": p.name,
                "email": p.email,
                "title": p.title,
                "function": p.function,
                "seniority": p.seniority,
                "role": p.role,
                "external_kind": p.external_kind,
                "audience": p.audience,
                "content_hash": content_hash,
                "name_key": name_key(p.name),
            }
            for p, fallback, content_hash in items
        }
        employers = sorted({r["account_id"] for r in rows.values() if r["account_id"]})
        self._put(conn, accounts, [{"tenant": tenant, "id": a} for a in employers])
        kept = ("name", "email", "title", "external_kind", "audience", "content_hash", "name_key")
        for given in (True, False):

            def keep(excluded: Any, given: bool = given) -> dict[str, Any]:
                titled = excluded.title.is_not(None)
                columns: dict[str, Any] = {c: func.coalesce(excluded[c], people.c[c]) for c in kept}
                columns.update(
                    {
                        c: case((titled, excluded[c]), else_=people.c[c])
                        for c in ("function", "seniority", "role")
                    }
                )
                if given:
                    columns["account_id"] = excluded.account_id
                return columns

            batch = [
                {k: v for k, v in r.items() if k != "account_given"}
                for r in rows.values()
                if r["account_given"] is given
            ]
            self._put(conn, people, batch, update=keep)

    def upsert_deals(self, tenant: str, records: Sequence[DealRecord]) -> UpsertCounts:
        if not records:
            return UpsertCounts()
        with self._guard(), self._engine.begin() as conn:
            existing = self._hashes(conn, deals, tenant, [r.deal.id for r in records])
            counts, changed_ids = classify_upserts(
                [(r.deal.id, r.content_hash) for r in records], existing
            )
            changed = [r for r in records if r.deal.id in changed_ids]
            if changed:
                mapping = self._resolve(
                    conn,
                    tenant,
                    incoming_of_deals(changed),
                    {},
                )
                self._write_deals(conn, tenant, [rewrite_deal(r, mapping) for r in changed])
                # A deal's dates or account decide which account activities count for it.
                self._refresh_activity_seats(conn, tenant, [r.deal.id for r in changed])
                self._bump(conn, tenant)
        return counts

    def _resolve(
        self,
        conn: Connection,
        tenant: str,
        incoming: Sequence[Incoming],
        hashes: dict[str, str],
    ) -> dict[str, str]:
        """Who each incoming person is (see graph.resolution); merges are recorded."""
        ids = sorted({i.person.id for i in incoming})
        emails = sorted({i.person.email.lower() for i in incoming if i.person.email})
        names = name_pairs(incoming)
        aliases: dict[str, str] = {}
        for chunk in _chunks(ids):
            rows = conn.execute(
                select(person_merges.c.alias_id, person_merges.c.person_id).where(
                    person_merges.c.tenant == tenant, person_merges.c.alias_id.in_(chunk)
                )
            )
            aliases.update({r.alias_id: r.person_id for r in rows})
        known: dict[str, Known] = {}
        columns = (people.c.id, people.c.email, people.c.account_id, people.c.name_key)
        lookups: list[tuple[Any, Sequence[Any]]] = [
            (people.c.id, ids),
            (people.c.email, emails),
            # (account, name) pairs: the composite index answers them without a scan.
            (tuple_(people.c.account_id, people.c.name_key), names),
        ]
        for column, values in lookups:
            for chunk in _chunks(values):
                rows = conn.execute(
                    select(*columns).where(people.c.tenant == tenant, column.in_(chunk))
                )
                known.update({r.id: Known(r.id, r.email, r.account_id, r.name_key) for r in rows})
        mapping, merges = resolve(incoming, sorted(known.values(), key=lambda k: k.id), aliases)
        now = _now()
        merge_rows = [
            {
                "tenant": tenant,
                "alias_id": m.alias_id,
                "person_id": m.person_id,
                "reason": m.reason,
                "content_hash": hashes.get(m.alias_id),
                "merged_at": now,
            }
            for m in merges
        ]
        self._put(conn, person_merges, merge_rows, keys=("tenant", "alias_id"))
        return mapping

    def _write_deals(self, conn: Connection, tenant: str, records: Sequence[DealRecord]) -> None:
        self._upsert_accounts(conn, tenant, [r.account for r in records])
        self._upsert_people(
            conn, tenant, [(p, r.deal.account_id, None) for r in records for p in r.people]
        )
        deal_rows = [
            {
                "tenant": tenant,
                "id": r.deal.id,
                "source": r.deal.source,
                "account_id": r.deal.account_id,
                "name": r.deal.name,
                "amount": r.deal.amount,
                "currency": r.deal.currency,
                "stage": r.deal.stage,
                "outcome": r.deal.outcome,
                "created_at": r.deal.created_at,
                "closed_at": r.deal.closed_at,
                "product": r.deal.product,
                "content_hash": r.content_hash,
            }
            for r in records
        ]
        self._put(conn, deals, deal_rows, update=_overwrite(deal_rows))
        self._replace_seats(
            conn, tenant, "crm", {r.deal.id: (r.deal.account_id, list(r.seats)) for r in records}
        )

    def _replace_seats(
        self,
        conn: Connection,
        tenant: str,
        source: str,
        seats: dict[str, tuple[str, list[Seat]]],
    ) -> None:
        """Replace a source's seats of these deals (deal id → its account and new seats)."""
        for chunk in _chunks(list(seats)):
            conn.execute(
                delete(participations).where(
                    participations.c.tenant == tenant,
                    participations.c.deal_id.in_(chunk),
                    participations.c.source == source,
                )
            )
        employers = self._employers(
            conn, tenant, [s.person_id for _, deal_seats in seats.values() for s in deal_seats]
        )
        now = _now()
        seat_rows = [
            {
                "tenant": tenant,
                "deal_id": deal_id,
                "person_id": s.person_id,
                "source": s.source,
                "deal_role": s.deal_role,
                "stance": s.stance,
                "external": s.external or employers.get(s.person_id) != account_id,
                "evidence": json.dumps(list(s.evidence)),
                "evidence_count": len(s.evidence),
                "first_seen": s.first_seen_at or s.seen_at or now,
                "last_seen": s.seen_at or now,
            }
            for deal_id, (account_id, deal_seats) in seats.items()
            for s in deal_seats
        ]
        if seat_rows:
            conn.execute(participations.insert(), seat_rows)

    def _employers(self, conn: Connection, tenant: str, ids: list[str]) -> dict[str, str | None]:
        found: dict[str, str | None] = {}
        for chunk in _chunks(sorted(set(ids))):
            rows = conn.execute(
                select(people.c.id, people.c.account_id).where(
                    people.c.tenant == tenant, people.c.id.in_(chunk)
                )
            )
            found.update({row.id: row.account_id for row in rows})
        return found

    def upsert_people(self, tenant: str, records: Sequence[PersonRecord]) -> UpsertCounts:
        if not records:
            return UpsertCounts()
        with self._guard(), self._engine.begin() as conn:
            ids = [r.person.id for r in records]
            existing = self._hashes(conn, people, tenant, ids)
            for chunk in _chunks(ids):
                aliased = conn.execute(
                    select(person_merges.c.alias_id, person_merges.c.content_hash).where(
                        person_merges.c.tenant == tenant, person_merges.c.alias_id.in_(chunk)
                    )
                )
                existing.update({r.alias_id: r.content_hash or "" for r in aliased})
            counts, changed_ids = classify_upserts(
                [(r.person.id, r.content_hash) for r in records], existing
            )
            changed = [r for r in records if r.person.id in changed_ids]
            hashes = {r.person.id: r.content_hash for r in changed}
            mapping = self._resolve(
                conn, tenant, [Incoming(r.person, r.person.account_id) for r in changed], hashes
            )
            merged = {alias for alias, target in mapping.items() if alias != target}
            for chunk in _chunks(sorted(merged)):
                for alias in chunk:
                    conn.execute(
                        person_merges.update()
                        .where(person_merges.c.tenant == tenant, person_merges.c.alias_id == alias)
                        .values(content_hash=hashes[alias])
                    )
            self._upsert_people(
                conn,
                tenant,
                [
                    (
                        replace(r.person, id=mapping[r.person.id]),
                        None,
                        None if r.person.id in merged else r.content_hash,
                    )
                    for r in changed
                ],
            )
            if changed:
                self._bump(conn, tenant)
        return counts

    def upsert_notes(self, tenant: str, records: Sequence[NoteRecord]) -> UpsertCounts:
        if not records:
            return UpsertCounts()
        with self._guard(), self._engine.begin() as conn:
            ids = [r.note.id for r in records]
            existing = self._hashes(conn, notes, tenant, ids)
            counts, changed_ids = classify_upserts(
                [(r.note.id, r.content_hash) for r in records], existing
            )
            changed = [r for r in records if r.note.id in changed_ids]
            if changed:
                self._write_notes(conn, tenant, changed)
                self._bump(conn, tenant)
        return counts

    def _write_notes(self, conn: Connection, tenant: str, records: Sequence[NoteRecord]) -> None:
        ids = [r.note.id for r in records]
        affected = {r.note.deal_id for r in records if r.note.deal_id}
        for chunk in _chunks(ids):
            previous = conn.execute(
                select(notes.c.deal_id).where(notes.c.tenant == tenant, notes.c.id.in_(chunk))
            )
            affected.update(row.deal_id for row in previous if row.deal_id)
        self._upsert_people(
            conn, tenant, [(p, r.note.account_id, None) for r in records for p in r.new_people]
        )
        note_rows = [
            {
                "tenant": tenant,
                "id": r.note.id,
                "deal_id": r.note.deal_id,
                "account_id": r.note.account_id,
                "occurred_at": r.note.occurred_at,
                "author": r.note.author,
                "text": r.note.text,
                "content_hash": r.content_hash,
            }
            for r in records
        ]
        self._put(conn, notes, note_rows, update=_overwrite(note_rows))
        for chunk in _chunks(ids):
            conn.execute(
                delete(mentions).where(mentions.c.tenant == tenant, mentions.c.note_id.in_(chunk))
            )
        mention_rows = [
            {
                "tenant": tenant,
                "note_id": r.note.id,
                "person_id": m.person_id,
                "stance": m.stance,
                "evidence": m.evidence,
            }
            for r in records
            for m in r.mentions
        ]
        if mention_rows:
            conn.execute(mentions.insert(), mention_rows)
        self._refresh_note_seats(conn, tenant, sorted(affected))

    def _refresh_note_seats(self, conn: Connection, tenant: str, deal_ids: list[str]) -> None:
        rows: list[MentionRow] = []
        accounts_of: dict[str, str] = {}
        for chunk in _chunks(deal_ids):
            found = conn.execute(
                select(
                    notes.c.deal_id,
                    notes.c.id,
                    notes.c.occurred_at,
                    mentions.c.person_id,
                    mentions.c.stance,
                    mentions.c.evidence,
                )
                .select_from(
                    mentions.join(
                        notes,
                        and_(notes.c.tenant == mentions.c.tenant, notes.c.id == mentions.c.note_id),
                    )
                )
                .where(mentions.c.tenant == tenant, notes.c.deal_id.in_(chunk))
            )
            rows.extend(
                MentionRow(r.deal_id, r.person_id, r.stance, r.evidence, r.occurred_at, r.id)
                for r in found
            )
            deal_rows = conn.execute(
                select(deals.c.id, deals.c.account_id).where(
                    deals.c.tenant == tenant, deals.c.id.in_(chunk)
                )
            )
            accounts_of.update({r.id: r.account_id for r in deal_rows})
        seats = note_seats(rows)
        self._replace_seats(
            conn,
            tenant,
            "note",
            {d: (accounts_of[d], seats.get(d, [])) for d in deal_ids if d in accounts_of},
        )

    # -- activities --------------------------------------------------------------------

    def upsert_activities(self, tenant: str, records: Sequence[ActivityRecord]) -> UpsertCounts:
        if not records:
            return UpsertCounts()
        with self._guard(), self._engine.begin() as conn:
            ids = [r.activity.id for r in records]
            existing = self._hashes(conn, activities, tenant, ids)
            counts, changed_ids = classify_upserts(
                [(r.activity.id, r.content_hash) for r in records], existing
            )
            changed = [r for r in records if r.activity.id in changed_ids]
            if changed:
                reached = self._stored_reach(conn, tenant, [r.activity.id for r in changed])
                reached |= {reach(r.activity) for r in changed}
                mapping = self._resolve(conn, tenant, incoming_of_activities(changed), {})
                self._write_activities(
                    conn, tenant, [rewrite_activity(r, mapping) for r in changed]
                )
                self._refresh_activity_seats(
                    conn, tenant, self._deals_reached(conn, tenant, reached)
                )
                self._bump(conn, tenant)
        return counts

    def _write_activities(
        self, conn: Connection, tenant: str, records: Sequence[ActivityRecord]
    ) -> None:
        self._upsert_people(
            conn, tenant, [(p, r.activity.account_id, None) for r in records for p in r.people]
        )
        self._put(
            conn, accounts, [{"tenant": tenant, "id": r.activity.account_id} for r in records]
        )
        rows = [
            {
                "tenant": tenant,
                "id": r.activity.id,
                "source": r.activity.source,
                "kind": r.activity.kind,
                "occurred_at": r.activity.occurred_at,
                "subject": r.activity.subject,
                "deal_id": r.activity.deal_id,
                "account_id": r.activity.account_id,
                "content_hash": r.content_hash,
            }
            for r in records
        ]
        self._put(conn, activities, rows, update=_overwrite(rows))
        ids = [r.activity.id for r in records]
        for chunk in _chunks(ids):
            conn.execute(
                delete(activity_people).where(
                    activity_people.c.tenant == tenant, activity_people.c.activity_id.in_(chunk)
                )
            )
        links = [
            {"tenant": tenant, "activity_id": r.activity.id, "person_id": p.id}
            for r in records
            for p in r.people
        ]
        if links:
            conn.execute(activity_people.insert(), links)

    def _stored_reach(
        self, conn: Connection, tenant: str, ids: list[str]
    ) -> set[tuple[str | None, str | None]]:
        """Where the stored versions of these activities gave seats (an edit may move one
        to another deal or account: the old one loses them)."""
        found: set[tuple[str | None, str | None]] = set()
        for chunk in _chunks(ids):
            rows = conn.execute(
                select(activities.c.deal_id, activities.c.account_id).where(
                    activities.c.tenant == tenant, activities.c.id.in_(chunk)
                )
            )
            found.update((r.deal_id, None) if r.deal_id else (None, r.account_id) for r in rows)
        return found

    def _deals_reached(
        self, conn: Connection, tenant: str, reached: set[tuple[str | None, str | None]]
    ) -> list[str]:
        deal_ids = {d for d, _ in reached if d}
        account_ids = sorted({a for _, a in reached if a})
        for chunk in _chunks(account_ids):
            rows = conn.execute(
                select(deals.c.id).where(deals.c.tenant == tenant, deals.c.account_id.in_(chunk))
            )
            deal_ids.update(r.id for r in rows)
        return sorted(deal_ids)

    def _refresh_activity_seats(self, conn: Connection, tenant: str, deal_ids: list[str]) -> None:
        """Derive these deals' `activity` seats again from the activities that reach them."""
        spans: list[DealSpan] = []
        for chunk in _chunks(deal_ids):
            spans.extend(
                DealSpan(r.id, r.account_id, r.created_at, r.closed_at)
                for r in conn.execute(
                    select(
                        deals.c.id, deals.c.account_id, deals.c.created_at, deals.c.closed_at
                    ).where(deals.c.tenant == tenant, deals.c.id.in_(chunk))
                )
            )
        if not spans:
            return
        rows = self._activity_rows(
            conn, tenant, [s.deal_id for s in spans], sorted({s.account_id for s in spans})
        )
        seats = activity_seats(rows, spans)
        self._replace_seats(
            conn, tenant, "activity", {s.deal_id: (s.account_id, seats[s.deal_id]) for s in spans}
        )

    def _activity_rows(
        self, conn: Connection, tenant: str, deal_ids: list[str], account_ids: list[str]
    ) -> list[ActivityRow]:
        """The people of activities logged on these deals or on these accounts alone."""
        joined = activities.join(
            activity_people,
            and_(
                activity_people.c.tenant == activities.c.tenant,
                activity_people.c.activity_id == activities.c.id,
            ),
        )
        columns = (
            activities.c.id,
            activities.c.kind,
            activities.c.occurred_at,
            activities.c.subject,
            activities.c.deal_id,
            activities.c.account_id,
            activity_people.c.person_id,
        )
        wheres = [
            (activities.c.deal_id, deal_ids, True),
            (activities.c.account_id, account_ids, False),
        ]
        found: list[ActivityRow] = []
        for column, values, on_deal in wheres:
            for chunk in _chunks(values):
                condition: Any = column.in_(chunk)
                if not on_deal:
                    condition = and_(condition, activities.c.deal_id.is_(None))
                found.extend(
                    ActivityRow(
                        r.id, r.kind, r.occurred_at, r.subject, r.deal_id, r.account_id, r.person_id
                    )
                    for r in conn.execute(
                        select(*columns)
                        .select_from(joined)
                        .where(activities.c.tenant == tenant, condition)
                    )
                )
        return found

    def _erase_from_activities(
        self, conn: Connection, tenant: str, person_id: str, terms: list[str]
    ) -> None:
        """A person leaves the activities they took part in; their name leaves the
        subjects, and the seats those activities give are derived again."""
        ids = [
            r.activity_id
            for r in conn.execute(
                select(activity_people.c.activity_id).where(
                    activity_people.c.tenant == tenant, activity_people.c.person_id == person_id
                )
            )
        ]
        conn.execute(
            delete(activity_people).where(
                activity_people.c.tenant == tenant, activity_people.c.person_id == person_id
            )
        )
        reached: set[tuple[str | None, str | None]] = set()
        for chunk in _chunks(ids):
            for r in conn.execute(
                select(
                    activities.c.id,
                    activities.c.subject,
                    activities.c.deal_id,
                    activities.c.account_id,
                ).where(activities.c.tenant == tenant, activities.c.id.in_(chunk))
            ):
                reached.add((r.deal_id, None) if r.deal_id else (None, r.account_id))
                if r.subject:
                    conn.execute(
                        activities.update()
                        .where(activities.c.tenant == tenant, activities.c.id == r.id)
                        .values(subject=redact(r.subject, terms))
                    )
        self._refresh_activity_seats(conn, tenant, self._deals_reached(conn, tenant, reached))

    def deal_coverage(self, tenant: str, deal_ids: Collection[str]) -> list[DealCoverage]:
        found: list[DealCoverage] = []
        with self._guard(), self._engine.connect() as conn:
            for chunk in _chunks(sorted(set(deal_ids))):
                heads = conn.execute(
                    select(deals.c.id, deals.c.outcome, accounts.c.industry)
                    .select_from(
                        deals.outerjoin(
                            accounts,
                            and_(
                                accounts.c.tenant == deals.c.tenant,
                                accounts.c.id == deals.c.account_id,
                            ),
                        )
                    )
                    .where(deals.c.tenant == tenant, deals.c.id.in_(chunk))
                ).all()
                seats = conn.execute(
                    select(
                        participations.c.deal_id,
                        participations.c.source,
                        participations.c.person_id,
                    ).where(participations.c.tenant == tenant, participations.c.deal_id.in_(chunk))
                ).all()
                people: dict[str, set[str]] = defaultdict(set)
                sources: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
                for s in seats:
                    people[s.deal_id].add(s.person_id)
                    sources[s.deal_id][s.source] += 1
                found.extend(
                    DealCoverage(
                        h.id,
                        h.outcome,
                        h.industry,
                        len(people[h.id]),
                        tuple(sorted(sources[h.id].items())),
                    )
                    for h in heads
                )
        return sorted(found, key=lambda c: c.deal_id)

    # -- keys, erasure, audit ----------------------------------------------------------

    def create_key(self, key: ApiKey) -> None:
        with self._guard(), self._engine.begin() as conn:
            conn.execute(
                api_keys.insert().values(
                    id=key.id,
                    tenant=key.tenant,
                    scopes=",".join(key.scopes),
                    key_hash=key.key_hash,
                    created_at=key.created_at,
                    revoked_at=key.revoked_at,
                )
            )

    def get_key(self, key_id: str) -> ApiKey | None:
        with self._guard(), self._engine.connect() as conn:
            row = conn.execute(select(api_keys).where(api_keys.c.id == key_id)).first()
        return _api_key(row._mapping) if row else None

    def list_keys(self, tenant: str | None) -> list[ApiKey]:
        query = select(api_keys).order_by(api_keys.c.created_at, api_keys.c.id)
        if tenant is not None:
            query = query.where(api_keys.c.tenant == tenant)
        with self._guard(), self._engine.connect() as conn:
            return [_api_key(row._mapping) for row in conn.execute(query)]

    def revoke_key(self, key_id: str, at: str) -> bool:
        with self._guard(), self._engine.begin() as conn:
            result = conn.execute(
                api_keys.update()
                .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
                .values(revoked_at=at)
            )
        return bool(result.rowcount)

    def erase_person(self, tenant: str, person_id: str, key_id: str | None) -> ErasureReport | None:
        with self._guard(), self._engine.begin() as conn:
            target = (
                conn.execute(
                    select(person_merges.c.person_id).where(
                        person_merges.c.tenant == tenant, person_merges.c.alias_id == person_id
                    )
                ).scalar()
                or person_id
            )
            found = self._people(conn, tenant, [target]).get(target)
            if found is None:
                return None
            terms = redaction_terms(found)
            note_ids = [
                r.note_id
                for r in conn.execute(
                    select(mentions.c.note_id).where(
                        mentions.c.tenant == tenant, mentions.c.person_id == target
                    )
                )
            ]
            affected_deals: set[str] = set()
            for chunk in _chunks(note_ids):
                for note in conn.execute(
                    select(notes.c.id, notes.c.text, notes.c.deal_id).where(
                        notes.c.tenant == tenant, notes.c.id.in_(chunk)
                    )
                ):
                    conn.execute(
                        notes.update()
                        .where(notes.c.tenant == tenant, notes.c.id == note.id)
                        .values(text=redact(note.text, terms))
                    )
                    if note.deal_id:
                        affected_deals.add(note.deal_id)
                for mention in conn.execute(
                    select(mentions).where(
                        mentions.c.tenant == tenant, mentions.c.note_id.in_(chunk)
                    )
                ):
                    conn.execute(
                        mentions.update()
                        .where(
                            mentions.c.tenant == tenant,
                            mentions.c.note_id == mention.note_id,
                            mentions.c.person_id == mention.person_id,
                        )
                        .values(evidence=redact(mention.evidence, terms))
                    )
            removed_mentions = conn.execute(
                delete(mentions).where(mentions.c.tenant == tenant, mentions.c.person_id == target)
            ).rowcount
            removed_seats = conn.execute(
                delete(participations).where(
                    participations.c.tenant == tenant, participations.c.person_id == target
                )
            ).rowcount
            removed_aliases = conn.execute(
                delete(person_merges).where(
                    person_merges.c.tenant == tenant, person_merges.c.person_id == target
                )
            ).rowcount
            conn.execute(delete(people).where(people.c.tenant == tenant, people.c.id == target))
            self._refresh_note_seats(conn, tenant, sorted(affected_deals))
            self._erase_from_activities(conn, tenant, target, terms)
            report = ErasureReport(removed_seats, removed_mentions, len(note_ids), removed_aliases)
            self._bump(conn, tenant)
            conn.execute(
                audit_log.insert().values(
                    tenant=tenant,
                    action="erase_person",
                    key_id=key_id,
                    at=_now(),
                    detail=json.dumps(asdict(report), sort_keys=True),
                )
            )
        return report

    def audit_entries(self, tenant: str) -> list[AuditEntry]:
        with self._guard(), self._engine.connect() as conn:
            rows = conn.execute(
                select(audit_log).where(audit_log.c.tenant == tenant).order_by(audit_log.c.id)
            )
            return [
                AuditEntry(r.tenant, r.action, r.key_id, r.at, json.loads(r.detail)) for r in rows
            ]

    # -- reads ---------------------------------------------------------------------

    def _segment_where(self, tenant: str, segment: SegmentFilter) -> Any:
        conditions = [deals.c.tenant == tenant, deals.c.outcome.in_(("won", "lost"))]
        if segment.industry_key:
            conditions.append(accounts.c.industry_key == segment.industry_key)
        if segment.region_key:
            conditions.append(accounts.c.region_key == segment.region_key)
        if segment.min_amount is not None:
            conditions.append(deals.c.amount >= segment.min_amount)
        if segment.max_amount is not None:
            conditions.append(deals.c.amount <= segment.max_amount)
        if segment.closed_before is not None:
            conditions.append(deals.c.closed_at < segment.closed_before)
        if segment.closed_from is not None:
            conditions.append(deals.c.closed_at >= segment.closed_from)
        return and_(*conditions)

    def closed_deals(self, tenant: str, segment: SegmentFilter) -> list[ClosedDeal]:
        joined = deals.join(
            accounts, and_(accounts.c.tenant == deals.c.tenant, accounts.c.id == deals.c.account_id)
        )
        where = self._segment_where(tenant, segment)
        with self._guard(), self._engine.connect() as conn:
            deal_rows = conn.execute(
                select(
                    deals.c.id,
                    deals.c.account_id,
                    deals.c.outcome,
                    deals.c.amount,
                    deals.c.closed_at,
                    accounts.c.industry,
                    accounts.c.region,
                )
                .select_from(joined)
                .where(where)
                .order_by(deals.c.id)
            ).all()
            seat_rows = conn.execute(
                select(
                    participations.c.deal_id,
                    participations.c.person_id,
                    ANY_EXTERNAL,
                    people.c.role,
                    people.c.external_kind,
                )
                .select_from(
                    joined.join(participations, SEAT_DEAL).join(
                        people,
                        and_(
                            people.c.tenant == participations.c.tenant,
                            people.c.id == participations.c.person_id,
                        ),
                    )
                )
                .where(where)
                .group_by(
                    participations.c.deal_id,
                    participations.c.person_id,
                    people.c.role,
                    people.c.external_kind,
                )
            ).all()
        seats: dict[str, list[SeatSummary]] = defaultdict(list)
        for row in seat_rows:
            external = bool(row.external)
            seats[row.deal_id].append(
                SeatSummary(
                    row.person_id, committee_role(row.role, external, row.external_kind), external
                )
            )
        return [
            ClosedDeal(
                id=row.id,
                account_id=row.account_id,
                won=row.outcome == "won",
                amount=row.amount,
                closed_at=row.closed_at,
                industry=row.industry,
                region=row.region,
                seats=tuple(sorted(seats.get(row.id, []), key=lambda s: s.person_id)),
            )
            for row in deal_rows
        ]

    def deal_committee(self, tenant: str, deal_id: str) -> DealCommittee | None:
        with self._guard(), self._engine.connect() as conn:
            deal_row = conn.execute(
                select(deals).where(deals.c.tenant == tenant, deals.c.id == deal_id)
            ).first()
            if deal_row is None:
                return None
            account_row = conn.execute(
                select(accounts).where(
                    accounts.c.tenant == tenant, accounts.c.id == deal_row.account_id
                )
            ).first()
            seat_rows = conn.execute(
                select(participations, people.c.role.label("person_role"))
                .select_from(
                    participations.join(
                        people,
                        and_(
                            people.c.tenant == participations.c.tenant,
                            people.c.id == participations.c.person_id,
                        ),
                    )
                )
                .where(participations.c.tenant == tenant, participations.c.deal_id == deal_id)
                .order_by(participations.c.person_id, participations.c.source)
            ).all()
            directory = self._people(conn, tenant, [r.person_id for r in seat_rows])
        return DealCommittee(
            deal=_deal(deal_row._mapping),
            account=_account(account_row._mapping if account_row else {"id": deal_row.account_id}),
            participants=tuple(
                Participant(
                    person=directory[r.person_id],
                    deal_role=r.deal_role,
                    stance=r.stance,
                    source=r.source,
                    role=committee_role(
                        directory[r.person_id].role,
                        r.external,
                        directory[r.person_id].external_kind,
                    ),
                    external=r.external,
                    evidence=tuple(json.loads(r.evidence)),
                )
                for r in seat_rows
            ),
        )

    def people(self, tenant: str, ids: Collection[str]) -> dict[str, Person]:
        with self._guard(), self._engine.connect() as conn:
            return self._people(conn, tenant, list(ids))

    def people_at(self, tenant: str, account_id: str) -> list[Person]:
        with self._guard(), self._engine.connect() as conn:
            return self._people_at(conn, tenant, account_id)

    def account_contacts(self, tenant: str, account_id: str) -> AccountContacts:
        with self._guard(), self._engine.connect() as conn:
            found = self._people_at(conn, tenant, account_id)
            seats = self._seats_of(conn, tenant, [p.id for p in found])
            return AccountContacts(tuple(found), tuple(seats))

    def _people_at(self, conn: Connection, tenant: str, account_id: str) -> list[Person]:
        # Sorted here: ORDER BY id leads SQLite to walk the primary key over every
        # person of the tenant instead of using the account index.
        rows = conn.execute(
            select(people).where(people.c.tenant == tenant, people.c.account_id == account_id)
        )
        return sorted((_person(row._mapping) for row in rows), key=lambda p: p.id)

    def merged_into(self, tenant: str, person_id: str) -> list[Merge]:
        with self._guard(), self._engine.connect() as conn:
            rows = conn.execute(
                select(person_merges)
                .where(person_merges.c.tenant == tenant, person_merges.c.person_id == person_id)
                .order_by(person_merges.c.alias_id)
            )
            return [Merge(r.alias_id, r.person_id, r.reason) for r in rows]

    def alias_target(self, tenant: str, alias_id: str) -> str | None:
        with self._guard(), self._engine.connect() as conn:
            row = conn.execute(
                select(person_merges.c.person_id).where(
                    person_merges.c.tenant == tenant, person_merges.c.alias_id == alias_id
                )
            ).first()
        return row.person_id if row else None

    def account(self, tenant: str, account_id: str) -> Account | None:
        with self._guard(), self._engine.connect() as conn:
            row = conn.execute(
                select(accounts).where(accounts.c.tenant == tenant, accounts.c.id == account_id)
            ).first()
        return _account(row._mapping) if row else None

    def seats_of(self, tenant: str, person_ids: Collection[str]) -> list[PersonSeat]:
        with self._guard(), self._engine.connect() as conn:
            return self._seats_of(conn, tenant, person_ids)

    def _seats_of(
        self, conn: Connection, tenant: str, person_ids: Collection[str]
    ) -> list[PersonSeat]:
        found: list[PersonSeat] = []
        for chunk in _chunks(sorted(set(person_ids))):
            rows = conn.execute(
                select(
                    participations.c.person_id,
                    deals.c.id,
                    deals.c.account_id,
                    deals.c.outcome,
                    ANY_EXTERNAL,
                )
                .select_from(participations.join(deals, SEAT_DEAL))
                .where(participations.c.tenant == tenant, participations.c.person_id.in_(chunk))
                .group_by(
                    participations.c.person_id, deals.c.id, deals.c.account_id, deals.c.outcome
                )
            )
            found.extend(
                PersonSeat(r.person_id, r.id, r.account_id, r.outcome, bool(r.external))
                for r in rows
            )
        return sorted(found, key=lambda s: (s.person_id, s.deal_id))

    def _people(self, conn: Connection, tenant: str, ids: list[str]) -> dict[str, Person]:
        found: dict[str, Person] = {}
        for chunk in _chunks(sorted(set(ids))):
            rows = conn.execute(
                select(people).where(people.c.tenant == tenant, people.c.id.in_(chunk))
            )
            for row in rows:
                found[row.id] = _person(row._mapping)
        return found


def _overwrite(rows: Sequence[dict[str, Any]]) -> Callable[[Any], dict[str, Any]]:
    """On conflict, every column of the rows but the key takes the incoming value."""
    columns = [c for c in rows[0] if c not in ("tenant", "id")] if rows else []
    return lambda excluded: {c: excluded[c] for c in columns}


def _api_key(row: Any) -> ApiKey:
    return ApiKey(
        id=row["id"],
        tenant=row["tenant"],
        scopes=tuple(s for s in row["scopes"].split(",") if s),
        key_hash=row["key_hash"],
        created_at=row["created_at"],
        revoked_at=row["revoked_at"],
    )


def _person(row: Any) -> Person:
    return Person(
        id=row["id"],
        account_id=row["account_id"],
        name=row["name"],
        email=row["email"],
        title=row["title"],
        function=row["function"],
        seniority=row["seniority"],
        role=row["role"],
        external_kind=row["external_kind"],
        audience=row["audience"],
    )


def _deal(row: Any) -> Deal:
    return Deal(
        id=row["id"],
        account_id=row["account_id"],
        outcome=row["outcome"],
        source=row["source"],
        name=row["name"],
        amount=row["amount"],
        currency=row["currency"],
        stage=row["stage"],
        created_at=row["created_at"],
        closed_at=row["closed_at"],
        product=row["product"],
    )


def _account(row: Any) -> Account:
    return Account(
        id=row["id"],
        name=row.get("name"),
        industry=row.get("industry"),
        region=row.get("region"),
        country=row.get("country"),
        employees=row.get("employees"),
    )
