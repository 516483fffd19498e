"""The store port: small protocols, one per need, so that each analytic asks only for what it uses.

Both adapters (Neo4j and the embedded SQL store) implement all of them and
pass one contract suite; nothing here raises NotImplementedError. Every method
takes the tenant first: isolation is the store's job. The writers' flow is
shared (graph.writing); docs/architecture.md tells which module owns what.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from graph.counts import Kind, StatRow
from graph.erasure import AuditEntry, ErasureReport
from graph.keys import ApiKey
from graph.models import (
    Account,
    AccountContacts,
    ActivityRecord,
    ClosedDeal,
    DealCommittee,
    DealCoverage,
    DealRecord,
    NoteRecord,
    Person,
    PersonRecord,
    PersonSeat,
    SeatedIn,
    SegmentFilter,
    UpsertCounts,
)
from graph.outreach import OutreachStore
from graph.resolution import Merge
from graph.search import NameMatches
from graph.webhooks import SignalStore

T = TypeVar("T")


class DealWriter(Protocol):
    def upsert_deals(self, tenant: str, records: Sequence[DealRecord]) -> UpsertCounts:
        """Write the records in one transaction; all or nothing."""
        ...


class PeopleWriter(Protocol):
    def upsert_people(self, tenant: str, records: Sequence[PersonRecord]) -> UpsertCounts:
        """Write the contacts in one transaction; fields left empty keep their stored value."""
        ...


class NoteWriter(Protocol):
    def upsert_notes(self, tenant: str, records: Sequence[NoteRecord]) -> UpsertCounts:
        """Write notes and their mentions in one transaction, and refresh the seats that
        the notes of the touched deals give (`SAT_IN {source: note}`)."""
        ...


@dataclass(frozen=True)
class StatsVersion:
    """The tenant's data version (moved by every write that changes its data) and the
    generation of its counters (moved when they were counted again or lost a person)."""

    version: int
    generation: int
    seats: int = 0  # the last version that moved a seat of a closed deal (not an amount)


@dataclass(frozen=True)
class StatsDelta:
    """Counters moved after a version (with the evidence ids of the kinds that keep them),
    and the version and generation read before them: a later write's rows may be among
    them, never missing. The rows stream from the store's read, once, inside the `take`
    they were handed to: a fresh worker's 200,000 person counters never stand in a list."""

    version: int
    generation: int
    rows: Iterable[StatRow]
    seats: int = 0  # StatsVersion.seats, read with `version`


class StatsReader(Protocol):
    """The counters every write keeps (graph.counts), as graph.live follows them."""

    def stats_version(self, tenant: str) -> StatsVersion: ...

    def stats_since(
        self,
        tenant: str,
        kinds: Collection[Kind],
        since: int | None,
        take: Callable[[StatsDelta], T],
    ) -> T:
        """Counters of these kinds moved after `since` (None: all), with their evidence,
        handed to `take` inside the read (whose answer this is; it may run again when
        the read is retried)."""
        ...


class Recounter(Protocol):
    def recount(self, tenant: str) -> int:
        """Count the tenant's counters again from its closed deals."""
        ...


class ActivityWriter(Protocol):
    def upsert_activities(self, tenant: str, records: Sequence[ActivityRecord]) -> UpsertCounts:
        """Write activities and their people in one transaction (people resolved as a
        deal's contacts are), and refresh the seats they give (`SAT_IN {source:
        activity}`, graph.activities) of every deal they touch, before and after."""
        ...


class CoverageReader(Protocol):
    def deal_coverage(self, tenant: str, deal_ids: Collection[str]) -> list[DealCoverage]:
        """Outcome, industry, committee size and seats per source of these deals, ordered
        by id; ids of no stored deal are left out (an import report's `coverage`)."""
        ...


class CommitteeReader(Protocol):
    def deal_committee(self, tenant: str, deal_id: str) -> DealCommittee | None: ...


class SegmentReader(Protocol):
    def closed_deals(self, tenant: str, segment: SegmentFilter) -> list[ClosedDeal]:
        """The segment's won and lost deals with their committees, ordered by id."""
        ...


class PeopleDirectory(Protocol):
    def people(self, tenant: str, ids: Collection[str]) -> dict[str, Person]: ...

    def people_at(self, tenant: str, account_id: str) -> list[Person]:
        """The contacts an account employs, ordered by id."""
        ...


class AccountReader(Protocol):
    def account(self, tenant: str, account_id: str) -> Account | None: ...


class MergeLedger(Protocol):
    """The record of contacts merged into one person (graph.resolution)."""

    def merged_into(self, tenant: str, person_id: str) -> list[Merge]:
        """Merges whose surviving person is `person_id`, ordered by alias id."""
        ...

    def alias_target(self, tenant: str, alias_id: str) -> str | None:
        """The person an id was merged into, or None when it is not an alias."""
        ...


class PersonHistory(Protocol):
    def seats_of(self, tenant: str, person_ids: Collection[str]) -> list[PersonSeat]:
        """Every deal these people sat in (any outcome), ordered by person and deal."""
        ...


class Seated(Protocol):
    """Where people sat in a segment's closed deals, for the few a ranking names."""

    def first_deals(
        self, tenant: str, person_ids: Collection[str], segment: SegmentFilter
    ) -> dict[str, tuple[str, ...]]:
        """The smallest few deal ids of each (the evidence a ranking shows)."""
        ...

    def seated_in(
        self, tenant: str, person_ids: Collection[str], segment: SegmentFilter
    ) -> dict[str, SeatedIn]:
        """`first_deals` and how many distinct accounts' deals each sat in, in one read
        of their seats (a consultant's run to thousands): what a people ranking shows."""
        ...


class ContactsReader(Protocol):
    def account_contacts(self, tenant: str, account_id: str) -> AccountContacts:
        """`people_at` and the `seats_of` those people, in one read."""
        ...


class SegmentNames(Protocol):
    def segment_names(self, tenant: str) -> tuple[list[str], list[str]]:
        """The industries and regions the tenant's accounts carry, as they spell them
        (one spelling per segment key), each sorted case-insensitively."""
        ...


class NameSearch(Protocol):
    """Finding records by name (graph.search), for the pages' search box."""

    def search_names(self, tenant: str, text: str, limit: int) -> NameMatches:
        """Deals, accounts and people of the tenant whose name holds `text` (folded with
        graph.search.fold) or whose id is `text`; at most `limit` of each, in
        graph.search.in_search_order. Empty for blank text."""
        ...


class KeyStore(Protocol):
    """API keys; only hashes are stored. Keys are not tenant data: the root key manages all."""

    def create_key(self, key: ApiKey) -> None: ...

    def get_key(self, key_id: str) -> ApiKey | None: ...

    def list_keys(self, tenant: str | None) -> list[ApiKey]:
        """Keys of one tenant, or of all tenants with None; ordered by creation."""
        ...

    def revoke_key(self, key_id: str, at: str) -> bool:
        """Revoke a live key; False when there is none by that id."""
        ...


class PersonEraser(Protocol):
    def erase_person(self, tenant: str, person_id: str, key_id: str | None) -> ErasureReport | None:
        """Remove a person and every trace of them in one transaction, redact their name
        and e-mail in notes and evidence, and write an audit entry without personal data.
        None when there is no such person."""
        ...

    def audit_entries(self, tenant: str) -> list[AuditEntry]: ...


class Health(Protocol):
    def ping(self) -> None:
        """Raise StoreUnavailable when the store cannot answer."""
        ...


class GraphStore(
    DealWriter,
    PeopleWriter,
    NoteWriter,
    ActivityWriter,
    CoverageReader,
    CommitteeReader,
    SegmentReader,
    StatsReader,
    Recounter,
    PeopleDirectory,
    AccountReader,
    PersonHistory,
    Seated,
    ContactsReader,
    MergeLedger,
    NameSearch,
    SegmentNames,
    KeyStore,
    PersonEraser,
    OutreachStore,
    Health,
    SignalStore,
    Protocol,
):
    """Everything the service needs from a store; analytics depend on the narrow parts only."""

    def migrate(self) -> list[str]:
        """Apply pending schema migrations; answer the versions applied now (empty if none)."""
        ...

    def close(self) -> None: ...
