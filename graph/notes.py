"""Participations found in notes: every mention of a person in a deal's notes folds into
one `SAT_IN {source: note}` per person and deal, so that both stores derive the same seat."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from graph.models import Seat


@dataclass(frozen=True)
class MentionRow:
    deal_id: str
    person_id: str
    stance: str
    evidence: str
    occurred_at: str
    note_id: str


def note_seats(rows: Iterable[MentionRow]) -> dict[str, list[Seat]]:
    """Seats per deal: the latest stance that says something (else neutral), every sentence
    as evidence in time order, first and last seen from the notes' dates."""
    grouped: dict[tuple[str, str], list[MentionRow]] = defaultdict(list)
    for row in rows:
        grouped[(row.deal_id, row.person_id)].append(row)
    seats: dict[str, list[Seat]] = defaultdict(list)
    for (deal_id, person_id), mentions in sorted(grouped.items()):
        mentions.sort(key=lambda r: (r.occurred_at, r.note_id))
        telling = [m.stance for m in mentions if m.stance not in ("neutral", "unknown")]
        seats[deal_id].append(
            Seat(
                person_id=person_id,
                deal_role="other",
                stance=telling[-1] if telling else "neutral",
                external=False,
                source="note",
                evidence=tuple(m.evidence for m in mentions if m.evidence),
                seen_at=mentions[-1].occurred_at,
                first_seen_at=mentions[0].occurred_at,
            )
        )
    return seats
