"""One person across sources: e-mail, CRM id, name at the account; never across e-mails."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.test_crm_import import hubspot_files, upload_salesforce


def people(client: TestClient, batch: list[dict[str, Any]]) -> dict[str, Any]:
    response = client.post("/v1/ingest/people", json={"people": batch})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_the_same_contact_from_two_crms_is_one_person(client: TestClient) -> None:
    upload_salesforce(client)
    assert client.post("/v1/ingest/hubspot", files=hubspot_files()).status_code == 200
    # HubSpot's Dana (201) has Salesforce Dana's e-mail in another case: one person.
    seats = client.get("/v1/deals/301/committee").json()["participants"]
    ids = {p["person"]["name"]: p["person"]["id"] for p in seats}
    assert ids["Dana Weiss"] == "0035g00000C1"
    assert ids["Omar Haddad"] == "0035g00000C2"
    profile = client.get("/v1/people/0035g00000C1").json()
    # 304 has no company; it goes in on its contact's (Dana's) account.
    assert {d["deal_id"] for d in profile["deals"]} == {"0065g00000O1", "301", "304"}
    assert {(m["id"], m["reason"]) for m in profile["merged_from"]} >= {("201", "email")}
    assert client.get("/v1/people/201").json()["person"]["id"] == "0035g00000C1"
    again = client.post("/v1/ingest/hubspot", files=hubspot_files()).json()
    assert again["people"]["unchanged"] == 5 and again["unchanged"] == 4


def test_same_name_at_the_same_account_is_one_person(client: TestClient) -> None:
    first = people(
        client, [{"id": "x1", "name": "Grace Lee", "title": "CISO", "account_id": "acc-a"}]
    )
    assert first["created"] == 1
    people(
        client,
        [
            {"id": "x2", "name": "grace  LEE", "email": "grace@a.example", "account_id": "acc-a"},
            {"id": "x3", "name": "Grace Lee", "account_id": "acc-b"},
        ],
    )
    profile = client.get("/v1/people/x1").json()
    assert profile["person"]["email"] == "grace@a.example"
    assert profile["person"]["title"] == "CISO"
    assert profile["merged_from"] == [{"id": "x2", "reason": "name+account"}]
    assert client.get("/v1/people/x3").json()["person"]["id"] == "x3"


def test_two_people_with_different_emails_are_never_merged(client: TestClient) -> None:
    people(
        client,
        [
            {"id": "y1", "name": "John Smith", "email": "john@a.example", "account_id": "acc-a"},
            {
                "id": "y2",
                "name": "John Smith",
                "email": "john.smith@a.example",
                "account_id": "acc-a",
            },
        ],
    )
    assert client.get("/v1/people/y1").json()["merged_from"] == []
    assert client.get("/v1/people/y2").json()["person"]["id"] == "y2"
    deal = {
        "id": "d1",
        "outcome": "won",
        "account": {"id": "acc-a"},
        "participants": [{"person": {"id": "y3", "name": "John Smith"}}],
    }
    client.post("/v1/ingest/deals", json={"deals": [deal]})
    # Two John Smiths at the account: the name alone cannot say which one.
    seat = client.get("/v1/deals/d1/committee").json()["participants"][0]
    assert seat["person"]["id"] == "y3"


def test_a_deal_participant_known_by_email_joins_the_known_person(client: TestClient) -> None:
    people(
        client,
        [
            {
                "id": "p1",
                "name": "Ana Souza",
                "email": "ana@u.example",
                "title": "Gerente de Compras",
                "account_id": "acc-u",
            }
        ],
    )
    deal = {
        "id": "d2",
        "outcome": "open",
        "account": {"id": "acc-u"},
        "participants": [
            {"person": {"id": "crm-77", "email": "ANA@u.example"}, "deal_role": "procurement"}
        ],
    }
    client.post("/v1/ingest/deals", json={"deals": [deal]})
    seat = client.get("/v1/deals/d2/committee").json()["participants"][0]
    assert seat["person"]["id"] == "p1"
    assert seat["role"] == "manager.procurement"
    assert client.get("/v1/people/crm-77").json()["person"]["id"] == "p1"
    assert client.get("/v1/people/nobody").status_code == 404
