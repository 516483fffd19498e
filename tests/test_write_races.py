"""Writes whose inputs were read before another write changed the store, and stores
written before counters were kept: the kept counters must still answer as a full
recount of the stored history, and every read must still answer (both stores).

Each case is one a CRM sync meets: a note prepared while its person is erased, two
note batches naming the same new person with different titles, a deal moved to
another account after notes named its people, a tenant whose data predates the
store's data versions.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete

from app.stores import build_store
from graph.counts import tally
from graph.models import SegmentFilter
from graph.ports import GraphStore
from ingest.batches import prepare_deals
from ingest.notes.intake import prepare_notes
from tests.conftest import make_settings, stored_counters, wipe_neo4j

TENANT = "t-races"


@pytest.fixture(params=["sqlite", "neo4j"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    kind: str = request.param
    if kind == "neo4j":
        wipe_neo4j(request.getfixturevalue("neo4j_driver"))
    built = build_store(make_settings(kind, tmp_path))
    built.migrate()
    yield built
    built.close()


def _deal(deal_id: str, account: str, *people: dict[str, Any], outcome: str = "won") -> Any:
    raw = {
        "id": deal_id,
        "account": {"id": account, "name": account.upper(), "industry": "Retail", "region": "EMEA"},
        "outcome": outcome,
        "amount": 40_000,
        "closed_at": "2025-03-01" if outcome != "open" else None,
        "participants": [{"person": p, "deal_role": "influencer"} for p in people],
    }
    prepared = prepare_deals([raw])
    assert not prepared.rejected, prepared.rejected
    return prepared.records


def _note(note_id: str, deal_id: str, text: str) -> dict[str, Any]:
    return {"id": note_id, "deal_id": deal_id, "occurred_at": "2025-02-01", "text": text}


def _assert_counters_are_a_recount(store: GraphStore) -> None:
    history = store.closed_deals(TENANT, SegmentFilter())
    kept = {r.key: (r.present, r.won) for r in stored_counters(store, TENANT)}
    assert {k: v for k, v in kept.items() if v[0]} == {
        r.key: (r.present, r.won) for r in tally(history).rows()
    }


DANA = {"id": "p1", "name": "Dana Weiss", "title": "CFO", "account_id": "a1"}
OMAR = {"id": "p2", "name": "Omar Haddad", "title": "CISO", "account_id": "a1"}


def test_a_note_read_before_its_person_was_erased_seats_nobody(store: GraphStore) -> None:
    store.upsert_deals(TENANT, _deal("d1", "a1", DANA, OMAR))
    prepared = prepare_notes([_note("n1", "d1", "Dana Weiss will block this deal.")], store, TENANT)
    assert store.erase_person(TENANT, "p1", None) is not None
    store.upsert_notes(TENANT, prepared.records)
    committee = store.deal_committee(TENANT, "d1")
    assert committee is not None
    assert [p.person.id for p in committee.participants] == ["p2"]
    _assert_counters_are_a_recount(store)


def test_two_note_batches_naming_one_new_person_count_them_once(store: GraphStore) -> None:
    store.upsert_deals(TENANT, _deal("d1", "a1", OMAR))
    store.upsert_deals(TENANT, _deal("d2", "a1", OMAR, outcome="lost"))
    # Both prepared before either is written: each finds Petra new.
    first = prepare_notes([_note("n1", "d1", "Met Petra Vogel (CFO), supportive.")], store, TENANT)
    second = prepare_notes(
        [_note("n2", "d2", "Petra Vogel (Head of Procurement) will block it.")], store, TENANT
    )
    store.upsert_notes(TENANT, first.records)
    store.upsert_notes(TENANT, second.records)
    _assert_counters_are_a_recount(store)


def test_a_deal_moved_to_another_account_makes_its_note_people_outsiders(
    store: GraphStore,
) -> None:
    store.upsert_deals(TENANT, _deal("d1", "a1", OMAR))
    store.upsert_deals(TENANT, _deal("d0", "a1", DANA))
    prepared = prepare_notes(
        [_note("n1", "d1", "Dana Weiss is a strong supporter.")], store, TENANT
    )
    store.upsert_notes(TENANT, prepared.records)
    store.upsert_deals(TENANT, _deal("d1", "a2", OMAR))
    committee = store.deal_committee(TENANT, "d1")
    assert committee is not None
    seats = {(p.person.id, p.source): p for p in committee.participants}
    # Both work for a1, and the deal is now a2's: the CRM's seat and the note's agree.
    assert seats[("p2", "crm")].external and seats[("p1", "note")].external
    assert seats[("p1", "note")].role == seats[("p2", "crm")].role == "external.advisor"
    _assert_counters_are_a_recount(store)


def _forget_versions_and_counters(store: GraphStore, request: pytest.FixtureRequest) -> None:
    """The store as a release before data versions left it: deals, no version, no counters."""
    if request.node.callspec.params["store"] == "neo4j":
        driver = request.getfixturevalue("neo4j_driver")
        with driver.session() as session:
            session.run(
                "MATCH (n) WHERE (n:BcgDataVersion OR n:Stat) AND n.tenant = $tenant DELETE n",
                tenant=TENANT,
            ).consume()
        return
    from graph.sql.schema import data_versions, stats

    engine = store._db.engine  # type: ignore[attr-defined]
    with engine.begin() as conn:
        conn.execute(delete(data_versions).where(data_versions.c.tenant == TENANT))
        conn.execute(delete(stats).where(stats.c.tenant == TENANT))


def test_a_tenant_written_before_data_versions_is_counted_on_migrate(
    store: GraphStore, request: pytest.FixtureRequest
) -> None:
    store.upsert_deals(TENANT, _deal("d1", "a1", DANA, OMAR))
    store.upsert_deals(TENANT, _deal("d2", "a1", DANA, outcome="lost"))
    _forget_versions_and_counters(store, request)
    store.migrate()
    _assert_counters_are_a_recount(store)
    # And the next write to one of its closed deals moves counters that exist.
    store.upsert_deals(TENANT, _deal("d1", "a1", OMAR, outcome="lost"))
    _assert_counters_are_a_recount(store)
