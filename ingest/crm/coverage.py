"""What an import's committees rest on: how many closed deals have anyone in their
committee, how large committees are, which sources gave the seats, and where there
are too few committees to rank.

A segment (an industry here) with fewer than MIN_COMMITTEES closed deals that have a
committee is named in a warning: below that the likely committee backs off to wider
segments (docs/decisions.md) and rankings rest mostly on their priors.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import median

from graph.models import DealCoverage

MIN_COMMITTEES = 20


@dataclass(frozen=True)
class Coverage:
    closed_deals: int
    closed_with_committee: int
    median_committee_size: float | None
    participations: dict[str, int] = field(default_factory=dict)  # by source, every deal
    warnings: tuple[str, ...] = ()


def coverage_of(deals: Sequence[DealCoverage]) -> Coverage:
    closed = [d for d in deals if d.outcome in ("won", "lost")]
    seated = [d for d in closed if d.people > 0]
    participations: Counter[str] = Counter({"crm": 0, "activity": 0, "note": 0})
    for d in deals:
        participations.update(dict(d.seats_by_source))
    by_industry = Counter(d.industry or "(no industry)" for d in seated)
    industries = sorted({d.industry or "(no industry)" for d in closed})
    warnings = tuple(
        f"{name}: {by_industry[name]} closed deals with a committee; rankings need "
        f"{MIN_COMMITTEES} or more to say much beyond their priors"
        for name in industries
        if by_industry[name] < MIN_COMMITTEES
    )
    return Coverage(
        closed_deals=len(closed),
        closed_with_committee=len(seated),
        median_committee_size=float(median(d.people for d in seated)) if seated else None,
        participations=dict(sorted(participations.items())),
        warnings=warnings,
    )
