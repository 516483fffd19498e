"""Keys, tenants, hostile input, erasure, logs and CORS, through HTTP on both stores."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from tests.conftest import API_KEY, make_settings

DEAL: dict[str, Any] = {
    "id": "opp-1",
    "outcome": "won",
    "amount": 50000,
    "closed_at": "2025-02-01",
    "account": {"id": "acc-1", "name": "Acme", "industry": "Banking", "region": "EMEA"},
    "participants": [
        {
            "person": {
                "id": "c-1",
                "name": "Dana Weiss",
                "title": "CFO",
                "email": "dana.weiss@acme.example",
            },
            "deal_role": "economic_buyer",
        },
        {"person": {"id": "c-2", "name": "Omar Haddad", "title": "CISO"}},
    ],
}


def make_key(client: TestClient, tenant: str, scopes: list[str]) -> str:
    response = client.post("/v1/keys", json={"tenant": tenant, "scopes": scopes})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["tenant"] == tenant and body["scopes"] == scopes
    return str(body["key"])


def as_key(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_keys_are_scoped_listed_without_secrets_and_revocable(client: TestClient) -> None:
    reader = make_key(client, "acme-eu", ["read"])
    admin = make_key(client, "acme-eu", ["read", "ingest", "admin"])
    assert client.get("/v1/influencers/roles", headers=as_key(reader)).status_code == 200
    refused = client.post("/v1/ingest/deals", json={"deals": [DEAL]}, headers=as_key(reader))
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert client.get("/v1/keys", headers=as_key(reader)).status_code == 403

    listed = client.get("/v1/keys").json()["items"]
    assert {k["tenant"] for k in listed} == {"acme-eu"} and len(listed) == 2
    assert all("key" not in k and "key_hash" not in k for k in listed)
    own = client.get("/v1/keys", headers=as_key(admin)).json()["items"]
    assert len(own) == 2
    other = client.post(
        "/v1/keys", json={"tenant": "globex", "scopes": ["read"]}, headers=as_key(admin)
    )
    assert other.status_code == 403

    reader_id = reader.split("_")[1]
    assert client.delete(f"/v1/keys/{reader_id}", headers=as_key(admin)).status_code == 204
    assert client.get("/v1/influencers/roles", headers=as_key(reader)).status_code == 401
    assert client.delete(f"/v1/keys/{reader_id}").status_code == 404
    forged = reader[:-4] + "AAAA"
    assert client.get("/v1/influencers/roles", headers=as_key(forged)).status_code == 401


def test_keys_are_stored_hashed(client: TestClient, settings: Any, neo4j_uri_if_any: Any) -> None:
    key = make_key(client, "acme-eu", ["read"])
    secret = key.split("_", 2)[2]
    assert secret not in json.dumps(client.get("/v1/keys").json())
    dumped = neo4j_uri_if_any(settings)
    assert dumped and secret not in dumped


def test_another_tenant_sees_nothing_of_this_one(client: TestClient) -> None:
    assert client.post("/v1/ingest/deals", json={"deals": [DEAL]}).json()["created"] == 1
    other = as_key(make_key(client, "globex", ["read", "ingest"]))
    assert client.get("/v1/deals/opp-1/committee", headers=other).status_code == 404
    assert client.get("/v1/people/c-1", headers=other).status_code == 404
    assert client.get("/v1/deals/opp-1/likely-committee", headers=other).status_code == 404
    assert client.get("/v1/accounts/acc-1/likely-committee", headers=other).status_code == 404
    roles = client.get("/v1/influencers/roles", params={"min_deals": 1}, headers=other).json()
    assert roles["deals"] == 0 and roles["items"] == []
    segment = client.get("/v1/segments/committee", headers=other).json()
    assert segment["deals"] == 0
    # The same ids in the other tenant are other records.
    mine = {**DEAL, "amount": 1}
    assert (
        client.post("/v1/ingest/deals", json={"deals": [mine]}, headers=other).json()["created"]
        == 1
    )
    assert client.get("/v1/deals/opp-1/committee").json()["deal"]["amount"] == 50000
    assert client.delete("/v1/people/c-1", headers=other).status_code == 204
    assert client.get("/v1/people/c-1").status_code == 200


HOSTILE = [
    "x'}) MATCH (n) DETACH DELETE n //",
    "'; DROP TABLE deals; --",
    "<script>alert('x')</script>",
    "Ŝtéfan 王小明 Алексей",
    "Robert\"); MATCH (n) SET n.tenant = 'default' //",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_strings_are_stored_literally(client: TestClient, value: str) -> None:
    deal = {
        **DEAL,
        "name": value,
        "participants": [{"person": {"id": value, "name": value, "title": value}}],
    }
    assert client.post("/v1/ingest/deals", json={"deals": [deal]}).json()["created"] == 1
    committee = client.get("/v1/deals/opp-1/committee").json()
    assert committee["deal"]["name"] == value
    assert committee["participants"][0]["person"]["name"] == value
    assert client.get("/v1/people/" + value.replace("/", "%2F")).status_code in (200, 404)
    assert client.get("/v1/segments/committee", params={"industry": value}).json()["deals"] == 0
    assert client.get("/v1/segments/committee").json()["deals"] == 1


def test_oversized_and_nul_strings_are_refused_with_the_field(client: TestClient) -> None:
    long_name = {**DEAL, "participants": [{"person": {"id": "p", "name": "A" * 10_000}}]}
    nul = {**DEAL, "id": "opp-2", "name": "bad\x00name"}
    body = client.post("/v1/ingest/deals", json={"deals": [long_name, nul]}).json()
    assert body["created"] == 0
    fields = {r["index"]: r["errors"][0]["field"] for r in body["rejected"]}
    assert fields == {0: "participants.0.person.name", 1: "name"}
    too_long_query = client.get("/v1/segments/committee", params={"industry": "x" * 500})
    assert too_long_query.status_code == 422
    assert client.get("/v1/influencers/roles", params={"limit": 100_000}).status_code == 422


def test_erasure_forgets_a_person_everywhere(
    client: TestClient, settings: Any, neo4j_uri_if_any: Any
) -> None:
    client.post("/v1/ingest/deals", json={"deals": [DEAL]})
    note = {
        "id": "n-1",
        "deal_id": "opp-1",
        "occurred_at": "2025-01-20",
        "text": "Dana Weiss and Omar both support the plan. Mail dana.weiss@acme.example "
        "the order form. Omar wants SSO.",
    }
    client.post("/v1/ingest/notes", json={"notes": [note]})
    assert client.get("/v1/segments/committee").json()["size_distribution"] == {"2": 1}

    assert client.delete("/v1/people/c-1").status_code == 204
    assert client.get("/v1/people/c-1").status_code == 404
    committee = client.get("/v1/deals/opp-1/committee").json()
    assert {p["person"]["id"] for p in committee["participants"]} == {"c-2"}
    omar_note = next(p for p in committee["participants"] if p["source"] == "note")
    assert omar_note["evidence"][0] == "[erased] and Omar both support the plan."
    assert client.get("/v1/segments/committee").json()["size_distribution"] == {"1": 1}
    roles = client.get("/v1/influencers/roles", params={"min_deals": 1}).json()["items"]
    assert "c_level.finance" not in {r["role"] for r in roles}

    everything = neo4j_uri_if_any(settings)
    for trace in ("Dana", "Weiss", "dana.weiss@acme.example"):
        assert trace not in everything, trace
    assert "[erased] the order form" in everything
    assert client.delete("/v1/people/c-1").status_code == 404

    app_store = client.app.state.services.store  # type: ignore[attr-defined]
    audit = app_store.audit_entries("default")
    assert [(a.action, a.key_id) for a in audit] == [("erase_person", "root")]
    assert audit[0].detail == {
        "participations": 2,
        "mentions": 1,
        "notes_redacted": 1,
        "merged_ids": 0,
    }


def test_logs_carry_a_request_id_and_no_secrets_or_names(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bcg")
    client.post("/v1/ingest/deals", json={"deals": [DEAL]})
    response = client.get("/v1/people/c-1", headers={"X-Request-ID": "trace-42"})
    assert response.headers["x-request-id"] == "trace-42"
    client.get("/v1/segments/committee", params={"industry": "dana.weiss@acme.example"})
    client.get("/v1/people/c-1", headers={"Authorization": "Bearer not-the-key-secret"})
    text = caplog.text
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "bcg.access"]
    assert any(
        line["request_id"] == "trace-42" and line["route"] == "/v1/people/{person_id}"
        for line in lines
    )
    assert {line["status"] for line in lines} >= {200, 401}
    for secret in (API_KEY, "not-the-key-secret", "Dana", "dana.weiss", "c-1"):
        assert secret not in text


def test_cors_is_off_unless_configured(tmp_path: Path) -> None:
    preflight = {"Origin": "https://crm.example", "Access-Control-Request-Method": "GET"}
    with TestClient(create_app(make_settings("sqlite", tmp_path / "a"))) as plain:
        answer = plain.options("/v1/influencers/roles", headers=preflight)
        assert "access-control-allow-origin" not in answer.headers
    allowed = make_settings("sqlite", tmp_path / "b", cors_origins=["https://crm.example"])
    with TestClient(create_app(allowed)) as open_app:
        answer = open_app.options("/v1/influencers/roles", headers=preflight)
        assert answer.headers["access-control-allow-origin"] == "https://crm.example"
