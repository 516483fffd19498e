"""Activities in (calls, meetings, e-mails, tasks): validate each, place it on its deal or
account, name its people, and send its text through the notes reader.

Shared by `POST /v1/ingest/activities` and the CRM importers. Who took part becomes a
seat of the deals the activity reaches (graph.activities, derived by the store); the
text, when there is some, becomes a note about the same deal or account with the
people as attendees, so that stances and people named in it come out as for notes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

from graph.models import Activity, ActivityRecord, Person, UpsertCounts
from graph.ports import ActivityWriter, NoteWriter
from ingest.batches import FieldError, Rejection, to_person, validate_each
from ingest.notes.intake import NoteContext, PreparedNotes, prepare_notes
from ingest.notes.mentions import new_person_id
from ingest.records import Email, LongText, PersonIn, RecordId

ActivityKind = Literal["meeting", "call", "email", "task", "note"]


class ActivityPersonIn(BaseModel):
    """Someone who took part: a known person's `id`, or an `email` and/or `name`."""

    model_config = ConfigDict(extra="ignore")

    id: RecordId | None = None
    email: Email | None = None
    name: LongText | None = None
    title: LongText | None = None
    account_id: RecordId | None = None

    @model_validator(mode="after")
    def _someone(self) -> ActivityPersonIn:
        if not (self.id or self.email or self.name):
            raise ValueError("a person needs an id, an email or a name")
        return self


class ActivityIn(BaseModel):
    """A call, meeting, e-mail or task about a deal and/or an account, as pushed in."""

    model_config = ConfigDict(extra="ignore")

    id: RecordId
    source: str = Field(default="api", max_length=50, pattern=r"^[a-z][a-z0-9_-]*$")
    kind: ActivityKind
    occurred_at: datetime | date
    subject: LongText | None = None
    deal_id: RecordId | None = None
    account_id: RecordId | None = None
    people: list[ActivityPersonIn] = Field(default_factory=list, max_length=500)
    text: str | None = Field(default=None, max_length=20_000)

    @model_validator(mode="after")
    def _placed(self) -> ActivityIn:
        if not (self.deal_id or self.account_id or self.people):
            raise ValueError("an activity needs a deal_id, an account_id or its people")
        if self.text is not None and "\x00" in self.text:
            raise ValueError("text must not contain NUL characters")
        return self


class ActivityContext(NoteContext, Protocol):
    """What placing activities and reading their text needs from the store."""


class ActivityStore(ActivityContext, ActivityWriter, NoteWriter, Protocol):
    """What writing activities (and the notes their text gives) needs."""


@dataclass
class PreparedActivities:
    records: list[ActivityRecord] = field(default_factory=list)
    notes: list[dict[str, Any]] = field(default_factory=list)  # raw notes, for prepare_notes
    rejected: list[Rejection] = field(default_factory=list)


@dataclass
class ActivityIntake:
    """What writing a batch of activities did."""

    counts: UpsertCounts
    rejected: list[Rejection]
    notes: UpsertCounts
    prepared_notes: PreparedNotes


_ACTIVITY = TypeAdapter(ActivityIn)


def _hash(model: ActivityIn, account_id: str) -> str:
    body = model.model_dump_json() + "|" + account_id
    return hashlib.sha256(body.encode()).hexdigest()


class _Places:
    """Deal → account and person → employer, each looked up once per batch."""

    def __init__(self, store: ActivityContext, tenant: str, deals: Mapping[str, str]) -> None:
        self._store = store
        self._tenant = tenant
        self._deals: dict[str, str | None] = dict(deals)
        self._people: dict[str, Person | None] = {}

    def deal_account(self, deal_id: str) -> str | None:
        if deal_id not in self._deals:
            committee = self._store.deal_committee(self._tenant, deal_id)
            self._deals[deal_id] = committee.account.id if committee else None
        return self._deals[deal_id]

    def learn_people(self, ids: Iterable[str]) -> None:
        wanted = sorted({i for i in ids if i not in self._people})
        if wanted:
            found = self._store.people(self._tenant, wanted)
            self._people.update({i: found.get(i) for i in wanted})

    def person(self, person_id: str) -> Person | None:
        return self._people.get(person_id)


def _account_of(model: ActivityIn, places: _Places) -> str | FieldError:
    if model.deal_id:
        account = places.deal_account(model.deal_id)
        if account is None:
            return FieldError("deal_id", f"unknown deal {model.deal_id!r}")
        return account
    if model.account_id:
        return model.account_id
    for given in model.people:
        known = places.person(given.id) if given.id else None
        if given.account_id or (known and known.account_id):
            return given.account_id or (known.account_id if known else None) or ""
    return FieldError("people", "no deal_id, no account_id and no known contact to place it by")


def _person(given: ActivityPersonIn, account_id: str) -> Person:
    person_id = given.id or new_person_id(account_id, given.email or given.name or "")
    record = PersonIn(
        id=person_id,
        name=given.name,
        email=given.email,
        title=given.title,
        account_id=given.account_id,
    )
    return to_person(record, given.account_id)


def _note(model: ActivityIn, activity: Activity, people: list[Person], places: _Places) -> Any:
    """The note an activity's text gives: about its deal (or account), its people as
    attendees. Outsiders of an account's activity are left out of the attendees: the
    notes reader matches attendees against the account's contacts only."""
    attendees = []
    for person in people:
        known = places.person(person.id)
        employer = person.account_id or (known.account_id if known else None)
        name = person.email or person.name
        if known is not None:
            name = name or known.email or known.name
        if name and (activity.deal_id or employer in (None, activity.account_id)):
            attendees.append(name)
    return {
        "id": f"activity-{activity.id}",
        "deal_id": activity.deal_id,
        "account_id": None if activity.deal_id else activity.account_id,
        "occurred_at": activity.occurred_at,
        "author": None,
        "text": model.text,
        "attendees": attendees,
    }


def prepare_activities(
    raw_items: Iterable[Any],
    store: ActivityContext,
    tenant: str,
    known_deals: Mapping[str, str] | None = None,
) -> PreparedActivities:
    """Validate and place each activity. `known_deals` (deal → account) spares the
    store lookups an importer already has the answers to."""
    prepared = PreparedActivities()
    checked = list(validate_each(raw_items, _ACTIVITY))
    places = _Places(store, tenant, known_deals or {})
    places.learn_people(p.id for _, m, _ in checked if m for p in m.people if p.id)
    for index, model, rejection in checked:
        if rejection:
            prepared.rejected.append(rejection)
            continue
        account = _account_of(model, places)
        if isinstance(account, FieldError):
            prepared.rejected.append(Rejection(index, model.id, (account,)))
            continue
        activity = Activity(
            id=model.id,
            source=model.source,
            kind=model.kind,
            occurred_at=model.occurred_at.isoformat(),
            account_id=account,
            deal_id=model.deal_id,
            subject=model.subject,
        )
        people = list({p.id: p for p in (_person(g, account) for g in model.people)}.values())
        prepared.records.append(ActivityRecord(activity, tuple(people), _hash(model, account)))
        if model.text and model.text.strip():
            prepared.notes.append(_note(model, activity, people, places))
    return prepared


def write_activities(
    raw_items: Iterable[Any],
    store: ActivityStore,
    tenant: str,
    known_deals: Mapping[str, str] | None = None,
) -> ActivityIntake:
    """Prepare and write a batch of activities, then the notes their text gives (read
    once the activities' people are stored, so that the reader knows them)."""
    prepared = prepare_activities(raw_items, store, tenant, known_deals)
    counts = store.upsert_activities(tenant, prepared.records)
    notes = prepare_notes(prepared.notes, store, tenant)
    note_counts = store.upsert_notes(tenant, notes.records)
    return ActivityIntake(counts, prepared.rejected, note_counts, notes)
