"""Who predicts the outcome: role and person effects on the win rate (DESIGN §5).

Pure functions over closed deals; the stores only supply the deals, so both
stores give the same rankings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Literal

import numpy as np

from graph.models import ClosedDeal
from graph.stats import (
    Flags,
    Floats,
    Ints,
    LogOdds,
    child_prior_many,
    mantel_haenszel_many,
    posterior_many,
    rate,
    size_band_edges,
    size_bands,
)
from graph.table import DealTable, Mask, Pairs

Direction = Literal["positive", "negative"]
EVIDENCE_IDS = 5


@dataclass(frozen=True)
class InfluenceSettings:
    """Prior scales on the log odds ratio.

    `role_prior_sd` 0.7: a role rarely multiplies the odds of winning by more
    than 4 (e^(1.96·0.7)); `person_prior_sd` 0.5 shrinks people harder, as one
    person sits in few deals; `segment_spread` is how far a sub-segment's
    effect may stray from its parent's.
    """

    role_prior_sd: float = 0.7
    person_prior_sd: float = 0.5
    segment_spread: float = 0.5
    max_size_bands: int = 8
    deals_per_band: int = 100

    def bands_for(self, deals: int) -> int:
        """Finer size bands as data allows: coarse bands leave size confounding inside them."""
        return max(2, min(self.max_size_bands, deals // self.deals_per_band))


@dataclass(frozen=True)
class Effect:
    """The measured effect of one role's or person's presence, with what it rests on."""

    key: str
    deals: int
    deals_present: int
    won_present: int
    lost_present: int
    won_absent: int
    lost_absent: int
    raw: LogOdds | None
    estimate: LogOdds
    evidence_ids: tuple[str, ...]

    @property
    def presence(self) -> float:
        return self.deals_present / self.deals if self.deals else 0.0

    @property
    def win_rate_present(self) -> float | None:
        return rate(self.won_present, self.deals_present)

    @property
    def win_rate_absent(self) -> float | None:
        return rate(self.won_absent, self.won_absent + self.lost_absent)

    def score(self, direction: Direction) -> float:
        return self.estimate.mean if direction == "positive" else -self.estimate.mean


@dataclass(frozen=True)
class Effects:
    """The effects of every key (role or person) present in a level, as arrays.

    Rankings sort the arrays and build `Effect` objects only for what they
    answer: a segment of 100,000 deals has tens of thousands of people.
    """

    table: DealTable
    pairs: Pairs
    level: Mask
    deals: int
    won: int
    won_present: Ints
    lost_present: Ints
    raw_mean: Floats
    raw_se: Floats
    mean: Floats
    se: Floats

    @property
    def present(self) -> Ints:
        return self.won_present + self.lost_present

    def indexes(self) -> Ints:
        """The keys present in the level, in key order."""
        return np.flatnonzero(self.present > 0)

    def effect(self, k: int) -> Effect:
        wp, lp = int(self.won_present[k]), int(self.lost_present[k])
        raw = (
            LogOdds(float(self.raw_mean[k]), float(self.raw_se[k]))
            if np.isfinite(self.raw_mean[k])
            else None
        )
        evidence = self.pairs.deals_of(k, self.level)[:EVIDENCE_IDS]
        return Effect(
            key=self.pairs.keys[k],
            deals=self.deals,
            deals_present=wp + lp,
            won_present=wp,
            lost_present=lp,
            won_absent=self.won - wp,
            lost_absent=self.deals - self.won - lp,
            raw=raw,
            estimate=LogOdds(float(self.mean[k]), float(self.se[k])),
            evidence_ids=tuple(self.table.ids[i] for i in evidence),
        )

    def get(self, key: str) -> Effect | None:
        k = self.pairs.index(key)
        return self.effect(k) if k is not None and self.present[k] > 0 else None

    def __getitem__(self, key: str) -> Effect:
        found = self.get(key)
        if found is None:
            raise KeyError(key)
        return found

    def as_dict(self) -> dict[str, Effect]:
        return {self.pairs.keys[k]: self.effect(k) for k in self.indexes()}

    def values(self) -> list[Effect]:
        return [self.effect(k) for k in self.indexes()]

    def ranked(
        self,
        direction: Direction,
        min_deals: int,
        limit: int,
        allowed: Mask | None = None,
    ) -> list[Effect]:
        """Rank by the shrunk effect; presence only breaks ties, it never lifts an item
        (then the key). `allowed` narrows the candidates (say, people in one role)."""
        eligible = self.present >= max(min_deals, 1)
        if allowed is not None:
            eligible &= allowed
        candidates = np.flatnonzero(eligible)
        score = self.mean[candidates] if direction == "positive" else -self.mean[candidates]
        order = np.lexsort((candidates, -self.present[candidates], -score))
        return [self.effect(int(k)) for k in candidates[order][:limit]]


@dataclass(frozen=True)
class _Priors:
    mean: Floats
    sd: Floats
    informed: Flags


def _estimate(
    table: DealTable,
    pairs: Pairs,
    level: Mask,
    priors: _Priors,
    settings: InfluenceSettings,
) -> Effects:
    """Mantel–Haenszel over the level's own size bands, shrunk toward each key's prior."""
    deals = int(level.sum())
    known = level & ~np.isnan(table.amount)
    edges = size_band_edges(table.amount[known], settings.bands_for(deals))
    slots = len(edges) + 2  # band -1 (no amount) is slot 0
    slot = size_bands(table.amount, edges) + 1
    won_level = level & table.won
    band_won = np.bincount(slot[won_level], minlength=slots)
    band_lost = np.bincount(slot[level & ~table.won], minlength=slots)
    inside = level[pairs.deal]
    deal, key = pairs.deal[inside], pairs.key[inside]
    # Only the keys present in the level get a table: a cell holds a few thousand of a
    # tenant's tens of thousands of people. The others keep their prior.
    k = len(pairs.keys)
    present_keys = np.flatnonzero(np.bincount(key, minlength=k))
    local = np.full(k, -1, dtype=np.int64)
    local[present_keys] = np.arange(len(present_keys))
    cell = (local[key] * slots + slot[deal]) * 2 + (~table.won[deal])
    counts = np.bincount(cell, minlength=len(present_keys) * slots * 2).reshape(-1, slots, 2)
    wp, lp = counts[:, :, 0], counts[:, :, 1]
    present_mean, present_se, _ = mantel_haenszel_many(wp, lp, band_won - wp, band_lost - lp)
    raw_mean, raw_se = np.full(k, np.nan), np.full(k, np.nan)
    raw_mean[present_keys], raw_se[present_keys] = present_mean, present_se
    won_present, lost_present = np.zeros(k, dtype=np.int64), np.zeros(k, dtype=np.int64)
    won_present[present_keys], lost_present[present_keys] = wp.sum(axis=1), lp.sum(axis=1)
    mean, se = posterior_many(raw_mean, raw_se, priors.mean, priors.sd)
    return Effects(
        table=table,
        pairs=pairs,
        level=level,
        deals=deals,
        won=int(won_level.sum()),
        won_present=won_present,
        lost_present=lost_present,
        raw_mean=raw_mean,
        raw_se=raw_se,
        mean=mean,
        se=se,
    )


def pooled_effects(
    table: DealTable,
    pairs: Pairs,
    levels: Sequence[Mask],
    prior_sd: float,
    settings: InfluenceSettings,
) -> Effects:
    """Effects in `levels[0]`, each level nested in the next (cell ⊂ industry ⊂ all deals).

    Working from the widest level down, the deals of a level that are not in
    the level below estimate the prior of the level below: the cell borrows
    strength from its industry and from all deals without counting its own
    deals twice.
    """
    k = len(pairs.keys)
    priors = _Priors(np.zeros(k), np.full(k, prior_sd), np.zeros(k, dtype=np.bool_))
    chain = list(reversed(levels))
    for wider, narrower in pairwise(chain):
        rest = _estimate(table, pairs, wider & ~narrower, priors, settings)
        present = rest.present > 0
        informed = priors.informed | np.isfinite(rest.raw_mean)
        mean, sd = child_prior_many(rest.mean, rest.se, informed, settings.segment_spread)
        priors = _Priors(
            np.where(present, mean, priors.mean),
            np.where(present, sd, priors.sd),
            np.where(present, informed, priors.informed),
        )
    return _estimate(table, pairs, chain[-1], priors, settings)


def role_effects_in(
    table: DealTable, levels: Sequence[Mask], settings: InfluenceSettings
) -> Effects:
    return pooled_effects(table, table.roles, levels, settings.role_prior_sd, settings)


def person_effects_in(table: DealTable, level: Mask, settings: InfluenceSettings) -> Effects:
    return pooled_effects(table, table.people, [level], settings.person_prior_sd, settings)


def role_effects(levels: Sequence[Sequence[ClosedDeal]], settings: InfluenceSettings) -> Effects:
    """Role effects of `levels[0]`, pooled through the wider levels (lists of deals)."""
    table = DealTable(levels[-1])
    masks = [_members(table, level) for level in levels]
    return role_effects_in(table, masks, settings)


def person_effects(deals: Sequence[ClosedDeal], settings: InfluenceSettings) -> Effects:
    table = DealTable(deals)
    return person_effects_in(table, table.all(), settings)


def _members(table: DealTable, deals: Sequence[ClosedDeal]) -> Mask:
    inside = {d.id for d in deals}
    return np.array([i in inside for i in table.ids], dtype=np.bool_)
