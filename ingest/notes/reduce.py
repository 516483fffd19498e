"""A note as a CRM holds it → the text to read and the people its mail headers name.

HubSpot and Salesforce keep e-mail and meeting notes as HTML, often a whole
thread: the newest message, then the quoted older ones under "On … wrote:" or a
"From: / Sent: / To:" block, each with its signature. The body sentences are
read for stances; a header ("From: Dana Weiss <dana@acme.com>") or a signature
("Best, Dana Weiss | CFO") only says who took part and with what title, so it
is taken out of the text and handed over as a `HeaderPerson` without a stance.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bs4 import BeautifulSoup

_HTML = re.compile(
    r"<\s*(?:p|div|br|li|ul|ol|table|tr|td|span|html|body|blockquote|b|i|a)\b", re.I
)
_BLOCKS = ("p", "div", "li", "tr", "blockquote", "h1", "h2", "h3", "h4", "ul", "ol", "table")
_QUOTE_MARK = re.compile(r"^\s*(?:>\s?)+")
_BULLET = re.compile(r"^\s*(?:[-*•·▪◦]|\d{1,2}[.)])\s+")
_EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
_HEADER = re.compile(
    r"^\s*\**(From|Von|De|Van|Sent|Gesendet|Envoyé|Enviado|Verzonden|To|An|À|Para|Aan|Cc|Bcc|"
    r"Subject|Betreff|Objet|Asunto|Onderwerp|Date|Datum|Fecha)\s*\**\s*:\s*(.*)$",
    re.I,
)
_SENDER_KEYS = {"from", "von", "de", "van"}
_RECIPIENT_KEYS = {"to", "an", "à", "para", "aan", "cc", "bcc"}
_WROTE = re.compile(
    r"^\s*(?:On|Am|Le|El|Op)\b.{0,80}?[,\s]\s*(?P<who>[^,<>]{2,60}?)\s*(?:<(?P<email>"
    + _EMAIL
    + r")>)?\s*(?:wrote|schrieb|a écrit|escribió|schreef)\s*:\s*$",
    re.I,
)
_WROTE_AFTER = re.compile(  # German and Dutch clients put the verb first
    r"^\s*(?:Am|Op)\b.{0,80}?\s(?:schrieb|schreef)\s+(?P<who>[^<>:]{2,60}?)\s*(?:<(?P<email>"
    + _EMAIL
    + r")>)?\s*:\s*$",
    re.I,
)
_FORWARDED = re.compile(
    r"^\s*-{2,}\s*(?:Original Message|Forwarded message|Ursprüngliche Nachricht|"
    r"Weitergeleitete Nachricht|Message d'origine|Mensaje original|Oorspronkelijk bericht)"
    r"\s*-{2,}\s*$",
    re.I,
)
_CLOSING = re.compile(
    r"^\s*(?:best|best regards|kind regards|regards|many thanks|thanks|thank you|cheers|br|"
    r"viele grüße|beste grüße|mit freundlichen grüßen|freundliche grüße|lg|vg|"
    r"cordialement|bien à vous|bien cordialement|saludos|un saludo|atentamente|"
    r"met vriendelijke groet|groeten|hartelijke groet)\s*[,.!]?\s*(?P<rest>.*)$",
    re.I,
)
_SIGNATURE_DASHES = re.compile(r"^\s*--\s*$")
_PERSON_AND_EMAIL = re.compile(
    r"^\s*\"?(?P<name>[^\"<>;,]{2,60}?)\"?\s*<(?P<email>" + _EMAIL + r")>\s*$"
)
_BARE_EMAIL = re.compile(r"^\s*<?(?P<email>" + _EMAIL + r")>?\s*$")
_SIGNATURE_SPLIT = re.compile(r"\s*[|•·]\s*|\s+[-–—]\s+|,\s*")


@dataclass(frozen=True)
class HeaderPerson:
    """Someone a mail header or signature names: they took part, no stance said."""

    name: str | None
    email: str | None
    title: str | None
    how: str  # "from", "to", "signature"
    line: str


@dataclass
class ReducedNote:
    text: str
    people: list[HeaderPerson] = field(default_factory=list)
    # the thread's messages, each with its sender when a header or signature names them
    messages: list[tuple[HeaderPerson | None, str]] = field(default_factory=list)


def html_to_text(raw: str) -> str:
    """HTML → plain text with a line per block and per <br>; plain text passes through."""
    if not _HTML.search(raw):
        return raw
    raw = re.sub(r"<(" + _EMAIL + r")>", r"&lt;\1&gt;", raw)  # an address is no tag
    soup = BeautifulSoup(raw, "html.parser")
    for tag in soup(["script", "style", "head"]):
        tag.decompose()
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for item in soup.find_all("li"):
        item.insert(0, "- ")
    for block in soup.find_all(_BLOCKS):
        block.insert_before("\n")
        block.insert_after("\n")
    text = soup.get_text()
    return re.sub(r"[ \t\xa0]+", " ", text)


def _addresses(value: str) -> list[tuple[str | None, str | None]]:
    found: list[tuple[str | None, str | None]] = []
    for chunk in re.split(r";|,(?![^<]*>)", value):
        chunk = chunk.strip().strip("'\"")
        if not chunk:
            continue
        m = _PERSON_AND_EMAIL.match(chunk)
        if m:
            found.append((m.group("name").strip().strip("'\""), m.group("email")))
            continue
        m = _BARE_EMAIL.match(chunk)
        if m:
            found.append((None, m.group("email")))
        elif re.fullmatch(r"[^\d@<>]{3,60}", chunk):
            found.append((chunk, None))
    return found


def _signature(lines: list[str], at: int) -> tuple[HeaderPerson | None, int]:
    """The signature after a closing line: a name, then a title on the same or next line."""
    closing = _CLOSING.match(lines[at])
    rest = closing.group("rest").strip() if closing else ""
    block = ([rest] if rest else []) + [ln.strip() for ln in lines[at + 1 : at + 5]]
    block = [b for b in block if b]
    if not block:
        return None, at + 1
    pieces = [p for p in _SIGNATURE_SPLIT.split(block[0]) if p]
    name = pieces[0] if pieces else ""
    if not re.fullmatch(r"[A-ZÀ-Þ][\w'’.-]+(?:\s+[\w'’.-]+){1,3}", name):
        return None, at + 1
    title = pieces[1] if len(pieces) > 1 else (block[1] if len(block) > 1 else None)
    if title:
        title = _SIGNATURE_SPLIT.split(title)[0].strip() or None
    email = None
    for b in block[:4]:
        m = re.search(_EMAIL, b)
        if m:
            email = m.group(0)
            break
    end = at + 1 + (0 if rest else 1)
    while end < len(lines) and end < at + 7 and _signature_line(lines[end]):
        end += 1
    return HeaderPerson(name, email, title, "signature", " ".join(block[:2])), end


def _signature_line(line: str) -> bool:
    """A line of a signature block: company, phone, address, e-mail, a short title."""
    text = line.strip()
    if not text or len(text) > 80 or text.endswith(("?", "!")):
        return False
    return "@" in text or bool(re.search(r"\d", text)) or "|" in text or len(text.split()) <= 5


def reduce_note(raw: str) -> ReducedNote:
    """Body text for the sentence reader, and the people headers and signatures name."""
    lines = [_QUOTE_MARK.sub("", ln) for ln in html_to_text(raw).splitlines()]
    body: list[str] = []
    people: list[HeaderPerson] = []
    messages: list[tuple[HeaderPerson | None, str]] = []
    sender: HeaderPerson | None = None
    current: list[str] = []

    def next_message(new_sender: HeaderPerson | None) -> None:
        nonlocal sender, current
        if any(ln.strip() for ln in current):
            messages.append((sender, "\n".join(current)))
        sender, current = new_sender, []

    i = 0
    while i < len(lines):
        line = lines[i]
        header = _HEADER.match(line)
        wrote = _WROTE.match(line) or _WROTE_AFTER.match(line)
        if header:
            key = header.group(1).lower()
            if key in _SENDER_KEYS | _RECIPIENT_KEYS:
                how = "from" if key in _SENDER_KEYS else "to"
                for name, email in _addresses(header.group(2)):
                    person = HeaderPerson(name, email, None, how, line.strip())
                    people.append(person)
                    if how == "from":
                        next_message(person)
            i += 1
            continue
        if wrote:
            who, email = wrote.group("who").strip(), wrote.group("email")
            person = HeaderPerson(who, email, None, "from", line.strip())
            people.append(person)
            next_message(person)
            i += 1
            continue
        if _FORWARDED.match(line) or _SIGNATURE_DASHES.match(line):
            if _SIGNATURE_DASHES.match(line):
                signed, i = _signature(lines, i)
                if signed:
                    people.append(signed)
                    sender = sender or signed
                continue
            i += 1
            continue
        if _CLOSING.match(line) and len(line.strip()) <= 60:
            signed, nxt = _signature(lines, i)
            if signed:
                people.append(signed)
                sender = sender or signed
                i = nxt
                continue
        body.append(_BULLET.sub("", line))
        current.append(body[-1])
        i += 1
    next_message(None)
    text = "\n".join(body)
    return ReducedNote(re.sub(r"\n{3,}", "\n\n", text).strip(), people, messages)
