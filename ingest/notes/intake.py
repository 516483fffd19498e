"""Notes in: validate each note, find its people against the account's contacts, and
build the records a store writes. Shared by the API and any bulk path."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

from graph.models import Note, NoteMention, NoteRecord
from graph.ports import AccountReader, CommitteeReader, PeopleDirectory
from ingest.batches import FieldError, Rejection, fingerprint, validate_each
from ingest.notes.mentions import ContactBook, Mention, extract_mentions
from ingest.records import LongText, RecordId


class NoteIn(BaseModel):
    """A meeting, call or e-mail summary about a deal (or an account)."""

    model_config = ConfigDict(extra="ignore")

    id: RecordId
    deal_id: RecordId | None = None
    account_id: RecordId | None = None
    occurred_at: datetime | date
    author: LongText | None = None
    text: str = Field(min_length=1, max_length=20_000)
    attendees: list[LongText] = Field(default_factory=list, max_length=100)

    @model_validator(mode="after")
    def _about_something(self) -> NoteIn:
        if not self.deal_id and not self.account_id:
            raise ValueError("a note needs a deal_id or an account_id")
        if "\x00" in self.text:
            raise ValueError("text must not contain NUL characters")
        return self


class NoteContext(CommitteeReader, PeopleDirectory, AccountReader, Protocol):
    """What finding a note's people reads from the store."""


@dataclass
class NoteResult:
    note_id: str
    mentions: list[Mention]


@dataclass
class PreparedNotes:
    records: list[NoteRecord] = field(default_factory=list)
    results: list[NoteResult] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)


_NOTE = TypeAdapter(NoteIn)


def _contacts(store: NoteContext, tenant: str, note: NoteIn) -> ContactBook | FieldError:
    """The note's contact book: the account's people and the deal's participants, and
    the account's and deal's own names, which are never a person's."""
    if note.deal_id:
        committee = store.deal_committee(tenant, note.deal_id)
        if committee is None:
            return FieldError("deal_id", f"unknown deal {note.deal_id!r}")
        account_id = committee.account.id
        people = {p.id: p for p in store.people_at(tenant, account_id)}
        people.update({p.person.id: p.person for p in committee.participants})
        names = (committee.account.name, committee.deal.name, committee.deal.product)
        return ContactBook(list(people.values()), account_id, names)
    assert note.account_id is not None
    contacts = store.people_at(tenant, note.account_id)
    account = store.account(tenant, note.account_id)
    if not contacts and account is None:
        return FieldError("account_id", f"unknown account {note.account_id!r}")
    return ContactBook(contacts, note.account_id, (account.name if account else None,))


def prepare_notes(raw_items: Iterable[Any], store: NoteContext, tenant: str) -> PreparedNotes:
    prepared = PreparedNotes()
    for index, note, rejection in validate_each(raw_items, _NOTE):
        if rejection:
            prepared.rejected.append(rejection)
            continue
        book = _contacts(store, tenant, note)
        if isinstance(book, FieldError):
            prepared.rejected.append(Rejection(index, note.id, (book,)))
            continue
        account_id = book.account_id or ""
        mentions = extract_mentions(note.text, book, note.author, note.attendees)
        prepared.results.append(NoteResult(note.id, mentions))
        prepared.records.append(
            NoteRecord(
                note=Note(
                    id=note.id,
                    deal_id=note.deal_id,
                    account_id=account_id,
                    occurred_at=note.occurred_at.isoformat(),
                    author=note.author,
                    text=note.text,
                ),
                new_people=tuple(m.person for m in mentions if m.matched == "new"),
                mentions=tuple(NoteMention(m.person.id, m.stance, m.evidence) for m in mentions),
                content_hash=fingerprint(note),
            )
        )
    return prepared
