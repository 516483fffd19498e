"""Answers to the product's questions, computed from what the store ports return.

This is the one place that decides which deals an answer rests on (the
segment and its parents for pooling); the maths lives in the pure modules.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from graph.committees import SegmentCommittee, segment_committee
from graph.influence import (
    Direction,
    Effect,
    InfluenceSettings,
    person_effects,
    rank,
    role_effects,
)
from graph.models import ClosedDeal, Person, SegmentFilter
from graph.ports import PeopleDirectory, SegmentReader


@dataclass(frozen=True)
class RoleRanking:
    segment: SegmentFilter
    deals: int
    items: list[Effect]


@dataclass(frozen=True)
class PersonInfluence:
    effect: Effect
    person: Person
    accounts: int
    external: bool
    roles: tuple[str, ...]


@dataclass(frozen=True)
class PeopleRanking:
    segment: SegmentFilter
    deals: int
    items: list[PersonInfluence]


def pooling_levels(segment: SegmentFilter) -> list[SegmentFilter]:
    """The segment, then the wider segments it borrows strength from, widest last."""
    levels = [segment]
    if segment.industry and segment.region:
        levels.append(replace(segment, region=None))
    if segment.industry or segment.region:
        levels.append(replace(segment, industry=None, region=None))
    return levels


def committee_of_segment(
    reader: SegmentReader, tenant: str, segment: SegmentFilter
) -> SegmentCommittee:
    return segment_committee(reader.closed_deals(tenant, segment))


def rank_roles(
    reader: SegmentReader,
    tenant: str,
    segment: SegmentFilter,
    direction: Direction,
    min_deals: int,
    limit: int,
    settings: InfluenceSettings,
) -> RoleRanking:
    levels = [reader.closed_deals(tenant, level) for level in pooling_levels(segment)]
    effects = role_effects(levels, settings)
    return RoleRanking(segment, len(levels[0]), rank(effects.values(), direction, min_deals, limit))


def _person_context(deals: list[ClosedDeal], person_id: str) -> tuple[int, bool, tuple[str, ...]]:
    accounts: set[str] = set()
    external = False
    roles: set[str] = set()
    for deal in deals:
        for seat in deal.seats:
            if seat.person_id == person_id:
                accounts.add(deal.account_id)
                external = external or seat.external
                roles.add(seat.role)
    return len(accounts), external, tuple(sorted(roles))


def rank_people(
    reader: SegmentReader,
    directory: PeopleDirectory,
    tenant: str,
    segment: SegmentFilter,
    role: str | None,
    direction: Direction,
    min_deals: int,
    limit: int,
    settings: InfluenceSettings,
) -> PeopleRanking:
    deals = reader.closed_deals(tenant, segment)
    effects = person_effects(deals, settings)
    candidates = list(effects.values())
    if role:
        wanted = role.strip().lower()
        in_role = {s.person_id for d in deals for s in d.seats if s.role == wanted}
        candidates = [e for e in candidates if e.key in in_role]
    ranked = rank(candidates, direction, min_deals, limit)
    people = directory.people(tenant, [e.key for e in ranked])
    items = []
    for effect in ranked:
        accounts, external, roles = _person_context(deals, effect.key)
        items.append(PersonInfluence(effect, people[effect.key], accounts, external, roles))
    return PeopleRanking(segment, len(deals), items)
