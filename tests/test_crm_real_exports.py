"""Exports in the shapes users really have them: a Windows-1252 Salesforce org backup
whose committees live in activities, and a HubSpot export with custom closed stages,
no companies file and notes in association columns. Both stores, through HTTP and the
CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from tests.test_crm_import import run_cli

DATA = Path(__file__).parent / "data"
BACKUP = DATA / "salesforce_backup"
HUBSPOT = DATA / "hubspot_export"

SF_FIELDS = {
    "accounts": "Account.csv",
    "opportunities": "Opportunity.csv",
    "contacts": "Contact.csv",
    "tasks": "Task.csv",
    "task_relations": "TaskRelation.csv",
    "events": "Event.csv",
    "event_relations": "EventRelation.csv",
    "email_messages": "EmailMessage.csv",
    "email_message_relations": "EmailMessageRelation.csv",
}
# 18-character ids as Contact.csv and Opportunity.csv write them; Task.csv names the
# same records in 15 characters.
WEISS, KOEHLER, PAT_DOE, DUBOIS, GARCON, ONEIL = (
    "0035g00000QrStUAAV",
    "0035g00000VwXyZAAV",
    "0035g00000pQrStAAK",
    "0035g00000aBcDeAAK",
    "0035g00000fGhIjAAK",
    "0035g00000kLmNoAAK",
)
FRAESMASCHINEN, CAISSE, PILOT, ERSATZTEILE = (
    "0065g00000ZyXwVAAV",
    "0065g00000UtSrQAAV",
    "0065g00000PoNmLAAV",
    "0065g00000KjIhGAAV",
)


def upload_backup(client: TestClient) -> Any:
    files = {
        field: (name, (BACKUP / name).read_bytes(), "text/csv") for field, name in SF_FIELDS.items()
    }
    response = client.post("/v1/ingest/salesforce", files=files)
    assert response.status_code == 200, response.text
    return response.json()


def seats(client: TestClient, deal_id: str) -> dict[str, list[dict[str, Any]]]:
    committee = client.get(f"/v1/deals/{deal_id}/committee").json()
    out: dict[str, list[dict[str, Any]]] = {}
    for p in committee["participants"]:
        out.setdefault(p["person"]["id"], []).append(p)
    return out


def test_an_org_backup_gives_committees_from_its_activities(client: TestClient) -> None:
    body = upload_backup(client)
    assert (body["created"], body["rejected"]) == (4, [])
    read = {f["name"]: f["encoding"] for f in body["files"]}
    assert read["accounts"] == read["tasks"] == "windows-1252"
    assert body["objects"]["activities"]["created"] == 7  # one deleted task, one e-mail a task
    assert body["objects"]["activities"]["skipped"] == 1
    skipped = {(s["object"], s["reason"]): s["count"] for s in body["skipped"]}
    assert skipped[("activity people", "leads and users are not contacts")] == 4
    # Closed before created (a back-filled deal): kept, with a warning.
    assert [(w["id"], w["errors"][0]["field"]) for w in body["warnings"]] == [(CAISSE, "closed_at")]

    won = seats(client, FRAESMASCHINEN)
    # The primary contact (Opportunity.ContactId) is a CRM seat; the call (15-character
    # ids), the event and its invitees are activity seats; the user invitee is nobody.
    assert {s["source"] for s in won[WEISS]} >= {"crm", "activity"}
    assert {s["source"] for s in won[KOEHLER]} >= {"activity"}
    assert PAT_DOE in won, "a private contact invited to the event sits in the deal"
    evidence = next(s for s in won[KOEHLER] if s["source"] == "activity")["evidence"]
    assert evidence[0].startswith("call 2025-02-14: Call – security review (00T5g00000TaAk1EAF)")
    # The call's text is read as a note: "She will not approve it before the penetration
    # test" is a refusal with a condition, so sceptical rather than a blocker.
    assert any(s["source"] == "note" and s["stance"] == "skeptical" for s in won[KOEHLER])
    lost = seats(client, CAISSE)
    assert set(lost) == {DUBOIS, GARCON}
    # Logged on the account in July 2024: the deal open then, not the 2025 one.
    assert set(seats(client, ERSATZTEILE)) == {WEISS}
    # Logged on a contact alone: the contact's account's deal open on that date.
    assert set(seats(client, PILOT)) == {ONEIL}
    person = client.get(f"/v1/people/{WEISS}").json()["person"]
    assert person["name"] == "Jürgen Weiß"
    coverage = body["coverage"]
    assert (coverage["closed_deals"], coverage["closed_deals_with_committee"]) == (3, 3)
    assert coverage["participations"]["activity"] == 7
    assert coverage["warnings"], "three closed deals are too few to rank"

    again = upload_backup(client)
    assert again["objects"]["activities"]["unchanged"] == 7
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 4)


def test_a_15_character_id_and_its_18_character_form_are_one_record(client: TestClient) -> None:
    upload_backup(client)
    response = client.post(
        "/v1/ingest/activities",
        json={
            "activities": [
                {
                    "id": "call-9",
                    "kind": "call",
                    "occurred_at": "2025-03-10",
                    "subject": "Follow-up",
                    "deal_id": FRAESMASCHINEN,
                    "people": [{"id": KOEHLER}],
                }
            ]
        },
    )
    assert response.status_code == 200 and response.json()["created"] == 1
    koehler = [s for s in seats(client, FRAESMASCHINEN)[KOEHLER] if s["source"] == "activity"]
    assert len(koehler) == 1 and len(koehler[0]["evidence"]) == 3  # call, event, follow-up


def test_a_hubspot_export_without_companies_keeps_every_deal(client: TestClient) -> None:
    names = {p.name.split("-all-")[1].split("-")[0]: p for p in HUBSPOT.glob("*.csv")}
    files = {k: (p.name, p.read_bytes(), "text/csv") for k, p in names.items()}
    response = client.post("/v1/ingest/hubspot", files=files)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["created"], body["rejected"]) == (6, [])
    assert body["unknown_accounts"] == 2
    outcomes = {d: client.get(f"/v1/deals/{d}/committee").json()["deal"]["outcome"] for d in
                ("7001", "7002", "7003", "7004", "7005", "7006")}  # fmt: skip
    # "Signed" and "Dead Deals" are custom stages: the closed flags decide.
    assert outcomes == {
        "7001": "won",
        "7002": "lost",
        "7003": "lost",
        "7004": "open",
        "7005": "lost",
        "7006": "won",
    }
    acme = client.get("/v1/deals/7001/committee").json()
    assert acme["account"]["name"] == "Acme Bank", "the company name from the association column"
    assert acme["deal"]["amount"] == 120000.0
    by_name = {p["person"]["name"]: p for p in acme["participants"] if p["source"] == "note"}
    assert by_name["Dana Weiss"]["stance"] == "blocker", "the Associated Note was read"
    unknown = client.get("/v1/deals/7005/committee").json()["account"]
    assert unknown["name"] == "Unknown company (7005)"
    # 7003 has no company; its contact has none either: an unknown account too, her seat kept.
    ana = client.get("/v1/deals/7003/committee").json()["participants"]
    assert [p["person"]["name"] for p in ana if p["source"] == "crm"] == ["Ana Souza"]
    # Account-level call on 2025-07-15: the Globex deal open then (7004), not 7002.
    raj_open = [s for s in seats(client, "7004")["5104"] if s["source"] == "activity"]
    assert "(6603)" in raj_open[0]["evidence"][0]
    raj_lost = [s for s in seats(client, "7002")["5104"] if s["source"] == "activity"]
    assert [e[-6:] for e in raj_lost[0]["evidence"]] == ["(6602)"]
    assert body["coverage"]["closed_deals"] == 5
    assert body["coverage"]["closed_deals_with_committee"] == 4


def test_unknown_stages_without_flags_are_one_error_with_a_map(client: TestClient) -> None:
    deals = (
        b"Record ID,Deal Name,Deal Stage,Close Date,Create Date,Associated Contact IDs\r\n"
        b"1,A,Dead Deals,2025-01-31,2025-01-01,\r\n"
        b"2,B,Signed,2025-02-28,2025-02-01,\r\n"
        b"3,C,Dead Deals,2025-03-31,2025-03-01,\r\n"
    )
    contacts = b"Record ID,First Name\r\n"
    files = {
        "deals": ("deals.csv", deals, "text/csv"),
        "contacts": ("contacts.csv", contacts, "text/csv"),
    }
    refused = client.post("/v1/ingest/hubspot", files=files)
    assert refused.status_code == 422
    message = refused.json()["errors"][0]["message"]
    assert "'Dead Deals' (2 deals), 'Signed' (1 deals)" in message and "--stage-map" in message
    assert client.get("/v1/deals/1/committee").status_code == 404, "nothing was written"
    mapped = client.post(
        "/v1/ingest/hubspot", files=files, data={"stage_map": "Dead Deals=lost; Signed=won"}
    )
    assert mapped.status_code == 200, mapped.text
    assert client.get("/v1/deals/2/committee").json()["deal"]["outcome"] == "won"
    assert client.get("/v1/deals/3/committee").json()["deal"]["outcome"] == "lost"


def test_cli_imports_a_backup_folder_into_a_fresh_data_directory(tmp_path: Path) -> None:
    """No `bcg migrate` first: the import migrates, as `serve` does."""
    sf = run_cli(tmp_path, "import", "salesforce", str(BACKUP))
    assert sf.returncode == 0, sf.stderr
    assert "skipped files (objects not read): Campaign.csv, Case.csv, Lead.csv, User.csv" in (
        sf.stdout
    )
    assert "read tasks: 5 rows, windows-1252, ','" in sf.stdout
    assert "activities: 9 read, 7 created, 0 updated, 0 unchanged, 1 skipped, 0 rejected" in (
        sf.stdout
    )
    assert "coverage: 3 closed deals, 3 with anyone in their committee" in sf.stdout
    assert f"opportunities:3: {CAISSE}: warning: closed_at:" in sf.stderr
    hs = run_cli(tmp_path, "import", "hubspot", str(HUBSPOT), "--stage-map", "Signed=won")
    assert hs.returncode == 0, hs.stderr
    assert "deals on an account marked unknown (no company found): 2" in hs.stdout
    bad = run_cli(tmp_path, "import", "hubspot", str(HUBSPOT), "--stage-map", "Signed")
    assert bad.returncode == 2 and "--stage-map" in bad.stderr
