"""Salesforce Campaign and CampaignMember (and Lead) through the Salesforce import, as an
org's Data Export writes them: Windows-1252, quoted, CRLF, 15-character ids in the member
file, a converted lead, a deleted member, a member of a campaign the export lacks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import make_settings

FOLDER = Path(__file__).parent / "data" / "salesforce_campaigns"
UPLOADS = {
    "accounts": "Account.csv",
    "contacts": "Contact.csv",
    "opportunities": "Opportunity.csv",
    "campaigns": "Campaign.csv",
    "campaign_members": "CampaignMember.csv",
    "leads": "Lead.csv",
}
JUERGEN, ANJA = "0035g00000QrStUAAV", "0035g00000VwXyZAAV"


def _upload(client: TestClient) -> dict[str, Any]:
    files = {
        field: (name, (FOLDER / name).read_bytes(), "text/csv") for field, name in UPLOADS.items()
    }
    response = client.post("/v1/ingest/salesforce", files=files)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _targets(client: TestClient) -> dict[str, Any]:
    store = client.app.state.services.store  # type: ignore[attr-defined]
    return {t.target.id: t for t in store.outreach_targets("default", None)}


def test_campaign_members_become_targets_with_their_share_of_the_cost(client: TestClient) -> None:
    body = _upload(client)
    outreach = body["objects"]["outreach"]
    assert (outreach["read"], outreach["created"], outreach["skipped"], outreach["rejected"]) == (
        7,
        5,
        1,
        1,
    )
    [rejected] = [r for r in body["rejected"] if r["file"] == "campaign_members"]
    assert rejected["line"] == 8 and rejected["errors"][0]["field"] == "CampaignId"
    assert not [w for w in body["warnings"] if w["file"].startswith("campaign")]
    stored = _targets(client)
    assert {i: (t.target.campaign, t.target.spend, t.person_id) for i, t in stored.items()} == {
        "00v5g00000AaAaAAAV": ("Spring webinar", 500.0, JUERGEN),
        "00v5g00000AaAaBAAV": ("Spring webinar", 500.0, None),  # Larry, a lead
        "00v5g00000AaAaCAAV": ("Spring webinar", 500.0, ANJA),  # a lead converted to Anja
        "00v5g00000AaAaEAAV": ("CISO dinner", 6000.0, ANJA),  # her own cost (Cost__c)
        "00v5g00000AaAaFAAV": ("CISO dinner", 3000.0, None),  # the rest of 9,000 budgeted
    }
    larry = stored["00v5g00000AaAaBAAV"].target
    assert (larry.email, larry.name, larry.company, larry.title) == (
        "larry@prospect.example",
        "Larry Prospect",
        "Prospect AG",
        "Security Blogger",
    )
    webinar = stored["00v5g00000AaAaAAAV"].target
    assert (webinar.channel, webinar.occurred_at, webinar.status) == (
        "Webinar",
        "2025-03-04",
        "Responded",
    )
    assert _upload(client)["objects"]["outreach"]["unchanged"] == 5


def test_the_audit_reads_the_imported_campaigns(client: TestClient) -> None:
    _upload(client)
    audit = client.get("/v1/outreach/audit").json()
    assert audit["spend"]["total"] == 10_500
    assert audit["spend"]["by_verdict"] == {
        "predictive": 0,
        "present": 500,  # Jürgen sat in the won deal
        "never_in_a_decision": 6_500,  # Anja never did
        "unmatched": 3_500,
    }
    assert [(g["name"], g["spend"]["total"]) for g in audit["channels"]] == [
        ("Event", 9000),
        ("Webinar", 1500),
    ]


def test_bcg_import_salesforce_reads_campaigns_from_the_folder(
    store_kind: str, tmp_path: Path
) -> None:
    settings = make_settings(store_kind, tmp_path)
    env = {
        **os.environ,
        "BCG_STORE": settings.store,
        "BCG_DATA_DIR": str(settings.data_dir),
        "COLUMNS": "120",
    }
    env.pop("BCG_DATABASE_URL", None)
    bcg = str(Path(sys.executable).with_name("bcg"))
    run = subprocess.run(
        [bcg, "import", "salesforce", str(FOLDER)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert (
        "outreach: 7 read, 5 created, 0 updated, 0 unchanged, 1 skipped, 1 rejected" in run.stdout
    )
    assert "CampaignMember.csv" not in run.stdout.split("skipped files")[-1].split("\n")[0]
    assert (
        "campaign_members:8: 00v5g00000AaAaGAAV: CampaignId: no such campaign in Campaign.csv"
        in run.stderr
    )
