"""Who a long note must not turn into a new contact, and who it still must.

Sentences written for these tests (not taken from the labelled sets): people of other
companies named with a title, addresses without a name, firms and places shaped like
names, and the account's own people at a site, in a signature without a title, or
behind an address.
"""

from __future__ import annotations

import pytest

from ingest.notes.mentions import extract_mentions
from tests.note_set import book


def new_people(text: str, account: str = "acme") -> dict[str, str | None]:
    mentions = extract_mentions(text, book(account), "Sam Seller")
    return {
        (m.person.name or m.person.email or ""): m.person.title
        for m in mentions
        if m.matched == "new"
    }


@pytest.mark.parametrize(
    "text",
    [
        "Ben Carter (Senior Manager, Deloitte) reviewed the bridge letter.",
        "Carmen Diaz (Account Manager, Banco Santander) confirmed the file format.",
        "Paul Grant, Deloitte's engagement manager, sent the plan.",
        "Attendees: Raj Patel, Jane Roe (KPMG), Sam Seller\n\nJane Roe, Audit Lead, had no notes.",
        "Mr. Smith from Deloitte asked about the controls.",
        "Tim Hale (Solutions Engineer, Vendor) will run the demo.",
        "Thanks,\nBen Carter\nSenior Manager | Deloitte",
        "Goldman Sachs (Lead Arranger) will fund the facility.",
        "Sage Intacct, their old system, is retired next year.",
        "Please send invoices to accounts.payable@acme.example and treasury-ops@acme.example.",
        "From: Dana Weiss <dana.weiss@acme.example>\nTo: Sam Seller <sam.seller@vendor.example>\n"
        "Cc: treasury.ops@acme.example\nSubject: PO\n\nSam, approved.\n\nDana",
    ],
)
def test_nobody_new_from_other_companies_firms_and_bare_addresses(text: str) -> None:
    assert new_people(text) == {}


@pytest.mark.parametrize(
    ("text", "name", "title"),
    [
        ("Rita Moreno (Plant Manager, Fresno) is excited.", "Rita Moreno", "Plant Manager"),
        (
            "Anna Kowalski (Treasury Analyst, Warsaw office) is worried.",
            "Anna Kowalski",
            "Treasury Analyst",
        ),
        (
            "Priya Raman (Director, Clinical Informatics) is keen to join.",
            "Priya Raman",
            "Director",
        ),
        ("Bob Lane, Acme's new treasurer, is excited.", "Bob Lane", "treasurer"),
        ("Please add Jane Doe <jane.doe@acme.example> to the invite.", "Jane Doe", None),
        ("Élodie Martin (Responsable Qualité) suivra le pilote.", "Élodie Martin", None),
        ("Jan van der Berg (Inkoper) joined the call.", "Jan van der Berg", "Inkoper"),
    ],
)
def test_the_accounts_own_people_are_still_made(text: str, name: str, title: str | None) -> None:
    found = new_people(text)
    assert name in found
    if title:
        assert found[name] == title


def test_a_signature_naming_the_account_makes_its_writer_without_a_title() -> None:
    text = (
        "Hallo Sam,\n\ndie Bestellung ist raus.\n\nViele Grüße\nPetra Lang\nAcme Corp\n"
        "Main Street 1, San Jose\n\nBitte die Rechnung an Frau Lang."
    )
    assert new_people(text) == {"Petra Lang": None}
