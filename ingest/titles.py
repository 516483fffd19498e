"""Raw job title → function, seniority and role (`<seniority>.<function>`).

The vocabulary lives in `data/titles.toml` (English, German, French and
Spanish titles as CRMs hold them), so that adding a word is a data change;
this module only knows how to apply it:
1. lower-case, fold accents, expand abbreviations, split German compounds;
2. take out phrases that name a role outright (CFO, Directeur Financier);
3. take out seniority phrases, keep the highest level, apply downgrades;
4. find the function among the words left, else among all words.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

SENIORITY_ORDER = ("staff", "manager", "director", "vp", "c_level")
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_DOTTED_VP = re.compile(r"\bv\.\s*p\.?", re.IGNORECASE)
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
    downgrades: frozenset[str]
    functions: list[tuple[Phrase, str]]
    heads: frozenset[str]
    external_kinds: list[tuple[Phrase, str]]


def _by_length(phrase: Phrase) -> tuple[int, Phrase]:
    return (-len(phrase), phrase)


@lru_cache(maxsize=1)
def _vocabulary() -> _Vocabulary:
    raw = tomllib.loads(resources.files("ingest").joinpath("data/titles.toml").read_text("utf-8"))
    phrase_roles = []
    for phrase, role in raw["phrase_roles"].items():
        level, function = role.split(".", 1)
        phrase_roles.append((tuple(phrase.split()), level, function))
    phrase_roles.sort(key=lambda item: _by_length(item[0]))
    return _Vocabulary(
        abbreviations=dict(raw["abbreviations"]),
        compound_endings=tuple(sorted(raw["compounds"]["endings"], key=len, reverse=True)),
        phrase_roles=phrase_roles,
        seniority=sorted(
            ((tuple(p.split()), level) for p, level in raw["seniority"].items()),
            key=lambda item: _by_length(item[0]),
        ),
        downgrades=frozenset(raw["downgrades"]["words"]),
        functions=sorted(
            ((tuple(p.split()), f) for f, phrases in raw["functions"].items() for p in phrases),
            key=lambda item: _by_length(item[0]),
        ),
        heads=frozenset(raw["heads"]["functions"]),
        external_kinds=sorted(
            (
                (tuple(p.split()), k)
                for k, phrases in raw["external_kinds"].items()
                for p in phrases
            ),
            key=lambda item: _by_length(item[0]),
        ),
    )


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("ß", "ss"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _split_compound(token: str, endings: tuple[str, ...]) -> list[str]:
    for ending in endings:
        if token.endswith(ending) and len(token) > len(ending) + 2:
            return [token[: -len(ending)], ending]
    return [token]


def _words(title: str, vocab: _Vocabulary) -> list[str]:
    text = _fold(_DOTTED_VP.sub(" vp ", title)).replace("&", " and ")
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


def _take(words: list[str], phrase: Phrase) -> bool:
    """Blank out the first occurrence of `phrase`; whether there was one."""
    at = _find(words, phrase)
    if at < 0:
        return False
    words[at : at + len(phrase)] = [_GONE] * len(phrase)
    return True


def _function(words: list[str], vocab: _Vocabulary) -> str | None:
    matches: dict[int, tuple[int, str]] = {}
    for phrase, function in vocab.functions:
        at = _find(words, phrase)
        if at >= 0 and (at not in matches or len(phrase) > matches[at][0]):
            matches[at] = (len(phrase), function)
    if not matches:
        return None
    start = min(matches)
    length, function = matches[start]
    following = matches.get(start + length)
    if following and following[1] in vocab.heads:
        function = following[1]
    return function


@lru_cache(maxsize=16384)
def parse_title(title: str | None) -> TitleParse:
    """Classify a title; an empty or unknown one is `staff.other`.

    Cached: a CRM repeats a few thousand titles across its contacts, and
    parsing is the dearest step of an ingest batch."""
    if not title or not title.strip():
        return TitleParse("other", "staff")
    vocab = _vocabulary()
    words = _words(title, vocab)
    rest = list(words)
    levels: list[str] = []
    function: str | None = None
    for phrase, level, phrase_function in vocab.phrase_roles:
        while _take(rest, phrase):
            levels.append(level)
            function = function or phrase_function
    for phrase, level in vocab.seniority:
        while _take(rest, phrase):
            levels.append(level)
    level = max(levels, key=SENIORITY_ORDER.index) if levels else "staff"
    if level != "staff" and any(w in vocab.downgrades for w in words):
        level = SENIORITY_ORDER[max(1, SENIORITY_ORDER.index(level) - 1)]
    function = function or _function(rest, vocab) or _function(words, vocab)
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
