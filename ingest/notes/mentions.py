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
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from nameparser import HumanName
from rapidfuzz import fuzz, process

from graph.models import Person
from ingest.notes.affiliation import (
    affiliated_after,
    is_place,
    organisation,
    possessor_elsewhere,
)
from ingest.notes.attribution import Anchor, stances_in
from ingest.notes.reduce import HeaderPerson, reduce_note
from ingest.notes.stance import WEAK, plain
from ingest.titles import external_kind_hint, parse_title

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-ZÀ-Þ\"'(])|\n+")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_NAME = (  # "Élodie Martin", "Joost van Dijk", "Ana de la Cruz", "Jan van der Berg"
    r"[A-ZÀ-Þ][a-zA-ZÀ-ÿ'’-]+(?:\s+(?:(?:van|von|de|del|da|di|le|la|du|dos|das)"
    r"(?:\s+(?:der|den|la|las|los|de|le))?\s+)?[A-ZÀ-Þ][a-zA-ZÀ-ÿ'’-]+){1,2}"
)
_NAME_TITLE_PARENS = re.compile(rf"({_NAME})\s*\(([^()]{{2,80}})\)")
_NAME_COMMA_TITLE = re.compile(
    rf"({_NAME}),\s+((?:(?:the|our|your|their|its)\s+)?[A-Za-zÀ-ÿ&/.' -]{{2,60}}?)"
    r"(?=\s*[,.;:!?)]|\s+(?:and|who|which|said|says|was|is|will|has|had|were|are|wants|"
    r"asked|raised|confirmed|joined|thinks|felt|feels|seemed|seems|would|wants)\b|$)"
)
_HONORIFIC = re.compile(
    r"\b((?:(?:Mr|Mrs|Ms|Miss|Dr|Prof|Herr|Frau|Sr|Sra|Mme|Mlle|Mevr|Dhr)\.?\s+)+)"
    r"(?:([A-ZÀ-Þ][a-zA-ZÀ-ÿ-]+)\s+(?=[A-ZÀ-Þ]))?"
    r"([A-ZÀ-Þ][a-zA-ZÀ-ÿ-]+(?:['’][A-ZÀ-Þ][a-zA-ZÀ-ÿ-]+)?)"
)
_DOTTED = frozenset({"Mr", "Mrs", "Ms", "Dr", "Prof", "Sr", "Sra"})
# "their new controller, Laura Kim," — a title before the name, as an apposition
_TITLE_COMMA_NAME = re.compile(
    r"\b((?i:the|our|your|their|his|her|its))\s+(?:new\s+)?([A-Za-zÀ-ÿ&/' -]{2,50}?),\s+"
    rf"({_NAME})(?=\s*[,.;:)]|$)"
)
_CAPITALISED = re.compile(rf"\b{_NAME}\b")
_NAME_BEFORE_ADDRESS = re.compile(rf"({_NAME})\s*[<(\[]\s*(?:mailto:)?$")
_WORD_TOKEN = re.compile(r"\b[A-ZÀ-Þ][a-zA-ZÀ-ÿ'’-]+\b")
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
def _title_nouns() -> frozenset[str]:
    return frozenset(fold(w) for w in _stances_toml()["not_title"]["nouns"])


@lru_cache(maxsize=1)
def _not_person_words() -> frozenset[str]:
    return frozenset(fold(w) for w in _stances_toml()["not_person"]["words"])


_TITLE_END = re.compile(
    r"[,;:]|\s[-–—]\s|\s(?:with|who|since|for|at|from|in|based|formerly|ex|and\s+(?:has|is|was))\s",
    re.I,
)
_PARTICLES = frozenset(
    {"van", "von", "de", "del", "da", "di", "le", "la", "der", "den", "ten", "ter"}
)


def job_title(text: str | None, apposition: bool = False) -> str | None:
    """The job title `text` starts with, cut at its end; None when the words do not
    read as one ("CTO, with 15 years at Comcast" → "CTO"; "but it's an important
    one" → None). "it" in lower case is the pronoun: IT is written in capitals.

    An `apposition` ("Sage Intacct, their old system,") must name a job — a level, an
    office or a job's noun — not only a field of work: a department in brackets after
    a name ("Julia Braun (Informationssicherheit)") is where someone works, but "old
    system" after a comma is what something is."""
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
    nouns = _title_nouns()
    kind = external_kind_hint(cut)
    unread = parsed.function == "other" and parsed.seniority == "staff"
    if unread and not kind and fold(words[-1].strip(".,'’")) not in nouns:
        return None  # "Supplier Quality Lead", "SAP basis admin" end in a job's noun
    job = any(fold(w.strip(".,'’")) in nouns for w in words)
    if apposition and parsed.seniority == "staff" and not kind and not job:
        return None
    return cut


def is_person_name(name: str, book: ContactBook) -> bool:
    """Whether a capitalised phrase can be a person's name: two to four words,
    each capitalised, none a word of places, organisations, projects or products,
    none a word of the account's or the deal's own names, and not someone the note's
    mail headers put at another company."""
    parts = name.replace("’", "'").split()
    if not 2 <= len(parts) <= 4 or fold(name) in book.outside:
        return False
    blocked = _not_person_words()
    for part in parts:
        low = fold(part.strip(".,'"))
        if low in _PARTICLES:
            continue
        if low in blocked or low in book.other_words or not part[0].isupper() or part.isupper():
            return False
    if fold(name) in _firm_names() or is_place(name):
        return False  # "Goldman Sachs", "Palo Alto", "Santa Clara"
    parsed = HumanName(name)
    return bool(parsed.first and parsed.last)


@lru_cache(maxsize=1)
def _firm_names() -> frozenset[str]:
    return frozenset(fold(n) for n in _stances_toml()["not_person"]["names"])


_TRANSLITERATED = (("ß", "ss"), ("ae", "a"), ("oe", "o"), ("ue", "u"))


def fold(text: str) -> str:
    """A key for comparing names: lower case without accents, so that Lucia finds Lucía,
    and German transliteration undone on both sides, so that Krueger finds Krüger."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    for written, key in _TRANSLITERATED:
        plain = plain.replace(written, key)
    return plain


def _strip_leading_words(name: str) -> str:
    """ "Met Maria Gomez" → "Maria Gomez": drop sentence-opening words that are not names."""
    not_names, _ = _note_words()
    parts = name.split()
    while len(parts) > 2 and parts[0].lower() in not_names:
        parts = parts[1:]
    return " ".join(parts)


def _reads_as_title(word: str) -> bool:
    parsed = parse_title(word)
    return parsed.function != "other" or parsed.seniority != "staff"


@dataclass
class Mention:
    person: Person
    matched: str  # "existing" or "new"
    stance: str
    evidence: str
    how: str


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
        self.learned: set[str] = set()
        self.outside: set[str] = set()  # names a header gives an address elsewhere

    def learn(self, person: Person) -> None:
        """A person first met in this note: later sentences may call them by first name,
        or by surname after an honorific ("Petra Vogel" … "Dr. Vogel")."""
        self.learned.add(person.id)
        if person.email:
            self.by_email.setdefault(person.email.lower(), person)
        if person.name and person.name not in self.by_name and " " in person.name:
            self.contacts.append(person)
            self.by_name[person.name] = person
            parsed = HumanName(person.name)
            first, last = fold(parsed.first or ""), fold(parsed.last or "")
            if first and first not in self.by_first:
                self.by_first[first] = person
            if last and last not in self.by_last:
                self.by_last[last] = person

    def matched(self, person: Person) -> str:
        """ "new" for a person this note made, "existing" for a known contact."""
        return "new" if person.id in self.learned else "existing"

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


_LEADING_DETERMINER = re.compile(r"^\s*(?:the|our|your|their|its)\s+(?:new\s+)?", re.I)
_SELLER_SIDE = re.compile(r"\s*,?\s*(?:from|on|of)\s+our\s+(?:side|team|end|company)\b", re.I)


def _sellers(determined: str, customer_speaks: bool) -> bool:
    """Whether "our …" / "your …" before a title puts the person on the seller's side:
    "our" in the seller's own text, "your" in a message the customer wrote."""
    first = determined.strip().split(" ", 1)[0].lower() if determined.strip() else ""
    return (first == "our" and not customer_speaks) or (first == "your" and customer_speaks)


def _overlaps(found: list[_Found], start: int, end: int) -> bool:
    return any(f.start < end and start < f.end for f in found)


def _find_people(
    sentence: str, book: ContactBook, author: str | None, customer_speaks: bool = False
) -> list[_Found]:
    """The people a sentence names. `customer_speaks` is true in a message a contact of
    the account wrote: there "our head of logistics" is theirs, while in the seller's
    own text "our solutions engineer, Mark Ruiz" is the seller's side and nobody."""
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
        elif _mailbox(m.group(0)):
            continue
        else:  # an address alone names nobody: only "Jane Doe <jane.doe@acme.com>" does
            named = _NAME_BEFORE_ADDRESS.search(sentence[: m.start()])
            if named and is_person_name(named.group(1), book) and not book.name(named.group(1)):
                person = book.new(named.group(1), email=m.group(0))
                add(named.start(1), m.end(), person, "new", "email")
    for pattern, how in ((_NAME_TITLE_PARENS, "name (title)"), (_NAME_COMMA_TITLE, "name, title")):
        for m in pattern.finditer(sentence):
            name = _strip_leading_words(m.group(1).strip())
            written = _LEADING_DETERMINER.sub("", m.group(2))
            other_possessor, written = possessor_elsewhere(written, book.other_words)
            title = job_title(written, apposition=how == "name, title")
            if title is None:
                continue
            known = book.name(name)
            after = sentence[m.end() : m.end() + 30]
            ours = _SELLER_SIDE.match(after) is not None and not customer_speaks
            seller = _sellers(m.group(2), customer_speaks) or ours
            rest = written.split(title, 1)[-1]
            elsewhere = (  # "(Senior Manager, Deloitte)"; a consultant stays, as external
                (
                    (bool(_COMPANY.search(rest)) and not _names_account(rest, book))
                    or other_possessor
                    or affiliated_after(rest, book.other_words)
                    or affiliated_after(
                        sentence[m.end() :], book.other_words, comma=how == "name, title"
                    )
                )
                and not external_kind_hint(title)
            )
            if not known and (not is_person_name(name, book) or seller or elsewhere):
                continue
            person = known or book.new(name, title=title)
            add(m.start(), m.end(), person, book.matched(known) if known else "new", how)
    for m in _TITLE_COMMA_NAME.finditer(sentence):
        name, title = m.group(3), job_title(m.group(2), apposition=True)
        known = book.name(name)
        if known:
            add(m.start(3), m.end(3), known, book.matched(known), "title, name")
            continue
        if title is None or _sellers(m.group(1), customer_speaks) or not is_person_name(name, book):
            continue
        add(m.start(3), m.end(3), book.new(name, title=title), "new", "title, name")
    for m in _HONORIFIC.finditer(sentence):
        honorifics, first, surname = m.group(1).split(), m.group(2), m.group(3)
        full = f"{first} {surname}" if first else None
        if fold(surname) in book.other_words:
            continue
        if not full and (fold(surname) in _not_person_words() or _reads_as_title(surname)):
            continue  # "Sr. Director" is a title, "Dr. Oetker Park" no one
        if author and fold(surname) == fold(HumanName(author).last or ""):
            continue  # "Herr Seller" is the note's own author
        known = (book.name(full) if full else None) or book.by_last.get(fold(surname))
        if known:
            add(m.start(), m.end(), known, book.matched(known), "honorific")
            continue
        if full and (any(fold(w) in book.other_words for w in (first, surname))):
            continue
        honorific = honorifics[-1].rstrip(".")
        written = full or f"{honorific}{'.' if honorific in _DOTTED else ''} {surname}"
        if fold(written) in book.outside or affiliated_after(
            sentence[m.end() :], book.other_words, comma=False
        ):
            continue  # "Mr. Smith from Deloitte"
        add(m.start(), m.end(), book.new(written), "new", "honorific")
    for m in _CAPITALISED.finditer(sentence):
        known = book.name(m.group(0))
        if known:
            add(m.start(), m.end(), known, book.matched(known), "name")
    not_names, _ = _note_words()
    author_first = fold(HumanName(author).first or "") if author else ""
    for m in _WORD_TOKEN.finditer(sentence):
        token = m.group(0)
        if token.lower() in not_names or fold(token) == author_first:
            continue
        known = book.by_first.get(fold(token))
        if known:
            add(m.start(), m.end(), known, book.matched(known), "first name")
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


_NAME_AFFILIATION = re.compile(rf"({_NAME})\s*\(([^()]{{2,80}})\)")
_NAME_LINKED = re.compile(rf"({_NAME})(?=\s+\S+\s)")


def _named_elsewhere(text: str, book: ContactBook) -> set[str]:
    """Names the note ties to another organisation wherever it names them: "Ben Carter
    (Deloitte)" in an attendee line, "Jordan Lee from Coupa", "(Vendor, Solutions
    Engineer)". A later "Ben Carter, Engagement Lead," makes nobody new."""
    out: set[str] = set()
    for m in _NAME_AFFILIATION.finditer(text):
        first = m.group(2).split(",", 1)[0]
        if (
            job_title(first) is None
            and not _reads_as_title(first)
            and organisation(first, book.other_words)
        ):
            out.add(fold(_strip_leading_words(m.group(1))))
    for m in _NAME_LINKED.finditer(text):
        if affiliated_after(text[m.end() :], book.other_words, comma=False):
            out.add(fold(_strip_leading_words(m.group(1))))
    return {n for n in out if not book.name(n)}


_FIRST_PERSON = re.compile(
    r"(?<![\w'’])(?:I|I'm|I’m|I've|I’ve|I'll|I’ll|I'd|I’d|[Ii]ch|[Jj]e|[Jj]'ai|[Jj]’ai|[Yy]o|[Ii]k)"
    r"(?![\w'’])"
)
_PRONOUN = re.compile(r"\b(?:[Hh]e|[Ss]he)(?:['’]s)?\b")
_QUOTED = re.compile(r"[\"“„«]([^\"“”„«»]{3,400})[\"”“»]")


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
    if book.domains:
        book.outside |= elsewhere  # "Markus Hahn <markus@it-partner.com>" in Cc: not theirs
    author_first = fold(HumanName(author).first or "") if author else ""
    out: list[tuple[Person, str, str, HeaderPerson]] = []
    for p in people:
        if author and p.name and fold(p.name) in (fold(author), author_first):
            continue
        if p.name and " " not in p.name.strip():
            known = book.by_first.get(fold(p.name))  # "Thanks, Mei": a known contact or nobody
            if known:
                out.append((known, book.matched(known), p.line, p))
            continue
        known = book.by_email.get(p.email.lower()) if p.email else None
        known = known or (book.name(p.name) if p.name else None)
        if known:
            out.append((known, book.matched(known), p.line, p))
            continue
        at_account = p.email is not None and p.email.rsplit("@", 1)[-1].lower() in book.domains
        if p.name and fold(p.name) in elsewhere:
            continue
        if _mailbox(p.email):
            continue  # "Accounts Payable <ap@acme.com>": a shared mailbox
        if p.org and (
            (_COMPANY.search(p.org) and not _names_account(p.org, book))
            or organisation(p.org, book.other_words)
        ):
            continue  # "Solutions Engineer | Vendor Inc.", "Senior Manager | Deloitte"
        title = job_title(p.title)
        signed_here = p.how == "signature" and any(  # "Monika Keller / Initech GmbH"
            _names_account(x, book) for x in (p.title, p.org) if x
        )
        if p.name and is_person_name(p.name, book) and (at_account or title or signed_here):
            person = book.new(p.name, title=title, email=p.email)
        else:  # an address without a name ("Cc: treasury.ops@acme.com") is nobody new
            continue
        book.learn(person)
        out.append((person, "new", p.line, p))
    return out


_COMPANY = re.compile(
    r"\b(?:Inc|Ltd|LLC|LLP|LP|GmbH|AG|KGaA|SA|SAS|SpA|SRL|S\.A|S\.L|SL|BV|B\.V|NV|N\.V|plc|PLC"
    r"|Pty|Corp|Co|KG|SE)\b"
)


def _names_account(text: str, book: ContactBook) -> bool:
    return any(fold(w) in book.other_words for w in re.findall(r"[^\W\d_]{3,}", text))


def _mailbox(email: str | None) -> bool:
    """A shared address (procurement@, info@, ap@) is a mailbox, nobody in particular."""
    if not email:
        return False
    local = email.split("@", 1)[0].lower()
    return local in _mailbox_names() or not re.search(r"[a-z]", local)


@lru_cache(maxsize=1)
def _mailbox_names() -> frozenset[str]:
    return frozenset(_stances_toml()["mailboxes"]["names"])


class _Collector:
    """A person's mentions in a note fold into one: the latest stance that says
    something wins, as a note tells what happened in order and a thread's newest
    message is read last. A weak cue — one that says "neutral" outright
    ("undecided") or a negated champion cue ("not enthusiastic") — only replaces
    having no stance yet."""

    def __init__(self) -> None:
        self.mentions: dict[str, Mention] = {}
        self._said: dict[str, str | None] = {}

    def offer(
        self, person: Person, matched: str, stance: str | None, evidence: str, how: str
    ) -> None:
        current = self.mentions.get(person.id)
        if current is None:
            said = plain(stance) if stance else None
            self.mentions[person.id] = Mention(person, matched, said or "neutral", evidence, how)
            self._said[person.id] = said
            return
        said = self._said[person.id]
        if stance is None:
            if said is None and current.how == "mail header" and how != "mail header":
                current.evidence, current.how = evidence, how  # the body says more than a header
            return
        weak = stance == "neutral" or stance.startswith(WEAK)
        if weak and said not in (None, "neutral"):
            return
        current.stance, current.evidence, current.how = plain(stance), evidence, how
        self._said[person.id] = plain(stance)


def _anchors(
    sentence: str,
    found: list[_Found],
    speaker: Person | None,
    previous: list[Person],
) -> list[Anchor]:
    """The sentence's anchors: the people it names, "he"/"she" when they can only mean
    one person (named before in the sentence, else in the previous one), and "I" —
    the message's sender, or inside quotation marks the person named just before the
    quote."""
    anchors = [Anchor(f.start, f.end, f.person) for f in found]
    taken = [(f.start, f.end) for f in found]
    speaking: set[int] = set()  # anchors of "I": he or she is never the one speaking
    quotes = [(q.start(), q.end()) for q in _QUOTED.finditer(sentence)]

    def free(start: int, end: int) -> bool:
        return not any(a < end and start < b for a, b in taken)

    for m in sorted(
        list(_PRONOUN.finditer(sentence)) + list(_FIRST_PERSON.finditer(sentence)),
        key=lambda m: m.start(),
    ):
        if not free(m.start(), m.end()):
            continue
        if _PRONOUN.fullmatch(m.group(0)):
            before = {
                a.person.id: a.person
                for a in anchors
                if a.start < m.start() and a.person and id(a) not in speaking
            }
            if not before:
                before = {p.id: p for p in previous}
            person = next(iter(before.values())) if len(before) == 1 else None
        else:
            quote = next((q for q in quotes if q[0] < m.start() < q[1]), None)
            if quote is None:
                if speaker is None:
                    continue  # the note's author speaking: nobody of the account
                person = speaker
            else:
                named = [a for a in anchors if a.start < quote[0] and a.person]
                person = max(named, key=lambda a: a.start).person if named else None
        anchor = Anchor(m.start(), m.end(), person)
        if not _PRONOUN.fullmatch(m.group(0)):
            speaking.add(id(anchor))
        anchors.append(anchor)
        taken.append((m.start(), m.end()))
    anchors.sort(key=lambda a: a.start)
    return anchors


def extract_mentions(
    text: str,
    book: ContactBook,
    author: str | None = None,
    attendees: Sequence[str] = (),
) -> list[Mention]:
    """People named in a note, each once, with their latest stance and its sentence.

    The headers and signatures of a thread are read first, so that the body knows the
    people they name; then each message, oldest first, sentence by sentence. The
    sender's own "I" is an anchor for the sender: signatures themselves give no stance.
    """
    reduced = reduce_note(text)
    collector = _Collector()
    at_account = {
        fold(p.name)
        for p in reduced.people
        if p.name and p.email and p.email.rsplit("@", 1)[-1].lower() in book.domains
    }
    for _, message in reduced.messages:
        book.outside |= _named_elsewhere(message, book) - at_account
    resolved = _header_people(reduced.people, book, author)
    for person, matched, line, _ in resolved:
        collector.offer(person, matched, None, line, "mail header")
    senders = {id(header): person for person, _, _, header in resolved}
    for sender, message in reversed(reduced.messages):
        speaker = senders.get(id(sender)) if sender is not None else None
        previous: list[Person] = []
        previous_sentence = ""
        for sentence in sentences(message):
            found = _find_people(sentence, book, author, customer_speaks=speaker is not None)
            for f in found:
                if f.matched == "new":
                    book.learn(f.person)
                collector.offer(f.person, f.matched, None, sentence, f.how)
            anchors = _anchors(sentence, found, speaker, previous)
            if speaker is not None and not anchors:
                anchors = [Anchor(0, 0, speaker)]  # "Signed." "The order is approved."
            named = {f.person.id: f.how for f in found}
            for anchor, stance in stances_in(sentence, anchors):
                who = anchor.person
                assert who is not None
                evidence = sentence
                if who.id not in named and who in previous:
                    evidence = f"{previous_sentence} {sentence}"
                how = named.get(who.id, "sender" if who is speaker else "pronoun")
                collector.offer(who, book.matched(who), stance, evidence, how)
            here = [a.person for a in anchors if a.person and a.person is not speaker]
            if here:
                previous, previous_sentence = here, sentence
    for attendee in attendees:
        attendee = attendee.strip()
        if not attendee:
            continue
        if "@" in attendee:
            person = book.by_email.get(attendee.lower()) or book.new(None, email=attendee)
        else:
            person = book.name(attendee) or book.new(attendee)
        if person.id not in collector.mentions:
            known = person in book.contacts and person.id not in book.learned
            collector.offer(person, "existing" if known else "new", None, "", "attendee")
    return list(collector.mentions.values())
