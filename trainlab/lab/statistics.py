"""Paired comparisons against one baseline: t intervals, Holm's step-down test, verdicts in words.

For an arm A and the baseline B measured on the seeds s both finished (a seed fixes the
initialization and the data order, so the pair shares everything but the arm), the paired
differences are d_s = A_s − B_s, s = 1 … n, and

    d̄ = (1/n) Σ d_s,   s_d = √(Σ (d_s − d̄)² / (n − 1)),   se = s_d / √n,   t = d̄ / se,

with p = 2·P(T_{n−1} ≥ |t|) (Student's paired t-test) and the interval d̄ ± t_{1−a/2, n−1}·se at
confidence 1 − a. Both are exact at any n ≥ 2 when the differences are normal; a percentile
bootstrap is not: at n = 3 it returns (almost) the smallest and largest difference and covers
about 75 % of the time. So the t interval is the interval; a bootstrap interval is added only
from :data:`BOOTSTRAP_MIN_PAIRS` pairs on, as a check that does not lean on normality.

**Several arms against one baseline** (m comparisons with n ≥ 2): Holm's step-down procedure
keeps the familywise error (any false "better"/"worse") ≤ α under any dependence between the
comparisons. Sort p_(1) ≤ … ≤ p_(m); H_(i) is rejected while p_(i) < α/(m − i + 1), and from the
first i = k that fails, it and every later one are kept. Holm-adjusted p-values:
p̃_(i) = max_{j ≤ i} min(1, (m − j + 1)·p_(j)), so H_(i) is rejected exactly when p̃_(i) < α.

**Intervals consistent with the verdicts**: the i-th comparison's interval is the t interval at
the level Holm tested it at, 1 − α/(m − min(i, k) + 1). A rejected comparison's interval then
excludes 0 (its p < its level) and a kept one's includes 0 (its p ≥ p_(k) ≥ α/(m − k + 1)), so
an interval and its verdict never disagree. Each interval covers at ≥ 1 − α on its own; the
first-tested interval is Bonferroni's (1 − α/m).

**Optional stopping** (``--seeds auto``, :func:`trainlab.lab.runner.run_study`): looking at the
data after each batch of seeds and stopping once every interval excludes 0 would inflate the
error rate if every look used α. With L possible looks, every look tests at α/L (Bonferroni over
looks), so the familywise error stays ≤ α whatever the stopping rule; ``alpha`` below is that α/L.

**Edge cases**: n = 0 or 1 gives no test (verdict says so). When all n ≥ 2 differences are equal
the t statistic is undefined (se = 0): identical values (d = 0 on every seed) are "not
distinguishable" with p = 1; otherwise the exact sign test replaces the t-test (a constant
non-zero difference gives p = 2^(1−n), every pair on the same side), and there is no interval.
Values that are None or NaN drop their pair.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

ALPHA = 0.05
BOOTSTRAP_MIN_PAIRS = 20
BOOTSTRAP_RESAMPLES = 10_000
BOOTSTRAP_SEED = 0


def finite(value) -> bool:
    """True for a real number that is not NaN or infinite (None and NaN mark missing values)."""
    return value is not None and not isinstance(value, bool) and math.isfinite(value)


def mean_std(values) -> tuple[float | None, float | None]:
    """Mean and sample standard deviation (n − 1) of the finite values.

    ``(None, None)`` without values; the std is None for a single value (undefined, not 0).
    """
    array = np.asarray([v for v in values if finite(v)], dtype=np.float64)
    if len(array) == 0:
        return None, None
    return float(array.mean()), (float(array.std(ddof=1)) if len(array) > 1 else None)


def pair(values: dict, baseline: dict) -> tuple[list[float], list, list]:
    """Paired differences over the seeds both ``{seed: value}`` maps hold a finite value for.

    Returns ``(differences, seeds, dropped)``: ``dropped`` lists the seeds of either map left out
    (one side missing, None or NaN), so a report can say why n is smaller than planned.
    """
    seeds = sorted(set(values) | set(baseline))
    kept = [s for s in seeds if finite(values.get(s)) and finite(baseline.get(s))]
    dropped = [s for s in seeds if s not in kept]
    return [float(values[s]) - float(baseline[s]) for s in kept], kept, dropped


def t_quantile(probability: float, df: int) -> float:
    """The ``probability`` quantile of Student's t with ``df`` degrees of freedom."""
    from scipy import stats

    return float(stats.t.ppf(probability, df))


def sign_test(differences) -> float:
    """Exact two-sided sign test: 2·P(Bin(k, ½) ≤ min(#positive, #negative)) over the k non-zero
    differences, capped at 1 (1 when every difference is 0)."""
    positive = sum(1 for d in differences if d > 0)
    negative = sum(1 for d in differences if d < 0)
    k = positive + negative
    tail = sum(math.comb(k, i) for i in range(min(positive, negative) + 1)) / 2 ** k
    return min(1.0, 2 * tail)


def _no_spread(d: np.ndarray) -> bool:
    # Equal values, or values so close that their sample std underflows to 0 (no t statistic).
    return bool(np.all(d == d[0]) or d.std(ddof=1) == 0)


def t_test(differences) -> tuple[float, str]:
    """Two-sided p-value of H0: mean difference = 0, and the test used (module docstring)."""
    d = np.asarray(differences, dtype=np.float64)
    n = len(d)
    if n < 2:
        raise ValueError(f"a paired test needs at least 2 pairs; got {n}")
    if np.all(d == 0):
        return 1.0, "identical"
    if _no_spread(d):
        return sign_test(d), "sign test"
    from scipy import stats

    t = d.mean() / (d.std(ddof=1) / math.sqrt(n))
    return float(2 * stats.t.sf(abs(t), n - 1)), "paired t"


def t_interval(differences, confidence: float) -> tuple[float, float] | None:
    """d̄ ± t_{(1+confidence)/2, n−1}·se; None when n < 2 or the differences have no spread."""
    d = np.asarray(differences, dtype=np.float64)
    if len(d) < 2 or _no_spread(d):
        return None
    half = t_quantile((1 + confidence) / 2, len(d) - 1) * d.std(ddof=1) / math.sqrt(len(d))
    return float(d.mean() - half), float(d.mean() + half)


def bootstrap_interval(differences, confidence: float, seed: int = BOOTSTRAP_SEED,
                       resamples: int = BOOTSTRAP_RESAMPLES) -> tuple[float, float] | None:
    """Percentile bootstrap interval of the mean; None below :data:`BOOTSTRAP_MIN_PAIRS` pairs.

    Pairs are resampled with replacement ``resamples`` times by a generator seeded with ``seed``,
    so the interval is the same on every machine.
    """
    d = np.asarray(differences, dtype=np.float64)
    if len(d) < BOOTSTRAP_MIN_PAIRS:
        return None
    means = d[np.random.default_rng(seed).integers(0, len(d), size=(resamples, len(d)))].mean(axis=1)
    low, high = np.percentile(means, [50 * (1 - confidence), 50 * (1 + confidence)])
    return float(low), float(high)


def holm(p_values: list[float], alpha: float = ALPHA) -> tuple[list[float], list[float]]:
    """Holm-adjusted p-values and, per comparison, the level α' its interval uses (1 − α').

    Both lists follow the input order (see the module docstring for the rule).
    """
    m = len(p_values)
    order = sorted(range(m), key=lambda i: (p_values[i], i))
    adjusted, levels = [1.0] * m, [alpha] * m
    running, stopped_at = 0.0, None
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[index]))
        adjusted[index] = running
        if stopped_at is None and not p_values[index] < alpha / (m - rank):
            stopped_at = rank
        levels[index] = alpha / (m - (rank if stopped_at is None else stopped_at))
    return adjusted, levels


@dataclass
class Comparison:
    """One arm against the baseline on one quantity (a row of the report's verdict table)."""

    n: int
    seeds: list = field(default_factory=list)
    dropped: list = field(default_factory=list)
    differences: list[float] = field(default_factory=list)
    mean: float | None = None
    p: float | None = None
    p_holm: float | None = None
    method: str = ""
    confidence: float | None = None
    low: float | None = None
    high: float | None = None
    bootstrap: tuple[float, float] | None = None
    significant: bool = False
    verdict: str = ""


def compare(arms: dict[str, dict], baseline: str, goal: str, alpha: float = ALPHA,
            words: tuple[str, str] = ("better", "worse")) -> dict[str, Comparison]:
    """Every arm of ``arms`` (``{name: {seed: value}}``) against ``baseline``, Holm-corrected.

    Args:
        arms: per arm, its value on each seed (None/NaN for a seed it lacks).
        baseline: the name of the reference arm (its own entry gets no comparison).
        goal: ``"max"`` (a larger value is better) or ``"min"``.
        alpha: the familywise level (already divided by the number of looks when sequential).
        words: the verdicts for a difference in the good and in the bad direction.

    Returns:
        ``{name: Comparison}`` for every arm but the baseline, in the input order.
    """
    reference = arms.get(baseline, {})
    return compare_pairs({name: (values, reference) for name, values in arms.items() if name != baseline},
                         goal, alpha, words)


def compare_pairs(pairs: dict[str, tuple[dict, dict]], goal: str, alpha: float = ALPHA,
                  words: tuple[str, str] = ("better", "worse")) -> dict[str, Comparison]:
    """One family of paired comparisons, Holm-corrected together: ``{name: (values, reference)}``
    with both sides ``{seed: value}`` (each comparison may have its own reference, e.g. BN against
    no BN at the same init scale). Arguments and result as :func:`compare`."""
    if goal not in ("max", "min"):
        raise ValueError(f"goal must be 'max' or 'min'; got {goal!r}")
    results = {}
    for name, (values, reference) in pairs.items():
        differences, seeds, dropped = pair(values, reference)
        result = Comparison(n=len(differences), seeds=seeds, dropped=dropped, differences=differences)
        if differences:
            result.mean = float(np.mean(differences))
        if len(differences) >= 2:
            result.p, result.method = t_test(differences)
        elif not any(finite(v) for v in values.values()):
            result.verdict, result.dropped = "no final run finished ok", []
        else:
            result.verdict = "no pairs" if not differences else "not testable at n = 1"
        results[name] = result
    tested = [name for name, result in results.items() if result.p is not None]
    adjusted, levels = holm([results[name].p for name in tested], alpha)
    for name, p_holm, level in zip(tested, adjusted, levels):
        result = results[name]
        result.p_holm, result.confidence = p_holm, 1 - level
        interval = t_interval(result.differences, 1 - level)
        if interval is not None:
            result.low, result.high = interval
        result.bootstrap = bootstrap_interval(result.differences, 1 - level)
        result.verdict = _verdict(result, alpha, goal, words)
    return results


def _verdict(result: Comparison, alpha: float, goal: str, words: tuple[str, str]) -> str:
    if result.method == "identical":
        return f"not distinguishable at n = {result.n} (identical on every seed)"
    if result.p_holm >= alpha:
        return f"not distinguishable at n = {result.n}"
    result.significant = True
    good = result.mean > 0 if goal == "max" else result.mean < 0
    return words[0] if good else words[1]
