"""Who sits in buying decisions: the typical committee of a segment (DESIGN §1.1)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from graph.stats import median
from graph.table import DealTable, Mask


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


def segment_committee(table: DealTable, segment: Mask) -> SegmentCommittee:
    """Roles by share of deals they sat in, and how many people a committee has."""
    n = int(segment.sum())
    present = table.roles.present(segment)
    roles = tuple(
        RolePresence(table.roles.keys[k], int(present[k]), int(present[k]) / n)
        for k in sorted(np.flatnonzero(present), key=lambda k: (-present[k], k))
    )
    sizes = table.committee_size[segment]
    values, counts = np.unique(sizes, return_counts=True)
    return SegmentCommittee(
        deals=n,
        roles=roles,
        size_distribution={str(v): int(c) for v, c in zip(values, counts, strict=True)},
        median_size=median(sizes.tolist()),
    )
