"""Which cue of a sentence speaks of which person.

A sentence often names several people, each with their own stance: "Tom Berg and
Sam Okafor agreed to the term, while Grace Lee abstained; Omar is still hesitant".
Every mention of a person (a name, a title, "he"/"she", the sender's own "I") is an
anchor; the words from one anchor to the next, inside one clause, are what the
sentence says of that person, and the last cue there is their stance. An anchor with
no cue of its own shares the next one's when only "and" or a comma stands between
them ("Omar and Lisa both support the plan"), and takes a cue before it when it opens
its clause ("No objections from Frau Krüger"). An anchor without a person (a pronoun
that could mean two people, the "I" of a quote nobody is named before) ends the
segment before it and takes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from graph.models import Person
from ingest.notes.stance import CLAUSE_BREAK, clause_cues, words_of

_CONNECTOR = re.compile(
    r"^\s*(?:,|&|,?\s*(?:and|or|und|y|e|et|en|as well as))\s*(?:both\s*)?$", re.I
)


@dataclass(frozen=True)
class Anchor:
    start: int
    end: int
    person: Person | None


def _spans(sentence: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for brk in CLAUSE_BREAK.finditer(sentence):
        spans.append((start, brk.start()))
        start = brk.end()
    spans.append((start, len(sentence)))
    return spans


def stances_in(sentence: str, anchors: Sequence[Anchor]) -> list[tuple[Anchor, str | None]]:
    """Each anchor that has a person, in sentence order, with the stance the sentence
    gives them; None when no cue speaks of them."""
    out: list[tuple[Anchor, str | None]] = []
    for start, end in _spans(sentence):
        clause = sentence[start:end]
        cues = clause_cues(clause)
        inside = sorted((a for a in anchors if start <= a.start < end), key=lambda a: a.start)
        if not inside:
            continue
        at = [len(words_of(clause[: a.start - start])) for a in inside]
        stances: list[str | None] = [None] * len(inside)
        for k in range(len(inside) - 1, -1, -1):
            upto = at[k + 1] if k + 1 < len(inside) else 10**9
            own = [c for c in cues if at[k] <= c.position < upto]
            if own:
                stances[k] = own[-1].stance
                continue
            if k + 1 < len(inside) and inside[k + 1].person is not None:
                between = sentence[inside[k].end : inside[k + 1].start]
                if _CONNECTOR.match(between):
                    stances[k] = stances[k + 1]
                    continue
            if k == 0:
                before = [c for c in cues if c.position < at[0]]
                if before:
                    stances[k] = before[-1].stance
        for k in range(1, len(inside)):
            if stances[k] is None and inside[k - 1].person is not None:
                between = sentence[inside[k - 1].end : inside[k].start]
                if _CONNECTOR.match(between):
                    stances[k] = stances[k - 1]  # "Strong support from Dana and Omar"
        for anchor, stance in zip(inside, stances, strict=True):
            if anchor.person is not None:
                out.append((anchor, stance))
    return out
