"""The Neo4j adapter's reads: committees, people, the history, and the stored counters.

Every read runs in `execute_read` through `Neo4jSession.read`; all Cypher is in
graph.neo4j.cypher.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any, TypeVar

from neo4j import ManagedTransaction

from graph.counts import EVIDENCE_IDS, Kind, StatKey, StatRow
from graph.models import (
    Account,
    AccountContacts,
    ClosedDeal,
    DealCommittee,
    DealCoverage,
    Participant,
    Person,
    PersonSeat,
    SeatedIn,
    SeatSummary,
    SegmentFilter,
    committee_role,
)
from graph.neo4j import cypher
from graph.neo4j.session import Neo4jSession, collected
from graph.ports import StatsDelta, StatsVersion
from graph.resolution import Merge
from graph.rows import account_of, deal_of, person_of

T = TypeVar("T")
STATS_PAGE = 5000  # counters per record of STATS_SINCE


def closed_deals_params(
    tenant: str,
    industry: str | None = None,
    region: str | None = None,
    segment: SegmentFilter | None = None,
) -> dict[str, Any]:
    cut = segment or SegmentFilter()
    return {
        "tenant": tenant,
        "industry": industry if segment is None else cut.industry_key,
        "region": region if segment is None else cut.region_key,
        "min_amount": cut.min_amount,
        "max_amount": cut.max_amount,
        "below": None,
        "no_amount": False,
        "closed_before": cut.closed_before,
        "closed_from": cut.closed_from,
    }


def closed_deals_in(tx: ManagedTransaction, params: dict[str, Any]) -> list[ClosedDeal]:
    out = []
    for r in tx.run(cypher.CLOSED_DEALS, params):
        seats = sorted(
            (
                SeatSummary(
                    s["person_id"],
                    committee_role(s["role"], bool(s["external"]), s["external_kind"]),
                    bool(s["external"]),
                )
                for s in r["seats"]
            ),
            key=lambda s: s.person_id,
        )
        out.append(
            ClosedDeal(
                id=r["id"],
                account_id=r["account_id"],
                won=r["outcome"] == "won",
                amount=r["amount"],
                closed_at=r["closed_at"],
                industry=r["industry"],
                region=r["region"],
                seats=tuple(seats),
            )
        )
    return out


def _people_at(tx: ManagedTransaction, tenant: str, account_id: str) -> list[Person]:
    rows = collected(tx, cypher.PEOPLE_AT, tenant=tenant, account_id=account_id)
    return sorted(map(person_of, rows), key=lambda p: p.id)


def _seats_of(tx: ManagedTransaction, tenant: str, person_ids: Collection[str]) -> list[PersonSeat]:
    rows = collected(tx, cypher.PERSON_SEATS, tenant=tenant, ids=sorted(set(person_ids)))
    rows.sort(key=lambda r: (r[0], r[1]))  # person, then deal
    return [PersonSeat(p, d, a, o, bool(x)) for p, d, a, o, x in rows]


def _version(tx: ManagedTransaction, tenant: str) -> StatsVersion:
    record = tx.run(cypher.STATS_VERSION, tenant=tenant).single()
    return (
        StatsVersion(int(record["version"]), int(record["generation"]), int(record["seats"]))
        if record
        else StatsVersion(0, 0)
    )


class Neo4jReads:
    """Every read port of the Neo4j store."""

    _session: Neo4jSession

    def closed_deals(self, tenant: str, segment: SegmentFilter) -> list[ClosedDeal]:
        params = closed_deals_params(tenant, segment=segment)
        return self._session.read(lambda tx: closed_deals_in(tx, params))

    def deal_committee(self, tenant: str, deal_id: str) -> DealCommittee | None:
        def work(tx: ManagedTransaction) -> DealCommittee | None:
            head = tx.run(cypher.DEAL, tenant=tenant, id=deal_id).single()
            if head is None:
                return None
            deal = deal_of(head["deal"])
            account = account_of(head["account"] or {"id": deal.account_id})
            participants = []
            for r in tx.run(cypher.DEAL_SEATS, tenant=tenant, id=deal_id):
                person = person_of(r["person"])
                seat = r["seat"]
                participants.append(
                    Participant(
                        person=person,
                        deal_role=seat["deal_role"],
                        stance=seat["stance"],
                        source=seat["source"],
                        role=committee_role(person.role, seat["external"], person.external_kind),
                        external=seat["external"],
                        evidence=tuple(seat.get("evidence") or ()),
                    )
                )
            return DealCommittee(deal, account, tuple(participants))

        return self._session.read(work)

    def people(self, tenant: str, ids: Collection[str]) -> dict[str, Person]:
        def work(tx: ManagedTransaction) -> dict[str, Person]:
            rows = collected(tx, cypher.PEOPLE, tenant=tenant, ids=sorted(set(ids)))
            return {person.id: person for person in map(person_of, rows)}

        return self._session.read(work)

    def people_at(self, tenant: str, account_id: str) -> list[Person]:
        return self._session.read(lambda tx: _people_at(tx, tenant, account_id))

    def account_contacts(self, tenant: str, account_id: str) -> AccountContacts:
        def work(tx: ManagedTransaction) -> AccountContacts:
            people = _people_at(tx, tenant, account_id)
            seats = _seats_of(tx, tenant, [p.id for p in people]) if people else []
            return AccountContacts(tuple(people), tuple(seats))

        return self._session.read(work)

    def merged_into(self, tenant: str, person_id: str) -> list[Merge]:
        def work(tx: ManagedTransaction) -> list[Merge]:
            rows = tx.run(cypher.MERGED_INTO, tenant=tenant, id=person_id)
            return [Merge(r["alias_id"], r["person_id"], r["reason"]) for r in rows]

        return self._session.read(work)

    def alias_target(self, tenant: str, alias_id: str) -> str | None:
        def work(tx: ManagedTransaction) -> str | None:
            row = tx.run(cypher.ALIAS_TARGET, tenant=tenant, id=alias_id).single()
            return str(row["person_id"]) if row else None

        return self._session.read(work)

    def account(self, tenant: str, account_id: str) -> Account | None:
        def work(tx: ManagedTransaction) -> Account | None:
            row = tx.run(cypher.ACCOUNT, tenant=tenant, id=account_id).single()
            return account_of(row["account"]) if row else None

        return self._session.read(work)

    def seats_of(self, tenant: str, person_ids: Collection[str]) -> list[PersonSeat]:
        return self._session.read(lambda tx: _seats_of(tx, tenant, person_ids))

    def _seated(
        self, query: Any, tenant: str, person_ids: Collection[str], segment: SegmentFilter
    ) -> list[Any]:
        params = closed_deals_params(tenant, segment=segment)
        params.pop("below")
        params.pop("no_amount")
        params.update(ids=sorted(set(person_ids)), first=EVIDENCE_IDS)

        def work(tx: ManagedTransaction) -> list[Any]:
            wide = params["industry"] is None and params["region"] is None
            accounts = None if wide else collected(tx, cypher.SEGMENT_ACCOUNTS, **params)
            return collected(tx, query, accounts=accounts, **params)

        return self._session.read(work)

    def first_deals(
        self, tenant: str, person_ids: Collection[str], segment: SegmentFilter
    ) -> dict[str, tuple[str, ...]]:
        rows = self._seated(cypher.FIRST_DEALS, tenant, person_ids, segment)
        return {p: tuple(first) for p, first in rows if first}

    def seated_in(
        self, tenant: str, person_ids: Collection[str], segment: SegmentFilter
    ) -> dict[str, SeatedIn]:
        rows = self._seated(cypher.SEATED_IN, tenant, person_ids, segment)
        return {p: SeatedIn(tuple(first), int(n)) for p, first, n in rows}

    def deal_coverage(self, tenant: str, deal_ids: Collection[str]) -> list[DealCoverage]:
        def work(tx: ManagedTransaction) -> list[DealCoverage]:
            rows = collected(tx, cypher.DEAL_COVERAGE, tenant=tenant, ids=sorted(set(deal_ids)))
            out = []
            for deal_id, outcome, industry, seats in rows:
                present = [(p, source) for p, source in seats if p is not None]
                sources: dict[str, int] = {}
                for _, source in present:
                    sources[source] = sources.get(source, 0) + 1
                out.append(
                    DealCoverage(
                        deal_id,
                        outcome,
                        industry,
                        len({p for p, _ in present}),
                        tuple(sorted(sources.items())),
                    )
                )
            return sorted(out, key=lambda c: c.deal_id)

        return self._session.read(work)

    # -- counters ----------------------------------------------------------------------

    def stats_version(self, tenant: str) -> StatsVersion:
        return self._session.read(lambda tx: _version(tx, tenant))

    def stats_since(
        self,
        tenant: str,
        kinds: Collection[Kind],
        since: int | None,
        take: Callable[[StatsDelta], T],
    ) -> T:
        def work(tx: ManagedTransaction) -> T:
            # The version first: rows a later write stamps may come too, never fewer.
            version = _version(tx, tenant)
            # Pages of rows: the driver decodes one list of thousands far faster than
            # thousands of records, and a page at a time never holds them all.
            result = tx.run(
                cypher.STATS_SINCE,
                tenant=tenant,
                since=-1 if since is None else since,
                kinds=sorted(kinds),
                page=STATS_PAGE,
            )
            rows = (
                StatRow(StatKey.of_sid(sid), int(p), int(w), tuple(ids or ()))
                for record in result
                for sid, p, w, ids in record["rows"]
            )
            return take(StatsDelta(version.version, version.generation, rows, version.seats))

        return self._session.read(work)
