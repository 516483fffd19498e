"""Answers to the product's questions, computed from what the store ports return.

This is the one place that decides which deals an answer rests on (the
segment and its parents for pooling); the maths lives in the pure modules.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from graph.backtest import BacktestResult, run_backtest
from graph.committees import SegmentCommittee, segment_committee
from graph.errors import InvalidInput, NotFound
from graph.influence import (
    Direction,
    Effect,
    Effects,
    InfluenceSettings,
    person_effects_in,
    role_effects_in,
)
from graph.likely import DealContext, LikelySettings, RoleChance, SimilarDeals
from graph.models import Account, Person, PersonSeat, SegmentFilter
from graph.network import bridging
from graph.ports import (
    AccountReader,
    CommitteeReader,
    ContactsReader,
    PeopleDirectory,
)
from graph.readmodel import ReadModel
from graph.table import DealTable, Mask, code_of


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


def committee_of_segment(model: ReadModel, segment: SegmentFilter) -> SegmentCommittee:
    return model.memo(
        ("committee", segment), lambda: segment_committee(model.table, model.mask(segment))
    )


def segment_role_effects(
    model: ReadModel, segment: SegmentFilter, settings: InfluenceSettings
) -> Effects:
    """Role effects of a segment, pooled through its wider segments (memoised)."""
    levels = [model.mask(level) for level in pooling_levels(segment)]
    return model.memo(
        ("roles", segment, settings), lambda: role_effects_in(model.table, levels, settings)
    )


def segment_person_effects(
    model: ReadModel, segment: SegmentFilter, settings: InfluenceSettings
) -> Effects:
    return model.memo(
        ("people", segment, settings),
        lambda: person_effects_in(model.table, model.mask(segment), settings),
    )


def rank_roles(
    model: ReadModel,
    segment: SegmentFilter,
    direction: Direction,
    min_deals: int,
    limit: int,
    settings: InfluenceSettings,
) -> RoleRanking:
    effects = segment_role_effects(model, segment, settings)
    return RoleRanking(segment, effects.deals, effects.ranked(direction, min_deals, limit))


def _person_context(table: DealTable, segment: Mask, k: int) -> tuple[int, bool, tuple[str, ...]]:
    accounts: set[str] = set()
    external = False
    roles: set[str] = set()
    person_id = table.people.keys[k]
    for i in table.people.deals_of(k, segment):
        deal = table.deals[i]
        for seat in deal.seats:
            if seat.person_id == person_id:
                accounts.add(deal.account_id)
                external = external or seat.external
                roles.add(seat.role)
    return len(accounts), external, tuple(sorted(roles))


def rank_people(
    model: ReadModel,
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
    table = model.table
    mask = model.mask(segment)
    effects = segment_person_effects(model, segment, settings)
    allowed = None
    if role:
        wanted = role.strip().lower()
        pairs = table.people
        in_role = mask[pairs.deal] & (pairs.seat_role == code_of(table.seat_roles, wanted))
        allowed = pairs.keys_with(in_role)
    ranked = effects.ranked(direction, min_deals, limit, allowed)
    people = model.people(directory, tenant, [e.key for e in ranked])
    bridges = bridging(table.selected(mask)) if ranked and graph_measures else {}
    items = []
    for effect in ranked:
        k = table.people.index(effect.key)
        assert k is not None
        accounts, external, roles = _person_context(table, mask, k)
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
    return PeopleRanking(segment, effects.deals, items)


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


class LikelyStore(CommitteeReader, PeopleDirectory, AccountReader, ContactsReader, Protocol):
    """What the likely-committee answer reads."""


GAP_PROBABILITY = 0.5
WARM_PATHS = 5


def _warm_paths(
    model: ReadModel,
    store: LikelyStore,
    tenant: str,
    account: Account,
    contacts: Sequence[Person],
    seats: Sequence[PersonSeat],
    industry_effects: Effects,
    exclude: set[str],
) -> tuple[WarmPath, ...]:
    paths: list[WarmPath] = []
    won_elsewhere: dict[str, list[str]] = {}
    for seat in seats:
        if seat.outcome == "won" and seat.account_id != account.id:
            won_elsewhere.setdefault(seat.person_id, []).append(seat.deal_id)
    by_id = {c.id: c for c in contacts}
    for person_id, deal_ids in sorted(won_elsewhere.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        paths.append(WarmPath(by_id[person_id], "won_elsewhere", tuple(deal_ids[:5]), None))
    effects = industry_effects
    pairs = effects.pairs
    eligible = pairs.keys_with(effects.level[pairs.deal] & pairs.external) & (effects.mean > 0)
    for person_id in exclude:
        k = pairs.index(person_id)
        if k is not None:
            eligible[k] = False
    strongest = effects.ranked("positive", 3, WARM_PATHS, eligible)
    people = model.people(store, tenant, [e.key for e in strongest])
    for effect in strongest:
        paths.append(
            WarmPath(
                people[effect.key],
                "segment_influencer",
                effect.evidence_ids,
                math.exp(effect.estimate.mean),
            )
        )
    return tuple(paths[: 2 * WARM_PATHS])


def _similar(model: ReadModel, deal_id: str | None, likely: LikelySettings) -> SimilarDeals:
    """Similar deals to learn from: every closed deal but the one being predicted."""
    table = model.table
    every = model.memo(("similar", likely), lambda: SimilarDeals(table, table.all(), likely))
    return every.excluding(deal_id) if deal_id is not None else every


def likely_committee(
    store: LikelyStore,
    model: ReadModel,
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
    prediction = _similar(model, deal_id, likely).predict(
        DealContext(account.industry, account.region, amount)
    )
    known = store.account_contacts(tenant, account.id)
    contacts, seats = known.people, known.seats
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
    # The industry's person effects at this data version; for a closed deal they include
    # it, but its own people are never offered as warm paths to it.
    industry_people = segment_person_effects(
        model, SegmentFilter(industry=account.industry), influence
    )
    warm = _warm_paths(model, store, tenant, account, contacts, seats, industry_people, in_deal)
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
    model: ReadModel,
    directory: PeopleDirectory,
    tenant: str,
    as_of: str,
    k: int,
    influence: InfluenceSettings,
    likely: LikelySettings,
) -> BacktestResult:
    deals = model.table.deals
    dated = [d for d in deals if d.closed_at is not None]
    if not any(d.closed_at < as_of for d in dated if d.closed_at):
        raise InvalidInput("as_of", "no closed deals before as_of to learn from")
    if not any(d.closed_at >= as_of for d in dated if d.closed_at):
        raise InvalidInput("as_of", "no closed deals on or after as_of to predict")
    people = directory.people(tenant, {p for d in deals for p in d.people})
    audience = {pid: p.audience or 0 for pid, p in people.items()}
    return run_backtest(deals, audience, as_of, k, influence, likely)
