"""Outreach in (POST /v1/outreach, `bcg import outreach`): targets matched to known people
by the contacts' rules, unmatched ones kept as they came, the same batch twice unchanged."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from app.settings import Settings
from tests.conftest import make_settings

BCG = str(Path(sys.executable).with_name("bcg"))

DEAL = {
    "id": "d1",
    "outcome": "won",
    "account": {"id": "acc-1", "name": "Nordbank AG", "industry": "Banking"},
    "participants": [
        {
            "person": {
                "id": "p-ciso",
                "name": "Anna Weiß",
                "email": "anna@nordbank.de",
                "title": "CISO",
            },
            "deal_role": "decision_maker",
            "stance": "champion",
        },
        {"person": {"id": "p-it", "name": "Jan Berg", "title": "IT Manager"}},
    ],
}

TARGETS: list[dict[str, Any]] = [
    {
        "id": "t-id",
        "campaign": "CISO Summit",
        "channel": "event",
        "spend": 1200,
        "person_id": "p-ciso",
    },
    {"id": "t-mail", "campaign": "CISO Summit", "spend": 300, "email": "ANNA@nordbank.de"},
    {
        "id": "t-name",
        "campaign": "Webinar",
        "spend": 40.5,
        "name": "ANNA WEIß",
        "company": "nordbank ag",
        "title": "Chief Information Security Officer",
    },
    {
        "id": "t-wrong-co",
        "campaign": "Webinar",
        "spend": 10,
        "name": "Anna Weiß",
        "company": "Other Bank",
    },
    {
        "id": "t-blogger",
        "campaign": "Influencers",
        "channel": "sponsored post",
        "spend": 5000,
        "name": "Max Reach",
        "title": "Security Blogger",
        "audience": 250000,
    },
    {"id": "t-unknown-id", "campaign": "Influencers", "spend": 5, "person_id": "nobody"},
]


def _targets(client: TestClient) -> dict[str, Any]:
    store = client.app.state.services.store  # type: ignore[attr-defined]
    return {t.target.id: t for t in store.outreach_targets("default", None)}


def _version(client: TestClient) -> int:
    return int(client.app.state.services.store.stats_version("default").version)  # type: ignore[attr-defined]


def test_targets_are_matched_by_id_email_and_name_at_the_company(client: TestClient) -> None:
    assert client.post("/v1/ingest/deals", json={"deals": [DEAL]}).status_code == 200
    before = _version(client)
    answer = client.post("/v1/outreach", json={"outreach": TARGETS})
    assert answer.status_code == 200, answer.text
    assert answer.json()["created"] == len(TARGETS) and answer.json()["rejected"] == []
    assert _version(client) == before + 1
    stored = _targets(client)
    assert {i: (t.person_id, t.match) for i, t in stored.items()} == {
        "t-id": ("p-ciso", "id"),
        "t-mail": ("p-ciso", "email"),
        "t-name": ("p-ciso", "name+company"),
        "t-wrong-co": (None, ""),
        "t-blogger": (None, ""),
        "t-unknown-id": (None, ""),
    }
    blogger = stored["t-blogger"].target
    assert (blogger.audience, blogger.channel, blogger.spend) == (250000, "sponsored post", 5000.0)
    assert stored["t-name"].target.role == "c_level.security"


def test_the_same_batch_twice_writes_nothing(client: TestClient) -> None:
    client.post("/v1/ingest/deals", json={"deals": [DEAL]})
    client.post("/v1/outreach", json={"outreach": TARGETS})
    version = _version(client)
    again = client.post("/v1/outreach", json={"outreach": TARGETS}).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, len(TARGETS))
    assert _version(client) == version
    changed = [dict(TARGETS[0], spend=999)]
    assert client.post("/v1/outreach", json={"outreach": changed}).json()["updated"] == 1
    assert _targets(client)["t-id"].target.spend == 999.0


def test_a_bad_target_is_rejected_with_its_field_and_the_rest_go_in(client: TestClient) -> None:
    batch = [
        {"id": "ok", "campaign": "C", "spend": 1, "email": "a@b.example"},
        {"id": "nobody", "campaign": "C", "spend": 1},
        {"id": "neg", "campaign": "C", "spend": -5, "name": "X"},
        {"id": "mail", "campaign": "C", "email": "not-an-address"},
    ]
    answer = client.post("/v1/outreach", json={"outreach": batch}).json()
    assert answer["created"] == 1
    fields = {r["id"]: [e["field"] for e in r["errors"]] for r in answer["rejected"]}
    assert fields == {"nobody": ["person_id"], "neg": ["spend"], "mail": ["email"]}


def _env(settings: Settings) -> dict[str, str]:
    env = {**os.environ, "BCG_STORE": settings.store, "BCG_DATA_DIR": str(settings.data_dir)}
    env.pop("BCG_DATABASE_URL", None)
    return env


def test_bcg_import_outreach_reads_csv_and_jsonl(store_kind: str, tmp_path: Path) -> None:
    settings = make_settings(store_kind, tmp_path)
    csv_file = tmp_path / "targets.csv"
    # As a spreadsheet saves it: a BOM, semicolons, a decimal comma, a quoted header.
    csv_file.write_bytes(
        '\ufeff"id";campaign;channel;spend;email;name;company;title;audience\r\n'
        "c1;Q3 Webinar;webinar;12,50;anna@nordbank.de;;;;\r\n"
        "c2;Q3 Webinar;webinar;80;;Max Reach;;Blogger;90000\r\n"
        "c3;Q3 Webinar;webinar;-1;;;;;\r\n".encode()
    )
    jsonl = tmp_path / "targets.jsonl"
    jsonl.write_text('{"id": "j1", "campaign": "Gala", "spend": 700, "person_id": "p-ciso"}\n')
    env = _env(settings)
    first = subprocess.run(
        [BCG, "import", "outreach", str(csv_file)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert first.returncode == 0, first.stderr
    assert "targets 2 created, 0 updated, 0 unchanged, 1 rejected" in first.stdout
    assert "targets.csv:4: c3: spend: Input should be greater than or equal to 0" in first.stderr
    second = subprocess.run(
        [BCG, "import", "outreach", str(jsonl)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert "targets 1 created" in second.stdout, second.stderr
    again = subprocess.run(
        [BCG, "import", "outreach", str(csv_file)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert "0 created, 0 updated, 2 unchanged" in again.stdout
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"id": "b1", "campaign": "Gala", "name": "A"}\n{"id": "b2", oops\n')
    refused = subprocess.run(
        [BCG, "import", "outreach", str(broken)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert refused.returncode == 2 and "broken.jsonl: line 2 is not JSON" in refused.stderr
    from app.stores import build_store

    store = build_store(settings)
    try:
        stored = {t.target.id: t.target for t in store.outreach_targets("default", None)}
    finally:
        store.close()
    assert stored["c1"].spend == 12.5 and stored["c2"].audience == 90000
    assert stored["j1"].campaign == "Gala" and "b1" not in stored  # nothing of a broken file


def test_erasing_a_person_forgets_them_in_outreach_and_keeps_the_spend(
    client: TestClient, settings: Settings, neo4j_uri_if_any: Any
) -> None:
    client.post("/v1/ingest/deals", json={"deals": [DEAL]})
    client.post("/v1/outreach", json={"outreach": TARGETS})
    assert client.delete("/v1/people/p-ciso").status_code == 204
    stored = _targets(client)
    for target_id in ("t-id", "t-mail", "t-name"):
        forgotten = stored[target_id]
        assert forgotten.person_id is None and forgotten.target.person_id is None
        assert (forgotten.target.email, forgotten.target.name) == (None, None)
    assert stored["t-id"].target.spend == 1200.0  # the money was spent all the same
    # Her name at another company matched nobody, and goes all the same (as in notes).
    assert stored["t-wrong-co"].target.name is None
    assert stored["t-blogger"].target.name == "Max Reach"
    audit = client.get("/v1/outreach/audit").json()
    assert audit["spend"]["by_verdict"]["unmatched"] == 1200 + 300 + 40.5 + 10 + 5000 + 5
    dump = json.dumps(json.loads(neo4j_uri_if_any(settings)), ensure_ascii=False).lower()
    assert "anna@nordbank.de" not in dump and "weiß" not in dump
    assert "max reach" in dump  # the check would see a name


def test_a_note_that_tells_of_support_makes_an_advocate(client: TestClient) -> None:
    """Stances come from the CRM, activities and notes: here only a note says Omar backed
    the deal; Dana sat in as many won deals, neutral, and is no advocate."""
    account = {"id": "acc-9", "name": "Acme Bank", "industry": "Banking"}
    people = [
        {"person": {"id": "c-dana", "name": "Dana Weiss", "title": "CFO"}, "stance": "neutral"},
        {"person": {"id": "c-omar", "name": "Omar Haddad", "title": "Director of IT Security"}},
    ]
    deals = [
        {"id": f"w{n}", "account": account, "outcome": "won", "participants": people}
        for n in range(4)
    ] + [
        {"id": f"l{n}", "account": account, "outcome": "lost", "participants": people[:1]}
        for n in range(3)
    ]
    assert client.post("/v1/ingest/deals", json={"deals": deals}).status_code == 200
    assert client.get("/v1/advocates").json()["items"] == []
    note = {
        "id": "n-1",
        "deal_id": "w0",
        "occurred_at": "2025-03-02",
        "text": "Omar has no objections to the architecture.",
    }
    assert client.post("/v1/ingest/notes", json={"notes": [note]}).status_code == 200
    [omar] = client.get("/v1/advocates").json()["items"]
    assert omar["person"]["id"] == "c-omar"
    assert (omar["won_deals"], omar["champion_deals"], omar["sources"]) == (4, 1, ["note"])
    assert omar["evidence"] == ["w0"] and omar["accounts"] == ["acc-9"]


def test_a_target_sent_before_its_person_is_matched_on_the_next_write(client: TestClient) -> None:
    assert client.post("/v1/outreach", json={"outreach": TARGETS[:3]}).json()["created"] == 3
    assert {t.person_id for t in _targets(client).values()} == {None}
    client.post("/v1/ingest/deals", json={"deals": [DEAL]})
    version = _version(client)
    again = client.post("/v1/outreach", json={"outreach": TARGETS[:3]}).json()
    assert again["unchanged"] == 3  # the records are the same; whom they name is now known
    assert {i: t.match for i, t in _targets(client).items()} == {
        "t-id": "id",
        "t-mail": "email",
        "t-name": "name+company",
    }
    assert _version(client) == version + 1
    assert client.post("/v1/outreach", json={"outreach": TARGETS[:3]}).json()["unchanged"] == 3
    assert _version(client) == version + 1  # nothing left to match: nothing written


def test_a_merged_id_and_a_company_in_capitals_find_their_person(client: TestClient) -> None:
    """The CRM's other id for a contact (merged by e-mail) is that contact; a company
    written in capitals with accents is the account, on SQLite as on Neo4j."""
    deal = {**DEAL, "account": {**DEAL["account"], "name": "Électricité Nordique"}}
    assert client.post("/v1/ingest/deals", json={"deals": [deal]}).status_code == 200
    merged = {
        "id": "crm-77",
        "name": "Anna Weiß",
        "email": "anna@nordbank.de",
        "account_id": "acc-1",
    }
    answer = client.post("/v1/ingest/people", json={"people": [merged]})
    assert answer.status_code == 200, answer.text
    targets = [
        {"id": "t-alias", "campaign": "CISO Summit", "spend": 100, "person_id": "crm-77"},
        {
            "id": "t-caps",
            "campaign": "Webinar",
            "spend": 50,
            "name": "Jan Berg",
            "company": "ÉLECTRICITÉ NORDIQUE",
        },
    ]
    assert client.post("/v1/outreach", json={"outreach": targets}).status_code == 200
    stored = _targets(client)
    assert (stored["t-alias"].person_id, stored["t-alias"].match) == ("p-ciso", "id")
    assert (stored["t-caps"].person_id, stored["t-caps"].match) == ("p-it", "name+company")
