"""Who is likely to be in the room: role probabilities from similar closed deals (DESIGN §1.3).

Similar deals share the segment and the size band; when there are too few,
the match backs off to wider groups (industry and band, then industry, then
band, then all deals). Each role's probability is its presence in the
matched deals, pooled toward its presence in all deals, so that a thin
match does not claim certainty.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from graph.models import ClosedDeal, segment_key
from graph.stats import Ints, size_band, size_band_edges, size_bands
from graph.table import DealTable, Mask, code_of

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


Matcher = Callable[[], Mask]


class SimilarDeals:
    """Closed deals indexed once, so that many predictions share the size bands and counts."""

    def __init__(
        self,
        table: DealTable,
        history: Mask,
        settings: LikelySettings,
        bands: tuple[list[float], Ints] | None = None,
        overall: Ints | None = None,
    ) -> None:
        self._table = table
        self._history = history
        self._settings = settings
        self._deals = int(history.sum())
        if bands is None:
            edges = size_band_edges(table.amount[history & ~np.isnan(table.amount)], SIMILAR_BANDS)
            bands = (edges, size_bands(table.amount, edges))
        self._edges, self._band = bands
        self._overall = table.roles.present(history) if overall is None else overall

    def excluding(self, deal_id: str) -> SimilarDeals:
        """The same index without one deal's committee and outcome. Its amount still
        shapes the size bands: a deal's amount is known before it closes."""
        history = self._history & self._table.without([deal_id])
        # The overall presence less the one deal's roles: counting the one deal is
        # cheaper than counting the whole history again (most of a request's time).
        overall = self._overall - self._table.roles.present(self._history & ~history)
        return SimilarDeals(
            self._table, history, self._settings, (self._edges, self._band), overall
        )

    @classmethod
    def of(cls, history: Sequence[ClosedDeal], settings: LikelySettings) -> SimilarDeals:
        table = DealTable(history)
        return cls(table, table.all(), settings)

    def _matchers(self, context: DealContext) -> list[tuple[str, Matcher]]:
        """The groups of similar deals, narrowest first."""
        t, history = self._table, self._history
        industry, region = segment_key(context.industry), segment_key(context.region)
        band = size_band(context.amount, self._edges) if context.amount is not None else None

        def same_industry() -> Mask:
            same: Mask = history & (t.industry == code_of(t.industries, industry))
            return same

        def same_region() -> Mask:
            same: Mask = t.region == code_of(t.regions, region)
            return same

        def same_band() -> Mask:
            same: Mask = self._band == band
            return same

        levels: list[tuple[str, Matcher]] = []
        if industry and region and band is not None:
            levels.append(
                ("industry+region+size", lambda: same_industry() & same_region() & same_band())
            )
        if industry and band is not None:
            levels.append(("industry+size", lambda: same_industry() & same_band()))
        if industry and region:
            levels.append(("industry+region", lambda: same_industry() & same_region()))
        if industry:
            levels.append(("industry", same_industry))
        if band is not None:
            levels.append(("size", lambda: history & same_band()))
        levels.append(("all", lambda: history))
        return levels

    def predict(self, context: DealContext) -> LikelyRoles:
        """Role probabilities for a deal like `context`."""
        if not self._deals:
            return LikelyRoles("none", 0, 0, None, ())
        t = self._table
        basis, similar = "all", self._history
        for name, matches in self._matchers(context):
            candidates = matches()
            if int(candidates.sum()) >= self._settings.min_similar:
                basis, similar = name, candidates
                break
        n = int(similar.sum())
        present = t.roles.present(similar)
        won_present = t.roles.present(similar & t.won)
        m = self._settings.prior_strength
        chances = [
            RoleChance(
                role=t.roles.keys[k],
                probability=(int(present[k]) + m * int(count) / self._deals) / (n + m),
                deals_present=int(present[k]),
                won_present=int(won_present[k]),
            )
            for k, count in enumerate(self._overall)
            if count > 0
        ]
        chances.sort(key=lambda c: (-c.probability, c.role))
        return LikelyRoles(
            basis=basis,
            deals=n,
            won_deals=int((similar & t.won).sum()),
            expected_size=int(t.committee_size[similar].sum()) / n,
            roles=tuple(chances),
        )
