"""Answers to the product's questions, computed from what the store ports return.

This is the one place that decides which deals an answer rests on (the
segment and its parents for pooling); the maths lives in the pure modules.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Protocol

from graph.backtest import BacktestResult, run_backtest
from graph.committees import SegmentCommittee, segment_committee
from graph.errors import InvalidInput, NotFound
from graph.influence import (
    Direction,
    Effect,
    InfluenceSettings,
    person_effects,
    rank,
    role_effects,
)
from graph.likely import DealContext, LikelySettings, RoleChance, SimilarDeals
from graph.models import Account, ClosedDeal, Person, PersonSeat, SegmentFilter, segment_key
from graph.network import bridging
from graph.ports import (
    AccountReader,
    CommitteeReader,
    PeopleDirectory,
    PersonHistory,
    SegmentReader,
)


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
    bridging: float | None


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
    graph_measures: bool = False,
) -> PeopleRanking:
    """People by shrunk effect; `graph_measures` adds betweenness, which costs seconds
    on large segments (it walks the whole co-participation graph)."""
    deals = reader.closed_deals(tenant, segment)
    effects = person_effects(deals, settings)
    candidates = list(effects.values())
    if role:
        wanted = role.strip().lower()
        in_role = {s.person_id for d in deals for s in d.seats if s.role == wanted}
        candidates = [e for e in candidates if e.key in in_role]
    ranked = rank(candidates, direction, min_deals, limit)
    people = directory.people(tenant, [e.key for e in ranked])
    bridges = bridging(deals) if ranked and graph_measures else {}
    items = []
    for effect in ranked:
        accounts, external, roles = _person_context(deals, effect.key)
        items.append(
            PersonInfluence(
                effect,
                people[effect.key],
                accounts,
                external,
                roles,
                bridges.get(effect.key, 0.0) if graph_measures else None,
            )
        )
    return PeopleRanking(segment, len(deals), items)


# -- likely committee ------------------------------------------------------------------


@dataclass(frozen=True)
class LikelyRole:
    chance: RoleChance
    contacts: tuple[Person, ...]
    engaged: bool


@dataclass(frozen=True)
class Gap:
    """A likely role nobody fills, with how often it sat in similar won deals."""

    role: str
    probability: float
    won_present: int
    won_deals: int


@dataclass(frozen=True)
class WarmPath:
    person: Person
    kind: str  # "won_elsewhere" or "segment_influencer"
    deal_ids: tuple[str, ...]
    influence: float | None


@dataclass(frozen=True)
class LikelyCommittee:
    account: Account
    deal_id: str | None
    basis: str
    deals: int
    expected_size: float | None
    roles: tuple[LikelyRole, ...]
    gaps: tuple[Gap, ...]
    warm_paths: tuple[WarmPath, ...]


class LikelyStore(
    SegmentReader, CommitteeReader, PeopleDirectory, AccountReader, PersonHistory, Protocol
):
    """What the likely-committee answer reads."""


GAP_PROBABILITY = 0.5
WARM_PATHS = 5


def _warm_paths(
    store: LikelyStore,
    tenant: str,
    account: Account,
    contacts: list[Person],
    seats: list[PersonSeat],
    history: list[ClosedDeal],
    exclude: set[str],
    influence: InfluenceSettings,
) -> tuple[WarmPath, ...]:
    paths: list[WarmPath] = []
    won_elsewhere: dict[str, list[str]] = {}
    for seat in seats:
        if seat.outcome == "won" and seat.account_id != account.id:
            won_elsewhere.setdefault(seat.person_id, []).append(seat.deal_id)
    by_id = {c.id: c for c in contacts}
    for person_id, deal_ids in sorted(won_elsewhere.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        paths.append(WarmPath(by_id[person_id], "won_elsewhere", tuple(deal_ids[:5]), None))
    industry = segment_key(account.industry)
    segment = [d for d in history if industry is None or segment_key(d.industry) == industry]
    outsiders = {s.person_id for d in segment for s in d.seats if s.external}
    effects = [
        e
        for e in person_effects(segment, influence).values()
        if e.key in outsiders
        and e.key not in exclude
        and e.estimate.mean > 0
        and e.deals_present >= 3
    ]
    effects.sort(key=lambda e: (-e.estimate.mean, e.key))
    people = store.people(tenant, [e.key for e in effects[:WARM_PATHS]])
    for effect in effects[:WARM_PATHS]:
        paths.append(
            WarmPath(
                people[effect.key],
                "segment_influencer",
                effect.evidence_ids,
                math.exp(effect.estimate.mean),
            )
        )
    return tuple(paths[: 2 * WARM_PATHS])


def likely_committee(
    store: LikelyStore,
    tenant: str,
    *,
    deal_id: str | None = None,
    account_id: str | None = None,
    amount: float | None = None,
    min_probability: float,
    influence: InfluenceSettings,
    likely: LikelySettings,
) -> LikelyCommittee:
    """Who will likely sit in a deal (or an account's next deal), who fills it, what is missing."""
    engaged_roles: set[str] = set()
    in_deal: set[str] = set()
    if deal_id is not None:
        committee = store.deal_committee(tenant, deal_id)
        if committee is None:
            raise NotFound("deal", deal_id)
        account = committee.account
        amount = committee.deal.amount
        engaged_roles = {p.role for p in committee.participants}
        in_deal = {p.person.id for p in committee.participants}
    else:
        assert account_id is not None
        found = store.account(tenant, account_id)
        if found is None:
            raise NotFound("account", account_id)
        account = found
    history = [d for d in store.closed_deals(tenant, SegmentFilter()) if d.id != deal_id]
    prediction = SimilarDeals(history, likely).predict(
        DealContext(account.industry, account.region, amount)
    )
    contacts = store.people_at(tenant, account.id)
    seats = store.seats_of(tenant, [c.id for c in contacts])
    if deal_id is None:
        # For an account, a contact is engaged once they sat in one of its deals.
        sat_here = {s.person_id for s in seats if s.account_id == account.id}
        engaged_roles = {c.role for c in contacts if c.id in sat_here}
    roles = []
    gaps = []
    for chance in prediction.roles:
        if chance.probability < min_probability and chance.role not in engaged_roles:
            continue  # an unlikely role still shows when someone already fills it
        fillers = tuple(c for c in contacts if c.role == chance.role)
        engaged = chance.role in engaged_roles
        roles.append(LikelyRole(chance, fillers, engaged))
        unfilled = not engaged if deal_id is not None else not fillers
        if chance.probability >= GAP_PROBABILITY and unfilled:
            gaps.append(
                Gap(chance.role, chance.probability, chance.won_present, prediction.won_deals)
            )
    warm = _warm_paths(store, tenant, account, contacts, seats, history, in_deal, influence)
    return LikelyCommittee(
        account=account,
        deal_id=deal_id,
        basis=prediction.basis,
        deals=prediction.deals,
        expected_size=prediction.expected_size,
        roles=tuple(roles),
        gaps=tuple(gaps),
        warm_paths=warm,
    )


# -- backtest --------------------------------------------------------------------------


def backtest(
    reader: SegmentReader,
    directory: PeopleDirectory,
    tenant: str,
    as_of: str,
    k: int,
    influence: InfluenceSettings,
    likely: LikelySettings,
) -> BacktestResult:
    deals = reader.closed_deals(tenant, SegmentFilter())
    dated = [d for d in deals if d.closed_at is not None]
    if not any(d.closed_at < as_of for d in dated if d.closed_at):
        raise InvalidInput("as_of", "no closed deals before as_of to learn from")
    if not any(d.closed_at >= as_of for d in dated if d.closed_at):
        raise InvalidInput("as_of", "no closed deals on or after as_of to predict")
    people = directory.people(tenant, {p for d in deals for p in d.people})
    audience = {pid: p.audience or 0 for pid, p in people.items()}
    return run_backtest(deals, audience, as_of, k, influence, likely)
