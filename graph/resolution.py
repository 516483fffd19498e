"""One person across sources: which incoming contact is a person already known.

Rules, in order: a recorded merge (alias) or the same CRM id; the same e-mail
address (case-folded); the same name at the same account, when exactly one
known person fits and no e-mail address disagrees. Two people with different
e-mail addresses are never merged. Pure: the stores look the candidates up
and record the merges this answers.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from graph.models import DealRecord, Person, Seat

_NOT_NAME = re.compile(r"[^a-z0-9 ]+")


@lru_cache(maxsize=16384)
def name_key(name: str | None) -> str | None:
    """A name folded for matching: lower case, no accents or punctuation, single spaces.

    Cached: every batch folds the names of people already seen in earlier deals."""
    if not name:
        return None
    decomposed = unicodedata.normalize("NFKD", name.lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    key = " ".join(_NOT_NAME.sub(" ", plain).split())
    return key or None


@dataclass(frozen=True)
class Known:
    id: str
    email: str | None
    account_id: str | None
    name_key: str | None


@dataclass(frozen=True)
class Merge:
    alias_id: str
    person_id: str
    reason: str  # "email" or "name+account"


@dataclass(frozen=True)
class Incoming:
    person: Person
    account_id: str | None  # the employer it will have (given, or the deal's account)


def resolve(
    incoming: Sequence[Incoming], known: Sequence[Known], aliases: dict[str, str]
) -> tuple[dict[str, str], list[Merge]]:
    """Map every incoming id to the id it is stored under; answer the new merges."""
    by_id = {k.id: k for k in known}
    by_email = {k.email: k for k in known if k.email}
    by_name: dict[tuple[str | None, str | None], list[Known]] = defaultdict(list)
    for k in known:
        if k.name_key:
            by_name[(k.account_id, k.name_key)].append(k)
    mapping: dict[str, str] = {}
    merges: list[Merge] = []
    for item in incoming:
        person = item.person
        if person.id in mapping:
            continue
        if person.id in aliases:
            mapping[person.id] = aliases[person.id]
            continue
        if person.id in by_id:
            mapping[person.id] = person.id
            continue
        email = person.email.lower() if person.email else None
        key = name_key(person.name)
        target: Known | None = None
        reason = ""
        if email and email in by_email:
            target, reason = by_email[email], "email"
        elif key and item.account_id:
            fits = [
                k
                for k in by_name[(item.account_id, key)]
                if not (email and k.email and k.email != email)
            ]
            if len(fits) == 1:
                target, reason = fits[0], "name+account"
        if target is not None:
            mapping[person.id] = target.id
            merges.append(Merge(person.id, target.id, reason))
            continue
        mapping[person.id] = person.id
        me = Known(person.id, email, item.account_id, key)
        by_id[person.id] = me
        if email:
            by_email[email] = me
        if key:
            by_name[(item.account_id, key)].append(me)
    return mapping, merges


def rewrite_deal(record: DealRecord, mapping: dict[str, str]) -> DealRecord:
    """The record with each person under the id it is stored as (one seat per person)."""
    ids = [p.id for p in record.people]
    seated = [s.person_id for s in record.seats]
    unique = len(set(ids)) == len(ids) and len(set(seated)) == len(seated)
    if unique and all(mapping.get(i, i) == i for i in ids + seated):
        return record  # nobody merged: the common case, no copies
    people: dict[str, Person] = {}
    for person in record.people:
        target = mapping.get(person.id, person.id)
        people.setdefault(target, replace(person, id=target))
    seats: dict[str, Seat] = {}
    for seat in record.seats:
        target = mapping.get(seat.person_id, seat.person_id)
        seats.setdefault(target, replace(seat, person_id=target))
    return replace(record, people=tuple(people.values()), seats=tuple(seats.values()))


def name_pairs(incoming: Sequence[Incoming]) -> list[tuple[str, str]]:
    """(account, name key) of the incoming people, the lookups a name match needs."""
    pairs: set[tuple[str, str]] = set()
    for item in incoming:
        key = name_key(item.person.name)
        if item.account_id and key:
            pairs.add((item.account_id, key))
    return sorted(pairs)


def incoming_of_deals(records: Sequence[DealRecord]) -> list[Incoming]:
    """The people of these deals, each with the employer they will have: the one given,
    else the deal's account."""
    first: dict[str, Incoming] = {}
    for r in records:
        for p in r.people:
            # Only a contact's first appearance counts in `resolve`; the rest are skipped.
            if p.id not in first:
                first[p.id] = Incoming(p, p.account_id or r.deal.account_id)
    return list(first.values())
