"""The Neo4j adapter's write primitives (graph.writing.WriteTx) in one managed transaction.

Writes are `UNWIND $rows` statements of at most `batch_size` rows with
idempotent MERGE (all Cypher in graph.neo4j.cypher); lookups answer one
collected list per statement, which the driver decodes far faster than
thousands of records.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any, LiteralString

from neo4j import ManagedTransaction

from graph.activities import ActivityRow, DealSpan
from graph.counts import Change, StatKey, StatRow
from graph.models import ClosedDeal, Person, Seat
from graph.neo4j import cypher
from graph.neo4j.reads import closed_deals_in, closed_deals_params
from graph.neo4j.session import collected
from graph.neo4j.signals import Neo4jArrivalWrites
from graph.notes import MentionRow
from graph.recount import Cell, Committees, DealState, Traits
from graph.rows import Row, person_of
from graph.stats import band_range
from graph.writing import Hashed, NoteText, StoredPerson

HASHES: dict[str, LiteralString] = {
    "deal": cypher.DEAL_HASHES,
    "person": cypher.PERSON_HASHES,
}


class Neo4jWriteTx(Neo4jArrivalWrites):
    """One write transaction of one tenant."""

    def __init__(self, tx: ManagedTransaction, tenant: str, batch_size: int) -> None:
        self._tx = tx
        self._tenant = tenant
        self._batch = batch_size
        self._version_node = ""
        self._generation = 0
        self._counted = False

    def _rows(self, query: LiteralString, **params: Any) -> list[Any]:
        return collected(self._tx, query, tenant=self._tenant, **params)

    def _batches(self, query: LiteralString, rows: Sequence[Any], **params: Any) -> None:
        for start in range(0, len(rows), self._batch):
            self._tx.run(
                query, tenant=self._tenant, rows=list(rows[start : start + self._batch]), **params
            ).consume()

    # -- the tenant --------------------------------------------------------------------

    def lock_tenant(self) -> int:
        record = self._tx.run(cypher.LOCK_TENANT, tenant=self._tenant).single()
        if record is None:
            self._tx.run(cypher.NEW_TENANT, tenant=self._tenant).consume()
            record = self._tx.run(cypher.LOCK_TENANT, tenant=self._tenant).single()
        assert record is not None
        self._version_node = str(record["node"])
        self._generation = int(record["generation"])
        self._counted = bool(record["counted"])
        return int(record["version"])

    def set_version(
        self, version: int, *, new_generation: bool = False, seats_moved: bool = True
    ) -> None:
        self._tx.run(
            cypher.SET_VERSION,
            node=self._version_node,
            version=version,
            generation=self._generation + int(new_generation),
            counted=self._counted or new_generation,
            seats_moved=seats_moved,
        ).consume()

    # -- lookups -----------------------------------------------------------------------

    def hashes(self, kind: Hashed, ids: Sequence[str]) -> dict[str, str]:
        if kind == "note":
            return {
                r["id"]: r["content_hash"]
                for r in self._tx.run(cypher.NOTE_HASHES, tenant=self._tenant, ids=list(ids))
            }
        return {i: h for i, h in self._rows(HASHES[kind], ids=list(ids)) if h is not None}

    def alias_hashes(self, ids: Sequence[str]) -> dict[str, str]:
        return {
            r["alias_id"]: r["content_hash"] or ""
            for r in self._tx.run(cypher.ALIASES, tenant=self._tenant, ids=list(ids))
        }

    def note_deals(self, ids: Sequence[str]) -> dict[str, str | None]:
        return {
            r["id"]: r["deal_id"]
            for r in self._tx.run(cypher.NOTE_HASHES, tenant=self._tenant, ids=list(ids))
        }

    def known_people(self, ids: Sequence[str]) -> tuple[dict[str, str], list[StoredPerson]]:
        record = self._tx.run(cypher.KNOWN_PEOPLE, tenant=self._tenant, ids=list(ids)).single()
        if record is None:
            return {}, []
        return dict(record["aliases"]), [StoredPerson(i, h) for i, h in record["people"]]

    def people_by_email(self, emails: Sequence[str]) -> list[StoredPerson]:
        return [StoredPerson(*r) for r in self._rows(cypher.PEOPLE_BY_EMAIL, emails=list(emails))]

    def people_by_name(self, names: Sequence[tuple[str, str]]) -> list[StoredPerson]:
        pairs = [{"account_id": a, "name_key": k} for a, k in names]
        return [StoredPerson(*r) for r in self._rows(cypher.PEOPLE_BY_NAME, names=pairs)]

    def record_merges(self, rows: Sequence[Row]) -> None:
        self._batches(cypher.RECORD_MERGES, rows)

    # -- records -----------------------------------------------------------------------

    def put_accounts(self, rows: Sequence[Row]) -> None:
        self._batches(cypher.MERGE_ACCOUNTS, rows)

    def put_people(self, rows: Sequence[Row]) -> None:
        self._batches(cypher.MERGE_PEOPLE, rows)

    def put_deals(self, rows: Sequence[Row], new_ids: Collection[str]) -> None:
        # New deals are created outright: no account link or seats to look through.
        new = set(new_ids)
        props = [{"id": r["id"], "props": {k: v for k, v in r.items() if k != "id"}} for r in rows]
        self._batches(cypher.MERGE_DEALS, [p for p in props if p["id"] not in new])
        self._batches(cypher.CREATE_DEALS, [p for p in props if p["id"] in new])

    def replace_seats(
        self,
        source: str,
        seats: dict[str, tuple[str, list[Seat]]],
        clear: Collection[str],
        now: str,
    ) -> None:
        ids = sorted(clear)
        for start in range(0, len(ids), self._batch):
            self._tx.run(
                cypher.DELETE_SEATS,
                tenant=self._tenant,
                source=source,
                ids=ids[start : start + self._batch],
            ).consume()
        rows = seat_rows({deal: list(found) for deal, (_, found) in seats.items()})
        self._batches(cypher.CREATE_SEATS, rows, source=source, now=now)

    def put_notes(self, rows: Sequence[Row]) -> None:
        props = [{"id": r["id"], "props": {k: v for k, v in r.items() if k != "id"}} for r in rows]
        self._batches(cypher.MERGE_NOTES, props)

    def replace_mentions(self, note_ids: Sequence[str], rows: Sequence[Row]) -> None:
        self._tx.run(cypher.DELETE_MENTIONS, tenant=self._tenant, ids=list(note_ids)).consume()
        self._batches(cypher.MERGE_MENTIONS, rows)

    def mention_rows(self, deal_ids: Sequence[str]) -> list[MentionRow]:
        return [
            MentionRow(
                r["deal_id"],
                r["person_id"],
                r["stance"],
                r["evidence"],
                r["occurred_at"],
                r["note_id"],
            )
            for r in self._tx.run(cypher.DEAL_MENTIONS, tenant=self._tenant, ids=list(deal_ids))
        ]

    def deal_accounts(self, deal_ids: Sequence[str]) -> dict[str, str]:
        return {
            r["id"]: r["account_id"]
            for r in self._tx.run(cypher.DEAL_ACCOUNTS, tenant=self._tenant, ids=list(deal_ids))
        }

    # -- erasure -----------------------------------------------------------------------

    def alias_target(self, alias_id: str) -> str | None:
        record = self._tx.run(cypher.ALIAS_TARGET, tenant=self._tenant, id=alias_id).single()
        return str(record["person_id"]) if record else None

    def person(self, person_id: str) -> Person | None:
        record = self._tx.run(cypher.PERSON, tenant=self._tenant, id=person_id).single()
        return person_of(record["person"]) if record else None

    def notes_mentioning(self, person_id: str) -> list[NoteText]:
        found = self._tx.run(cypher.PERSON_NOTES, tenant=self._tenant, id=person_id).single()
        note_ids = list(found["note_ids"]) if found else []
        texts = [
            NoteText(
                r["id"],
                r["text"],
                r["deal_id"],
                tuple(
                    sorted(
                        (m["person_id"], m["evidence"] or "")
                        for m in r["mentions"]
                        if m["person_id"]
                    )
                ),
            )
            for r in self._tx.run(cypher.NOTES_WITH_MENTIONS, tenant=self._tenant, ids=note_ids)
        ]
        return sorted(texts, key=lambda n: n.id)

    def set_note_texts(self, rows: Sequence[Row]) -> None:
        self._batches(cypher.SET_NOTE_TEXT, rows)

    def set_mention_evidence(self, rows: Sequence[Row]) -> None:
        self._batches(cypher.SET_MENTION_EVIDENCE, rows)

    def erase_person(self, person_id: str) -> tuple[int, int]:
        record = self._tx.run(cypher.ERASE_PERSON, tenant=self._tenant, id=person_id).single()
        return (int(record["seats"]), int(record["mentions"])) if record else (0, 0)

    def erase_aliases(self, person_id: str) -> int:
        record = self._tx.run(cypher.ERASE_ALIASES, tenant=self._tenant, id=person_id).single()
        return int(record["removed"]) if record else 0

    def erase_person_stats(self, person_id: str) -> None:
        self._tx.run(cypher.ERASE_PERSON_STATS, tenant=self._tenant, id=person_id).consume()

    def add_audit(self, action: str, key_id: str | None, at: str, detail: str) -> None:
        self._tx.run(
            cypher.ADD_AUDIT,
            tenant=self._tenant,
            action=action,
            key_id=key_id,
            at=at,
            detail=detail,
        ).consume()

    # -- activities --------------------------------------------------------------------

    def activity_reach(self, ids: Sequence[str]) -> dict[str, tuple[str, str | None, str]]:
        return {i: (h, d, a) for i, h, d, a in self._rows(cypher.ACTIVITY_HASHES, ids=list(ids))}

    def put_activities(self, rows: Sequence[Row]) -> None:
        self._batches(
            cypher.MERGE_ACTIVITIES,
            [
                {
                    "id": r["id"],
                    "props": {k: v for k, v in r.items() if k not in ("id", "people")},
                    "people": r["people"],
                }
                for r in rows
            ],
        )

    def deals_reached(self, deal_ids: Collection[str], account_ids: Collection[str]) -> set[str]:
        if not deal_ids and not account_ids:
            return set()
        return set(
            self._rows(
                cypher.DEALS_REACHED, deal_ids=sorted(deal_ids), account_ids=sorted(account_ids)
            )
        )

    def activity_spans(self, deal_ids: Sequence[str]) -> tuple[list[DealSpan], list[ActivityRow]]:
        spans: list[DealSpan] = []
        rows: list[ActivityRow] = []
        ids = list(deal_ids)
        for start in range(0, len(ids), self._batch):
            found = self._rows(cypher.ACTIVITY_SEAT_ROWS, ids=ids[start : start + self._batch])
            for d, account, created, closed, activities in found:
                spans.append(DealSpan(d, account, created, closed))
                rows.extend(ActivityRow(*a) for a in activities)
        return spans, rows

    def person_activities(self, person_id: str) -> list[tuple[str, str | None, str | None, str]]:
        return [tuple(r) for r in self._rows(cypher.PERSON_ACTIVITIES, id=person_id)]

    def set_activity_subjects(self, rows: Sequence[Row]) -> None:
        self._batches(cypher.SET_ACTIVITY_SUBJECTS, rows)

    def leave_activities(self, person_id: str) -> None:
        self._tx.run(cypher.LEAVE_ACTIVITIES, tenant=self._tenant, id=person_id).consume()

    # -- counting ----------------------------------------------------------------------

    def committees(self, deal_ids: Collection[str]) -> Committees:
        states: list[DealState] = []
        traits: dict[str, Traits] = {}
        cells: dict[str, Cell] = {}
        ids = sorted(deal_ids)
        for start in range(0, len(ids), self._batch):
            found = self._rows(cypher.COMMITTEES, ids=ids[start : start + self._batch])
            for d, account, outcome, amount, closed, industry, region, seats in found:
                sat = sorted((p, bool(x)) for p, x, _, _ in seats)
                states.append(DealState(d, account, outcome, amount, closed, tuple(sat)))
                traits.update(
                    {p: Traits(role or "staff.other", kind) for p, _, role, kind in seats}
                )
                cells[account] = (industry or "", region or "")
        return Committees(states, traits, cells)

    def traits(self, person_ids: Collection[str]) -> dict[str, Traits]:
        if not person_ids:
            return {}
        return {
            i: Traits(role or "staff.other", kind)
            for i, role, kind in self._rows(cypher.TRAITS, ids=sorted(person_ids))
        }

    def cells(self, account_ids: Collection[str]) -> dict[str, Cell]:
        if not account_ids:
            return {}
        return {
            i: (industry or "", region or "")
            for i, industry, region in self._rows(cypher.CELLS, ids=sorted(account_ids))
        }

    def deals_of(self, person_ids: Collection[str], account_ids: Collection[str]) -> set[str]:
        return set(
            self._rows(cypher.DEALS_OF, people=sorted(person_ids), accounts=sorted(account_ids))
        )

    def stat_rows(self, keys: Sequence[StatKey]) -> dict[StatKey, StatRow]:
        found: dict[StatKey, StatRow] = {}
        sids = [k.sid for k in keys]
        for start in range(0, len(sids), self._batch):
            for sid, present, won, ids in self._rows(
                cypher.STAT_ROWS, sids=sids[start : start + self._batch]
            ):
                row = StatRow(StatKey.of_sid(sid), int(present), int(won), tuple(ids or ()))
                found[row.key] = row
        return found

    def add_stats(self, changes: Sequence[Change], version: int) -> None:
        self._batches(
            cypher.ADD_STATS,
            [
                {
                    "sid": c.key.sid,
                    "kind": c.key.kind,
                    "key": c.key.key,
                    "present": c.present,
                    "won": c.won,
                }
                for c in changes
            ],
            version=version,
        )

    def put_stat_rows(self, rows: Sequence[StatRow], version: int) -> None:
        self._batches(
            cypher.PUT_STATS,
            [
                {
                    "sid": r.key.sid,
                    "kind": r.key.kind,
                    "key": r.key.key,
                    "present": r.present,
                    "won": r.won,
                    "deal_ids": list(r.deal_ids),
                }
                for r in rows
            ],
            version=version,
        )

    def cell_deals(
        self, industry: str | None, region: str | None, band: int | None
    ) -> list[ClosedDeal]:
        params = closed_deals_params(self._tenant, industry=industry, region=region)
        if band is not None:
            span = band_range(band)
            if span is None:
                params["no_amount"] = True
            else:
                params["min_amount"], params["below"] = span
        return closed_deals_in(self._tx, params)

    def clear_stats(self) -> None:
        self._tx.run(cypher.CLEAR_STATS, tenant=self._tenant).consume()


def seat_rows(seats: dict[str, list[Seat]]) -> list[dict[str, Any]]:
    """CREATE_SEATS rows: one per person with that person's seats in these deals.
    People go in id order, so that locks are taken in one order. A seat row leaves out
    what it does not have (evidence, times: CRM seats have none); CREATE_SEATS reads a
    missing key as null."""
    by_person: dict[str, list[dict[str, Any]]] = {}
    for deal_id in sorted(seats):
        for s in seats[deal_id]:
            row: dict[str, Any] = {
                "deal_id": deal_id,
                "deal_role": s.deal_role,
                "stance": s.stance,
                "external": s.external,
            }
            if s.evidence:
                row["evidence"] = list(s.evidence)
            if s.seen_at:
                row["seen"] = s.seen_at
            if s.first_seen_at:
                row["first_seen"] = s.first_seen_at
            by_person.setdefault(s.person_id, []).append(row)
    return [{"person_id": p, "seats": by_person[p]} for p in sorted(by_person)]
