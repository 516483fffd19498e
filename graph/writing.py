"""The one write path: every upsert and erasure, written once over narrow primitives.

Each adapter (graph/sql, graph/neo4j) implements `WriteTx`, a handful of plain
statements inside one transaction, and `_transaction`; `GraphWriter` holds the
flow they share (docs/architecture.md):

1. take the tenant's write lock (one writer per tenant at a time, so that what a
   write reads before writing is still true when it writes, and concurrent
   batches never race to create the same record);
2. compare the records with the stored fingerprints (created, updated,
   unchanged); nothing changed: roll back, the data version does not move;
3. resolve people (graph.resolution), open a `Recount` of what may change;
4. write; refresh the seats derived from notes;
5. update the counters and the data version, in the same transaction.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from typing import Literal, Protocol

from graph.activities import (
    ActivityRow,
    DealSpan,
    activity_seats,
    incoming_of_activities,
    reach,
    rewrite_activity,
)
from graph.counts import tally
from graph.erasure import ErasureReport, redact, redaction_terms
from graph.models import (
    Account,
    ActivityRecord,
    DealRecord,
    NoteRecord,
    Person,
    PersonRecord,
    Seat,
    UpsertCounts,
    classify_upserts,
)
from graph.notes import MentionRow, note_seats
from graph.recount import CountingTx, Recount
from graph.resolution import Incoming, Known, incoming_of_deals, name_pairs, resolve, rewrite_deal
from graph.rows import Row, account_row, deal_row, person_row
from graph.signals import Arrivals, ArrivalTx, TextArrival, mark_arrivals

Hashed = Literal["deal", "person", "note"]


@dataclass(frozen=True)
class StoredPerson:
    """A person found while resolving contacts: what matching needs, and the row hash
    of the last row written to them."""

    id: str
    row_hash: str | None
    email: str | None = None
    account_id: str | None = None
    name_key: str | None = None


@dataclass(frozen=True)
class NoteText:
    """A stored note with the mentions in it, as erasure redacts them."""

    id: str
    text: str
    deal_id: str | None
    mentions: tuple[tuple[str, str], ...]  # (person id, evidence)


class WriteTx(CountingTx, ArrivalTx, Protocol):
    """The primitive statements of one write transaction; each adapter implements them."""

    def lock_tenant(self) -> int:
        """Hold the tenant's write lock until commit; answer its data version."""
        ...

    def set_version(
        self, version: int, *, new_generation: bool = False, seats_moved: bool = True
    ) -> None:
        """Set the data version (and start a new generation of counters: readers reload);
        `seats_moved`: whether the write may have moved which closed deals anyone sat in
        (StatsVersion.seats)."""
        ...

    def hashes(self, kind: Hashed, ids: Sequence[str]) -> dict[str, str]: ...

    def alias_hashes(self, ids: Sequence[str]) -> dict[str, str]:
        """Content hashes recorded on merged ids (what a contact sent under them said)."""
        ...

    def note_deals(self, ids: Sequence[str]) -> dict[str, str | None]:
        """The deal each stored note is about now."""
        ...

    def known_people(self, ids: Sequence[str]) -> tuple[dict[str, str], list[StoredPerson]]:
        """Aliases (merged id → person) and people among these ids."""
        ...

    def people_by_email(self, emails: Sequence[str]) -> list[StoredPerson]: ...

    def people_by_name(self, names: Sequence[tuple[str, str]]) -> list[StoredPerson]:
        """People by (account id, name key)."""
        ...

    def record_merges(self, rows: Sequence[Row]) -> None:
        """Merged ids (alias_id, person_id, reason, content_hash, merged_at); a merge
        recorded before keeps its target and takes the new content hash."""
        ...

    def put_accounts(self, rows: Sequence[Row]) -> None:
        """Upsert accounts (graph.rows.account_row); empty fields keep stored values."""
        ...

    def put_people(self, rows: Sequence[Row]) -> None:
        """Upsert people (graph.rows.person_row); empty fields keep stored values, a new
        contact without an employer works for `fallback_account`."""
        ...

    def put_deals(self, rows: Sequence[Row], new_ids: Collection[str]) -> None:
        """Upsert deals (graph.rows.deal_row); `new_ids` are known not to exist yet."""
        ...

    def replace_seats(
        self,
        source: str,
        seats: dict[str, tuple[str, list[Seat]]],
        clear: Collection[str],
        now: str,
    ) -> None:
        """Replace a source's seats of these deals (deal id → its account and seats);
        only the deals in `clear` can have seats of that source to delete."""
        ...

    def put_notes(self, rows: Sequence[Row]) -> None: ...

    def replace_mentions(self, note_ids: Sequence[str], rows: Sequence[Row]) -> None: ...

    def mention_rows(self, deal_ids: Sequence[str]) -> list[MentionRow]: ...

    def deal_accounts(self, deal_ids: Sequence[str]) -> dict[str, str]: ...

    def alias_target(self, alias_id: str) -> str | None: ...

    def person(self, person_id: str) -> Person | None: ...

    def notes_mentioning(self, person_id: str) -> list[NoteText]: ...

    def set_note_texts(self, rows: Sequence[Row]) -> None:
        """(id, text) of notes to rewrite."""
        ...

    def set_mention_evidence(self, rows: Sequence[Row]) -> None:
        """(note_id, person_id, evidence) of mentions to rewrite."""
        ...

    def erase_person(self, person_id: str) -> tuple[int, int]:
        """Delete the person with their seats and mentions; answer how many of each."""
        ...

    def erase_aliases(self, person_id: str) -> int: ...

    def erase_person_stats(self, person_id: str) -> None:
        """Delete the person's counters (they name the person)."""
        ...

    def add_audit(self, action: str, key_id: str | None, at: str, detail: str) -> None: ...

    def activity_reach(self, ids: Sequence[str]) -> dict[str, tuple[str, str | None, str]]:
        """Stored activities among these ids: content hash, deal, account."""
        ...

    def put_activities(self, rows: Sequence[Row]) -> None:
        """Upsert activities (id, source, kind, occurred_at, subject, deal_id,
        account_id, content_hash) with their people (`people`: ids), replaced whole."""
        ...

    def deals_reached(self, deal_ids: Collection[str], account_ids: Collection[str]) -> set[str]:
        """These deals (those that exist) and every deal of these accounts."""
        ...

    def activity_spans(self, deal_ids: Sequence[str]) -> tuple[list[DealSpan], list[ActivityRow]]:
        """These deals' accounts and dates, and the people of every activity logged on
        them or on their accounts alone (graph.activities decides which count)."""
        ...

    def person_activities(self, person_id: str) -> list[tuple[str, str | None, str | None, str]]:
        """The activities a person took part in: id, subject, deal, account."""
        ...

    def set_activity_subjects(self, rows: Sequence[Row]) -> None:
        """(id, subject) of activities to rewrite."""
        ...

    def leave_activities(self, person_id: str) -> None:
        """Take the person out of every activity they took part in."""
        ...


class NothingChanged(Exception):
    """Raised inside a write transaction that has nothing to write: it is rolled back
    (the data version does not move), and `answer` is what the write answers."""

    def __init__(self, answer: object) -> None:
        super().__init__("nothing to write")
        self.answer = answer


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class GraphWriter(ABC):
    """Upserts and erasure for a store; the adapter supplies the transaction."""

    @abstractmethod
    def _in_transaction(self, tenant: str, work: Work) -> object:
        """Run `work(tx)` in one write transaction of the tenant and answer what it
        answers. `NothingChanged` rolls the transaction back and its `answer` is the
        answer; any other exception rolls back and passes on. The adapter may run `work`
        again when its store asks for a retry (deadlock, leader switch)."""

    # -- deals -----------------------------------------------------------------------

    def upsert_deals(self, tenant: str, records: Sequence[DealRecord]) -> UpsertCounts:
        if not records:
            return UpsertCounts()
        now = now_iso()

        def work(tx: WriteTx) -> UpsertCounts:
            version = tx.lock_tenant()
            existing = tx.hashes("deal", [r.deal.id for r in records])
            counts, changed_ids = classify_upserts(
                [(r.deal.id, r.content_hash) for r in records], existing
            )
            changed = [r for r in records if r.deal.id in changed_ids]
            if not changed:
                raise NothingChanged(counts)
            mapping, stored = _resolve(tx, incoming_of_deals(changed), {}, now)
            rewritten = [rewrite_deal(r, mapping) for r in changed]
            accounts = {r.account.id: account_row(r.account) for r in rewritten}
            last = {p.id: (p, r.deal.account_id) for r in rewritten for p in r.people}
            people = {i: person_row(p, account, None) for i, (p, account) in last.items()}
            # A contact whose stored row hash matches is not rewritten (most contacts of a
            # batch sat in earlier deals).
            people_rows = [
                row for row in _by_id(people) if stored.get(row["id"]) != row["row_hash"]
            ]
            deal_ids = sorted(r.deal.id for r in rewritten)
            known = [d for d in deal_ids if d in existing]
            new = [d for d in deal_ids if d not in existing]
            recount = Recount(
                tx,
                deals=known,
                new_deals=new,
                people=[row["id"] for row in people_rows if row["id"] in stored],
                accounts=accounts,
            )
            accounts_before = tx.deal_accounts(known) if known else {}
            moved = sorted(
                r.deal.id
                for r in rewritten
                if r.deal.id in accounts_before and accounts_before[r.deal.id] != r.deal.account_id
            )
            # Rows go in id order, so that locks are taken in one order.
            tx.put_accounts(_by_id(accounts))
            tx.put_people(people_rows)
            tx.put_deals(
                [deal_row(r) for r in sorted(rewritten, key=lambda r: r.deal.id)],
                new_ids=new,
            )
            tx.replace_seats(
                "crm",
                {r.deal.id: (r.deal.account_id, list(r.seats)) for r in rewritten},
                clear=known,
                now=now,
            )
            # A deal's dates or account decide which of its account's activities count.
            _refresh_activity_seats(tx, deal_ids, clear=known, now=now)
            # Whether a note's person is an outsider depends on the deal's account too.
            _refresh_note_seats(tx, moved, now)
            rewritten_people = tuple(row["id"] for row in people_rows if row["id"] in stored)
            opened = tuple(r.deal.id for r in rewritten if r.deal.outcome == "open")
            mark_arrivals(tx, version + 1, Arrivals(rewritten_people, opened), now)
            _finish(tx, recount, version)
            return counts

        return _answer(self._in_transaction(tenant, work))

    # -- people ----------------------------------------------------------------------

    def upsert_people(self, tenant: str, records: Sequence[PersonRecord]) -> UpsertCounts:
        if not records:
            return UpsertCounts()
        now = now_iso()

        def work(tx: WriteTx) -> UpsertCounts:
            version = tx.lock_tenant()
            ids = [r.person.id for r in records]
            existing = tx.hashes("person", ids)
            existing.update(tx.alias_hashes(ids))
            counts, changed_ids = classify_upserts(
                [(r.person.id, r.content_hash) for r in records], existing
            )
            changed = [r for r in records if r.person.id in changed_ids]
            if not changed:
                raise NothingChanged(counts)
            hashes = {r.person.id: r.content_hash for r in changed}
            mapping, stored = _resolve(
                tx, [Incoming(r.person, r.person.account_id) for r in changed], hashes, now
            )
            merged = {alias for alias, target in mapping.items() if alias != target}
            rows = [
                person_row(
                    replace(r.person, id=mapping[r.person.id]),
                    None,
                    None if r.person.id in merged else r.content_hash,
                )
                for r in changed
            ]
            recount = Recount(tx, people=[row["id"] for row in rows if row["id"] in stored])
            tx.put_people(rows)
            mark_arrivals(tx, version + 1, Arrivals(tuple(row["id"] for row in rows)), now)
            _finish(tx, recount, version)
            return counts

        return _answer(self._in_transaction(tenant, work))

    # -- notes -----------------------------------------------------------------------

    def upsert_notes(self, tenant: str, records: Sequence[NoteRecord]) -> UpsertCounts:
        if not records:
            return UpsertCounts()
        now = now_iso()

        def work(tx: WriteTx) -> UpsertCounts:
            version = tx.lock_tenant()
            ids = [r.note.id for r in records]
            existing = tx.hashes("note", ids)
            counts, changed_ids = classify_upserts(
                [(r.note.id, r.content_hash) for r in records], existing
            )
            changed = [r for r in records if r.note.id in changed_ids]
            if not changed:
                raise NothingChanged(counts)
            before = tx.note_deals([r.note.id for r in changed])
            affected = {d for d in before.values() if d}
            affected |= {r.note.deal_id for r in changed if r.note.deal_id}
            new_people = {
                p.id: person_row(p, r.note.account_id, None) for r in changed for p in r.new_people
            }
            # A note's new person may exist by now (another batch named them first, or they
            # moved account): their other deals are recounted if this rewrites them.
            recount = Recount(tx, deals=affected, people=new_people.keys())
            tx.put_people(_by_id(new_people))
            tx.put_notes(
                [
                    {
                        "id": r.note.id,
                        "deal_id": r.note.deal_id,
                        "account_id": r.note.account_id,
                        "occurred_at": r.note.occurred_at,
                        "author": r.note.author,
                        "text": r.note.text,
                        "content_hash": r.content_hash,
                    }
                    for r in changed
                ]
            )
            tx.replace_mentions(
                [r.note.id for r in changed],
                [
                    {
                        "note_id": r.note.id,
                        "person_id": m.person_id,
                        "stance": m.stance,
                        "evidence": m.evidence,
                    }
                    for r in changed
                    for m in r.mentions
                ],
            )
            _refresh_note_seats(tx, sorted(affected), now)
            mark_arrivals(tx, version + 1, _note_arrivals(changed, sorted(affected)), now)
            _finish(tx, recount, version)
            return counts

        return _answer(self._in_transaction(tenant, work))

    # -- activities ------------------------------------------------------------------

    def upsert_activities(self, tenant: str, records: Sequence[ActivityRecord]) -> UpsertCounts:
        """Activities and their people; the seats they give (graph.activities) are derived
        again for every deal they reach, before the write and after."""
        if not records:
            return UpsertCounts()
        now = now_iso()

        def work(tx: WriteTx) -> UpsertCounts:
            version = tx.lock_tenant()
            stored = tx.activity_reach([r.activity.id for r in records])
            counts, changed_ids = classify_upserts(
                [(r.activity.id, r.content_hash) for r in records],
                {i: h for i, (h, _, _) in stored.items()},
            )
            changed = [r for r in records if r.activity.id in changed_ids]
            if not changed:
                raise NothingChanged(counts)
            # Where the stored versions gave seats, and where the new ones will.
            reached: set[tuple[str | None, str | None]] = {
                (d, None) if d else (None, a) for i, (_, d, a) in stored.items() if i in changed_ids
            }
            reached |= {reach(r.activity) for r in changed}
            mapping, known = _resolve(tx, incoming_of_activities(changed), {}, now)
            rewritten = [rewrite_activity(r, mapping) for r in changed]
            people = {
                p.id: person_row(p, r.activity.account_id, None)
                for r in rewritten
                for p in r.people
            }
            people_rows = [row for row in _by_id(people) if known.get(row["id"]) != row["row_hash"]]
            deal_ids = sorted(
                tx.deals_reached({d for d, _ in reached if d}, {a for _, a in reached if a})
            )
            recount = Recount(
                tx, deals=deal_ids, people=[r["id"] for r in people_rows if r["id"] in known]
            )
            tx.put_accounts(
                [
                    account_row(Account(a))
                    for a in sorted({r.activity.account_id for r in rewritten})
                ]
            )
            tx.put_people(people_rows)
            tx.put_activities(
                [
                    {
                        "id": r.activity.id,
                        "source": r.activity.source,
                        "kind": r.activity.kind,
                        "occurred_at": r.activity.occurred_at,
                        "subject": r.activity.subject,
                        "deal_id": r.activity.deal_id,
                        "account_id": r.activity.account_id,
                        "content_hash": r.content_hash,
                        "people": sorted(p.id for p in r.people),
                    }
                    for r in sorted(rewritten, key=lambda r: r.activity.id)
                ]
            )
            _refresh_activity_seats(tx, deal_ids, clear=deal_ids, now=now)
            mark_arrivals(tx, version + 1, _activity_arrivals(rewritten, deal_ids), now)
            _finish(tx, recount, version)
            return counts

        return _answer(self._in_transaction(tenant, work))

    # -- counters --------------------------------------------------------------------

    def recount(self, tenant: str) -> int:
        """Count the tenant's counters again from its closed deals, as a new generation
        (readers reload): once for a tenant written before the store kept counters."""

        def work(tx: WriteTx) -> int:
            version = tx.lock_tenant()
            rows = tally(tx.cell_deals(None, None, None)).rows()
            tx.clear_stats()
            tx.put_stat_rows(rows, version + 1)
            tx.set_version(version + 1, new_generation=True)
            return len(rows)

        result = self._in_transaction(tenant, work)
        assert isinstance(result, int)
        return result

    # -- erasure ---------------------------------------------------------------------

    def erase_person(self, tenant: str, person_id: str, key_id: str | None) -> ErasureReport | None:
        now = now_iso()

        def work(tx: WriteTx) -> ErasureReport:
            version = tx.lock_tenant()
            target = tx.alias_target(person_id) or person_id
            found = tx.person(target)
            if found is None:
                raise NothingChanged(None)
            terms = redaction_terms(found)
            texts = tx.notes_mentioning(target)
            affected = sorted({n.deal_id for n in texts if n.deal_id})
            taken_part = tx.person_activities(target)
            reached = sorted(
                tx.deals_reached(
                    {d for _, _, d, _ in taken_part if d},
                    {a for _, _, d, a in taken_part if not d},
                )
            )
            recount = Recount(tx, deals=tx.deals_of([target], []) | set(affected) | set(reached))
            tx.set_note_texts([{"id": n.id, "text": redact(n.text, terms)} for n in texts])
            tx.set_mention_evidence(
                [
                    {"note_id": n.id, "person_id": p, "evidence": redact(evidence, terms)}
                    for n in texts
                    for p, evidence in n.mentions
                ]
            )
            tx.set_activity_subjects(
                [{"id": i, "subject": redact(s, terms)} for i, s, _, _ in taken_part if s]
            )
            tx.leave_activities(target)
            seats, mentions = tx.erase_person(target)
            aliases = tx.erase_aliases(target)
            self._erase_traces(tx, found)
            _refresh_note_seats(tx, affected, now)
            _refresh_activity_seats(tx, reached, clear=reached, now=now)
            recount.finish(version + 1)
            # The erased person's counters name them: gone, and readers reload.
            tx.erase_person_stats(target)
            tx.set_version(version + 1, new_generation=True)
            tx.forget_in_signals(target, terms)
            report = ErasureReport(seats, mentions, len(texts), aliases)
            tx.add_audit("erase_person", key_id, now, json.dumps(asdict(report), sort_keys=True))
            return report

        result = self._in_transaction(tenant, work)
        return result if isinstance(result, ErasureReport) else None

    def _erase_traces(self, tx: WriteTx, person: Person) -> None:
        """What records kept beside the graph say of an erased person (outreach targets,
        graph.outreach), in the erasure's transaction; a mixin earlier in a store's bases
        adds its own."""
        return None


class Work(Protocol):
    def __call__(self, tx: WriteTx) -> object: ...


def _answer(result: object) -> UpsertCounts:
    assert isinstance(result, UpsertCounts)
    return result


def _finish(tx: WriteTx, recount: Recount, version: int) -> None:
    recount.finish(version + 1)
    tx.set_version(version + 1, seats_moved=recount.seats_moved)


def _note_arrivals(records: Sequence[NoteRecord], deal_ids: Sequence[str]) -> Arrivals:
    """What detection reads of notes: their texts, the people they name, their deals."""
    people = {p.id for r in records for p in r.new_people} | {
        m.person_id for r in records for m in r.mentions
    }
    texts = tuple(
        TextArrival("note", r.note.id, r.note.account_id, r.note.deal_id, r.note.text)
        for r in records
    )
    return Arrivals(tuple(sorted(people)), tuple(deal_ids), texts)


def _activity_arrivals(records: Sequence[ActivityRecord], deal_ids: Sequence[str]) -> Arrivals:
    """Activities' people and subjects (their text comes in as a note of its own)."""
    texts = tuple(
        TextArrival("activity", a.id, a.account_id, a.deal_id, a.subject)
        for a in (r.activity for r in records)
        if a.subject
    )
    people = sorted({p.id for r in records for p in r.people})
    return Arrivals(tuple(people), tuple(deal_ids), texts)


def _by_id(rows: dict[str, Row]) -> list[Row]:
    return [rows[key] for key in sorted(rows)]


def _resolve(
    tx: WriteTx, incoming: Sequence[Incoming], hashes: dict[str, str], now: str
) -> tuple[dict[str, str], dict[str, str | None]]:
    """Who each incoming person is (graph.resolution); merges are recorded. Also answers
    the row hash stored on each person found, so that an unchanged contact is not
    rewritten.

    A known id or alias settles a contact (the first rule), as it does for most of a
    batch; only the others need the e-mail and name lookups, and any known person they
    could match is found by those lookups (by id, only ids matter)."""
    ids = sorted({i.person.id for i in incoming})
    aliases, by_id = tx.known_people(ids)
    settled = {p.id for p in by_id} | aliases.keys()
    rest = [i for i in incoming if i.person.id not in settled]
    emails = sorted({i.person.email.lower() for i in rest if i.person.email})
    names = name_pairs(rest)
    matched = (tx.people_by_email(emails) if emails else []) + (
        tx.people_by_name(names) if names else []
    )
    known = {p.id: Known(p.id, None, None, None) for p in by_id}
    known.update({p.id: Known(p.id, p.email, p.account_id, p.name_key) for p in matched})
    mapping, merges = resolve(incoming, sorted(known.values(), key=lambda k: k.id), aliases)
    # New merges, and merged ids sent again: both record what the contact said (its hash).
    recorded = {m.alias_id: (m.person_id, m.reason) for m in merges}
    recorded.update({a: (mapping[a], "") for a in hashes if a in aliases and a not in recorded})
    tx.record_merges(
        [
            {
                "alias_id": alias,
                "person_id": target,
                "reason": reason,
                "content_hash": hashes.get(alias),
                "merged_at": now,
            }
            for alias, (target, reason) in sorted(recorded.items())
        ]
    )
    # A merged id sent again rewrites the person it was merged into: that person's stored
    # hash (and so their place in the write's recount) is needed too.
    targets = sorted(set(aliases.values()) - {p.id for p in (*by_id, *matched)})
    _, alias_targets = tx.known_people(targets) if targets else ({}, [])
    return mapping, {p.id: p.row_hash for p in (*by_id, *matched, *alias_targets)}


def _refresh_note_seats(tx: WriteTx, deal_ids: Sequence[str], now: str) -> None:
    """Rebuild the note-derived seats of these deals from all their notes' mentions."""
    if not deal_ids:
        return
    accounts = tx.deal_accounts(deal_ids)
    seats = note_seats(tx.mention_rows(deal_ids))
    present = [d for d in deal_ids if d in accounts]
    tx.replace_seats(
        "note", {d: (accounts[d], seats.get(d, [])) for d in present}, clear=present, now=now
    )


def _refresh_activity_seats(
    tx: WriteTx, deal_ids: Sequence[str], clear: Collection[str], now: str
) -> None:
    """Derive these deals' activity seats again (graph.activities); only the deals in
    `clear` can hold some already."""
    if not deal_ids:
        return
    spans, rows = tx.activity_spans(deal_ids)
    seats = activity_seats(rows, spans)
    if not clear and not any(seats.values()):
        return
    tx.replace_seats(
        "activity",
        {s.deal_id: (s.account_id, seats[s.deal_id]) for s in spans},
        clear=clear,
        now=now,
    )
