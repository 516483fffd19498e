"""The statistics on counts, and the rankings on generated worlds with planted truth."""

from __future__ import annotations

import math
import random
from collections import Counter

import pytest

from graph.committees import segment_committee
from graph.influence import InfluenceSettings, Scratch, person_effects, role_effects
from graph.likely import DealContext, LikelySettings, SimilarDeals
from graph.models import segment_key
from graph.stats import (
    LogOdds,
    Prior,
    Stratum,
    band_range,
    child_prior,
    mantel_haenszel,
    posterior,
    size_band,
)
from synth.worlds import PersonSpec, RoleSpec, World, as_closed_deals

SETTINGS = InfluenceSettings()


def test_one_band_gives_the_plain_odds_ratio_and_woolf_variance() -> None:
    est = mantel_haenszel([Stratum(30, 10, 20, 40)])
    assert est is not None
    assert math.exp(est.mean) == pytest.approx(30 * 40 / (10 * 20))
    assert est.se == pytest.approx(math.sqrt(1 / 30 + 1 / 10 + 1 / 20 + 1 / 40))


def test_bands_with_the_same_odds_ratio_pool_to_it() -> None:
    est = mantel_haenszel([Stratum(20, 10, 10, 20), Stratum(4, 2, 50, 100)])
    assert est is not None
    assert math.exp(est.mean) == pytest.approx(4.0)


def test_bands_that_compare_nothing_drop_out() -> None:
    # Band 2 has the role in every deal: it says nothing about the role's effect.
    only = mantel_haenszel([Stratum(10, 10, 10, 10)])
    with_useless = mantel_haenszel([Stratum(10, 10, 10, 10), Stratum(5, 40, 0, 0)])
    assert only == with_useless
    assert mantel_haenszel([Stratum(5, 40, 0, 0)]) is None


def test_a_zero_cell_gives_a_finite_wide_estimate() -> None:
    est = mantel_haenszel([Stratum(3, 0, 40, 60)])
    assert est is not None and math.isfinite(est.mean) and est.se > 1


def test_the_posterior_leans_on_the_more_precise_side() -> None:
    prior = Prior(0.0, 0.7)
    loose = posterior(LogOdds(2.0, 1.5), prior)
    tight = posterior(LogOdds(1.0, 0.2), prior)
    assert 0 < loose.mean < 0.6
    assert 0.9 < tight.mean < 1.0
    assert posterior(None, prior) == LogOdds(0.0, 0.7)


def test_an_uninformed_parent_passes_its_prior_down_unchanged() -> None:
    assert child_prior(LogOdds(0.0, 0.7), informed=False, spread=0.5) == Prior(0.0, 0.7)
    wider = child_prior(LogOdds(0.3, 0.1), informed=True, spread=0.5)
    assert wider.mean == 0.3 and wider.sd == pytest.approx(math.sqrt(0.01 + 0.25))


def test_size_bands_are_fixed_half_decades() -> None:
    """A deal's band depends on its own amount only, so that counters kept per band
    never move when other deals arrive."""
    assert [size_band(a) for a in (None, 0.0, 2.0, 9_999.0, 10_000.0, 31_622.0, 31_623.0)] == [
        -1,
        0,
        0,
        7,
        8,
        8,
        9,
    ]
    assert band_range(-1) is None
    rng = random.Random(3)
    for amount in [rng.uniform(0, 5e9) for _ in range(2000)] + [10.0**k for k in range(12)]:
        low, high = band_range(size_band(amount)) or (0.0, 0.0)
        assert low <= amount < high


# -- planted worlds ------------------------------------------------------------------

TRAP_WORLD = World(
    seed=11,
    deals=900,
    base_logodds=0.5,
    large_effect=-1.6,
    roles=(
        RoleSpec("CISO", 0.4, effect=1.4),  # the real champion role
        RoleSpec("Head of Procurement", 0.4, effect=-1.0),  # the real blocker role
        RoleSpec("General Counsel", 0.05, 0.9),  # confounder: large deals only, no effect
        RoleSpec("IT Manager", 0.5),  # precisely measured null
        RoleSpec("VP Marketing", 0.004, effect=3.0),  # a strong effect seen in a handful
    ),
    people=(
        PersonSpec("guru", "Gus Guru", "Industry Analyst", 0.75, audience=2_000_000),
        PersonSpec("closer", "Cleo Closer", "Partner, Advisory", 0.06, effect=1.2, audience=150),
    ),
)


@pytest.fixture(scope="module")
def trap_deals() -> list:
    return as_closed_deals(TRAP_WORLD.generate())


def test_the_planted_champion_and_blocker_roles_come_out_on_top(trap_deals: list) -> None:
    effects = role_effects([trap_deals], SETTINGS)
    assert effects.ranked("positive", 3, 1)[0].key == "c_level.security"
    assert effects.ranked("negative", 3, 1)[0].key == "director.procurement"
    ciso = effects["c_level.security"]
    low, high = (math.exp(x) for x in ciso.estimate.interval())
    assert low < math.exp(1.4) < high * 1.2


def test_a_role_seen_only_in_large_deals_is_not_blamed_for_them(trap_deals: list) -> None:
    legal = role_effects([trap_deals], SETTINGS)["c_level.legal"]
    naive = (legal.won_present * legal.lost_absent) / (legal.lost_present * legal.won_absent)
    assert naive < 0.6, "the trap must be real: unadjusted, legal looks like a blocker"
    _, high = (math.exp(x) for x in legal.estimate.interval())
    assert high > 1.0, "no credible blocking effect once size is accounted for"
    assert math.exp(legal.estimate.mean) > 0.8
    negative = [e.key for e in role_effects([trap_deals], SETTINGS).ranked("negative", 3, 2)]
    assert "c_level.legal" not in negative[:1]


def test_three_strong_deals_do_not_outrank_fifty_solid_ones(trap_deals: list) -> None:
    effects = role_effects([trap_deals], SETTINGS)
    tiny = effects["vp.marketing"]
    assert tiny.deals_present <= 8
    assert tiny.win_rate_present >= 0.75, "the trap: a near-perfect record in a handful"
    ranked = [e.key for e in effects.ranked("positive", 1, 10)]
    assert ranked.index("c_level.security") < ranked.index("vp.marketing")


def test_a_precise_null_ranks_below_a_real_effect_measured_loosely() -> None:
    world = World(
        seed=5,
        deals=500,
        roles=(
            RoleSpec("IT Manager", 0.5),  # in half of all deals, no effect
            RoleSpec("Chief Medical Officer", 0.05, effect=1.4),  # real, about 25 deals
        ),
    )
    effects = role_effects([as_closed_deals(world.generate())], SETTINGS)
    null, real = effects["manager.it"], effects["c_level.clinical"]
    assert null.estimate.se < real.estimate.se
    ranked = [e.key for e in effects.ranked("positive", 3, 10)]
    assert ranked.index("c_level.clinical") < ranked.index("manager.it")


def planted_person_effect(person_id: str) -> float:
    """The truth of TRAP_WORLD: the closer, and whoever holds a role with an effect."""
    named = {p.id: p.effect for p in TRAP_WORLD.people}
    if person_id in named:
        return named[person_id]
    return TRAP_WORLD.roles[int(person_id.rsplit("-r", 1)[1])].effect


def test_a_high_reach_person_without_effect_is_not_near_the_top(trap_deals: list) -> None:
    effects = person_effects(trap_deals, SETTINGS)
    guru, closer = effects["guru"], effects["closer"]
    assert guru.presence > 0.7 and closer.presence < 0.1
    ranked = [e.key for e in effects.ranked("positive", 3, 1000)]
    assert "closer" in ranked[:3]
    # About one person in five has a planted positive effect; in a person's handful of
    # deals noise is large, yet the top ten hold at least twice that share.
    assert sum(planted_person_effect(key) > 0 for key in ranked[:10]) >= 4
    assert ranked.index("guru") > len(ranked) // 4


def test_the_top_role_follows_the_planted_truth_of_each_segment() -> None:
    world = World(
        seed=21,
        deals=1200,
        regions=("EMEA",),
        roles=(
            RoleSpec("CISO", 0.35, effect=1.3, industries=("Financial Services",)),
            RoleSpec("CFO", 0.35, effect=1.3, industries=("Healthcare",)),
            RoleSpec("IT Manager", 0.4),
        ),
    )
    deals = as_closed_deals(world.generate())
    tops = {}
    for industry in ("Financial Services", "Healthcare"):
        cell = [d for d in deals if d.industry == industry]
        tops[industry] = role_effects([cell, deals], SETTINGS).ranked("positive", 3, 1)[0].key
    assert tops == {"Financial Services": "c_level.security", "Healthcare": "c_level.finance"}


def test_a_thin_cell_borrows_from_its_industry() -> None:
    # EMEA has few deals; the role's effect there is estimated mostly from AMER.
    world = World(
        seed=8,
        deals=700,
        industries=("Retail",),
        regions=("AMER", "EMEA"),
        roles=(RoleSpec("COO", 0.4, effect=1.0),),
    )
    deals = as_closed_deals(world.generate())
    emea = [d for d in deals if d.region == "EMEA"][:30]
    pooled = role_effects([emea, deals], SETTINGS)["c_level.operations"]
    alone = role_effects([emea], SETTINGS)["c_level.operations"]
    assert pooled.estimate.se < alone.estimate.se
    assert abs(pooled.estimate.mean - 1.0) < abs(alone.estimate.mean - 1.0) + 0.05


def test_a_deal_left_out_of_the_similar_deals_counts_nowhere(trap_deals: list) -> None:
    """The likely committee of a closed deal must not learn from that deal: its roles are
    taken out of every count, exactly as if it had never been recorded."""
    every = SimilarDeals(Scratch(trap_deals).table, LikelySettings())
    for deal in trap_deals[::97]:
        context = DealContext(deal.industry, deal.region, deal.amount)
        fresh = SimilarDeals.of([d for d in trap_deals if d.id != deal.id], LikelySettings())
        left_out = every.excluding(deal).predict(context)
        assert left_out == fresh.predict(context)
        assert left_out != every.predict(context) or not deal.seats


def test_a_segment_counted_from_its_counters_is_counted_from_its_deals() -> None:
    """Counters are kept per cell and size band; summed into a segment they must give
    what counting the segment's deals one by one gives."""
    world = World(
        seed=4,
        deals=400,
        industries=("Retail", "Healthcare"),
        regions=("EMEA", "AMER"),
        roles=(RoleSpec("CFO", 0.5), RoleSpec("IT Manager", 0.3), RoleSpec("CISO", 0.2)),
    )
    deals = as_closed_deals(world.generate())
    table = Scratch(deals).table
    for industry in (None, "retail", "healthcare"):
        for region in (None, "emea", "amer"):
            inside = [
                d
                for d in deals
                if industry in (None, segment_key(d.industry))
                and region in (None, segment_key(d.region))
            ]
            committee = segment_committee(table, industry, region)
            roles = Counter(role for d in inside for role in d.roles)
            sizes = Counter(len(d.people) for d in inside)
            assert committee.deals == len(inside)
            assert {r.role: r.deals_present for r in committee.roles} == dict(roles)
            assert committee.size_distribution == {str(k): v for k, v in sorted(sizes.items())}
