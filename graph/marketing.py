"""Marketing's answers (DESIGN §5): the outreach audit, the buyer brief, advocates.

Each is built on the same effects as the rankings (graph.analytics: role effects
pooled through wider segments, person effects on the segment's own deals); what is
new here is pure bookkeeping over them (verdicts, spend sums, sentences), tested
without a store. Audience is carried beside every item and never enters a rank.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np

from graph.analytics import (
    Counts,
    committee_of_segment,
    outsider_effects,
    segment_person_effects,
    segment_role_effects,
    with_evidence,
)
from graph.committees import RolePresence
from graph.influence import Effect, InfluenceSettings, Segment
from graph.models import Person, SegmentFilter
from graph.outreach import OutreachReader, StanceReader, StanceSeat, StoredTarget
from graph.ports import PeopleDirectory, Seated

Verdict = Literal["predictive", "present", "never_in_a_decision", "unmatched"]
VERDICTS: tuple[Verdict, ...] = ("predictive", "present", "never_in_a_decision", "unmatched")
MIN_DEALS = 3  # fewest deals behind a missed role or person, a buying role, a blocker


def above_one(effect: Effect) -> bool:
    """The 95% interval of the odds ratio lies above 1 (a measurable positive effect)."""
    return effect.estimate.interval()[0] > 0.0


def below_one(effect: Effect) -> bool:
    return effect.estimate.interval()[1] < 0.0


def verdict_of(matched: bool, person: Effect | None, roles: Iterable[Effect]) -> Verdict:
    """DESIGN §5: present when seated in the segment's closed deals, predictive when their
    own or their role's interval also lies above 1."""
    if not matched:
        return "unmatched"
    if person is None:
        return "never_in_a_decision"
    if above_one(person) or any(above_one(r) for r in roles):
        return "predictive"
    return "present"


@dataclass(frozen=True)
class Spend:
    total: float
    on_decision_makers: float  # predictive and present: people who sit in decisions
    never_in_a_decision: float  # never seated and unmatched
    by_verdict: dict[str, float]


def spend_split(items: Iterable[tuple[Verdict, float]]) -> Spend:
    by: dict[str, float] = dict.fromkeys(VERDICTS, 0.0)
    for verdict, spend in items:
        by[verdict] += spend
    return Spend(
        total=sum(by.values()),
        on_decision_makers=by["predictive"] + by["present"],
        never_in_a_decision=by["never_in_a_decision"] + by["unmatched"],
        by_verdict=by,
    )


@dataclass(frozen=True)
class SpendGroup:
    """Spend of one campaign or channel, split like the whole."""

    name: str
    targets: int
    spend: Spend


def spend_groups(items: Iterable[tuple[str, Verdict, float]]) -> list[SpendGroup]:
    """Groups by name, the largest spend first (then by name)."""
    grouped: dict[str, list[tuple[Verdict, float]]] = {}
    for name, verdict, spend in items:
        grouped.setdefault(name, []).append((verdict, spend))
    groups = [SpendGroup(n, len(v), spend_split(v)) for n, v in grouped.items()]
    return sorted(groups, key=lambda g: (-g.spend.total, g.name))


# -- reading the counters --------------------------------------------------------------


def _keys(segment: SegmentFilter) -> Segment:
    return segment.industry_key, segment.region_key


def held_roles(
    counts: Counts, segment: SegmentFilter, person_ids: Iterable[str]
) -> dict[str, set[str]]:
    """The committee roles each person sat in within the segment's closed deals."""
    columns = counts.table.kind("person")
    codes = columns.keys
    wanted = {c: p for p in person_ids if (c := codes.find(p)) is not None}
    if not wanted:
        return {}
    mask = counts.table.mask("person", *_keys(segment)) & (columns.present[: columns.size] > 0)
    mask &= np.isin(columns.key[: columns.size], np.fromiter(wanted, dtype=np.int64))
    found: dict[str, set[str]] = {}
    for at in np.flatnonzero(mask).tolist():
        person = wanted[int(columns.key[at])]
        found.setdefault(person, set()).add(columns.roles.names[columns.role[at]])
    return found


# -- the outreach audit ----------------------------------------------------------------


@dataclass(frozen=True)
class AuditedTarget:
    stored: StoredTarget
    person: Person | None
    verdict: Verdict
    effect: Effect | None  # the person's, in the segment (None: never seated there)
    roles: tuple[Effect, ...]  # the committee roles they sat in, with their effects


@dataclass(frozen=True)
class MissedItem:
    """A role or person with a measurable positive effect that no target reaches."""

    effect: Effect
    person: Person | None = None  # None: a role


@dataclass(frozen=True)
class Audit:
    segment: SegmentFilter
    campaign: str | None
    deals: int
    spend: Spend
    campaigns: list[SpendGroup]
    channels: list[SpendGroup]
    targets: list[AuditedTarget]
    missed: list[MissedItem] = field(default_factory=list)


class AuditStore(OutreachReader, PeopleDirectory, Seated, Protocol):
    """What the audit reads beside the counters."""


MISSED = 10


def outreach_audit(
    counts: Counts,
    store: AuditStore,
    tenant: str,
    segment: SegmentFilter,
    campaign: str | None,
    settings: InfluenceSettings,
) -> Audit:
    stored = store.outreach_targets(tenant, campaign)
    people_effects = segment_person_effects(counts, segment, settings)
    role_effects = segment_role_effects(counts, segment, settings)
    matched = sorted({t.person_id for t in stored if t.person_id})
    people = store.people(tenant, matched)
    seated = [p for p in matched if people_effects.get(p) is not None]
    first = counts.per_person(
        ("first", segment), seated, lambda wanted: store.first_deals(tenant, wanted, segment)
    )
    roles = held_roles(counts, segment, seated)
    audited = []
    for t in stored:
        pid = t.person_id if t.person_id in people else None
        effect = people_effects.get(pid) if pid else None
        if effect is not None and pid is not None:
            effect = with_evidence(effect, first.get(pid, ()))
        held = tuple(
            e for r in sorted(roles.get(pid or "", set())) if (e := role_effects.get(r)) is not None
        )
        audited.append(
            AuditedTarget(
                t,
                people.get(pid) if pid else None,
                verdict_of(pid is not None, effect, held),
                effect,
                held,
            )
        )
    reached_roles = {r.key for a in audited for r in a.roles}
    reached_roles |= {a.person.role for a in audited if a.person is not None}
    reached_roles |= {a.stored.target.role for a in audited if a.stored.target.role}
    missed = [
        MissedItem(e)
        for e in role_effects.ranked("positive", MIN_DEALS, 200)
        if above_one(e) and e.key not in reached_roles
    ][:MISSED]
    targeted = np.zeros(len(people_effects.keys), dtype=np.bool_)
    for pid in matched:
        if (k := people_effects.index(pid)) is not None:
            targeted[k] = True
    strong = [
        e
        for e in people_effects.ranked("positive", MIN_DEALS, MISSED * 3, ~targeted)
        if above_one(e)
    ][:MISSED]
    ids = [e.key for e in strong]
    if ids:
        found = store.people(tenant, ids)
        evidence = counts.per_person(
            ("first", segment), ids, lambda wanted: store.first_deals(tenant, wanted, segment)
        )
        missed += [
            MissedItem(with_evidence(e, evidence.get(e.key, ())), found.get(e.key)) for e in strong
        ]
    return Audit(
        segment=segment,
        campaign=campaign,
        deals=role_effects.deals,
        spend=spend_split((a.verdict, a.stored.target.spend) for a in audited),
        campaigns=spend_groups(
            (a.stored.target.campaign, a.verdict, a.stored.target.spend) for a in audited
        ),
        channels=spend_groups(
            (a.stored.target.channel or "(none)", a.verdict, a.stored.target.spend) for a in audited
        ),
        targets=audited,
        missed=missed,
    )


# -- the buyer brief -------------------------------------------------------------------


@dataclass(frozen=True)
class Influencer:
    effect: Effect
    person: Person


@dataclass(frozen=True)
class Brief:
    segment: SegmentFilter
    deals: int
    buying_roles: list[Effect]
    in_the_room: list[RolePresence]
    size_distribution: dict[str, int]
    median_size: float | None
    blockers: list[Effect]
    outside_influencers: list[Influencer]
    summary: list[str]


class BriefStore(PeopleDirectory, Seated, Protocol):
    """What the brief reads beside the counters."""


BUYING_ROLES = 5
IN_THE_ROOM = 8
BLOCKERS = 3
OUTSIDERS = 5


def odds(effect: Effect) -> float:
    return math.exp(effect.estimate.mean)


def _label(segment: SegmentFilter) -> str:
    parts = [p for p in (segment.industry, segment.region) if p]
    return " / ".join(parts) if parts else "all segments"


def brief_summary(
    segment: SegmentFilter,
    deals: int,
    buying: Sequence[Effect],
    median_size: float | None,
    blockers: Sequence[Effect],
    influencers: Sequence[tuple[str, Effect]],
) -> list[str]:
    """The brief in plain sentences, for a slide or an e-mail."""
    where = _label(segment)
    if not deals:
        return [f"No closed deals in {where} yet: nothing to brief on."]
    lines = [f"Based on {deals} closed deals in {where}."]
    if buying:
        top = buying[0]
        lines.append(
            f"The role that buys is {top.key}: in {top.presence:.0%} of deals, "
            f"and their presence multiplies the odds of winning by {odds(top):.1f}."
        )
        measured = [e.key for e in buying[1:] if above_one(e)]
        if measured:
            lines.append(f"Also raising the odds: {', '.join(measured)}.")
    else:
        lines.append("No role measurably raises the odds of winning yet.")
    if median_size is not None:
        lines.append(f"A typical committee has {median_size:g} people.")
    if blockers:
        names = ", ".join(f"{e.key} (odds x{odds(e):.2f})" for e in blockers)
        lines.append(f"Watch for {names}: their presence lowers the odds.")
    if influencers:
        names = ", ".join(f"{name} (odds x{odds(e):.1f})" for name, e in influencers)
        lines.append(f"Outside influencers who move deals: {names}.")
    return lines


def buyer_brief(
    counts: Counts,
    store: BriefStore,
    tenant: str,
    segment: SegmentFilter,
    settings: InfluenceSettings,
) -> Brief:
    roles = segment_role_effects(counts, segment, settings)
    committee = committee_of_segment(counts, segment)
    # The customer's own roles buy; outsiders are listed as outside influencers.
    buying = [
        e
        for e in roles.ranked("positive", MIN_DEALS, BUYING_ROLES + 10)
        if e.estimate.mean > 0 and not e.key.startswith("external.")
    ][:BUYING_ROLES]
    blockers = [e for e in roles.ranked("negative", MIN_DEALS, BLOCKERS) if below_one(e)]
    people = outsider_effects(counts, segment, settings)
    strongest = [e for e in people.ranked("positive", MIN_DEALS, OUTSIDERS) if above_one(e)]
    ids = [e.key for e in strongest]
    found = store.people(tenant, ids) if ids else {}
    evidence = (
        counts.per_person(
            ("first", segment), ids, lambda wanted: store.first_deals(tenant, wanted, segment)
        )
        if ids
        else {}
    )
    influencers = [
        Influencer(with_evidence(e, evidence.get(e.key, ())), found[e.key])
        for e in strongest
        if e.key in found
    ]
    summary = brief_summary(
        segment,
        committee.deals,
        buying,
        committee.median_size,
        blockers,
        [(i.person.name or i.person.id, i.effect) for i in influencers],
    )
    return Brief(
        segment=segment,
        deals=committee.deals,
        buying_roles=buying,
        in_the_room=list(committee.roles[:IN_THE_ROOM]),
        size_distribution=committee.size_distribution,
        median_size=committee.median_size,
        blockers=blockers,
        outside_influencers=influencers,
        summary=summary,
    )


# -- advocates -------------------------------------------------------------------------

ADVOCATE_STANCES = frozenset({"champion", "supportive"})


@dataclass(frozen=True)
class Advocacy:
    """What one person's seats in won deals say: where they championed or supported."""

    won_deals: tuple[str, ...]
    champion_deals: tuple[str, ...]
    accounts: tuple[str, ...]
    sources: tuple[str, ...]


def advocacy(seats: Iterable[StanceSeat]) -> dict[str, Advocacy]:
    """Per person, from their own seats (as a customer, not as an outsider) in won deals:
    a seat counts when its stance is champion or supportive, or its role is champion, in
    any source (CRM, activities, notes). People without such a seat are left out."""
    won: dict[str, set[str]] = {}
    backed: dict[str, set[str]] = {}
    accounts: dict[str, set[str]] = {}
    sources: dict[str, set[str]] = {}
    for s in seats:
        if s.external:
            continue
        won.setdefault(s.person_id, set()).add(s.deal_id)
        if s.stance in ADVOCATE_STANCES or s.deal_role == "champion":
            backed.setdefault(s.person_id, set()).add(s.deal_id)
            accounts.setdefault(s.person_id, set()).add(s.account_id)
            sources.setdefault(s.person_id, set()).add(s.source)
    return {
        p: Advocacy(
            tuple(sorted(won[p])),
            tuple(sorted(deals)),
            tuple(sorted(accounts[p])),
            tuple(sorted(sources[p])),
        )
        for p, deals in backed.items()
    }


@dataclass(frozen=True)
class Advocate:
    person: Person
    effect: Effect
    advocacy: Advocacy
    audience: int | None


class AdvocateStore(PeopleDirectory, StanceReader, OutreachReader, Protocol):
    """What the advocates read beside the counters."""


ADVOCATE_BATCH = 200
ADVOCATE_SCAN = 5000  # people looked at, strongest first, before giving up on more


def _audiences(targets: Iterable[StoredTarget]) -> dict[str, int]:
    """The largest audience outreach gave for each matched person."""
    found: dict[str, int] = {}
    for t in targets:
        if t.person_id and t.target.audience is not None:
            found[t.person_id] = max(found.get(t.person_id, 0), t.target.audience)
    return found


def advocates(
    counts: Counts,
    store: AdvocateStore,
    tenant: str,
    segment: SegmentFilter,
    limit: int,
    settings: InfluenceSettings,
) -> tuple[int, list[Advocate]]:
    """People who championed or supported won deals at their own accounts, ranked by
    their effect (as people are ranked), never by audience. Stances are read for the
    candidates only, strongest first, a batch at a time."""
    effects = segment_person_effects(counts, segment, settings)
    won = np.asarray(effects.won_present) > 0
    ranked = effects.ranked("positive", 1, ADVOCATE_SCAN, won)
    audiences: Mapping[str, int] | None = None
    found: list[Advocate] = []
    for start in range(0, len(ranked), ADVOCATE_BATCH):
        batch = ranked[start : start + ADVOCATE_BATCH]
        backed = advocacy(store.won_stances(tenant, [e.key for e in batch], segment))
        chosen = [e for e in batch if e.key in backed]
        if not chosen:
            continue
        people = store.people(tenant, [e.key for e in chosen])
        if audiences is None:
            audiences = _audiences(store.outreach_targets(tenant, None))
        for e in chosen:
            person = people.get(e.key)
            if person is None:
                continue
            a = backed[e.key]
            audience = person.audience if person.audience is not None else audiences.get(e.key)
            found.append(Advocate(person, with_evidence(e, a.champion_deals[:5]), a, audience))
        if len(found) >= limit:
            break
    return committee_of_segment(counts, segment).deals, found[:limit]
