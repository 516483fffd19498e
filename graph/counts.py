"""The counts every ranking, committee and likely committee is computed from.

A closed deal *contributes* one to a handful of counters, each kept per segment
cell (industry × region, as their segment keys) and size band:

- `deal`: the closed deals, and how many were won;
- `size`: the deals whose committee had `key` people;
- `role`: the deals in which the committee role `key` sat;
- `person`: the deals in which person `key` sat, in committee role `role`.

Each counter holds `present` (deals) and `won` (won deals among them), and, for
roles, the smallest few deal ids behind it (the evidence answers show; a
person's few deals are looked up when a ranking names them). Counters add up: a
segment is the sum of its cells, a pooling level the sum of its segments. The
store keeps them, updated in every write's own transaction from the difference
between the touched deals' contributions before and after the write
(graph.recount); a from-scratch `tally` of the history gives the same numbers,
which is what the property tests check (docs/architecture.md).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from sys import intern
from typing import Literal, NamedTuple, cast

from graph.models import ClosedDeal, segment_key
from graph.stats import size_band

Kind = Literal["deal", "size", "role", "person"]
KINDS: tuple[Kind, ...] = ("deal", "size", "role", "person")
EVIDENCE_IDS = 5  # deal ids kept per role counter, and shown per person
# One encoder for every counter id: `json.dumps` with options builds a new one per call,
# and a write encodes a counter id per seat.
_SID_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


class StatKey(NamedTuple):
    """One counter: what it counts (`kind`, `key`, `role`) in which cell and band (a
    tuple: counters are hashed and sorted by the hundred thousand)."""

    kind: Kind
    industry: str  # segment key; "" when the account has none
    region: str
    band: int
    key: str = ""
    role: str = ""

    @property
    def sid(self) -> str:
        """The counter's id in a store: the fields as a JSON list (no separator to escape)."""
        return _SID_JSON.encode(list(self))

    @staticmethod
    def of_sid(sid: str) -> StatKey:
        """The key of a stored counter. Its strings are interned: a worker holds hundreds
        of thousands of counters that share a few industries, regions and roles."""
        kind, industry, region, band, key, role = json.loads(sid)
        return StatKey(
            cast(Kind, intern(kind)),
            intern(industry),
            intern(region),
            int(band),
            intern(key),
            intern(role),
        )

    @property
    def keeps_evidence(self) -> bool:
        return self.kind == "role"


@dataclass(frozen=True, slots=True)
class StatRow:
    """A counter's value as a store keeps it."""

    key: StatKey
    present: int
    won: int
    deal_ids: tuple[str, ...] = ()


def cell_of(deal: ClosedDeal) -> tuple[str, str, int]:
    return (
        segment_key(deal.industry) or "",
        segment_key(deal.region) or "",
        size_band(deal.amount),
    )


def contribution(deal: ClosedDeal) -> Iterator[StatKey]:
    """The counters one closed deal adds one to (and, when won, one `won`)."""
    industry, region, band = cell_of(deal)
    yield StatKey("deal", industry, region, band)
    yield StatKey("size", industry, region, band, str(len(deal.people)))
    for role in sorted(deal.roles):
        yield StatKey("role", industry, region, band, role)
    for seat in deal.seats:
        yield StatKey("person", industry, region, band, seat.person_id, seat.role)


@dataclass
class Tally:
    """Counters summed over deals, with their evidence ids (all of them, sorted on use)."""

    present: dict[StatKey, int] = field(default_factory=dict)
    won: dict[StatKey, int] = field(default_factory=dict)
    ids: dict[StatKey, set[str]] = field(default_factory=dict)

    def add(self, deal: ClosedDeal, sign: int = 1) -> None:
        for key in contribution(deal):
            self.present[key] = self.present.get(key, 0) + sign
            if deal.won:
                self.won[key] = self.won.get(key, 0) + sign
            if key.keeps_evidence:
                ids = self.ids.setdefault(key, set())
                if sign > 0:
                    ids.add(deal.id)
                else:
                    ids.discard(deal.id)

    def rows(self) -> list[StatRow]:
        """Every counter with deals behind it, in key order."""
        return [
            StatRow(
                key,
                count,
                self.won.get(key, 0),
                tuple(sorted(self.ids.get(key, ()))[:EVIDENCE_IDS]),
            )
            for key, count in sorted(self.present.items())
            if count
        ]


def tally(deals: Iterable[ClosedDeal]) -> Tally:
    """The counters of these deals, from scratch."""
    counted = Tally()
    for deal in deals:
        counted.add(deal)
    return counted


@dataclass(frozen=True, slots=True)
class Change:
    """How one write moves a counter: deltas, and the deal ids it gains and loses."""

    key: StatKey
    present: int
    won: int
    added: frozenset[str]
    removed: frozenset[str]


def changes(before: Iterable[ClosedDeal], after: Iterable[ClosedDeal]) -> list[Change]:
    """What replacing the `before` contributions by the `after` ones changes, counter by
    counter (in key order); counters that come out even are left out (a person's only
    when their deals, and those deals' accounts, stayed the same)."""
    # [present, won] per counter: one lookup per counter and deal.
    moved: dict[StatKey, list[int]] = {}
    added: dict[StatKey, set[str]] = {}
    removed: dict[StatKey, set[str]] = {}
    for sign, deals, ids in ((-1, before, removed), (1, after, added)):
        for deal in deals:
            won = sign if deal.won else 0
            seen_with = f"{deal.id}\x1f{deal.account_id}"
            for key in contribution(deal):
                counts = moved.get(key)
                if counts is None:
                    moved[key] = [sign, won]
                else:
                    counts[0] += sign
                    counts[1] += won
                if key.keeps_evidence:
                    ids.setdefault(key, set()).add(deal.id)
                elif key.kind == "person":
                    # Not stored: a person's counter that comes out even while their deals
                    # or those deals' accounts changed is still written (stamped), so that
                    # readers keeping where the person sat know to look again.
                    ids.setdefault(key, set()).add(seen_with)
    out = []
    nothing: frozenset[str] = frozenset()
    for key in sorted(moved):
        present, won = moved[key]
        # Deal and size counters have no ids: no sets are built for them.
        gain, loss = added.get(key), removed.get(key)
        gained = frozenset(gain - loss if loss else gain) if gain else nothing
        lost = frozenset(loss - gain if gain else loss) if loss else nothing
        if present or won or gained or lost:
            out.append(Change(key, present, won, gained, lost))
    return out


def updated(row: StatRow | None, change: Change) -> tuple[StatRow, bool]:
    """The counter after a change, and whether its evidence ids must be looked up again.

    The stored ids are the smallest few of the counter's deals, so merging in the
    deals it gains keeps them right; when it loses a listed deal while deals it does
    not list remain, the next smallest are unknown here and must be looked up."""
    before = row.deal_ids if row else ()
    present = (row.present if row else 0) + change.present
    won = (row.won if row else 0) + change.won
    if present < 0 or won < 0 or won > present:
        raise AssertionError(f"counter {change.key} out of range: {present} deals, {won} won")
    kept = [i for i in before if i not in change.removed]
    unlisted = present - len(change.added) - len(kept)
    refill = len(kept) < len(before) and unlisted > 0
    ids = tuple(sorted(set(kept) | change.added)[:EVIDENCE_IDS])
    return StatRow(change.key, present, won, ids), refill
