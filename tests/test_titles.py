"""Title normalisation measured on a labelled list of titles as they appear in CRMs."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from ingest.titles import external_kind_hint, parse_title

LABELLED = Path(__file__).parent / "data" / "titles.tsv"


def labelled_titles() -> list[tuple[str, str, str]]:
    with LABELLED.open(encoding="utf-8") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return [(t, f, s) for t, f, s in csv.reader(lines, delimiter="\t")]


def test_title_accuracy_on_the_labelled_list() -> None:
    titles = labelled_titles()
    assert len(titles) >= 300
    misses = []
    for title, function, seniority in titles:
        got = parse_title(title)
        if (got.function, got.seniority) != (function, seniority):
            misses.append(f"{title!r}: {got.role}, expected {seniority}.{function}")
    accuracy = 1 - len(misses) / len(titles)
    print(f"\ntitle accuracy: {accuracy:.3f} ({len(titles) - len(misses)}/{len(titles)})")
    for miss in misses:
        print("  miss", miss)
    assert accuracy >= 0.90


@pytest.mark.parametrize(
    ("title", "role"),
    [
        ("EVP & CFO", "c_level.finance"),
        ("Dir. IT Security", "director.security"),
        ("Leiter Einkauf", "director.procurement"),
        ("Directeur des Systèmes d'Information", "c_level.it"),
        ("Gerente de Compras", "manager.procurement"),
        ("", "staff.other"),
    ],
)
def test_common_titles(title: str, role: str) -> None:
    assert parse_title(title).role == role


def test_outsider_kinds_come_from_the_title() -> None:
    assert external_kind_hint("Senior Consultant") == "consultant"
    assert external_kind_hint("Principal Analyst, Gartner") == "analyst"
    assert external_kind_hint("CFO") is None


def held_out_titles() -> list[tuple[str, str, str]]:
    path = LABELLED.with_name("titles_holdout.tsv")
    with path.open(encoding="utf-8") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return [(t, f, s) for t, f, s in csv.reader(lines, delimiter="\t")]


def test_title_accuracy_on_titles_never_tuned_on() -> None:
    """The vocabulary was tuned on titles.tsv; this list says how it does on new titles."""
    titles = held_out_titles()
    misses = [
        f"{t!r}: {parse_title(t).role}, expected {s}.{f}"
        for t, f, s in titles
        if (parse_title(t).function, parse_title(t).seniority) != (f, s)
    ]
    accuracy = 1 - len(misses) / len(titles)
    print(f"\nheld-out title accuracy: {accuracy:.3f} ({len(titles) - len(misses)}/{len(titles)})")
    for miss in misses:
        print("  miss", miss)
    assert accuracy >= 0.75
