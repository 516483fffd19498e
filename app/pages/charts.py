"""Where the marks of the pages' pictures go: the committee around its deal, the
forest plot of effects, and spend by verdict. Geometry only; every number drawn
comes from app.pages.views.

Why forest plots: an odds ratio means nothing without its interval, and on a
linear axis 0.5 and 2 (the same effect, either way) look unequal. A log axis
puts them at the same distance from 1, and presence (reach) is drawn in its own
column, so that a wide bar with a mark on 1 reads as "everywhere, changes
nothing" at a glance.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from app.schemas import ParticipantOut, PersonOut

# Stance colours, each with the ink that stays readable on it; the stance is also
# written in every label, so colour is never the only cue.
STANCES: dict[str, tuple[str, str]] = {
    "champion": ("#1a7f37", "#ffffff"),
    "supportive": ("#8fd19e", "#0b2e13"),
    "neutral": ("#b8c0c8", "#1f2328"),
    "skeptical": ("#f0b458", "#3d2600"),
    "blocker": ("#c62828", "#ffffff"),
    "unknown": ("#ffffff", "#1f2328"),
}
NODE_R = 22
DEAL_R = 52


def stance_colours(stance: str) -> tuple[str, str]:
    return STANCES.get(stance, STANCES["unknown"])


def initials(name: str | None, fallback: str) -> str:
    parts = [p for p in (name or "").replace("-", " ").split() if p[:1].isalpha()]
    if not parts:
        return fallback[:2].upper()
    return (parts[0][0] + (parts[-1][0] if len(parts) > 1 else "")).upper()


def wrap(text: str, width: int, lines: int) -> list[str]:
    """Text broken into at most `lines` lines, the last ending in … when cut."""
    wrapped = textwrap.wrap(text, width) or [""]
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] = wrapped[-1][: width - 1].rstrip() + "…"
    return wrapped


# -- the committee around its deal ---------------------------------------------------


@dataclass(frozen=True)
class SeatMark:
    """One person of the committee: a disc coloured by stance, with what a hover or
    keyboard focus shows (`tip`)."""

    index: int
    person: PersonOut
    role: str
    deal_roles: tuple[str, ...]
    stance: str
    sources: tuple[str, ...]
    evidence: tuple[str, ...]
    x: float
    y: float
    fill: str
    ink: str
    initials: str
    dashed: bool  # only a note puts this person in the deal
    tip: tuple[str, ...]
    tip_lines: tuple[str, ...]  # the tip wrapped for the picture's detail band

    @property
    def label(self) -> str:
        """What a screen reader says for the disc: the tip, as one sentence."""
        return ". ".join(self.tip)


@dataclass(frozen=True)
class CommitteePicture:
    width: int
    height: int
    cx: float
    cy: float
    radius: float
    seats: tuple[SeatMark, ...]
    tip_y: float
    deal_lines: tuple[str, ...]


def _telling(seats: Sequence[ParticipantOut]) -> ParticipantOut:
    """The seat whose stance the disc shows: a note's, when it says something (notes
    are the latest word; CRM contact roles are set once and rarely kept up), else the
    CRM's."""
    for seat in seats:
        if seat.source == "note" and seat.stance not in ("neutral", "unknown"):
            return seat
    return next((s for s in seats if s.source != "note"), seats[0])


def _words(value: str) -> str:
    return value.replace("_", " ")


def _tip_lines(tip: Sequence[str], width: int) -> list[str]:
    chars = int((width - 48) / 7.4)  # 13px text
    lines = [line for part in tip[:3] for line in wrap(part, chars, 1)]
    if len(tip) > 3:
        lines += wrap(tip[3], chars, 3)
    return lines


def committee_picture(deal_name: str, participants: Sequence[ParticipantOut]) -> CommitteePicture:
    """The deal at the centre, its people on a ring around it, grouped by role (a gap
    between groups), each disc named with its person and role."""
    by_person: dict[str, list[ParticipantOut]] = {}
    for seat in participants:
        by_person.setdefault(seat.person.id, []).append(seat)
    people = sorted(
        by_person.values(),
        key=lambda seats: (_telling(seats).role, seats[0].person.name or "", seats[0].person.id),
    )
    groups: list[str] = []
    for seats in people:
        role = _telling(seats).role
        if not groups or groups[-1] != role:
            groups.append(role)
    slots = len(people) + (len(groups) if len(groups) > 1 else 0)
    radius = max(120.0, slots * 84 / (2 * math.pi))
    margin_x, margin_y = 96, 40
    width = int(2 * (radius + margin_x))
    cx, cy = width / 2, radius + margin_y
    tip_y = cy + radius + 66
    height = int(tip_y + 150)

    def at(slot: float, r: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * slot / max(slots, 1)
        return cx + r * math.cos(angle), cy + r * math.sin(angle)

    marks: list[SeatMark] = []
    slot = 0.0
    for group in groups:
        for seats in (s for s in people if _telling(s).role == group):
            shown = _telling(seats)
            x, y = at(slot, radius)
            fill, ink = stance_colours(shown.stance)
            person = shown.person
            sources = tuple(dict.fromkeys(s.source for s in seats))
            title = f" ({person.title})" if person.title else ""
            named = [s.deal_role for s in seats if s.deal_role != "other"] or ["other"]
            deal_roles = tuple(dict.fromkeys(named))  # a note's seat says "other"
            evidence = tuple(e for s in seats for e in s.evidence)
            tip = [
                f"{person.name or person.id}{title}",
                f"role {shown.role}; buying role {', '.join(_words(r) for r in deal_roles)}",
                f"stance {shown.stance}; source {', '.join(sources)}",
            ]
            if evidence:
                tip.append(f"evidence: “{evidence[-1]}”")
            marks.append(
                SeatMark(
                    index=len(marks),
                    person=person,
                    role=shown.role,
                    deal_roles=deal_roles,
                    stance=shown.stance,
                    sources=sources,
                    evidence=evidence,
                    x=round(x, 1),
                    y=round(y, 1),
                    fill=fill,
                    ink=ink,
                    initials=initials(person.name, person.id),
                    dashed=sources == ("note",),
                    tip=tuple(tip),
                    tip_lines=tuple(_tip_lines(tip, width)),
                )
            )
            slot += 1
        if len(groups) > 1:
            slot += 1
    return CommitteePicture(
        width, height, cx, cy, radius, tuple(marks), round(tip_y, 1), tuple(wrap(deal_name, 13, 4))
    )


# -- forest plots --------------------------------------------------------------------


@dataclass(frozen=True)
class Effect:
    """One row of a forest plot, from a RoleItem or PersonItem of the API."""

    label: str
    influence: float
    low: float
    high: float
    presence: float
    deals_present: int


@dataclass(frozen=True)
class ForestRow:
    effect: Effect
    y: float
    x_mark: float
    x_low: float
    x_high: float
    cut_low: bool  # the interval runs past the axis
    cut_high: bool
    presence_w: float
    reading: str  # "raises the win rate", "lowers the win rate", "no clear effect"

    @property
    def label(self) -> str:
        e = self.effect
        return (
            f"{e.label}: odds ratio {e.influence:.2f}, 95% interval {e.low:.2f} to "
            f"{e.high:.2f}, {self.reading}; present in {e.presence:.0%} of deals "
            f"({e.deals_present})"
        )


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class ForestPlot:
    width: int
    height: int
    plot_left: float
    plot_right: float
    top: float
    bottom: float
    x_one: float
    ticks: tuple[Tick, ...]
    rows: tuple[ForestRow, ...]
    presence_left: float
    presence_width: float


LABEL_W, PLOT_W, GAP, PRESENCE_W = 146, 200, 14, 64  # narrow enough to read on a phone
ROW_H, HEAD_H, FOOT_H = 30, 34, 40
AXIS_MIN, AXIS_MAX = 1 / 64, 64.0


def _tick_label(value: float) -> str:
    return f"{value:g}" if value >= 0.125 else f"1/{round(1 / value)}"


def forest_plot(effects: Sequence[Effect]) -> ForestPlot:
    """Rows top to bottom as given; the axis spans every interval (powers of two, at
    most 1/64 to 64: a longer interval is cut and says so)."""
    lows = [max(e.low, AXIS_MIN) for e in effects] + [1.0]
    highs = [min(e.high, AXIS_MAX) for e in effects] + [1.0]
    lo = 2.0 ** math.floor(math.log2(min(lows)))
    hi = 2.0 ** math.ceil(math.log2(max(highs)))
    if lo == hi:
        lo, hi = lo / 2, hi * 2
    left = LABEL_W
    right = LABEL_W + PLOT_W

    def x_of(value: float) -> float:
        clipped = min(max(value, lo), hi)
        share = (math.log(clipped) - math.log(lo)) / (math.log(hi) - math.log(lo))
        return round(left + share * PLOT_W, 1)

    rows = []
    for i, e in enumerate(effects):
        reading = (
            "raises the win rate"
            if e.low > 1
            else "lowers the win rate"
            if e.high < 1
            else "no clear effect"
        )
        rows.append(
            ForestRow(
                effect=e,
                y=HEAD_H + ROW_H * i + ROW_H / 2,
                x_mark=x_of(e.influence),
                x_low=x_of(e.low),
                x_high=x_of(e.high),
                cut_low=e.low < lo,
                cut_high=e.high > hi,
                presence_w=round(PRESENCE_W * max(0.0, min(e.presence, 1.0)), 1),
                reading=reading,
            )
        )
    ticks = []
    exponent = round(math.log2(lo))
    while 2.0**exponent <= hi:
        ticks.append(Tick(x_of(2.0**exponent), _tick_label(2.0**exponent)))
        exponent += 1
    bottom = HEAD_H + ROW_H * len(effects)
    return ForestPlot(
        width=LABEL_W + PLOT_W + GAP + PRESENCE_W + 42,
        height=int(bottom + FOOT_H),
        plot_left=left,
        plot_right=right,
        top=HEAD_H - 6,
        bottom=bottom,
        x_one=x_of(1.0),
        ticks=tuple(ticks),
        rows=tuple(rows),
        presence_left=right + GAP,
        presence_width=PRESENCE_W,
    )


def size_bars(distribution: dict[str, int]) -> list[tuple[str, int, float]]:
    """Committee sizes in numeric order with each count's share of the largest."""
    items = sorted(distribution.items(), key=lambda kv: int(kv[0]))
    top = max((count for _, count in items), default=0) or 1
    return [(size, count, count / top) for size, count in items]


# The audit's verdicts, in the order a marketer reads them: money that reached
# decisions first, money that reached nobody who decides last.
VERDICTS = ("predictive", "present", "never_in_a_decision", "unmatched")
VERDICT_WORDS = {
    "predictive": "reached people whose presence moves the win rate",
    "present": "reached people who sit in decisions without moving them",
    "never_in_a_decision": "reached people who never sat in a decision",
    "unmatched": "reached nobody the CRM knows",
}


@dataclass(frozen=True)
class SpendBar:
    verdict: str
    amount: float
    share: float  # of the total spend
    width: float  # of the bar, in the chart's units
    y: float

    @property
    def label(self) -> str:
        return f"{self.verdict.replace('_', ' ')}: {self.share * 100:.0f}% of the spend"


@dataclass(frozen=True)
class SpendChart:
    bars: list[SpendBar]
    total: float
    width: float
    height: float
    left: float  # where the bars start, after their labels


def spend_chart(by_verdict: Mapping[str, float], total: float) -> SpendChart:
    """Spend by verdict as horizontal bars, each verdict always shown (a zero is news:
    no money reached a predictive person)."""
    width, left, row = 640.0, 190.0, 34.0
    span = width - left - 90.0
    bars = [
        SpendBar(
            verdict=v,
            amount=by_verdict.get(v, 0.0),
            share=by_verdict.get(v, 0.0) / total if total else 0.0,
            width=span * by_verdict.get(v, 0.0) / total if total else 0.0,
            y=10.0 + row * i,
        )
        for i, v in enumerate(VERDICTS)
    ]
    return SpendChart(bars, total, width, 20.0 + row * len(VERDICTS), left)
