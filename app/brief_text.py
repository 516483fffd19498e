"""The buyer brief as Markdown, for a slide or an e-mail (`Accept: text/markdown`)."""

from __future__ import annotations

from app.schemas import BriefOut


def _odds(value: float, interval: list[float]) -> str:
    return f"{value:.2f} ({interval[0]:.2f}–{interval[1]:.2f})"


def brief_markdown(brief: BriefOut) -> str:
    where = " / ".join(p for p in (brief.segment.industry, brief.segment.region) if p)
    lines = [f"# Buyer brief: {where or 'all segments'}", ""]
    lines += [" ".join(brief.summary), ""]
    lines += ["## The job titles that buy", ""]
    if brief.buying_roles:
        lines += ["| role | in deals | odds ratio (95%) |", "| --- | ---: | ---: |"]
        lines += [
            f"| {r.role} | {r.presence:.0%} | {_odds(r.influence, r.interval)} |"
            for r in brief.buying_roles
        ]
    else:
        lines.append("No role measurably raises the odds yet.")
    lines += ["", "## Who sits in the room", ""]
    median = "–" if brief.median_size is None else f"{brief.median_size:g}"
    sizes = ", ".join(f"{size}: {n}" for size, n in brief.size_distribution.items())
    lines.append(f"Median committee: {median} people (committees by size: {sizes or 'none'}).")
    lines.append("")
    lines += [f"- {r.role}: {r.presence:.0%} of deals" for r in brief.in_the_room]
    if brief.blockers:
        lines += ["", "## Blockers", ""]
        lines += [
            f"- {b.role}: odds ratio {_odds(b.influence, b.interval)}" for b in brief.blockers
        ]
    if brief.outside_influencers:
        lines += ["", "## Outside influencers", ""]
        lines += [
            f"- {i.person.name or i.person.id} ({i.person.title or i.person.role}): odds ratio "
            f"{_odds(i.influence, i.interval)}, {i.deals_present} deals"
            for i in brief.outside_influencers
        ]
    lines += ["", f"_{brief.deals} closed deals. Odds ratios are size-adjusted and shrunk._", ""]
    return "\n".join(lines)
