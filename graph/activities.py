"""Participations found in activities: who took part in a deal's calls, meetings and
e-mails sat in its committee (`SAT_IN {source: activity}`), derived here once for both
stores, as graph.notes derives note seats.

Real CRMs rarely fill contact roles; the committee is recorded in activities. An
activity logged on a deal counts for that deal. One logged only on the account (or on
a contact alone, whose account it then is) counts for every deal of the account that
was open on its date: created on or before it and not closed before it. A deal whose
close date precedes its created date (back-filled, migrated) is taken as open between
the two dates, in whichever order the CRM wrote them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from graph.models import Activity, ActivityRecord, Person, Seat
from graph.resolution import Incoming


@dataclass(frozen=True)
class ActivityRow:
    """One person of one activity, as the stores read it back."""

    activity_id: str
    kind: str
    occurred_at: str
    subject: str | None
    deal_id: str | None
    account_id: str
    person_id: str


@dataclass(frozen=True)
class DealSpan:
    """A deal's account and the dates it was open between (either may be unknown)."""

    deal_id: str
    account_id: str
    created_at: str | None
    closed_at: str | None


def evidence_line(row: ActivityRow) -> str:
    """What a seat shows of its activity: "call 2025-03-02: Pricing review (00T…)"."""
    return f"{row.kind} {row.occurred_at[:10]}: {row.subject or '(no subject)'} ({row.activity_id})"


def counts_for(row: ActivityRow, span: DealSpan) -> bool:
    """Whether an activity speaks of this deal's decision."""
    if row.deal_id is not None:
        return row.deal_id == span.deal_id
    if row.account_id != span.account_id:
        return False
    day = row.occurred_at[:10]
    opened, closed = span.created_at, span.closed_at
    if opened and closed and closed < opened:
        opened, closed = closed, opened
    return (opened is None or opened[:10] <= day) and (closed is None or day <= closed[:10])


def activity_seats(rows: Iterable[ActivityRow], spans: Iterable[DealSpan]) -> dict[str, list[Seat]]:
    """Seats per deal of `spans`: one per person, every activity as evidence in time
    order, first and last seen from the activities' dates. Stance is `unknown`: taking
    part says nothing of what someone thought (the text, read as a note, may)."""
    on_deal: dict[str, list[ActivityRow]] = defaultdict(list)
    on_account: dict[str, list[ActivityRow]] = defaultdict(list)
    for row in rows:
        if row.deal_id is not None:
            on_deal[row.deal_id].append(row)
        else:
            on_account[row.account_id].append(row)
    seats: dict[str, list[Seat]] = {}
    for span in sorted(spans, key=lambda s: s.deal_id):
        candidates = on_deal.get(span.deal_id, []) + on_account.get(span.account_id, [])
        by_person: dict[str, list[ActivityRow]] = defaultdict(list)
        for row in candidates:
            if counts_for(row, span):
                by_person[row.person_id].append(row)
        deal_seats = []
        for person_id in sorted(by_person):
            found = sorted(by_person[person_id], key=lambda r: (r.occurred_at, r.activity_id))
            deal_seats.append(
                Seat(
                    person_id=person_id,
                    deal_role="other",
                    stance="unknown",
                    external=False,
                    source="activity",
                    evidence=tuple(dict.fromkeys(evidence_line(r) for r in found)),
                    seen_at=found[-1].occurred_at,
                    first_seen_at=found[0].occurred_at,
                )
            )
        seats[span.deal_id] = deal_seats
    return seats


def incoming_of_activities(records: Sequence[ActivityRecord]) -> list[Incoming]:
    """The people of these activities, each with the employer they will have: the one
    given, else the activity's account (as a deal's contacts get the deal's)."""
    first: dict[str, Incoming] = {}
    for r in records:
        for p in r.people:
            if p.id not in first:
                first[p.id] = Incoming(p, p.account_id or r.activity.account_id)
    return list(first.values())


def rewrite_activity(record: ActivityRecord, mapping: dict[str, str]) -> ActivityRecord:
    """The record with each person under the id it is stored as, once."""
    people: dict[str, Person] = {}
    for person in record.people:
        target = mapping.get(person.id, person.id)
        people.setdefault(target, replace(person, id=target))
    return replace(record, people=tuple(people.values()))


def reach(activity: Activity) -> tuple[str | None, str | None]:
    """(deal, account) whose deals an activity's seats may land on: its deal, or, when it
    was logged on the account alone, every deal of that account."""
    if activity.deal_id is not None:
        return activity.deal_id, None
    return None, activity.account_id
