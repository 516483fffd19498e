"""The store's counters in this process, caught up with the store on every read.

Why: every write updates the counters in the store, in its own transaction
(graph.recount), stamped with the tenant's new data version. A reader here
keeps a copy as columns (graph.table) and, before each answer, reads the
version (one indexed lookup) and, when it moved, only the counters stamped
after the version it holds (graph.ports.StatsReader). A write therefore costs a
read what it touched, in every worker and replica; a fresh process loads the
counters (thousands of rows for roles, one per person, cell and band for
people), never the history. When the counters start a new generation (counted
again, or a person erased) the copy is dropped and loaded anew.

People's counters are loaded on the first answer that needs them; roles, deal
and committee-size counters come with the first read. Answers are memoised
until the version moves; where the people an answer named sat, until their counters
move in a segment's cells by a write that moved seats, not only amounts
(StatsVersion.seats; docs/architecture.md).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import partial
from typing import TypeVar

from graph.analytics import Counts
from graph.counts import Kind, StatRow
from graph.models import SegmentFilter
from graph.ports import StatsDelta, StatsReader
from graph.table import CountTable

T = TypeVar("T")
MEMO_ENTRIES = 512  # answers kept per tenant (segments × kinds × settings)
# Answers holding an array per person (people rankings' effects): 3 MB each at 100,000
# deals, so few are kept per tenant.
PER_PERSON_ENTRIES = 4
PER_PERSON_ANSWERS = ("people",)
CORE: tuple[Kind, ...] = ("deal", "size", "role")
_ABSENT = object()  # a person of whom a read found nothing
SEATED_PEOPLE = 20_000  # people whose seats are kept per tenant (rankings name few)
PEOPLE: tuple[Kind, ...] = ("person",)


class LiveCounts:
    """One tenant's counters, as of the versions read for each group of kinds."""

    def __init__(self, store: StatsReader, tenant: str) -> None:
        self._store = store
        self._tenant = tenant
        self._lock = threading.RLock()
        self._reset(generation=None)

    def _reset(self, generation: int | None) -> None:
        self.generation = generation
        self.table = CountTable(CORE)
        self.versions: dict[tuple[Kind, ...], int | None] = {CORE: None, PEOPLE: None}
        self._memo: OrderedDict[Hashable, object] = OrderedDict()
        # What was read of each person, by person: dropped when their counters move.
        self._seated: dict[str, dict[Hashable, object]] = {}

    @contextmanager
    def reading(self, people: bool) -> Iterator[Counts]:
        """The counters caught up with the store, held still while the block answers."""
        with self._lock:
            self._catch_up(people)
            yield Counts(self.table, self._remember, self._per_person)

    def _catch_up(self, people: bool) -> None:
        current = self._store.stats_version(self._tenant)
        if current.generation != self.generation:
            self._reset(current.generation)
        # Each group is caught up when an answer needs it: an answer about roles does not
        # wait for the people a bulk import moved.
        for kinds in [CORE, PEOPLE] if people else [CORE]:
            held = self.versions[kinds]
            if held is not None and held >= current.version:
                continue
            for kind in kinds:
                self.table.add_kind(kind)
            take = partial(self._take, held=held)
            caught = self._store.stats_since(self._tenant, kinds, held, take)
            if caught is None:
                # Counted again between the two reads: start over from this generation.
                self._reset(self._store.stats_version(self._tenant).generation)
                self._catch_up(people)
                return
            self.versions[kinds] = caught
            self._memo.clear()

    def _take(self, delta: StatsDelta, held: int | None) -> int | None:
        """Put the delta's rows as they stream (forgetting seats where a person's counters
        moved since `held`); answer its version, or None when it is of another generation."""
        if delta.generation != self.generation:
            return None
        if held is None:
            self.table.put(delta.rows)
        else:
            # Writes since `held` that only moved amounts leave every seat where it was.
            self.table.put(self._forgetting(delta.rows, amounts_only=delta.seats <= held))
        return delta.version

    def _forgetting(self, rows: Iterable[StatRow], amounts_only: bool) -> Iterator[StatRow]:
        for row in rows:
            if row.key.kind == "person":
                self._forget_seats(row.key.key, row.key.industry, row.key.region, amounts_only)
            yield row

    def _forget_seats(
        self, person_id: str, industry: str, region: str, amounts_only: bool = False
    ) -> None:
        """Drop what was read of where the person sat in segments holding this cell: a
        person's counter moves in a cell only when one of their deals in it did (a deal
        that moves cell moves both), so their seats in other segments stand. When the
        writes only moved `amounts`, only segments cut by amount can have changed."""
        held = self._seated.get(person_id)
        if not held:
            return
        for what in [w for w in held if _covers(w, industry, region, amounts_only)]:
            del held[what]

    def _per_person(
        self,
        what: Hashable,
        person_ids: Sequence[str],
        read: Callable[[list[str]], Mapping[str, T]],
    ) -> dict[str, T]:
        missing = [p for p in person_ids if what not in self._seated.get(p, {})]
        if len(self._seated) > SEATED_PEOPLE:
            self._seated.clear()
            missing = list(person_ids)
        if missing:
            found = read(missing)
            for p in missing:
                self._seated.setdefault(p, {})[what] = found.get(p, _ABSENT)
        out: dict[str, T] = {}
        for p in person_ids:
            value = self._seated[p][what]
            if value is not _ABSENT:
                out[p] = value  # type: ignore[assignment]
        return out

    def _remember(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The answer stored under `key` until the counters move (least recent dropped)."""
        if key in self._memo:
            self._memo.move_to_end(key)
            return self._memo[key]  # type: ignore[return-value]
        value = compute()
        self._memo[key] = value
        heavy = [k for k in self._memo if isinstance(k, tuple) and k and k[0] in PER_PERSON_ANSWERS]
        for old in heavy[: max(0, len(heavy) - PER_PERSON_ENTRIES)]:
            del self._memo[old]
        while len(self._memo) > MEMO_ENTRIES:
            self._memo.popitem(last=False)
        return value


def _covers(what: Hashable, industry: str, region: str, amounts_only: bool = False) -> bool:
    """Whether a per-person read (`(label, SegmentFilter)`) is about a segment holding
    the cell (and, after writes that only moved `amounts`, cut by amount); a read of
    another shape is taken to cover every cell."""
    segment = what[1] if isinstance(what, tuple) and len(what) == 2 else None
    if not isinstance(segment, SegmentFilter):
        return True
    if amounts_only and segment.min_amount is None and segment.max_amount is None:
        return False
    return segment.industry_key in (None, industry) and segment.region_key in (None, region)


class LiveStats:
    """The counters of the most recently read tenants (least recently read dropped)."""

    def __init__(self, tenants: int = 8) -> None:
        self._capacity = tenants
        self._tenants: OrderedDict[str, LiveCounts] = OrderedDict()
        self._lock = threading.Lock()

    @contextmanager
    def reading(self, store: StatsReader, tenant: str, people: bool = False) -> Iterator[Counts]:
        with self._lock:
            live = self._tenants.get(tenant)
            if live is None:
                live = self._tenants[tenant] = LiveCounts(store, tenant)
            self._tenants.move_to_end(tenant)
            while len(self._tenants) > self._capacity:
                self._tenants.popitem(last=False)
        with live.reading(people) as counts:
            yield counts
