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

from ingest.titles import parse_title

_HTML = re.compile(r"<\s*(?:p|div|br|li|ul|ol|table|tr|td|span|html|body|blockquote|b|i|a)\b", re.I)
_BLOCKS = ("p", "div", "li", "tr", "blockquote", "h1", "h2", "h3", "h4", "ul", "ol", "table")
_QUOTE_MARK = re.compile(r"^\s*(?:>\s?)+")
_BULLET = re.compile(r"^\s*(?:[-*•·▪◦]|\d{1,2}[.)])\s+")
_EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
_HEADER = re.compile(
    r"^\s*\**(From|Von|De|Van|Da|Sent|Gesendet|Envoyé|Enviado|Verzonden|Inviato|To|An|À|Para|Aan|"
    r"A|Cc|Bcc|Subject|Betreff|Objet|Asunto|Onderwerp|Oggetto|Date|Datum|Fecha|Data)\s*\**\s*:\s*(.*)$",
    re.I,
)
_SENDER_KEYS = {"from", "von", "de", "van", "da"}
_RECIPIENT_KEYS = {"to", "an", "à", "para", "aan", "a", "cc", "bcc"}
_WROTE = re.compile(
    r"^\s*(?:On|Am|Le|El|Op|Il)\b.{0,80}?[,\s]\s*(?P<who>[^,<>]{2,60}?)\s*(?:<(?P<email>"
    + _EMAIL
    + r")>)?\s*(?:wrote|schrieb|a écrit|escribió|schreef|ha scritto)\s*:\s*$",
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
    r"Weitergeleitete Nachricht|Message d'origine|Mensaje original|Oorspronkelijk bericht|"
    r"Messaggio originale|Messaggio inoltrato)"
    r"\s*-{2,}\s*$",
    re.I,
)
_CLOSINGS = (
    "best regards|kind regards|warm regards|best wishes|many thanks|thank you|thanks|regards|"
    "best|cheers|br|viele grüße|beste grüße|mit freundlichen grüßen|freundliche grüße|"
    "schöne grüße|liebe grüße|gruß|lg|vg|bien cordialement|cordialement|bien à vous|"
    "un saludo|saludos|atentamente|met vriendelijke groet|hartelijke groet|groeten|groet|"
    "cordiali saluti|distinti saluti|un saluto|saluti"
)
_CLOSING = re.compile(
    rf"^\s*(?:{_CLOSINGS})(?![\w])\s*[,.!]?\s*(?P<rest>.*)$",
    re.I,
)
_SIGNATURE_DASHES = re.compile(r"^\s*--\s*$")
_PERSON_AND_EMAIL = re.compile(
    r"^\s*\"?(?P<name>[^\"<>;]{2,60}?)\"?\s*<(?P<email>" + _EMAIL + r")>\s*$"
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
    org: str | None = None  # the company a signature names, when it names one


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


def _display_name(name: str) -> str:
    """A header's display name as a person's name: quotes, "(Acme Corp)" and
    "[EXTERNAL]" tags dropped, "Weiss, Dana" and "WEISS Dana" turned to "Dana Weiss"."""
    name = re.sub(r"\s*[\(\[][^\)\]]*[\)\]]\s*", " ", name).strip().strip("'\"").strip()
    if "," in name:
        last, _, first = name.partition(",")
        if first.strip() and " " not in first.strip() and " " not in last.strip():
            name = f"{first.strip()} {last.strip()}"
    words = name.split()
    if len(words) == 2 and words[0].isupper() and len(words[0]) > 1 and not words[1].isupper():
        words = [words[1], words[0]]  # "DUBOIS Claire", as French directories write it
    return " ".join(w.capitalize() if w.isupper() and len(w) > 2 else w for w in words)


def _addresses(value: str) -> list[tuple[str | None, str | None]]:
    found: list[tuple[str | None, str | None]] = []
    chunks = [c.strip() for c in re.split(r';|,(?![^<]*>)(?=(?:[^"]*"[^"]*")*[^"]*$)', value)]
    k = 0
    while k < len(chunks):
        chunk = chunks[k].strip("'").strip()
        k += 1
        if not chunk:
            continue
        nxt = chunks[k] if k < len(chunks) else ""
        lone = re.fullmatch(r"[^\W\d_][\w'’-]+", chunk)
        following = _PERSON_AND_EMAIL.match(nxt)
        if lone and following and " " not in following.group("name").strip().strip("'\""):
            chunk, k = f'"{chunk}, {following.group("name")}" <{following.group("email")}>', k + 1
        m = _PERSON_AND_EMAIL.match(chunk)
        if m:
            found.append((_display_name(m.group("name")), m.group("email")))
            continue
        m = _BARE_EMAIL.match(chunk)
        if m:
            found.append((None, m.group("email")))
        elif re.fullmatch(r"[^\d@<>]{3,60}", chunk):
            found.append((_display_name(chunk), None))
    return found


_SIGNED_NAME = re.compile(
    r"(?:(?:Dr|Prof|Mr|Mrs|Ms)\.?\s+)?"
    r"([A-ZÀ-Þ][\w'’-]+(?:\s+(?:(?:van|von|de|der|den|del|da|di|le|la|ten|ter)\s+)?"
    r"[A-ZÀ-Þ][\w'’.-]+){1,3})"
)
_FIRST_NAME = re.compile(r"[A-ZÀ-Þ][\w'’-]+")
_COMPANY = re.compile(
    r"\b(?:Inc|Ltd|LLC|LLP|LP|GmbH|AG|KGaA|SA|SAS|SpA|SRL|S\.A|S\.L|SL|BV|B\.V|NV|N\.V|plc|PLC"
    r"|Pty|Corp|Co|KG|SE|Oy|AB)\b\.?"
)
_PHONE_OR_ADDRESS = re.compile(r"\d")


def _pieces(line: str) -> list[str]:
    return [p.strip() for p in _SIGNATURE_SPLIT.split(line) if p and p.strip()]


def _signed(block: list[str], line: str) -> HeaderPerson | None:
    """A signature block (its lines, the name first) as the person it names."""
    pieces = _pieces(block[0])
    if not pieces:
        return None
    if _FIRST_NAME.fullmatch(pieces[0]) and len(block) > 1:
        following = _pieces(block[1])
        if following and following[0].startswith(pieces[0] + " "):
            block, pieces = block[1:], following  # "Thanks, Mei" then "Mei Tanaka | Nurse Manager"
    named = _SIGNED_NAME.fullmatch(pieces[0])
    if named:
        name = named.group(1)
    elif _FIRST_NAME.fullmatch(pieces[0]) and len(block) == 1:
        name = pieces[0]  # a first name alone: only ever a known contact's
    else:
        return None
    rest = pieces[1:] + [p for b in block[1:4] for p in _pieces(b)]
    title = next((p for p in rest if "@" not in p and not _PHONE_OR_ADDRESS.search(p)), None)
    org = next(
        (p for p in rest if p != title and "@" not in p and not _PHONE_OR_ADDRESS.search(p)),
        None,
    )
    email = next((m.group(0) for b in block[:4] if (m := re.search(_EMAIL, b))), None)
    return HeaderPerson(name, email, title, "signature", line, org)


def _signature_line(line: str) -> bool:
    """A line of a signature block: company, phone, address, e-mail, a short title."""
    text = line.strip()
    if not text or len(text) > 80 or text.endswith(("?", "!", ":")):
        return False
    return "@" in text or bool(re.search(r"\d", text)) or "|" in text or len(text.split()) <= 5


def _reads_as_title_line(line: str) -> bool:
    """The line under a name in a signature: a title, a company, an address or a phone."""
    first = _pieces(line)[0] if _pieces(line) else ""
    if "@" in line or "|" in line or _COMPANY.search(line) or _PHONE_OR_ADDRESS.search(line):
        return True
    parsed = parse_title(first)
    return parsed.function != "other" or parsed.seniority != "staff"


def _trailing_signature(lines: list[str]) -> tuple[HeaderPerson | None, int]:
    """A signature without a closing word at the end of a message: a line that is a
    name alone, then a title or company line, and nothing but signature lines after.
    Returns the person and the index where the signature starts."""
    filled = [i for i, ln in enumerate(lines) if ln.strip()]
    for k, j in enumerate(filled[-5:-1], start=max(0, len(filled) - 5)):
        tail = [lines[i].strip() for i in filled[k:]]
        if k == 0 or not _SIGNED_NAME.fullmatch(tail[0]):
            continue
        if not _reads_as_title_line(tail[1]) or not all(_signature_line(t) for t in tail[1:]):
            continue
        return _signed(tail, " ".join(tail[:2])), j
    return None, len(lines)


def _closing_signature(lines: list[str], at: int, stop: int) -> tuple[HeaderPerson | None, int]:
    """The signature after a closing line ("Best regards,"): a name, then a title on the
    same or the next line. Returns the person and the index after the signature."""
    closing = _CLOSING.match(lines[at])
    rest = closing.group("rest").strip() if closing else ""
    used = [(at, rest)] if rest else []
    i = at + 1
    while i < stop and len(used) < 5:
        text = lines[i].strip()
        if text:
            fits = _signature_line(text) or (len(used) == 1 and _reads_as_title_line(text))
            if used and not fits:
                break
            used.append((i, text))
        elif len(used) >= 2:
            break
        i += 1
    if not used:
        return None, at + 1
    signed = _signed([t for _, t in used], " ".join(t for _, t in used[:2]))
    if signed is None:
        return None, at + 1
    return signed, used[-1][0] + 1


def _wrote_name(who: str) -> str:
    """ "Wed, Mar 5, 2025 at 9:14 AM Dana Weiss" → "Dana Weiss": a name has no digits."""
    tokens = who.replace(",", " ").split()
    last_digit = max((i for i, t in enumerate(tokens) if re.search(r"\d", t)), default=-1)
    tokens = tokens[last_digit + 1 :]
    if tokens and tokens[0].lower().strip(".") in {"am", "pm", "a.m", "p.m", "uhr", "h"}:
        tokens = tokens[1:]
    return " ".join(tokens).strip(" ()")


def _boundary(lines: list[str], depths: list[int], at: int) -> int:
    """The first line after `at` that starts another message: a header, an "… wrote:"
    line, a forwarded marker, or a change of quote depth."""
    for i in range(at + 1, len(lines)):
        line = lines[i]
        if line.strip() and depths[i] != depths[at]:
            return i
        if _HEADER.match(line) or _WROTE.match(line) or _WROTE_AFTER.match(line):
            return i
        if _FORWARDED.match(line):
            return i
    return len(lines)


def reduce_note(raw: str) -> ReducedNote:
    """Body text for the sentence reader, the people headers and signatures name, and
    the thread's messages with their writers.

    A message ends at a header, an "… wrote:" line, a forwarded marker, a change of
    quote depth or its signature; the signature names who wrote it, also when the
    header above said someone else (a person signs what they write)."""
    lines: list[str] = []
    depths: list[int] = []
    for ln in html_to_text(raw).splitlines():
        mark = _QUOTE_MARK.match(ln)
        depths.append(mark.group(0).count(">") if mark else 0)
        lines.append(_QUOTE_MARK.sub("", ln))
    body: list[str] = []
    people: list[HeaderPerson] = []
    messages: list[tuple[HeaderPerson | None, str]] = []
    sender: HeaderPerson | None = None
    current: list[str] = []
    depth = 0

    def close(signed: HeaderPerson | None = None) -> None:
        nonlocal sender, current
        if signed is None and any(ln.strip() for ln in current):
            signed, cut = _trailing_signature(current)
            if signed is not None:
                del body[len(body) - (len(current) - cut) :]
                current = current[:cut]
        writer = sender
        if signed is not None:
            people.append(signed)
            if writer is None or " " in (signed.name or ""):
                writer = signed
        if any(ln.strip() for ln in current):
            messages.append((writer, "\n".join(current)))
        sender, current = None, []

    i = 0
    while i < len(lines):
        line = lines[i]
        if line.strip() and depths[i] != depth:
            if any(ln.strip() for ln in current):
                close()
            depth = depths[i]
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
                        close()
                        sender = person
            i += 1
            continue
        if wrote:
            who, email = _wrote_name(wrote.group("who")), wrote.group("email")
            person = HeaderPerson(who or None, email, None, "from", line.strip())
            people.append(person)
            close()
            sender = person
            i += 1
            continue
        if _FORWARDED.match(line):
            close()
            i += 1
            continue
        if _SIGNATURE_DASHES.match(line) or (_CLOSING.match(line) and len(line.strip()) <= 60):
            signed, nxt = _closing_signature(lines, i, _boundary(lines, depths, i))
            if signed is not None:
                close(signed)
                i = nxt
                continue
            if _SIGNATURE_DASHES.match(line):
                i += 1
                continue
        body.append(_BULLET.sub("", line))
        current.append(body[-1])
        i += 1
    close()
    text = "\n".join(body)
    return ReducedNote(re.sub(r"\n{3,}", "\n\n", text).strip(), people, messages)
