"""How good the predictions are: a time split with plain metrics beside two baselines (§5).

Deals closed before `as_of` are the history; each deal closed on or after it
is predicted from that history alone:
- *who sits in it*: the top-k predicted roles against the roles that really
  sat in it (precision and recall at k);
- *whether it is won*: a score from its committee, turned into a probability
  by a one-variable logistic fit on the history (AUC on the score, Brier on
  the probability).
The baselines: `baseline_frequency`, the roles most frequent overall (and,
for the outcome, how usual the committee's roles are); `baseline_reach`,
roles and people ranked by audience, as marketing ranks "influencers".
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from graph.influence import InfluenceSettings, Scratch, Segment, role_effects_in
from graph.likely import DealContext, LikelySettings, SimilarDeals
from graph.models import ClosedDeal, segment_key
from graph.stats import auc, brier, fit_logistic_1d, logistic, size_band

METHODS = ("model", "baseline_frequency", "baseline_reach")
MIN_RATE_DEALS = 20


@dataclass(frozen=True)
class MethodMetrics:
    precision_at_k: float | None
    recall_at_k: float | None
    auc: float | None
    brier: float | None


@dataclass(frozen=True)
class BacktestResult:
    as_of: str
    deals_history: int
    deals_evaluated: int
    k: int
    metrics: dict[str, MethodMetrics]


Scorer = Callable[[ClosedDeal], float]


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


class _ModelScorer:
    """The win rate of similar deals (segment and size band), moved by the shrunk,
    size-adjusted effects of the roles present."""

    def __init__(
        self, history: Scratch, deals: Sequence[ClosedDeal], settings: InfluenceSettings
    ) -> None:
        self._history = history
        self._deals = deals
        self._settings = settings
        self._cache: dict[tuple[str, str], dict[str, float]] = {}
        self._rates: dict[tuple[str | None, str | None, int], tuple[int, int]] = defaultdict(
            lambda: (0, 0)
        )
        for deal in deals:
            for key in self._rate_keys(deal):
                won, n = self._rates[key]
                self._rates[key] = (won + deal.won, n + 1)

    @staticmethod
    def _cell(deal: ClosedDeal) -> tuple[str, str]:
        return segment_key(deal.industry) or "", segment_key(deal.region) or ""

    def _rate_keys(self, deal: ClosedDeal) -> list[tuple[str | None, str | None, int]]:
        band = size_band(deal.amount)
        industry, region = self._cell(deal)
        return [(industry, region, band), (industry, None, band), (None, None, band)]

    def _base(self, deal: ClosedDeal) -> float:
        for key in self._rate_keys(deal):
            won, n = self._rates.get(key, (0, 0))
            if n >= MIN_RATE_DEALS:
                return _logit((won + 1) / (n + 2))
        won = sum(d.won for d in self._deals)
        return _logit((won + 1) / (len(self._deals) + 2))

    def _effects(self, deal: ClosedDeal) -> dict[str, float]:
        key = self._cell(deal)
        if key not in self._cache:
            levels: list[Segment] = [key, (key[0], None), (None, None)]
            effects = role_effects_in(self._history.table, levels, self._settings)
            self._cache[key] = effects.means()
        return self._cache[key]

    def __call__(self, deal: ClosedDeal) -> float:
        effects = self._effects(deal)
        # In name order: a set's order changes with the process's string hashing, and
        # floating-point sums with their order (the README replays the last digit).
        return self._base(deal) + sum(effects.get(role, 0.0) for role in sorted(deal.roles))


def _role_ranking_by_reach(history: Sequence[ClosedDeal], audience: dict[str, int]) -> list[str]:
    reach: dict[str, int] = defaultdict(int)
    holders: dict[str, set[str]] = defaultdict(set)
    presence: Counter[str] = Counter()
    for deal in history:
        for seat in deal.seats:
            presence[seat.role] += 1
            if seat.person_id not in holders[seat.role]:
                holders[seat.role].add(seat.person_id)
                reach[seat.role] += audience.get(seat.person_id, 0)
    return sorted(presence, key=lambda r: (-reach[r], -presence[r], r))


def _at_k(predicted: list[str], actual: frozenset[str], k: int) -> tuple[float, float]:
    hits = len(set(predicted[:k]) & actual)
    return hits / k, hits / len(actual)


def _outcome_metrics(
    history: Sequence[ClosedDeal], tests: Sequence[ClosedDeal], score: Scorer
) -> tuple[float | None, float | None]:
    a, b = fit_logistic_1d([score(d) for d in history], [d.won for d in history])
    raw = [score(d) for d in tests]
    outcomes = [d.won for d in tests]
    return auc(raw, outcomes), brier([logistic(a + b * s) for s in raw], outcomes)


def run_backtest(
    deals: Sequence[ClosedDeal],
    audience: dict[str, int],
    as_of: str,
    k: int,
    influence: InfluenceSettings,
    likely: LikelySettings,
) -> BacktestResult:
    history = [d for d in deals if d.closed_at is not None and d.closed_at < as_of]
    tests = [d for d in deals if d.closed_at is not None and d.closed_at >= as_of]
    frequent = [
        r
        for r, _ in sorted(
            Counter(role for d in history for role in d.roles).items(),
            key=lambda kv: (-kv[1], kv[0]),
        )
    ]
    by_reach = _role_ranking_by_reach(history, audience)
    counted = Scratch(history)
    similar = SimilarDeals(counted.table, likely)
    hits: dict[str, list[tuple[float, float]]] = {m: [] for m in METHODS}
    for deal in tests:
        if not deal.roles:
            continue
        context = DealContext(deal.industry, deal.region, deal.amount)
        predicted = {
            "model": similar.predict(context).top(k),
            "baseline_frequency": frequent,
            "baseline_reach": by_reach,
        }
        for method, ranking in predicted.items():
            hits[method].append(_at_k(ranking, deal.roles, k))

    n = len(history)
    presence = Counter(role for d in history for role in d.roles)
    scorers: dict[str, Scorer] = {
        "model": _ModelScorer(counted, history, influence),
        "baseline_frequency": lambda d: sum(presence[r] / n for r in sorted(d.roles)) if n else 0.0,
        "baseline_reach": lambda d: sum(math.log1p(audience.get(p, 0)) for p in sorted(d.people)),
    }
    metrics = {}
    for method in METHODS:
        outcome_auc, outcome_brier = (
            _outcome_metrics(history, tests, scorers[method]) if history and tests else (None, None)
        )
        pairs = hits[method]
        metrics[method] = MethodMetrics(
            precision_at_k=sum(p for p, _ in pairs) / len(pairs) if pairs else None,
            recall_at_k=sum(r for _, r in pairs) / len(pairs) if pairs else None,
            auc=outcome_auc,
            brier=outcome_brier,
        )
    return BacktestResult(as_of, len(history), len(tests), k, metrics)
