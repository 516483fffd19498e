"""Who is likely to be in the room: role probabilities from similar closed deals.

See docs/decisions.md, "Likely committee".

Similar deals share the segment and the size band; when there are too few,
the match backs off to wider groups (industry and band, industry and region,
industry, band, then all deals). Each role's probability is its presence in the
matched deals, pooled toward its presence in all deals, so that a thin match
does not claim certainty. Everything is summed from counters (graph.table), so
a prediction costs a few array sums whatever the history's size.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from graph.counts import StatKey, contribution
from graph.models import ClosedDeal, segment_key
from graph.stats import Ints, size_band
from graph.table import CountTable, Mask


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


Group = tuple[str | None, str | None, int | None]  # industry, region, band; None: any


def _in_group(key: StatKey, group: Group) -> bool:
    industry, region, band = group
    return (
        (industry is None or key.industry == industry)
        and (region is None or key.region == region)
        and (band is None or key.band == band)
    )


class SimilarDeals:
    """The closed deals' counters, less the contribution of one left-out deal (the deal
    being predicted must not teach its own prediction)."""

    def __init__(
        self, table: CountTable, settings: LikelySettings, left_out: ClosedDeal | None = None
    ) -> None:
        self._table = table
        self._settings = settings
        self._left_out = list(contribution(left_out)) if left_out is not None else []
        self._won_out = bool(left_out.won) if left_out is not None else False
        self._deals = self._sum("deal", (None, None, None))[0]
        self._overall = self._role_counts((None, None, None))[0]

    @classmethod
    def of(cls, history: Iterable[ClosedDeal], settings: LikelySettings) -> SimilarDeals:
        from graph.influence import Scratch

        return cls(Scratch(history).table, settings)

    def excluding(self, deal: ClosedDeal) -> SimilarDeals:
        return SimilarDeals(self._table, self._settings, deal)

    def _mask(self, kind: str, group: Group) -> Mask:
        industry, region, band = group
        mask = self._table.mask(kind, industry, region)  # type: ignore[arg-type]
        if band is not None:
            mask &= self._table.band_mask(kind, band)  # type: ignore[arg-type]
        return mask

    def _sum(self, kind: str, group: Group) -> tuple[int, int]:
        """Deals and won deals of the counters of one kind in a group (size: people)."""
        columns = self._table.kind(kind)  # type: ignore[arg-type]
        mask = self._mask(kind, group)
        present = int(columns.present[: columns.size][mask].sum())
        won = int(columns.won[: columns.size][mask].sum())
        for key in self._left_out:
            if key.kind == kind and _in_group(key, group):
                present -= 1
                won -= int(self._won_out)
        return present, won

    def _people(self, group: Group) -> int:
        """The number of committee seats of the group's deals (sum of committee sizes)."""
        sizes = self._table.kind("size")
        mask = self._mask("size", group)
        size_of = np.array([int(name) for name in sizes.keys.names], dtype=np.int64)
        seats = int(
            (sizes.present[: sizes.size][mask] * size_of[sizes.key[: sizes.size][mask]]).sum()
        )
        for key in self._left_out:
            if key.kind == "size" and _in_group(key, group):
                seats -= int(key.key)
        return seats

    def _role_counts(self, group: Group) -> tuple[Ints, Ints]:
        roles = self._table.kind("role")
        mask = self._mask("role", group)
        present = self._table.by_key("role", mask)
        won = self._table.by_key("role", mask, won=True)
        for key in self._left_out:
            if key.kind == "role" and _in_group(key, group):
                code = roles.keys.find(key.key)
                if code is not None:
                    present[code] -= 1
                    won[code] -= int(self._won_out)
        return present, won

    def _groups(self, context: DealContext) -> list[tuple[str, Group]]:
        """The groups of similar deals, narrowest first."""
        industry, region = segment_key(context.industry), segment_key(context.region)
        band = size_band(context.amount) if context.amount is not None else None
        levels: list[tuple[str, Group]] = []
        if industry and region and band is not None:
            levels.append(("industry+region+size", (industry, region, band)))
        if industry and band is not None:
            levels.append(("industry+size", (industry, None, band)))
        if industry and region:
            levels.append(("industry+region", (industry, region, None)))
        if industry:
            levels.append(("industry", (industry, None, None)))
        if band is not None:
            levels.append(("size", (None, None, band)))
        levels.append(("all", (None, None, None)))
        return levels

    def predict(self, context: DealContext) -> LikelyRoles:
        """Role probabilities for a deal like `context`."""
        if not self._deals:
            return LikelyRoles("none", 0, 0, None, ())
        basis = "all"
        group: Group = (None, None, None)
        for name, candidate in self._groups(context):
            if self._sum("deal", candidate)[0] >= self._settings.min_similar:
                basis, group = name, candidate
                break
        n, won_deals = self._sum("deal", group)
        present, won_present = self._role_counts(group)
        m = self._settings.prior_strength
        names = self._table.kind("role").keys.names
        chances = [
            RoleChance(
                role=names[k],
                probability=(int(present[k]) + m * int(count) / self._deals) / (n + m),
                deals_present=int(present[k]),
                won_present=int(won_present[k]),
            )
            for k, count in enumerate(self._overall.tolist())
            if count > 0
        ]
        chances.sort(key=lambda c: (-c.probability, c.role))
        return LikelyRoles(
            basis=basis,
            deals=n,
            won_deals=won_deals,
            expected_size=self._people(group) / n if n else None,
            roles=tuple(chances),
        )
