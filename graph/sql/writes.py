"""The SQL adapter's write primitives (graph.writing.WriteTx) on one connection."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import Connection, case, delete, func, select, tuple_

from graph.activities import ActivityRow, DealSpan
from graph.counts import Change, StatKey, StatRow
from graph.models import ClosedDeal, Person, Seat
from graph.notes import MentionRow
from graph.recount import Cell, Committees, DealState, Traits
from graph.rows import Row
from graph.sql.db import Database, chunks, overwrite
from graph.sql.reads import (
    ANY_EXTERNAL,
    DEAL_ACCOUNT,
    SEAT_PERSON,
    cell_conditions,
    closed_deals_where,
    people_by_ids,
    stat_row,
)
from graph.sql.schema import (
    accounts,
    activities,
    activity_people,
    audit_log,
    data_versions,
    deals,
    mentions,
    notes,
    participations,
    people,
    person_merges,
    stats,
)
from graph.sql.signals import SqlArrivalWrites
from graph.writing import Hashed, NoteText, StoredPerson

HASHED = {"deal": deals, "person": people, "note": notes}
KEPT_ACCOUNT = ("name", "industry", "industry_key", "region", "region_key", "country", "employees")
KEPT_PERSON = ("name", "email", "title", "external_kind", "audience", "content_hash", "name_key")


class SqlWriteTx(SqlArrivalWrites):
    """One write transaction of one tenant."""

    def __init__(self, db: Database, conn: Connection, tenant: str) -> None:
        self._db = db
        self._conn = conn
        self._tenant = tenant

    def _ids(self, table: Any, column: Any, ids: Collection[str], *columns: Any) -> list[Any]:
        found: list[Any] = []
        for chunk in chunks(sorted(set(ids))):
            found += self._conn.execute(
                select(*columns).where(table.c.tenant == self._tenant, column.in_(chunk))
            ).all()
        return found

    # -- the tenant --------------------------------------------------------------------

    def lock_tenant(self) -> int:
        # A write first: SQLite then holds its one write lock from here to commit, and a
        # read never has to be upgraded to a write (which fails outright when busy).
        self._db.put(
            self._conn,
            data_versions,
            [{"tenant": self._tenant, "version": 0, "generation": 0, "counted": True}],
            keys=("tenant",),
            update=lambda _: {"version": data_versions.c.version},
        )
        return int(
            self._conn.execute(
                select(data_versions.c.version).where(data_versions.c.tenant == self._tenant)
            ).scalar_one()
        )

    def set_version(
        self, version: int, *, new_generation: bool = False, seats_moved: bool = True
    ) -> None:
        values: dict[str, Any] = {"version": version}
        if seats_moved:
            values["seats_version"] = version
        if new_generation:
            values["generation"] = data_versions.c.generation + 1
            values["counted"] = True
        self._conn.execute(
            data_versions.update().where(data_versions.c.tenant == self._tenant).values(**values)
        )

    # -- lookups -----------------------------------------------------------------------

    def hashes(self, kind: Hashed, ids: Sequence[str]) -> dict[str, str]:
        table = HASHED[kind]
        rows = self._ids(table, table.c.id, ids, table.c.id, table.c.content_hash)
        return {r.id: r.content_hash for r in rows if r.content_hash is not None}

    def alias_hashes(self, ids: Sequence[str]) -> dict[str, str]:
        rows = self._ids(
            person_merges,
            person_merges.c.alias_id,
            ids,
            person_merges.c.alias_id,
            person_merges.c.content_hash,
        )
        return {r.alias_id: r.content_hash or "" for r in rows}

    def note_deals(self, ids: Sequence[str]) -> dict[str, str | None]:
        rows = self._ids(notes, notes.c.id, ids, notes.c.id, notes.c.deal_id)
        return {r.id: r.deal_id for r in rows}

    def known_people(self, ids: Sequence[str]) -> tuple[dict[str, str], list[StoredPerson]]:
        aliases = self._ids(
            person_merges,
            person_merges.c.alias_id,
            ids,
            person_merges.c.alias_id,
            person_merges.c.person_id,
        )
        found = self._ids(people, people.c.id, ids, people.c.id, people.c.row_hash)
        return (
            {r.alias_id: r.person_id for r in aliases},
            [StoredPerson(r.id, r.row_hash) for r in found],
        )

    def _stored(self, column: Any, values: Sequence[Any]) -> list[StoredPerson]:
        found: list[StoredPerson] = []
        columns = (people.c.id, people.c.row_hash, people.c.email, people.c.account_id)
        for chunk in chunks(list(values)):
            rows = self._conn.execute(
                select(*columns, people.c.name_key).where(
                    people.c.tenant == self._tenant, column.in_(chunk)
                )
            )
            found += [
                StoredPerson(r.id, r.row_hash, r.email, r.account_id, r.name_key) for r in rows
            ]
        return found

    def people_by_email(self, emails: Sequence[str]) -> list[StoredPerson]:
        return self._stored(people.c.email, emails)

    def people_by_name(self, names: Sequence[tuple[str, str]]) -> list[StoredPerson]:
        # (account, name) pairs: the composite index answers them without a scan.
        return self._stored(tuple_(people.c.account_id, people.c.name_key), names)

    def record_merges(self, rows: Sequence[Row]) -> None:
        self._db.put(
            self._conn,
            person_merges,
            [{"tenant": self._tenant, **r} for r in rows],
            keys=("tenant", "alias_id"),
            update=lambda excluded: {
                "content_hash": func.coalesce(excluded.content_hash, person_merges.c.content_hash)
            },
        )

    # -- records -----------------------------------------------------------------------

    def put_accounts(self, rows: Sequence[Row]) -> None:
        self._db.put(
            self._conn,
            accounts,
            [{"tenant": self._tenant, **r} for r in rows],
            update=lambda excluded: {
                c: func.coalesce(excluded[c], accounts.c[c]) for c in KEPT_ACCOUNT
            },
        )

    def put_people(self, rows: Sequence[Row]) -> None:
        """A field left empty keeps its stored value; a new contact without an employer
        works for `fallback_account`, a known one keeps theirs."""
        if not rows:
            return
        employers = sorted({r["account_id"] or r["fallback_account"] for r in rows} - {None})
        self._db.put(self._conn, accounts, [{"tenant": self._tenant, "id": a} for a in employers])
        for given in (True, False):

            def keep(excluded: Any, given: bool = given) -> dict[str, Any]:
                titled = excluded.title.is_not(None)
                columns: dict[str, Any] = {
                    c: func.coalesce(excluded[c], people.c[c]) for c in KEPT_PERSON
                }
                columns.update(
                    {
                        c: case((titled, excluded[c]), else_=people.c[c])
                        for c in ("function", "seniority", "role")
                    }
                )
                columns["row_hash"] = excluded.row_hash
                if given:
                    columns["account_id"] = excluded.account_id
                return columns

            batch = [
                {
                    **{k: v for k, v in r.items() if k != "fallback_account"},
                    "tenant": self._tenant,
                    "account_id": r["account_id"] or r["fallback_account"],
                }
                for r in rows
                if (r["account_id"] is not None) is given
            ]
            self._db.put(self._conn, people, batch, update=keep)

    def put_deals(self, rows: Sequence[Row], new_ids: Collection[str]) -> None:
        full = [{"tenant": self._tenant, **r} for r in rows]
        self._db.put(self._conn, deals, full, update=overwrite(full))

    def replace_seats(
        self,
        source: str,
        seats: dict[str, tuple[str, list[Seat]]],
        clear: Collection[str],
        now: str,
    ) -> None:
        for chunk in chunks(sorted(clear)):
            self._conn.execute(
                delete(participations).where(
                    participations.c.tenant == self._tenant,
                    participations.c.deal_id.in_(chunk),
                    participations.c.source == source,
                )
            )
        employers = {
            r.id: r.account_id
            for r in self._ids(
                people,
                people.c.id,
                [s.person_id for _, deal_seats in seats.values() for s in deal_seats],
                people.c.id,
                people.c.account_id,
            )
        }
        rows = [
            {
                "tenant": self._tenant,
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
            # A person erased since the batch was read takes no seat (as on Neo4j, whose
            # statement matches the person first).
            if s.person_id in employers
        ]
        if rows:
            self._conn.execute(participations.insert(), rows)

    def put_notes(self, rows: Sequence[Row]) -> None:
        full = [{"tenant": self._tenant, **r} for r in rows]
        self._db.put(self._conn, notes, full, update=overwrite(full))

    def replace_mentions(self, note_ids: Sequence[str], rows: Sequence[Row]) -> None:
        for chunk in chunks(list(note_ids)):
            self._conn.execute(
                delete(mentions).where(
                    mentions.c.tenant == self._tenant, mentions.c.note_id.in_(chunk)
                )
            )
        # Mentions of a person erased since the note was read are dropped, as on Neo4j.
        existing = {
            r.id
            for r in self._ids(
                people, people.c.id, sorted({r["person_id"] for r in rows}), people.c.id
            )
        }
        kept = [{"tenant": self._tenant, **r} for r in rows if r["person_id"] in existing]
        if kept:
            self._conn.execute(mentions.insert(), kept)

    def mention_rows(self, deal_ids: Sequence[str]) -> list[MentionRow]:
        found: list[MentionRow] = []
        for chunk in chunks(list(deal_ids)):
            rows = self._conn.execute(
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
                        (notes.c.tenant == mentions.c.tenant) & (notes.c.id == mentions.c.note_id),
                    )
                )
                .where(mentions.c.tenant == self._tenant, notes.c.deal_id.in_(chunk))
            )
            found += [
                MentionRow(r.deal_id, r.person_id, r.stance, r.evidence, r.occurred_at, r.id)
                for r in rows
            ]
        return found

    def deal_accounts(self, deal_ids: Sequence[str]) -> dict[str, str]:
        rows = self._ids(deals, deals.c.id, deal_ids, deals.c.id, deals.c.account_id)
        return {r.id: r.account_id for r in rows}

    # -- erasure -----------------------------------------------------------------------

    def alias_target(self, alias_id: str) -> str | None:
        found = self._conn.execute(
            select(person_merges.c.person_id).where(
                person_merges.c.tenant == self._tenant, person_merges.c.alias_id == alias_id
            )
        ).scalar()
        return str(found) if found else None

    def person(self, person_id: str) -> Person | None:
        return people_by_ids(self._conn, self._tenant, [person_id]).get(person_id)

    def notes_mentioning(self, person_id: str) -> list[NoteText]:
        note_ids = [
            r.note_id
            for r in self._conn.execute(
                select(mentions.c.note_id).where(
                    mentions.c.tenant == self._tenant, mentions.c.person_id == person_id
                )
            )
        ]
        said: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for r in self._ids(
            mentions,
            mentions.c.note_id,
            note_ids,
            mentions.c.note_id,
            mentions.c.person_id,
            mentions.c.evidence,
        ):
            said[r.note_id].append((r.person_id, r.evidence))
        rows = self._ids(notes, notes.c.id, note_ids, notes.c.id, notes.c.text, notes.c.deal_id)
        return [
            NoteText(r.id, r.text, r.deal_id, tuple(sorted(said[r.id])))
            for r in sorted(rows, key=lambda r: r.id)
        ]

    def set_note_texts(self, rows: Sequence[Row]) -> None:
        for r in rows:
            self._conn.execute(
                notes.update()
                .where(notes.c.tenant == self._tenant, notes.c.id == r["id"])
                .values(text=r["text"])
            )

    def set_mention_evidence(self, rows: Sequence[Row]) -> None:
        for r in rows:
            self._conn.execute(
                mentions.update()
                .where(
                    mentions.c.tenant == self._tenant,
                    mentions.c.note_id == r["note_id"],
                    mentions.c.person_id == r["person_id"],
                )
                .values(evidence=r["evidence"])
            )

    def erase_person(self, person_id: str) -> tuple[int, int]:
        removed_mentions = self._conn.execute(
            delete(mentions).where(
                mentions.c.tenant == self._tenant, mentions.c.person_id == person_id
            )
        ).rowcount
        removed_seats = self._conn.execute(
            delete(participations).where(
                participations.c.tenant == self._tenant, participations.c.person_id == person_id
            )
        ).rowcount
        self._conn.execute(
            delete(people).where(people.c.tenant == self._tenant, people.c.id == person_id)
        )
        return removed_seats, removed_mentions

    def erase_aliases(self, person_id: str) -> int:
        return int(
            self._conn.execute(
                delete(person_merges).where(
                    person_merges.c.tenant == self._tenant, person_merges.c.person_id == person_id
                )
            ).rowcount
        )

    def erase_person_stats(self, person_id: str) -> None:
        self._conn.execute(
            delete(stats).where(
                stats.c.tenant == self._tenant, stats.c.kind == "person", stats.c.key == person_id
            )
        )

    def add_audit(self, action: str, key_id: str | None, at: str, detail: str) -> None:
        self._conn.execute(
            audit_log.insert().values(
                tenant=self._tenant, action=action, key_id=key_id, at=at, detail=detail
            )
        )

    # -- activities --------------------------------------------------------------------

    def activity_reach(self, ids: Sequence[str]) -> dict[str, tuple[str, str | None, str]]:
        rows = self._ids(
            activities,
            activities.c.id,
            ids,
            activities.c.id,
            activities.c.content_hash,
            activities.c.deal_id,
            activities.c.account_id,
        )
        return {r.id: (r.content_hash, r.deal_id, r.account_id) for r in rows}

    def put_activities(self, rows: Sequence[Row]) -> None:
        full = [
            {"tenant": self._tenant, **{k: v for k, v in r.items() if k != "people"}} for r in rows
        ]
        self._db.put(self._conn, activities, full, update=overwrite(full))
        for chunk in chunks([r["id"] for r in rows]):
            self._conn.execute(
                delete(activity_people).where(
                    activity_people.c.tenant == self._tenant,
                    activity_people.c.activity_id.in_(chunk),
                )
            )
        links = [
            {"tenant": self._tenant, "activity_id": r["id"], "person_id": p}
            for r in rows
            for p in r["people"]
        ]
        if links:
            self._conn.execute(activity_people.insert(), links)

    def deals_reached(self, deal_ids: Collection[str], account_ids: Collection[str]) -> set[str]:
        found = {r.id for r in self._ids(deals, deals.c.id, deal_ids, deals.c.id)}
        found |= {r.id for r in self._ids(deals, deals.c.account_id, account_ids, deals.c.id)}
        return found

    def activity_spans(self, deal_ids: Sequence[str]) -> tuple[list[DealSpan], list[ActivityRow]]:
        spans = [
            DealSpan(r.id, r.account_id, r.created_at, r.closed_at)
            for r in self._ids(
                deals,
                deals.c.id,
                deal_ids,
                deals.c.id,
                deals.c.account_id,
                deals.c.created_at,
                deals.c.closed_at,
            )
        ]
        joined = activities.join(
            activity_people,
            (activity_people.c.tenant == activities.c.tenant)
            & (activity_people.c.activity_id == activities.c.id),
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
        rows: list[ActivityRow] = []
        on_deals = [s.deal_id for s in spans]
        on_accounts = sorted({s.account_id for s in spans})
        for values, on_deal in ((on_deals, True), (on_accounts, False)):
            for chunk in chunks(values):
                condition: Any = (
                    activities.c.deal_id.in_(chunk)
                    if on_deal
                    else activities.c.account_id.in_(chunk) & activities.c.deal_id.is_(None)
                )
                rows += [
                    ActivityRow(*r)
                    for r in self._conn.execute(
                        select(*columns)
                        .select_from(joined)
                        .where(activities.c.tenant == self._tenant, condition)
                    )
                ]
        return spans, rows

    def person_activities(self, person_id: str) -> list[tuple[str, str | None, str | None, str]]:
        rows = self._conn.execute(
            select(
                activities.c.id, activities.c.subject, activities.c.deal_id, activities.c.account_id
            )
            .select_from(
                activities.join(
                    activity_people,
                    (activity_people.c.tenant == activities.c.tenant)
                    & (activity_people.c.activity_id == activities.c.id),
                )
            )
            .where(activities.c.tenant == self._tenant, activity_people.c.person_id == person_id)
        )
        return [(r.id, r.subject, r.deal_id, r.account_id) for r in rows]

    def set_activity_subjects(self, rows: Sequence[Row]) -> None:
        for r in rows:
            self._conn.execute(
                activities.update()
                .where(activities.c.tenant == self._tenant, activities.c.id == r["id"])
                .values(subject=r["subject"])
            )

    def leave_activities(self, person_id: str) -> None:
        self._conn.execute(
            delete(activity_people).where(
                activity_people.c.tenant == self._tenant, activity_people.c.person_id == person_id
            )
        )

    # -- counting ----------------------------------------------------------------------

    def committees(self, deal_ids: Collection[str]) -> Committees:
        heads: list[Any] = []
        for chunk in chunks(sorted(set(deal_ids))):
            heads += self._conn.execute(
                select(
                    deals.c.id,
                    deals.c.account_id,
                    deals.c.outcome,
                    deals.c.amount,
                    deals.c.closed_at,
                    accounts.c.industry_key,
                    accounts.c.region_key,
                )
                .select_from(deals.join(accounts, DEAL_ACCOUNT, isouter=True))
                .where(deals.c.tenant == self._tenant, deals.c.id.in_(chunk))
            ).all()
        seated: dict[str, list[tuple[str, bool]]] = defaultdict(list)
        traits: dict[str, Traits] = {}
        for chunk in chunks(sorted(set(deal_ids))):
            rows = self._conn.execute(
                select(
                    participations.c.deal_id,
                    participations.c.person_id,
                    ANY_EXTERNAL,
                    people.c.role,
                    people.c.external_kind,
                )
                .select_from(participations.join(people, SEAT_PERSON))
                .where(participations.c.tenant == self._tenant, participations.c.deal_id.in_(chunk))
                .group_by(
                    participations.c.deal_id,
                    participations.c.person_id,
                    people.c.role,
                    people.c.external_kind,
                )
            )
            for r in rows:
                seated[r.deal_id].append((r.person_id, bool(r.external)))
                traits[r.person_id] = Traits(r.role, r.external_kind)
        return Committees(
            [
                DealState(
                    h.id,
                    h.account_id,
                    h.outcome,
                    h.amount,
                    h.closed_at,
                    tuple(sorted(seated[h.id])),
                )
                for h in heads
            ],
            traits,
            {h.account_id: (h.industry_key or "", h.region_key or "") for h in heads},
        )

    def traits(self, person_ids: Collection[str]) -> dict[str, Traits]:
        if not person_ids:
            return {}
        rows = self._ids(
            people, people.c.id, person_ids, people.c.id, people.c.role, people.c.external_kind
        )
        return {r.id: Traits(r.role, r.external_kind) for r in rows}

    def cells(self, account_ids: Collection[str]) -> dict[str, Cell]:
        if not account_ids:
            return {}
        rows = self._ids(
            accounts,
            accounts.c.id,
            account_ids,
            accounts.c.id,
            accounts.c.industry_key,
            accounts.c.region_key,
        )
        return {r.id: (r.industry_key or "", r.region_key or "") for r in rows}

    def deals_of(self, person_ids: Collection[str], account_ids: Collection[str]) -> set[str]:
        found = {
            r.deal_id
            for r in self._ids(
                participations,
                participations.c.person_id,
                person_ids,
                participations.c.deal_id,
            )
        }
        found |= {r.id for r in self._ids(deals, deals.c.account_id, account_ids, deals.c.id)}
        return found

    def stat_rows(self, keys: Sequence[StatKey]) -> dict[StatKey, StatRow]:
        rows = self._ids(
            stats,
            stats.c.sid,
            [k.sid for k in keys],
            stats.c.sid,
            stats.c.present,
            stats.c.won,
            stats.c.deal_ids,
        )
        found = [stat_row(r) for r in rows]
        return {row.key: row for row in found}

    def add_stats(self, changes: Sequence[Change], version: int) -> None:
        rows = [
            {
                "tenant": self._tenant,
                "sid": c.key.sid,
                "kind": c.key.kind,
                "key": c.key.key,
                "version": version,
                "present": c.present,
                "won": c.won,
                "deal_ids": "[]",
            }
            for c in changes
        ]
        self._db.put(
            self._conn,
            stats,
            rows,
            keys=("tenant", "sid"),
            update=lambda excluded: {
                "present": stats.c.present + excluded.present,
                "won": stats.c.won + excluded.won,
                "version": excluded.version,
            },
        )

    def put_stat_rows(self, rows: Sequence[StatRow], version: int) -> None:
        full = [
            {
                "tenant": self._tenant,
                "sid": r.key.sid,
                "kind": r.key.kind,
                "key": r.key.key,
                "version": version,
                "present": r.present,
                "won": r.won,
                "deal_ids": json.dumps(list(r.deal_ids)),
            }
            for r in rows
        ]
        self._db.put(self._conn, stats, full, keys=("tenant", "sid"), update=overwrite(full))

    def cell_deals(
        self, industry: str | None, region: str | None, band: int | None
    ) -> list[ClosedDeal]:
        return closed_deals_where(self._conn, cell_conditions(self._tenant, industry, region, band))

    def clear_stats(self) -> None:
        self._conn.execute(delete(stats).where(stats.c.tenant == self._tenant))
