"""A raw batch in, validated domain records and per-record rejections out.

Shared by the HTTP API and the CLI, so that both accept and refuse exactly
the same records.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from graph.models import Account, Deal, DealRecord, Person, PersonRecord, Seat
from ingest.records import AccountIn, DealIn, PersonIn
from ingest.regions import region_of_country
from ingest.titles import external_kind_hint, parse_title

T = TypeVar("T")


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


@dataclass(frozen=True)
class Rejection:
    index: int
    id: str | None
    errors: tuple[FieldError, ...]


@dataclass
class Prepared(Generic[T]):
    records: list[T] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    warnings: list[Rejection] = field(default_factory=list)  # kept, with something odd


def field_errors(error: ValidationError) -> tuple[FieldError, ...]:
    """Pydantic errors as (dotted field path, message) pairs a CRM admin can act on."""
    out = []
    for item in error.errors(include_url=False):
        path = ".".join(str(part) for part in item["loc"]) or "(record)"
        out.append(FieldError(path, item["msg"]))
    return tuple(out)


def fingerprint(model: BaseModel) -> str:
    """The validated record's content hash: the same record re-sent is `unchanged`.
    Fields serialise in model order (pydantic's Rust serialiser, no sorting pass)."""
    return hashlib.sha256(model.model_dump_json().encode()).hexdigest()


def _raw_id(raw: Any) -> str | None:
    if isinstance(raw, dict):
        value = raw.get("id")
        return str(value)[:200] if value is not None else None
    return None


def _account(account: AccountIn) -> Account:
    return Account(
        id=account.id,
        name=account.name,
        industry=account.industry,
        region=account.region or region_of_country(account.country),
        country=account.country,
        employees=account.employees,
    )


def to_person(person: PersonIn, default_account: str | None) -> Person:
    return _person(
        person.id,
        person.account_id or default_account,
        person.name,
        person.email,
        person.title,
        person.external_kind,
        person.audience,
    )


@lru_cache(maxsize=16384)
def _person(
    person_id: str,
    account_id: str | None,
    name: str | None,
    email: str | None,
    title: str | None,
    external_kind: str | None,
    audience: int | None,
) -> Person:
    """Cached: a contact sits in many deals of an import, each naming them the same way
    (and a Person is immutable)."""
    parsed = parse_title(title)
    return Person(
        id=person_id,
        account_id=account_id,
        name=name,
        email=email.lower() if email else None,
        title=title,
        function=parsed.function,
        seniority=parsed.seniority,
        role=parsed.role,
        external_kind=external_kind or external_kind_hint(title),
        audience=audience,
    )


@lru_cache(maxsize=16384)
def _crm_seat(person_id: str, deal_role: str, stance: str, external: bool) -> Seat:
    return Seat(person_id=person_id, deal_role=deal_role, stance=stance, external=external)


def to_deal_record(deal: DealIn, source: str) -> DealRecord:
    people: dict[str, Person] = {}
    seats: dict[str, Seat] = {}
    for participant in deal.participants:
        given = participant.person
        # Without an account the store keeps the contact's known employer, or the deal's.
        person = to_person(given, given.account_id)
        people[person.id] = person
        seats[person.id] = _crm_seat(
            person.id,
            participant.deal_role or "other",
            participant.stance,
            given.external_kind is not None,
        )
    return DealRecord(
        deal=Deal(
            id=deal.id,
            account_id=deal.account.id,
            outcome=deal.outcome,
            source=source,
            name=deal.name,
            amount=deal.amount,
            currency=deal.currency.upper() if deal.currency else None,
            stage=deal.stage,
            created_at=deal.created_at.isoformat() if deal.created_at else None,
            closed_at=deal.closed_at.isoformat() if deal.closed_at else None,
            product=deal.product,
        ),
        account=_account(deal.account),
        people=tuple(people.values()),
        seats=tuple(seats.values()),
        content_hash=fingerprint(deal),
    )


def validate_each(
    raw_items: Iterable[Any], adapter: TypeAdapter[Any]
) -> Iterable[tuple[int, Any, Rejection | None]]:
    """Each record alone against its model, and a later copy of an id refused: the
    per-record contract of every batch endpoint."""
    seen: dict[str, int] = {}
    for index, raw in enumerate(raw_items):
        try:
            model = adapter.validate_python(raw)
        except ValidationError as error:
            yield index, None, Rejection(index, _raw_id(raw), field_errors(error))
            continue
        if model.id in seen:
            message = f"duplicate id in this batch (first at index {seen[model.id]})"
            yield index, None, Rejection(index, model.id, (FieldError("id", message),))
            continue
        seen[model.id] = index
        yield index, model, None


_DEAL = TypeAdapter(DealIn)
_PERSON = TypeAdapter(PersonIn)


def prepare_deals(raw_items: Iterable[Any], source: str = "api") -> Prepared[DealRecord]:
    prepared: Prepared[DealRecord] = Prepared()
    for index, model, rejection in validate_each(raw_items, _DEAL):
        if rejection:
            prepared.rejected.append(rejection)
            continue
        prepared.records.append(to_deal_record(model, source))
        if model.closed_before_created:
            message = f"closed_at {model.closed_at} is before created_at {model.created_at}; kept"
            prepared.warnings.append(
                Rejection(index, model.id, (FieldError("closed_at", message),))
            )
    return prepared


def prepare_people(raw_items: Iterable[Any]) -> Prepared[PersonRecord]:
    prepared: Prepared[PersonRecord] = Prepared()
    for index, model, rejection in validate_each(raw_items, _PERSON):
        if rejection:
            prepared.rejected.append(rejection)
        elif model.account_id is None:
            error = FieldError("account_id", "Field required for a contact")
            prepared.rejected.append(Rejection(index, model.id, (error,)))
        else:
            prepared.records.append(
                PersonRecord(
                    person=to_person(model, model.account_id),
                    account=None,
                    content_hash=fingerprint(model),
                )
            )
    return prepared
