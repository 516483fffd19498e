"""Signals found as data arrives, pushed to a real local webhook receiver (both stores).

The world is generated with a planted truth (synth.worlds): in financial services
the CISO's presence raises the odds of winning, procurement's lowers them. On it,
a new person in the CISO role, a champion's move and an RFP note must each give
exactly one signal and one signed delivery, however often the data is re-sent.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from graph.influence import Effect
from graph.models import Participant, Person
from graph.signals import (
    ChampionedDeal,
    MissingRole,
    blockers_joined,
    champion_moved,
    committee_gaps,
    signal_id,
)
from graph.stats import LogOdds
from ingest.notes.intent import read_intent
from synth.worlds import RoleSpec, World, ingest
from tests.conftest import API_KEY, dump_store, make_settings
from tests.receiver import Receiver, receiving, verify, wait_for

WORLD = World(
    seed=11,
    deals=240,
    industries=("Financial Services",),
    regions=("EMEA",),
    accounts_per_segment=6,
    base_logodds=-0.2,
    roles=(
        RoleSpec("CISO", 0.5, effect=1.6),
        RoleSpec("Head of Procurement", 0.4, effect=-1.4),
        RoleSpec("IT Manager", 0.6),
    ),
)
ACCOUNT = "acc-0-0-0"  # Financial Services, EMEA
FAST = {
    "signal_poll_seconds": 0.05,
    "webhook_allow_private": True,
    "webhook_backoff_seconds": 0.05,
    "webhook_backoff_max_seconds": 0.2,
}


def fast_client(kind: str, tmp_path: Path, **overrides: object) -> TestClient:
    settings = make_settings(kind, tmp_path, **{**FAST, **overrides})
    client = TestClient(create_app(settings), raise_server_exceptions=False)
    client.headers["Authorization"] = f"Bearer {API_KEY}"
    return client


@pytest.fixture
def world_client(store_kind: str, tmp_path: Path) -> Iterator[TestClient]:
    with fast_client(store_kind, tmp_path) as client:
        yield client


def settled(client: TestClient, tenant: str = "default") -> bool:
    """Detection has run over every write of the tenant."""
    return client.app.state.services.store.pending_arrivals(tenant) == 0  # type: ignore[attr-defined,no-any-return]


def signals(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    response = client.get("/v1/signals", params={"limit": 500, **params})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def of_kind(items: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [s for s in items if s["kind"] == kind]


CHAMPION_DEAL = {
    "id": "won-by-carl",
    "account": {"id": "acc-hc-1", "industry": "Healthcare", "region": "EMEA"},
    "outcome": "won",
    "stage": "Closed Won",
    "amount": 45000,
    "created_at": "2025-01-10",
    "closed_at": "2025-03-01",
    "participants": [
        {
            "person": {"id": "carl", "name": "Carl Champ", "title": "CFO"},
            "deal_role": "champion",
            "stance": "champion",
        }
    ],
}


def test_done_when_each_fact_gives_one_signal_and_one_signed_delivery(
    world_client: TestClient,
) -> None:
    client = world_client
    with receiving(Receiver()) as receiver:
        hook = client.post("/v1/webhooks", json={"url": receiver.url})
        assert hook.status_code == 201, hook.text
        secret = hook.json()["secret"]
        ingest(client, WORLD.generate())
        assert client.post("/v1/ingest/deals", json={"deals": [CHAMPION_DEAL]}).status_code == 200
        wait_for(lambda: settled(client), "detection over the world")
        before = {s["id"] for s in signals(client)}

        ciso = {"id": "nina", "name": "Nina Neu", "title": "CISO", "account_id": ACCOUNT}
        moved = {"id": "carl", "name": "Carl Champ", "title": "CFO", "account_id": ACCOUNT}
        rfp = {
            "id": "note-rfp",
            "account_id": "acc-0-0-1",
            "occurred_at": "2026-11-30",
            "text": "Call with their CIO. They will issue an RFP for the platform in Q1.",
        }
        no_rfp = {
            "id": "note-no-rfp",
            "account_id": "acc-0-0-2",
            "occurred_at": "2026-11-30",
            "text": "Friendly call. No RFP planned this year, they renew what they have.",
        }
        for _ in range(2):  # sent twice: the second time changes nothing
            assert client.post("/v1/ingest/people", json={"people": [ciso]}).status_code == 200
            assert client.post("/v1/ingest/people", json={"people": [moved]}).status_code == 200
            notes = client.post("/v1/ingest/notes", json={"notes": [rfp, no_rfp]})
            assert notes.status_code == 200
        # Re-sent with changes (a new name, the note reworded): the same facts again.
        ciso["name"] = "Nina Neu-Meyer"
        rfp["text"] += " The RFP goes to three vendors."
        assert client.post("/v1/ingest/people", json={"people": [ciso]}).json()["updated"] == 1
        assert client.post("/v1/ingest/notes", json={"notes": [rfp]}).json()["updated"] == 1
        wait_for(lambda: settled(client), "detection over the new facts")

        new = [s for s in signals(client) if s["id"] not in before]
        appeared = [
            s for s in of_kind(new, "predictive_person_appeared") if s["person"]["id"] == "nina"
        ]
        champion = of_kind(new, "champion_moved")
        intent = of_kind(new, "buying_intent")
        assert len(appeared) == 1 and appeared[0]["account_id"] == ACCOUNT
        assert appeared[0]["evidence"]["basis"] == "role"
        assert appeared[0]["evidence"]["interval"][0] > 1  # the CISO role predicts wins
        assert appeared[0]["evidence"]["deal_ids"]
        assert len(champion) == 1 and champion[0]["person"]["id"] == "carl"
        assert champion[0]["evidence"]["deal_ids"] == ["won-by-carl"]
        assert champion[0]["account_id"] == ACCOUNT
        assert len(intent) == 1, intent  # the negated note gives none
        assert intent[0]["account_id"] == "acc-0-0-1"
        assert intent[0]["evidence"]["note_id"] == "note-rfp"

        facts = [appeared[0], champion[0], intent[0]]
        wait_for(lambda: all(receiver.of_signal(s["id"]) for s in facts), "the three deliveries")
        wait_for(lambda: settled(client), "detection")
        for fact in facts:
            got = receiver.of_signal(fact["id"])
            assert len(got) == 1, got  # one delivery, however often the data came
            delivery = got[0]
            assert delivery.status == 200
            assert verify(secret, delivery.signature, delivery.body)
            assert not verify("whsec_wrong", delivery.signature, delivery.body)
            assert delivery.payload["id"] == delivery.event_id
            assert delivery.payload["type"] == "signal.created"
            assert delivery.payload["data"]["kind"] == fact["kind"]
        # Every signal made after the webhook was registered reached it: nothing lost.
        all_ids = {s["id"] for s in signals(client)}
        wait_for(
            lambda: {r.payload["data"]["id"] for r in receiver.delivered()} == all_ids,
            "every signal delivered",
        )


def test_open_deal_gives_blocker_and_gap_signals_once(world_client: TestClient) -> None:
    client = world_client
    ingest(client, WORLD.generate())
    deal = {
        "id": "open-1",
        "account": {"id": "acc-0-0-3", "industry": "Financial Services", "region": "EMEA"},
        "outcome": "open",
        "stage": "Discovery",
        "amount": 30000,
        "created_at": "2026-11-01",
        "participants": [
            {
                "person": {"id": "pia", "name": "Pia Proc", "title": "Head of Procurement"},
                "deal_role": "influencer",
                "stance": "neutral",
            }
        ],
    }
    for _ in range(2):
        assert client.post("/v1/ingest/deals", json={"deals": [deal]}).status_code == 200
        deal["stage"] = "Qualification"  # an update: detection runs again, finds the same
    wait_for(lambda: settled(client), "detection")
    found = signals(client, account_id="acc-0-0-3")
    blockers = of_kind(found, "blocker_joined")
    gaps = of_kind(found, "committee_gap")
    assert [(s["deal_id"], s["person"]["id"]) for s in blockers] == [("open-1", "pia")]
    assert blockers[0]["evidence"]["interval"][1] < 1
    # The gaps are the likely committee's (the same analytics), those that sat in most
    # similar won deals.
    likely = client.get("/v1/deals/open-1/likely-committee").json()
    assert likely["gaps"]
    assert {s["evidence"]["role"] for s in gaps} == {
        g["role"] for g in likely["gaps"] if 2 * g["won_present"] > g["won_deals"]
    }
    assert gaps
    assert len({s["id"] for s in found}) == len(found)


def test_signals_page_newest_first_with_filters(world_client: TestClient) -> None:
    client = world_client
    ingest(client, WORLD.generate())
    notes = [
        {
            "id": f"n-{k}",
            "account_id": f"acc-0-0-{k % 3}",
            "occurred_at": "2026-11-30",
            "text": text,
        }
        for k, text in enumerate(
            [
                "They issue an RFP next month.",
                "Die Ausschreibung startet im Mai.",
                "Le budget a été validé par la direction.",
                "Estamos en la lista corta de proveedores.",
                "Procurement runs a formal vendor evaluation.",
            ]
        )
    ]
    assert client.post("/v1/ingest/notes", json={"notes": notes}).status_code == 200
    wait_for(lambda: settled(client), "detection")
    everything = of_kind(signals(client), "buying_intent")
    assert sorted(s["evidence"]["note_id"] for s in everything) == [n["id"] for n in notes]
    assert [s["evidence"]["language"] for s in sorted(everything, key=lambda s: s["id"])]
    order = [(s["created_at"], s["id"]) for s in everything]
    assert order == sorted(order, reverse=True)

    paged: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"kind": "buying_intent", "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/v1/signals", params=params).json()
        paged += [s["id"] for s in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert paged == [s["id"] for s in everything]
    one = signals(client, kind="buying_intent", account_id="acc-0-0-1")
    assert {s["evidence"]["note_id"] for s in one} == {"n-1", "n-4"}
    assert signals(client, since="2999-01-01") == []
    newest = everything[0]["created_at"]  # stamped in UTC, "+00:00"
    as_z = newest.replace("+00:00", "Z")
    assert everything[0]["id"] in {s["id"] for s in signals(client, since=as_z)}
    assert client.get("/v1/signals", params={"since": "yesterday"}).status_code == 422

    bad = client.get("/v1/signals", params={"cursor": "not-a-cursor"})
    assert bad.status_code == 422 and "cursor" in bad.text
    assert client.get("/v1/signals", params={"kind": "gossip"}).status_code == 422


# -- buying intent, four languages, negation ------------------------------------------------

INTENT = [
    ("They will issue an RFP for the platform in Q1.", "rfp"),
    ("Sent them our answers to the RFI yesterday.", "rfp"),
    ("The public tender opens on 3 March.", "tender"),
    ("Budget approved by the CFO last week!", "budget"),
    ("We made the shortlist with two other vendors.", "shortlist"),
    ("Die Ausschreibung startet im Mai.", "rfp"),
    ("Das Budget wurde freigegeben.", "budget"),
    ("Wir sind in der engeren Auswahl.", "shortlist"),
    ("Un appel d’offres sera lancé en juin.", "rfp"),
    ("Le budget a été validé par la direction.", "budget"),
    ("La licitación se publica en junio.", "rfp"),
    ("El presupuesto fue aprobado ayer.", "budget"),
    ("Estamos en la lista corta.", "shortlist"),
]
NO_INTENT = [
    "No RFP planned this year.",
    "There is no tender and no budget approved yet.",
    "The RFP is not planned before 2028.",
    "Keine Ausschreibung geplant.",
    "Die Ausschreibung wurde abgesagt.",
    "Il n'y a pas d'appel d'offres prévu.",
    "No hay licitación prevista.",
    "Sin presupuesto aprobado no habrá proyecto.",
    "Call about renewal pricing and support hours.",
]


@pytest.mark.parametrize(("text", "term"), INTENT)
def test_buying_intent_in_four_languages(text: str, term: str) -> None:
    match = read_intent(text)
    assert match is not None and match.term == term


@pytest.mark.parametrize("text", NO_INTENT)
def test_negated_or_absent_intent_is_none(text: str) -> None:
    assert read_intent(text) is None


# -- the rules, pure -----------------------------------------------------------------------


def effect(key: str, mean: float, se: float) -> Effect:
    return Effect(key, 100, 40, 20, 20, 30, 30, None, LogOdds(mean, se), ("d1",))


def test_champion_moved_only_when_championed_elsewhere() -> None:
    carl = Person("carl", "acc-new", name="Carl")
    assert champion_moved(carl, []) is None
    assert champion_moved(carl, [ChampionedDeal("d1", "acc-new")]) is None
    moved = champion_moved(carl, [ChampionedDeal("d1", "acc-old")])
    assert moved is not None and moved.id == signal_id("champion_moved", "carl", "acc-new")


def test_gap_needs_most_similar_won_deals() -> None:
    gaps = committee_gaps("d", "a", [MissingRole("x", 0.6, 6, 10), MissingRole("y", 0.6, 5, 10)])
    assert [g.evidence["role"] for g in gaps] == ["x"]


def test_blocker_needs_an_interval_below_one() -> None:
    def seat(pid: str, role: str) -> Participant:
        return Participant(Person(pid, "a", role=role), "influencer", "neutral", "crm", role, False)

    effects = {"sure": effect("sure", -1.0, 0.2), "unsure": effect("unsure", -0.3, 0.4)}
    found = blockers_joined("d", "a", [seat("p1", "sure"), seat("p2", "unsure")], effects)
    assert [s.person.id for s in found if s.person] == ["p1"]


def test_erasure_leaves_no_signal_naming_the_person(store_kind: str, tmp_path: Path) -> None:
    with fast_client(store_kind, tmp_path) as client, receiving(Receiver(status=500)) as hook:
        client.post("/v1/webhooks", json={"url": hook.url})  # deliveries wait in the outbox
        ingest(client, WORLD.generate())
        ciso = {"id": "nina", "name": "Nina Neumeyer", "title": "CISO", "account_id": ACCOUNT}
        assert client.post("/v1/ingest/people", json={"people": [ciso]}).status_code == 200
        note = {
            "id": "note-nina",
            "account_id": ACCOUNT,
            "occurred_at": "2026-11-30",
            "text": "Nina Neumeyer says they will issue an RFP in January.",
        }
        assert client.post("/v1/ingest/notes", json={"notes": [note]}).status_code == 200
        wait_for(lambda: settled(client), "detection")
        kinds = {s["kind"] for s in signals(client) if "Neumeyer" in str(s)}
        assert kinds == {"predictive_person_appeared", "buying_intent"}

        assert client.delete("/v1/people/nina").status_code in (200, 204)
        assert [s for s in signals(client) if "Neumeyer" in str(s) or "nina" in str(s)] == []
        settings = client.app.state.services.settings
        assert "Neumeyer" not in dump_store(settings)


def test_a_contact_who_sat_in_the_accounts_deals_has_not_just_appeared(
    world_client: TestClient,
) -> None:
    client = world_client
    ingest(client, WORLD.generate())
    # The world's CISO of the account (seated in its closed deals), sent as a contact,
    # and a CISO the store has never seen.
    known = {"id": f"{ACCOUNT}-r0", "name": "Known Ciso", "title": "CISO", "account_id": ACCOUNT}
    fresh = {"id": "fresh", "name": "Fresh Ciso", "title": "CISO", "account_id": ACCOUNT}
    response = client.post("/v1/ingest/people", json={"people": [known, fresh]})
    assert response.json()["rejected"] == []
    wait_for(lambda: settled(client), "detection")
    appeared = of_kind(signals(client), "predictive_person_appeared")
    assert [s["person"]["id"] for s in appeared] == ["fresh"]


def test_a_write_detection_cannot_read_holds_up_no_other(store_kind: str, tmp_path: Path) -> None:
    from graph.writing import WriteTx, now_iso

    with fast_client(store_kind, tmp_path) as client:
        store = client.app.state.services.store
        ingest(client, WORLD.generate())
        wait_for(lambda: settled(client), "detection over the world")

        def unreadable(tx: WriteTx) -> None:
            # What a newer release might have written: this one cannot read it.
            tx.lock_tenant()
            tx.put_arrivals(0, "{not json", now_iso())  # before every real write

        store._in_transaction("default", unreadable)
        note = {
            "id": "note-after",
            "account_id": ACCOUNT,
            "occurred_at": "2026-11-30",
            "text": "Budget approved for the rollout.",
        }
        assert client.post("/v1/ingest/notes", json={"notes": [note]}).status_code == 200
        wait_for(
            lambda: bool(of_kind(signals(client), "buying_intent")), "the later write's signal"
        )
        assert store.pending_arrivals("default") == 1  # kept, to be tried again


def test_a_consultant_seated_at_another_account_is_not_news(
    store_kind: str, tmp_path: Path
) -> None:
    """A known outsider who sits in deals of many accounts is written once: re-sending
    them with each deal rewrote their row and handed them to detection every time
    (detection reads all of a high-reach person's seats)."""
    consultant = {
        "id": "petra",
        "name": "Petra Partner",
        "title": "Consultant",
        "account_id": "firm",
        "external": True,
    }
    deals = [
        {
            "id": f"d{k}",
            "account": {"id": f"acc{k}", "name": f"Acme {k}"},
            "outcome": "won",
            "stage": "Closed Won",
            "amount": 1000.0 * (k + 1),
            "closed_at": "2026-10-01",
            "participants": [{"person": consultant, "deal_role": "influencer"}],
        }
        for k in range(3)
    ]
    with fast_client(store_kind, tmp_path, signal_worker=False) as client:
        store = client.app.state.services.store
        for deal in deals:
            response = client.post("/v1/ingest/deals", json={"deals": [deal]})
            assert response.json()["created"] == 1, response.text
        claimed = store.claim_arrivals(time.time(), 60, 10, "t")
        named = [p for c in claimed for p in json.loads(c.payload)["people"]]
        assert named == []  # new with the first deal, the same person with the others
