"""Neo4j-only behaviour: migrations recorded in the graph, tenancy on every element, outages."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from fastapi.testclient import TestClient
from neo4j import Driver, GraphDatabase

from app.main import create_app
from graph.neo4j.migrations import load_migrations
from graph.neo4j.store import Neo4jGraphStore
from synth.worlds import RoleSpec, World
from tests.conftest import API_KEY, make_settings, neo4j_uri, wipe_neo4j
from tests.tcp_proxy import TcpProxy


def test_workers_starting_together_migrate_a_new_database(neo4j_driver: Driver) -> None:
    """`bcg serve --workers N` starts N apps at once on a database none has migrated:
    each must start, and each migration must be recorded once."""
    drop_schema(neo4j_driver)
    start = threading.Barrier(4)
    failures: list[BaseException] = []

    def worker() -> None:
        start.wait()
        try:
            Neo4jGraphStore(neo4j_driver).migrate()
        except BaseException as error:  # reported below
            failures.append(error)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    recorded = [
        r["version"]
        for r in neo4j_driver.execute_query(
            "MATCH (m:BcgMigration) RETURN m.version AS version"
        ).records
    ]
    assert sorted(recorded) == sorted(m.version for m in load_migrations())
    assert Neo4jGraphStore(neo4j_driver).migrate() == []


def drop_schema(driver: Driver) -> None:
    """Back to a database no migration has touched (the names come from the database)."""
    for r in driver.execute_query("SHOW CONSTRAINTS YIELD name RETURN name").records:
        driver.execute_query(f"DROP CONSTRAINT `{r['name']}`")
    for r in driver.execute_query(
        "SHOW INDEXES YIELD name, type WHERE type <> 'LOOKUP' RETURN name"
    ).records:
        driver.execute_query(f"DROP INDEX `{r['name']}`")
    driver.execute_query("MATCH (m:BcgMigration) DELETE m")


def test_migrations_are_recorded_and_harmless_twice(neo4j_driver: Driver) -> None:
    store = Neo4jGraphStore(neo4j_driver)
    store.migrate()
    assert store.migrate() == []
    versions = {
        r["version"]
        for r in neo4j_driver.execute_query(
            "MATCH (m:BcgMigration) RETURN m.version AS version"
        ).records
    }
    assert versions == {m.version for m in load_migrations()}
    constraints = {
        r["name"]
        for r in neo4j_driver.execute_query("SHOW CONSTRAINTS YIELD name RETURN name").records
    }
    assert {
        "account_tenant_id",
        "deal_tenant_id",
        "person_tenant_id",
        "note_tenant_id",
    } <= constraints
    indexes = {
        r["name"] for r in neo4j_driver.execute_query("SHOW INDEXES YIELD name RETURN name").records
    }
    assert {"account_segment", "deal_outcome"} <= indexes


def test_every_node_and_relationship_carries_the_tenant(
    neo4j_driver: Driver, tmp_path: Path
) -> None:
    wipe_neo4j(neo4j_driver)
    with TestClient(create_app(make_settings("neo4j", tmp_path))) as client:
        client.headers["Authorization"] = f"Bearer {API_KEY}"
        client.post(
            "/v1/ingest/deals",
            json={"deals": World(deals=20, roles=(RoleSpec("CFO", 0.8),)).generate()},
        )
    untagged = neo4j_driver.execute_query(
        "MATCH (n) WHERE NOT n:BcgMigration AND n.tenant IS NULL RETURN count(n) AS n"
    ).records[0]["n"]
    untagged_rels = neo4j_driver.execute_query(
        "MATCH ()-[r]->() WHERE r.tenant IS NULL RETURN count(r) AS n"
    ).records[0]["n"]
    labels = neo4j_driver.execute_query(
        "MATCH (n) WHERE n.tenant = 'default' RETURN DISTINCT labels(n)[0] AS l"
    ).records
    assert untagged == 0 and untagged_rels == 0
    assert {r["l"] for r in labels} == {"Account", "Deal", "Person", "BcgDataVersion", "Stat"}
    shape = neo4j_driver.execute_query(
        "MATCH (p:Person)-[:SAT_IN]->(d:Deal)-[:FOR_ACCOUNT]->(a:Account) RETURN count(*) AS n"
    ).records[0]["n"]
    assert shape > 0


def _deal_count(driver: Driver) -> int:
    return int(driver.execute_query("MATCH (d:Deal) RETURN count(d) AS n").records[0]["n"])


def test_an_outage_answers_503_writes_nothing_and_heals(
    neo4j_driver: Driver, tmp_path: Path
) -> None:
    wipe_neo4j(neo4j_driver)
    target = urlparse(neo4j_uri())
    proxy = TcpProxy(target.hostname or "127.0.0.1", target.port or 7687)
    proxy.start()
    settings = make_settings(
        "neo4j", tmp_path, neo4j_uri=f"bolt://127.0.0.1:{proxy.port}", neo4j_batch_size=200
    )
    deals: list[dict[str, Any]] = World(
        seed=2, deals=1500, roles=(RoleSpec("CFO", 0.8),)
    ).generate()
    try:
        with TestClient(create_app(settings)) as client:
            client.headers["Authorization"] = f"Bearer {API_KEY}"
            assert client.get("/readyz").status_code == 200

            # The connection drops in the middle of the batch's transaction.
            proxy.cut_after(300_000)
            response = client.post("/v1/ingest/deals", json={"deals": deals})
            assert response.status_code == 503
            assert response.headers["content-type"].startswith("application/problem+json")
            assert int(response.headers["retry-after"]) > 0
            assert _deal_count(neo4j_driver) == 0, "no half-written batch"

            ready = client.get("/readyz")
            assert ready.status_code == 503 and "retry-after" in ready.headers
            assert client.post("/v1/ingest/deals", json={"deals": deals[:5]}).status_code == 503

            proxy.start()
            deadline = time.monotonic() + 30
            while client.get("/readyz").status_code != 200:
                assert time.monotonic() < deadline, "the service did not recover"
                time.sleep(0.5)
            retry = client.post("/v1/ingest/deals", json={"deals": deals})
            assert retry.status_code == 200
            assert retry.json()["created"] == len(deals)
            assert _deal_count(neo4j_driver) == len(deals)
            again = client.post("/v1/ingest/deals", json={"deals": deals}).json()
            assert again["unchanged"] == len(deals)
    finally:
        proxy.cut()


def test_the_service_starts_while_neo4j_is_away(tmp_path: Path) -> None:
    proxy = TcpProxy("127.0.0.1", 9)  # nothing listens behind it
    settings = make_settings("neo4j", tmp_path, neo4j_uri=f"bolt://127.0.0.1:{proxy.port}")
    with TestClient(create_app(settings)) as client:
        client.headers["Authorization"] = f"Bearer {API_KEY}"
        assert client.get("/healthz").status_code == 200
        assert client.get("/readyz").status_code == 503


def test_the_driver_is_injected_not_owned_by_the_store_module() -> None:
    import graph.neo4j.store as module

    assert "GraphDatabase" not in vars(module)
    assert GraphDatabase is not None


def test_the_same_new_batch_sent_twice_at_once_is_written_once(
    neo4j_driver: Driver, tmp_path: Path
) -> None:
    """New deals are created outright; when two requests race to create the same deals,
    the loser runs again as an update instead of failing."""

    wipe_neo4j(neo4j_driver)
    deals = World(seed=12, deals=300, roles=(RoleSpec("CFO", 0.8),)).generate()
    with TestClient(create_app(make_settings("neo4j", tmp_path))) as client:
        client.headers["Authorization"] = f"Bearer {API_KEY}"
        answers: list[Any] = []

        def send() -> None:
            answers.append(client.post("/v1/ingest/deals", json={"deals": deals}))

        threads = [threading.Thread(target=send) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
    created = sorted(a.json()["created"] for a in answers)
    assert sum(created) + sum(a.json()["unchanged"] for a in answers) == 2 * len(deals)
    counts = neo4j_driver.execute_query(
        "MATCH (d:Deal {tenant: 'default'}) "
        "OPTIONAL MATCH (:Person)-[s:SAT_IN]->(d) RETURN count(DISTINCT d) AS d, count(s) AS s"
    ).records[0]
    assert counts["d"] == len(deals)
    assert counts["s"] == sum(len({p["person"]["id"] for p in d["participants"]}) for d in deals)
