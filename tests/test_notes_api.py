"""Sales notes through HTTP on both stores: people found, stances read, committees grown."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

ACCOUNT = {"id": "acc-1", "name": "Acme Bank", "industry": "Banking", "region": "EMEA"}
CONTACTS = [
    {
        "id": "c-1",
        "name": "Dana Weiss",
        "title": "CFO",
        "email": "dana@acme.example",
        "account_id": "acc-1",
    },
    {"id": "c-2", "name": "Omar Haddad", "title": "Director of IT Security", "account_id": "acc-1"},
]
DEAL = {
    "id": "opp-1",
    "account": ACCOUNT,
    "outcome": "won",
    "amount": 90000,
    "closed_at": "2025-05-01",
    "participants": [
        {"person": {"id": "c-1"}, "deal_role": "economic_buyer", "stance": "supportive"}
    ],
}
NOTE = {
    "id": "note-1",
    "deal_id": "opp-1",
    "occurred_at": "2025-03-02T10:00:00",
    "author": "Sam Seller",
    "text": "Pricing call. Dana Weiss will not approve anything above 250k. Omar has no "
    "objections to the architecture. Met Maria Gomez (VP Finance), who seemed "
    "supportive.",
}


def setup(client: TestClient) -> None:
    assert client.post("/v1/ingest/people", json={"people": CONTACTS}).status_code == 200
    assert client.post("/v1/ingest/deals", json={"deals": [DEAL]}).json()["created"] == 1


def post_notes(client: TestClient, notes: list[dict[str, Any]]) -> dict[str, Any]:
    response = client.post("/v1/ingest/notes", json={"notes": notes})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_note_names_people_with_stances_and_evidence(client: TestClient) -> None:
    setup(client)
    body = post_notes(client, [NOTE])
    assert (body["created"], body["updated"], body["unchanged"]) == (1, 0, 0)
    people = {p["person"]["name"]: p for p in body["notes"][0]["people"]}
    assert set(people) == {"Dana Weiss", "Omar Haddad", "Maria Gomez"}
    assert people["Dana Weiss"]["matched"] == "existing"
    assert people["Dana Weiss"]["stance"] == "blocker"
    assert people["Dana Weiss"]["evidence"] == ("Dana Weiss will not approve anything above 250k.")
    assert people["Omar Haddad"]["stance"] == "supportive"
    maria = people["Maria Gomez"]
    assert maria["matched"] == "new" and maria["stance"] == "supportive"
    assert maria["person"]["role"] == "vp.finance" and maria["person"]["account_id"] == "acc-1"

    committee = client.get("/v1/deals/opp-1/committee").json()
    seats = {(p["person"]["name"], p["source"]): p for p in committee["participants"]}
    assert set(seats) == {
        ("Dana Weiss", "crm"),
        ("Dana Weiss", "note"),
        ("Omar Haddad", "note"),
        ("Maria Gomez", "note"),
    }
    assert seats[("Dana Weiss", "crm")]["stance"] == "supportive"
    assert seats[("Dana Weiss", "note")]["stance"] == "blocker"
    assert seats[("Omar Haddad", "note")]["evidence"] == [
        "Omar has no objections to the architecture."
    ]
    roles = client.get("/v1/segments/committee").json()["roles"]
    assert {r["role"] for r in roles} == {"c_level.finance", "director.security", "vp.finance"}
    sizes = client.get("/v1/segments/committee").json()["size_distribution"]
    assert sizes == {"3": 1}


def test_the_same_note_twice_changes_nothing(client: TestClient) -> None:
    setup(client)
    post_notes(client, [NOTE])
    before = client.get("/v1/deals/opp-1/committee").json()
    again = post_notes(client, [NOTE])
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 1)
    assert again["notes"][0]["people"]  # the answer still says what the note holds
    assert client.get("/v1/deals/opp-1/committee").json() == before


def test_a_later_note_moves_the_stance_and_adds_evidence(client: TestClient) -> None:
    setup(client)
    post_notes(client, [NOTE])
    later = {
        "id": "note-2",
        "deal_id": "opp-1",
        "occurred_at": "2025-04-10",
        "text": "Dana is happy with the revised pricing and signed off.",
    }
    body = post_notes(client, [later])
    assert body["notes"][0]["people"][0]["stance"] == "supportive"
    seat = next(
        p
        for p in client.get("/v1/deals/opp-1/committee").json()["participants"]
        if p["person"]["id"] == "c-1" and p["source"] == "note"
    )
    assert seat["stance"] == "supportive"
    assert seat["evidence"] == [
        "Dana Weiss will not approve anything above 250k.",
        "Dana is happy with the revised pricing and signed off.",
    ]
    edited = {**NOTE, "text": "Pricing call, nobody from finance."}
    assert post_notes(client, [edited])["updated"] == 1
    sources = {
        (p["person"]["id"], p["source"])
        for p in client.get("/v1/deals/opp-1/committee").json()["participants"]
    }
    assert ("c-2", "note") not in sources and ("c-1", "note") in sources


def test_notes_that_name_nobody_or_point_nowhere(client: TestClient) -> None:
    setup(client)
    body = post_notes(
        client,
        [
            {
                "id": "n-empty",
                "deal_id": "opp-1",
                "occurred_at": "2025-03-03",
                "text": "Sent the deck to Acme Bank in Frankfurt. Waiting for feedback.",
            },
            {
                "id": "n-lost",
                "deal_id": "no-such-deal",
                "occurred_at": "2025-03-03",
                "text": "Dana agreed.",
            },
            {"id": "n-none", "occurred_at": "2025-03-03", "text": "Floating note."},
            {
                "id": "n-account",
                "account_id": "acc-1",
                "occurred_at": "2025-03-04",
                "text": "Omar Haddad is skeptical about cloud hosting.",
            },
        ],
    )
    assert body["created"] == 2
    assert body["notes"][0] == {"id": "n-empty", "people": []}
    assert body["notes"][1]["people"][0]["stance"] == "skeptical"
    rejected = {r["id"]: r["errors"][0]["field"] for r in body["rejected"]}
    assert rejected == {"n-lost": "deal_id", "n-none": "(record)"}
    committee = client.get("/v1/deals/opp-1/committee").json()
    assert {p["source"] for p in committee["participants"]} == {"crm"}
