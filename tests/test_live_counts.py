"""Reads come from counters kept by every write; every write must show in the very next read.

Each worker holds the counters in memory and catches up with the store when the
tenant's data version moves, and every write transaction moves it: deals,
people (a new title moves a person's role), notes and erasure. A second app on
the same store (another worker process) must see the first one's writes too.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from synth.worlds import RoleSpec, World, ingest
from tests.conftest import API_KEY

WORLD = World(
    seed=8,
    deals=240,
    industries=("Healthcare",),
    regions=("EMEA",),
    accounts_per_segment=6,
    roles=(RoleSpec("CFO", 0.5, effect=1.0), RoleSpec("IT Manager", 0.6)),
)


@pytest.fixture(scope="module")
def world() -> list[dict[str, Any]]:
    return WORLD.generate()


def closed(deals: list[dict[str, Any]]) -> int:
    return sum(d["outcome"] in ("won", "lost") for d in deals)


def roles(client: TestClient) -> dict[str, Any]:
    response = client.get("/v1/influencers/roles", params={"min_deals": 1, "limit": 50})
    assert response.status_code == 200, response.text
    return response.json()


def test_each_write_shows_in_the_next_read(client: TestClient, world: list[dict[str, Any]]) -> None:
    first, second = world[:120], world[120:]
    ingest(client, first)
    assert roles(client)["deals"] == closed(first)
    assert client.get("/v1/segments/committee").json()["deals"] == closed(first)

    ingest(client, second)
    assert roles(client)["deals"] == closed(world)
    assert client.get("/v1/segments/committee").json()["deals"] == closed(world)

    # A contact's new title moves their committee role in every deal they sat in.
    account, cfo = next(
        (d["account"]["id"], p["person"])
        for d in world
        if d["outcome"] in ("won", "lost")
        for p in d["participants"]
        if p["person"]["title"] == "CFO"
    )
    before = {r["role"]: r["deals_present"] for r in roles(client)["items"]}
    renamed = {"account_id": account, **cfo, "title": "General Counsel"}
    response = client.post("/v1/ingest/people", json={"people": [renamed]})
    assert response.status_code == 200 and response.json()["rejected"] == [], response.text
    after = {r["role"]: r["deals_present"] for r in roles(client)["items"]}
    assert after.get("c_level.legal", 0) > before.get("c_level.legal", 0)
    assert after["c_level.finance"] < before["c_level.finance"]

    # Erasure takes the person out of the people ranking at once.
    people = client.get("/v1/influencers/people", params={"min_deals": 1, "limit": 200}).json()
    assert cfo["id"] in {item["person"]["id"] for item in people["items"]}
    assert client.delete(f"/v1/people/{cfo['id']}").status_code == 204
    people = client.get("/v1/influencers/people", params={"min_deals": 1, "limit": 200}).json()
    assert cfo["id"] not in {item["person"]["id"] for item in people["items"]}


def test_a_renamed_influencer_shows_renamed_in_the_next_rankings(
    client: TestClient, world: list[dict[str, Any]]
) -> None:
    """A worker keeps the people its answers name; a write must still show."""
    ingest(client, world)
    params = {"min_deals": 1, "limit": 5}
    top = client.get("/v1/influencers/people", params=params).json()["items"][0]["person"]
    account = next(
        d["account"]["id"]
        for d in world
        for p in d["participants"]
        if p["person"]["id"] == top["id"]
    )
    renamed = {"id": top["id"], "account_id": account, "name": "Renamed Influencer"}
    response = client.post("/v1/ingest/people", json={"people": [renamed]})
    assert response.status_code == 200 and response.json()["rejected"] == [], response.text
    items = client.get("/v1/influencers/people", params=params).json()["items"]
    assert {i["person"]["id"]: i["person"]["name"] for i in items}[top["id"]] == (
        "Renamed Influencer"
    )


def test_a_retry_that_changes_nothing_keeps_the_data_version(
    client: TestClient, world: list[dict[str, Any]]
) -> None:
    store = client.app.state.services.store  # type: ignore[attr-defined]
    assert store.stats_version("default").version == 0
    ingest(client, world[:50])
    version = store.stats_version("default").version
    ingest(client, world[:50])
    assert store.stats_version("default").version == version
    ingest(client, world[50:60])
    assert store.stats_version("default").version > version
    assert store.stats_version("another-tenant").version == 0


@pytest.fixture
def second_worker(settings: Settings) -> Iterator[TestClient]:
    """Another app on the same store, as a second worker process would be."""
    with TestClient(create_app(settings)) as other:
        other.headers["Authorization"] = f"Bearer {API_KEY}"
        yield other


def test_a_write_through_one_worker_shows_in_another(
    client: TestClient, second_worker: TestClient, world: list[dict[str, Any]], tmp_path: Path
) -> None:
    ingest(client, world[:100])
    assert roles(second_worker)["deals"] == closed(world[:100])
    ingest(client, world[100:])
    assert roles(second_worker)["deals"] == closed(world)
    likely = second_worker.get(f"/v1/deals/{world[-1]['id']}/likely-committee").json()
    assert likely["deals"] > 0
