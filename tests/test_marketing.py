"""Marketing's answers on a world with a planted plan (tests/marketing_world.py), on both
stores, through HTTP: the audit's spend split, verdicts and missed list, the brief's
leading roles, and the advocates' order come out as planted."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from synth.worlds import ingest
from tests.conftest import API_KEY, STORES, make_settings, wipe_neo4j
from tests.marketing_world import (
    ANALYST,
    CARLA,
    CFO_ROLE,
    CISO_ROLE,
    CONSULTANT,
    IT_ROLE,
    LEGAL_ROLE,
    MARKETING_DIRECTOR,
    SAM,
    targets,
    world,
)


@pytest.fixture(scope="module", params=STORES)
def planted(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    """The planted world, written once per store for every test of this module."""
    kind: str = request.param
    if kind == "neo4j":
        wipe_neo4j(request.getfixturevalue("neo4j_driver"))
    settings = make_settings(kind, tmp_path_factory.mktemp(f"marketing-{kind}"))
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        client.headers["Authorization"] = f"Bearer {API_KEY}"
        ingest(client, world().generate())
        assert (
            client.post("/v1/ingest/people", json={"people": [MARKETING_DIRECTOR]}).status_code
            == 200
        )
        written = client.post("/v1/outreach", json={"outreach": targets()})
        assert written.status_code == 200 and written.json()["created"] == len(targets())
        yield client


def _audit(client: TestClient, **params: str) -> dict[str, Any]:
    answer = client.get("/v1/outreach/audit", params=params)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_the_audit_splits_the_spend_as_planted(planted: TestClient) -> None:
    audit = _audit(planted)
    assert audit["deals"] == 800
    spend = audit["spend"]
    assert spend["total"] == 83_500
    # 45,000 on the analyst who changes nothing, 35,000 on bloggers who never decide.
    assert spend["on_decision_makers"] == 47_000
    assert spend["never_in_a_decision"] == 36_500
    assert spend["by_verdict"] == {
        "predictive": 500,
        "present": 46_500,
        "never_in_a_decision": 1_500,
        "unmatched": 35_000,
    }
    campaigns = [(g["name"], g["spend"]["total"]) for g in audit["campaigns"]]
    assert campaigns == [("Analyst Day", 45_000), ("Influencers", 35_000), ("Webinar", 3_500)]
    channels = {g["name"]: g["spend"]["never_in_a_decision"] for g in audit["channels"]}
    assert channels == {"event": 0, "sponsored post": 35_000, "webinar": 1_500}


def test_each_target_gets_its_verdict(planted: TestClient) -> None:
    targets_by_id = {t["id"]: t for t in _audit(planted)["targets"]}
    verdicts = {i: t["verdict"] for i, t in targets_by_id.items()}
    assert verdicts == {
        "t-analyst-1": "present",
        "t-analyst-2": "present",
        "t-analyst-3": "present",
        "t-blog-bea": "unmatched",
        "t-blog-vic": "unmatched",
        "t-mia": "never_in_a_decision",
        "t-cfo": "predictive",
        "t-it-0": "present",
        "t-it-1": "present",
        "t-it-2": "present",
    }
    analyst = targets_by_id["t-analyst-1"]
    assert analyst["person"]["id"] == ANALYST and analyst["audience"] == 500_000
    assert analyst["deals_present"] > 300  # sits in half of all deals...
    low, high = analyst["interval"]
    assert low < 1 < high  # ...and changes nothing
    cfo = targets_by_id["t-cfo"]
    assert cfo["roles"] == [CFO_ROLE] and cfo["role_influence"][CFO_ROLE][1] > 1
    assert {targets_by_id[f"t-it-{n}"]["match"] for n in range(3)} == {"name+company"}
    assert all(targets_by_id[f"t-it-{n}"]["roles"] == [IT_ROLE] for n in range(3))
    assert targets_by_id["t-mia"]["match"] == "email"
    assert targets_by_id["t-blog-bea"]["person"] is None
    assert len(analyst["evidence"]) == 5


def test_missed_lists_the_planted_role_and_person_nobody_targets(planted: TestClient) -> None:
    missed = _audit(planted)["missed"]
    roles = [m["role"] for m in missed if m["role"]]
    people = [m["person"]["id"] for m in missed if m["person"]]
    assert roles[0] == CISO_ROLE
    assert CFO_ROLE not in roles and IT_ROLE not in roles  # targeted
    assert CONSULTANT in people and ANALYST not in people
    ciso = next(m for m in missed if m["role"] == CISO_ROLE)
    assert ciso["interval"][0] > 1 and ciso["deals_present"] > 200 and ciso["evidence"]


def test_a_campaign_filter_audits_that_campaign_only(planted: TestClient) -> None:
    audit = _audit(planted, campaign="webinar")
    assert {t["campaign"] for t in audit["targets"]} == {"Webinar"}
    assert audit["spend"]["total"] == 3_500
    assert audit["spend"]["by_verdict"]["predictive"] == 500


def test_the_brief_names_the_roles_that_buy(planted: TestClient) -> None:
    answer = planted.get("/v1/segments/brief")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith(
        "application/json"
    )
    brief = answer.json()
    leading = [r["role"] for r in brief["buying_roles"]]
    assert leading[:2] == [CISO_ROLE, CFO_ROLE]
    assert brief["buying_roles"][0]["interval"][0] > 1
    assert [b["role"] for b in brief["blockers"]] == [LEGAL_ROLE]
    assert brief["outside_influencers"][0]["person"]["id"] == CONSULTANT
    assert ANALYST not in [i["person"]["id"] for i in brief["outside_influencers"]]
    assert brief["median_size"] == 3.0 and sum(brief["size_distribution"].values()) == 800
    assert brief["in_the_room"][0]["role"] == IT_ROLE  # present everywhere, buys nothing
    assert "The role that buys is c_level.security" in " ".join(brief["summary"])


def test_the_brief_as_markdown(planted: TestClient) -> None:
    answer = planted.get("/v1/segments/brief", headers={"Accept": "text/markdown"})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/markdown")
    text = answer.text
    assert text.startswith("# Buyer brief: all segments")
    assert f"| {CISO_ROLE} | 35% |" in text
    assert "## Blockers" in text and LEGAL_ROLE in text and "Petra Partner" in text


def test_advocates_rank_by_effect_not_audience(planted: TestClient) -> None:
    answer = planted.get("/v1/advocates")
    assert answer.status_code == 200, answer.text
    items = answer.json()["items"]
    assert [i["person"]["id"] for i in items] == [CARLA, SAM]
    carla, sam = items
    assert (carla["audience"], sam["audience"]) == (100, 1_000_000)
    assert carla["influence"] > sam["influence"]
    assert carla["champion_deals"] > 0 and carla["accounts"] == ["acc-0-0-1"]
    assert carla["sources"] == ["crm"] and carla["evidence"]
    assert len(planted.get("/v1/advocates", params={"limit": 1}).json()["items"]) == 1


def test_a_segment_without_deals_answers_empty(planted: TestClient) -> None:
    audit = _audit(planted, industry="Mining")
    assert audit["deals"] == 0 and audit["missed"] == []
    assert {t["verdict"] for t in audit["targets"]} <= {"never_in_a_decision", "unmatched"}
    brief = planted.get("/v1/segments/brief", params={"industry": "Mining"}).json()
    assert brief["buying_roles"] == [] and brief["summary"] == [
        "No closed deals in Mining yet: nothing to brief on."
    ]
    assert planted.get("/v1/advocates", params={"industry": "Mining"}).json()["items"] == []


def _bcg(client: TestClient, *args: str) -> subprocess.CompletedProcess[str]:
    """The CLI on the same store as the client."""
    settings = client.app.state.services.settings  # type: ignore[attr-defined]
    env = {**os.environ, "BCG_STORE": settings.store, "BCG_DATA_DIR": str(settings.data_dir)}
    env.pop("BCG_DATABASE_URL", None)
    bcg = str(Path(sys.executable).with_name("bcg"))
    return subprocess.run([bcg, *args], capture_output=True, text=True, env=env, check=False)


def test_bcg_audit_prints_the_same_audit(planted: TestClient) -> None:
    run = _bcg(planted, "audit")
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert "Outreach audit: all segments, 800 closed deals" in out
    assert "│ unmatched           │ 35,000 │   42% │" in out
    assert "│ on decision makers  │ 47,000 │   56% │" in out
    assert "│ Analyst Day │       3 │ 45,000 │             45,000 │                   0 │" in out
    assert "t-blog-bea" in out and "(Bea Blogger)" in out
    assert CISO_ROLE in out.split("Missed")[1] and "Petra Partner" in out.split("Missed")[1]
    webinar = _bcg(planted, "audit", "--campaign", "Webinar").stdout
    assert "campaign Webinar" in webinar and "t-analyst-1" not in webinar


def test_bcg_brief_prints_the_same_brief(planted: TestClient) -> None:
    run = _bcg(planted, "brief")
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == "Based on 800 closed deals in all segments."
    assert lines[1].startswith("The role that buys is c_level.security: in 35% of deals")
    buying = run.stdout.split("The job titles that buy")[1].split("Who sits in the room")[0]
    assert buying.index(CISO_ROLE) < buying.index(CFO_ROLE)
    assert "median committee: 3 people" in run.stdout and "Petra Partner" in run.stdout
    markdown = _bcg(planted, "brief", "--markdown").stdout
    api = planted.get("/v1/segments/brief", headers={"Accept": "text/markdown"}).text
    assert markdown.strip() == api.strip()
