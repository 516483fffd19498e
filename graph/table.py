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

import numpy as np
from numpy.typing import NDArray

from graph.counts import KINDS, Kind, StatKey, StatRow

Mask = NDArray[np.bool_]
Ints = NDArray[np.int64]
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


class _Columns:
    """One kind's counters: a row per StatKey, arrays grown by doubling. The keys of each
    row are kept only for kinds with evidence (`row_keys`), which answers look up by row."""

    def __init__(self, keep_keys: bool = True) -> None:
        self.index: dict[StatKey, int] = {}
        self.keep_keys = keep_keys
        self.row_keys: list[StatKey] = []
        self.keys = Codes()
        self.roles = Codes()
        self.size = 0
        capacity = 64
        self.industry = np.zeros(capacity, dtype=np.int64)
        self.region = np.zeros(capacity, dtype=np.int64)
        self.band = np.zeros(capacity, dtype=np.int64)
        self.key = np.zeros(capacity, dtype=np.int64)
        self.role = np.zeros(capacity, dtype=np.int64)
        self.present = np.zeros(capacity, dtype=np.int64)
        self.won = np.zeros(capacity, dtype=np.int64)

    _ARRAYS = ("industry", "region", "band", "key", "role", "present", "won")

    def _grow(self) -> None:
        for name in self._ARRAYS:
            old = getattr(self, name)
            new = np.zeros(2 * len(old), dtype=np.int64)
            new[: len(old)] = old
            setattr(self, name, new)

    def row(self, key: StatKey, industry: int, region: int) -> int:
        at = self.index.get(key)
        if at is None:
            if self.size == len(self.present):
                self._grow()
            at = self.index[key] = self.size
            if self.keep_keys:
                self.row_keys.append(key)
            self.size += 1
            self.industry[at] = industry
            self.region[at] = region
            self.band[at] = key.band
            self.key[at] = self.keys.code(key.key)
            self.role[at] = self.roles.code(key.role)
        return at


@dataclass(frozen=True)
class KeyBands:
    """A level's counts per key and size band: `won_present[k, slot]`, `lost_present`;
    the level's won and lost deals per band; the band axis is shared by every level
    of one answer (`slots` bands)."""

    won_present: Ints
    lost_present: Ints
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
        """Set each counter to the row's value (new counters are added)."""
        for row in rows:
            columns = self.columns.get(row.key.kind)
            if columns is None:
                continue
            at = columns.row(
                row.key,
                self.industries.code(row.key.industry),
                self.regions.code(row.key.region),
            )
            columns.present[at] = row.present
            columns.won[at] = row.won
            if row.key.keeps_evidence:
                self._evidence[row.key] = row.deal_ids

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
        cell = columns.key[:n][mask] * nslots + slot
        size = len(columns.keys) * nslots
        present = np.bincount(cell, weights=columns.present[:n][mask], minlength=size)
        won = np.bincount(cell, weights=columns.won[:n][mask], minlength=size)
        band_won, band_lost = self.band_totals(industry, region, slots)
        return KeyBands(
            won.astype(np.int64).reshape(-1, nslots),
            (present - won).astype(np.int64).reshape(-1, nslots),
            band_won,
            band_lost,
        )

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
