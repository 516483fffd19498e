"""The bookkeeping of graph.marketing over effects, without a store: verdicts, spend sums,
who counts as an advocate, and the brief's sentences."""

from __future__ import annotations

from graph.influence import Effect
from graph.marketing import advocacy, brief_summary, spend_groups, spend_split, verdict_of
from graph.models import SegmentFilter
from graph.outreach import StanceSeat
from graph.stats import LogOdds


def effect(key: str, mean: float, se: float, present: int = 20, deals: int = 100) -> Effect:
    return Effect(
        key,
        deals,
        present,
        present // 2,
        present - present // 2,
        40,
        40,
        None,
        LogOdds(mean, se),
        (),
    )


def test_verdicts_follow_the_person_or_their_role() -> None:
    null = effect("p", 0.05, 0.1)
    strong = effect("p", 1.0, 0.2)
    loose = effect("p", 1.0, 0.8)  # large but measured loosely: interval holds 1
    role_strong = effect("c_level.security", 0.9, 0.2)
    assert verdict_of(False, None, []) == "unmatched"
    assert verdict_of(True, None, [role_strong]) == "never_in_a_decision"
    assert verdict_of(True, null, []) == "present"
    assert verdict_of(True, loose, []) == "present"
    assert verdict_of(True, strong, []) == "predictive"
    assert verdict_of(True, null, [role_strong]) == "predictive"


def test_spend_is_summed_by_verdict_and_group() -> None:
    split = spend_split(
        [("present", 100.0), ("unmatched", 50.0), ("never_in_a_decision", 5.0), ("predictive", 1.0)]
    )
    assert (split.total, split.on_decision_makers, split.never_in_a_decision) == (
        156.0,
        101.0,
        55.0,
    )
    groups = spend_groups(
        [("B", "present", 10.0), ("A", "unmatched", 10.0), ("C", "present", 30.0)]
    )
    assert [(g.name, g.targets, g.spend.total) for g in groups] == [
        ("C", 1, 30.0),
        ("A", 1, 10.0),
        ("B", 1, 10.0),
    ]
    assert spend_split([]).total == 0.0


def test_advocacy_counts_own_won_deals_backed_in_any_source() -> None:
    seats = [
        StanceSeat("carla", "d1", "acc", "influencer", "champion", "crm", False),
        StanceSeat("carla", "d2", "acc", "influencer", "neutral", "crm", False),
        StanceSeat("carla", "d2", "acc", "influencer", "supportive", "note", False),
        StanceSeat("carla", "d3", "acc", "other", "neutral", "activity", False),
        StanceSeat("neutral-nick", "d1", "acc", "end_user", "neutral", "crm", False),
        StanceSeat("consultant", "d1", "acc", "champion", "champion", "crm", True),
        StanceSeat("role-champ", "d4", "acc2", "champion", "unknown", "crm", False),
    ]
    found = advocacy(seats)
    assert set(found) == {"carla", "role-champ"}  # outsiders and the neutral are no advocates
    carla = found["carla"]
    assert carla.won_deals == ("d1", "d2", "d3")
    assert carla.champion_deals == ("d1", "d2")
    assert carla.sources == ("crm", "note") and carla.accounts == ("acc",)


def test_the_summary_says_what_was_measured() -> None:
    segment = SegmentFilter(industry="Banking", region="EMEA")
    lines = brief_summary(
        segment,
        120,
        [
            effect("c_level.security", 1.2, 0.2, 40, 120),
            effect("manager.it", 0.1, 0.3),
            effect("vp.finance", 0.8, 0.2),
        ],
        4.0,
        [effect("staff.legal", -0.9, 0.2)],
        [("Petra Partner", effect("ext", 0.7, 0.2))],
    )
    text = " ".join(lines)
    assert lines[0] == "Based on 120 closed deals in Banking / EMEA."
    assert "The role that buys is c_level.security: in 33% of deals" in text
    assert "Also raising the odds: vp.finance." in text  # manager.it's interval holds 1
    assert "A typical committee has 4 people." in text
    assert "staff.legal (odds x0.41)" in text and "Petra Partner (odds x2.0)" in text
    assert brief_summary(SegmentFilter(), 0, [], None, [], []) == [
        "No closed deals in all segments yet: nothing to brief on."
    ]
