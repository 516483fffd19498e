"""Who predicts the outcome: role and person effects on the win rate.

The statistics are explained in docs/decisions.md, "Statistics".

Pure functions over counters (graph.counts, graph.table): whether the counters
come from the store or from a tally of closed deals, the same code ranks them,
so both stores and a from-scratch recount give the same rankings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import pairwise
from typing import Literal

import numpy as np

from graph.counts import EVIDENCE_IDS, tally
from graph.models import ClosedDeal, segment_key
from graph.stats import (
    Flags,
    Floats,
    Ints,
    LogOdds,
    child_prior_many,
    mantel_haenszel_many,
    posterior_many,
    rate,
)
from graph.table import CountTable, KeyBands, Mask

Direction = Literal["positive", "negative"]
KEYS_AT_ONCE = 4096  # keys per Mantel–Haenszel pass (graph.influence._estimate)


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


KeyEvidence = Callable[[Sequence[int]], dict[int, tuple[str, ...]]]


def _no_evidence(codes: Sequence[int]) -> dict[int, tuple[str, ...]]:
    return {}


@dataclass(frozen=True)
class Estimate:
    """Per key: won and lost deals with it present, and its log odds ratio before
    (`raw_`, NaN without a comparison) and after shrinkage."""

    won_present: Ints
    lost_present: Ints
    raw_mean: Floats
    raw_se: Floats
    mean: Floats
    se: Floats

    @property
    def present(self) -> Ints:
        return self.won_present + self.lost_present


@dataclass(frozen=True)
class Effects(Estimate):
    """The effects of every key (role or person) of one kind in a level, as arrays over
    the kind's key codes.

    Rankings sort the arrays and build `Effect` objects only for what they answer
    (a tenant has tens of thousands of people); `evidence` looks up the deal ids
    behind the keys answered, in one call."""

    keys: Sequence[str] = ()
    deals: int = 0
    won: int = 0
    evidence: KeyEvidence = _no_evidence
    name_ranks: Ints | None = None  # the keys' places in name order, when known
    find: Callable[[str], int | None] | None = None  # a key's code, when known

    def indexes(self) -> Ints:
        """The keys present in the level, in code order."""
        return np.flatnonzero(self.present > 0)

    @cached_property
    def _name_rank(self) -> Ints:
        """Each key's place in name order (the last tie-break of a ranking)."""
        n = len(self.won_present)
        if self.name_ranks is not None and len(self.name_ranks) >= n:
            return self.name_ranks[:n]
        rank = np.empty(n, dtype=np.int64)
        rank[np.argsort(np.array(self.keys[:n], dtype=np.str_), kind="stable")] = np.arange(n)
        return rank

    def index(self, key: str) -> int | None:
        if self.find is not None:
            k = self.find(key)
            return k if k is not None and k < len(self.won_present) else None
        try:
            return list(self.keys).index(key)
        except ValueError:
            return None

    def effects(self, codes: Sequence[int]) -> list[Effect]:
        evidence = self.evidence(codes) if len(codes) else {}
        return [self._effect(k, evidence.get(k, ())) for k in codes]

    def _effect(self, k: int, evidence: tuple[str, ...]) -> Effect:
        wp, lp = int(self.won_present[k]), int(self.lost_present[k])
        raw = (
            LogOdds(float(self.raw_mean[k]), float(self.raw_se[k]))
            if np.isfinite(self.raw_mean[k])
            else None
        )
        return Effect(
            key=self.keys[k],
            deals=self.deals,
            deals_present=wp + lp,
            won_present=wp,
            lost_present=lp,
            won_absent=self.won - wp,
            lost_absent=self.deals - self.won - lp,
            raw=raw,
            estimate=LogOdds(float(self.mean[k]), float(self.se[k])),
            evidence_ids=evidence,
        )

    def get(self, key: str) -> Effect | None:
        k = self.index(key)
        return self.effects([k])[0] if k is not None and self.present[k] > 0 else None

    def __getitem__(self, key: str) -> Effect:
        found = self.get(key)
        if found is None:
            raise KeyError(key)
        return found

    def means(self) -> dict[str, float]:
        """The shrunk log odds ratio of every key present (no evidence looked up)."""
        return {self.keys[k]: float(self.mean[k]) for k in self.indexes()}

    def values(self) -> list[Effect]:
        return self.effects([int(k) for k in self.indexes()])

    def as_dict(self) -> dict[str, Effect]:
        return {e.key: e for e in self.values()}

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
        if 0 < limit < len(candidates):
            # Only those scoring at least the limit-th best can be answered (ties there
            # included): the full sort of tens of thousands of people was a fifth of a
            # people ranking.
            cut = np.partition(-score, limit - 1)[limit - 1]
            if not np.isnan(cut):
                near = -score <= cut
                candidates, score = candidates[near], score[near]
        order = np.lexsort((self._name_rank[candidates], -self.present[candidates], -score))
        return self.effects([int(k) for k in candidates[order][:limit]])


@dataclass(frozen=True)
class _Priors:
    mean: Floats
    sd: Floats
    informed: Flags


def _estimate(level: KeyBands, priors: _Priors) -> Estimate:
    """Mantel–Haenszel over the size bands, shrunk toward each key's prior.

    Only the keys present in the level get a table: a cell holds a few thousand of
    a tenant's tens of thousands of people. The others keep their prior."""
    wp_all, lp_all = level.won_present, level.lost_present
    won, lost = wp_all.sum(axis=1), lp_all.sum(axis=1)
    present_keys = np.flatnonzero(won + lost > 0)
    raw_mean, raw_se = np.full(len(won), np.nan), np.full(len(won), np.nan)
    # A chunk of keys at a time: the test's float tables for all of a tenant's people
    # at once were tens of megabytes in every worker, for an answer of a few kilobytes.
    for start in range(0, len(present_keys), KEYS_AT_ONCE):
        keys = present_keys[start : start + KEYS_AT_ONCE]
        wp, lp = wp_all[keys], lp_all[keys]
        raw_mean[keys], raw_se[keys], _ = mantel_haenszel_many(
            wp, lp, level.band_won[None, :] - wp, level.band_lost[None, :] - lp
        )
    mean, se = posterior_many(raw_mean, raw_se, priors.mean, priors.sd)
    return Estimate(won, lost, raw_mean, raw_se, mean, se)


def pooled_effects(
    keys: Sequence[str],
    levels: Sequence[KeyBands],
    prior_sd: float,
    settings: InfluenceSettings,
    evidence: KeyEvidence = _no_evidence,
    name_ranks: Ints | None = None,
    find: Callable[[str], int | None] | None = None,
) -> Effects:
    """Effects in `levels[0]`, each level nested in the next (cell ⊂ industry ⊂ all deals).

    Working from the widest level down, the deals of a level that are not in the
    level below estimate the prior of the level below: the cell borrows strength
    from its industry and from all deals without counting its own deals twice.
    """
    k = len(keys)
    priors = _Priors(np.zeros(k), np.full(k, prior_sd), np.zeros(k, dtype=np.bool_))
    chain = list(reversed(levels))
    for wider, narrower in pairwise(chain):
        rest = _estimate(wider - narrower, priors)
        present = rest.present > 0
        informed = priors.informed | np.isfinite(rest.raw_mean)
        mean, sd = child_prior_many(rest.mean, rest.se, informed, settings.segment_spread)
        priors = _Priors(
            np.where(present, mean, priors.mean),
            np.where(present, sd, priors.sd),
            np.where(present, informed, priors.informed),
        )
    level = chain[-1]
    final = _estimate(level, priors)
    return Effects(
        **vars(final),
        keys=keys,
        deals=level.deals,
        won=level.won,
        evidence=evidence,
        name_ranks=name_ranks,
        find=find,
    )


Segment = tuple[str | None, str | None]  # industry and region keys; None: any


def role_evidence(table: CountTable, segment: Segment) -> KeyEvidence:
    """Evidence of roles in a segment: the smallest deal ids over the segment's counters."""

    def lookup(codes: Sequence[int]) -> dict[int, tuple[str, ...]]:
        by_code = table.stat_keys("role", table.mask("role", *segment), codes)
        found = table.evidence([key for keys in by_code.values() for key in keys])
        return {
            code: tuple(sorted({i for key in keys for i in found[key]})[:EVIDENCE_IDS])
            for code, keys in by_code.items()
        }

    return lookup


def role_effects_in(
    table: CountTable, levels: Sequence[Segment], settings: InfluenceSettings
) -> Effects:
    """Role effects of `levels[0]`, pooled through the wider segments that follow."""
    slots = table.band_slots()
    counted = [table.key_bands("role", *level, slots) for level in levels]
    codes = table.kind("role").keys
    return pooled_effects(
        codes.names,
        counted,
        settings.role_prior_sd,
        settings,
        role_evidence(table, levels[0]),
        codes.ranks(),
        codes.find,
    )


def person_effects_in(
    table: CountTable, segment: Segment, settings: InfluenceSettings, only: Mask | None = None
) -> Effects:
    """People are ranked on the segment's own deals, with the harder prior. A person's
    evidence is looked up where they sat (graph.ports.Seated), not counted.

    Each person's estimate rests on their own counts and the segment's (no pooling), so
    `only` (a flag per person code) computes just those people, exactly as among all:
    a few outsiders or one person cost what they are, not what the tenant is."""
    slots = table.band_slots()
    codes = table.kind("person").keys
    return pooled_effects(
        codes.names,
        [table.key_bands("person", *segment, slots, only)],
        settings.person_prior_sd,
        settings,
        name_ranks=codes.ranks(),
        find=codes.find,
    )


def chosen_person_effects(
    table: CountTable, segment: Segment, settings: InfluenceSettings, only: Mask
) -> Effects:
    """`person_effects_in` of the chosen people alone, indexed by their place among them
    (`Effects.index`): an industry's outsiders are a few dozen of tens of thousands,
    and answers kept per industry would otherwise hold an array of every person each
    (3 MB at 100,000 deals)."""
    slots = table.band_slots()
    codes = table.kind("person").keys
    chosen = np.flatnonzero(only)
    counted = table.key_bands("person", *segment, slots, only)
    level = KeyBands(
        counted.won_present[chosen],
        counted.lost_present[chosen],
        counted.band_won,
        counted.band_lost,
    )
    place = {int(code): at for at, code in enumerate(chosen)}

    def find(name: str) -> int | None:
        code = codes.find(name)
        return None if code is None else place.get(code)

    return pooled_effects(
        [codes.names[code] for code in chosen],
        [level],
        settings.person_prior_sd,
        settings,
        name_ranks=codes.ranks()[chosen],
        find=find,
    )


# -- from closed deals (tests, backtests, amount-filtered segments) --------------------


class Scratch:
    """Counters tallied from a list of closed deals."""

    def __init__(self, deals: Iterable[ClosedDeal]) -> None:
        self.rows = tally(deals).rows()
        self.table = CountTable.of(self.rows)


def role_effects(levels: Sequence[Sequence[ClosedDeal]], settings: InfluenceSettings) -> Effects:
    """Role effects of the deals in `levels[0]`, pooled through the wider lists of deals
    that follow (each holding the one before)."""
    scratch = Scratch(levels[-1])
    nested = [{d.id for d in level} for level in levels]
    # Lists of deals are not segments: each level is tallied on its own over one band axis.
    slots = scratch.table.band_slots()
    counted = []
    for members in nested:
        level = Scratch(d for d in levels[-1] if d.id in members).table
        counted.append(_on_axes(level, scratch.table, slots))
    return pooled_effects(
        scratch.table.kind("role").keys.names,
        counted,
        settings.role_prior_sd,
        settings,
        role_evidence(scratch.table, (None, None)),
        find=scratch.table.kind("role").keys.find,
    )


def _on_axes(level: CountTable, axes: CountTable, slots: tuple[Ints, int]) -> KeyBands:
    """A level's role counts laid on another table's key codes and band slots."""
    own = level.key_bands("role", None, None, slots)
    names = level.kind("role").keys.names
    codes = axes.kind("role").keys
    wp = np.zeros((len(codes), slots[1]), dtype=np.int32)
    lp = np.zeros_like(wp)
    for k, name in enumerate(names):
        at = codes.find(name)
        if at is not None:
            wp[at], lp[at] = own.won_present[k], own.lost_present[k]
    return KeyBands(wp, lp, own.band_won, own.band_lost)


def person_effects(deals: Sequence[ClosedDeal], settings: InfluenceSettings) -> Effects:
    return person_effects_in(Scratch(deals).table, (None, None), settings)


def segment_of(deal: ClosedDeal) -> Segment:
    return segment_key(deal.industry), segment_key(deal.region)
