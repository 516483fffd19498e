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
from typing import Any

from nameparser import HumanName
from rapidfuzz import fuzz, process

from graph.models import Person
from ingest.notes.reduce import HeaderPerson, reduce_note
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
    raw = _stances_toml()
    return frozenset(raw["not_names"]["words"]), frozenset(raw["pronouns"]["words"])


@lru_cache(maxsize=1)
def _stances_toml() -> dict[str, Any]:
    text = resources.files("ingest").joinpath("data/stances.toml").read_text("utf-8")
    return tomllib.loads(text)


@lru_cache(maxsize=1)
def _not_title_words() -> frozenset[str]:
    return frozenset(_stances_toml()["not_title"]["words"])


@lru_cache(maxsize=1)
def _not_person_words() -> frozenset[str]:
    return frozenset(_stances_toml()["not_person"]["words"])


_TITLE_END = re.compile(
    r"[,;:]|\s[-–—]\s|\s(?:with|who|since|for|at|from|based|formerly|ex|and\s+(?:has|is|was))\s",
    re.I,
)
_PARTICLES = frozenset(
    {"van", "von", "de", "del", "da", "di", "le", "la", "der", "den", "ten", "ter"}
)


def job_title(text: str | None) -> str | None:
    """The job title `text` starts with, cut at its end; None when the words do not
    read as one ("CTO, with 15 years at Comcast" → "CTO"; "but it's an important
    one" → None). "it" in lower case is the pronoun: IT is written in capitals."""
    if not text:
        return None
    cut = _TITLE_END.split(text.strip(), maxsplit=1)[0].strip(" .")
    words = cut.split()
    if not words or len(words) > 8 or re.search(r"\bit\b", cut):
        return None
    not_title = _not_title_words()
    if any(w.lower().strip(".,'’") in not_title for w in words):
        return None
    parsed = parse_title(cut)
    if parsed.function == "other" and parsed.seniority == "staff" and not external_kind_hint(cut):
        return None
    return cut


def is_person_name(name: str, book: ContactBook) -> bool:
    """Whether a capitalised phrase can be a person's name: two to four words,
    each capitalised, none a word of places, organisations, projects or products,
    none a word of the account's or the deal's own names."""
    parts = name.replace("’", "'").split()
    if not 2 <= len(parts) <= 4:
        return False
    blocked = _not_person_words()
    for part in parts:
        low = fold(part.strip(".,'"))
        if low in _PARTICLES:
            continue
        if low in blocked or low in book.other_words or not part[0].isupper() or part.isupper():
            return False
    parsed = HumanName(name)
    return bool(parsed.first and parsed.last)


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


class ContactBook:
    """The known contacts a note is matched against, and the names that are not
    people's: `other_names` holds the account's, the deal's and its product's
    names, so that "Acme Cloud Platform" never becomes a contact."""

    def __init__(
        self,
        contacts: Sequence[Person],
        account_id: str | None,
        other_names: Sequence[str | None] = (),
    ) -> None:
        self.account_id = account_id
        self.contacts = [c for c in contacts if c.name or c.email]
        self.other_words = frozenset(
            fold(w) for n in other_names if n for w in re.findall(r"[^\W\d_]{3,}", n)
        )
        self.domains = frozenset(
            c.email.rsplit("@", 1)[1].lower() for c in self.contacts if c.email and "@" in c.email
        )
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
        domain = m.group(0).rsplit("@", 1)[-1].lower()
        if known:
            add(m.start(), m.end(), known, "existing", "email")
        elif book.domains and domain not in book.domains:
            continue  # an address at another company: the seller's side, a partner
        else:
            add(m.start(), m.end(), book.new(None, email=m.group(0)), "new", "email")
    for pattern, how in ((_NAME_TITLE_PARENS, "name (title)"), (_NAME_COMMA_TITLE, "name, title")):
        for m in pattern.finditer(sentence):
            name, title = _strip_leading_words(m.group(1).strip()), job_title(m.group(2))
            if title is None:
                continue
            known = book.name(name)
            if not known and not is_person_name(name, book):
                continue
            person = known or book.new(name, title=title)
            add(m.start(), m.end(), person, "existing" if known else "new", how)
    for m in _HONORIFIC.finditer(sentence):
        surname = m.group(2)
        if fold(surname) in book.other_words or fold(surname) in _not_person_words():
            continue
        if author and fold(surname) == fold(HumanName(author).last or ""):
            continue  # "Herr Seller" is the note's own author
        known = book.by_last.get(fold(surname))
        written = f"{m.group(1)}. {surname}"
        person = known or book.new(written)
        add(m.start(), m.end(), person, "existing" if known else "new", "honorific")
    for m in _CAPITALISED.finditer(sentence):
        known = book.name(m.group(0))
        if known:
            add(m.start(), m.end(), known, "existing", "name")
    not_names, _ = _note_words()
    author_first = fold(HumanName(author).first or "") if author else ""
    for m in _WORD_TOKEN.finditer(sentence):
        token = m.group(0)
        if token.lower() in not_names or fold(token) == author_first:
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


_FIRST_PERSON = frozenset({"i", "i'm", "i've", "i'll", "ich", "je", "j'ai", "yo", "ik"})


def _header_people(
    people: list[HeaderPerson], book: ContactBook, author: str | None
) -> list[tuple[Person, str, str, HeaderPerson]]:
    """The people a thread's headers and signatures name, matched to the contacts.

    A stranger becomes a new contact only when their address is at one of the
    account's own domains, or when a signature gives a person's name and a job
    title and no header puts that name at another company: the seller's side,
    partners and mailing lists are nobody at the account."""
    elsewhere = {
        fold(p.name)
        for p in people
        if p.name and p.email and p.email.rsplit("@", 1)[-1].lower() not in book.domains
    }
    out: list[tuple[Person, str, str, HeaderPerson]] = []
    for p in people:
        if author and p.name and fold(p.name) == fold(author):
            continue
        known = book.by_email.get(p.email.lower()) if p.email else None
        known = known or (book.name(p.name) if p.name else None)
        if known:
            out.append((known, "existing", p.line, p))
            continue
        at_account = p.email is not None and p.email.rsplit("@", 1)[-1].lower() in book.domains
        if p.name and fold(p.name) in elsewhere:
            continue
        title = job_title(p.title)
        if p.name and is_person_name(p.name, book) and (at_account or title):
            person = book.new(p.name, title=title, email=p.email)
        elif at_account and not p.name:
            person = book.new(None, email=p.email)
        else:
            continue
        book.learn(person)
        out.append((person, "new", p.line, p))
    return out


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
    reduced = reduce_note(text)
    found_people = _Collector()
    previous: list[Person] = []
    previous_sentence = ""
    for sentence in sentences(reduced.text):
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
    resolved = _header_people(reduced.people, book, author)
    for person, matched, line, _ in resolved:
        if person.id not in found_people.mentions:
            found_people.offer(person, matched, "neutral", line, "mail header")
    senders = {id(header): (person, matched) for person, matched, _, header in resolved}
    for sender, message in reduced.messages:
        if sender is None or id(sender) not in senders:
            continue
        person, matched = senders[id(sender)]
        for sentence in sentences(message):
            for _, clause in _clauses(sentence):
                words = words_of(clause)
                if any(w in _FIRST_PERSON for w in words):
                    at = next(i for i, w in enumerate(words) if w in _FIRST_PERSON)
                    found_people.offer(person, matched, stance_near(clause, at), sentence, "sender")
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
