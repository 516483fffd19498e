"""Closed deals as columns: the layout every ranking counts over.

A tenant's closed deals are laid out once (per data version, see
graph.readmodel) as arrays: amount, outcome, segment codes, and for roles and
people the pairs (deal, key) of who sat where. A segment or a pooling level
is then a boolean mask, and a ranking is a handful of array counts instead
of a walk over 100,000 deal objects in Python.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from graph.models import ClosedDeal, SegmentFilter, segment_key

Mask = NDArray[np.bool_]
Ints = NDArray[np.int64]
NARROW_SHARE = 0.5  # a level holding at most this share of the deals is counted deal by deal


@dataclass(frozen=True)
class Pairs:
    """Which deals each key (a role or a person) sat in.

    `keys` are sorted, so a key's index orders like its name; the pairs are
    sorted by key, then deal, and `starts[k]:starts[k + 1]` are key k's pairs.
    `external` says whether the seat was an outsider's (for people).
    """

    keys: list[str]
    deal: Ints
    key: Ints
    starts: Ints
    external: Mask
    seat_role: Ints  # index into DealTable.seat_roles: the committee role of the seat
    # The same pairs by deal: deal d's keys are keys_by_deal[deal_starts[d]:deal_starts[d + 1]].
    keys_by_deal: Ints
    deal_starts: Ints

    def index(self, key: str) -> int | None:
        at = bisect_left(self.keys, key)
        return at if at < len(self.keys) and self.keys[at] == key else None

    def deals_of(self, k: int, level: Mask) -> Ints:
        """Key k's deals inside the level, ascending (so by deal id)."""
        deals = self.deal[self.starts[k] : self.starts[k + 1]]
        return deals[level[deals]]

    def present(self, level: Mask) -> Ints:
        """How many of the level's deals each key sat in.

        A narrow level (similar deals, one left-out deal) is counted from its own
        deals' pairs; a wide one by one pass over every pair, which is cheaper than
        gathering most of them deal by deal."""
        if np.count_nonzero(level) > NARROW_SHARE * len(level):
            return self.present_wide(level)
        return self.present_narrow(np.flatnonzero(level))

    def present_wide(self, level: Mask) -> Ints:
        return np.bincount(self.key[level[self.deal]], minlength=len(self.keys))

    def present_narrow(self, chosen: Ints) -> Ints:
        starts = self.deal_starts[chosen]
        lengths = self.deal_starts[chosen + 1] - starts
        before = np.cumsum(lengths) - lengths  # where each deal's run begins in the gather
        at = np.repeat(starts - before, lengths) + np.arange(int(lengths.sum()))
        return np.bincount(self.keys_by_deal[at], minlength=len(self.keys))

    def keys_with(self, chosen: Mask) -> Mask:
        """Keys with at least one of the chosen pairs (a mask over pairs)."""
        found: Mask = np.bincount(self.key[chosen], minlength=len(self.keys)) > 0
        return found


class DealTable:
    """A list of closed deals (ordered by id) with its columns."""

    def __init__(self, deals: Iterable[ClosedDeal]) -> None:
        self.deals = sorted(deals, key=lambda d: d.id)
        self.ids = [d.id for d in self.deals]
        n = len(self.deals)
        self.size = n
        self.amount = np.array(
            [np.nan if d.amount is None else d.amount for d in self.deals], dtype=np.float64
        )
        self.won = np.array([d.won for d in self.deals], dtype=np.bool_)
        self.closed_at = np.array([d.closed_at or "" for d in self.deals], dtype=str)
        self.industries, self.industry = _codes([segment_key(d.industry) for d in self.deals])
        self.regions, self.region = _codes([segment_key(d.region) for d in self.deals])
        self.committee_size = np.array([len(d.people) for d in self.deals], dtype=np.int64)
        self.seat_roles = sorted({s.role for d in self.deals for s in d.seats})
        role_code = {r: i for i, r in enumerate(self.seat_roles)}
        self.roles = _pairs(
            self.deals,
            lambda d: {s.role: (False, role_code[s.role]) for s in d.seats},
        )
        self.people = _pairs(
            self.deals,
            lambda d: {s.person_id: (s.external, role_code[s.role]) for s in d.seats},
        )

    def all(self) -> Mask:
        return np.ones(self.size, dtype=np.bool_)

    def mask(self, segment: SegmentFilter) -> Mask:
        """The deals of a segment, matched as the stores match it (NULLs never match)."""
        mask = self.all()
        for key, names, codes in (
            (segment.industry_key, self.industries, self.industry),
            (segment.region_key, self.regions, self.region),
        ):
            if key is not None:
                mask &= codes == code_of(names, key)
        if segment.min_amount is not None:
            mask &= self.amount >= segment.min_amount
        if segment.max_amount is not None:
            mask &= self.amount <= segment.max_amount
        dated = self.closed_at != ""
        if segment.closed_before is not None:
            mask &= dated & (self.closed_at < segment.closed_before)
        if segment.closed_from is not None:
            mask &= dated & (self.closed_at >= segment.closed_from)
        return mask

    def without(self, deal_ids: Iterable[str]) -> Mask:
        """Every deal but these."""
        mask = self.all()
        for deal_id in deal_ids:
            at = bisect_left(self.ids, deal_id)
            if at < self.size and self.ids[at] == deal_id:
                mask[at] = False
        return mask

    def selected(self, mask: Mask) -> list[ClosedDeal]:
        return [self.deals[i] for i in np.flatnonzero(mask)]


def code_of(names: list[str], key: str | None) -> int:
    """The code of `key` among `names`; -2, which no row carries, when it is not there."""
    return names.index(key) if key in names else -2


def _codes(values: Sequence[str | None]) -> tuple[list[str], Ints]:
    """Distinct non-null values (sorted) and each row's index into them, -1 for null."""
    names = sorted({v for v in values if v is not None})
    code = {v: i for i, v in enumerate(names)}
    return names, np.array([code.get(v, -1) if v else -1 for v in values], dtype=np.int64)


def _pairs(
    deals: Sequence[ClosedDeal], keys_of: Callable[[ClosedDeal], dict[str, tuple[bool, int]]]
) -> Pairs:
    rows = [
        (key, i, ext, role) for i, d in enumerate(deals) for key, (ext, role) in keys_of(d).items()
    ]
    keys = sorted({r[0] for r in rows})
    code = {k: i for i, k in enumerate(keys)}
    key = np.array([code[r[0]] for r in rows], dtype=np.int64)
    deal = np.array([r[1] for r in rows], dtype=np.int64)
    order = np.lexsort((deal, key))
    key, deal = key[order], deal[order]
    external = np.array([r[2] for r in rows], dtype=np.bool_)[order]
    seat_role = np.array([r[3] for r in rows], dtype=np.int64)[order]
    starts = np.searchsorted(key, np.arange(len(keys) + 1))
    by_deal = np.argsort(deal, kind="stable")
    deal_starts = np.searchsorted(deal[by_deal], np.arange(len(deals) + 1))
    return Pairs(
        keys,
        deal,
        key,
        starts.astype(np.int64),
        external,
        seat_role,
        key[by_deal],
        deal_starts.astype(np.int64),
    )
