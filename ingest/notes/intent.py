"""Buying intent in a note or an activity subject: an RFP, tender, shortlist, evaluation
or approved budget, in English, German, French or Spanish, negation handled ("no RFP
planned" is none).

The vocabulary is data (ingest/data/intent.toml); this module only folds text to
words, finds the first term of a sentence and checks the words around it for a
negation in the same clause. It answers graph.signals.IntentMatch, which the
detection of graph.signals turns into a `buying_intent` signal.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

from graph.signals import IntentMatch

PREFIX_MIN = 5  # a phrase's last word matches longer forms from this length on
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_CLAUSE = re.compile(r"[,;:()\[\]]")
_WORD = re.compile(r"[a-z0-9]+")

Phrase = tuple[str, ...]


def fold(text: str) -> str:
    """Lower case without accents: "Licitación" and "licitacion" read the same."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


@dataclass(frozen=True)
class Term:
    kind: str
    phrase: Phrase
    language: str
    weight: float


@dataclass(frozen=True)
class Vocabulary:
    terms: tuple[Term, ...]
    before: tuple[Phrase, ...]
    after: tuple[Phrase, ...]
    window_before: int
    window_after: int
    breaks: frozenset[str]


@cache
def vocabulary() -> Vocabulary:
    raw = tomllib.loads(resources.files("ingest").joinpath("data/intent.toml").read_text("utf-8"))
    terms = []
    for kind, spec in raw["terms"].items():
        for language in ("en", "de", "fr", "es"):
            for phrase in spec.get(language, ()):
                terms.append(Term(kind, tuple(words(phrase)), language, float(spec["weight"])))
    negation = raw["negation"]
    return Vocabulary(
        tuple(terms),
        tuple(tuple(words(p)) for p in negation["before"]),
        tuple(tuple(words(p)) for p in negation["after"]),
        int(negation["window_before"]),
        int(negation["window_after"]),
        frozenset(words(" ".join(negation["clause_breaks"]))),
    )


def _matches_at(tokens: list[str], start: int, phrase: Phrase) -> bool:
    if start + len(phrase) > len(tokens):
        return False
    for k, word in enumerate(phrase):
        token = tokens[start + k]
        last = k == len(phrase) - 1
        if token != word and not (last and len(word) >= PREFIX_MIN and token.startswith(word)):
            return False
    return True


def _contains(tokens: list[str], phrases: tuple[Phrase, ...]) -> bool:
    return any(_matches_at(tokens, i, p) for p in phrases for i in range(len(tokens)))


def _negated(tokens: list[str], start: int, end: int, vocab: Vocabulary) -> bool:
    left = tokens[:start]
    for k in range(len(left) - 1, -1, -1):
        if left[k] in vocab.breaks:
            left = left[k + 1 :]
            break
    right = tokens[end:]
    for k, token in enumerate(right):
        if token in vocab.breaks:
            right = right[:k]
            break
    return _contains(left[-vocab.window_before :], vocab.before) or _contains(
        right[: vocab.window_after], vocab.after
    )


def read_intent(text: str) -> IntentMatch | None:
    """The first term of buying intent not negated in its clause, with its sentence."""
    vocab = vocabulary()
    for sentence in _SENTENCE.split(text):
        for part in _CLAUSE.split(sentence):
            tokens = words(part)
            if not tokens:
                continue
            for term in vocab.terms:
                for start in range(len(tokens)):
                    if not _matches_at(tokens, start, term.phrase):
                        continue
                    end = start + len(term.phrase)
                    if _negated(tokens, start, end, vocab):
                        continue
                    return IntentMatch(
                        term=term.kind,
                        matched=" ".join(tokens[start:end]),
                        sentence=sentence.strip()[:300],
                        weight=term.weight,
                        language=term.language,
                    )
    return None
