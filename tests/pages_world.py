"""The generated CRM the page tests (and the README's screenshots) show: the demo of
`python -m synth` with its planted truth, and one open deal prepared for a meeting.

Planted (synth.worlds): in financial services the CISO wins deals, procurement blocks
everywhere, a consultant (Cleo Closer) helps win, and an analyst with two million
followers (Gus Guru) sits in most deals and changes nothing. The open deal at a bank
has a CFO who champions it, procurement against it, a sceptical IT manager and the
analyst, but not the bank's CISO, whom the CRM knows as a contact: the gap a rep
must see before the meeting. A note about the deal adds evidence.

Marketing's plan (`OUTREACH`) puts most of its money on the analyst's audience and on
two bloggers who never sat in a deal, a little on the bank's IT manager, and nothing on
any CISO: the marketing page must show that split and name the CISO as missed.
"""

from __future__ import annotations

from typing import Any

from synth.__main__ import DEMO

WORLD = DEMO  # what `python -m synth` prints: the README's demo

BANK = {
    "id": "acc-0-0-1",
    "name": "Financial Services EMEA 1",
    "industry": "Financial Services",
    "region": "EMEA",
}
OPEN_DEAL_ID = "deal-open-1"
OPEN_DEAL: dict[str, Any] = {
    "id": OPEN_DEAL_ID,
    "name": "Northwind cloud security platform",
    "account": BANK,
    "amount": 40000,
    "currency": "EUR",
    "stage": "Proposal",
    "outcome": "open",
    "created_at": "2025-08-20",
    "participants": [
        {
            "person": {"id": "nw-cfo", "name": "Dana Weiss", "title": "CFO"},
            "deal_role": "economic_buyer",
            "stance": "champion",
        },
        {
            "person": {"id": "nw-proc", "name": "Piet Janssen", "title": "Head of Procurement"},
            "deal_role": "procurement",
            "stance": "blocker",
        },
        {
            "person": {"id": "nw-it", "name": "Omar Haddad", "title": "IT Manager"},
            "deal_role": "technical_evaluator",
            "stance": "skeptical",
        },
        {"person": {"id": "guru"}, "deal_role": "influencer", "stance": "neutral"},
    ],
}
BANK_CISO = {"id": "nw-ciso", "name": "Maria Gomez", "title": "CISO", "account_id": BANK["id"]}
NOTE = {
    "id": "note-nw-1",
    "deal_id": OPEN_DEAL_ID,
    "occurred_at": "2025-09-02",
    "author": "Sam Seller",
    "text": "Pricing call with the bank. Dana is a strong supporter and will take it to the "
    "board. Omar has serious concerns about the migration.",
}


OUTREACH: list[dict[str, Any]] = [
    {
        "id": "o-guru-summit",
        "campaign": "Security Summit",
        "channel": "event",
        "spend": 30_000,
        "occurred_at": "2025-05-20",
        "person_id": "guru",
        "audience": 2_000_000,
    },
    {
        "id": "o-blog-bea",
        "campaign": "Influencers",
        "channel": "sponsored post",
        "spend": 12_000,
        "name": "Bea Blogger",
        "title": "Security Blogger",
        "audience": 300_000,
    },
    {
        "id": "o-blog-vic",
        "campaign": "Influencers",
        "channel": "sponsored post",
        "spend": 6_000,
        "name": "Vic Vlogger",
        "company": "Vlog Media",
        "audience": 150_000,
    },
    {
        "id": "o-omar-webinar",
        "campaign": "Webinar",
        "channel": "webinar",
        "spend": 2_000,
        "person_id": "nw-it",
    },
]


def load(client: Any) -> None:
    """Write the world through the API, as a CRM connector would."""
    deals = WORLD.generate()
    for start in range(0, len(deals), 500):
        answer = client.post("/v1/ingest/deals", json={"deals": deals[start : start + 500]})
        assert answer.status_code == 200 and answer.json()["rejected"] == [], answer.text
    for path, body in (
        ("/v1/ingest/deals", {"deals": [OPEN_DEAL]}),
        ("/v1/ingest/people", {"people": [BANK_CISO]}),
        ("/v1/ingest/notes", {"notes": [NOTE]}),
        ("/v1/outreach", {"outreach": OUTREACH}),
    ):
        answer = client.post(path, json=body)
        assert answer.status_code == 200 and answer.json()["rejected"] == [], answer.text
