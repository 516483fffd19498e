"""People and stances in long CRM notes (e-mail threads, HTML bodies, call summaries,
meeting minutes), measured on a hand-labelled set; half of it was never tuned on."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from graph.models import Person
from ingest.notes.mentions import ContactBook, Mention, extract_mentions
from ingest.titles import parse_title

LONG_NOTES = json.loads((Path(__file__).parent / "data" / "notes_long.json").read_text("utf-8"))


def book(account: str) -> ContactBook:
    spec = LONG_NOTES["accounts"][account]
    contacts = []
    for raw in spec["contacts"]:
        parsed = parse_title(raw["title"])
        contacts.append(
            Person(
                id=raw["id"],
                account_id=account,
                name=raw["name"],
                email=raw.get("email"),
                title=raw["title"],
                function=parsed.function,
                seniority=parsed.seniority,
                role=parsed.role,
            )
        )
    return ContactBook(contacts, account, (spec["name"], spec["deal"], spec["product"]))


def key(mention: Mention) -> str:
    if mention.matched == "existing":
        return str(mention.person.id)
    return "new:" + (mention.person.name or mention.person.email or "").lower()


@dataclass
class Score:
    found: int = 0
    gold: int = 0
    hits: int = 0
    new_found: int = 0
    new_hits: int = 0
    stances_right: int = 0
    report: list[str] = field(default_factory=list)

    @property
    def f1(self) -> float:
        precision, recall = self.hits / self.found, self.hits / self.gold
        return 2 * precision * recall / (precision + recall)

    @property
    def new_precision(self) -> float:
        return self.new_hits / self.new_found if self.new_found else 1.0

    @property
    def stance_accuracy(self) -> float:
        return self.stances_right / self.hits


def score(part: str) -> Score:
    s = Score()
    for note in (n for n in LONG_NOTES["notes"] if n["part"] == part):
        mentions = extract_mentions(note["text"], book(note["account"]), note["author"])
        found = {key(m): m for m in mentions}
        gold = {g["person"]: g["stance"] for g in note["gold"]}
        s.found, s.gold = s.found + len(found), s.gold + len(gold)
        s.hits += len(found.keys() & gold.keys())
        new = [k for k in found if k.startswith("new:")]
        s.new_found += len(new)
        s.new_hits += sum(k in gold for k in new)
        for person in found.keys() & gold.keys():
            if found[person].stance == gold[person]:
                s.stances_right += 1
            else:
                got, want = found[person].stance, gold[person]
                s.report.append(f"{note['id']} {person}: {got}, labelled {want}")
        s.report += [f"{note['id']} extra {p}" for p in found.keys() - gold.keys()]
        s.report += [f"{note['id']} missed {p}" for p in gold.keys() - found.keys()]
    return s


def summary(part: str, s: Score) -> str:
    lines = [
        f"{part} long notes: people F1 {s.f1:.3f}, new people precision {s.new_precision:.3f} "
        f"({s.new_hits}/{s.new_found}), "
        f"stance accuracy {s.stance_accuracy:.3f} ({s.stances_right}/{s.hits})"
    ]
    return "\n".join(lines + [f"  {r}" for r in s.report])


def test_the_set_is_long_notes_in_real_shapes() -> None:
    notes: list[dict[str, Any]] = LONG_NOTES["notes"]
    assert len(notes) >= 40
    assert sum(n["part"] == "held-out" for n in notes) >= len(notes) // 2
    assert sum(len(n["text"]) >= 5000 for n in notes) >= 3
    assert any("<div>" in n["text"] or "<p>" in n["text"] for n in notes)
    assert any("\n> " in n["text"] for n in notes)


def test_held_out_long_notes_people_f1() -> None:
    s = score("held-out")
    print("\n" + summary("held-out", s))
    assert s.f1 >= 0.90


@pytest.mark.xfail(strict=True, reason="goal not met yet: new people precision 0.56 held out")
def test_held_out_new_people_precision() -> None:
    assert score("held-out").new_precision >= 0.95


@pytest.mark.xfail(strict=True, reason="goal not met yet: stance accuracy 0.72 held out")
def test_held_out_stance_accuracy() -> None:
    assert score("held-out").stance_accuracy >= 0.80


def test_tuning_long_notes() -> None:
    s = score("tuning")
    print("\n" + summary("tuning", s))
    assert s.f1 >= 0.90
    assert s.new_precision >= 0.95
    assert s.stance_accuracy >= 0.70
