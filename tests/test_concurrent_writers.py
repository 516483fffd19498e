"""Four CRM clients writing overlapping batches at once to the Neo4j store, as deployed
(`bcg serve --workers 2`): every answer is 200 (or 503 with Retry-After, to be retried),
never a 500, and the store ends with every record once and counters a recount agrees with."""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from neo4j import Driver

from graph.counts import tally
from graph.models import SegmentFilter
from graph.neo4j.store import Neo4jGraphStore
from synth.worlds import PersonSpec, RoleSpec, World
from tests.conftest import API_KEY, stored_counters, wipe_neo4j

BIN = Path(sys.executable).parent
CLIENTS = 4


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_four_clients_sending_overlapping_batches(neo4j_driver: Driver, tmp_path: Path) -> None:
    wipe_neo4j(neo4j_driver)
    deals = World(
        seed=17,
        deals=600,
        accounts_per_segment=3,  # few accounts: the batches share accounts and people
        roles=(RoleSpec("CFO", 0.6), RoleSpec("CISO", 0.5), RoleSpec("IT Manager", 0.7)),
        people=(PersonSpec("guru", "Gus Guru", "Industry Analyst", 0.5, audience=10),),
    ).generate()
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("BCG_")},
        "BCG_STORE": "neo4j",
        "BCG_NEO4J_URI": os.environ["BCG_NEO4J_URI"],
        "BCG_API_KEY": API_KEY,
        "BCG_DATA_DIR": str(tmp_path / "data"),
    }
    server = subprocess.Popen(
        [str(BIN / "bcg"), "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    answers: list[int] = []
    failures: list[str] = []
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "bcg serve did not start"
            time.sleep(0.3)
        start = threading.Barrier(CLIENTS)

        def client(seed: int) -> None:
            # Each client sends every deal, in batches of its own shuffled order: each
            # batch overlaps every other client's batches in deals, accounts and people.
            order = list(deals)
            random.Random(seed).shuffle(order)
            headers = {"Authorization": f"Bearer {API_KEY}"}
            with httpx.Client(base_url=base, headers=headers, timeout=120) as http:
                start.wait()
                for at in range(0, len(order), 30):
                    batch = {"deals": order[at : at + 30]}
                    for _ in range(20):
                        response = http.post("/v1/ingest/deals", json=batch)
                        answers.append(response.status_code)
                        if response.status_code == 503 and "retry-after" in response.headers:
                            time.sleep(0.2)
                            continue
                        if response.status_code != 200:
                            failures.append(f"{response.status_code}: {response.text[:300]}")
                        break

        threads = [threading.Thread(target=client, args=(seed,)) for seed in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        server.terminate()
        server.wait(timeout=30)

    assert failures == []
    assert set(answers) <= {200, 503}
    assert answers.count(200) == CLIENTS * len(range(0, len(deals), 30))

    def scalar(query: str) -> Any:
        return neo4j_driver.execute_query(query).records[0][0]

    people = {p["person"]["id"] for d in deals for p in d["participants"]}
    seats = sum(len(d["participants"]) for d in deals)
    assert scalar("MATCH (d:Deal) RETURN count(d)") == len(deals)
    assert scalar("MATCH (d:Deal) RETURN count(DISTINCT d.id)") == len(deals)
    assert scalar("MATCH (p:Person) RETURN count(p)") == len(people)
    assert scalar("MATCH ()-[s:SAT_IN]->() RETURN count(s)") == seats
    assert scalar("MATCH (d:Deal)-[f:FOR_ACCOUNT]->() RETURN count(f)") == len(deals)
    store = Neo4jGraphStore(neo4j_driver)
    history = store.closed_deals("default", SegmentFilter())
    kept = {r.key: (r.present, r.won) for r in stored_counters(store, "default")}
    assert {k: v for k, v in kept.items() if v[0]} == {
        r.key: (r.present, r.won) for r in tally(history).rows()
    }


@pytest.fixture(autouse=True)
def _needs_neo4j(neo4j_driver: Driver) -> None:
    """Runs where Neo4j runs, and is never skipped under `make test`."""
