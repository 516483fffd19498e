"""Answers to the product's questions, computed from counters and what the store ports return.

This is the one place that decides which counters an answer rests on (the
segment and its parents for pooling); the maths lives in the pure modules. The
counters come from the store, caught up on every read (graph.live), or, for a
segment cut by deal amount or date, from a tally of the segment's closed deals
(`counts_from_history`): both are a `Counts`, and every answer here takes one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Protocol, TypeVar

import numpy as np

from graph.backtest import BacktestResult, run_backtest
from graph.committees import SegmentCommittee, segment_committee
from graph.errors import InvalidInput, NotFound
from graph.influence import (
    Direction,
    Effect,
    Effects,
    InfluenceSettings,
    Scratch,
    Segment,
    chosen_person_effects,
    person_effects_in,
    role_effects_in,
)
from graph.likely import DealContext, LikelySettings, RoleChance, SimilarDeals
from graph.models import (
    Account,
    ClosedDeal,
    DealCommittee,
    Person,
    PersonSeat,
    SegmentFilter,
    segment_key,
)
from graph.network import bridging
from graph.ports import (
    AccountReader,
    CommitteeReader,
    ContactsReader,
    PeopleDirectory,
    Seated,
    SegmentReader,
)
from graph.recount import DealState, Traits, closed_deal
from graph.table import CountTable

T = TypeVar("T")


class Memo(Protocol):
    """Keeps an answer under a key for as long as the counters it came from."""

    def __call__(self, key: Hashable, compute: Callable[[], T]) -> T: ...


def _no_memo(key: Hashable, compute: Callable[[], T]) -> T:
    return compute()


class PersonMemo(Protocol):
    """Keeps what was read of each person (under `what`, a `(label, SegmentFilter)`)
    until that person's counters move in a cell of the segment: where a high-reach
    person sat takes a store hundreds of milliseconds to read."""

    def __call__(
        self,
        what: Hashable,
        person_ids: Sequence[str],
        read: Callable[[list[str]], Mapping[str, T]],
    ) -> dict[str, T]: ...


def _no_person_memo(
    what: Hashable, person_ids: Sequence[str], read: Callable[[list[str]], Mapping[str, T]]
) -> dict[str, T]:
    return dict(read(list(person_ids)))


@dataclass(frozen=True)
class Counts:
    """What an answer is counted from: counters as columns (with the roles' evidence),
    and a memo that lives as long as these counters do."""

    table: CountTable
    memo: Memo = _no_memo
    per_person: PersonMemo = _no_person_memo


def counts_from_history(reader: SegmentReader, tenant: str, segment: SegmentFilter) -> Counts:
    """Counters tallied from the closed deals a segment's amount and date cuts leave (every
    industry and region, so that pooling finds its wider levels). The store keeps counters
    by segment cell and size band only: a cut through a band needs the deals."""
    cut = SegmentFilter(
        min_amount=segment.min_amount,
        max_amount=segment.max_amount,
        closed_before=segment.closed_before,
        closed_from=segment.closed_from,
    )
    return Counts(Scratch(reader.closed_deals(tenant, cut)).table)


def needs_history(segment: SegmentFilter) -> bool:
    return any(
        v is not None
        for v in (
            segment.min_amount,
            segment.max_amount,
            segment.closed_before,
            segment.closed_from,
        )
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


def _keys(segment: SegmentFilter) -> Segment:
    return segment.industry_key, segment.region_key


def pooling_levels(segment: SegmentFilter) -> list[Segment]:
    """The segment, then the wider segments it borrows strength from, widest last."""
    industry, region = _keys(segment)
    levels: list[Segment] = [(industry, region)]
    if industry and region:
        levels.append((industry, None))
    if industry or region:
        levels.append((None, None))
    return levels


def committee_of_segment(counts: Counts, segment: SegmentFilter) -> SegmentCommittee:
    keys = _keys(segment)
    return counts.memo(("committee", keys), lambda: segment_committee(counts.table, *keys))


def segment_role_effects(
    counts: Counts, segment: SegmentFilter, settings: InfluenceSettings
) -> Effects:
    """Role effects of a segment, pooled through its wider segments (memoised)."""
    levels = pooling_levels(segment)
    return counts.memo(
        ("roles", levels[0], settings),
        lambda: role_effects_in(counts.table, levels, settings),
    )


def segment_person_effects(
    counts: Counts, segment: SegmentFilter, settings: InfluenceSettings
) -> Effects:
    keys = _keys(segment)
    return counts.memo(
        ("people", keys, settings),
        lambda: person_effects_in(counts.table, keys, settings),
    )


def ranked_person_effects(
    counts: Counts, segment: SegmentFilter, settings: InfluenceSettings, min_deals: int
) -> Effects:
    """The effects of the people a ranking may name (at least `min_deals` deals in the
    segment), exactly as among all: each person's estimate rests on their own counts.
    Most of a tenant's people sat in a deal or two, and a ranking after each write
    estimated them all."""
    keys = _keys(segment)

    def compute() -> Effects:
        present = counts.table.by_key("person", counts.table.mask("person", *keys))
        return person_effects_in(counts.table, keys, settings, present >= max(min_deals, 1))

    return counts.memo(("people", keys, settings, min_deals), compute)


def outsider_effects(
    counts: Counts, segment: SegmentFilter, settings: InfluenceSettings
) -> Effects:
    """The effects of the people who sat in the segment as outsiders, and of nobody else
    (warm paths and briefs name outsiders: computing every person after each write was
    most of a likely committee's cost)."""
    keys = _keys(segment)
    return counts.memo(
        ("outsiders", keys, settings),
        lambda: chosen_person_effects(counts.table, keys, settings, outsiders(counts, keys)),
    )


def person_effect(
    counts: Counts, segment: SegmentFilter, settings: InfluenceSettings, person_id: str
) -> Effect | None:
    """One person's effect in a segment, as the segment's people ranking has it."""
    columns = counts.table.kind("person")
    code = columns.keys.find(person_id)
    if code is None:
        return None
    only = np.zeros(len(columns.keys), dtype=np.bool_)
    only[code] = True
    return chosen_person_effects(counts.table, _keys(segment), settings, only).get(person_id)


def rank_roles(
    counts: Counts,
    segment: SegmentFilter,
    direction: Direction,
    min_deals: int,
    limit: int,
    settings: InfluenceSettings,
) -> RoleRanking:
    effects = segment_role_effects(counts, segment, settings)
    return RoleRanking(segment, effects.deals, effects.ranked(direction, min_deals, limit))


class PeopleStore(PeopleDirectory, Seated, SegmentReader, Protocol):
    """What a people ranking reads beside the counters."""


def _person_roles(counts: Counts, keys: Segment) -> tuple[np.ndarray, list[str]]:
    """Each person counter's committee role code inside the segment, and the role names."""
    columns = counts.table.kind("person")
    return columns.role[: columns.size], columns.roles.names


def _in_role(counts: Counts, keys: Segment, role: str) -> np.ndarray:
    """People (by key code) who sat in the segment in this committee role."""
    columns = counts.table.kind("person")
    mask = counts.table.mask("person", *keys) & (columns.present[: columns.size] > 0)
    code = columns.roles.find(role)
    found = np.zeros(len(columns.keys), dtype=np.bool_)
    if code is not None:
        chosen = mask & (columns.role[: columns.size] == code)
        found[columns.key[: columns.size][chosen]] = True
    return found


def _roles_of(counts: Counts, keys: Segment, person_codes: Sequence[int]) -> dict[int, set[str]]:
    columns = counts.table.kind("person")
    mask = counts.table.mask("person", *keys) & (columns.present[: columns.size] > 0)
    wanted = np.isin(columns.key[: columns.size], np.asarray(person_codes, dtype=np.int64))
    found: dict[int, set[str]] = {}
    for at in np.flatnonzero(mask & wanted).tolist():
        found.setdefault(int(columns.key[at]), set()).add(columns.roles.names[columns.role[at]])
    return found


def rank_people(
    counts: Counts,
    store: PeopleStore,
    tenant: str,
    segment: SegmentFilter,
    role: str | None,
    direction: Direction,
    min_deals: int,
    limit: int,
    settings: InfluenceSettings,
    graph_measures: bool = False,
) -> PeopleRanking:
    """People by shrunk effect; `graph_measures` adds betweenness, which reads the
    segment's deals and costs seconds on large segments (the whole co-participation
    graph)."""
    keys = _keys(segment)
    effects = ranked_person_effects(counts, segment, settings, min_deals)
    allowed = _in_role(counts, keys, role.strip().lower()) if role else None
    ranked = effects.ranked(direction, min_deals, limit, allowed)
    ids = [e.key for e in ranked]
    people = counts.memo(("people-of", tuple(sorted(ids))), lambda: store.people(tenant, ids))
    seated = counts.per_person(
        ("seated", segment), ids, lambda wanted: store.seated_in(tenant, wanted, segment)
    )
    codes = counts.table.kind("person").keys
    roles = _roles_of(counts, keys, [codes.find(i) or 0 for i in ids])
    bridges = bridging(store.closed_deals(tenant, segment)) if ranked and graph_measures else {}
    items = []
    for effect in ranked:
        held = roles.get(codes.find(effect.key) or 0, set())
        where = seated.get(effect.key)
        items.append(
            PersonInfluence(
                with_evidence(effect, where.first_deals if where else ()),
                people[effect.key],
                where.accounts if where else 0,
                any(r.startswith("external.") for r in held),
                tuple(sorted(held)),
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


class LikelyStore(
    CommitteeReader, PeopleDirectory, AccountReader, ContactsReader, Seated, Protocol
):
    """What the likely-committee answer reads."""


GAP_PROBABILITY = 0.5
WARM_PATHS = 5


def outsiders(counts: Counts, keys: Segment) -> np.ndarray:
    """A flag per person code: who sat in the segment as an outsider (`external.*`)."""
    columns = counts.table.kind("person")
    outside = np.array([n.startswith("external.") for n in columns.roles.names], dtype=np.bool_)
    found = np.zeros(len(columns.keys), dtype=np.bool_)
    if not len(outside):
        return found
    mask = counts.table.mask("person", *keys) & (columns.present[: columns.size] > 0)
    mask &= outside[columns.role[: columns.size]]
    found[columns.key[: columns.size][mask]] = True
    return found


def _warm_paths(
    counts: Counts,
    store: LikelyStore,
    tenant: str,
    account: Account,
    contacts: Sequence[Person],
    seats: Sequence[PersonSeat],
    industry: SegmentFilter,
    influence: InfluenceSettings,
    exclude: Collection[str],
) -> tuple[WarmPath, ...]:
    paths: list[WarmPath] = []
    won_elsewhere: dict[str, list[str]] = {}
    for seat in seats:
        if seat.outcome == "won" and seat.account_id != account.id:
            won_elsewhere.setdefault(seat.person_id, []).append(seat.deal_id)
    by_id = {c.id: c for c in contacts}
    for person_id, deal_ids in sorted(won_elsewhere.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        paths.append(WarmPath(by_id[person_id], "won_elsewhere", tuple(deal_ids[:5]), None))
    effects = outsider_effects(counts, industry, influence)
    eligible = effects.mean > 0  # the effects are the industry's outsiders alone
    for person_id in exclude:
        k = effects.index(person_id)
        if k is not None:
            eligible[k] = False
    strongest = effects.ranked("positive", 3, WARM_PATHS, eligible)
    ids = [e.key for e in strongest]
    people = counts.memo(("people-of", tuple(sorted(ids))), lambda: store.people(tenant, ids))
    first = counts.per_person(
        ("first", industry), ids, lambda wanted: store.first_deals(tenant, wanted, industry)
    )
    for effect in strongest:
        paths.append(
            WarmPath(
                people[effect.key],
                "segment_influencer",
                first.get(effect.key, ()),
                math.exp(effect.estimate.mean),
            )
        )
    return tuple(paths[: 2 * WARM_PATHS])


def closed_deal_of(committee: DealCommittee) -> ClosedDeal | None:
    """A closed deal's committee as the counters count it (graph.recount), or None."""
    deal, account = committee.deal, committee.account
    external: dict[str, bool] = {}
    traits: dict[str, Traits] = {}
    for p in committee.participants:
        external[p.person.id] = external.get(p.person.id, False) or p.external
        traits[p.person.id] = Traits(p.person.role, p.person.external_kind)
    state = DealState(
        deal.id,
        deal.account_id,
        deal.outcome,
        deal.amount,
        deal.closed_at,
        tuple(sorted(external.items())),
    )
    cell = (segment_key(account.industry) or "", segment_key(account.region) or "")
    return closed_deal(state, traits, {account.id: cell})


def likely_committee(
    store: LikelyStore,
    counts: Counts,
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
    left_out: ClosedDeal | None = None
    if deal_id is not None:
        committee = store.deal_committee(tenant, deal_id)
        if committee is None:
            raise NotFound("deal", deal_id)
        account = committee.account
        amount = committee.deal.amount
        engaged_roles = {p.role for p in committee.participants}
        in_deal = {p.person.id for p in committee.participants}
        # The deal being predicted must not teach its own prediction.
        left_out = closed_deal_of(committee)
    else:
        assert account_id is not None
        found = store.account(tenant, account_id)
        if found is None:
            raise NotFound("account", account_id)
        account = found
    similar = SimilarDeals(counts.table, likely, left_out)
    prediction = similar.predict(DealContext(account.industry, account.region, amount))
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
    # The industry's person effects at this version; for a closed deal they include it,
    # but its own people are never offered as warm paths to it.
    warm = _warm_paths(
        counts,
        store,
        tenant,
        account,
        contacts,
        seats,
        SegmentFilter(industry=account.industry),
        influence,
        in_deal,
    )
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


class BacktestStore(SegmentReader, PeopleDirectory, Protocol):
    """A backtest reads the whole history: it asks what was known at a past date."""


def backtest(
    store: BacktestStore,
    tenant: str,
    as_of: str,
    k: int,
    influence: InfluenceSettings,
    likely: LikelySettings,
) -> BacktestResult:
    deals = store.closed_deals(tenant, SegmentFilter())
    dated = [d for d in deals if d.closed_at is not None]
    if not any(d.closed_at < as_of for d in dated if d.closed_at):
        raise InvalidInput("as_of", "no closed deals before as_of to learn from")
    if not any(d.closed_at >= as_of for d in dated if d.closed_at):
        raise InvalidInput("as_of", "no closed deals on or after as_of to predict")
    people = store.people(tenant, {p for d in deals for p in d.people})
    audience = {pid: p.audience or 0 for pid, p in people.items()}
    return run_backtest(deals, audience, as_of, k, influence, likely)


def with_evidence(effect: Effect, ids: tuple[str, ...]) -> Effect:
    return replace(effect, evidence_ids=ids)
