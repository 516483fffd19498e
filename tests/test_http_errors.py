"""Problem details for every refusal, keys on every data route, and the published contract."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from app.main import create_app
from tests.conftest import make_settings

PROBLEM = "application/problem+json"


def test_no_key_or_a_wrong_key_answers_401(client: TestClient) -> None:
    for headers in ({"Authorization": ""}, {"Authorization": "Bearer nope"}):
        response = client.get("/v1/influencers/roles", headers=headers)
        assert response.status_code == 401
        assert response.headers["content-type"].startswith(PROBLEM)
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["type"] == "/problems/unauthorized"
    response = client.post("/v1/ingest/deals", json={"deals": []}, headers={"Authorization": ""})
    assert response.status_code == 401


def test_health_needs_no_key(client: TestClient) -> None:
    assert client.get("/healthz", headers={"Authorization": ""}).json() == {
        "status": "ok",
        "store": None,
    }
    ready = client.get("/readyz", headers={"Authorization": ""})
    assert ready.status_code == 200 and ready.json()["status"] == "ready"


def test_unknown_deal_answers_404_problem(client: TestClient) -> None:
    response = client.get("/v1/deals/missing/committee")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["detail"] == "deal 'missing' not found"


def test_wrong_method_answers_405_problem(client: TestClient) -> None:
    response = client.delete("/v1/ingest/deals")
    assert response.status_code == 405
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["status"] == 405


def test_invalid_query_and_body_answer_422_with_the_fields(client: TestClient) -> None:
    response = client.get("/v1/influencers/roles", params={"direction": "sideways", "limit": 0})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith(PROBLEM)
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"query.direction", "query.limit"}
    response = client.post("/v1/ingest/deals", json={"records": []})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["deals"]
    response = client.post(
        "/v1/ingest/deals", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    reversed_range = client.get(
        "/v1/segments/committee", params={"min_amount": 10, "max_amount": 5}
    )
    assert reversed_range.status_code == 422
    assert reversed_range.json()["errors"][0]["field"] == "min_amount"


def test_a_crash_answers_500_without_a_stack_trace(tmp_path: Path) -> None:
    app = create_app(make_settings("sqlite", tmp_path))

    def explode() -> None:
        raise RuntimeError("secret internals at /srv/app.py line 12")

    app.add_api_route("/explode", explode)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/explode")
    assert response.status_code == 500
    assert response.headers["content-type"].startswith(PROBLEM)
    assert "secret" not in response.text and "Traceback" not in response.text


def test_an_oversized_body_answers_413_before_it_is_read(tmp_path: Path) -> None:
    app = create_app(make_settings("sqlite", tmp_path, max_body_mb=0.001))
    with TestClient(app) as client:
        response = client.post(
            "/v1/ingest/deals", content=b"x" * 5000, headers={"Content-Type": "application/json"}
        )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith(PROBLEM)


def test_openapi_documents_every_route_and_model(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    paths = set(spec["paths"])
    assert {
        "/v1/ingest/deals",
        "/v1/ingest/people",
        "/v1/deals/{deal_id}/committee",
        "/v1/segments/committee",
        "/v1/influencers/roles",
        "/v1/influencers/people",
        "/healthz",
        "/readyz",
    } <= paths
    schemas = spec["components"]["schemas"]
    for name in (
        "PersonIn",
        "ParticipantIn",
        "AccountIn",
        "IngestResult",
        "RoleItem",
        "PersonItem",
        "SegmentCommitteeOut",
        "DealCommitteeOut",
        "Problem",
    ):
        assert name in schemas, name
    deal_schema = schemas["DealBatch"]["properties"]["deals"]["items"]
    assert {"id", "account", "outcome", "participants"} <= set(deal_schema["properties"])
    assert deal_schema["properties"]["outcome"]["enum"] == ["won", "lost", "open"]
    assert client.get("/docs").status_code == 200


def test_first_start_without_a_key_makes_one_and_keeps_it_private(
    tmp_path: Path, capsys: object
) -> None:
    settings = make_settings("sqlite", tmp_path, api_key=None)
    with TestClient(create_app(settings)) as client:
        assert client.get("/v1/influencers/roles").status_code == 401
        key_file = settings.data_dir / "root_key"
        key = key_file.read_text().strip()
        assert oct(key_file.stat().st_mode & 0o777) == "0o600"
        ok = client.get("/v1/influencers/roles", headers={"Authorization": f"Bearer {key}"})
        assert ok.status_code == 200
    printed = capsys.readouterr().out  # type: ignore[attr-defined]
    assert key in printed
    with TestClient(create_app(settings)) as client:
        assert (
            client.get(
                "/v1/influencers/roles", headers={"Authorization": f"Bearer {key}"}
            ).status_code
            == 200
        )
    assert key not in capsys.readouterr().out  # type: ignore[attr-defined]


def test_405_names_every_method_the_path_offers(client: TestClient) -> None:
    response = client.put("/v1/people/p-1")
    assert response.status_code == 405
    assert response.headers["allow"] == "DELETE, GET"
