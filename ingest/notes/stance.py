"""The stance a sentence gives a person, from cue words, with negation and hedging.

"will not approve" is a blocker, "no objections" supportive, "might block"
skeptical. The cue nearest the person's mention in the same clause counts.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
CLAUSE_BREAK = re.compile(
    r";|\s[-–—]\s|\bbut\b|\bwhile\b|\bwhereas\b|\balthough\b|\bthough\b|\bhowever\b", re.I
)
_FLIP = {
    "champion": "skeptical",
    "supportive": "skeptical",
    "skeptical": "supportive",
    "blocker": "supportive",
    "neutral": "neutral",
}
_SOFTEN = {"champion": "supportive", "blocker": "skeptical"}


@dataclass(frozen=True)
class _Lexicon:
    cues: list[tuple[tuple[str, ...], str]]  # longest first
    negation: frozenset[str]
    window: int
    refusals: frozenset[tuple[str, ...]]
    hedges: frozenset[str]


@lru_cache(maxsize=1)
def _lexicon() -> _Lexicon:
    raw = tomllib.loads(resources.files("ingest").joinpath("data/stances.toml").read_text("utf-8"))
    cues = [
        (tuple(phrase.split()), stance)
        for stance, phrases in raw["cues"].items()
        for phrase in phrases
    ]
    cues.sort(key=lambda c: -len(c[0]))
    return _Lexicon(
        cues=cues,
        negation=frozenset(raw["negation"]["words"]),
        window=int(raw["negation"]["window"]),
        refusals=frozenset(tuple(p.split()) for p in raw["negation"]["refusal_cues"]),
        hedges=frozenset(raw["hedges"]["words"]),
    )


def words_of(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("’", "'"))


@dataclass(frozen=True)
class Cue:
    position: int  # word index in the clause
    stance: str


def cues_in(words: list[str]) -> list[Cue]:
    """Every cue of a clause, already turned by negation and softened by hedges."""
    lexicon = _lexicon()
    taken = [False] * len(words)
    found: list[Cue] = []
    for phrase, stance in lexicon.cues:
        n = len(phrase)
        for i in range(len(words) - n + 1):
            if any(taken[i : i + n]) or tuple(words[i : i + n]) != phrase:
                continue
            taken[i : i + n] = [True] * n
            before = words[max(0, i - lexicon.window) : i]
            if any(w in lexicon.negation for w in before):
                refusal = phrase in lexicon.refusals and any(
                    w in {"will", "won't", "wont", "would", "wouldn't", "cannot", "can't", "never"}
                    or w.endswith("n't")
                    for w in before
                )
                stance = "blocker" if refusal else _FLIP[stance]
            if any(w in lexicon.hedges for w in words[max(0, i - 4) : i + n + 2]):
                stance = _SOFTEN.get(stance, stance)
            found.append(Cue(i, stance))
    return sorted(found, key=lambda c: c.position)


def stance_near(clause: str, mention_at: int | None) -> str:
    """The stance of the cue nearest the mention (by word position) in this clause."""
    cues = cues_in(words_of(clause))
    if not cues:
        return "neutral"
    if mention_at is None:
        return cues[0].stance
    after = [c for c in cues if c.position >= mention_at]
    chosen = after[0] if after else cues[-1]
    return chosen.stance
