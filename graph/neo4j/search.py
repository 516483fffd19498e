"""The Neo4j adapter's search by name (graph.search; the pages' search box)."""

from __future__ import annotations

from typing import Any

from neo4j import ManagedTransaction

from graph.neo4j import cypher
from graph.neo4j.session import Neo4jSession, collected
from graph.rows import account_of, deal_of, person_of
from graph.search import DealMatch, NameMatches, in_search_order, search_terms


def _id_and_name(record: Any) -> tuple[str, str | None]:
    return record.id, record.name


class Neo4jSearch:
    _session: Neo4jSession

    def segment_names(self, tenant: str) -> tuple[list[str], list[str]]:
        def work(tx: ManagedTransaction) -> tuple[list[str], list[str]]:
            record = tx.run(cypher.SEGMENT_NAMES, tenant=tenant).single()
            found = [
                sorted(
                    {k: n for n, k in sorted(record[f] if record else [])}.values(), key=str.lower
                )
                for f in ("industries", "regions")
            ]
            return found[0], found[1]

        return self._session.read(work)

    def search_names(self, tenant: str, text: str, limit: int) -> NameMatches:
        terms = search_terms(text)
        if terms is None:
            return NameMatches()
        raw, folded = terms
        params = {"tenant": tenant, "id": raw, "text": folded, "limit": limit}

        def work(tx: ManagedTransaction) -> NameMatches:
            deal_rows = collected(tx, cypher.SEARCH_DEALS, **params)
            account_rows = collected(tx, cypher.SEARCH_ACCOUNTS, **params)
            person_rows = collected(tx, cypher.SEARCH_PEOPLE, **params)
            return NameMatches(
                deals=tuple(
                    in_search_order(
                        (DealMatch(deal_of(props), name) for props, name in deal_rows),
                        raw,
                        folded,
                        lambda m: (m.deal.id, m.deal.name),
                    )
                ),
                accounts=tuple(
                    in_search_order(map(account_of, account_rows), raw, folded, _id_and_name)
                ),
                people=tuple(
                    in_search_order(map(person_of, person_rows), raw, folded, _id_and_name)
                ),
            )

        return self._session.read(work)
