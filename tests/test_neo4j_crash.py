"""The real Neo4j killed in the middle of an ingest: 503, nothing half-written, and a
retry after the restart leaves the store complete and without duplicates."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from neo4j import GraphDatabase

from app.main import create_app
from synth.worlds import RoleSpec, World
from tests.conftest import API_KEY, make_settings

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def neo4j(action: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [str(ROOT / "scripts" / "neo4j.sh"), action],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


def count(uri: str, query: str) -> int:
    with GraphDatabase.driver(uri, auth=None) as driver:
        return int(driver.execute_query(query).records[0][0])


def writing(uri: str) -> bool:
    with GraphDatabase.driver(uri, auth=None) as driver:
        rows = driver.execute_query(
            "SHOW TRANSACTIONS YIELD currentQuery RETURN currentQuery"
        ).records
    return any("UNWIND $rows" in (r["currentQuery"] or "") for r in rows)


@pytest.mark.usefixtures("neo4j_driver")  # runs where Neo4j runs, and never skipped in make test
def test_neo4j_killed_mid_ingest(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "BCG_NEO4J_STATE": str(tmp_path / "neo4j"),
        "BCG_NEO4J_PORT": str(free_port()),
        "BCG_NEO4J_HEAP": "768m",
        "BCG_NEO4J_PAGECACHE_MB": "128",
    }
    uri = neo4j("start", env)
    try:
        deals: list[dict[str, Any]] = World(
            seed=3,
            deals=4000,
            roles=(RoleSpec("CFO", 0.8), RoleSpec("CISO", 0.6), RoleSpec("IT Manager", 0.7)),
        ).generate()
        settings = make_settings("neo4j", tmp_path, neo4j_uri=uri, neo4j_batch_size=250)
        with TestClient(create_app(settings)) as client:
            client.headers["Authorization"] = f"Bearer {API_KEY}"
            answer: dict[str, Any] = {}
            sender = threading.Thread(
                target=lambda: answer.update(
                    r=client.post("/v1/ingest/deals", json={"deals": deals})
                )
            )
            sender.start()
            deadline = time.monotonic() + 60
            while not writing(uri):
                assert time.monotonic() < deadline, "the ingest never started writing"
                time.sleep(0.05)
            pid = int((tmp_path / "neo4j" / "pid").read_text())
            os.kill(pid, signal.SIGKILL)
            sender.join(timeout=120)
            response = answer["r"]
            assert response.status_code == 503
            assert response.headers["content-type"].startswith("application/problem+json")
            assert int(response.headers["retry-after"]) > 0
            assert client.get("/readyz").status_code == 503

            neo4j("start", env)  # the same data directory: Neo4j recovers its log
            assert count(uri, "MATCH (d:Deal) RETURN count(d)") == 0, "no half-written batch"
            deadline = time.monotonic() + 60
            while client.get("/readyz").status_code != 200:
                assert time.monotonic() < deadline, "the service did not recover"
                time.sleep(0.5)
            retry = client.post("/v1/ingest/deals", json={"deals": deals})
            assert retry.status_code == 200
            assert retry.json()["created"] == len(deals)
            again = client.post("/v1/ingest/deals", json={"deals": deals}).json()
            assert again["unchanged"] == len(deals)
        seats = sum(len(d["participants"]) for d in deals)
        assert count(uri, "MATCH (d:Deal) RETURN count(d)") == len(deals)
        assert count(uri, "MATCH ()-[s:SAT_IN]->() RETURN count(s)") == seats
        assert count(uri, "MATCH (p:Person) RETURN count(p)") == len(
            {p["person"]["id"] for d in deals for p in d["participants"]}
        )
    finally:
        neo4j("stop", env)
