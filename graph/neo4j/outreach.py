"""The Neo4j adapter's outreach: :Outreach nodes, their write primitives and reads."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from neo4j import ManagedTransaction

from graph.models import SegmentFilter
from graph.neo4j import cypher
from graph.neo4j.reads import closed_deals_params
from graph.neo4j.session import Neo4jSession, collected
from graph.outreach import OutreachTx, OutreachWriter, StanceSeat, StoredTarget, target_of
from graph.rows import Row
from graph.writing import WriteTx


class Neo4jOutreachTx:
    """Outreach primitives in the write's managed transaction."""

    def __init__(self, tx: ManagedTransaction, tenant: str, batch_size: int) -> None:
        self._tx = tx
        self._tenant = tenant
        self._batch = batch_size

    def outreach_hashes(self, ids: Sequence[str]) -> dict[str, str]:
        rows = collected(self._tx, cypher.OUTREACH_HASHES, tenant=self._tenant, ids=list(ids))
        return {i: h for i, h in rows}

    def accounts_named(self, names: Sequence[str]) -> list[tuple[str, str | None]]:
        rows = collected(self._tx, cypher.ACCOUNTS_NAMED, tenant=self._tenant, names=list(names))
        return sorted(((i, n) for i, n in rows), key=lambda r: r[0])

    def unmatched_targets(self) -> list[tuple[StoredTarget, str]]:
        rows = collected(self._tx, cypher.UNMATCHED_OUTREACH, tenant=self._tenant)
        return [(target_of({c: r.get(c) for c in COLUMNS}), r["content_hash"]) for r in rows]

    def outreach_names(self) -> list[tuple[str, str]]:
        rows = collected(self._tx, cypher.OUTREACH_NAMES, tenant=self._tenant)
        return [(i, n) for i, n in rows]

    def forget_in_outreach(self, person_id: str, email: str | None, ids: Sequence[str]) -> int:
        record = self._tx.run(
            cypher.FORGET_IN_OUTREACH,
            tenant=self._tenant,
            id=person_id,
            email=email.lower() if email else None,
            ids=sorted(set(ids)),
        ).single()
        return int(record["forgotten"]) if record else 0

    def put_outreach(self, rows: Sequence[Row]) -> None:
        for start in range(0, len(rows), self._batch):
            self._tx.run(
                cypher.MERGE_OUTREACH,
                tenant=self._tenant,
                rows=list(rows[start : start + self._batch]),
            ).consume()


class Neo4jOutreach(OutreachWriter):
    """Outreach on the Neo4j store (mixed into graph.neo4j.store.Neo4jGraphStore)."""

    _session: Neo4jSession
    _batch_size: int

    def _outreach_tx(self, tx: WriteTx) -> OutreachTx:
        managed: ManagedTransaction = tx._tx  # type: ignore[attr-defined]
        return Neo4jOutreachTx(managed, tx._tenant, self._batch_size)  # type: ignore[attr-defined]

    def outreach_targets(self, tenant: str, campaign: str | None) -> list[StoredTarget]:
        key = campaign.strip().lower() if campaign is not None else None
        rows = self._session.read(
            lambda tx: collected(tx, cypher.OUTREACH_TARGETS, tenant=tenant, campaign=key)
        )
        return [target_of({c: row.get(c) for c in COLUMNS}) for row in rows]

    def won_stances(
        self, tenant: str, person_ids: Collection[str], segment: SegmentFilter
    ) -> list[StanceSeat]:
        params = closed_deals_params(tenant, segment=segment)
        params.pop("below")
        params.pop("no_amount")
        params["ids"] = sorted(set(person_ids))
        rows = self._session.read(lambda tx: collected(tx, cypher.WON_STANCES, **params))
        seats = [
            StanceSeat(p, d, a, r or "other", s or "unknown", src, bool(x))
            for p, d, a, r, s, src, x in rows
        ]
        return sorted(seats, key=lambda s: (s.person_id, s.deal_id, s.source))


COLUMNS = (
    "id",
    "source",
    "campaign",
    "channel",
    "spend",
    "occurred_at",
    "given_person_id",
    "email",
    "name",
    "company",
    "title",
    "role",
    "audience",
    "status",
    "person_id",
    "match",
)
