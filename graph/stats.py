"""Statistics as pure functions: counts in, estimates out (docs/decisions.md, "Statistics").

Why these methods:
- *Size adjustment*: a Mantel–Haenszel odds ratio over deal-size bands. A role
  that only turns up in large deals is compared with other large deals, so it
  is not blamed for large deals losing more often. Bands where the role is
  always or never present carry no information and drop out by themselves.
- *Uncertainty*: the Robins–Breslow–Greenland variance of log(OR_MH).
- *Conservative ranking*: a normal prior on the log odds ratio, centred on
  "no effect" at the top level (sceptical) and on the parent segment's
  estimate below it (partial pooling). The posterior mean is the rank key:
  three deals cannot outrank fifty, yet a precisely measured null effect
  stays at zero instead of rising with reach, as a lower bound would.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Z95 = 1.959963984540054
Floats = NDArray[np.float64]
Ints = NDArray[np.int64]
Counts = NDArray[np.int32] | NDArray[np.int64]  # deal counts, as tables hold them
Flags = NDArray[np.bool_]


@dataclass(frozen=True)
class Stratum:
    """One deal-size band's 2×2 table: present/absent × won/lost."""

    won_present: int
    lost_present: int
    won_absent: int
    lost_absent: int

    @property
    def total(self) -> int:
        return self.won_present + self.lost_present + self.won_absent + self.lost_absent

    @property
    def informative(self) -> bool:
        present = self.won_present + self.lost_present
        absent = self.won_absent + self.lost_absent
        return present > 0 and absent > 0


@dataclass(frozen=True)
class LogOdds:
    """An estimate of log(odds ratio) with its standard error."""

    mean: float
    se: float

    def interval(self) -> tuple[float, float]:
        return (self.mean - Z95 * self.se, self.mean + Z95 * self.se)


def mantel_haenszel(strata: Sequence[Stratum]) -> LogOdds | None:
    """Size-adjusted log odds ratio, or None when no band compares present with absent."""
    if not strata:
        return None
    a, b, c, d = (
        np.array([[getattr(s, cell) for s in strata]], dtype=np.int64)
        for cell in ("won_present", "lost_present", "won_absent", "lost_absent")
    )
    mean, se, valid = mantel_haenszel_many(a, b, c, d)
    return LogOdds(float(mean[0]), float(se[0])) if valid[0] else None


def mantel_haenszel_many(
    a: Counts, b: Counts, c: Counts, d: Counts
) -> tuple[Floats, Floats, Flags]:
    """Mantel–Haenszel for many keys at once: `a[k, band]` won with key k present, `b`
    lost present, `c` won absent, `d` lost absent. Answers log OR, its standard error,
    and whether any band compared present with absent (where not, mean and se are NaN).

    Zero cells get the usual 0.5 correction, in informative bands only, so that
    a role seen only in won deals still gets a finite (and wide) estimate.
    """
    informative = (a + b > 0) & (c + d > 0)
    valid: Flags = np.asarray(informative.any(axis=1), dtype=np.bool_)
    corrected = (informative & ((a == 0) | (b == 0) | (c == 0) | (d == 0))).any(axis=1)
    shift = np.where(corrected, 0.5, 0.0)[:, None]
    weight = informative.astype(np.float64)  # 0 leaves a band out of every sum
    fa, fb, fc, fd = ((x + shift) * weight for x in (a, b, c, d))
    n = fa + fb + fc + fd + (1.0 - weight)
    r, s = fa * fd / n, fb * fc / n
    p, q = (fa + fd) / n, (fb + fc) / n
    sum_r, sum_s = r.sum(axis=1), s.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        variance = (
            (p * r).sum(axis=1) / (2 * sum_r**2)
            + (p * s + q * r).sum(axis=1) / (2 * sum_r * sum_s)
            + (q * s).sum(axis=1) / (2 * sum_s**2)
        )
        mean = np.where(valid, np.log(sum_r / sum_s), np.nan)
    return mean, np.where(valid, np.sqrt(variance), np.nan), valid


@dataclass(frozen=True)
class Prior:
    """A normal prior on the log odds ratio; `informed` says whether data stood behind it."""

    mean: float
    sd: float
    informed: bool = False


def posterior(estimate: LogOdds | None, prior: Prior) -> LogOdds:
    """Combine an estimate with its prior (precision-weighted); no data leaves the prior."""
    mean, se = posterior_many(
        np.array([np.nan if estimate is None else estimate.mean]),
        np.array([np.nan if estimate is None else estimate.se]),
        np.array([prior.mean]),
        np.array([prior.sd]),
    )
    return LogOdds(float(mean[0]), float(se[0]))


def posterior_many(
    mean: Floats, se: Floats, prior_mean: Floats, prior_sd: Floats
) -> tuple[Floats, Floats]:
    """`posterior` for many keys; a NaN, zero or infinite se means no data."""
    usable = np.isfinite(se) & (se > 0)
    safe_se = np.where(usable, se, 1.0)
    data_precision = np.where(usable, 1.0 / safe_se**2, 0.0)
    prior_precision = 1.0 / prior_sd**2
    precision = data_precision + prior_precision
    combined = (np.where(usable, mean, 0.0) * data_precision + prior_mean * prior_precision) / (
        precision
    )
    return (
        np.where(usable, combined, prior_mean),
        np.where(usable, np.sqrt(1.0 / precision), prior_sd),
    )


def child_prior(parent: LogOdds, informed: bool, spread: float) -> Prior:
    """The prior of a sub-segment: centred on its parent's estimate, wider by the segments' spread.

    When nothing stood behind the parent's estimate it is passed down as is,
    so that an empty level does not loosen the sceptical prior.
    """
    mean, sd = child_prior_many(
        np.array([parent.mean]), np.array([parent.se]), np.array([informed]), spread
    )
    return Prior(float(mean[0]), float(sd[0]), informed=informed)


def child_prior_many(
    mean: Floats, se: Floats, informed: Flags, spread: float
) -> tuple[Floats, Floats]:
    """`child_prior` for many keys: the prior means and standard deviations."""
    return mean, np.where(informed, np.sqrt(se**2 + spread**2), se)


BANDS_PER_DECADE = 2  # a band spans a factor of √10: 10k–31.6k, 31.6k–100k, …


def band_edge(band: int) -> float:
    """The smallest amount of a band (band 0 starts at 0)."""
    return 0.0 if band <= 0 else float(10.0 ** (band / BANDS_PER_DECADE))


def size_band(amount: float | None) -> int:
    """The deal-size band of an amount: fixed half-decades of the amount, the same for
    every tenant and every day, so that counts kept per band never need re-banding
    (docs/architecture.md). Amounts under 3.16 share band 0; no amount is band -1."""
    if amount is None or math.isnan(amount):
        return -1
    if amount < band_edge(1):
        return 0
    band = math.floor(BANDS_PER_DECADE * math.log10(amount))
    # log10 may round across an edge; the edges themselves decide.
    while band > 0 and amount < band_edge(band):
        band -= 1
    while amount >= band_edge(band + 1):
        band += 1
    return band


def band_range(band: int) -> tuple[float, float] | None:
    """[low, high) of a band's amounts; None for the band of deals without an amount."""
    if band < 0:
        return None
    return band_edge(band), band_edge(band + 1)


def size_bands(amounts: Floats) -> Ints:
    """`size_band` for an array of amounts (NaN for unknown)."""
    return np.array([size_band(float(a)) for a in amounts], dtype=np.int64)


def rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def median(values: Sequence[int]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[mid])
    return (ordered[mid - 1] + ordered[mid]) / 2.0


def auc(scores: Sequence[float], outcomes: Sequence[bool]) -> float | None:
    """Area under the ROC curve (Mann–Whitney, ties count half); None without both classes."""
    pairs = sorted(zip(scores, outcomes, strict=True), key=lambda p: p[0])
    positives = sum(1 for _, y in pairs if y)
    negatives = len(pairs) - positives
    if not positives or not negatives:
        return None
    rank_sum = 0.0
    i = 0
    while i < len(pairs):
        j = i
        while j < len(pairs) and pairs[j][0] == pairs[i][0]:
            j += 1
        mid_rank = (i + j + 1) / 2.0  # ranks are 1-based
        rank_sum += mid_rank * sum(1 for _, y in pairs[i:j] if y)
        i = j
    return (rank_sum - positives * (positives + 1) / 2.0) / (positives * negatives)


def brier(probabilities: Sequence[float], outcomes: Sequence[bool]) -> float | None:
    if not probabilities:
        return None
    return sum((p - float(y)) ** 2 for p, y in zip(probabilities, outcomes, strict=True)) / len(
        probabilities
    )


def logistic(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def fit_logistic_1d(
    scores: Sequence[float], outcomes: Sequence[bool], ridge: float = 1e-3
) -> tuple[float, float]:
    """Intercept and slope of P(won) = logistic(a + b·score), by Newton's method.

    Used to turn any method's raw score into a probability the same way, so
    that Brier scores compare methods rather than calibrations.
    """
    a = b = 0.0
    for _ in range(50):
        ga = gb = haa = hab = hbb = 0.0
        for x, y in zip(scores, outcomes, strict=True):
            p = logistic(a + b * x)
            w = p * (1 - p)
            ga += float(y) - p
            gb += (float(y) - p) * x
            haa += w
            hab += w * x
            hbb += w * x * x
        gb -= ridge * b
        hbb += ridge
        haa += ridge
        det = haa * hbb - hab * hab
        if det <= 1e-12:
            break
        da = (hbb * ga - hab * gb) / det
        db = (haa * gb - hab * ga) / det
        a, b = a + da, b + db
        if abs(da) < 1e-9 and abs(db) < 1e-9:
            break
    return a, b
