"""Salesforce and HubSpot exports as they come, through HTTP (both stores) and the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from ingest.regions import region_of_country

DATA = Path(__file__).parent / "data"
SF = DATA / "salesforce"
HS = DATA / "hubspot"


def upload_salesforce(client: TestClient) -> Any:
    files = {
        "accounts": ("Account.csv", (SF / "Account.csv").read_bytes(), "text/csv"),
        "opportunities": ("Opportunity.csv", (SF / "Opportunity.csv").read_bytes(), "text/csv"),
        "contacts": ("Contact.csv", (SF / "Contact.csv").read_bytes(), "text/csv"),
        "contact_roles": (
            "OpportunityContactRole.csv",
            (SF / "OpportunityContactRole.csv").read_bytes(),
            "text/csv",
        ),
    }
    return client.post("/v1/ingest/salesforce", files=files)


def hubspot_files() -> dict[str, Any]:
    found = {p.name.split("-all-")[1].split("-")[0]: p for p in HS.glob("*.csv")}
    return {
        "companies": (found["companies"].name, found["companies"].read_bytes(), "text/csv"),
        "contacts": (found["contacts"].name, found["contacts"].read_bytes(), "text/csv"),
        "deals": (found["deals"].name, found["deals"].read_bytes(), "text/csv"),
    }


def test_salesforce_exports_import_with_counts_committees_and_row_errors(
    client: TestClient,
) -> None:
    response = upload_salesforce(client)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["created"], body["updated"], body["unchanged"]) == (3, 0, 0)
    assert body["people"] == {"created": 6, "updated": 0, "unchanged": 0}
    rejected = {(r["file"], r["line"]): r for r in body["rejected"]}
    assert set(rejected) == {("opportunities", 5), ("opportunities", 6), ("contact_roles", 8)}
    assert rejected[("opportunities", 5)]["errors"][0]["field"] == "amount"
    assert rejected[("opportunities", 6)]["errors"][0]["field"] == "IsClosed"
    # A contact without an account in no deal is left out and said so, not rejected.
    assert body["skipped"] == [
        {"object": "contacts", "reason": "no account, in no deal or activity", "count": 1}
    ]
    assert "0035g00000C99" in rejected[("contact_roles", 8)]["errors"][0]["message"]

    won = client.get("/v1/deals/0065g00000O1/committee").json()
    assert won["deal"]["outcome"] == "won" and won["deal"]["closed_at"] == "2025-03-31"
    assert won["deal"]["created_at"] == "2025-01-10" and won["deal"]["source"] == "salesforce"
    assert won["account"]["region"] == "EMEA" and won["account"]["employees"] == 5200
    seats = {p["person"]["name"]: p for p in won["participants"]}
    assert seats["Dana Weiss"]["role"] == "c_level.finance"
    assert seats["Dana Weiss"]["deal_role"] == "economic_buyer"
    assert seats["Dana Weiss"]["person"]["email"] == "dana.weiss@acme.example"
    assert seats["Omar Haddad"]["deal_role"] == "technical_evaluator"
    assert seats["Lena Park"]["external"] is True
    assert seats["Lena Park"]["role"] == "external.consultant"
    lost = client.get("/v1/deals/0065g00000O2/committee").json()
    assert lost["deal"]["outcome"] == "lost" and lost["account"]["region"] == "AMER"
    assert {p["deal_role"] for p in lost["participants"]} == {"decision_maker", "end_user"}
    open_deal = client.get("/v1/deals/0065g00000O3/committee").json()
    assert open_deal["deal"]["outcome"] == "open" and open_deal["deal"]["closed_at"] is None
    assert open_deal["account"]["region"] == "APAC"
    emea = client.get("/v1/segments/committee", params={"region": "emea"}).json()
    assert emea["deals"] == 1

    again = upload_salesforce(client).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)
    assert again["people"]["unchanged"] == 6


def test_hubspot_exports_import_with_enum_and_label_forms(client: TestClient) -> None:
    response = client.post("/v1/ingest/hubspot", files=hubspot_files())
    assert response.status_code == 200, response.text
    body = response.json()
    # Deal 304 has no company: it takes its contact's (Dana Weiss at Acme Bank).
    assert (body["created"], body["updated"], body["unchanged"]) == (4, 0, 0)
    assert body["people"]["created"] == 5
    assert body["rejected"] == []
    assert client.get("/v1/deals/304/committee").json()["account"]["name"] == "Acme Bank"
    won = client.get("/v1/deals/301/committee").json()
    assert won["account"]["industry"] == "Financial Services"
    assert won["deal"]["closed_at"] == "2025-03-31"
    seats = {p["person"]["name"]: p for p in won["participants"]}
    assert seats["Dana Weiss"]["deal_role"] == "decision_maker"
    assert seats["Omar Haddad"]["deal_role"] == "influencer"
    assert seats["Lena Park"]["external"] is True
    assert client.get("/v1/deals/302/committee").json()["participants"][0]["deal_role"] == (
        "champion"
    )
    # FINANCIAL_SERVICES (Acme) and "Financial Services" (Umbrella) are one industry; the
    # closed deals there are 301 and 304 (Acme's), the Umbrella deal is open.
    committee = client.get(
        "/v1/segments/committee", params={"industry": "financial services"}
    ).json()
    assert committee["deals"] == 2
    brazil = client.get("/v1/accounts/103/likely-committee").json()
    assert brazil["account"]["region"] == "LATAM"
    assert brazil["account"]["industry"] == "Financial Services"


def test_a_latin1_export_is_read_and_its_encoding_named(client: TestClient) -> None:
    files = hubspot_files()
    files["companies"] = (
        "companies.csv",
        "Record ID;Company name;Industry\r\n101;Caf\xe9 Soci\xe9t\xe9 Bank;Banking\r\n".encode(
            "latin-1"
        ),
        "text/csv",
    )
    response = client.post("/v1/ingest/hubspot", files=files)
    assert response.status_code == 200, response.text
    read = {f["name"]: f for f in response.json()["files"]}
    assert read["companies"]["encoding"] == "windows-1252"
    assert read["companies"]["delimiter"] == ";"
    committee = client.get("/v1/deals/301/committee").json()
    assert committee["account"]["name"] == "Café Société Bank"


def test_a_missing_file_field_is_a_validation_error(client: TestClient) -> None:
    files = hubspot_files()
    del files["deals"]
    response = client.post("/v1/ingest/hubspot", files=files)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "deals"


def test_countries_map_to_regions() -> None:
    cases = {
        "DE": "EMEA",
        "Deutschland": "EMEA",
        "USA": "AMER",
        "Brasil": "LATAM",
        "México": "LATAM",
        "JP": "APAC",
        "United Arab Emirates": "EMEA",
        "Atlantis": None,
    }
    assert {c: region_of_country(c) for c in cases} == cases


def run_cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "BCG_STORE": "sqlite",
        "BCG_DATA_DIR": str(tmp_path / "data"),
        "COLUMNS": "120",
    }
    env.pop("BCG_DATABASE_URL", None)
    bcg = str(Path(sys.executable).with_name("bcg"))
    return subprocess.run(
        [bcg, *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


def test_cli_imports_exports_and_jsonl_with_a_summary(tmp_path: Path) -> None:
    assert run_cli(tmp_path, "migrate").returncode == 0
    sf = run_cli(tmp_path, "import", "salesforce", str(SF))
    assert sf.returncode == 0, sf.stderr
    assert sf.stdout.strip().endswith(
        "deals: 3 created, 0 updated, 0 unchanged; contacts: 6 created, 0 updated, "
        "0 unchanged; 3 rows rejected"
    )
    assert "opportunities:5: 0065g00000O4: amount:" in sf.stderr
    hs = run_cli(tmp_path, "import", "hubspot", str(HS))
    assert hs.returncode == 0 and "deals: 4 created" in hs.stdout

    jsonl = tmp_path / "deals.jsonl"
    jsonl.write_text(
        '{"id": "j1", "outcome": "won", "account": {"id": "a1"}}\n'
        "{not json\n"
        '{"id": "j2", "outcome": "later", "account": {"id": "a1"}}\n'
        '{"id": "j3", "outcome": "lost", "account": {"id": "a1", "country": "FR"}}\n'
    )
    out = run_cli(tmp_path, "import", "deals", str(jsonl))
    assert out.returncode == 0, out.stderr
    assert "deals: 2 created" in out.stdout and "2 rows rejected" in out.stdout
    assert "deals.jsonl:2: -: (line): not JSON" in out.stderr
    assert "deals.jsonl:3: j2: outcome:" in out.stderr
    again = run_cli(tmp_path, "import", "deals", str(jsonl))
    assert "deals: 0 created, 0 updated, 2 unchanged" in again.stdout


def test_an_export_without_its_columns_is_refused_before_any_write(client: TestClient) -> None:
    files = hubspot_files()
    files["deals"] = ("deals.csv", b"Id,Name\n1,x\n", "text/csv")
    response = client.post("/v1/ingest/hubspot", files=files)
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "deals"
    assert error["message"] == "missing columns: Record ID, Deal Stage"
    assert client.get("/v1/people/201").status_code == 404, "contacts were not written either"
