"""Raw job title → function, seniority and role (`<seniority>.<function>`).

The vocabulary lives in `data/titles.toml` (English, German, French, Spanish
and Dutch titles as CRMs and CVs hold them), so that adding a word is a data
change; this module only knows how to apply it:
1. lower-case, fold accents, expand abbreviations, split German and Dutch
   compounds before a known ending (Einkaufsleiterin → einkaufs leiter);
2. cut the title into its roles at "|", "/", ",", ";", brackets and spaced
   dashes ("CTO | CIO", "Business Development / Gesellschafter");
3. in each role take out phrases that name a role outright (CFO, Prokurist),
   then seniority phrases, keep the highest level, apply the rules for
   deputies, assistants and senior individual contributors;
4. the most senior role wins (the first one on a tie); its function is the
   earliest function phrase in it, else the first one of the other roles.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

SENIORITY_ORDER = ("staff", "manager", "director", "vp", "c_level")
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_DOTTED_VP = re.compile(r"\bv\.\s*p\.?", re.IGNORECASE)
_ROLE_BREAK = re.compile(r"[|/;,()\[\]•]|\s[-–—:]\s|:\s")
_GONE = "\0"


@dataclass(frozen=True)
class TitleParse:
    function: str
    seniority: str

    @property
    def role(self) -> str:
        return f"{self.seniority}.{self.function}"


Phrase = tuple[str, ...]


@dataclass(frozen=True)
class _Vocabulary:
    abbreviations: dict[str, str]
    compound_endings: tuple[str, ...]
    phrase_roles: list[tuple[Phrase, str, str]]  # longest first
    seniority: list[tuple[Phrase, str]]  # longest first
    leveled_words: frozenset[str]
    contributor_nouns: frozenset[str]
    downgrades: frozenset[str]
    assistants: frozenset[str]
    functions: list[tuple[Phrase, str]]
    offices: frozenset[Phrase]  # function phrases of the executive's office
    heads: frozenset[str]
    external_kinds: list[tuple[Phrase, str]]


def _by_length(phrase: Phrase) -> tuple[int, Phrase]:
    return (-len(phrase), phrase)


def _phrases(table: dict[str, list[str]]) -> list[tuple[Phrase, str]]:
    return sorted(
        ((tuple(p.split()), key) for key, phrases in table.items() for p in phrases),
        key=lambda item: _by_length(item[0]),
    )


@lru_cache(maxsize=1)
def _vocabulary() -> _Vocabulary:
    raw = tomllib.loads(resources.files("ingest").joinpath("data/titles.toml").read_text("utf-8"))
    phrase_roles = []
    for phrase, role in raw["phrase_roles"].items():
        level, function = role.split(".", 1)
        phrase_roles.append((tuple(phrase.split()), level, function))
    phrase_roles.sort(key=lambda item: _by_length(item[0]))
    contributors = raw["individual_contributors"]
    return _Vocabulary(
        abbreviations=dict(raw["abbreviations"]),
        compound_endings=tuple(sorted(raw["compounds"]["endings"], key=len, reverse=True)),
        phrase_roles=phrase_roles,
        seniority=sorted(
            ((tuple(p.split()), level) for p, level in raw["seniority"].items()),
            key=lambda item: _by_length(item[0]),
        ),
        leveled_words=frozenset(contributors["leveled"]),
        contributor_nouns=frozenset(contributors["nouns"]),
        downgrades=frozenset(raw["downgrades"]["words"]),
        assistants=frozenset(raw["assistants"]["words"]),
        functions=_phrases(raw["functions"]),
        offices=frozenset(tuple(p.split()) for p in raw["functions"]["executive"]),
        heads=frozenset(raw["heads"]["functions"]),
        external_kinds=_phrases(raw["external_kinds"]),
    )


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("ß", "ss"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _split_compound(token: str, endings: tuple[str, ...]) -> list[str]:
    for ending in endings:
        if token.endswith(ending) and len(token) > len(ending) + 2:
            return [*_split_compound(token[: -len(ending)], endings), ending]
    return [token]


def _words(title: str, vocab: _Vocabulary) -> list[str]:
    text = _fold(_DOTTED_VP.sub(" vp ", title)).replace("&", " and ").replace("+", " and ")
    words: list[str] = []
    for token in _TOKEN.findall(text):
        for part in _split_compound(token, vocab.compound_endings):
            words.extend(vocab.abbreviations.get(part, part).split())
    return words


def _find(words: list[str], phrase: Phrase) -> int:
    """Index of the first occurrence of `phrase` as whole words, or -1."""
    n = len(phrase)
    for i in range(len(words) - n + 1):
        if tuple(words[i : i + n]) == phrase:
            return i
    return -1


def _take(words: list[str], phrase: Phrase) -> int:
    """Blank out the first occurrence of `phrase`; where it was, or -1."""
    at = _find(words, phrase)
    if at >= 0:
        words[at : at + len(phrase)] = [_GONE] * len(phrase)
    return at


def _function(
    words: list[str], vocab: _Vocabulary, ranks: Sequence[tuple[int, int]] = ()
) -> str | None:
    """The function the earliest function phrase names; a phrase that lies inside
    a seniority phrase ("president" in "vice president") names none."""
    matches: dict[int, tuple[int, str]] = {}
    for phrase, function in vocab.functions:
        at = _find(words, phrase)
        if at < 0 or any(s <= at and at + len(phrase) <= e for s, e in ranks):
            continue
        if at not in matches or len(phrase) > matches[at][0]:
            matches[at] = (len(phrase), function)
    if not matches:
        return None
    start = min(matches)
    length, function = matches[start]
    following = matches.get(start + length)
    if following and following[1] in vocab.heads:
        function = following[1]
    return function


@dataclass(frozen=True)
class _Reading:
    """One role of a title: its level, and its function when it names one."""

    level: str
    function: str | None
    office: str | None  # "executive" when the seniority word is an office (Owner, Vorstand)


def _lower(level: str) -> str:
    return SENIORITY_ORDER[max(1, SENIORITY_ORDER.index(level) - 1)]


def _read_role(words: list[str], vocab: _Vocabulary) -> _Reading:
    rest = list(words)
    levels: list[str] = []
    sources: list[Phrase] = []
    starts: set[int] = set()
    offices: set[int] = set()  # where an executive's office is named (CEO, Geschäftsführung)
    named: list[tuple[int, str]] = []
    for phrase, level, phrase_function in vocab.phrase_roles:
        while (at := _take(rest, phrase)) >= 0:
            levels.append(level)
            sources.append(phrase)
            starts.add(at)
            named.append((at, phrase_function))
            if phrase_function == "executive":
                offices.add(at)
    masked = list(rest)
    ranks: list[tuple[int, int]] = []
    for phrase, level in vocab.seniority:
        while (at := _take(rest, phrase)) >= 0:
            levels.append(level)
            sources.append(phrase)
            starts.add(at)
            ranks.append((at, at + len(phrase)))
            if phrase in vocab.offices:
                offices.add(at)
    level = max(levels, key=SENIORITY_ORDER.index) if levels else "staff"
    helpers = [i for i, w in enumerate(words) if w in vocab.assistants]
    deputy = any(i + 1 in starts and i + 1 not in offices for i in helpers)
    if helpers and not deputy:
        level = "staff"
    elif level == "manager" and all(s[-1] in vocab.leveled_words for s in sources):
        if any(w in vocab.contributor_nouns for w in words):
            level = "staff"
    elif level != "staff" and (deputy or any(w in vocab.downgrades for w in words)):
        level = _lower(level)
    function = min(named)[1] if named else _function(masked, vocab, ranks)
    office = "executive" if any(s in vocab.offices for s in sources) else None
    return _Reading(level, function, office)


def _roles(title: str, vocab: _Vocabulary) -> list[_Reading]:
    readings = []
    for part in _ROLE_BREAK.split(title):
        words = _words(part, vocab)
        if words:
            readings.append(_read_role(words, vocab))
    return readings


@lru_cache(maxsize=16384)
def parse_title(title: str | None) -> TitleParse:
    """Classify a title; an empty or unknown one is `staff.other`.

    A title that holds several roles is read as its most senior one (the
    first on a tie); a role that names no function takes the function the
    rest of the title names ("Director, FP&A"). Cached: a CRM repeats a few
    thousand titles across its contacts, and parsing is the dearest step of
    an ingest batch."""
    if not title or not title.strip():
        return TitleParse("other", "staff")
    vocab = _vocabulary()
    readings = _roles(title, vocab)
    if not readings:
        return TitleParse("other", "staff")
    best = max(
        range(len(readings)),
        key=lambda i: (SENIORITY_ORDER.index(readings[i].level), -i),
    )
    level = readings[best].level
    others = readings[best + 1 :] + readings[:best][::-1]
    candidates = [readings[best].function, readings[best].office, *(r.function for r in others)]
    function = next((f for f in candidates if f), None)
    if function is None:
        function = "executive" if level == "c_level" else "other"
    return TitleParse(function, level)


@lru_cache(maxsize=16384)
def external_kind_hint(title: str | None) -> str | None:
    """What kind of outsider a title suggests (consultant, analyst, partner, integrator)."""
    if not title:
        return None
    vocab = _vocabulary()
    words = _words(title, vocab)
    for phrase, kind in vocab.external_kinds:
        if _find(words, phrase) >= 0:
            return kind
    return None
