"""People and stances found in sales notes, measured on a labelled set of realistic notes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from graph.models import Person
from ingest.notes.mentions import ContactBook, extract_mentions, sentences
from ingest.notes.stance import stance_near
from ingest.titles import parse_title

LABELLED = json.loads((Path(__file__).parent / "data" / "notes.json").read_text("utf-8"))


def contact(account_id: str, raw: dict[str, Any]) -> Person:
    parsed = parse_title(raw.get("title"))
    return Person(
        id=raw["id"],
        account_id=account_id,
        name=raw["name"],
        email=raw.get("email"),
        title=raw.get("title"),
        function=parsed.function,
        seniority=parsed.seniority,
        role=parsed.role,
    )


def books() -> dict[str, ContactBook]:
    return {
        account: ContactBook([contact(account, c) for c in contacts], account)
        for account, contacts in LABELLED["accounts"].items()
    }


def key(mention: Any) -> str:
    if mention.matched == "existing":
        return str(mention.person.id)
    return "new:" + (mention.person.name or mention.person.email or "").lower()


def test_people_extraction_f1_and_stance_accuracy() -> None:
    notes = LABELLED["notes"]
    assert len(notes) >= 40
    f1, stance_accuracy, report = score(notes)
    print(f"\nlabelled notes: people F1 {f1:.3f}; stance accuracy {stance_accuracy:.3f}")
    for line in report:
        print("  ", line)
    assert f1 >= 0.85
    assert stance_accuracy >= 0.75


@pytest.mark.parametrize(
    ("sentence", "stance"),
    [
        ("She will not approve the budget.", "blocker"),
        ("He has no objections to the terms.", "supportive"),
        ("They might block the renewal.", "skeptical"),
        ("She is not worried about security.", "supportive"),
        ("He loves the product.", "champion"),
        ("He seems to like it.", "neutral"),
        ("The meeting is on Tuesday.", "neutral"),
    ],
)
def test_stance_reads_negation_and_hedging(sentence: str, stance: str) -> None:
    assert stance_near(sentence, 0) == stance


def test_a_note_that_names_nobody_gives_nobody() -> None:
    book = books()["acme"]
    text = "Quarterly review with Acme Bank in New York. Financial Services Cloud came up."
    assert extract_mentions(text, book, author="Sam Seller") == []


def test_the_same_unknown_person_gets_the_same_id_every_time() -> None:
    book = books()["acme"]
    first = extract_mentions("Met Maria Gomez (VP Finance) today.", book)
    again = extract_mentions("Maria Gomez, VP Finance, called back.", book)
    assert first[0].person.id == again[0].person.id
    assert first[0].person.role == "vp.finance"


def test_honorifics_and_abbreviations_do_not_end_a_sentence() -> None:
    assert sentences("Dr. Singh agreed. Acme Inc. signed!") == [
        "Dr. Singh agreed.",
        "Acme Inc. signed!",
    ]


def score(notes: list[dict[str, Any]]) -> tuple[float, float, list[str]]:
    by_account = books()
    tp = fp = fn = right = 0
    report = []
    for note in notes:
        found = {
            key(m): m
            for m in extract_mentions(
                note["text"], by_account[note["account"]], author=note["author"]
            )
        }
        gold = {g["person"]: g["stance"] for g in note["gold"]}
        tp += len(found.keys() & gold.keys())
        fp += len(found.keys() - gold.keys())
        fn += len(gold.keys() - found.keys())
        for person in found.keys() & gold.keys():
            if found[person].stance == gold[person]:
                right += 1
            else:
                report.append(f"{note['id']} {person}: {found[person].stance} != {gold[person]}")
        report += [f"{note['id']} extra {p}" for p in found.keys() - gold.keys()]
        report += [f"{note['id']} missed {p}" for p in gold.keys() - found.keys()]
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    return 2 * precision * recall / (precision + recall), right / tp, report


def test_notes_never_tuned_on() -> None:
    """The extractor was tuned on notes.json; this set says how it does on new notes."""
    holdout = json.loads((Path(__file__).parent / "data" / "notes_holdout.json").read_text())
    f1, stance_accuracy, report = score(holdout["notes"])
    print(f"\nheld-out notes: people F1 {f1:.3f}; stance accuracy {stance_accuracy:.3f}")
    for line in report:
        print("  ", line)
    assert f1 >= 0.7
    assert stance_accuracy >= 0.5
