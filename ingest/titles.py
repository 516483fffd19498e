"""Raw job title → function, seniority and role (`<seniority>.<function>`).

The vocabulary lives in `data/titles.toml`, so that adding a word is a data
change, not a code change; this module only knows how to apply it.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

SENIORITY_ORDER = ("staff", "manager", "director", "vp", "c_level")
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


@dataclass(frozen=True)
class TitleParse:
    function: str
    seniority: str

    @property
    def role(self) -> str:
        return f"{self.seniority}.{self.function}"


@dataclass(frozen=True)
class _Vocabulary:
    abbreviations: dict[str, str]
    acronyms: dict[str, tuple[str, str]]
    seniority: list[tuple[str, str]]  # longest phrase first
    downgrades: frozenset[str]
    functions: list[tuple[str, str]]  # (phrase, function), longest phrase first
    external_kinds: list[tuple[str, str]]


@lru_cache(maxsize=1)
def _vocabulary() -> _Vocabulary:
    raw = tomllib.loads(resources.files("ingest").joinpath("data/titles.toml").read_text("utf-8"))
    acronyms: dict[str, tuple[str, str]] = {}
    for word, role in raw["acronyms"].items():
        level, function = role.split(".", 1)
        acronyms[word] = (level, function)
    by_length = lambda pair: (-len(pair[0]), pair[0])  # noqa: E731
    return _Vocabulary(
        abbreviations=dict(raw["abbreviations"]),
        acronyms=acronyms,
        seniority=sorted(raw["seniority"].items(), key=by_length),
        downgrades=frozenset(raw["downgrades"]["words"]),
        functions=sorted(
            ((p, f) for f, phrases in raw["functions"].items() for p in phrases), key=by_length
        ),
        external_kinds=sorted(
            ((p, k) for k, phrases in raw["external_kinds"].items() for p in phrases),
            key=by_length,
        ),
    )


def _words(title: str, vocab: _Vocabulary) -> list[str]:
    tokens = _TOKEN.findall(title.lower().replace("&", " and "))
    expanded: list[str] = []
    for token in tokens:
        expanded.extend(vocab.abbreviations.get(token, token).split())
    return expanded


def _find(words: list[str], phrase: str) -> int:
    """Index of the first occurrence of `phrase` as whole words, or -1."""
    parts = phrase.split()
    n = len(parts)
    for i in range(len(words) - n + 1):
        if words[i : i + n] == parts:
            return i
    return -1


def _seniority(words: list[str], vocab: _Vocabulary) -> tuple[str | None, list[str]]:
    """The highest level named, and the words left once seniority phrases are taken out."""
    remaining = list(words)
    found: list[str] = []
    for phrase, level in vocab.seniority:
        while (at := _find(remaining, phrase)) >= 0:
            found.append(level)
            remaining[at : at + len(phrase.split())] = ["\0"] * len(phrase.split())
    if not found:
        return None, remaining
    return max(found, key=SENIORITY_ORDER.index), remaining


def _function(words: list[str], vocab: _Vocabulary) -> str | None:
    best: tuple[int, int, str] | None = None
    for phrase, function in vocab.functions:
        at = _find(words, phrase)
        if at < 0:
            continue
        key = (at, -len(phrase.split()), function)
        if best is None or key < best:
            best = key
    return best[2] if best else None


def parse_title(title: str | None) -> TitleParse:
    """Classify a title; an empty or unknown one is `staff.other`."""
    if not title or not title.strip():
        return TitleParse("other", "staff")
    vocab = _vocabulary()
    words = _words(title, vocab)
    levels: list[str] = []
    function: str | None = None
    for word in words:
        if word in vocab.acronyms:
            level, acronym_function = vocab.acronyms[word]
            levels.append(level)
            function = function or acronym_function
    phrase_level, rest = _seniority(words, vocab)
    if phrase_level:
        levels.append(phrase_level)
    level = max(levels, key=SENIORITY_ORDER.index) if levels else "staff"
    if level != "staff" and any(w in vocab.downgrades for w in words):
        level = SENIORITY_ORDER[max(1, SENIORITY_ORDER.index(level) - 1)]
    # "Executive Vice President, Sales" is sales: look past seniority words first.
    function = function or _function(rest, vocab) or _function(words, vocab)
    if function is None:
        function = "executive" if level == "c_level" else "other"
    return TitleParse(function, level)


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
