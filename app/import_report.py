"""An import report as `bcg import` prints it: what was read, written, skipped and
rejected, and what the committees now rest on. Rows left out and rows kept with a
warning go to stderr (file:line: id: field: reason), the summary to stdout, its last
line the counts a script may read."""

from __future__ import annotations

from dataclasses import dataclass

from ingest.crm.importer import ImportReport


@dataclass(frozen=True)
class Line:
    text: str
    to_stderr: bool = False


def _delimiter(value: str) -> str:
    return {"\t": "tab", ",": "','", ";": "';'"}.get(value, repr(value))


def report_lines(report: ImportReport) -> list[Line]:
    out: list[Line] = []
    for r in report.rejected:
        reasons = "; ".join(f"{e.field}: {e.message}" for e in r.errors)
        out.append(Line(f"{r.file}:{r.line}: {r.id or '-'}: {reasons}", to_stderr=True))
    for w in report.warnings:
        reasons = "; ".join(f"{e.field}: {e.message}" for e in w.errors)
        out.append(Line(f"{w.file}:{w.line}: {w.id or '-'}: warning: {reasons}", to_stderr=True))
    for f in report.files:
        twice = f", columns twice: {', '.join(f.duplicate_columns)}" if f.duplicate_columns else ""
        out.append(
            Line(f"read {f.name}: {f.rows} rows, {f.encoding}, {_delimiter(f.delimiter)}{twice}")
        )
    if report.skipped_files:
        out.append(Line(f"skipped files (objects not read): {', '.join(report.skipped_files)}"))
    for name, o in report.objects.items():
        if not (o.read or o.created or o.updated or o.unchanged or o.skipped or o.rejected):
            continue
        out.append(
            Line(
                f"{name}: {o.read} read, {o.created} created, {o.updated} updated, "
                f"{o.unchanged} unchanged, {o.skipped} skipped, {o.rejected} rejected"
            )
        )
    for what, reason, count in report.skipped:
        out.append(Line(f"skipped {what}: {count} ({reason})"))
    if report.unknown_accounts:
        out.append(
            Line(
                f"deals on an account marked unknown (no company found): {report.unknown_accounts}"
            )
        )
    c = report.coverage
    sources = ", ".join(f"{source} {n}" for source, n in c.participations.items())
    out.append(Line(f"participations by source: {sources}"))
    median = "-" if c.median_committee_size is None else f"{c.median_committee_size:g}"
    out.append(
        Line(
            f"coverage: {c.closed_deals} closed deals, {c.closed_with_committee} with anyone in "
            f"their committee, median committee size {median}"
        )
    )
    out.extend(Line(f"warning: {w}") for w in c.warnings)
    d, p = report.deals, report.people
    out.append(
        Line(
            f"deals: {d.created} created, {d.updated} updated, {d.unchanged} unchanged; "
            f"contacts: {p.created} created, {p.updated} updated, {p.unchanged} unchanged; "
            f"{len(report.rejected)} rows rejected"
        )
    )
    return out
