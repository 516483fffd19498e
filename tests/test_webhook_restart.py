"""A service killed (SIGKILL) between a write and its detection, and again in the middle
of a delivery, delivers every event after restart: a real `bcg serve`, a real receiver,
both stores.

What makes it hold: a write stores what it brought in its own transaction (the
detection backlog), a signal and its outbox rows are written together, and a
delivery is claimed with a lease that runs out when its worker dies.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import API_KEY, neo4j_uri, wipe_neo4j
from tests.receiver import Receiver, receiving, verify, wait_for

BIN = Path(sys.executable).parent
HEADERS = {"Authorization": f"Bearer {API_KEY}"}
DEAL = {
    "id": "deal-1",
    "account": {"id": "acc-1", "name": "Acme Bank", "industry": "Banking", "region": "EMEA"},
    "outcome": "lost",
    "stage": "Closed Lost",
    "closed_at": "2025-06-01",
    "participants": [],
}
NOTES = [
    {
        "id": f"note-{k}",
        "account_id": "acc-1",
        "occurred_at": "2026-11-30",
        "text": text,
    }
    for k, text in enumerate(
        [
            "They will publish the RFP on Monday.",
            "Das Budget wurde freigegeben.",
            "Nous sommes sur la liste restreinte.",
        ]
    )
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(env: dict[str, str]) -> Iterator[tuple[httpx.Client, subprocess.Popen[bytes]]]:
    port = free_port()
    server = subprocess.Popen(
        [str(BIN / "bcg"), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=HEADERS, timeout=30)

    def ready() -> bool:
        try:
            return client.get("/readyz").status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_for(ready, "bcg serve to start", seconds=90)
        yield client, server
    finally:
        client.close()
        if server.poll() is None:
            server.kill()
        server.wait(30)


def kill(server: subprocess.Popen[bytes]) -> None:
    os.kill(server.pid, signal.SIGKILL)
    server.wait(30)


def hooks(client: httpx.Client) -> dict[str, Any]:
    items: list[dict[str, Any]] = client.get("/v1/webhooks").json()["items"]
    return items[0]


@pytest.mark.parametrize("store", ["sqlite", "neo4j"])
def test_killed_before_detection_and_mid_delivery_delivers_after_restart(
    store: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("BCG_")},
        "BCG_STORE": store,
        "BCG_API_KEY": API_KEY,
        "BCG_DATA_DIR": str(tmp_path / "data"),
        "BCG_WEBHOOK_ALLOW_PRIVATE": "true",
        "BCG_SIGNAL_POLL_SECONDS": "0.05",
        "BCG_WEBHOOK_LEASE_SECONDS": "2",
        "BCG_WEBHOOK_TIMEOUT_SECONDS": "60",
        "BCG_WEBHOOK_BACKOFF_SECONDS": "0.05",
    }
    if store == "neo4j":
        wipe_neo4j(request.getfixturevalue("neo4j_driver"))
        env["BCG_NEO4J_URI"] = neo4j_uri() or ""
    hold = threading.Event()
    with receiving(Receiver(hold=hold)) as receiver:
        # 1. Written, then killed before any detection ran (the worker is off).
        with serving({**env, "BCG_SIGNAL_WORKER": "false"}) as (client, server):
            secret = client.post("/v1/webhooks", json={"url": receiver.url}).json()["secret"]
            assert client.post("/v1/ingest/deals", json={"deals": [DEAL]}).status_code == 200
            written = client.post("/v1/ingest/notes", json={"notes": NOTES}).json()
            assert written["created"] == len(NOTES)
            assert client.get("/v1/signals").json()["items"] == []
            kill(server)

        # 2. Restarted: detection finds the three signals; the first delivery hangs in the
        # receiver, and the service is killed in the middle of it.
        with serving(env) as (client, server):
            wait_for(lambda: len(client.get("/v1/signals").json()["items"]) == 3, "signals")
            wait_for(lambda: receiver.arrived >= 1, "a delivery in flight")
            assert receiver.requests == []  # none answered yet
            kill(server)
        hold.set()  # the receiver answers the dead connection

        # 3. Restarted again: every event is delivered; the one in flight comes again
        # under the same event id, which the receiver de-duplicates on.
        with serving(env) as (client, _):
            signal_ids = {s["id"] for s in client.get("/v1/signals").json()["items"]}
            wait_for(lambda: hooks(client)["delivered"] == 3, "every event delivered")
            shown = hooks(client)
            assert (shown["pending"], shown["parked"]) == (0, 0)
            delivered = receiver.delivered()
            assert {r.payload["data"]["id"] for r in delivered} == signal_ids
            assert all(verify(secret, r.signature, r.body) for r in delivered)
            by_event: dict[str, set[bytes]] = {}
            for r in delivered:
                by_event.setdefault(r.event_id, set()).add(r.body)
            assert len(by_event) == 3  # three events, whatever was sent twice
            assert all(len(bodies) == 1 for bodies in by_event.values())
            assert len(client.get("/v1/signals").json()["items"]) == 3  # none found twice
