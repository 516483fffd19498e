"""The counters every write keeps give the answers a full recount gives, on both stores.

Hypothesis applies random sequences of writes (new deals; outcome, amount, stage,
account and segment changes; participants added and removed; titles changed;
people merged by e-mail; notes naming people; a person erased) to a real store,
and after each sequence compares what a worker following the store's counters
answers (graph.live) with what a from-scratch tally of the stored closed deals
answers: every role and people ranking, segment committee and likely committee,
and the stored counters themselves.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from app.stores import build_store
from graph.analytics import (
    Counts,
    committee_of_segment,
    likely_committee,
    rank_people,
    rank_roles,
)
from graph.counts import tally
from graph.errors import NotFound
from graph.influence import InfluenceSettings, Scratch
from graph.likely import LikelySettings
from graph.live import LiveCounts
from graph.models import SegmentFilter
from graph.ports import GraphStore
from ingest.batches import prepare_deals, prepare_people
from ingest.notes.intake import prepare_notes
from tests.conftest import make_settings, stored_counters

ACCOUNTS = {
    "a1": [("Retail", "EMEA"), ("Retail", "AMER")],
    "a2": [("Retail", "EMEA"), ("Healthcare", "EMEA")],
    "a3": [("Healthcare", "AMER"), (None, "AMER")],
}
PEOPLE = {
    "p1": ("Dana Weiss", ["CFO", "General Counsel"]),
    "p2": ("Omar Haddad", ["CISO", "IT Manager"]),
    "p3": ("Lena Park", ["Senior Consultant", "VP Engineering"]),
    "p4": ("Ravi Rao", ["Head of Procurement", "CFO"]),
    "p5": ("Mia Chen", ["IT Manager", "COO"]),
}
AMOUNTS = [None, 2.0, 9_000.0, 40_000.0, 40_500.0, 350_000.0]
DEALS = [f"d{i}" for i in range(7)]
INFLUENCE = InfluenceSettings()
LIKELY = LikelySettings(min_similar=2)

account = st.tuples(st.sampled_from(sorted(ACCOUNTS)), st.integers(0, 1))
participant = st.tuples(
    st.sampled_from(sorted(PEOPLE)),
    st.integers(0, 1),  # which title
    st.sampled_from(["champion", "blocker", "neutral"]),
    st.booleans(),  # employed by the deal's account, or another one
)
deal_write = st.builds(
    lambda deal, acc, outcome, amount, stage, people: (
        "deal",
        deal,
        acc,
        outcome,
        amount,
        stage,
        people,
    ),
    st.sampled_from(DEALS),
    account,
    st.sampled_from(["won", "lost", "open"]),
    st.sampled_from(AMOUNTS),
    st.sampled_from(["Negotiation", "Closed", None]),
    st.lists(participant, max_size=4, unique_by=lambda p: p[0]),
)
title_change = st.tuples(st.just("title"), st.sampled_from(sorted(PEOPLE)), st.integers(0, 1))
merge = st.tuples(st.just("merge"), st.sampled_from(sorted(PEOPLE)), st.integers(0, 1))
note = st.tuples(st.just("note"), st.sampled_from(DEALS), st.sampled_from(sorted(PEOPLE)))
erase = st.tuples(st.just("erase"), st.sampled_from(sorted(PEOPLE)))
writes = st.lists(
    st.one_of(deal_write, deal_write, deal_write, title_change, merge, note, erase),
    min_size=1,
    max_size=14,
)


@pytest.fixture(params=["sqlite", "neo4j"], scope="module")
def store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[GraphStore]:
    kind: str = request.param
    if kind == "neo4j":
        request.getfixturevalue("neo4j_driver")
    path: Path = tmp_path_factory.mktemp(f"counters-{kind}")
    built = build_store(make_settings(kind, path))
    built.migrate()
    yield built
    built.close()


def _person(person_id: str, title: int, employer: str | None) -> dict[str, Any]:
    name, titles = PEOPLE[person_id]
    return {
        "id": person_id,
        "name": name,
        "title": titles[title],
        "email": f"{person_id}@example.com",
        **({"account_id": employer} if employer else {}),
    }


def _apply(store: GraphStore, tenant: str, write: tuple[Any, ...]) -> None:
    kind = write[0]
    if kind == "deal":
        _, deal_id, (acc, variant), outcome, amount, stage, people = write
        industry, region = ACCOUNTS[acc][variant]
        others = sorted(set(ACCOUNTS) - {acc})
        raw = {
            "id": deal_id,
            "account": {"id": acc, "name": acc.upper(), "industry": industry, "region": region},
            "outcome": outcome,
            "amount": amount,
            "stage": stage,
            "closed_at": "2025-03-01" if outcome != "open" else None,
            "participants": [
                {
                    "person": _person(pid, title, acc if own else others[0]),
                    "deal_role": "influencer",
                    "stance": stance,
                }
                for pid, title, stance, own in people
            ],
        }
        prepared = prepare_deals([raw])
        assert not prepared.rejected, prepared.rejected
        store.upsert_deals(tenant, prepared.records)
    elif kind == "title":
        _, pid, title = write
        found = store.people(tenant, [pid]).get(pid)
        if found is not None:
            prepared_people = prepare_people([_person(pid, title, found.account_id)])
            store.upsert_people(tenant, prepared_people.records)
    elif kind == "merge":
        # A contact under a new id with a known e-mail address is the known person.
        _, pid, title = write
        found = store.people(tenant, [pid]).get(pid)
        if found is not None:
            # The CRM's id of that contact: merged the first time, then sent again (perhaps
            # with a new title, which rewrites the person it was merged into).
            alias = {**_person(pid, title, found.account_id), "id": f"{pid}-crm"}
            store.upsert_people(tenant, prepare_people([alias]).records)
    elif kind == "note":
        _, deal_id, pid = write
        name = PEOPLE[pid][0]
        raw_note = {
            "id": f"n-{deal_id}-{pid}",
            "deal_id": deal_id,
            "occurred_at": "2025-02-01",
            "text": f"{name} will block this deal.",
        }
        prepared_notes = prepare_notes([raw_note], store, tenant)
        store.upsert_notes(tenant, prepared_notes.records)
    elif kind == "erase":
        store.erase_person(tenant, write[1], None)


SEGMENTS = [
    SegmentFilter(industry=i, region=r)
    for i, r in itertools.product([None, "Retail", "Healthcare"], [None, "EMEA", "AMER"])
]


def _answers(counts: Counts, store: GraphStore, tenant: str) -> dict[Any, Any]:
    out: dict[Any, Any] = {}
    for segment in SEGMENTS:
        out[("committee", segment)] = committee_of_segment(counts, segment)
        for direction in ("positive", "negative"):
            out[("roles", segment, direction)] = rank_roles(
                counts, segment, direction, 1, 50, INFLUENCE
            )
            out[("people", segment, direction)] = rank_people(
                counts, store, tenant, segment, None, direction, 1, 50, INFLUENCE
            )
        out[("in-role", segment)] = rank_people(
            counts, store, tenant, segment, "c_level.finance", "positive", 1, 50, INFLUENCE
        )
    targets = [{"deal_id": d} for d in DEALS] + [{"account_id": a} for a in ACCOUNTS]
    for target in targets:
        try:
            out[("likely", *target.values())] = likely_committee(
                store,
                counts,
                tenant,
                min_probability=0.0,
                influence=INFLUENCE,
                likely=LIKELY,
                **target,  # type: ignore[arg-type]
            )
        except NotFound:
            out[("likely", *target.values())] = None
    return out


def _closed(
    deal: str, acc: tuple[str, int], *people: tuple[str, int, str, bool]
) -> tuple[Any, ...]:
    return ("deal", deal, acc, "won", 40_000.0, "Closed", list(people))


DANA = ("p1", 0, "champion", True)
OMAR = ("p2", 0, "neutral", True)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=writes)
# A new title moves the person's role in every deal they sat in.
@example([_closed("d1", ("a1", 0), DANA), _closed("d2", ("a2", 0), DANA), ("title", "p1", 1)])
# A new segment for an account moves every deal it holds.
@example([_closed("d1", ("a1", 0), DANA), _closed("d2", ("a1", 1), OMAR)])
# A deal leaving a counter that lists it among its first ids: the next one takes its place.
@example(
    [_closed(d, ("a1", 0), OMAR) for d in DEALS]
    + [("deal", "d0", ("a1", 0), "open", 40_000.0, None, [OMAR])]
)
# Merged by e-mail, named in a note, erased.
@example(
    [
        _closed("d3", ("a3", 0), ("p3", 0, "neutral", False), DANA),
        ("merge", "p3", 1),
        ("note", "d3", "p1"),
        ("erase", "p1"),
    ]
)
# A merged id sent again with a new title moves the person it was merged into.
@example(
    [
        _closed("d1", ("a1", 0), DANA),
        _closed("d2", ("a2", 0), DANA),
        ("merge", "p1", 0),
        ("merge", "p1", 1),
        _closed("d1", ("a1", 0), DANA, OMAR),
    ]
)
def test_counters_kept_by_writes_answer_as_a_full_recount(
    store: GraphStore, sequence: list[tuple[Any, ...]]
) -> None:
    tenant = f"t{uuid.uuid4().hex[:12]}"
    live = LiveCounts(store, tenant)
    for step, write in enumerate(sequence):
        _apply(store, tenant, write)
        if step % 4 == 3:
            # A worker that reads between writes catches up from where it was, and keeps
            # where the people it named sat until their counters move in those segments.
            with live.reading(people=True) as counts:
                _answers(counts, store, tenant)
    history = store.closed_deals(tenant, SegmentFilter())
    scratch = Scratch(history)
    stored = stored_counters(store, tenant)
    kept = {r.key: (r.present, r.won) for r in stored if r.present}
    assert kept == {r.key: (r.present, r.won) for r in tally(history).rows()}
    assert {r.key: r.deal_ids for r in stored if r.key.keeps_evidence and r.present} == {
        r.key: r.deal_ids for r in scratch.rows if r.key.keeps_evidence
    }
    with live.reading(people=True) as counts:
        followed = _answers(counts, store, tenant)
    fresh = LiveCounts(store, tenant)  # a new worker: loads the counters, not the history
    with fresh.reading(people=True) as counts:
        loaded = _answers(counts, store, tenant)
    recounted = _answers(Counts(scratch.table), store, tenant)
    for key, expected in recounted.items():
        assert followed[key] == expected, key
        assert loaded[key] == expected, key


def _deal(deal_id: str, amount: float, people: list[str]) -> dict[str, Any]:
    return {
        "id": deal_id,
        "account": {"id": "acme", "name": "Acme", "industry": "Healthcare", "region": "EMEA"},
        "outcome": "won",
        "amount": amount,
        "closed_at": "2025-03-01",
        "participants": [{"person": _person(pid, 0, "acme")} for pid in people],
    }


def test_where_people_sat_stands_across_writes_that_only_move_amounts(store: GraphStore) -> None:
    """A CRM sync rewrites amounts all day; reading again where a consultant sat (their
    thousands of seats) after each would be most of a warm path's time on Neo4j. Only a
    write that moves a seat, or a segment cut by amount, reads them again."""
    tenant = f"seats-{uuid.uuid4().hex[:8]}"
    person = sorted(PEOPLE)[0]
    for deal_id, amount in (("d1", 10_000.0), ("d2", 20_000.0), ("d3", 30_000.0)):
        store.upsert_deals(tenant, prepare_deals([_deal(deal_id, amount, [person])]).records)
    live = LiveCounts(store, tenant)
    reads: list[SegmentFilter] = []
    segments = [SegmentFilter(), SegmentFilter(min_amount=15_000.0)]

    def first_deals() -> list[tuple[str, ...]]:
        answers = []
        with live.reading(people=True) as counts:
            for segment in segments:

                def read(wanted: list[str], segment: SegmentFilter = segment) -> Any:
                    reads.append(segment)
                    return store.first_deals(tenant, wanted, segment)

                answers.append(counts.per_person(("first", segment), [person], read)[person])
        return answers

    assert first_deals() == [("d1", "d2", "d3"), ("d2", "d3")]
    assert len(reads) == 2
    # d1 now above the cut: the amount-cut segment reads again, the other does not.
    store.upsert_deals(tenant, prepare_deals([_deal("d1", 40_000.0, [person])]).records)
    assert first_deals() == [("d1", "d2", "d3"), ("d1", "d2", "d3")]
    assert reads[2:] == [segments[1]]
    # The person leaves d2: every segment holding it reads again.
    store.upsert_deals(tenant, prepare_deals([_deal("d2", 20_000.0, [sorted(PEOPLE)[1]])]).records)
    assert first_deals() == [("d1", "d3"), ("d1", "d3")]
    assert reads[3:] == segments
