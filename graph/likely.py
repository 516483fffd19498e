"""Who is likely to be in the room: role probabilities from similar closed deals (DESIGN §1.3).

Similar deals share the segment and the size band; when there are too few,
the match backs off to wider groups (industry and band, then industry, then
band, then all deals). Each role's probability is its presence in the
matched deals, pooled toward its presence in all deals, so that a thin
match does not claim certainty.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from graph.models import ClosedDeal, segment_key
from graph.stats import size_band, size_band_edges

SIMILAR_BANDS = 3  # small, mid, large


@dataclass(frozen=True)
class DealContext:
    """What is known of the deal or account being prepared for."""

    industry: str | None
    region: str | None
    amount: float | None


@dataclass(frozen=True)
class LikelySettings:
    min_similar: int = 20  # fewest similar deals before backing off to a wider group
    prior_strength: float = 5.0  # pseudo-deals of the all-deals presence mixed into a role


@dataclass(frozen=True)
class RoleChance:
    role: str
    probability: float
    deals_present: int
    won_present: int


@dataclass(frozen=True)
class LikelyRoles:
    basis: str  # which group of similar deals the answer rests on
    deals: int
    won_deals: int
    expected_size: float | None
    roles: tuple[RoleChance, ...]

    def top(self, k: int) -> list[str]:
        return [r.role for r in self.roles[:k]]


DealKey = tuple[str | None, str | None, int]  # industry key, region key, size band
Matcher = Callable[[DealKey], bool]


def _matchers(context: DealContext, edges: Sequence[float]) -> list[tuple[str, Matcher]]:
    """The groups of similar deals, narrowest first."""
    industry, region = segment_key(context.industry), segment_key(context.region)
    band = size_band(context.amount, edges) if context.amount is not None else None
    levels: list[tuple[str, Matcher]] = []
    if industry and region and band is not None:
        levels.append(("industry+region+size", lambda k: k == (industry, region, band)))
    if industry and band is not None:
        levels.append(("industry+size", lambda k: k[0] == industry and k[2] == band))
    if industry and region:
        levels.append(("industry+region", lambda k: k[0] == industry and k[1] == region))
    if industry:
        levels.append(("industry", lambda k: k[0] == industry))
    if band is not None:
        levels.append(("size", lambda k: k[2] == band))
    levels.append(("all", lambda k: True))
    return levels


class SimilarDeals:
    """Closed deals indexed once, so that many predictions share the size bands and counts."""

    def __init__(self, history: Sequence[ClosedDeal], settings: LikelySettings) -> None:
        self._history = list(history)
        self._settings = settings
        self._edges = size_band_edges(
            [d.amount for d in history if d.amount is not None], SIMILAR_BANDS
        )
        self._overall = Counter(role for d in history for role in d.roles)
        self._keys: list[DealKey] = [
            (segment_key(d.industry), segment_key(d.region), size_band(d.amount, self._edges))
            for d in history
        ]

    def predict(self, context: DealContext) -> LikelyRoles:
        """Role probabilities for a deal like `context`."""
        history = self._history
        if not history:
            return LikelyRoles("none", 0, 0, None, ())
        basis, similar = "all", history
        for name, matches in _matchers(context, self._edges):
            candidates = [d for d, key in zip(history, self._keys, strict=True) if matches(key)]
            if len(candidates) >= self._settings.min_similar:
                basis, similar = name, candidates
                break
        n = len(similar)
        present = Counter(role for d in similar for role in d.roles)
        won_present = Counter(role for d in similar if d.won for role in d.roles)
        m = self._settings.prior_strength
        chances = [
            RoleChance(
                role=role,
                probability=(present[role] + m * count / len(history)) / (n + m),
                deals_present=present[role],
                won_present=won_present[role],
            )
            for role, count in self._overall.items()
        ]
        chances.sort(key=lambda c: (-c.probability, c.role))
        sizes = [len(d.people) for d in similar]
        return LikelyRoles(
            basis=basis,
            deals=n,
            won_deals=sum(1 for d in similar if d.won),
            expected_size=sum(sizes) / n,
            roles=tuple(chances),
        )


def likely_roles(
    history: Sequence[ClosedDeal], context: DealContext, settings: LikelySettings
) -> LikelyRoles:
    """Role probabilities for a deal like `context`, learnt from closed deals in `history`."""
    return SimilarDeals(history, settings).predict(context)
