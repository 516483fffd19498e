"""Deal stages without closed/won flags: the CRMs' standard labels, and the user's map.

Every pipeline has stages of its own ("Dead Deals", "Signed", "Verloren"). Where
an export carries the CRM's closed and won flags, they decide and the label is
only kept; where it has none, a label must be known (the CRM's standard stages,
in their label or internal form) or mapped by the user (`--stage-map` in the
CLI, the `stage_map` field of an upload). Unknown labels stop the import before
anything is written, all of them listed in one error with the way to map them.
"""

from __future__ import annotations

from collections import Counter

from graph.errors import InvalidInput
from graph.models import Outcome


def fold_stage(label: str) -> str:
    """`Closed Won`, `closedwon` and `closed_won` are one stage."""
    return "".join(c for c in label.lower() if c.isalnum())


# Salesforce's standard StageName values and HubSpot's default pipeline (labels and
# internal values fold alike).
_STANDARD: tuple[tuple[str, Outcome], ...] = (
    ("Prospecting", "open"),
    ("Qualification", "open"),
    ("Needs Analysis", "open"),
    ("Value Proposition", "open"),
    ("Id. Decision Makers", "open"),
    ("Perception Analysis", "open"),
    ("Proposal/Price Quote", "open"),
    ("Negotiation/Review", "open"),
    ("Negotiation", "open"),
    ("Closed Won", "won"),
    ("Closed Lost", "lost"),
    ("Won", "won"),
    ("Lost", "lost"),
    ("Appointment Scheduled", "open"),
    ("Qualified To Buy", "open"),
    ("Presentation Scheduled", "open"),
    ("Decision Maker Bought-In", "open"),
    ("Contract Sent", "open"),
)
STANDARD: dict[str, Outcome] = {fold_stage(label): outcome for label, outcome in _STANDARD}

_OUTCOMES = {"won": "won", "lost": "lost", "open": "open"}


def parse_stage_map(text: str | None) -> dict[str, Outcome]:
    """`Dead Deals=lost; Signed=won` (`;` or newlines between entries)."""
    mapping: dict[str, Outcome] = {}
    if not text:
        return mapping
    for entry in text.replace("\n", ";").split(";"):
        if not entry.strip():
            continue
        label, sep, outcome = entry.rpartition("=")
        folded = outcome.strip().lower()
        if not sep or not label.strip() or folded not in _OUTCOMES:
            raise InvalidInput(
                "stage_map", f"{entry.strip()!r}: write each entry as 'Stage label=won|lost|open'"
            )
        mapping[fold_stage(label)] = "won" if folded == "won" else _lost_or_open(folded)
    return mapping


def _lost_or_open(folded: str) -> Outcome:
    return "lost" if folded == "lost" else "open"


class StageReader:
    """Outcomes of stage labels, known or mapped; unknown ones are gathered for one error."""

    def __init__(self, mapping: dict[str, Outcome]) -> None:
        self._mapping = mapping
        self.unknown: Counter[str] = Counter()

    def outcome(self, label: str | None) -> Outcome | None:
        if not label:
            return None
        folded = fold_stage(label)
        found = self._mapping.get(folded) or STANDARD.get(folded)
        if found is None:
            self.unknown[label] += 1
        return found

    def refuse_unknown(self, file: str) -> None:
        if not self.unknown:
            return
        listed = ", ".join(f"{label!r} ({n} deals)" for label, n in sorted(self.unknown.items()))
        example = "; ".join(f"{label}=lost" for label in sorted(self.unknown)[:2])
        raise InvalidInput(
            file,
            f"deal stages with no closed/won flags in the export and no known meaning: "
            f"{listed}. Map each to won, lost or open, e.g. --stage-map '{example}' "
            "(the upload's stage_map field); nothing was written",
        )
