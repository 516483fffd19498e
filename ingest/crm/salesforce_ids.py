"""Salesforce record ids as one key per record.

Salesforce writes a record's id in two forms: 15 characters, case-sensitive
(reports, the UI, older exports), and 18 characters, the same 15 with a
3-character suffix that encodes which of them are upper case (the API, Data
Loader, the weekly export), so that it survives tools that ignore case. Both name
one record, so every id is keyed in its 18-character form, its case restored from
the suffix. An empty lookup is written as `000000000000000AAA`. The
first three characters say what the record is: 003 a contact, 00Q a lead, 005 a
user, 006 an opportunity, 001 an account.
"""

from __future__ import annotations

_SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_EMPTY = {"000000000000000", "000000000000000AAA"}

ACCOUNT = "001"
CONTACT = "003"
USER = "005"
OPPORTUNITY = "006"
LEAD = "00Q"


def _suffix(fifteen: str) -> str:
    out = []
    for chunk in range(3):
        bits = 0
        for position, char in enumerate(fifteen[chunk * 5 : chunk * 5 + 5]):
            if "A" <= char <= "Z":
                bits |= 1 << position
        out.append(_SUFFIX_ALPHABET[bits])
    return "".join(out)


def sf_id(value: str | None) -> str | None:
    """The 18-character form of a Salesforce id; None for an empty lookup. A value that
    is not a 15- or 18-character id (a test org's short ids, an external key) is kept."""
    if value is None:
        return None
    text = value.strip()
    if not text or text in _EMPTY:
        return None
    if not (text.isalnum() and text.isascii()):
        return text
    if len(text) == 15:
        return text + _suffix(text)
    if len(text) == 18:
        restored = _restore_case(text)
        return restored + _suffix(restored) if restored else text
    return text


def _restore_case(eighteen: str) -> str | None:
    """The 15 characters in their own case, from the suffix (a spreadsheet that changed
    the case of an 18-character id did not change the record it names)."""
    out = []
    for chunk in range(3):
        position = _SUFFIX_ALPHABET.find(eighteen[15 + chunk].upper())
        if position < 0:
            return None
        for offset, char in enumerate(eighteen[chunk * 5 : chunk * 5 + 5]):
            out.append(char.upper() if position >> offset & 1 else char.lower())
    return "".join(out)


def kind_of(record_id: str | None) -> str | None:
    """The key prefix of an id (what kind of record it names)."""
    return record_id[:3] if record_id and len(record_id) >= 3 else None
