"""Keeping the counters right inside a write transaction (docs/architecture.md).

A write declares, before it writes any record (after taking the tenant's lock and
reading hashes), what it may change: the deals
whose committee, outcome, amount or account it rewrites, the people whose title
or outsider kind it may rewrite, the accounts whose industry or region it may
rewrite. `Recount` reads their state then, and again after the writes; the
deals of people and accounts whose traits did move are added (their committee
roles or cells moved with them). The difference of the deals' contributions
before and after (graph.counts) is applied to the stored counters, stamped
with the write's data version, in the same transaction: a reader never sees
the counters and the data disagree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from graph.counts import Change, StatKey, StatRow, changes, tally, updated
from graph.models import ClosedDeal, SeatSummary, committee_role


@dataclass(frozen=True, slots=True)
class DealState:
    """A deal as counting needs it: outcome, amount, account, and who sat in it (each
    person once; an outsider when any of their seats in the deal is)."""

    id: str
    account_id: str
    outcome: str
    amount: float | None
    closed_at: str | None
    seats: tuple[tuple[str, bool], ...]


@dataclass(frozen=True, slots=True)
class Traits:
    """What a person's committee role is made of."""

    role: str
    external_kind: str | None


Cell = tuple[str, str]  # an account's industry and region keys ("" when none)


@dataclass(frozen=True)
class Committees:
    """Deals' states with the traits of the people who sat in them and the cells of
    their accounts, as one read finds them."""

    states: list[DealState]
    traits: dict[str, Traits]
    cells: dict[str, Cell]


NO_COMMITTEES = Committees([], {}, {})


class CountingTx(Protocol):
    """The primitive reads and writes counting needs, inside the write's transaction."""

    def committees(self, deal_ids: Collection[str]) -> Committees: ...

    def traits(self, person_ids: Collection[str]) -> dict[str, Traits]: ...

    def cells(self, account_ids: Collection[str]) -> dict[str, Cell]: ...

    def deals_of(self, person_ids: Collection[str], account_ids: Collection[str]) -> set[str]:
        """Every deal these people sat in or these accounts hold."""
        ...

    def stat_rows(self, keys: Sequence[StatKey]) -> dict[StatKey, StatRow]: ...

    def put_stat_rows(self, rows: Sequence[StatRow], version: int) -> None:
        """Write the counters' values, stamped with the data version."""
        ...

    def add_stats(self, changes: Sequence[Change], version: int) -> None:
        """Add the changes to counters without evidence (new ones start at zero),
        stamped with the data version."""
        ...

    def cell_deals(
        self, industry: str | None, region: str | None, band: int | None
    ) -> list[ClosedDeal]:
        """The closed deals of one segment cell and size band: "" matches an account
        without a value, None any value."""
        ...

    def clear_stats(self) -> None:
        """Delete every counter of the tenant (before counting it from scratch)."""
        ...


def closed_deal(
    state: DealState, traits: Mapping[str, Traits], cells: Mapping[str, Cell]
) -> ClosedDeal | None:
    """The deal as the counters count it, or None while it is open."""
    if state.outcome not in ("won", "lost"):
        return None
    industry, region = cells.get(state.account_id, ("", ""))
    seats = []
    for person_id, external in state.seats:
        known = traits.get(person_id)
        if known is None:
            continue  # a seat's person always exists; an erased one has no seats left
        seats.append(
            SeatSummary(
                person_id, committee_role(known.role, external, known.external_kind), external
            )
        )
    return ClosedDeal(
        id=state.id,
        account_id=state.account_id,
        won=state.outcome == "won",
        amount=state.amount,
        closed_at=state.closed_at,
        industry=industry or None,
        region=region or None,
        seats=tuple(sorted(seats, key=lambda s: s.person_id)),
    )


class Recount:
    """The counters' change made by one write: opened before its first statement,
    `finish`ed after its last."""

    def __init__(
        self,
        tx: CountingTx,
        deals: Iterable[str] = (),
        people: Iterable[str] = (),
        accounts: Iterable[str] = (),
        new_deals: Iterable[str] = (),
    ) -> None:
        """`deals`, `people`, `accounts`: what the write may change; `new_deals`: deals it
        creates (nothing to read before)."""
        self._tx = tx
        self.seats_moved = True  # until `finish` has compared the deals
        known = set(deals)
        self._deals = known | set(new_deals)
        self._people = set(people)
        self._accounts = set(accounts)
        before = tx.committees(known) if known else NO_COMMITTEES
        self._before = before.states
        self._traits_before = {**before.traits, **tx.traits(self._people - before.traits.keys())}
        self._cells_before = {**before.cells, **tx.cells(self._accounts - before.cells.keys())}

    def finish(self, version: int) -> int:
        """Apply the counters' changes stamped `version`; answer how many counters moved."""
        tx = self._tx
        read = tx.committees(self._deals) if self._deals else NO_COMMITTEES
        after = read.states
        traits_after = {**read.traits, **tx.traits(self._people - read.traits.keys())}
        cells_after = {**read.cells, **tx.cells(self._accounts - read.cells.keys())}
        # Only people and accounts that existed before can have deals outside this write.
        moved_people = {
            p
            for p, was in self._traits_before.items()
            if p in self._people and was != traits_after.get(p)
        }
        moved_accounts = {
            a
            for a, was in self._cells_before.items()
            if a in self._accounts and was != cells_after.get(a)
        }
        others = (
            tx.deals_of(moved_people, moved_accounts) - self._deals
            if moved_people or moved_accounts
            else set()
        )
        rest = tx.committees(others) if others else NO_COMMITTEES
        unchanged = rest.states
        traits_after = {**rest.traits, **traits_after}
        cells_after = {**rest.cells, **cells_after}
        # Before the write, people and accounts it did not touch were as they are now.
        traits_before = {**traits_after, **self._traits_before}
        cells_before = {**cells_after, **self._cells_before}
        old = [closed_deal(s, traits_before, cells_before) for s in (*self._before, *unchanged)]
        new = [closed_deal(s, traits_after, cells_after) for s in (*after, *unchanged)]
        self.seats_moved = _seats_moved([d for d in old if d], [d for d in new if d])
        moves = changes([d for d in old if d], [d for d in new if d])
        apply_changes(tx, moves, version)
        return len(moves)


def _seats_moved(old: Sequence[ClosedDeal], new: Sequence[ClosedDeal]) -> bool:
    """Whether the closed deals differ in anything but their amounts: which closed deals
    each person sat in, with which account, segment and close date. Reads of where people
    sat (graph.live) stand across a write that only moved amounts, the commonest CRM
    update."""
    before = {d.id: replace(d, amount=None) for d in old}
    after = {d.id: replace(d, amount=None) for d in new}
    return before != after


def apply_changes(tx: CountingTx, moves: Sequence[Change], version: int) -> None:
    """Write the moved counters. Counters without evidence take the changes as increments;
    those with evidence are read and written whole, and evidence ids one lost are looked
    up again from its cell's deals (as the write left them)."""
    tx.add_stats([m for m in moves if not m.key.keeps_evidence], version)
    listed = [m for m in moves if m.key.keeps_evidence]
    if not listed:
        return
    stored = tx.stat_rows([m.key for m in listed])
    rows: dict[StatKey, StatRow] = {}
    refill: dict[tuple[str, str, int], list[StatKey]] = defaultdict(list)
    for move in listed:
        row, lost = updated(stored.get(move.key), move)
        rows[move.key] = row
        if lost:
            refill[(move.key.industry, move.key.region, move.key.band)].append(move.key)
    for (industry, region, band), keys in sorted(refill.items()):
        recounted = {r.key: r for r in tally(tx.cell_deals(industry, region, band)).rows()}
        for key in keys:
            # The cell's deals are the truth of the whole counter, evidence and all.
            rows[key] = recounted.get(key) or StatRow(key, 0, 0)
    tx.put_stat_rows([rows[m.key] for m in listed], version)
