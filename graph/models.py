"""Domain records as the stores keep them (docs/architecture.md, "The domain").

These are already validated and normalised: ingest/ turns raw CRM input into
them, the stores persist them, the analytics read summaries of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

Outcome = Literal["won", "lost", "open"]

DEAL_ROLES: tuple[str, ...] = (
    "decision_maker",
    "economic_buyer",
    "champion",
    "technical_evaluator",
    "influencer",
    "end_user",
    "procurement",
    "legal",
    "executive_sponsor",
    "blocker",
    "gatekeeper",
    "other",
)
STANCES: tuple[str, ...] = ("champion", "supportive", "neutral", "skeptical", "blocker", "unknown")


@dataclass(frozen=True)
class Account:
    id: str
    name: str | None = None
    industry: str | None = None
    region: str | None = None
    country: str | None = None
    employees: int | None = None


@dataclass(frozen=True)
class Person:
    id: str
    account_id: str | None
    name: str | None = None
    email: str | None = None
    title: str | None = None
    function: str = "other"
    seniority: str = "staff"
    role: str = "staff.other"
    external_kind: str | None = None
    audience: int | None = None


@dataclass(frozen=True)
class Seat:
    """One participation (`SAT_IN`) as written: who sat in a deal, in which buying role.

    `external` here is what the input said outright; the store also marks a
    seat external when the person's employer is not the deal's account. The
    committee role is read as the person's role, or `external.<kind>`.
    """

    person_id: str
    deal_role: str
    stance: str
    external: bool
    source: str = "crm"
    evidence: tuple[str, ...] = ()
    seen_at: str | None = None
    first_seen_at: str | None = None


@dataclass(frozen=True)
class Deal:
    id: str
    account_id: str
    outcome: Outcome
    source: str = "api"
    name: str | None = None
    amount: float | None = None
    currency: str | None = None
    stage: str | None = None
    created_at: str | None = None
    closed_at: str | None = None
    product: str | None = None


@dataclass(frozen=True)
class DealRecord:
    """A deal with everything needed to write it: its account, the people and their seats.

    `content_hash` fingerprints the record as received, so that a store can
    tell created, updated and unchanged apart without comparing fields.
    """

    deal: Deal
    account: Account
    people: tuple[Person, ...]
    seats: tuple[Seat, ...]
    content_hash: str


@dataclass(frozen=True)
class Note:
    id: str
    deal_id: str | None
    account_id: str
    occurred_at: str
    author: str | None
    text: str


@dataclass(frozen=True)
class NoteMention:
    person_id: str
    stance: str
    evidence: str


@dataclass(frozen=True)
class NoteRecord:
    """A note with the people it names: new contacts to create, and every mention."""

    note: Note
    new_people: tuple[Person, ...]
    mentions: tuple[NoteMention, ...]
    content_hash: str


@dataclass(frozen=True)
class PersonRecord:
    person: Person
    account: Account | None
    content_hash: str


@dataclass(frozen=True)
class SeatedIn:
    """Where a person sat in a segment's closed deals, as a ranking shows it: the
    smallest few deal ids (its evidence) and how many distinct accounts' deals."""

    first_deals: tuple[str, ...]
    accounts: int


@dataclass
class UpsertCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, other: UpsertCounts) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged


def classify_upserts(
    keyed: Sequence[tuple[str, str]], stored: dict[str, str]
) -> tuple[UpsertCounts, set[str]]:
    """Count created/updated/unchanged from fingerprints; answer the ids that need writing."""
    counts = UpsertCounts()
    changed: set[str] = set()
    for record_id, content_hash in keyed:
        before = stored.get(record_id)
        if before is None:
            counts.created += 1
            changed.add(record_id)
        elif before == content_hash:
            counts.unchanged += 1
        else:
            counts.updated += 1
            changed.add(record_id)
    return counts, changed


@dataclass(frozen=True)
class SegmentFilter:
    """A segment of deals: filters are matched case-insensitively (keys are lower-cased)."""

    industry: str | None = None
    region: str | None = None
    min_amount: float | None = None
    max_amount: float | None = None
    closed_before: str | None = None
    closed_from: str | None = None

    @property
    def industry_key(self) -> str | None:
        return segment_key(self.industry)

    @property
    def region_key(self) -> str | None:
        return segment_key(self.region)


@dataclass(frozen=True)
class SeatSummary:
    """What the analytics need of one participation: who, in which committee role."""

    person_id: str
    role: str
    external: bool


@dataclass(frozen=True)
class ClosedDeal:
    """A closed deal of a segment with its committee, the unit every statistic counts."""

    id: str
    account_id: str
    won: bool
    amount: float | None
    closed_at: str | None
    industry: str | None
    region: str | None
    seats: tuple[SeatSummary, ...] = ()

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(s.role for s in self.seats)

    @property
    def people(self) -> frozenset[str]:
        return frozenset(s.person_id for s in self.seats)


@dataclass(frozen=True)
class PersonSeat:
    """One deal a person sat in, as seen from the person (for warm paths)."""

    person_id: str
    deal_id: str
    account_id: str
    outcome: Outcome
    external: bool


@dataclass(frozen=True)
class AccountContacts:
    """An account's contacts (ordered by id) and every deal they sat in (ordered by
    person and deal), read together: what preparing for the account's deal needs."""

    people: tuple[Person, ...]
    seats: tuple[PersonSeat, ...]


@dataclass(frozen=True)
class Participant:
    person: Person
    deal_role: str
    stance: str
    source: str
    role: str
    external: bool
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True)
class DealCommittee:
    deal: Deal
    account: Account
    participants: tuple[Participant, ...] = field(default_factory=tuple)


def committee_role(person_role: str | None, external: bool, external_kind: str | None) -> str:
    """A seat's committee role: the person's own, or `external.<kind>` for an outsider."""
    if external:
        return f"external.{external_kind or 'advisor'}"
    return person_role or "staff.other"


def segment_key(value: str | None) -> str | None:
    """How industry and region are matched: trimmed and case-folded."""
    return value.strip().lower() if value and value.strip() else None


ACTIVITY_KINDS: tuple[str, ...] = ("meeting", "call", "email", "task", "note")


@dataclass(frozen=True)
class Activity:
    """A meeting, call, e-mail or task logged in the CRM, keyed by (tenant, id).

    See docs/architecture.md, "The domain".

    `account_id` is always set (the deal's account, the one logged, or the contact's);
    `deal_id` only when it was logged on a deal. `occurred_at` is an ISO date or
    date-time; only its date decides which open deals an account's activity counts for."""

    id: str
    source: str
    kind: str
    occurred_at: str
    account_id: str
    deal_id: str | None = None
    subject: str | None = None


@dataclass(frozen=True)
class ActivityRecord:
    """An activity with its people, resolved and written like a deal's contacts."""

    activity: Activity
    people: tuple[Person, ...]
    content_hash: str


@dataclass(frozen=True)
class DealCoverage:
    """What an import report says of one deal: its outcome, segment, how many people sit
    in its committee and how many seats each source gave."""

    deal_id: str
    outcome: Outcome
    industry: str | None
    people: int
    seats_by_source: tuple[tuple[str, int], ...] = ()
