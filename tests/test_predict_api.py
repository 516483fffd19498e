"""Likely committees and the backtest through HTTP on both stores, with planted truth."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from synth.worlds import PersonSpec, RoleSpec, World, ingest
from tests.conftest import API_KEY, make_settings

FS, HC = "Financial Services", "Healthcare"
WORLD = World(
    seed=9,
    deals=700,
    base_logodds=0.2,
    large_effect=-1.0,
    accounts_per_segment=6,
    roles=(
        RoleSpec("CISO", 0.1, effect=1.3, industry_presence=((FS, 0.75),)),
        RoleSpec("CFO", 0.15, effect=1.3, industry_presence=((HC, 0.7),)),
        RoleSpec("Nurse Manager", 0.02, industry_presence=((HC, 0.6),)),
        RoleSpec("Head of Procurement", 0.35, effect=-1.0),
        RoleSpec("IT Manager", 0.45),
    ),
    people=(
        PersonSpec("guru", "Gus Guru", "Industry Analyst", 0.7, audience=2_000_000),
        PersonSpec("closer", "Cleo Closer", "Senior Consultant", 0.12, effect=1.5, audience=90),
    ),
)
TARGET = {"id": "acc-new", "name": "New Bank", "industry": FS, "region": "EMEA"}
CONTACTS = [
    {
        "id": "n-ciso",
        "name": "Ines Ortiz",
        "title": "Chief Information Security Officer",
        "account_id": "acc-new",
    },
    {"id": "n-cfo", "name": "Tom Berg", "title": "CFO", "account_id": "acc-new"},
    {"id": "n-it", "name": "Ana Lima", "title": "IT Manager", "account_id": "acc-new"},
]
OPEN_DEAL = {
    "id": "open-1",
    "name": "Payments platform",
    "account": TARGET,
    "amount": 40000,
    "outcome": "open",
    "stage": "Discovery",
    "participants": [{"person": {"id": "n-cfo"}, "deal_role": "economic_buyer"}],
}


def as_of(deals: list[dict[str, Any]]) -> str:
    dates = sorted(d["closed_at"] for d in deals)
    return str(dates[int(len(dates) * 0.7)])


@pytest.fixture(scope="module")
def world() -> list[dict[str, Any]]:
    return WORLD.generate()


def load(client: TestClient, world: list[dict[str, Any]]) -> None:
    ingest(client, world)
    # A CISO who won deals at another account has just joined the target account.
    mover_deals = [d for d in world if d["outcome"] == "won"][:2]
    mover = {
        "id": "mover",
        "name": "Max Mover",
        "title": "CISO",
        "account_id": mover_deals[0]["account"]["id"],
    }
    for d in mover_deals:
        d = {**d, "participants": [*d["participants"], {"person": mover, "deal_role": "champion"}]}
        ingest(client, [d])
    people = [*CONTACTS, {**mover, "account_id": "acc-new"}]
    assert client.post("/v1/ingest/people", json={"people": people}).status_code == 200
    ingest(client, [OPEN_DEAL])


@pytest.fixture
def loaded(client: TestClient, world: list[dict[str, Any]]) -> TestClient:
    load(client, world)
    return client


def test_likely_committee_of_an_open_deal_names_roles_contacts_and_gaps(
    loaded: TestClient,
) -> None:
    body = loaded.get("/v1/deals/open-1/likely-committee").json()
    assert body["deal_id"] == "open-1" and body["account"]["id"] == "acc-new"
    assert body["basis"].startswith("industry") and body["deals"] >= 20
    roles = {r["role"]: r for r in body["roles"]}
    assert roles["c_level.security"]["probability"] > 0.5
    assert (
        roles["c_level.security"]["probability"]
        > roles.get("manager.clinical", {"probability": 0})["probability"]
    )
    assert [c["id"] for c in roles["c_level.security"]["contacts"]] == ["mover", "n-ciso"]
    assert roles["c_level.security"]["engaged"] is False
    assert roles["c_level.finance"]["engaged"] is True
    gaps = {g["role"]: g for g in body["gaps"]}
    assert "c_level.security" in gaps and "c_level.finance" not in gaps
    gap = gaps["c_level.security"]
    assert 0 < gap["won_present"] <= gap["won_deals"]
    assert gap["detail"].startswith("no c_level.security engaged; one sat in ")
    assert 1 < body["expected_size"] < 6
    warm = {(w["kind"], w["person"]["id"]): w for w in body["warm_paths"]}
    assert len(warm[("won_elsewhere", "mover")]["deal_ids"]) == 2
    assert ("segment_influencer", "closer") in warm
    assert ("segment_influencer", "guru") not in warm


def test_the_likely_committee_differs_where_the_segment_does(loaded: TestClient) -> None:
    healthcare_account = next(d for d in WORLD.generate() if d["account"]["industry"] == HC)[
        "account"
    ]["id"]
    body = loaded.get(
        f"/v1/accounts/{healthcare_account}/likely-committee", params={"amount": 30000}
    ).json()
    top = [r["role"] for r in body["roles"][:3]]
    assert "c_level.finance" in top and "c_level.security" not in top
    fs = loaded.get("/v1/accounts/acc-new/likely-committee", params={"amount": 30000}).json()
    assert fs["roles"][0]["role"] in {"c_level.security", "external.analyst"}
    assert "manager.clinical" not in {r["role"] for r in fs["roles"]}


def test_unknown_deal_or_account_answers_404(loaded: TestClient) -> None:
    assert loaded.get("/v1/deals/nope/likely-committee").status_code == 404
    assert loaded.get("/v1/accounts/nope/likely-committee").status_code == 404


def test_the_backtest_beats_both_baselines(loaded: TestClient, world: list[dict[str, Any]]) -> None:
    response = loaded.post("/v1/backtest", json={"as_of": as_of(world), "k": 3})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["k"] == 3 and body["deals_evaluated"] > 150 and body["deals_history"] > 400
    model = body["metrics"]["model"]
    for baseline in ("baseline_frequency", "baseline_reach"):
        other = body["metrics"][baseline]
        assert model["precision_at_k"] > other["precision_at_k"], baseline
        assert model["recall_at_k"] > other["recall_at_k"], baseline
        assert model["auc"] > other["auc"], baseline
        assert model["brier"] < other["brier"], baseline
    assert model["auc"] > 0.6


def test_a_backtest_without_history_is_refused_with_the_field(loaded: TestClient) -> None:
    response = loaded.post("/v1/backtest", json={"as_of": "2001-01-01"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "as_of"
    assert loaded.post("/v1/backtest", json={"as_of": "not a date"}).status_code == 422
    assert loaded.post("/v1/backtest", json={"as_of": 0}).status_code == 422


def test_both_stores_predict_the_same(
    neo4j_driver: Any, tmp_path: Path, world: list[dict[str, Any]]
) -> None:
    from tests.conftest import wipe_neo4j

    wipe_neo4j(neo4j_driver)
    answers = {}
    for kind in ("sqlite", "neo4j"):
        with TestClient(create_app(make_settings(kind, tmp_path / kind))) as client:
            client.headers["Authorization"] = f"Bearer {API_KEY}"
            load(client, [dict(d) for d in world])
            answers[kind] = [
                client.get("/v1/deals/open-1/likely-committee").json(),
                client.get("/v1/accounts/acc-new/likely-committee").json(),
                client.post("/v1/backtest", json={"as_of": as_of(world)}).json(),
                client.get("/v1/influencers/people", params={"industry": FS}).json(),
            ]
    assert answers["sqlite"] == answers["neo4j"]
