"""The committee from activities: an org backup whose committees live only in Task and
Event relations ranks exactly as the same deals sent with their participants; and
`POST /v1/ingest/activities` for integrations that push them. Both stores."""

from __future__ import annotations

import csv
import io
from typing import Any

from fastapi.testclient import TestClient

from synth.worlds import PersonSpec, RoleSpec, World


def _csv(header: list[str], rows: list[list[Any]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode("cp1252")


def as_org_backup(deals: list[dict[str, Any]]) -> dict[str, tuple[str, bytes, str]]:
    """The world as a Salesforce backup: no contact roles; each deal's committee is one
    Task on the opportunity (its first person as WhoId, the others as TaskRelations)
    and one Event with the same people as invitees."""
    accounts: dict[str, dict[str, Any]] = {}
    contacts: dict[str, list[Any]] = {}
    opportunities, tasks, relations, events, invitees = [], [], [], [], []
    for n, deal in enumerate(deals):
        account = deal["account"]
        accounts[account["id"]] = account
        people = [p["person"] for p in deal["participants"]]
        for person in people:
            first, _, last = person["name"].rpartition(" ")
            employer = person.get("account_id") or account["id"]
            contacts[person["id"]] = [person["id"], employer, first, last, person["title"]]
        closed = deal["outcome"] != "open"
        opportunities.append(
            [deal["id"], account["id"], deal["name"], deal["stage"], deal["amount"],
             deal["closed_at"], deal["created_at"] + "T09:00:00.000Z",
             str(closed).lower(), str(deal["outcome"] == "won").lower()]
        )  # fmt: skip
        if not people:
            continue
        task, event = f"task-{n}", f"event-{n}"
        tasks.append([task, people[0]["id"], deal["id"], "Discovery call", deal["created_at"]])
        relations += [[task, p["id"], "false"] for p in people[1:]]
        events.append([event, "", deal["id"], "Demo", deal["created_at"] + "T14:00:00.000Z"])
        invitees += [[event, p["id"], "true"] for p in people]
    return {
        "accounts": ("Account.csv", _csv(
            ["Id", "Name", "Industry", "Region"],
            [[a["id"], a["name"], a["industry"], a["region"]] for a in accounts.values()],
        ), "text/csv"),
        "contacts": ("Contact.csv", _csv(
            ["Id", "AccountId", "FirstName", "LastName", "Title"], list(contacts.values())
        ), "text/csv"),
        "opportunities": ("Opportunity.csv", _csv(
            ["Id", "AccountId", "Name", "StageName", "Amount", "CloseDate", "CreatedDate",
             "IsClosed", "IsWon"], opportunities,
        ), "text/csv"),
        "tasks": ("Task.csv", _csv(
            ["Id", "WhoId", "WhatId", "Subject", "ActivityDate"], tasks
        ), "text/csv"),
        "task_relations": ("TaskRelation.csv", _csv(
            ["TaskId", "RelationId", "IsWhat"], relations
        ), "text/csv"),
        "events": ("Event.csv", _csv(
            ["Id", "WhoId", "WhatId", "Subject", "StartDateTime"], events
        ), "text/csv"),
        "event_relations": ("EventRelation.csv", _csv(
            ["EventId", "RelationId", "IsInvitee"], invitees
        ), "text/csv"),
    }  # fmt: skip


WORLD = World(
    seed=13,
    deals=240,
    accounts_per_segment=6,
    roles=(
        RoleSpec("CISO", 0.6, effect=1.2),
        RoleSpec("CFO", 0.4),
        RoleSpec("Head of Procurement", 0.35, effect=-1.0),
        RoleSpec("IT Manager", 0.5),
    ),
    people=(PersonSpec("cleo", "Cleo Closer", "Senior Consultant", 0.15, effect=1.0),),
)


def _rankings(client: TestClient, headers: dict[str, str]) -> list[Any]:
    answers = []
    for params in ({}, {"industry": "Healthcare"}, {"direction": "negative"}):
        response = client.get("/v1/influencers/roles", params=params, headers=headers)
        assert response.status_code == 200, response.text
        answers.append(response.json()["items"])
    people = client.get("/v1/influencers/people", headers=headers).json()["items"]
    return [*answers, [(p["person"]["id"], p["influence"], p["interval"]) for p in people]]


def test_committees_from_activities_rank_as_explicit_participants(client: TestClient) -> None:
    deals = WORLD.generate()
    upload = client.post("/v1/ingest/salesforce", files=as_org_backup(deals))
    assert upload.status_code == 200, upload.text
    body = upload.json()
    assert body["rejected"] == [] and body["created"] == len(deals)
    assert body["coverage"]["participations"]["crm"] == 0
    assert body["coverage"]["participations"]["activity"] > 0

    key = client.post("/v1/keys", json={"tenant": "explicit", "scopes": ["read", "ingest"]})
    explicit = {"Authorization": f"Bearer {key.json()['key']}"}
    for start in range(0, len(deals), 500):
        sent = client.post(
            "/v1/ingest/deals", json={"deals": deals[start : start + 500]}, headers=explicit
        )
        assert sent.status_code == 200 and sent.json()["rejected"] == []

    from_activities = _rankings(client, {})
    assert from_activities[0], "the world has rankable roles"
    assert from_activities == _rankings(client, explicit)


def post_activities(client: TestClient, items: list[dict[str, Any]]) -> Any:
    response = client.post("/v1/ingest/activities", json={"activities": items})
    assert response.status_code == 200, response.text
    return response.json()


def _deal(deal_id: str, created: str, closed: str | None, outcome: str) -> dict[str, Any]:
    return {
        "id": deal_id,
        "outcome": outcome,
        "created_at": created,
        "closed_at": closed,
        "account": {"id": "acc-1", "name": "Bank One", "industry": "Banking"},
        "participants": [],
    }


def activity_people(client: TestClient, deal_id: str) -> dict[str, list[str]]:
    committee = client.get(f"/v1/deals/{deal_id}/committee").json()
    return {
        p["person"]["name"]: p["evidence"]
        for p in committee["participants"]
        if p["source"] == "activity"
    }


def test_pushed_activities_seat_people_on_the_deals_open_on_their_date(
    client: TestClient,
) -> None:
    old = _deal("d-2024", "2024-01-10", "2024-06-30", "won")
    new = _deal("d-2025", "2025-01-10", None, "open")
    assert client.post("/v1/ingest/deals", json={"deals": [old, new]}).status_code == 200
    client.post(
        "/v1/ingest/people",
        json={"people": [{"id": "p-cfo", "name": "Dana Weiss", "title": "CFO",
                          "account_id": "acc-1", "email": "dana@bankone.example"}]},
    )  # fmt: skip
    calls = [
        {"id": "a1", "kind": "call", "occurred_at": "2025-03-02T10:00:00", "subject": "Pricing",
         "deal_id": "d-2025", "people": [{"id": "p-cfo"}, {"name": "Omar Haddad",
                                                            "title": "CISO"}]},
        {"id": "a2", "kind": "meeting", "occurred_at": "2024-03-01", "subject": "QBR",
         "account_id": "acc-1", "people": [{"email": "DANA@bankone.example"}],
         "text": "Dana will not approve anything above 250k."},
        {"id": "a3", "kind": "email", "occurred_at": "2024-03-01", "people": []},
    ]  # fmt: skip
    body = post_activities(client, calls)
    assert (body["created"], body["unchanged"]) == (2, 0)
    assert [r["id"] for r in body["rejected"]] == ["a3"]
    assert body["notes"]["created"] == 1
    now = activity_people(client, "d-2025")
    assert now["Dana Weiss"] == ["call 2025-03-02: Pricing (a1)"]
    assert "Omar Haddad" in now, "a new person named by the integration"
    # The account's QBR in March 2024 counts for the deal open then, by e-mail match.
    assert activity_people(client, "d-2024") == {"Dana Weiss": ["meeting 2024-03-01: QBR (a2)"]}
    stances = {
        p["person"]["name"]: p["stance"]
        for p in client.get("/v1/deals/d-2024/committee").json()["participants"]
    }
    assert stances["Dana Weiss"] == "unknown", "an account note gives no deal seat"
    assert post_activities(client, calls[:2])["unchanged"] == 2

    # The old deal's dates move: the account's QBR no longer falls while it was open.
    moved = _deal("d-2024", "2024-04-01", "2024-06-30", "won")
    assert client.post("/v1/ingest/deals", json={"deals": [moved]}).json()["updated"] == 1
    assert activity_people(client, "d-2024") == {}
    # The call moves to the account: it now counts for the open deal by its date.
    calls[0] = {**calls[0], "deal_id": None, "account_id": "acc-1"}
    assert post_activities(client, calls[:1])["updated"] == 1
    assert set(activity_people(client, "d-2025")) == {"Dana Weiss", "Omar Haddad"}

    # Erasure removes the person from activities and their name from subjects.
    named = {"id": "a4", "kind": "call", "occurred_at": "2025-03-05", "deal_id": "d-2025",
             "subject": "Call with Omar Haddad",
             "people": [{"id": "p-cfo"}, {"name": "Omar Haddad"}]}  # fmt: skip
    post_activities(client, [named])
    omar = next(
        p["person"]["id"]
        for p in client.get("/v1/deals/d-2025/committee").json()["participants"]
        if p["person"]["name"] == "Omar Haddad"
    )
    assert client.delete(f"/v1/people/{omar}").status_code == 204
    left = activity_people(client, "d-2025")
    assert set(left) == {"Dana Weiss"}
    assert "Omar" not in " ".join(left["Dana Weiss"])
