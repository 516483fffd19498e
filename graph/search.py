"""Finding deals, accounts and people by name, for the search box of the pages.

A rep types part of a name ("acme", "müller") and expects every record whose
name holds it, whatever the case; a CRM id pasted whole finds its record too.
Both stores fold names with the same rule (Unicode lower case) and order hits
the same way, so that the contract suite can hold them to one answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from graph.models import Account, Deal, Person

SEARCH_LIMIT = 50  # most hits of each kind one search answers
QUERY_MAX = 200  # longer text cannot be a name

T = TypeVar("T")


@dataclass(frozen=True)
class DealMatch:
    deal: Deal
    account_name: str | None


@dataclass(frozen=True)
class NameMatches:
    deals: tuple[DealMatch, ...] = ()
    accounts: tuple[Account, ...] = ()
    people: tuple[Person, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.deals or self.accounts or self.people)


def fold(name: str | None) -> str:
    """How names are compared: Unicode lower case (Cypher's toLower does the same)."""
    return (name or "").lower()


def search_terms(text: str) -> tuple[str, str] | None:
    """The id to match exactly and the folded text to look for in names; None when
    there is nothing to look for."""
    raw = text.strip()[:QUERY_MAX]
    return (raw, fold(raw)) if raw else None


def in_search_order(
    items: Iterable[T], raw: str, folded: str, key: Callable[[T], tuple[str, str | None]]
) -> list[T]:
    """The id itself first, then names starting with the text, then the others, each by
    folded name and id. `key` gives an item's (id, name)."""

    def rank(item: T) -> tuple[int, str, str]:
        record_id, name = key(item)
        name_folded = fold(name)
        first = 0 if record_id == raw else 1 if name_folded.startswith(folded) else 2
        return first, name_folded, record_id

    return sorted(items, key=rank)
