"""Who sits in buying decisions: the typical committee of a segment.

See docs/architecture.md, "The read path".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from graph.table import CountTable


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


def median_of_counts(counts: dict[int, int]) -> float | None:
    """The median of values given as value → how many times it occurs."""
    total = sum(counts.values())
    if not total:
        return None
    ordered = sorted(counts.items())
    lower_at, upper_at = (total - 1) // 2, total // 2
    seen = 0
    lower = upper = None
    for value, count in ordered:
        if lower is None and seen + count > lower_at:
            lower = value
        if seen + count > upper_at:
            upper = value
            break
        seen += count
    assert lower is not None and upper is not None
    return (lower + upper) / 2.0


def segment_committee(
    table: CountTable, industry: str | None, region: str | None
) -> SegmentCommittee:
    """Roles by share of deals they sat in, and how many people a committee has."""
    deals = table.kind("deal")
    n = int(deals.present[: deals.size][table.mask("deal", industry, region)].sum())
    present = table.by_key("role", table.mask("role", industry, region))
    names = table.kind("role").keys.names
    ranked = sorted(np.flatnonzero(present).tolist(), key=lambda k: (-present[k], names[k]))
    by_size = table.by_key("size", table.mask("size", industry, region))
    sizes = table.kind("size").keys.names
    distribution = {int(sizes[k]): int(by_size[k]) for k in np.flatnonzero(by_size).tolist()}
    return SegmentCommittee(
        deals=n,
        roles=tuple(RolePresence(names[k], int(present[k]), int(present[k]) / n) for k in ranked),
        size_distribution={str(size): distribution[size] for size in sorted(distribution)},
        median_size=median_of_counts(distribution),
    )
