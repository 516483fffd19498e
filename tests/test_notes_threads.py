"""How a note's people get their stances when a sentence names several people, a thread
holds several messages, and signatures and headers name people in the ways real mail
clients write them."""

from __future__ import annotations

import pytest

from ingest.notes.mentions import Mention, extract_mentions
from tests.note_set import book


def read(text: str, account: str = "acme") -> dict[str, Mention]:
    return {
        (m.person.name or m.person.email or ""): m
        for m in extract_mentions(text, book(account), author="Sam Seller")
    }


def stances(text: str, account: str = "acme") -> dict[str, str]:
    return {name: m.stance for name, m in read(text, account).items()}


def test_each_person_in_a_sentence_keeps_their_own_stance() -> None:
    text = "Tom Berg and Sam Okafor agreed to the three-year term, while Grace Lee abstained."
    assert stances(text, "globex") == {
        "Tom Berg": "supportive",
        "Sam Okafor": "supportive",
        "Grace Lee": "neutral",
    }
    assert stances("Lisa is impressed; Omar is hesitant about admin access.") == {
        "Lisa Chen": "supportive",
        "Omar Haddad": "skeptical",
    }


def test_a_later_sentence_changes_an_earlier_stance() -> None:
    text = "Omar raised concerns about key management. After the pen test he now supports it."
    assert stances(text) == {"Omar Haddad": "supportive"}


def test_a_cue_about_someone_else_stays_with_them() -> None:
    text = "Sam Okafor will approve the request once Grace signs the questionnaire."
    assert stances(text, "globex") == {"Sam Okafor": "supportive", "Grace Lee": "neutral"}


@pytest.mark.parametrize(
    ("text", "stance"),
    [
        ("Omar will not sign off until he sees the pen test report.", "skeptical"),
        ("Omar will not sign off on this project.", "blocker"),
        ("Omar is sceptical about our support hours.", "skeptical"),
        (
            "Omar won't block it if the pilot shows savings, but he is not enthusiastic.",
            "supportive",
        ),
        ("Omar is not enthusiastic about the timeline.", "skeptical"),
        ("Omar wants a pilot before he signs off.", "supportive"),
    ],
)
def test_conditions_negations_and_compound_nouns(text: str, stance: str) -> None:
    assert stances(text)["Omar Haddad"] == stance


THREAD = """Sam,

I am fine with the revised payment schedule and I will approve the PO.

Raj Patel
Head of Procurement | Acme Corp

On Tue, Nov 4, 2025 at 8:30 AM Dana Weiss <dana.weiss@acme.example> wrote:
> Sam,
> I am worried about the uplift and I doubt the savings.
>
> Best regards,
> Dana Weiss
> CFO | Acme Corp
>
>> On Mon, Nov 3, 2025 at 9:00 AM Sam Seller <sam.seller@vendor.example> wrote:
>> Raj, Dana, I love working with you. Here is the final offer.
>> Sam
"""


def test_a_thread_gives_each_writer_their_own_first_person_sentences() -> None:
    found = read(THREAD)
    assert {name: m.stance for name, m in found.items()} == {
        "Raj Patel": "supportive",
        "Dana Weiss": "skeptical",
    }
    assert "approve the PO" in found["Raj Patel"].evidence


def test_the_newest_message_of_a_thread_wins() -> None:
    text = """Sam, after the call I am on board with the plan.

Regards,
Omar Haddad
Director of IT Security, Acme Corp

On Wed, Mar 5, 2025 at 9:14 AM Omar Haddad <omar.haddad@acme.example> wrote:
> I have concerns about where the logs sit.
> Omar
"""
    assert stances(text) == {"Omar Haddad": "supportive"}


def test_a_signature_names_a_new_contact_with_title_and_address() -> None:
    found = read(
        "Hi Sam,\n\nthe bank list is attached.\n\nBest regards,\nNora Quinn\n"
        "Treasury Analyst | Acme Corp\nnora.quinn@acme.example"
    )
    nora = found["Nora Quinn"]
    assert nora.matched == "new"
    assert (nora.person.title, nora.person.email, nora.stance) == (
        "Treasury Analyst",
        "nora.quinn@acme.example",
        "neutral",
    )


def test_header_names_as_mail_clients_write_them() -> None:
    text = (
        "From: Weiss, Dana <dana.weiss@acme.example>\n"
        "To: Sam Seller <sam.seller@vendor.example>\n"
        "Cc: Accounts Payable <ap@acme.example>; QUINN Nora <nora.quinn@acme.example>\n"
        "Subject: PO\n\nSam, the PO is approved.\n"
    )
    found = read(text)
    assert found["Dana Weiss"].matched == "existing"
    assert found["Dana Weiss"].stance == "supportive"
    assert found["Nora Quinn"].matched == "new"
    assert "Accounts Payable" not in found and "ap@acme.example" not in found

    quoted = (
        "On Tue, Apr 15, 2025 at 7:45 AM Mia Lopez <mia.lopez@acme.example> wrote:\n"
        "> I support this."
    )
    assert stances(quoted) == {"Mia Lopez": "supportive"}


@pytest.mark.parametrize(
    "text",
    [
        "Our solutions engineer, Mark Ruiz, ran the demo for Lisa.",
        "Mark Ruiz (Solutions Engineer) from our side ran the demo for Lisa.",
        "Attendees: Lisa Chen, Jo Rep (Vendor), Sam Seller",
        "Thanks,\nJo Rep\nSolutions Engineer | Vendor Inc.\n",
    ],
)
def test_the_sellers_own_side_is_nobody(text: str) -> None:
    assert set(read(text)) <= {"Lisa Chen"}


def test_a_customer_says_our_for_their_own_people() -> None:
    text = (
        "From: Lisa Chen <lisa.chen@acme.example>\n\n"
        "Sam, our new treasury lead, Brian Fox, will own the bank interfaces.\n"
    )
    assert read(text)["Brian Fox"].matched == "new"


def test_honorifics_name_people_as_the_note_writes_them() -> None:
    assert list(read("Dr. Helen Park is excited. Dr. Park wants two more wards.", "globex")) == [
        "Helen Park"
    ]
    assert stances("Herr Brandt freut sich. Frau Dr. Weber ist skeptisch.", "initech") == {
        "Herr Brandt": "supportive",
        "Dr. Weber": "skeptical",
    }
    assert stances("Frau Krueger is worried about the licence model.", "initech") == {
        "Sabine Krüger": "skeptical"
    }


def test_people_the_note_puts_at_another_company_are_nobody() -> None:
    text = (
        "From: Jonas Wolf <j.wolf@initech.example>\n"
        "Cc: Markus Hahn <markus.hahn@it-partner.example>\n\n"
        "Hallo Herr Seller, Markus Hahn (Projektleiter) will support the go-live.\n"
    )
    assert set(read(text, "initech")) == {"Jonas Wolf"}
    assert read("Met Karen Holt (Senior Manager, Deloitte LLP) about the audit.") == {}
    consultant = read("Markus Lang (Senior Consultant, Accenture GmbH) advises them.")
    assert consultant["Markus Lang"].person.external_kind == "consultant"
