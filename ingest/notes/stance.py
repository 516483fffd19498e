"""The stance a sentence gives a person, from cue words, with negation and hedging.

"will not approve" is a blocker, "no objections" supportive, "might block"
skeptical. A cue inside a condition ("if procurement is comfortable") is no
stance: it says what would have to happen, and it makes a refusal before it a
reservation ("will not sign off until I see the report" is skeptical).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
CLAUSE_BREAK = re.compile(
    r";|\s[-–—]\s|\bbut\b|\bwhile\b|\bwhereas\b|\balthough\b|\bthough\b|\bhowever\b", re.I
)
# A negated champion cue is weak: "he is not enthusiastic" makes him skeptical when
# nothing else is said of him, but does not undo "he won't block it" (see WEAK).
_FLIP = {
    "champion": "weak:skeptical",
    "supportive": "skeptical",
    "skeptical": "supportive",
    "blocker": "supportive",
    "neutral": "neutral",
}
_SOFTEN = {"champion": "supportive", "blocker": "skeptical"}
WEAK = "weak:"


def plain(stance: str) -> str:
    """A cue's stance without its weak mark."""
    return stance.removeprefix(WEAK)


_SUBJECTS = frozenset({"i", "we", "he", "she", "they", "you", "ich", "wir", "je", "nous"})
_REFUSING = frozenset({"will", "won't", "wont", "would", "wouldn't", "cannot", "can't", "never"})


@dataclass(frozen=True)
class _Lexicon:
    cues: list[tuple[tuple[str, ...], str]]  # longest first
    negation: frozenset[str]
    window: int
    refusals: frozenset[tuple[str, ...]]
    hedges: frozenset[str]
    conditions: frozenset[str]
    refusal_until: frozenset[str]
    compounds: dict[str, frozenset[str]]


@lru_cache(maxsize=1)
def _lexicon() -> _Lexicon:
    raw = tomllib.loads(resources.files("ingest").joinpath("data/stances.toml").read_text("utf-8"))
    cues = [
        (tuple(words_of(phrase)), stance)
        for stance, phrases in raw["cues"].items()
        for phrase in phrases
    ]
    cues.sort(key=lambda c: -len(c[0]))
    compounds = {cue: frozenset(nouns) for cue, nouns in raw["compounds"].items()}
    return _Lexicon(
        cues=cues,
        negation=frozenset(raw["negation"]["words"]),
        window=int(raw["negation"]["window"]),
        refusals=frozenset(tuple(p.split()) for p in raw["negation"]["refusal_cues"]),
        hedges=frozenset(raw["hedges"]["words"]),
        conditions=frozenset(raw["conditions"]["words"]),
        refusal_until=frozenset(raw["conditions"]["refusal_until"]),
        compounds=compounds,
    )


def words_of(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("’", "'"))


@dataclass(frozen=True)
class Cue:
    position: int  # word index in the clause
    stance: str


def cues_in(words: list[str], commas: frozenset[int] = frozenset()) -> list[Cue]:
    """Every cue of a clause, already turned by negation and softened by hedges.

    Cues inside a condition are left out; a cue the clause puts under a condition
    ("would accept 5% if we add the module", "won't block it if the pilot shows
    savings") is weak, except a refusal, which the condition makes a reservation
    ("will not sign off until I see the report" is skeptical). `commas` holds the
    word indices a comma follows, where a condition that opens the clause ends."""
    lexicon = _lexicon()
    taken = [False] * len(words)
    conditional = _conditional(words, commas, lexicon)
    found: list[Cue] = []
    for phrase, stance in lexicon.cues:
        n = len(phrase)
        for i in range(len(words) - n + 1):
            if any(taken[i : i + n]) or tuple(words[i : i + n]) != phrase:
                continue
            taken[i : i + n] = [True] * n
            if conditional[i]:
                continue
            following = words[i + 1] if i + 1 < len(words) else ""
            if n == 1 and following in lexicon.compounds.get(phrase[0], ()):
                continue  # "our support hours", "a block booking": a noun, no stance
            before = words[max(0, i - lexicon.window) : i]
            under_condition = any(conditional[i + n :])
            refusal = False
            if any(w in lexicon.negation for w in before):
                refusal = phrase in lexicon.refusals and any(
                    w in _REFUSING or w.endswith("n't") for w in before
                )
                if refusal:
                    until = any(w in lexicon.refusal_until for w in words[i + n :])
                    stance = "skeptical" if under_condition or until else "blocker"
                else:
                    stance = _FLIP[stance]
            if any(w in lexicon.hedges for w in words[max(0, i - 4) : i + n + 2]):
                stance = _SOFTEN.get(stance, stance)
            if under_condition and not refusal and not stance.startswith(WEAK):
                stance = WEAK + stance
            found.append(Cue(i, stance))
    return sorted(found, key=lambda c: c.position)


def _conditional(words: list[str], commas: frozenset[int], lexicon: _Lexicon) -> list[bool]:
    """Which words are inside a condition: from "if", "unless", "until", "once" … to the
    clause's end, to the comma that closes a condition the clause opens with, or to
    "and" before a new subject ("before the audit and I will push it through")."""
    inside = [False] * len(words)
    for i, w in enumerate(words):
        if w not in lexicon.conditions:
            continue
        end = next((c + 1 for c in sorted(commas) if c >= i), len(words))
        for j in range(i + 1, end):
            if words[j] in {"and", "or"} and j + 1 < len(words) and words[j + 1] in _SUBJECTS:
                end = j
                break
        for j in range(i, end):
            inside[j] = True
    return inside


def clause_cues(clause: str) -> list[Cue]:
    """The cues of a clause of text, with the commas that may close a condition."""
    words: list[str] = []
    commas: set[int] = set()
    for m in re.finditer(_WORD.pattern + r"|,", clause.lower().replace("’", "'")):
        if m.group(0) == ",":
            if words:
                commas.add(len(words) - 1)
        else:
            words.append(m.group(0))
    return cues_in(words, frozenset(commas))


def stance_near(clause: str, mention_at: int | None) -> str:
    """The stance of the cue nearest the mention (by word position) in this clause."""
    cues = clause_cues(clause)
    if not cues:
        return "neutral"
    if mention_at is None:
        return plain(cues[0].stance)
    after = [c for c in cues if c.position >= mention_at]
    chosen = after[0] if after else cues[-1]
    return plain(chosen.stance)
