"""Who sits in buying decisions: the typical committee of a segment (DESIGN §1.1)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from graph.models import ClosedDeal
from graph.stats import median


@dataclass(frozen=True)
class RolePresence:
    role: str
    deals_present: int
    presence: float


@dataclass(frozen=True)
class SegmentCommittee:
    deals: int
    roles: tuple[RolePresence, ...]
    size_distribution: dict[str, int]
    median_size: float | None


def segment_committee(deals: Sequence[ClosedDeal]) -> SegmentCommittee:
    """Roles by share of deals they sat in, and how many people a committee has."""
    role_counts: Counter[str] = Counter()
    sizes: list[int] = []
    for deal in deals:
        role_counts.update(deal.roles)
        sizes.append(len(deal.people))
    n = len(deals)
    roles = tuple(
        RolePresence(role, count, count / n)
        for role, count in sorted(role_counts.items(), key=lambda kv: (-kv[1], kv[0]))
    )
    distribution = Counter(sizes)
    return SegmentCommittee(
        deals=n,
        roles=roles,
        size_distribution={str(size): distribution[size] for size in sorted(distribution)},
        median_size=median(sizes),
    )
