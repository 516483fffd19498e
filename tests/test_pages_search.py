"""Search by name (the pages' search box) on both stores: the same hits, in the same order,
case-insensitive, literal, tenant-scoped and limited."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from graph.ports import NameSearch
from graph.search import NameMatches

DEALS: list[dict[str, Any]] = [
    {
        "id": "opp-1",
        "name": "Müller Logistik – Renewal",
        "outcome": "open",
        "amount": 120000,
        "account": {"id": "acc-m", "name": "MÜLLER Logistik GmbH", "industry": "Logistics"},
        "participants": [
            {
                "person": {"id": "p-1", "name": "Jürgen Müller", "title": "CFO"},
                "deal_role": "economic_buyer",
                "stance": "champion",
            },
            {
                "person": {"id": "p-2", "name": "Ana Acme", "title": "IT Manager"},
                "deal_role": "end_user",
                "stance": "neutral",
            },
        ],
    },
    {
        "id": "opp-2",
        "name": "ACME Corp platform",
        "outcome": "won",
        "amount": 50000,
        "closed_at": "2025-02-01",
        "account": {"id": "acc-a", "name": "Acme Corporation", "industry": "Retail"},
        "participants": [],
    },
    {
        "id": "opp-3",
        "name": "Big acme expansion",
        "outcome": "lost",
        "amount": 70000,
        "closed_at": "2025-03-01",
        "account": {"id": "acc-a", "name": "Acme Corporation", "industry": "Retail"},
        "participants": [],
    },
    {
        "id": "opp-4",
        "name": "50% off_promo",
        "outcome": "open",
        "account": {"id": "acc-b", "name": "Bravo"},
        "participants": [],
    },
]


def searcher(client: TestClient) -> NameSearch:
    store: NameSearch = client.app.state.services.store  # type: ignore[attr-defined]
    return store


def names(found: NameMatches) -> dict[str, list[str]]:
    return {
        "deals": [m.deal.id for m in found.deals],
        "accounts": [a.id for a in found.accounts],
        "people": [p.id for p in found.people],
    }


@pytest.fixture
def loaded(client: TestClient) -> TestClient:
    response = client.post("/v1/ingest/deals", json={"deals": DEALS})
    assert response.status_code == 200 and response.json()["rejected"] == [], response.text
    return client


def test_names_are_found_by_any_part_in_any_case(loaded: TestClient) -> None:
    found = searcher(loaded).search_names("default", "  ACME ", 10)
    # Names starting with the text come first, then names holding it.
    assert names(found) == {
        "deals": ["opp-2", "opp-3"],
        "accounts": ["acc-a"],
        "people": ["p-2"],
    }
    assert found.deals[0].account_name == "Acme Corporation"
    assert found.deals[1].deal.outcome == "lost"


def test_non_ascii_names_fold_like_ascii_ones(loaded: TestClient) -> None:
    store = searcher(loaded)
    for text in ("müller", "MÜLLER", "Müller"):
        assert names(store.search_names("default", text, 10)) == {
            "deals": ["opp-1"],
            "accounts": ["acc-m"],
            "people": ["p-1"],
        }, text


def test_wildcards_and_quotes_are_plain_text(loaded: TestClient) -> None:
    store = searcher(loaded)
    assert names(store.search_names("default", "50%", 10))["deals"] == ["opp-4"]
    assert names(store.search_names("default", "f_p", 10))["deals"] == ["opp-4"]
    for text in ("' OR 1=1 --", '"}) RETURN 1 //'):
        assert store.search_names("default", text, 10).empty, text
    # '%' and '_' are real characters of "50% off_promo", and nothing else holds them.
    assert names(store.search_names("default", "%", 10))["deals"] == ["opp-4"]
    assert names(store.search_names("default", "_", 10))["deals"] == ["opp-4"]


def test_an_id_is_found_whole_and_first(loaded: TestClient) -> None:
    found = searcher(loaded).search_names("default", "opp-3", 10)
    assert names(found)["deals"] == ["opp-3"]
    assert found.deals[0].account_name == "Acme Corporation"


def test_blank_text_finds_nothing(loaded: TestClient) -> None:
    assert searcher(loaded).search_names("default", "   ", 10).empty


def test_the_limit_holds_for_each_kind_and_keeps_the_best(loaded: TestClient) -> None:
    found = searcher(loaded).search_names("default", "m", 1)
    assert len(found.deals) == len(found.accounts) == len(found.people) == 1
    # A name starting with "m" beats one that sorts first but only holds it ("ACME …").
    assert found.deals[0].deal.id == "opp-1"
    assert found.accounts[0].id == "acc-m"
    # No person's name starts with "m": then by name ("Ana Acme" before "Jürgen Müller").
    assert found.people[0].id == "p-2"


def test_another_tenant_finds_nothing_of_this_one(loaded: TestClient) -> None:
    store = searcher(loaded)
    assert store.search_names("globex", "acme", 10).empty
    assert store.search_names("globex", "opp-2", 10).empty
