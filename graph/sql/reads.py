"""The SQL adapter's reads: committees, people, the history, and the stored counters."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from typing import Any, TypeVar

from sqlalchemy import Connection, and_, case, func, select

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
from graph.ports import StatsDelta, StatsVersion
from graph.resolution import Merge
from graph.rows import account_of, deal_of, person_of
from graph.sql.db import Database, chunks
from graph.sql.schema import (
    accounts,
    data_versions,
    deals,
    participations,
    people,
    person_merges,
    stats,
)
from graph.stats import band_range

# A seat's deal, and whether any of a person's seats in one deal is an outsider's (a
# person may sit in a deal from a CRM and from a note): the seat reads share both.
SEAT_DEAL = and_(participations.c.tenant == deals.c.tenant, participations.c.deal_id == deals.c.id)
SEAT_PERSON = and_(
    people.c.tenant == participations.c.tenant, people.c.id == participations.c.person_id
)
DEAL_ACCOUNT = and_(accounts.c.tenant == deals.c.tenant, accounts.c.id == deals.c.account_id)
ANY_EXTERNAL = func.max(case((participations.c.external, 1), else_=0)).label("external")
CLOSED = deals.c.outcome.in_(("won", "lost"))

T = TypeVar("T")


def segment_conditions(tenant: str, segment: SegmentFilter) -> list[Any]:
    conditions = [deals.c.tenant == tenant, CLOSED]
    if segment.industry_key:
        conditions.append(accounts.c.industry_key == segment.industry_key)
    if segment.region_key:
        conditions.append(accounts.c.region_key == segment.region_key)
    if segment.min_amount is not None:
        conditions.append(deals.c.amount >= segment.min_amount)
    if segment.max_amount is not None:
        conditions.append(deals.c.amount <= segment.max_amount)
    if segment.closed_before is not None:
        conditions.append(deals.c.closed_at < segment.closed_before)
    if segment.closed_from is not None:
        conditions.append(deals.c.closed_at >= segment.closed_from)
    return conditions


def cell_conditions(
    tenant: str, industry: str | None, region: str | None, band: int | None
) -> list[Any]:
    """A counter's cell: keys as stored ("" for none), a size band (None: any)."""
    conditions = [deals.c.tenant == tenant, CLOSED]
    for value, column in ((industry, accounts.c.industry_key), (region, accounts.c.region_key)):
        if value is not None:
            conditions.append(column == value if value else column.is_(None))
    if band is not None:
        span = band_range(band)
        if span is None:
            conditions.append(deals.c.amount.is_(None))
        else:
            conditions += [deals.c.amount >= span[0], deals.c.amount < span[1]]
    return conditions


def closed_deals_where(conn: Connection, conditions: Sequence[Any]) -> list[ClosedDeal]:
    """Closed deals with their committees (one seat per person), ordered by id."""
    joined = deals.join(accounts, DEAL_ACCOUNT)
    where = and_(*conditions)
    deal_rows = conn.execute(
        select(
            deals.c.id,
            deals.c.account_id,
            deals.c.outcome,
            deals.c.amount,
            deals.c.closed_at,
            accounts.c.industry,
            accounts.c.region,
        )
        .select_from(joined)
        .where(where)
        .order_by(deals.c.id)
    ).all()
    seat_rows = conn.execute(
        select(
            participations.c.deal_id,
            participations.c.person_id,
            ANY_EXTERNAL,
            people.c.role,
            people.c.external_kind,
        )
        .select_from(joined.join(participations, SEAT_DEAL).join(people, SEAT_PERSON))
        .where(where)
        .group_by(
            participations.c.deal_id,
            participations.c.person_id,
            people.c.role,
            people.c.external_kind,
        )
    ).all()
    seats: dict[str, list[SeatSummary]] = defaultdict(list)
    for row in seat_rows:
        external = bool(row.external)
        seats[row.deal_id].append(
            SeatSummary(
                row.person_id, committee_role(row.role, external, row.external_kind), external
            )
        )
    return [
        ClosedDeal(
            id=row.id,
            account_id=row.account_id,
            won=row.outcome == "won",
            amount=row.amount,
            closed_at=row.closed_at,
            industry=row.industry,
            region=row.region,
            seats=tuple(sorted(seats.get(row.id, []), key=lambda s: s.person_id)),
        )
        for row in deal_rows
    ]


def people_by_ids(conn: Connection, tenant: str, ids: Collection[str]) -> dict[str, Person]:
    found: dict[str, Person] = {}
    for chunk in chunks(sorted(set(ids))):
        rows = conn.execute(select(people).where(people.c.tenant == tenant, people.c.id.in_(chunk)))
        found.update({row.id: person_of(row._mapping) for row in rows})
    return found


def stat_row(row: Any) -> StatRow:
    sid, present, won, deal_ids = row.sid, row.present, row.won, row.deal_ids
    evidence = tuple(json.loads(deal_ids)) if deal_ids != "[]" else ()  # people keep none
    return StatRow(StatKey.of_sid(sid), int(present), int(won), evidence)


class SqlReads:
    """Every read port of the embedded store."""

    _db: Database

    # -- the history -------------------------------------------------------------------

    def closed_deals(self, tenant: str, segment: SegmentFilter) -> list[ClosedDeal]:
        with self._db.reading() as conn:
            return closed_deals_where(conn, segment_conditions(tenant, segment))

    def deal_committee(self, tenant: str, deal_id: str) -> DealCommittee | None:
        with self._db.reading() as conn:
            deal_row = conn.execute(
                select(deals).where(deals.c.tenant == tenant, deals.c.id == deal_id)
            ).first()
            if deal_row is None:
                return None
            account_row = conn.execute(
                select(accounts).where(
                    accounts.c.tenant == tenant, accounts.c.id == deal_row.account_id
                )
            ).first()
            seat_rows = conn.execute(
                select(participations)
                .where(participations.c.tenant == tenant, participations.c.deal_id == deal_id)
                .order_by(participations.c.person_id, participations.c.source)
            ).all()
            directory = people_by_ids(conn, tenant, [r.person_id for r in seat_rows])
        participants = []
        for r in seat_rows:
            person = directory[r.person_id]
            participants.append(
                Participant(
                    person=person,
                    deal_role=r.deal_role,
                    stance=r.stance,
                    source=r.source,
                    role=committee_role(person.role, r.external, person.external_kind),
                    external=r.external,
                    evidence=tuple(json.loads(r.evidence)),
                )
            )
        return DealCommittee(
            deal=deal_of(deal_row._mapping),
            account=account_of(
                account_row._mapping if account_row else {"id": deal_row.account_id}
            ),
            participants=tuple(participants),
        )

    # -- people and accounts -----------------------------------------------------------

    def people(self, tenant: str, ids: Collection[str]) -> dict[str, Person]:
        with self._db.reading() as conn:
            return people_by_ids(conn, tenant, ids)

    def people_at(self, tenant: str, account_id: str) -> list[Person]:
        with self._db.reading() as conn:
            return self._people_at(conn, tenant, account_id)

    def account_contacts(self, tenant: str, account_id: str) -> AccountContacts:
        with self._db.reading() as conn:
            found = self._people_at(conn, tenant, account_id)
            seats = self._seats_of(conn, tenant, [p.id for p in found])
            return AccountContacts(tuple(found), tuple(seats))

    @staticmethod
    def _people_at(conn: Connection, tenant: str, account_id: str) -> list[Person]:
        # Sorted here: ORDER BY id leads SQLite to walk the primary key over every
        # person of the tenant instead of using the account index.
        rows = conn.execute(
            select(people).where(people.c.tenant == tenant, people.c.account_id == account_id)
        )
        return sorted((person_of(row._mapping) for row in rows), key=lambda p: p.id)

    def account(self, tenant: str, account_id: str) -> Account | None:
        with self._db.reading() as conn:
            row = conn.execute(
                select(accounts).where(accounts.c.tenant == tenant, accounts.c.id == account_id)
            ).first()
        return account_of(row._mapping) if row else None

    def merged_into(self, tenant: str, person_id: str) -> list[Merge]:
        with self._db.reading() as conn:
            rows = conn.execute(
                select(person_merges)
                .where(person_merges.c.tenant == tenant, person_merges.c.person_id == person_id)
                .order_by(person_merges.c.alias_id)
            )
            return [Merge(r.alias_id, r.person_id, r.reason) for r in rows]

    def alias_target(self, tenant: str, alias_id: str) -> str | None:
        with self._db.reading() as conn:
            row = conn.execute(
                select(person_merges.c.person_id).where(
                    person_merges.c.tenant == tenant, person_merges.c.alias_id == alias_id
                )
            ).first()
        return row.person_id if row else None

    def seats_of(self, tenant: str, person_ids: Collection[str]) -> list[PersonSeat]:
        with self._db.reading() as conn:
            return self._seats_of(conn, tenant, person_ids)

    @staticmethod
    def _seats_of(conn: Connection, tenant: str, person_ids: Collection[str]) -> list[PersonSeat]:
        found: list[PersonSeat] = []
        for chunk in chunks(sorted(set(person_ids))):
            rows = conn.execute(
                select(
                    participations.c.person_id,
                    deals.c.id,
                    deals.c.account_id,
                    deals.c.outcome,
                    ANY_EXTERNAL,
                )
                .select_from(participations.join(deals, SEAT_DEAL))
                .where(participations.c.tenant == tenant, participations.c.person_id.in_(chunk))
                .group_by(
                    participations.c.person_id, deals.c.id, deals.c.account_id, deals.c.outcome
                )
            )
            found.extend(
                PersonSeat(r.person_id, r.id, r.account_id, r.outcome, bool(r.external))
                for r in rows
            )
        return sorted(found, key=lambda s: (s.person_id, s.deal_id))

    def _seated_where(
        self, tenant: str, person_ids: Collection[str], segment: SegmentFilter
    ) -> Any:
        # The seat's own tenant too: SQLite picks the person index only when it sees the
        # index's prefix on the seats table itself.
        return and_(
            *segment_conditions(tenant, segment),
            participations.c.tenant == tenant,
            participations.c.person_id.in_(sorted(set(person_ids))),
        )

    def first_deals(
        self, tenant: str, person_ids: Collection[str], segment: SegmentFilter
    ) -> dict[str, tuple[str, ...]]:
        joined = participations.join(deals, SEAT_DEAL).join(accounts, DEAL_ACCOUNT)
        found: dict[str, tuple[str, ...]] = {}
        with self._db.reading() as conn:
            # One query a person: each walks the person's seats in deal order and stops
            # at the fifth, however many deals they sat in.
            for person_id in sorted(set(person_ids)):
                rows = conn.execute(
                    select(participations.c.deal_id)
                    .distinct()
                    .select_from(joined)
                    .where(self._seated_where(tenant, [person_id], segment))
                    .order_by(participations.c.deal_id)
                    .limit(EVIDENCE_IDS)
                ).all()
                if rows:
                    found[person_id] = tuple(r.deal_id for r in rows)
        return found

    def seated_in(
        self, tenant: str, person_ids: Collection[str], segment: SegmentFilter
    ) -> dict[str, SeatedIn]:
        # Two indexed reads: the first deals stop at the fifth seat, the count reads all.
        first = self.first_deals(tenant, person_ids, segment)
        return {
            p: SeatedIn(first.get(p, ()), n)
            for p, n in self._accounts_sat_for(tenant, person_ids, segment).items()
        }

    def _accounts_sat_for(
        self, tenant: str, person_ids: Collection[str], segment: SegmentFilter
    ) -> dict[str, int]:
        joined = participations.join(deals, SEAT_DEAL).join(accounts, DEAL_ACCOUNT)
        found: dict[str, int] = {}
        with self._db.reading() as conn:
            for chunk in chunks(sorted(set(person_ids))):
                rows = conn.execute(
                    select(
                        participations.c.person_id,
                        func.count(func.distinct(deals.c.account_id)).label("accounts"),
                    )
                    .select_from(joined)
                    .where(self._seated_where(tenant, chunk, segment))
                    .group_by(participations.c.person_id)
                )
                found.update({r.person_id: int(r.accounts) for r in rows})
        return found

    def deal_coverage(self, tenant: str, deal_ids: Collection[str]) -> list[DealCoverage]:
        found: list[DealCoverage] = []
        with self._db.reading() as conn:
            for chunk in chunks(sorted(set(deal_ids))):
                heads = conn.execute(
                    select(deals.c.id, deals.c.outcome, accounts.c.industry)
                    .select_from(deals.outerjoin(accounts, DEAL_ACCOUNT))
                    .where(deals.c.tenant == tenant, deals.c.id.in_(chunk))
                ).all()
                seats = conn.execute(
                    select(
                        participations.c.deal_id,
                        participations.c.source,
                        participations.c.person_id,
                    ).where(participations.c.tenant == tenant, participations.c.deal_id.in_(chunk))
                ).all()
                people: dict[str, set[str]] = defaultdict(set)
                sources: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
                for s in seats:
                    people[s.deal_id].add(s.person_id)
                    sources[s.deal_id][s.source] += 1
                found.extend(
                    DealCoverage(
                        h.id,
                        h.outcome,
                        h.industry,
                        len(people[h.id]),
                        tuple(sorted(sources[h.id].items())),
                    )
                    for h in heads
                )
        return sorted(found, key=lambda c: c.deal_id)

    # -- counters ----------------------------------------------------------------------

    def stats_version(self, tenant: str) -> StatsVersion:
        with self._db.reading() as conn:
            return _version(conn, tenant)

    def stats_since(
        self,
        tenant: str,
        kinds: Collection[Kind],
        since: int | None,
        take: Callable[[StatsDelta], T],
    ) -> T:
        with self._db.reading() as conn:
            # The version first: rows a later write stamps may come too, never fewer.
            version = _version(conn, tenant)
            query = select(stats.c.sid, stats.c.present, stats.c.won, stats.c.deal_ids).where(
                stats.c.tenant == tenant, stats.c.kind.in_(sorted(kinds))
            )
            if since is not None:
                query = query.where(stats.c.version > since)
            rows = (stat_row(r) for r in conn.execute(query))
            return take(StatsDelta(version.version, version.generation, rows, version.seats))


def _version(conn: Connection, tenant: str) -> StatsVersion:
    row = conn.execute(
        select(
            data_versions.c.version, data_versions.c.generation, data_versions.c.seats_version
        ).where(data_versions.c.tenant == tenant)
    ).first()
    if row is None:
        return StatsVersion(0, 0)
    return StatsVersion(int(row.version), int(row.generation), int(row.seats_version))
