"""The labelled long notes and how the extractor is scored on them.

Three files: `notes_long.json` (ln01–ln41, the first round), `notes_long_added.json`
(ln42–ln81, the second) and `notes_long_third.json` (ln82–ln121, the third), the later
two added to widen the held-out base; "extended" is all three. Every even-numbered note
is held out. The report lists misses of the tuning part only: the held-out part is read in
aggregate, so that nobody tunes on it by accident (`python -m tests.note_set`).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graph.models import Person
from ingest.notes.mentions import ContactBook, Mention, extract_mentions
from ingest.titles import parse_title

DATA = Path(__file__).parent / "data"
ORIGINAL = json.loads((DATA / "notes_long.json").read_text("utf-8"))
ADDED = json.loads((DATA / "notes_long_added.json").read_text("utf-8"))
THIRD = json.loads((DATA / "notes_long_third.json").read_text("utf-8"))
ACCOUNTS: dict[str, Any] = {**ORIGINAL["accounts"], **ADDED["accounts"], **THIRD["accounts"]}
SETS: dict[str, list[dict[str, Any]]] = {
    "original": ORIGINAL["notes"],
    "added": ADDED["notes"],
    "third": THIRD["notes"],
    "extended": ORIGINAL["notes"] + ADDED["notes"] + THIRD["notes"],
}
STANCES = ("champion", "supportive", "neutral", "skeptical", "blocker")


def book(account: str) -> ContactBook:
    spec = ACCOUNTS[account]
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
    notes: int = 0
    found: int = 0
    gold: int = 0
    hits: int = 0
    new_found: int = 0
    new_hits: int = 0
    stances_right: int = 0
    by_label: dict[str, Counter[str]] = field(default_factory=dict)  # gold → got → n
    misses: list[str] = field(default_factory=list)

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


def score(which: str, part: str) -> Score:
    """Score one part ("tuning" or "held-out") of one set (a file's, or "extended")."""
    s = Score()
    for note in (n for n in SETS[which] if n["part"] == part):
        s.notes += 1
        mentions = extract_mentions(note["text"], book(note["account"]), note["author"])
        found = {key(m): m for m in mentions}
        gold = {g["person"]: g["stance"] for g in note["gold"]}
        s.found, s.gold = s.found + len(found), s.gold + len(gold)
        s.hits += len(found.keys() & gold.keys())
        new = [k for k in found if k.startswith("new:")]
        s.new_found += len(new)
        s.new_hits += sum(k in gold for k in new)
        for person in sorted(found.keys() & gold.keys()):
            got, want = found[person].stance, gold[person]
            s.by_label.setdefault(want, Counter())[got] += 1
            if got == want:
                s.stances_right += 1
            else:
                s.misses.append(f"{note['id']} {person}: {got}, labelled {want}")
        s.misses += [f"{note['id']} extra {p}" for p in sorted(found.keys() - gold.keys())]
        s.misses += [f"{note['id']} missed {p}" for p in sorted(gold.keys() - found.keys())]
    return s


def summary(which: str, part: str, s: Score, misses: bool = False) -> str:
    lines = [
        f"{which} {part} ({s.notes} notes): people F1 {s.f1:.3f}, "
        f"new people precision {s.new_precision:.3f} ({s.new_hits}/{s.new_found}), "
        f"stance accuracy {s.stance_accuracy:.3f} ({s.stances_right}/{s.hits})"
    ]
    for label in STANCES:
        got = s.by_label.get(label, Counter())
        n = sum(got.values())
        if n:
            lines.append(f"  stance {label:10} {got[label]:3}/{n:<3} {got[label] / n:.2f}")
    if misses:
        lines += [f"  {m}" for m in s.misses]
    return "\n".join(lines)


if __name__ == "__main__":
    for which in ("original", "added", "third", "extended"):
        print(summary(which, "tuning", score(which, "tuning"), misses=which == "extended"))
        print(summary(which, "held-out", score(which, "held-out")))
