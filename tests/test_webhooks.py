"""Webhooks: the secret shown once, request-forgery checks, retries with backoff, parking,
and deliveries that never hold up a write; a real local receiver, both stores."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.settings import Settings
from app.webhooks import UnsafeUrl, check_url
from tests.conftest import API_KEY
from tests.receiver import Receiver, receiving, verify, wait_for
from tests.test_signals import fast_client, settled

RFP = {
    "id": "note-rfp",
    "account_id": "acc-1",
    "occurred_at": "2026-11-30",
    "text": "They will publish the RFP on Monday.",
}


ACCOUNT_DEAL = {
    "id": "deal-1",
    "account": {"id": "acc-1", "name": "Acme Bank", "industry": "Banking", "region": "EMEA"},
    "outcome": "lost",
    "stage": "Closed Lost",
    "closed_at": "2025-06-01",
    "participants": [],
}


def send_note(client: TestClient, note: dict[str, Any]) -> None:
    """A note at an account the store knows (an unknown account's note is rejected)."""
    assert client.post("/v1/ingest/deals", json={"deals": [ACCOUNT_DEAL]}).status_code == 200
    response = client.post("/v1/ingest/notes", json={"notes": [note]})
    assert response.json()["created"] == 1, response.text


def webhooks(client: TestClient) -> list[dict[str, Any]]:
    response = client.get("/v1/webhooks")
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


@pytest.fixture
def retrying(store_kind: str, tmp_path: Path) -> Iterator[TestClient]:
    with fast_client(store_kind, tmp_path, webhook_max_attempts=5) as client:
        yield client


def test_receiver_failing_three_times_gets_each_attempt_and_then_the_event(
    retrying: TestClient,
) -> None:
    client = retrying
    with receiving(Receiver(fail_first=3)) as receiver:
        hook = client.post("/v1/webhooks", json={"url": receiver.url}).json()
        send_note(client, RFP)
        wait_for(lambda: receiver.delivered(), "the event after three failures")
        wait_for(lambda: webhooks(client)[0]["delivered"] == 1, "the delivery recorded")
        attempts = receiver.requests
        assert [r.status for r in attempts] == [500, 500, 500, 200]
        assert len({r.event_id for r in attempts}) == 1  # one event, retried
        assert len({r.body for r in attempts}) == 1  # the same bytes every time
        assert all(verify(hook["secret"], r.signature, r.body) for r in attempts)
        shown = webhooks(client)[0]
        assert (shown["pending"], shown["delivered"], shown["parked"]) == (0, 1, 0)
        assert shown["last_error"].startswith("HTTP 500")
        assert "secret" not in shown


def test_event_parked_after_repeated_failures_shows_its_last_error(
    store_kind: str, tmp_path: Path
) -> None:
    with (
        fast_client(store_kind, tmp_path, webhook_max_attempts=2) as client,
        receiving(Receiver(status=503)) as receiver,
    ):
        client.post("/v1/webhooks", json={"url": receiver.url})
        send_note(client, RFP)
        wait_for(lambda: webhooks(client)[0]["parked"] == 1, "the event parked")
        shown = webhooks(client)[0]
        assert shown["pending"] == 0 and shown["delivered"] == 0
        [parked] = shown["parked_events"]
        assert parked["attempts"] == 2
        assert parked["last_error"].startswith("HTTP 503")
        assert len(receiver.requests) == 2  # parked: no third attempt


def test_redirects_are_checked_like_the_url(store_kind: str, tmp_path: Path) -> None:
    with (
        fast_client(store_kind, tmp_path, webhook_max_attempts=1) as client,
        receiving(Receiver(redirect_to="file:///etc/passwd")) as receiver,
    ):
        client.post("/v1/webhooks", json={"url": receiver.url})
        send_note(client, RFP)
        wait_for(lambda: webhooks(client)[0]["parked"] == 1, "the event parked")
        assert webhooks(client)[0]["last_error"].startswith("refused: the URL must use")
        assert [r.status for r in receiver.requests] == [302]  # never followed


def test_a_receiver_that_never_answers_delays_no_write(store_kind: str, tmp_path: Path) -> None:
    hold = threading.Event()
    with (
        fast_client(store_kind, tmp_path) as client,
        receiving(Receiver(hold=hold)) as receiver,
    ):
        client.post("/v1/webhooks", json={"url": receiver.url})
        send_note(client, RFP)
        # The worker is now stuck in a delivery the receiver does not answer ...
        wait_for(lambda: webhooks(client)[0]["pending"] == 1, "the event queued")
        second = {**RFP, "id": "note-2", "text": "Budget approved for next year."}
        # ... and writes go on (they never wait for a receiver).
        send_note(client, second)
        assert receiver.requests == []  # still holding the first
        hold.set()
        wait_for(lambda: len(receiver.delivered()) == 2, "both events once answered")
        wait_for(lambda: settled(client), "detection")


def test_webhooks_need_the_admin_scope(client: TestClient) -> None:
    reader = client.post("/v1/keys", json={"tenant": "acme", "scopes": ["read"]}).json()
    forbidden = client.get("/v1/webhooks", headers={"Authorization": f"Bearer {reader['key']}"})
    assert forbidden.status_code == 403
    assert client.delete("/v1/webhooks/wh_nope").status_code == 404


def test_webhook_crud(store_kind: str, tmp_path: Path) -> None:
    with fast_client(store_kind, tmp_path) as client:
        created = client.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/hook"})
        assert created.status_code == 201, created.text
        body = created.json()
        assert body["secret"].startswith("whsec_") and body["events"] == ["signal.created"]
        [shown] = webhooks(client)
        assert shown["id"] == body["id"] and "secret" not in shown
        other = client.post("/v1/keys", json={"tenant": "acme", "scopes": ["admin"]}).json()
        acme = {"Authorization": f"Bearer {other['key']}"}
        assert client.get("/v1/webhooks", headers=acme).json()["items"] == []
        assert client.delete(f"/v1/webhooks/{body['id']}", headers=acme).status_code == 404
        assert client.delete(f"/v1/webhooks/{body['id']}").status_code == 204
        assert webhooks(client) == []
        assert client.delete(f"/v1/webhooks/{body['id']}").status_code == 404
        assert client.headers["Authorization"] == f"Bearer {API_KEY}"


# -- request forgery -------------------------------------------------------------------------

REFUSED = [
    "http://127.0.0.1:8000/hook",
    "http://localhost/hook",
    "http://10.1.2.3/hook",
    "http://192.168.0.10/hook",
    "http://172.16.5.5/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/hook",
    "http://[fd00:ec2::254]/",
    "http://[::ffff:127.0.0.1]/hook",
    "http://0.0.0.0/hook",
    "ftp://203.0.113.10/hook",
    "file:///etc/passwd",
    "http://user:pw@8.8.8.8/hook",
]


@pytest.mark.parametrize("url", REFUSED)
def test_private_and_odd_urls_refused(url: str) -> None:
    with pytest.raises(UnsafeUrl):
        check_url(url, Settings(env="test"))


def test_production_takes_https_only() -> None:
    production = Settings(
        env="production",
        api_key="k" * 40,
        session_secret="s" * 40,
        webhook_allow_private=True,
    )
    with pytest.raises(UnsafeUrl, match="https"):
        check_url("http://127.0.0.1/hook", production)
    check_url("https://127.0.0.1/hook", production)


def test_refused_url_is_a_problem_naming_the_field(client: TestClient) -> None:
    response = client.post("/v1/webhooks", json={"url": "http://169.254.169.254/latest/"})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "url" in response.text and "link-local" in response.text


def test_backoff_grows_with_jitter_and_is_capped() -> None:
    import random

    from app.webhooks import backoff

    settings = Settings(env="test", webhook_backoff_seconds=2, webhook_backoff_max_seconds=60)
    rng = random.Random(1)
    for attempts, ceiling in [(1, 2), (2, 4), (3, 8), (5, 32), (9, 60)]:
        delays = {backoff(attempts, settings, rng) for _ in range(50)}
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(delays) > 1  # jittered


def test_activity_subject_and_two_webhooks(store_kind: str, tmp_path: Path) -> None:
    with (
        fast_client(store_kind, tmp_path) as client,
        receiving(Receiver()) as first,
        receiving(Receiver()) as second,
    ):
        for receiver in (first, second):
            client.post("/v1/webhooks", json={"url": receiver.url})
        assert client.post("/v1/ingest/deals", json={"deals": [ACCOUNT_DEAL]}).status_code == 200
        activity = {
            "id": "call-1",
            "source": "salesforce",
            "kind": "call",
            "occurred_at": "2026-11-30T10:00:00Z",
            "subject": "Ausschreibung: Abstimmung der Anforderungen",
            "account_id": "acc-1",
            "people": [],
        }
        response = client.post("/v1/ingest/activities", json={"activities": [activity]})
        assert response.status_code == 200, response.text
        wait_for(lambda: first.delivered() and second.delivered(), "both webhooks")
        [a], [b] = first.delivered(), second.delivered()
        assert a.payload["data"]["id"] == b.payload["data"]["id"]
        assert a.event_id != b.event_id  # one event per webhook
        assert a.payload["data"]["evidence"]["activity_id"] == "call-1"
        assert a.payload["data"]["evidence"]["language"] == "de"


def test_three_workers_deliver_each_event_once(store_kind: str, tmp_path: Path) -> None:
    from app.webhooks import SignalWorker
    from graph.influence import InfluenceSettings
    from graph.likely import LikelySettings
    from graph.live import LiveStats

    with (
        fast_client(store_kind, tmp_path, signal_worker=False) as client,
        receiving(Receiver()) as receiver,
    ):
        services = client.app.state.services
        client.post("/v1/webhooks", json={"url": receiver.url})
        assert client.post("/v1/ingest/deals", json={"deals": [ACCOUNT_DEAL]}).status_code == 200
        notes = [
            {**RFP, "id": f"note-{k}", "text": f"Meeting {k}: the RFP is out next week."}
            for k in range(30)
        ]
        for at in range(0, 30, 3):  # ten writes, three notes each
            assert (
                client.post("/v1/ingest/notes", json={"notes": notes[at : at + 3]}).json()[
                    "created"
                ]
                == 3
            )
        workers = [
            SignalWorker(
                services.settings,
                services.store,
                InfluenceSettings(),
                LikelySettings(),
                LiveStats(2),  # as three processes would: each its own counters
            )
            for _ in range(3)
        ]
        for worker in workers:
            worker.start()
        try:
            wait_for(lambda: webhooks(client)[0]["delivered"] == 30, "every event delivered")
        finally:
            for worker in workers:
                worker.stop()
        events = [r.event_id for r in receiver.requests]
        assert len(events) == 30 and len(set(events)) == 30  # none twice
        assert len({r.payload["data"]["id"] for r in receiver.requests}) == 30
