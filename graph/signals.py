"""Signals: facts worth a salesperson's attention, found as data arrives (DESIGN §2).

The rules here are pure functions: each takes what was read (a person, a deal's
committee, the segment's effects from graph.analytics, a buying-intent match)
and answers the signals it sees. A signal's id is a hash of the fact it states
(its kind and the records it names), so that re-sent data finds the same signal
and the store keeps one (graph.detection runs the rules; the stores insert a
signal only when its id is new).

`Arrivals` is what a write tells detection: the people, deals, notes and
activities it wrote. The write flow stores it in its own transaction
(`mark_arrivals`), so that detection, which runs after commit, never misses a
write even when the process dies in between.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal, Protocol

from graph.erasure import redact
from graph.influence import Effect
from graph.models import Participant, Person

SignalKind = Literal[
    "predictive_person_appeared",
    "champion_moved",
    "buying_intent",
    "committee_gap",
    "blocker_joined",
]
SIGNAL_KINDS: tuple[str, ...] = (
    "predictive_person_appeared",
    "champion_moved",
    "buying_intent",
    "committee_gap",
    "blocker_joined",
)
CHAMPION_ROLES = ("champion",)


@dataclass(frozen=True)
class Signal:
    id: str
    kind: str
    account_id: str | None
    deal_id: str | None
    person: Person | None
    score: float
    detail: str
    evidence: dict[str, Any]
    created_at: str = ""


def signal_id(kind: str, *facts: str | None) -> str:
    """The same fact gives the same id, however often (and by whichever worker) it is found."""
    digest = hashlib.sha256(json.dumps([kind, *facts]).encode("utf-8")).hexdigest()
    return f"sig_{digest[:24]}"


# -- what a write tells detection ---------------------------------------------------------


@dataclass(frozen=True)
class TextArrival:
    """A note's text or an activity's subject, where it was logged."""

    source: str  # "note" or "activity"
    id: str
    account_id: str | None
    deal_id: str | None
    text: str


@dataclass(frozen=True)
class Arrivals:
    people: tuple[str, ...] = ()
    deals: tuple[str, ...] = ()
    texts: tuple[TextArrival, ...] = field(default_factory=tuple)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, payload: str) -> Arrivals:
        raw = json.loads(payload)
        return cls(
            tuple(raw.get("people", ())),
            tuple(raw.get("deals", ())),
            tuple(TextArrival(**t) for t in raw.get("texts", ())),
        )

    def __bool__(self) -> bool:
        return bool(self.people or self.deals or self.texts)


class ArrivalTx(Protocol):
    """The write-transaction primitives of signals (both adapters implement them)."""

    def put_arrivals(self, version: int, payload: str, at: str) -> None:
        """Store what the write of this data version brought, for detection after commit."""
        ...

    def forget_in_signals(self, person_id: str, terms: list[str]) -> int:
        """Erasure: delete the signals (and their deliveries) that name the person or
        quote them (`names_person`), and redact what waits for detection; answer how
        many signals went."""
        ...


def names_person(text: str, person_id: str, terms: list[str]) -> bool:
    """Whether a stored signal (its JSON) names an erased person: by id, or by a word of
    erasure (graph.erasure.redaction_terms)."""
    return json.dumps(person_id) in text or redact(text, terms) != text


def forget_in_arrivals(payload: str, person_id: str, terms: list[str]) -> str:
    """Arrivals without the erased person: their id out, their names redacted."""
    arrivals = Arrivals.from_json(payload)
    texts = tuple(replace(t, text=redact(t.text, terms)) for t in arrivals.texts)
    people = tuple(p for p in arrivals.people if p != person_id)
    return Arrivals(people, arrivals.deals, texts).to_json()


def mark_arrivals(tx: ArrivalTx, version: int, arrivals: Arrivals, at: str) -> None:
    """The write flow's hook: one small row per write, in the write's transaction."""
    if arrivals:
        tx.put_arrivals(version, arrivals.to_json(), at)


# -- the rules -------------------------------------------------------------------------


def odds_ratio(effect: Effect) -> float:
    return math.exp(effect.estimate.mean)


def _interval(effect: Effect) -> list[float]:
    low, high = effect.estimate.interval()
    return [round(math.exp(low), 4), round(math.exp(high), 4)]


def _effect_evidence(effect: Effect) -> dict[str, Any]:
    return {
        "key": effect.key,
        "influence": round(odds_ratio(effect), 4),
        "interval": _interval(effect),
        "deals_present": effect.deals_present,
        "deal_ids": list(effect.evidence_ids),
    }


def positive(effect: Effect | None) -> bool:
    """An effect whose whole 95% interval lies above no effect."""
    return effect is not None and effect.estimate.interval()[0] > 0


def negative(effect: Effect | None) -> bool:
    return effect is not None and effect.estimate.interval()[1] < 0


def predictive_person_appeared(
    person: Person,
    account_id: str,
    segment: str,
    role_effect: Effect | None,
    person_effect: Effect | None,
) -> Signal | None:
    """A person whose role predicts wins in the account's segment, or who is a known
    influencer (their own effect is positive), appears at an account: one signal per
    person and account."""
    by_person = positive(person_effect)
    if not (positive(role_effect) or by_person):
        return None
    effect = person_effect if by_person else role_effect
    assert effect is not None
    why = "a known influencer" if by_person else f"in role {person.role}, which predicts wins"
    return Signal(
        id=signal_id("predictive_person_appeared", person.id, account_id),
        kind="predictive_person_appeared",
        account_id=account_id,
        deal_id=None,
        person=person,
        score=round(odds_ratio(effect), 4),
        detail=f"{person.name or person.id}, {why} in {segment}, appears at {account_id}",
        evidence={"basis": "person" if by_person else "role", **_effect_evidence(effect)},
    )


@dataclass(frozen=True)
class ChampionedDeal:
    deal_id: str
    account_id: str


def champion_moved(person: Person, championed: Sequence[ChampionedDeal]) -> Signal | None:
    """Someone who championed won deals at one account now works at another: one signal
    per person and new account."""
    if person.account_id is None:
        return None
    elsewhere = sorted(
        (c for c in championed if c.account_id != person.account_id), key=lambda c: c.deal_id
    )
    if not elsewhere:
        return None
    before = sorted({c.account_id for c in elsewhere})
    return Signal(
        id=signal_id("champion_moved", person.id, person.account_id),
        kind="champion_moved",
        account_id=person.account_id,
        deal_id=None,
        person=person,
        score=float(len(elsewhere)),
        detail=(
            f"{person.name or person.id} championed {len(elsewhere)} won deal(s) at "
            f"{', '.join(before)} and now works at {person.account_id}"
        ),
        evidence={"deal_ids": [c.deal_id for c in elsewhere[:5]], "previous_accounts": before},
    )


@dataclass(frozen=True)
class IntentMatch:
    """What a buying-intent reader found in a text: the term's kind, the words as
    written, the sentence, and how strongly the kind speaks of a purchase (0..1)."""

    term: str
    matched: str
    sentence: str
    weight: float
    language: str


class IntentReader(Protocol):
    def __call__(self, text: str) -> IntentMatch | None: ...


def buying_intent(arrival: TextArrival, match: IntentMatch | None) -> Signal | None:
    """A note or activity at an account speaks of an RFP, tender, evaluation or budget:
    one signal per note or activity."""
    if match is None or arrival.account_id is None:
        return None
    return Signal(
        id=signal_id("buying_intent", arrival.source, arrival.id),
        kind="buying_intent",
        account_id=arrival.account_id,
        deal_id=arrival.deal_id,
        person=None,
        score=match.weight,
        detail=f"{arrival.source} {arrival.id} at {arrival.account_id} speaks of {match.term}",
        evidence={
            arrival.source + "_id": arrival.id,
            "term": match.term,
            "matched": match.matched,
            "language": match.language,
            "sentence": match.sentence,
        },
    )


@dataclass(frozen=True)
class MissingRole:
    """A likely role nobody fills in an open deal (graph.analytics.Gap)."""

    role: str
    probability: float
    won_present: int
    won_deals: int


def committee_gaps(deal_id: str, account_id: str, gaps: Sequence[MissingRole]) -> list[Signal]:
    """An open deal lacks a role that sat in most won deals like it: one signal per deal
    and role."""
    out = []
    for gap in gaps:
        if gap.won_deals <= 0 or 2 * gap.won_present <= gap.won_deals:
            continue
        out.append(
            Signal(
                id=signal_id("committee_gap", deal_id, gap.role),
                kind="committee_gap",
                account_id=account_id,
                deal_id=deal_id,
                person=None,
                score=round(gap.probability, 4),
                detail=(
                    f"no {gap.role} engaged in deal {deal_id}; one sat in "
                    f"{gap.won_present} of {gap.won_deals} similar won deals"
                ),
                evidence={
                    "role": gap.role,
                    "probability": round(gap.probability, 4),
                    "won_present": gap.won_present,
                    "won_deals": gap.won_deals,
                },
            )
        )
    return out


def blockers_joined(
    deal_id: str,
    account_id: str,
    participants: Sequence[Participant],
    role_effects: dict[str, Effect],
) -> list[Signal]:
    """A person in a role with a negative effect in the segment sits in an open deal: one
    signal per deal and person."""
    out: dict[str, Signal] = {}
    for p in participants:
        effect = role_effects.get(p.role)
        if not negative(effect) or p.person.id in out:
            continue
        assert effect is not None
        out[p.person.id] = Signal(
            id=signal_id("blocker_joined", deal_id, p.person.id),
            kind="blocker_joined",
            account_id=account_id,
            deal_id=deal_id,
            person=p.person,
            score=round(odds_ratio(effect), 4),
            detail=(
                f"{p.person.name or p.person.id} ({p.role}, a role that lowers the odds "
                f"of winning) joined deal {deal_id}"
            ),
            evidence={"role": p.role, **_effect_evidence(effect)},
        )
    return [out[k] for k in sorted(out)]
