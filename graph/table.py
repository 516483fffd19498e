"""Counters as columns: the layout every ranking, committee and likely committee sums over.

One `CountTable` holds a tenant's counters (graph.counts) of some kinds as arrays:
cell codes, band, key and role codes, present and won. A segment is a boolean
mask over a kind's rows, a pooling level the rows of a wider segment, and an
answer a few `bincount`s over the masked rows: a few thousand rows for roles,
one per person, cell and band for people, however many deals stand behind them.

The table is filled from scratch (a tally of closed deals, graph.counts) or from
the counters a store keeps, and updated in place when those change
(graph.live): `put` takes a counter's absolute value, so applying the same rows
twice is harmless.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import islice

import numpy as np
from numpy.typing import NDArray

from graph.counts import KINDS, Kind, StatKey, StatRow

Mask = NDArray[np.bool_]
Ints = NDArray[np.int64]
Counts32 = NDArray[np.int32]  # counts of deals: below 2**31
BAND_OFFSET = 1  # band -1 (no amount) is slot 0 of the band axis
MAX_BAND = 62  # amounts are validated below 1e13 (band 26); room to spare


class Codes:
    """Distinct strings and their codes, in first-seen order (codes never change)."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self._code: dict[str, int] = {}
        self._ranks: Ints | None = None

    def code(self, name: str) -> int:
        found = self._code.get(name)
        if found is None:
            found = self._code[name] = len(self.names)
            self.names.append(name)
        return found

    def find(self, name: str) -> int | None:
        return self._code.get(name)

    def ranks(self) -> Ints:
        """Each code's place in name order (a ranking's last tie-break), kept until a new
        name arrives: sorting tens of thousands of names was most of a people ranking."""
        if self._ranks is None or len(self._ranks) != len(self.names):
            ranks = np.empty(len(self.names), dtype=np.int64)
            ranks[np.argsort(np.array(self.names, dtype=np.str_), kind="stable")] = np.arange(
                len(self.names)
            )
            self._ranks = ranks
        return self._ranks

    def __len__(self) -> int:
        return len(self.names)


CHUNK = 4096  # rows put at once: the codes of a chunk are looked up together


class _RowIndex:
    """Where each counter's row is: its five codes (key, role, industry, region, band)
    as one 20-byte value, found by binary search in a sorted array. At 100,000 deals a
    person's counters are 200,000 rows in every worker; a dict of their StatKeys was a
    fifth of a worker's memory and scattered its heap, which then never shrank."""

    def __init__(self) -> None:
        self._sorted = np.empty(0, dtype="V20")
        self._rows = np.empty(0, dtype=np.int32)

    @staticmethod
    def values(codes: NDArray[np.int32]) -> NDArray[np.void]:
        return np.ascontiguousarray(codes, dtype=np.int32).view("V20").ravel()

    def find(self, values: NDArray[np.void]) -> NDArray[np.int64]:
        """Each value's row, or -1."""
        found = np.full(len(values), -1, dtype=np.int64)
        if len(self._sorted):
            at = np.minimum(np.searchsorted(self._sorted, values), len(self._sorted) - 1)
            hit = self._sorted[at] == values
            found[hit] = self._rows[at[hit]]
        return found

    def insert(self, values: NDArray[np.void], rows: NDArray[np.int64]) -> None:
        """Add distinct values not yet held (a copy of the arrays: a few milliseconds at
        200,000 rows, once per write's delta or per chunk of a load)."""
        order = np.argsort(values, kind="stable")
        at = np.searchsorted(self._sorted, values[order])
        self._sorted = np.insert(self._sorted, at, values[order])
        self._rows = np.insert(self._rows, at, rows[order].astype(np.int32))


class _Columns:
    """One kind's counters: a row per counter, int32 arrays grown by doubling, found by
    their codes (`_RowIndex`). The StatKey of each row is kept only for kinds with
    evidence (`row_keys`), which answers look up by row."""

    def __init__(self, keep_keys: bool = True) -> None:
        self.index = _RowIndex()
        self.keep_keys = keep_keys
        self.row_keys: list[StatKey] = []
        self.keys = Codes()
        self.roles = Codes()
        self.size = 0
        capacity = 64
        self.industry = np.zeros(capacity, dtype=np.int32)
        self.region = np.zeros(capacity, dtype=np.int32)
        self.band = np.zeros(capacity, dtype=np.int32)
        self.key = np.zeros(capacity, dtype=np.int32)
        self.role = np.zeros(capacity, dtype=np.int32)
        self.present = np.zeros(capacity, dtype=np.int32)
        self.won = np.zeros(capacity, dtype=np.int32)

    _ARRAYS = ("industry", "region", "band", "key", "role", "present", "won")

    def _grow(self) -> None:
        for name in self._ARRAYS:
            old = getattr(self, name)
            new = np.zeros(2 * len(old), dtype=old.dtype)
            new[: len(old)] = old
            setattr(self, name, new)

    def put(self, rows: Sequence[StatRow], industries: Codes, regions: Codes) -> None:
        """Set each row's counter (new counters are added, in the order first seen)."""
        codes = np.array(
            [
                (
                    self.keys.code(r.key.key),
                    self.roles.code(r.key.role),
                    industries.code(r.key.industry),
                    regions.code(r.key.region),
                    r.key.band,
                )
                for r in rows
            ],
            dtype=np.int32,
        ).reshape(-1, 5)
        values = self.index.values(codes)
        at = self.index.find(values)
        missing = np.flatnonzero(at < 0)
        if len(missing):
            at[missing] = self._append(codes, values, missing, rows)
        self.present[at] = [r.present for r in rows]
        self.won[at] = [r.won for r in rows]

    def _append(
        self,
        codes: NDArray[np.int32],
        values: NDArray[np.void],
        missing: NDArray[np.intp],
        rows: Sequence[StatRow],
    ) -> NDArray[np.int64]:
        """New rows for the missing counters (a counter twice among them gets one row);
        answer each missing one's row."""
        distinct, first, inverse = np.unique(
            values[missing], return_index=True, return_inverse=True
        )
        order = np.argsort(first, kind="stable")  # first-seen order
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        source = missing[first[order]]
        count = len(source)
        while self.size + count > len(self.present):
            self._grow()
        new = np.arange(self.size, self.size + count, dtype=np.int64)
        for column, name in enumerate(("key", "role", "industry", "region", "band")):
            getattr(self, name)[new] = codes[source, column]
        if self.keep_keys:
            self.row_keys.extend(rows[i].key for i in source.tolist())
        self.size += count
        self.index.insert(distinct[order], new)
        found: NDArray[np.int64] = new[rank[inverse.ravel()]]
        return found


@dataclass(frozen=True)
class KeyBands:
    """A level's counts per key and size band: `won_present[k, slot]`, `lost_present`;
    the level's won and lost deals per band; the band axis is shared by every level
    of one answer (`slots` bands)."""

    won_present: Counts32
    lost_present: Counts32
    band_won: Ints
    band_lost: Ints

    def __sub__(self, other: KeyBands) -> KeyBands:
        return KeyBands(
            self.won_present - other.won_present,
            self.lost_present - other.lost_present,
            self.band_won - other.band_won,
            self.band_lost - other.band_lost,
        )

    @property
    def deals(self) -> int:
        return int(self.band_won.sum() + self.band_lost.sum())

    @property
    def won(self) -> int:
        return int(self.band_won.sum())


class CountTable:
    """A tenant's counters of the given kinds, as columns."""

    def __init__(self, kinds: Iterable[Kind] = KINDS) -> None:
        self.industries = Codes()
        self.regions = Codes()
        self.columns: dict[Kind, _Columns] = {kind: _Columns(kind == "role") for kind in kinds}
        self._evidence: dict[StatKey, tuple[str, ...]] = {}

    @classmethod
    def of(cls, rows: Iterable[StatRow], kinds: Iterable[Kind] = KINDS) -> CountTable:
        table = cls(kinds)
        table.put(rows)
        return table

    def put(self, rows: Iterable[StatRow]) -> None:
        """Set each counter to the row's value (new counters are added); rows are taken a
        chunk at a time, as they stream from the store."""
        source = iter(rows)
        while chunk := list(islice(source, CHUNK)):
            by_kind: dict[Kind, list[StatRow]] = {}
            for row in chunk:
                if row.key.kind in self.columns:
                    by_kind.setdefault(row.key.kind, []).append(row)
                    if row.key.keeps_evidence:
                        self._evidence[row.key] = row.deal_ids
            for kind, group in by_kind.items():
                self.columns[kind].put(group, self.industries, self.regions)

    def evidence(self, keys: Sequence[StatKey]) -> dict[StatKey, tuple[str, ...]]:
        """The deal ids the counters list (roles keep the smallest few)."""
        return {key: self._evidence.get(key, ()) for key in keys}

    def has(self, kind: Kind) -> bool:
        return kind in self.columns

    def add_kind(self, kind: Kind) -> None:
        """Make room for a kind of counter loaded later (people, on first need)."""
        self.columns.setdefault(kind, _Columns(kind == "role"))

    def kind(self, kind: Kind) -> _Columns:
        return self.columns[kind]

    # -- selecting -------------------------------------------------------------------

    def mask(self, kind: Kind, industry: str | None, region: str | None) -> Mask:
        """The kind's rows inside a segment (keys as graph.models.segment_key folds them;
        None: any). A value no row carries selects nothing."""
        columns = self.columns[kind]
        n = columns.size
        mask = np.ones(n, dtype=np.bool_)
        for value, codes, column in (
            (industry, self.industries, columns.industry),
            (region, self.regions, columns.region),
        ):
            if value is not None:
                code = codes.find(value)
                mask &= column[:n] == (-1 if code is None else code)
        return mask

    def by_key(self, kind: Kind, mask: Mask, won: bool = False) -> Ints:
        """The masked counters summed per key code (deals present, or won with `won`)."""
        columns = self.columns[kind]
        values = (columns.won if won else columns.present)[: columns.size][mask]
        summed = np.bincount(
            columns.key[: columns.size][mask], weights=values, minlength=len(columns.keys)
        )
        return summed.astype(np.int64)

    def band_mask(self, kind: Kind, band: int) -> Mask:
        columns = self.columns[kind]
        same: Mask = columns.band[: columns.size] == band
        return same

    def band_slots(self) -> tuple[Ints, int]:
        """A slot for every band that holds deals (shared by all levels of an answer):
        an array from band + 1 to slot, and the number of slots."""
        deals = self.columns["deal"]
        present = np.unique(deals.band[: deals.size])
        lookup = np.zeros(MAX_BAND + BAND_OFFSET + 1, dtype=np.int64)
        lookup[present + BAND_OFFSET] = np.arange(len(present))
        return lookup, max(1, len(present))

    def key_bands(
        self,
        kind: Kind,
        industry: str | None,
        region: str | None,
        slots: tuple[Ints, int],
        keys: Mask | None = None,
    ) -> KeyBands:
        """Per key (the kind's key codes) and band, the segment's won and lost deals with it
        present; and the segment's own won and lost deals per band. With `keys` (a flag
        per key code), only those keys are counted: the others read as absent."""
        lookup, nslots = slots
        columns = self.columns[kind]
        n = columns.size
        mask = self.mask(kind, industry, region)
        if keys is not None:
            mask &= keys[columns.key[:n]]
        slot = lookup[columns.band[:n][mask] + BAND_OFFSET]
        cell = columns.key[:n][mask].astype(np.int64) * nslots + slot
        # Keys × bands is tens of thousands × dozens for people: summed straight into
        # int32 (no float64 copy), and the lost deals made from the present in place.
        won = np.zeros((len(columns.keys), nslots), dtype=np.int32)
        lost = np.zeros_like(won)
        np.add.at(won.reshape(-1), cell, columns.won[:n][mask])
        np.add.at(lost.reshape(-1), cell, columns.present[:n][mask])
        lost -= won
        band_won, band_lost = self.band_totals(industry, region, slots)
        return KeyBands(won, lost, band_won, band_lost)

    def band_totals(
        self, industry: str | None, region: str | None, slots: tuple[Ints, int]
    ) -> tuple[Ints, Ints]:
        """The segment's won and lost deals per band slot."""
        lookup, nslots = slots
        deals = self.columns["deal"]
        n = deals.size
        mask = self.mask("deal", industry, region)
        slot = lookup[deals.band[:n][mask] + BAND_OFFSET]
        present = np.bincount(slot, weights=deals.present[:n][mask], minlength=nslots)
        won = np.bincount(slot, weights=deals.won[:n][mask], minlength=nslots)
        return won.astype(np.int64), (present - won).astype(np.int64)

    def stat_keys(
        self, kind: Kind, mask: Mask, key_codes: Iterable[int]
    ) -> dict[int, list[StatKey]]:
        """The counters (StatKeys) of these keys among the masked rows, by key code."""
        columns = self.columns[kind]
        keys = columns.key[: columns.size]
        rows = np.flatnonzero(mask & np.isin(keys, np.fromiter(key_codes, dtype=np.int64)))
        found: dict[int, list[StatKey]] = {}
        for at in rows.tolist():
            found.setdefault(int(keys[at]), []).append(columns.row_keys[at])
        return found
