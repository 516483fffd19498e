"""Deal and contact intake through HTTP, on both stores."""

from __future__ import annotations

import copy
from typing import Any

from fastapi.testclient import TestClient


def deal(deal_id: str = "opp-1", **changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": deal_id,
        "name": "Core banking renewal",
        "account": {
            "id": "acc-1",
            "name": "Bank One",
            "industry": "Financial Services",
            "region": "EMEA",
            "country": "DE",
            "employees": 5200,
        },
        "amount": 120000,
        "currency": "EUR",
        "stage": "Closed Won",
        "outcome": "won",
        "created_at": "2025-01-10",
        "closed_at": "2025-04-02",
        "product": "Platform",
        "participants": [
            {
                "person": {
                    "id": "c-1",
                    "name": "Dana Weiss",
                    "title": "CFO",
                    "email": "Dana.Weiss@bankone.example",
                },
                "deal_role": "Economic Buyer",
                "stance": "champion",
            },
            {
                "person": {"id": "c-2", "name": "Omar Haddad", "title": "Dir. IT Security"},
                "deal_role": "technical_evaluator",
                "stance": "skeptical",
            },
            {
                "person": {
                    "id": "c-9",
                    "name": "Lena Park",
                    "title": "Senior Consultant",
                    "account_id": "acc-consult",
                },
                "deal_role": "influencer",
                "stance": "supportive",
            },
        ],
    }
    record.update(changes)
    return record


def post_deals(client: TestClient, deals: list[dict[str, Any]]) -> dict[str, Any]:
    response = client.post("/v1/ingest/deals", json={"deals": deals})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_new_deals_are_created_and_their_committee_is_readable(client: TestClient) -> None:
    assert post_deals(client, [deal("opp-1"), deal("opp-2", outcome="lost")]) == {
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "rejected": [],
    }
    committee = client.get("/v1/deals/opp-1/committee").json()
    assert committee["deal"]["amount"] == 120000
    assert committee["account"]["industry"] == "Financial Services"
    seats = {p["person"]["id"]: p for p in committee["participants"]}
    assert set(seats) == {"c-1", "c-2", "c-9"}
    assert seats["c-1"]["role"] == "c_level.finance"
    assert seats["c-1"]["deal_role"] == "economic_buyer"
    assert seats["c-1"]["stance"] == "champion"
    assert seats["c-1"]["person"]["email"] == "dana.weiss@bankone.example"
    assert seats["c-2"]["role"] == "director.security"
    assert seats["c-2"]["external"] is False
    # Lena works for a consultancy, not the bank: an outside participant.
    assert seats["c-9"]["external"] is True
    assert seats["c-9"]["role"] == "external.consultant"
    assert all(p["source"] == "crm" for p in seats.values())


def test_the_same_batch_twice_changes_nothing(client: TestClient) -> None:
    batch = [deal("opp-1"), deal("opp-2")]
    post_deals(client, batch)
    before = client.get("/v1/deals/opp-1/committee").json()
    assert post_deals(client, batch) == {"created": 0, "updated": 0, "unchanged": 2, "rejected": []}
    assert client.get("/v1/deals/opp-1/committee").json() == before


def test_changed_stage_amount_or_participants_count_as_updated(client: TestClient) -> None:
    post_deals(client, [deal("opp-1"), deal("opp-2"), deal("opp-3")])
    fewer = deal("opp-3")
    fewer["participants"] = fewer["participants"][:1]
    result = post_deals(
        client,
        [deal("opp-1", stage="Negotiation", outcome="open"), deal("opp-2", amount=99), fewer],
    )
    assert result == {"created": 0, "updated": 3, "unchanged": 0, "rejected": []}
    assert client.get("/v1/deals/opp-1/committee").json()["deal"]["stage"] == "Negotiation"
    assert client.get("/v1/deals/opp-2/committee").json()["deal"]["amount"] == 99
    people = [
        p["person"]["id"] for p in client.get("/v1/deals/opp-3/committee").json()["participants"]
    ]
    assert people == ["c-1"]


def test_a_mixed_batch_rejects_the_bad_record_and_keeps_the_good_ones(
    client: TestClient,
) -> None:
    bad = deal("opp-bad", amount=-5, outcome="maybe")
    no_account = deal("opp-noacc")
    del no_account["account"]
    result = post_deals(client, [deal("opp-1"), bad, deal("opp-2"), no_account, deal("opp-1")])
    assert (result["created"], result["updated"], result["unchanged"]) == (2, 0, 0)
    rejected = {r["index"]: r for r in result["rejected"]}
    assert set(rejected) == {1, 3, 4}
    assert rejected[1]["id"] == "opp-bad"
    assert {e["field"] for e in rejected[1]["errors"]} == {"amount", "outcome"}
    assert [e["field"] for e in rejected[3]["errors"]] == ["account"]
    assert "duplicate" in rejected[4]["errors"][0]["message"]
    assert client.get("/v1/deals/opp-2/committee").status_code == 200
    assert client.get("/v1/deals/opp-bad/committee").status_code == 404


def test_a_deal_closed_before_it_was_created_is_kept_with_a_warning(client: TestClient) -> None:
    """Back-filled and migrated CRM deals are full of it: what the CRM says is kept."""
    result = post_deals(client, [deal("opp-1", created_at="2025-05-01", closed_at="2025-01-01")])
    assert (result["created"], result["rejected"]) == (1, [])
    assert result["warnings"][0]["errors"][0]["field"] == "closed_at"
    assert client.get("/v1/deals/opp-1/committee").json()["deal"]["closed_at"] == "2025-01-01"


def test_people_batch_fills_contacts_that_deals_reference_by_id(client: TestClient) -> None:
    people = [
        {
            "id": "c-1",
            "name": "Dana Weiss",
            "title": "Chief Financial Officer",
            "account_id": "acc-1",
            "email": "dana@bankone.example",
            "audience": 1200,
        },
        {"id": "c-5", "name": "Ravi Rao", "title": "Head of Procurement", "account_id": "acc-1"},
        {"id": "c-6", "name": "No Account"},
    ]
    response = client.post("/v1/ingest/people", json={"people": people})
    assert response.status_code == 200
    body = response.json()
    assert (body["created"], body["updated"], body["unchanged"]) == (2, 0, 0)
    assert body["rejected"][0]["index"] == 2
    assert body["rejected"][0]["errors"][0]["field"] == "account_id"
    again = client.post("/v1/ingest/people", json={"people": people[:2]}).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)

    by_reference = deal("opp-7")
    by_reference["participants"] = [{"person": {"id": "c-5"}, "deal_role": "procurement"}]
    post_deals(client, [by_reference])
    seat = client.get("/v1/deals/opp-7/committee").json()["participants"][0]
    assert seat["person"]["name"] == "Ravi Rao"
    assert seat["role"] == "director.procurement"
    assert seat["external"] is False


def test_a_known_contact_keeps_fields_a_later_deal_leaves_out(client: TestClient) -> None:
    post_deals(client, [deal("opp-1")])
    sparse = deal("opp-2")
    sparse["participants"] = [{"person": {"id": "c-9"}, "deal_role": "influencer"}]
    post_deals(client, [sparse])
    seat = client.get("/v1/deals/opp-2/committee").json()["participants"][0]
    assert seat["person"]["title"] == "Senior Consultant"
    assert seat["person"]["account_id"] == "acc-consult"
    assert seat["external"] is True


def test_crm_picklist_labels_map_onto_buying_roles(client: TestClient) -> None:
    record = deal("opp-1")
    labels = ["Business User", "Technical Buyer", "DECISION_MAKER"]
    for participant, label in zip(record["participants"], labels, strict=True):
        participant["deal_role"] = label
    post_deals(client, [record])
    roles = sorted(
        p["deal_role"] for p in client.get("/v1/deals/opp-1/committee").json()["participants"]
    )
    assert roles == ["decision_maker", "end_user", "technical_evaluator"]


def test_a_batch_over_the_limit_is_refused_before_anything_is_written(
    store_kind: str, tmp_path: Any
) -> None:
    from app.main import create_app
    from tests.conftest import API_KEY, make_settings

    app = create_app(make_settings(store_kind, tmp_path, max_batch=3))
    with TestClient(app) as small:
        small.headers["Authorization"] = f"Bearer {API_KEY}"
        response = small.post(
            "/v1/ingest/deals", json={"deals": [deal(f"opp-{i}") for i in range(4)]}
        )
        assert response.status_code == 422
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["errors"][0]["field"] == "deals"
        assert small.get("/v1/deals/opp-0/committee").status_code == 404


def test_a_deal_moves_to_another_account(client: TestClient) -> None:
    post_deals(client, [deal("opp-1")])
    moved = copy.deepcopy(deal("opp-1"))
    moved["account"] = {"id": "acc-2", "name": "Clinic", "industry": "Healthcare", "region": "AMER"}
    assert post_deals(client, [moved])["updated"] == 1
    committee = client.get("/v1/deals/opp-1/committee").json()
    assert committee["account"]["id"] == "acc-2"
    fin = client.get("/v1/segments/committee", params={"industry": "financial services"}).json()
    assert fin["deals"] == 0
