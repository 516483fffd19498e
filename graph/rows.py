"""Domain records to store rows and back, one mapping for both adapters.

A row is a plain dict of column (or property) names to values: the SQL adapter
writes it to a table, the Neo4j adapter sends it as an `UNWIND $rows` element.
Reading back goes through the same functions, so that a person, deal or
account read from either store carries the same defaults.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from graph.models import Account, Deal, DealRecord, Person, segment_key
from graph.resolution import name_key

Row = dict[str, Any]


def account_row(account: Account) -> Row:
    return {
        "id": account.id,
        "name": account.name,
        "industry": account.industry,
        "industry_key": segment_key(account.industry),
        "region": account.region,
        "region_key": segment_key(account.region),
        "country": account.country,
        "employees": account.employees,
    }


def person_row(person: Person, fallback_account: str | None, content_hash: str | None) -> Row:
    """The row written for a contact, with `row_hash`: a fingerprint of the row, stored
    on the person. Writing the same row twice leaves the same person, so a row whose
    hash the person already carries need not be written (graph.writing)."""
    row: Row = {
        "id": person.id,
        "account_id": person.account_id,
        "fallback_account": fallback_account,
        "name": person.name,
        "email": person.email,
        "title": person.title,
        "function": person.function,
        "seniority": person.seniority,
        "role": person.role,
        "external_kind": person.external_kind,
        "audience": person.audience,
        "content_hash": content_hash,
        "name_key": name_key(person.name),
    }
    # The fallback is left out: it only places a contact the store does not know yet, so
    # a known consultant who sits in deals of many accounts is not rewritten for each.
    kept = tuple(v for k, v in row.items() if k != "fallback_account")
    fingerprint = hashlib.blake2b(repr(kept).encode(), digest_size=12)
    row["row_hash"] = fingerprint.hexdigest()
    return row


def deal_row(record: DealRecord) -> Row:
    d = record.deal
    return {
        "id": d.id,
        "source": d.source,
        "account_id": d.account_id,
        "name": d.name,
        "amount": d.amount,
        "currency": d.currency,
        "stage": d.stage,
        "outcome": d.outcome,
        "created_at": d.created_at,
        "closed_at": d.closed_at,
        "product": d.product,
        "content_hash": record.content_hash,
    }


def person_of(row: Mapping[Any, Any]) -> Person:
    return Person(
        id=row["id"],
        account_id=row.get("account_id"),
        name=row.get("name"),
        email=row.get("email"),
        title=row.get("title"),
        function=row.get("function") or "other",
        seniority=row.get("seniority") or "staff",
        role=row.get("role") or "staff.other",
        external_kind=row.get("external_kind"),
        audience=row.get("audience"),
    )


def deal_of(row: Mapping[Any, Any]) -> Deal:
    return Deal(
        id=row["id"],
        account_id=row["account_id"],
        outcome=row["outcome"],
        source=row.get("source") or "api",
        name=row.get("name"),
        amount=row.get("amount"),
        currency=row.get("currency"),
        stage=row.get("stage"),
        created_at=row.get("created_at"),
        closed_at=row.get("closed_at"),
        product=row.get("product"),
    )


def account_of(row: Mapping[Any, Any]) -> Account:
    return Account(
        id=row["id"],
        name=row.get("name"),
        industry=row.get("industry"),
        region=row.get("region"),
        country=row.get("country"),
        employees=row.get("employees"),
    )
