"""The labelled set of real-world titles and its fixed tuning / held-out split."""

from __future__ import annotations

import csv
import hashlib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from ingest.titles import parse_title

REAL_TITLES = Path(__file__).parent / "data" / "titles_real.tsv"
LANGUAGES = ("en", "de", "fr", "es", "nl")


@dataclass(frozen=True)
class Labelled:
    title: str
    language: str
    function: str
    seniority: str
    source: str


def held_out(title: str) -> bool:
    """The split rule, fixed before any tuning: the first byte of the title's hash."""
    return hashlib.sha256(title.strip().casefold().encode()).digest()[0] % 2 == 1


def real_titles(part: str) -> list[Labelled]:
    with REAL_TITLES.open(encoding="utf-8") as handle:
        rows = csv.DictReader((line for line in handle if not line.startswith("#")), delimiter="\t")
        every = [Labelled(**row) for row in rows]
    return [t for t in every if held_out(t.title) == (part == "held-out")]


@dataclass
class Tally:
    n: int = 0
    seniority: int = 0
    function: int = 0

    def rate(self, what: str) -> float:
        return getattr(self, what) / self.n if self.n else 0.0


def measure(titles: list[Labelled]) -> tuple[Tally, dict[str, dict[str, Tally]], list[str]]:
    """Overall tally, tallies by language / gold seniority / gold function, and the misses."""
    overall = Tally()
    by: dict[str, dict[str, Tally]] = {
        k: defaultdict(Tally) for k in ("language", "seniority", "function")
    }
    misses = []
    for t in titles:
        got = parse_title(t.title)
        right_level, right_function = got.seniority == t.seniority, got.function == t.function
        for tally in (
            overall,
            by["language"][t.language],
            by["seniority"][t.seniority],
            by["function"][t.function],
        ):
            tally.n += 1
            tally.seniority += right_level
            tally.function += right_function
        if not (right_level and right_function):
            misses.append(
                f"{t.language} {t.title!r}: {got.role}, labelled {t.seniority}.{t.function}"
            )
    return overall, by, misses


def _rates(tally: Tally, digits: int) -> str:
    return (
        f"seniority {tally.rate('seniority'):.{digits}f}, "
        f"function {tally.rate('function'):.{digits}f}"
    )


def report(part: str) -> str:
    overall, by, misses = measure(real_titles(part))
    lines = [f"{part}: {overall.n} titles, {_rates(overall, 3)}"]
    for key, tallies in by.items():
        for label, tally in sorted(tallies.items()):
            lines.append(f"  {key} {label:12} n={tally.n:3}  {_rates(tally, 2)}")
    lines += [f"  miss {m}" for m in misses]
    return "\n".join(lines)


if __name__ == "__main__":
    print(report("tuning"))
    print(report("held-out"))
