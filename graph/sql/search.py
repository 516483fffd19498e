"""The SQL adapter's search by name (graph.search; the pages' search box)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table, case, func, or_, select

from graph.rows import account_of, deal_of, person_of
from graph.search import DealMatch, NameMatches, fold, in_search_order, search_terms
from graph.sql.db import Database
from graph.sql.schema import accounts, deals, people


def _name_folding(conn: Connection) -> bool:
    """Make the connection fold names as graph.search.fold does; answer whether it is
    SQLite. SQLite's lower() folds ASCII only ("MÜLLER" would stay "mÜller"), so the
    connection is given Python's as `bcg_fold`."""
    if conn.dialect.name != "sqlite":
        return False
    driver = conn.connection.driver_connection
    assert driver is not None
    driver.create_function("bcg_fold", 1, fold, deterministic=True)
    return True


def _name_search(
    table: Table, tenant: str, raw: str, folded: str, limit: int, on_sqlite: bool
) -> Any:
    """The tenant's rows whose folded name holds the text (a plain substring: no LIKE
    wildcards to escape) or whose id is it, best `limit` first (graph.search order)."""
    whole: Any = func.coalesce(table.c.name, "")
    name = func.bcg_fold(whole) if on_sqlite else func.lower(whole)
    position = func.instr(name, folded) if on_sqlite else func.strpos(name, folded)
    return (
        select(table)
        .where(table.c.tenant == tenant, or_(table.c.id == raw, position > 0))
        .order_by(case((table.c.id == raw, 0), (position == 1, 1), else_=2), name, table.c.id)
        .limit(limit)
    )


def _id_and_name(record: Any) -> tuple[str, str | None]:
    return record.id, record.name


class SqlSearch:
    _db: Database

    def segment_names(self, tenant: str) -> tuple[list[str], list[str]]:
        with self._db.reading() as conn:
            found = [
                sorted(
                    {
                        str(r[1]): str(r[0])
                        for r in conn.execute(
                            select(name, key)
                            .distinct()
                            .where(accounts.c.tenant == tenant, key.is_not(None))
                            .order_by(name)
                        )
                    }.values(),
                    key=str.lower,
                )
                for name, key in (
                    (accounts.c.industry, accounts.c.industry_key),
                    (accounts.c.region, accounts.c.region_key),
                )
            ]
        return found[0], found[1]

    def search_names(self, tenant: str, text: str, limit: int) -> NameMatches:
        terms = search_terms(text)
        if terms is None:
            return NameMatches()
        raw, folded = terms
        with self._db.reading() as conn:
            on_sqlite = _name_folding(conn)
            found = {
                table.name: conn.execute(
                    _name_search(table, tenant, raw, folded, limit, on_sqlite)
                ).all()
                for table in (deals, accounts, people)
            }
            account_names = dict(
                conn.execute(
                    select(accounts.c.id, accounts.c.name).where(
                        accounts.c.tenant == tenant,
                        accounts.c.id.in_({row.account_id for row in found["deals"]}),
                    )
                ).all()
            )
        return NameMatches(
            deals=tuple(
                DealMatch(d, account_names.get(d.account_id))
                for d in in_search_order(
                    (deal_of(r._mapping) for r in found["deals"]), raw, folded, _id_and_name
                )
            ),
            accounts=tuple(
                in_search_order(
                    (account_of(r._mapping) for r in found["accounts"]), raw, folded, _id_and_name
                )
            ),
            people=tuple(
                in_search_order(
                    (person_of(r._mapping) for r in found["people"]), raw, folded, _id_and_name
                )
            ),
        )
