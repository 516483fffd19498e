"""The GraphStore port on Neo4j.

The driver is made by the caller (the app's lifespan or the CLI) and injected.
Writes run in one managed transaction (`execute_write`), as `UNWIND $rows`
statements of at most `batch_size` rows with idempotent MERGE; reads run in
`execute_read`. All Cypher lives in `graph.neo4j.cypher`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, replace
from datetime import UTC, datetime
from typing import Any, LiteralString, NamedTuple

from neo4j import Driver, ManagedTransaction
from neo4j.exceptions import (
    ConstraintError,
    DriverError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
)

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
from graph.neo4j import cypher
from graph.neo4j.migrations import apply_migrations
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

DEFAULT_BATCH_SIZE = 1000


class Neo4jGraphStore:
    """GraphStore on Neo4j; answers exactly what the embedded adapter answers."""

    def __init__(
        self, driver: Driver, database: str | None = None, batch_size: int = DEFAULT_BATCH_SIZE
    ) -> None:
        self._driver = driver
        self._database = database
        self._batch_size = batch_size

    # -- lifecycle -----------------------------------------------------------------

    def migrate(self) -> list[str]:
        with self._guard():
            return apply_migrations(self._driver, self._database)

    def ping(self) -> None:
        with self._guard(), self._driver.session(database=self._database) as session:
            session.execute_read(lambda tx: tx.run(cypher.PING).consume())

    def close(self) -> None:
        self._driver.close()

    @contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except (ServiceUnavailable, SessionExpired, OSError) as error:
            raise StoreUnavailable(type(error).__name__) from error
        except DriverError as error:
            raise StoreUnavailable(type(error).__name__) from error
        except Neo4jError as error:
            if error.is_retryable():
                raise StoreUnavailable(error.code or "transient error") from error
            raise

    def _run_batches(
        self,
        tx: ManagedTransaction,
        query: LiteralString,
        rows: list[dict[str, Any]],
        **params: Any,
    ) -> None:
        for start in range(0, len(rows), self._batch_size):
            tx.run(query, rows=rows[start : start + self._batch_size], **params).consume()

    def _read(self, work: Any) -> Any:
        with self._guard(), self._driver.session(database=self._database) as session:
            return session.execute_read(work)

    def _write(self, work: Any) -> Any:
        """One managed write transaction; retried by the driver, StoreUnavailable if not."""
        with self._guard(), self._driver.session(database=self._database) as session:
            return session.execute_write(work)

    def data_version(self, tenant: str) -> str:
        record = self._read(lambda tx: tx.run(cypher.DATA_VERSION, tenant=tenant).single())
        return str(record["version"] if record else 0)

    # -- writes --------------------------------------------------------------------

    @staticmethod
    def _rows(tx: ManagedTransaction, query: LiteralString, **params: Any) -> list[Any]:
        """The `rows` list of a lookup that collects its answer into one record."""
        record = tx.run(query, **params).single()
        return list(record["rows"]) if record else []

    def _hashes(
        self, tx: ManagedTransaction, query: LiteralString, tenant: str, ids: list[str]
    ) -> dict[str, str]:
        return {i: h for i, h in self._rows(tx, query, tenant=tenant, ids=ids)}

    def upsert_deals(self, tenant: str, records: Sequence[DealRecord]) -> UpsertCounts:
        if not records:
            return UpsertCounts()
        now = datetime.now(UTC).isoformat(timespec="seconds")

        def work(tx: ManagedTransaction) -> UpsertCounts:
            existing = self._hashes(tx, cypher.DEAL_HASHES, tenant, [r.deal.id for r in records])
            counts, changed_ids = classify_upserts(
                [(r.deal.id, r.content_hash) for r in records], existing
            )
            changed = [r for r in records if r.deal.id in changed_ids]
            if changed:
                resolved = self._resolve(tx, tenant, incoming_of_deals(changed), {}, now)
                rewritten = [rewrite_deal(r, resolved.mapping) for r in changed]
                self._write_deals(tx, tenant, rewritten, existing.keys(), resolved, now)
                # A deal's dates or account decide which account activities count for it;
                # deals created just now have no activity seats to delete.
                ids = [r.deal.id for r in rewritten]
                self._refresh_activity_seats(
                    tx, tenant, ids, [i for i in ids if i in existing], now
                )
                _bump(tx, tenant)
            return counts

        try:
            result: UpsertCounts = self._write(work)
        except ConstraintError:
            # A concurrent batch created one of these new deals first: run again, now
            # as an update of it (the batch is one transaction, nothing was written).
            result = self._write(work)
        return result

    def _resolve(
        self,
        tx: ManagedTransaction,
        tenant: str,
        incoming: Sequence[Incoming],
        hashes: dict[str, str],
        now: str,
    ) -> Resolved:
        """Who each incoming person is (see graph.resolution); merges are recorded.

        Also answers the row hash stored on each person found (what the last write set
        on them), so that an unchanged contact is not rewritten."""
        ids = sorted({i.person.id for i in incoming})
        record = tx.run(cypher.KNOWN_PEOPLE, tenant=tenant, ids=ids).single()
        aliases: dict[str, str] = dict(record["aliases"]) if record else {}
        by_id: list[list[Any]] = list(record["people"]) if record else []
        # A known id or alias settles a contact (the first rule), as it does for most of
        # a batch; only the others need the e-mail and name lookups, and any known
        # person they could match is found by those lookups (by id, only ids matter).
        settled = {r[0] for r in by_id} | aliases.keys()
        rest = [i for i in incoming if i.person.id not in settled]
        emails = sorted({i.person.email.lower() for i in rest if i.person.email})
        names = [{"account_id": a, "name_key": k} for a, k in name_pairs(rest)]
        matched: list[list[Any]] = []
        if emails:
            matched += self._rows(tx, cypher.PEOPLE_BY_EMAIL, tenant=tenant, emails=emails)
        if names:
            matched += self._rows(tx, cypher.PEOPLE_BY_NAME, tenant=tenant, names=names)
        known = {r[0]: Known(r[0], None, None, None) for r in by_id}
        known.update({r[0]: Known(r[0], r[2], r[3], r[4]) for r in matched})
        mapping, merges = resolve(incoming, sorted(known.values(), key=lambda k: k.id), aliases)
        rows = [
            {
                "alias_id": m.alias_id,
                "person_id": m.person_id,
                "reason": m.reason,
                "content_hash": hashes.get(m.alias_id),
                "merged_at": now,
            }
            for m in merges
        ]
        self._run_batches(tx, cypher.RECORD_MERGES, rows, tenant=tenant)
        return Resolved(
            mapping,
            people={r[0]: r[1] for r in by_id + matched if r[1]},
        )

    def _write_deals(
        self,
        tx: ManagedTransaction,
        tenant: str,
        records: Sequence[DealRecord],
        existing: Collection[str],
        stored: Resolved,
        now: str,
    ) -> None:
        """Write accounts, people, deals and seats. Deals not in `existing` are created
        outright (no relationships to look through or replace); a contact whose `stored`
        row hash matches its row is not rewritten (most contacts of a batch sat in
        earlier deals). Every account of the batch is written, in id order, first: the
        batch then holds its accounts' locks before anything else locks them (a deal's
        FOR_ACCOUNT, a contact's WORKS_AT) in another order, so that concurrent batches
        sharing accounts queue instead of deadlocking.

        Every row is built before the first write: a write's locks are held until
        commit, and a concurrent batch waiting on them should not wait on Python."""
        accounts = {r.account.id: _account_row(r.account) for r in records}
        # Rows go in id order, so that concurrent batches take their locks in one order.
        account_rows = _by_id(accounts)
        last = {p.id: (p, r.deal.account_id) for r in records for p in r.people}
        people = {i: _person_row(p, account, None) for i, (p, account) in last.items()}
        people_rows = [
            row for row in _by_id(people) if stored.people.get(row["id"]) != row["row_hash"]
        ]
        deal_rows: list[dict[str, Any]] = [
            {"id": r.deal.id, "props": _deal_props(r)}
            for r in sorted(records, key=lambda r: r.deal.id)
        ]
        known = [row for row in deal_rows if row["id"] in existing]
        new = [row for row in deal_rows if row["id"] not in existing]
        seat_rows = _seat_rows({r.deal.id: r.seats for r in records})

        self._run_batches(tx, cypher.MERGE_ACCOUNTS, account_rows, tenant=tenant)
        self._run_batches(tx, cypher.MERGE_PEOPLE, people_rows, tenant=tenant)
        self._run_batches(tx, cypher.MERGE_DEALS, known, tenant=tenant)
        self._run_batches(tx, cypher.CREATE_DEALS, new, tenant=tenant)
        # Deals created just now have no seats to delete.
        self._replace_seats(tx, tenant, "crm", [row["id"] for row in known], seat_rows, now)

    def _replace_seats(
        self,
        tx: ManagedTransaction,
        tenant: str,
        source: str,
        deal_ids: list[str],
        rows: list[dict[str, Any]],
        now: str,
    ) -> None:
        """Replace a source's seats of these deals with the given rows (`_seat_rows`);
        a seat without its own time was seen `now`."""
        for start in range(0, len(deal_ids), self._batch_size):
            tx.run(
                cypher.DELETE_SEATS,
                tenant=tenant,
                source=source,
                ids=deal_ids[start : start + self._batch_size],
            ).consume()
        self._run_batches(tx, cypher.CREATE_SEATS, rows, tenant=tenant, source=source, now=now)

    def upsert_notes(self, tenant: str, records: Sequence[NoteRecord]) -> UpsertCounts:
        if not records:
            return UpsertCounts()
        now = datetime.now(UTC).isoformat(timespec="seconds")

        def work(tx: ManagedTransaction) -> UpsertCounts:
            found = list(
                tx.run(cypher.NOTE_HASHES, tenant=tenant, ids=[r.note.id for r in records])
            )
            existing = {r["id"]: r["content_hash"] for r in found}
            counts, changed_ids = classify_upserts(
                [(r.note.id, r.content_hash) for r in records], existing
            )
            changed = [r for r in records if r.note.id in changed_ids]
            if changed:
                affected = {r["deal_id"] for r in found if r["deal_id"] and r["id"] in changed_ids}
                affected |= {r.note.deal_id for r in changed if r.note.deal_id}
                self._write_notes(tx, tenant, changed, sorted(affected), now)
                _bump(tx, tenant)
            return counts

        result: UpsertCounts = self._write(work)
        return result

    def _write_notes(
        self,
        tx: ManagedTransaction,
        tenant: str,
        records: Sequence[NoteRecord],
        affected: list[str],
        now: str,
    ) -> None:
        people = {
            p.id: _person_row(p, r.note.account_id, None) for r in records for p in r.new_people
        }
        self._run_batches(tx, cypher.MERGE_PEOPLE, list(people.values()), tenant=tenant)
        note_rows = [
            {
                "id": r.note.id,
                "props": {
                    "deal_id": r.note.deal_id,
                    "account_id": r.note.account_id,
                    "occurred_at": r.note.occurred_at,
                    "author": r.note.author,
                    "text": r.note.text,
                    "content_hash": r.content_hash,
                },
            }
            for r in records
        ]
        self._run_batches(tx, cypher.MERGE_NOTES, note_rows, tenant=tenant)
        ids = [r.note.id for r in records]
        tx.run(cypher.DELETE_MENTIONS, tenant=tenant, ids=ids).consume()
        mention_rows = [
            {
                "note_id": r.note.id,
                "person_id": m.person_id,
                "stance": m.stance,
                "evidence": m.evidence,
            }
            for r in records
            for m in r.mentions
        ]
        self._run_batches(tx, cypher.MERGE_MENTIONS, mention_rows, tenant=tenant)
        self._refresh_note_seats(tx, tenant, affected, now)

    def _refresh_note_seats(
        self, tx: ManagedTransaction, tenant: str, affected: list[str], now: str
    ) -> None:
        known = {r["id"] for r in tx.run(cypher.DEAL_ACCOUNTS, tenant=tenant, ids=affected)}
        rows = [
            MentionRow(
                r["deal_id"],
                r["person_id"],
                r["stance"],
                r["evidence"],
                r["occurred_at"],
                r["note_id"],
            )
            for r in tx.run(cypher.DEAL_MENTIONS, tenant=tenant, ids=affected)
        ]
        seats = note_seats(rows)
        deal_ids = [d for d in affected if d in known]
        seat_rows = _seat_rows({d: seats.get(d, []) for d in deal_ids})
        self._replace_seats(tx, tenant, "note", deal_ids, seat_rows, now)

    def upsert_people(self, tenant: str, records: Sequence[PersonRecord]) -> UpsertCounts:
        if not records:
            return UpsertCounts()

        now = datetime.now(UTC).isoformat(timespec="seconds")

        def work(tx: ManagedTransaction) -> UpsertCounts:
            ids = [r.person.id for r in records]
            existing = self._hashes(tx, cypher.PERSON_HASHES, tenant, ids)
            for r in tx.run(cypher.ALIASES, tenant=tenant, ids=ids):
                existing[r["alias_id"]] = r["content_hash"] or ""
            counts, changed_ids = classify_upserts(
                [(r.person.id, r.content_hash) for r in records], existing
            )
            changed = [r for r in records if r.person.id in changed_ids]
            hashes = {r.person.id: r.content_hash for r in changed}
            mapping = self._resolve(
                tx,
                tenant,
                [Incoming(r.person, r.person.account_id) for r in changed],
                hashes,
                now,
            ).mapping
            merged = {alias for alias, target in mapping.items() if alias != target}
            self._run_batches(
                tx,
                cypher.RECORD_MERGES,
                [
                    {
                        "alias_id": a,
                        "person_id": mapping[a],
                        "reason": "",
                        "merged_at": now,
                        "content_hash": hashes[a],
                    }
                    for a in sorted(merged)
                ],
                tenant=tenant,
            )
            rows = [
                _person_row(
                    replace(r.person, id=mapping[r.person.id]),
                    None,
                    None if r.person.id in merged else r.content_hash,
                )
                for r in changed
            ]
            self._run_batches(tx, cypher.MERGE_PEOPLE, rows, tenant=tenant)
            if changed:
                _bump(tx, tenant)
            return counts

        result: UpsertCounts = self._write(work)
        return result

    # -- activities --------------------------------------------------------------------

    def upsert_activities(self, tenant: str, records: Sequence[ActivityRecord]) -> UpsertCounts:
        if not records:
            return UpsertCounts()
        now = datetime.now(UTC).isoformat(timespec="seconds")

        def work(tx: ManagedTransaction) -> UpsertCounts:
            found = self._rows(
                tx, cypher.ACTIVITY_HASHES, tenant=tenant, ids=[r.activity.id for r in records]
            )
            counts, changed_ids = classify_upserts(
                [(r.activity.id, r.content_hash) for r in records], {f[0]: f[1] for f in found}
            )
            changed = [r for r in records if r.activity.id in changed_ids]
            if changed:
                # Where the stored versions gave seats, and where the new ones will.
                reached: set[tuple[str | None, str | None]] = {
                    (d, None) if d else (None, a) for i, _, d, a in found if i in changed_ids
                }
                reached |= {reach(r.activity) for r in changed}
                resolved = self._resolve(tx, tenant, incoming_of_activities(changed), {}, now)
                rewritten = [rewrite_activity(r, resolved.mapping) for r in changed]
                self._write_activities(tx, tenant, rewritten)
                deal_ids = self._deals_reached(tx, tenant, reached)
                self._refresh_activity_seats(tx, tenant, deal_ids, deal_ids, now)
                _bump(tx, tenant)
            return counts

        result: UpsertCounts = self._write(work)
        return result

    def _write_activities(
        self, tx: ManagedTransaction, tenant: str, records: Sequence[ActivityRecord]
    ) -> None:
        people = {
            p.id: _person_row(p, r.activity.account_id, None) for r in records for p in r.people
        }
        accounts = {r.activity.account_id: {"id": r.activity.account_id} for r in records}
        self._run_batches(tx, cypher.MERGE_ACCOUNTS, _by_id(accounts), tenant=tenant)
        self._run_batches(tx, cypher.MERGE_PEOPLE, _by_id(people), tenant=tenant)
        rows = [
            {
                "id": r.activity.id,
                "props": {
                    "source": r.activity.source,
                    "kind": r.activity.kind,
                    "occurred_at": r.activity.occurred_at,
                    "subject": r.activity.subject,
                    "deal_id": r.activity.deal_id,
                    "account_id": r.activity.account_id,
                    "content_hash": r.content_hash,
                },
                "people": sorted(p.id for p in r.people),
            }
            for r in sorted(records, key=lambda r: r.activity.id)
        ]
        self._run_batches(tx, cypher.MERGE_ACTIVITIES, rows, tenant=tenant)

    def _deals_reached(
        self, tx: ManagedTransaction, tenant: str, reached: set[tuple[str | None, str | None]]
    ) -> list[str]:
        rows = self._rows(
            tx,
            cypher.DEALS_REACHED,
            tenant=tenant,
            deal_ids=sorted({d for d, _ in reached if d}),
            account_ids=sorted({a for _, a in reached if a}),
        )
        return sorted(set(rows))

    def _refresh_activity_seats(
        self,
        tx: ManagedTransaction,
        tenant: str,
        deal_ids: list[str],
        stored: list[str],
        now: str,
    ) -> None:
        """Derive these deals' `activity` seats again (graph.activities); `stored` are the
        deals that may hold some already."""
        spans: list[DealSpan] = []
        rows: list[ActivityRow] = []
        for start in range(0, len(deal_ids), self._batch_size):
            chunk = deal_ids[start : start + self._batch_size]
            for d, account, created, closed, found in self._rows(
                tx, cypher.ACTIVITY_SEAT_ROWS, tenant=tenant, ids=chunk
            ):
                spans.append(DealSpan(d, account, created, closed))
                rows.extend(ActivityRow(*f) for f in found)
        seats = activity_seats(rows, spans)
        seat_rows = _seat_rows({s.deal_id: seats[s.deal_id] for s in spans})
        if stored or seat_rows:
            self._replace_seats(tx, tenant, "activity", stored, seat_rows, now)

    def deal_coverage(self, tenant: str, deal_ids: Collection[str]) -> list[DealCoverage]:
        def work(tx: ManagedTransaction) -> list[DealCoverage]:
            rows = self._rows(tx, cypher.DEAL_COVERAGE, tenant=tenant, ids=sorted(set(deal_ids)))
            out = []
            for deal_id, outcome, industry, seats in rows:
                present = [(p, source) for p, source in seats if p is not None]
                sources: dict[str, int] = {}
                for _, source in present:
                    sources[source] = sources.get(source, 0) + 1
                out.append(
                    DealCoverage(
                        deal_id,
                        outcome,
                        industry,
                        len({p for p, _ in present}),
                        tuple(sorted(sources.items())),
                    )
                )
            return sorted(out, key=lambda c: c.deal_id)

        result: list[DealCoverage] = self._read(work)
        return result

    # -- keys, erasure, audit ----------------------------------------------------------

    def create_key(self, key: ApiKey) -> None:
        self._write(
            lambda tx: tx.run(
                cypher.CREATE_KEY,
                id=key.id,
                tenant=key.tenant,
                scopes=list(key.scopes),
                key_hash=key.key_hash,
                created_at=key.created_at,
            ).consume()
        )

    def get_key(self, key_id: str) -> ApiKey | None:
        def work(tx: ManagedTransaction) -> ApiKey | None:
            row = tx.run(cypher.GET_KEY, id=key_id).single()
            return _api_key(row["key"]) if row else None

        result: ApiKey | None = self._read(work)
        return result

    def list_keys(self, tenant: str | None) -> list[ApiKey]:
        def work(tx: ManagedTransaction) -> list[ApiKey]:
            return [_api_key(r["key"]) for r in tx.run(cypher.LIST_KEYS, tenant=tenant)]

        result: list[ApiKey] = self._read(work)
        return result

    def revoke_key(self, key_id: str, at: str) -> bool:
        row = self._write(lambda tx: tx.run(cypher.REVOKE_KEY, id=key_id, at=at).single())
        return bool(row and row["revoked"])

    def erase_person(self, tenant: str, person_id: str, key_id: str | None) -> ErasureReport | None:
        now = datetime.now(UTC).isoformat(timespec="seconds")

        def work(tx: ManagedTransaction) -> ErasureReport | None:
            alias = tx.run(cypher.ALIAS_TARGET, tenant=tenant, id=person_id).single()
            target = alias["person_id"] if alias else person_id
            found = tx.run(cypher.PERSON_NOTES, tenant=tenant, id=target).single()
            if found is None:
                return None
            terms = redaction_terms(_person(found["person"]))
            note_ids = list(found["note_ids"])
            note_rows: list[dict[str, Any]] = []
            mention_rows: list[dict[str, Any]] = []
            affected: set[str] = set()
            for r in tx.run(cypher.NOTES_WITH_MENTIONS, tenant=tenant, ids=note_ids):
                note_rows.append({"id": r["id"], "text": redact(r["text"], terms)})
                if r["deal_id"]:
                    affected.add(r["deal_id"])
                mention_rows.extend(
                    {
                        "note_id": r["id"],
                        "person_id": m["person_id"],
                        "evidence": redact(m["evidence"] or "", terms),
                    }
                    for m in r["mentions"]
                    if m["person_id"]
                )
            self._run_batches(tx, cypher.SET_NOTE_TEXT, note_rows, tenant=tenant)
            self._run_batches(tx, cypher.SET_MENTION_EVIDENCE, mention_rows, tenant=tenant)
            taken_part = self._rows(tx, cypher.PERSON_ACTIVITIES, tenant=tenant, id=target)
            subjects = [{"id": i, "subject": redact(s, terms)} for i, s, _, _ in taken_part if s]
            self._run_batches(tx, cypher.SET_ACTIVITY_SUBJECTS, subjects, tenant=tenant)
            erased = tx.run(cypher.ERASE_PERSON, tenant=tenant, id=target).single()
            aliases = tx.run(cypher.ERASE_ALIASES, tenant=tenant, id=target).single()
            self._refresh_note_seats(tx, tenant, sorted(affected), now)
            reached: set[tuple[str | None, str | None]] = {
                (d, None) if d else (None, a) for _, _, d, a in taken_part
            }
            if reached:
                deal_ids = self._deals_reached(tx, tenant, reached)
                self._refresh_activity_seats(tx, tenant, deal_ids, deal_ids, now)
            report = ErasureReport(
                participations=erased["seats"] if erased else 0,
                mentions=erased["mentions"] if erased else 0,
                notes_redacted=len(note_ids),
                merged_ids=aliases["removed"] if aliases else 0,
            )
            _bump(tx, tenant)
            tx.run(
                cypher.ADD_AUDIT,
                tenant=tenant,
                action="erase_person",
                key_id=key_id,
                at=now,
                detail=json.dumps(asdict(report), sort_keys=True),
            ).consume()
            return report

        result: ErasureReport | None = self._write(work)
        return result

    def audit_entries(self, tenant: str) -> list[AuditEntry]:
        def work(tx: ManagedTransaction) -> list[AuditEntry]:
            return [
                AuditEntry(
                    e["tenant"], e["action"], e.get("key_id"), e["at"], json.loads(e["detail"])
                )
                for e in (r["entry"] for r in tx.run(cypher.AUDIT_ENTRIES, tenant=tenant))
            ]

        result: list[AuditEntry] = self._read(work)
        return result

    # -- reads ---------------------------------------------------------------------

    def closed_deals(self, tenant: str, segment: SegmentFilter) -> list[ClosedDeal]:
        params = {
            "tenant": tenant,
            "industry": segment.industry_key,
            "region": segment.region_key,
            "min_amount": segment.min_amount,
            "max_amount": segment.max_amount,
            "closed_before": segment.closed_before,
            "closed_from": segment.closed_from,
        }

        def work(tx: ManagedTransaction) -> list[ClosedDeal]:
            out = []
            for r in tx.run(cypher.CLOSED_DEALS, params):
                seats = sorted(
                    (
                        SeatSummary(
                            s["person_id"],
                            committee_role(s["role"], bool(s["external"]), s["external_kind"]),
                            bool(s["external"]),
                        )
                        for s in r["seats"]
                    ),
                    key=lambda s: s.person_id,
                )
                out.append(
                    ClosedDeal(
                        id=r["id"],
                        account_id=r["account_id"],
                        won=r["outcome"] == "won",
                        amount=r["amount"],
                        closed_at=r["closed_at"],
                        industry=r["industry"],
                        region=r["region"],
                        seats=tuple(seats),
                    )
                )
            return out

        result: list[ClosedDeal] = self._read(work)
        return result

    def deal_committee(self, tenant: str, deal_id: str) -> DealCommittee | None:
        def work(tx: ManagedTransaction) -> DealCommittee | None:
            head = tx.run(cypher.DEAL, tenant=tenant, id=deal_id).single()
            if head is None:
                return None
            deal = _deal(head["deal"])
            account = _account(head["account"] or {"id": deal.account_id})
            participants = []
            for r in tx.run(cypher.DEAL_SEATS, tenant=tenant, id=deal_id):
                person = _person(r["person"])
                seat = r["seat"]
                participants.append(
                    Participant(
                        person=person,
                        deal_role=seat["deal_role"],
                        stance=seat["stance"],
                        source=seat["source"],
                        role=committee_role(person.role, seat["external"], person.external_kind),
                        external=seat["external"],
                        evidence=tuple(seat.get("evidence") or ()),
                    )
                )
            return DealCommittee(deal, account, tuple(participants))

        result: DealCommittee | None = self._read(work)
        return result

    def people(self, tenant: str, ids: Collection[str]) -> dict[str, Person]:
        def work(tx: ManagedTransaction) -> dict[str, Person]:
            rows = self._rows(tx, cypher.PEOPLE, tenant=tenant, ids=sorted(set(ids)))
            return {person.id: person for person in map(_person, rows)}

        result: dict[str, Person] = self._read(work)
        return result

    def people_at(self, tenant: str, account_id: str) -> list[Person]:
        result: list[Person] = self._read(lambda tx: self._people_at(tx, tenant, account_id))
        return result

    def account_contacts(self, tenant: str, account_id: str) -> AccountContacts:
        def work(tx: ManagedTransaction) -> AccountContacts:
            people = self._people_at(tx, tenant, account_id)
            seats = self._seats_of(tx, tenant, [p.id for p in people]) if people else []
            return AccountContacts(tuple(people), tuple(seats))

        result: AccountContacts = self._read(work)
        return result

    def _people_at(self, tx: ManagedTransaction, tenant: str, account_id: str) -> list[Person]:
        rows = self._rows(tx, cypher.PEOPLE_AT, tenant=tenant, account_id=account_id)
        return sorted(map(_person, rows), key=lambda p: p.id)

    def merged_into(self, tenant: str, person_id: str) -> list[Merge]:
        def work(tx: ManagedTransaction) -> list[Merge]:
            rows = tx.run(cypher.MERGED_INTO, tenant=tenant, id=person_id)
            return [Merge(r["alias_id"], r["person_id"], r["reason"]) for r in rows]

        result: list[Merge] = self._read(work)
        return result

    def alias_target(self, tenant: str, alias_id: str) -> str | None:
        def work(tx: ManagedTransaction) -> str | None:
            row = tx.run(cypher.ALIAS_TARGET, tenant=tenant, id=alias_id).single()
            return str(row["person_id"]) if row else None

        result: str | None = self._read(work)
        return result

    def account(self, tenant: str, account_id: str) -> Account | None:
        def work(tx: ManagedTransaction) -> Account | None:
            row = tx.run(cypher.ACCOUNT, tenant=tenant, id=account_id).single()
            return _account(row["account"]) if row else None

        result: Account | None = self._read(work)
        return result

    def seats_of(self, tenant: str, person_ids: Collection[str]) -> list[PersonSeat]:
        result: list[PersonSeat] = self._read(lambda tx: self._seats_of(tx, tenant, person_ids))
        return result

    def _seats_of(
        self, tx: ManagedTransaction, tenant: str, person_ids: Collection[str]
    ) -> list[PersonSeat]:
        rows = self._rows(tx, cypher.PERSON_SEATS, tenant=tenant, ids=sorted(set(person_ids)))
        rows.sort(key=lambda r: (r[0], r[1]))  # person, then deal
        return [PersonSeat(p, d, a, o, bool(x)) for p, d, a, o, x in rows]


class Resolved(NamedTuple):
    """A batch's contacts resolved: incoming id -> stored id, and the row hashes the
    people found carry."""

    mapping: dict[str, str]
    people: dict[str, str]


def _by_id(rows: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [rows[key] for key in sorted(rows)]


def _seat_rows(seats: dict[str, Sequence[Seat]]) -> list[dict[str, Any]]:
    """CREATE_SEATS rows: one per person with that person's seats in these deals.
    People go in id order: concurrent batches share people (an analyst in many deals)
    and take their locks in one order. A seat row leaves out what it does not have
    (evidence, times: CRM seats have none); CREATE_SEATS reads a missing key as null."""
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


def _api_key(props: dict[str, Any]) -> ApiKey:
    return ApiKey(
        id=props["id"],
        tenant=props["tenant"],
        scopes=tuple(props["scopes"]),
        key_hash=props["key_hash"],
        created_at=props["created_at"],
        revoked_at=props.get("revoked_at"),
    )


def _account_row(account: Account) -> dict[str, Any]:
    return {
        "id": account.id,
        "name": account.name,
        "industry": account.industry,
        "industry_key": segment_key(account.industry),
        "region": account.region,
        "region_key": segment_key(account.region),
        "country": account.country,
        "employees": account.employees,
    }


def _person_row(
    person: Person, fallback_account: str | None, content_hash: str | None
) -> dict[str, Any]:
    """The MERGE_PEOPLE row, with `row_hash`: a fingerprint of the row, stored on the
    person. Writing the same row twice leaves the same person, so a row whose hash the
    person already carries can be skipped."""
    row = {
        "id": person.id,
        "account_id": person.account_id,
        "fallback_account": fallback_account,
        "name": person.name,
        "email": person.email,
        "title": person.title,
        "function": person.function,
        "seniority": person.seniority,
        "role": person.role,
        "external_kind": person.external_kind,
        "audience": person.audience,
        "content_hash": content_hash,
        "name_key": name_key(person.name),
    }
    fingerprint = hashlib.blake2b(repr(tuple(row.values())).encode(), digest_size=12)
    return {**row, "row_hash": fingerprint.hexdigest()}


def _deal_props(record: DealRecord) -> dict[str, Any]:
    d = record.deal
    return {
        "source": d.source,
        "account_id": d.account_id,
        "name": d.name,
        "amount": d.amount,
        "currency": d.currency,
        "stage": d.stage,
        "outcome": d.outcome,
        "created_at": d.created_at,
        "closed_at": d.closed_at,
        "product": d.product,
        "content_hash": record.content_hash,
    }


def _person(props: dict[str, Any]) -> Person:
    return Person(
        id=props["id"],
        account_id=props.get("account_id"),
        name=props.get("name"),
        email=props.get("email"),
        title=props.get("title"),
        function=props.get("function") or "other",
        seniority=props.get("seniority") or "staff",
        role=props.get("role") or "staff.other",
        external_kind=props.get("external_kind"),
        audience=props.get("audience"),
    )


def _deal(props: dict[str, Any]) -> Deal:
    return Deal(
        id=props["id"],
        account_id=props["account_id"],
        outcome=props["outcome"],
        source=props.get("source", "api"),
        name=props.get("name"),
        amount=props.get("amount"),
        currency=props.get("currency"),
        stage=props.get("stage"),
        created_at=props.get("created_at"),
        closed_at=props.get("closed_at"),
        product=props.get("product"),
    )


def _account(props: dict[str, Any]) -> Account:
    return Account(
        id=props["id"],
        name=props.get("name"),
        industry=props.get("industry"),
        region=props.get("region"),
        country=props.get("country"),
        employees=props.get("employees"),
    )


def _bump(tx: ManagedTransaction, tenant: str) -> None:
    """Move the tenant's data version, last in the writing transaction (graph.readmodel):
    concurrent writers queue on this one node only once they hold everything else."""
    tx.run(cypher.BUMP_DATA_VERSION, tenant=tenant).consume()
