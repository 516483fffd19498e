"""Who a sales note names, matched to the account's known contacts.

A person is found by e-mail address, `Name (Title)`, `Name, Title`, an
honorific and surname (Dr. Singh), the full or first name of a known contact
(fuzzy, so "Dana Weis" is Dana Weiss), or a bare title ("the CFO") when exactly
one known contact holds that role. A named person nobody knows becomes a new
contact, with the title when the note gives it; a capitalised phrase with no
such cue is not taken for a person. Each person gets the stance of the
sentence that speaks of them, and that sentence as evidence.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from nameparser import HumanName
from rapidfuzz import fuzz, process

from graph.models import Person
from ingest.notes.stance import CLAUSE_BREAK, stance_near, words_of
from ingest.titles import external_kind_hint, parse_title

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'(])|\n+")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_NAME = r"[A-Z][a-zA-ZÀ-ÿ'’-]+(?:\s+(?:van|von|de|del|da|di|le|la)?\s?[A-Z][a-zA-ZÀ-ÿ'’-]+){1,2}"
_NAME_TITLE_PARENS = re.compile(rf"({_NAME})\s*\(([^()]{{2,80}})\)")
_NAME_COMMA_TITLE = re.compile(
    rf"({_NAME}),\s+(?:(?:the|our|their|its)\s+)?([A-Za-zÀ-ÿ&/.' -]{{2,60}}?)"
    r"(?=\s*[,.;:!?)]|\s+(?:and|who|which|said|says|was|is|will|has|had|were|are|wants|"
    r"asked|raised|confirmed|joined|thinks|felt|feels|seemed|seems|would|wants)\b|$)"
)
_HONORIFIC = re.compile(
    r"\b(Mr|Mrs|Ms|Miss|Dr|Prof|Herr|Frau|Sr|Sra|Mme|Mlle)\.?\s+"
    r"([A-Z][a-zA-ZÀ-ÿ-]+(?:['’][A-Z][a-zA-ZÀ-ÿ-]+)?)"
)
_CAPITALISED = re.compile(rf"\b{_NAME}\b")
_WORD_TOKEN = re.compile(r"\b[A-Z][a-zA-ZÀ-ÿ'’-]+\b")
_DETERMINER = re.compile(r"\b(?:the|their|our|its|his|her|whose)\s+", re.I)
FUZZY_NAME = 88


@lru_cache(maxsize=1)
def _note_words() -> tuple[frozenset[str], frozenset[str]]:
    raw = tomllib.loads(resources.files("ingest").joinpath("data/stances.toml").read_text("utf-8"))
    return frozenset(raw["not_names"]["words"]), frozenset(raw["pronouns"]["words"])


def fold(text: str) -> str:
    """Lower case without accents, so that Lucia finds Lucía."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _strip_leading_words(name: str) -> str:
    """ "Met Maria Gomez" → "Maria Gomez": drop sentence-opening words that are not names."""
    not_names, _ = _note_words()
    parts = name.split()
    while len(parts) > 2 and parts[0].lower() in not_names:
        parts = parts[1:]
    return " ".join(parts)


@dataclass
class Mention:
    person: Person
    matched: str  # "existing" or "new"
    stance: str
    evidence: str
    how: str
    _rank: int = field(default=0, repr=False)


@dataclass(frozen=True)
class _Found:
    start: int
    end: int
    person: Person
    matched: str
    how: str


_ABBREVIATIONS = frozenset(
    {
        "dr",
        "mr",
        "mrs",
        "ms",
        "prof",
        "st",
        "sr",
        "sra",
        "jr",
        "vs",
        "inc",
        "ltd",
        "co",
        "corp",
        "mme",
        "mlle",
        "e.g",
        "i.e",
        "approx",
        "dept",
        "no",
        "vp",
        "dir",
        "mgr",
    }
)


def sentences(text: str) -> list[str]:
    """Sentences of a note; "Dr. Singh" or "Acme Inc. said" do not end one."""
    out: list[str] = []
    start = 0
    for brk in _SENTENCE.finditer(text):
        before = text[start : brk.start()].rsplit(None, 1)
        last = before[-1].rstrip(".").lower() if before else ""
        if brk.group(0).strip() == "" and last in _ABBREVIATIONS:
            continue
        out.append(text[start : brk.start()])
        start = brk.end()
    out.append(text[start:])
    return [s.strip() for s in out if s.strip()]


def new_person_id(account_id: str | None, key: str) -> str:
    """A stable id for a contact first seen in a note: the same name at the same account
    gets the same id, so that notes processed twice create nobody twice."""
    digest = hashlib.sha256(f"{account_id}|{key.lower()}".encode()).hexdigest()[:16]
    return f"note-{digest}"


def _is_title(text: str) -> bool:
    parsed = parse_title(text)
    return (
        parsed.function != "other" or parsed.seniority != "staff" or bool(external_kind_hint(text))
    )


class ContactBook:
    """The known contacts a note is matched against."""

    def __init__(self, contacts: Sequence[Person], account_id: str | None) -> None:
        self.account_id = account_id
        self.contacts = [c for c in contacts if c.name or c.email]
        self.by_email = {c.email.lower(): c for c in self.contacts if c.email}
        self.by_name = {c.name: c for c in self.contacts if c.name}
        firsts: dict[str, list[Person]] = {}
        lasts: dict[str, list[Person]] = {}
        for c in self.contacts:
            if not c.name:
                continue
            parsed = HumanName(c.name)
            if parsed.first:
                firsts.setdefault(fold(parsed.first), []).append(c)
            if parsed.last:
                lasts.setdefault(fold(parsed.last), []).append(c)
        self.by_first = {k: v[0] for k, v in firsts.items() if len(v) == 1}
        self.by_last = {k: v[0] for k, v in lasts.items() if len(v) == 1}
        roles: dict[str, list[Person]] = {}
        for c in self.contacts:
            roles.setdefault(c.role, []).append(c)
        self.by_role = {k: v[0] for k, v in roles.items() if len(v) == 1}

    def learn(self, person: Person) -> None:
        """A person first met in this note: later sentences may call them by first name."""
        if person.name and person.name not in self.by_name and " " in person.name:
            self.contacts.append(person)
            self.by_name[person.name] = person
            first = fold(HumanName(person.name).first or "")
            if first and first not in self.by_first:
                self.by_first[first] = person

    def name(self, text: str) -> Person | None:
        if text in self.by_name:
            return self.by_name[text]
        if not self.by_name:
            return None
        best = process.extractOne(text, list(self.by_name), scorer=fuzz.WRatio)
        if best and best[1] >= FUZZY_NAME and _same_shape(text, best[0]):
            return self.by_name[best[0]]
        return None

    def new(self, name: str | None, title: str | None = None, email: str | None = None) -> Person:
        parsed = parse_title(title)
        key = email or name or ""
        return Person(
            id=new_person_id(self.account_id, key),
            account_id=self.account_id,
            name=name,
            email=email.lower() if email else None,
            title=title,
            function=parsed.function,
            seniority=parsed.seniority,
            role=parsed.role,
            external_kind=external_kind_hint(title),
        )


def _same_shape(a: str, b: str) -> bool:
    """Fuzzy names must agree on the surname's first letter: Dana Weis, not Dana Wells."""
    last_a, last_b = HumanName(a).last, HumanName(b).last
    return bool(last_a and last_b and last_a[0].lower() == last_b[0].lower())


def _overlaps(found: list[_Found], start: int, end: int) -> bool:
    return any(f.start < end and start < f.end for f in found)


def _find_people(sentence: str, book: ContactBook, author: str | None) -> list[_Found]:
    found: list[_Found] = []

    def add(start: int, end: int, person: Person, matched: str, how: str) -> None:
        if author and person.name and person.name.lower() == author.lower():
            return
        if not _overlaps(found, start, end):
            found.append(_Found(start, end, person, matched, how))

    for m in _EMAIL.finditer(sentence):
        known = book.by_email.get(m.group(0).lower())
        if known:
            add(m.start(), m.end(), known, "existing", "email")
        else:
            add(m.start(), m.end(), book.new(None, email=m.group(0)), "new", "email")
    for pattern, how in ((_NAME_TITLE_PARENS, "name (title)"), (_NAME_COMMA_TITLE, "name, title")):
        for m in pattern.finditer(sentence):
            name, title = _strip_leading_words(m.group(1).strip()), m.group(2).strip()
            if not _is_title(title):
                continue
            known = book.name(name)
            person = known or book.new(name, title=title)
            add(m.start(), m.end(), person, "existing" if known else "new", how)
    for m in _HONORIFIC.finditer(sentence):
        surname = m.group(2)
        known = book.by_last.get(fold(surname))
        written = f"{m.group(1)}. {surname}"
        person = known or book.new(written)
        add(m.start(), m.end(), person, "existing" if known else "new", "honorific")
    for m in _CAPITALISED.finditer(sentence):
        known = book.name(m.group(0))
        if known:
            add(m.start(), m.end(), known, "existing", "name")
    not_names, _ = _note_words()
    for m in _WORD_TOKEN.finditer(sentence):
        token = m.group(0)
        if token.lower() in not_names:
            continue
        known = book.by_first.get(fold(token))
        if known:
            add(m.start(), m.end(), known, "existing", "first name")
    for m in _DETERMINER.finditer(sentence):
        rest = sentence[m.end() :]
        tokens = re.findall(r"[A-Za-zÀ-ÿ&.'-]+", rest)[:5]
        for n in range(len(tokens), 0, -1):
            phrase = " ".join(tokens[:n])
            parsed = parse_title(phrase)
            if parsed.function == "other":
                continue
            holder = book.by_role.get(parsed.role)
            if holder:
                add(m.start(), m.end() + len(phrase), holder, "existing", "title")
            break
    return sorted(found, key=lambda f: f.start)


def _clause_of(sentence: str, at: int) -> tuple[str, int]:
    """The clause around a character position, and the word index of the position in it."""
    start = 0
    for brk in CLAUSE_BREAK.finditer(sentence):
        if brk.start() >= at:
            return sentence[start : brk.start()], len(words_of(sentence[start:at]))
        start = brk.end()
    return sentence[start:], len(words_of(sentence[start:at]))


_STRENGTH = {"blocker": 4, "champion": 4, "skeptical": 3, "supportive": 3, "neutral": 1}


def _clauses(sentence: str) -> list[tuple[int, str]]:
    spans, start = [], 0
    for brk in CLAUSE_BREAK.finditer(sentence):
        spans.append((start, sentence[start : brk.start()]))
        start = brk.end()
    spans.append((start, sentence[start:]))
    return spans


class _Collector:
    def __init__(self) -> None:
        self.mentions: dict[str, Mention] = {}

    def offer(self, person: Person, matched: str, stance: str, evidence: str, how: str) -> None:
        rank = _STRENGTH.get(stance, 0)
        current = self.mentions.get(person.id)
        if current is None:
            self.mentions[person.id] = Mention(person, matched, stance, evidence, how, rank)
        elif rank > current._rank:
            current.stance, current.evidence, current._rank = stance, evidence, rank


def extract_mentions(
    text: str,
    book: ContactBook,
    author: str | None = None,
    attendees: Sequence[str] = (),
) -> list[Mention]:
    """People named in a note, each once, with their strongest stance and its sentence.

    A clause that opens with "he" or "she" speaks of the one person named just
    before it (in the same sentence or the previous one), as notes are written.
    """
    _, pronouns = _note_words()
    found_people = _Collector()
    previous: list[Person] = []
    previous_sentence = ""
    for sentence in sentences(text):
        found = _find_people(sentence, book, author)
        for f in found:
            if f.matched == "new":
                book.learn(f.person)
            clause, at = _clause_of(sentence, f.start)
            found_people.offer(f.person, f.matched, stance_near(clause, at), sentence, f.how)
        for start, clause in _clauses(sentence):
            words = words_of(clause)
            if not words or words[0] not in pronouns:
                continue
            if any(start <= f.start < start + len(clause) for f in found):
                continue
            before = [f.person for f in found if f.start < start]
            referents = {p.id: p for p in (before or previous)}
            if len(referents) != 1:
                continue
            person = next(iter(referents.values()))
            evidence = sentence if before else f"{previous_sentence} {sentence}"
            mention = found_people.mentions[person.id]
            found_people.offer(
                person, mention.matched, stance_near(clause, 0), evidence, mention.how
            )
        if found:
            previous = [f.person for f in found]
            previous_sentence = sentence
    for attendee in attendees:
        attendee = attendee.strip()
        if not attendee:
            continue
        if "@" in attendee:
            person = book.by_email.get(attendee.lower()) or book.new(None, email=attendee)
        else:
            person = book.name(attendee) or book.new(attendee)
        if person.id not in found_people.mentions:
            matched = "existing" if person in book.contacts else "new"
            found_people.offer(person, matched, "neutral", "", "attendee")
    return list(found_people.mentions.values())
