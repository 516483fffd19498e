"""Forgetting a person: which words to redact from notes and evidence, and how."""

from __future__ import annotations

import re
from dataclasses import dataclass

from nameparser import HumanName

from graph.models import Person

REDACTED = "[erased]"


@dataclass(frozen=True)
class ErasureReport:
    """What an erasure removed; kept in the audit log, so it holds no personal data."""

    participations: int
    mentions: int
    notes_redacted: int
    merged_ids: int


@dataclass(frozen=True)
class AuditEntry:
    tenant: str
    action: str
    key_id: str | None
    at: str
    detail: dict[str, int]


def redaction_terms(person: Person) -> list[str]:
    """The full name, the e-mail address, and each name part of three letters or more."""
    terms: list[str] = []
    if person.email:
        terms.append(person.email)
    if person.name:
        terms.append(person.name)
        parsed = HumanName(person.name)
        terms.extend(p for p in (parsed.first, parsed.middle, parsed.last) if len(p) >= 3)
    return sorted(set(terms), key=len, reverse=True)


def redact(text: str, terms: list[str]) -> str:
    """Replace every whole-word occurrence of the terms, whatever the case."""
    for term in terms:
        text = re.sub(rf"(?<![\w@.]){re.escape(term)}(?![\w@])", REDACTED, text, flags=re.I)
    return text
