"""Committees and rankings through HTTP on both stores, and the same answers from both."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from synth.worlds import PersonSpec, RoleSpec, World, ingest
from tests.conftest import API_KEY, make_settings

WORLD = World(
    seed=4,
    deals=420,
    industries=("Financial Services", "Healthcare"),
    regions=("EMEA", "AMER"),
    accounts_per_segment=6,
    base_logodds=0.2,
    large_effect=-1.0,
    roles=(
        RoleSpec("CISO", 0.4, effect=1.4, industries=("Financial Services",)),
        RoleSpec("CFO", 0.4, effect=1.4, industries=("Healthcare",)),
        RoleSpec("Head of Procurement", 0.35, effect=-1.2),
        RoleSpec("IT Manager", 0.5),
    ),
    people=(PersonSpec("guru", "Gus Guru", "Industry Analyst", 0.7, audience=2_000_000),),
)

QUERIES: list[tuple[str, dict[str, Any]]] = [
    ("/v1/segments/committee", {}),
    ("/v1/segments/committee", {"industry": "healthcare", "region": "emea"}),
    ("/v1/segments/committee", {"min_amount": 100000}),
    ("/v1/influencers/roles", {}),
    ("/v1/influencers/roles", {"industry": "Financial Services"}),
    ("/v1/influencers/roles", {"industry": "HEALTHCARE", "region": "amer"}),
    ("/v1/influencers/roles", {"direction": "negative", "limit": 3}),
    ("/v1/influencers/roles", {"region": "EMEA", "max_amount": 100000, "min_deals": 10}),
    ("/v1/influencers/people", {}),
    ("/v1/influencers/people", {"industry": "Healthcare", "role": "c_level.finance"}),
    ("/v1/influencers/people", {"direction": "negative", "limit": 5}),
    ("/v1/influencers/people", {"industry": "Healthcare", "graph": "true", "min_deals": 1}),
    ("/v1/deals/deal-00007/committee", {}),
]


@pytest.fixture(scope="module")
def world_deals() -> list[dict[str, Any]]:
    return WORLD.generate()


@pytest.fixture
def loaded(client: TestClient, world_deals: list[dict[str, Any]]) -> TestClient:
    ingest(client, world_deals)
    return client


def test_segment_committee_counts_roles_and_sizes(
    loaded: TestClient, world_deals: list[dict[str, Any]]
) -> None:
    body = loaded.get("/v1/segments/committee", params={"industry": "financial services"}).json()
    expected = [d for d in world_deals if d["account"]["industry"] == "Financial Services"]
    assert body["deals"] == len(expected)
    sizes: dict[str, int] = {}
    for d in expected:
        key = str(len(d["participants"]))
        sizes[key] = sizes.get(key, 0) + 1
    assert body["size_distribution"] == dict(sorted(sizes.items(), key=lambda kv: int(kv[0])))
    roles = {r["role"]: r for r in body["roles"]}
    ciso_deals = sum(
        any(p["person"]["title"] == "CISO" for p in d["participants"]) for d in expected
    )
    assert roles["c_level.security"]["deals_present"] == ciso_deals
    assert roles["c_level.security"]["presence"] == pytest.approx(ciso_deals / len(expected))
    assert body["roles"][0]["presence"] >= body["roles"][-1]["presence"]


def test_role_rankings_follow_each_segment_and_carry_their_evidence(loaded: TestClient) -> None:
    fin = loaded.get("/v1/influencers/roles", params={"industry": "financial services"}).json()
    health = loaded.get("/v1/influencers/roles", params={"industry": "Healthcare"}).json()
    assert fin["items"][0]["role"] == "c_level.security"
    assert health["items"][0]["role"] == "c_level.finance"
    top = fin["items"][0]
    assert top["function"] == "security" and top["seniority"] == "c_level"
    assert top["influence"] > 1 and top["interval"][0] < top["influence"] < top["interval"][1]
    assert top["win_rate_present"] > top["win_rate_absent"]
    evidence = top["evidence"]
    assert evidence["won_present"] + evidence["lost_present"] == top["deals_present"]
    assert 0 < len(evidence["deal_ids"]) <= 5
    committee = loaded.get(f"/v1/deals/{evidence['deal_ids'][0]}/committee").json()
    assert "c_level.security" in {p["role"] for p in committee["participants"]}
    blockers = loaded.get("/v1/influencers/roles", params={"direction": "negative"}).json()
    assert blockers["items"][0]["role"] == "director.procurement"
    blocker = blockers["items"][0]
    assert blocker["influence"] < 1 and blocker["score"] > 0
    assert blocker["win_rate_present"] < blocker["win_rate_absent"]


def test_people_ranking_shows_audience_but_does_not_rank_on_it(loaded: TestClient) -> None:
    body = loaded.get("/v1/influencers/people", params={"limit": 200}).json()
    ids = [item["person"]["id"] for item in body["items"]]
    guru = body["items"][ids.index("guru")]
    assert guru["audience"] == 2_000_000
    assert guru["external"] is True and guru["accounts"] > 10
    assert guru["presence"] > 0.6
    assert ids.index("guru") > 10
    assert all(
        item["score"] >= body["items"][k + 1]["score"] for k, item in enumerate(body["items"][:-1])
    )


def test_people_can_be_filtered_by_role(loaded: TestClient) -> None:
    body = loaded.get(
        "/v1/influencers/people", params={"industry": "healthcare", "role": "C_LEVEL.FINANCE"}
    ).json()
    assert body["items"]
    assert {item["person"]["role"] for item in body["items"]} == {"c_level.finance"}


def test_filters_match_whatever_the_case(loaded: TestClient) -> None:
    a = loaded.get("/v1/segments/committee", params={"industry": "HEALTHCARE", "region": "Emea"})
    b = loaded.get("/v1/segments/committee", params={"industry": "healthcare", "region": "EMEA"})
    assert a.json()["deals"] == b.json()["deals"] > 0


def test_an_unknown_segment_answers_empty_not_an_error(loaded: TestClient) -> None:
    body = loaded.get("/v1/influencers/roles", params={"industry": "Mining"}).json()
    assert body["deals"] == 0 and body["items"] == []


def answers(client: TestClient) -> list[Any]:
    return [client.get(path, params=params).json() for path, params in QUERIES]


def test_both_stores_give_identical_answers(
    neo4j_driver: Any, tmp_path: Path, world_deals: list[dict[str, Any]]
) -> None:
    from tests.conftest import wipe_neo4j

    wipe_neo4j(neo4j_driver)
    results = {}
    for kind in ("sqlite", "neo4j"):
        with TestClient(create_app(make_settings(kind, tmp_path / kind))) as client:
            client.headers["Authorization"] = f"Bearer {API_KEY}"
            ingest(client, world_deals)
            results[kind] = answers(client)
    for (path, params), lite, graph in zip(
        QUERIES, results["sqlite"], results["neo4j"], strict=True
    ):
        assert lite == graph, f"{path} {params}"
    assert results["sqlite"][3]["items"], "the comparison must cover non-empty rankings"


def test_bridging_is_measured_on_request_and_finds_the_one_who_links_committees(
    loaded: TestClient,
) -> None:
    plain = loaded.get("/v1/influencers/people", params={"limit": 200}).json()["items"]
    assert {item["bridging"] for item in plain} == {None}
    items = loaded.get(
        "/v1/influencers/people", params={"limit": 200, "min_deals": 1, "graph": "true"}
    ).json()["items"]
    bridging = {item["person"]["id"]: item["bridging"] for item in items}
    # The analyst sits with people of every account; everyone else sees one account.
    assert bridging["guru"] == max(bridging.values()) > 0
    others = sorted(v for k, v in bridging.items() if k != "guru")
    assert others[len(others) // 2] < bridging["guru"] / 10
