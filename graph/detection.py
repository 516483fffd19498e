"""Detection: a write's arrivals → signals, with the analytics the API answers with.

Runs after the write has committed, from the arrivals the write stored in its own
transaction (graph.signals.mark_arrivals): the write path pays one small row, and
detection reads the store and the live counters (graph.live) as every answer
does. Which roles have a positive or negative effect in a segment is
`segment_role_effects`; known influencers are `person_effect`; a
committee's gaps are `likely_committee`'s. The rules are graph.signals'.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Protocol

from graph.analytics import (
    Counts,
    LikelyStore,
    likely_committee,
    person_effect,
    segment_role_effects,
)
from graph.errors import NotFound, StoreUnavailable
from graph.influence import Effect, InfluenceSettings
from graph.likely import LikelySettings
from graph.live import LiveStats
from graph.models import Account, DealCommittee, Person, PersonSeat, SegmentFilter
from graph.ports import PersonHistory, StatsReader
from graph.signals import (
    CHAMPION_ROLES,
    Arrivals,
    ChampionedDeal,
    IntentReader,
    MissingRole,
    Signal,
    blockers_joined,
    buying_intent,
    champion_moved,
    committee_gaps,
    predictive_person_appeared,
)
from graph.webhooks import SignalStore

log = logging.getLogger("bcg.signals")
CHAMPION_DEALS = 5  # won deals looked at per person who may have moved
GAP_MIN_PROBABILITY = 0.5


class DetectionStore(LikelyStore, PersonHistory, Protocol):
    """What detection reads beside the counters."""


CountsReading = Callable[[], AbstractContextManager[Counts]]


class Detector:
    """One run over one write's arrivals; reads are kept for the run.

    The counters are held (`reading`) only around each rule that ranks with them, as
    long as one request holds them: they are the request path's own copy, and the
    store reads between (a high-reach person's seats) must not make a reader wait."""

    def __init__(
        self,
        store: DetectionStore,
        reading: CountsReading,
        tenant: str,
        intent: IntentReader,
        influence: InfluenceSettings,
        likely: LikelySettings,
    ) -> None:
        self._store = store
        self._reading = reading
        self._tenant = tenant
        self._intent = intent
        self._influence = influence
        self._likely = likely
        self._accounts: dict[str, Account | None] = {}

    def detect(self, arrivals: Arrivals) -> list[Signal]:
        found: dict[str, Signal] = {}

        def add(signals: Iterable[Signal | None]) -> None:
            for s in signals:
                if s is not None:
                    found.setdefault(s.id, s)

        committees = self._open_committees({*arrivals.deals, *(t.deal_id for t in arrivals.texts)})
        people = self._store.people(self._tenant, set(arrivals.people))
        # A contact appears at their own employer, when it is a segment's account (an
        # outsider's firm has none: they appear where they sit in a deal).
        appearances = [
            (p, p.account_id)
            for p in people.values()
            if p.account_id and self._has_segment(p.account_id)
        ]
        for committee in committees:
            appearances += [(p.person, committee.account.id) for p in committee.participants]
            add(self._deal_signals(committee))
        seats = self._store.seats_of(self._tenant, {p.id for p, _ in appearances} | set(people))
        # Someone who sat in the account's closed deals has not just appeared there (a first
        # import of a CRM's contacts is not news about each of them).
        known = {(s.person_id, s.account_id) for s in seats if s.outcome != "open"}
        add(
            self._appeared(person, account_id)
            for person, account_id in appearances
            if (person.id, account_id) not in known
        )
        add(self._moved(list(people.values()), seats))
        add(buying_intent(t, self._intent(t.text)) for t in arrivals.texts)
        return [found[k] for k in sorted(found)]

    # -- reads ---------------------------------------------------------------------------

    def _account(self, account_id: str) -> Account | None:
        if account_id not in self._accounts:
            self._accounts[account_id] = self._store.account(self._tenant, account_id)
        return self._accounts[account_id]

    def _has_segment(self, account_id: str) -> bool:
        account = self._account(account_id)
        return account is not None and bool(account.industry or account.region)

    def _segment(self, account: Account | None) -> SegmentFilter:
        if account is None:
            return SegmentFilter()
        return SegmentFilter(industry=account.industry, region=account.region)

    def _role_effects(self, counts: Counts, segment: SegmentFilter) -> dict[str, Effect]:
        effects = segment_role_effects(counts, segment, self._influence)
        return counts.memo(("signal-roles", segment), effects.as_dict)

    def _open_committees(self, deal_ids: Iterable[str | None]) -> list[DealCommittee]:
        out = []
        for deal_id in sorted({d for d in deal_ids if d}):
            committee = self._store.deal_committee(self._tenant, deal_id)
            if committee is not None and committee.deal.outcome == "open":
                out.append(committee)
        return out

    # -- rules over what was read ----------------------------------------------------------

    def _appeared(self, person: Person, account_id: str) -> Signal | None:
        account = self._account(account_id)
        segment = self._segment(account)
        name = " / ".join(v for v in (segment.industry, segment.region) if v) or "all deals"
        with self._reading() as counts:
            role_effect = self._role_effects(counts, segment).get(person.role)
            known = person_effect(counts, segment, self._influence, person.id)
            return predictive_person_appeared(person, account_id, name, role_effect, known)

    def _deal_signals(self, committee: DealCommittee) -> list[Signal]:
        deal, account = committee.deal, committee.account
        with self._reading() as counts:
            effects = self._role_effects(counts, self._segment(account))
            signals = blockers_joined(deal.id, account.id, committee.participants, effects)
            try:
                likely = likely_committee(
                    self._store,
                    counts,
                    self._tenant,
                    deal_id=deal.id,
                    min_probability=GAP_MIN_PROBABILITY,
                    influence=self._influence,
                    likely=self._likely,
                )
            except NotFound:
                return signals
        gaps = [MissingRole(g.role, g.probability, g.won_present, g.won_deals) for g in likely.gaps]
        return signals + committee_gaps(deal.id, account.id, gaps)

    def _moved(self, people: list[Person], seats: Sequence[PersonSeat]) -> list[Signal | None]:
        """People whose won deals, sat for their employer then, were at another account."""
        by_id = {p.id: p for p in people if p.account_id}
        if not by_id:
            return []
        candidates: dict[str, list[str]] = {}
        for seat in seats:
            person = by_id.get(seat.person_id)
            if person is None:
                continue
            moved = not seat.external and seat.account_id != person.account_id
            if seat.outcome == "won" and moved:
                candidates.setdefault(seat.person_id, []).append(seat.deal_id)
        out: list[Signal | None] = []
        for person_id, deal_ids in sorted(candidates.items()):
            championed = []
            for deal_id in sorted(deal_ids)[:CHAMPION_DEALS]:
                committee = self._store.deal_committee(self._tenant, deal_id)
                if committee is None:
                    continue
                if any(
                    p.person.id == person_id and p.deal_role in CHAMPION_ROLES
                    for p in committee.participants
                ):
                    championed.append(ChampionedDeal(deal_id, committee.account.id))
            out.append(champion_moved(by_id[person_id], championed))
        return out


class PendingStore(DetectionStore, StatsReader, SignalStore, Protocol):
    """What running detection over stored arrivals needs."""


def run_pending(
    store: PendingStore,
    live: LiveStats,
    intent: IntentReader,
    influence: InfluenceSettings,
    likely: LikelySettings,
    *,
    lease_seconds: float,
    limit: int = 50,
) -> int:
    """Claim writes not yet run through detection, detect, and store their signals (with
    their outbox rows) as each write's arrivals are forgotten, in one transaction.
    Answers how many writes were handled. A worker that dies mid-way leaves a lease that
    runs out; the next run finds the same signals (same ids) and adds none twice."""
    token = secrets.token_hex(8)
    claimed = store.claim_arrivals(time.time(), lease_seconds, limit, token)
    for pending in claimed:
        try:
            arrivals = Arrivals.from_json(pending.payload)
            tenant = pending.tenant

            def reading(tenant: str = tenant) -> AbstractContextManager[Counts]:
                return live.reading(store, tenant, people=True)

            found = Detector(store, reading, tenant, intent, influence, likely).detect(arrivals)
        except StoreUnavailable:
            raise
        except Exception:
            # One write that detection cannot read must not hold up the others: it stays,
            # and is tried again when its lease runs out.
            log.exception("detection failed for %s version %s", pending.tenant, pending.version)
            continue
        # Stamped to the microsecond: newest first is the order signals were found in.
        stamp = datetime.now(UTC).isoformat(timespec="microseconds")
        store.put_signals(pending.tenant, found, pending.version, stamp)
    return len(claimed)
