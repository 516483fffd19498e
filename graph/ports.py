"""The store port: small protocols, one per need, so that each analytic asks only for what it uses.

Both adapters (Neo4j and the embedded SQL store) implement all of them and
pass one contract suite; nothing here raises NotImplementedError.
Every method takes the tenant first: isolation is the store's job.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Protocol

from graph.models import (
    ClosedDeal,
    DealCommittee,
    DealRecord,
    Person,
    PersonRecord,
    SegmentFilter,
    UpsertCounts,
)


class DealWriter(Protocol):
    def upsert_deals(self, tenant: str, records: Sequence[DealRecord]) -> UpsertCounts:
        """Write the records in one transaction; all or nothing."""
        ...


class PeopleWriter(Protocol):
    def upsert_people(self, tenant: str, records: Sequence[PersonRecord]) -> UpsertCounts:
        """Write the contacts in one transaction; fields left empty keep their stored value."""
        ...


class CommitteeReader(Protocol):
    def deal_committee(self, tenant: str, deal_id: str) -> DealCommittee | None: ...


class SegmentReader(Protocol):
    def closed_deals(self, tenant: str, segment: SegmentFilter) -> list[ClosedDeal]:
        """The segment's won and lost deals with their committees, ordered by id."""
        ...


class PeopleDirectory(Protocol):
    def people(self, tenant: str, ids: Collection[str]) -> dict[str, Person]: ...


class Health(Protocol):
    def ping(self) -> None:
        """Raise StoreUnavailable when the store cannot answer."""
        ...


class GraphStore(
    DealWriter, PeopleWriter, CommitteeReader, SegmentReader, PeopleDirectory, Health, Protocol
):
    """Everything the service needs from a store; analytics depend on the narrow parts only."""

    def migrate(self) -> list[str]:
        """Apply pending schema migrations; answer the versions applied now (empty if none)."""
        ...

    def close(self) -> None: ...
