"""Who predicts the outcome: role and person effects on the win rate (DESIGN §5).

Pure functions over closed deals; the stores only supply the deals, so both
stores give the same rankings.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Literal

from graph.models import ClosedDeal
from graph.stats import (
    LogOdds,
    Prior,
    Stratum,
    child_prior,
    mantel_haenszel,
    posterior,
    rate,
    size_band,
    size_band_edges,
)

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


KeysOf = Callable[[ClosedDeal], Iterable[str]]


def _roles(deal: ClosedDeal) -> Iterable[str]:
    return deal.roles


def _people(deal: ClosedDeal) -> Iterable[str]:
    return deal.people


@dataclass
class _Tables:
    strata: dict[str, list[Stratum]]
    present_ids: dict[str, list[str]]
    totals: tuple[int, int, int]


def _tables(deals: Sequence[ClosedDeal], keys_of: KeysOf, bands: int) -> _Tables:
    edges = size_band_edges([d.amount for d in deals if d.amount is not None], bands)
    band_won: dict[int, int] = defaultdict(int)
    band_lost: dict[int, int] = defaultdict(int)
    present: dict[str, dict[int, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    present_ids: dict[str, list[str]] = defaultdict(list)
    for deal in deals:
        band = size_band(deal.amount, edges)
        if deal.won:
            band_won[band] += 1
        else:
            band_lost[band] += 1
        for key in set(keys_of(deal)):
            present[key][band][0 if deal.won else 1] += 1
            present_ids[key].append(deal.id)
    strata: dict[str, list[Stratum]] = {}
    for key, by_band in present.items():
        strata[key] = [
            Stratum(
                won_present=by_band[b][0] if b in by_band else 0,
                lost_present=by_band[b][1] if b in by_band else 0,
                won_absent=band_won[b] - (by_band[b][0] if b in by_band else 0),
                lost_absent=band_lost[b] - (by_band[b][1] if b in by_band else 0),
            )
            for b in sorted(set(band_won) | set(band_lost))
        ]
    won = sum(band_won.values())
    return _Tables(strata, present_ids, (len(deals), won, len(deals) - won))


def _effects(
    deals: Sequence[ClosedDeal],
    keys_of: KeysOf,
    priors: dict[str, Prior],
    default: Prior,
    settings: InfluenceSettings,
) -> dict[str, Effect]:
    tables = _tables(deals, keys_of, settings.bands_for(len(deals)))
    total, won, lost = tables.totals
    effects: dict[str, Effect] = {}
    for key, strata in tables.strata.items():
        wp = sum(s.won_present for s in strata)
        lp = sum(s.lost_present for s in strata)
        raw = mantel_haenszel(strata)
        ids = sorted(tables.present_ids[key])
        effects[key] = Effect(
            key=key,
            deals=total,
            deals_present=wp + lp,
            won_present=wp,
            lost_present=lp,
            won_absent=won - wp,
            lost_absent=lost - lp,
            raw=raw,
            estimate=posterior(raw, priors.get(key, default)),
            evidence_ids=tuple(ids[:EVIDENCE_IDS]),
        )
    return effects


def pooled_effects(
    levels: Sequence[Sequence[ClosedDeal]],
    keys_of: KeysOf,
    prior_sd: float,
    settings: InfluenceSettings,
) -> dict[str, Effect]:
    """Effects in `levels[0]`, each level nested in the next (cell ⊂ industry ⊂ all deals).

    Working from the widest level down, the deals of a level that are not in
    the level below estimate the prior of the level below: the cell borrows
    strength from its industry and from all deals without counting its own
    deals twice.
    """
    default = Prior(0.0, prior_sd)
    priors: dict[str, Prior] = {}
    chain = list(reversed(levels))
    for wider, narrower in pairwise(chain):
        inner = {d.id for d in narrower}
        rest = [d for d in wider if d.id not in inner]
        for key, effect in _effects(rest, keys_of, priors, default, settings).items():
            before = priors.get(key, default)
            informed = before.informed or effect.raw is not None
            priors[key] = child_prior(effect.estimate, informed, settings.segment_spread)
    return _effects(chain[-1], keys_of, priors, default, settings)


def rank(
    effects: Iterable[Effect], direction: Direction, min_deals: int, limit: int
) -> list[Effect]:
    """Rank by the shrunk effect; presence only breaks ties, it never lifts an item."""
    eligible = [e for e in effects if e.deals_present >= min_deals]
    eligible.sort(key=lambda e: (-e.score(direction), -e.deals_present, e.key))
    return eligible[:limit]


def role_effects(
    levels: Sequence[Sequence[ClosedDeal]], settings: InfluenceSettings
) -> dict[str, Effect]:
    return pooled_effects(levels, _roles, settings.role_prior_sd, settings)


def person_effects(deals: Sequence[ClosedDeal], settings: InfluenceSettings) -> dict[str, Effect]:
    return pooled_effects([deals], _people, settings.person_prior_sd, settings)
