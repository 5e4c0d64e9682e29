"""The lab's statistics against scipy.stats and hand calculations, edge cases included."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as scipy_stats

from trainlab.lab.statistics import (BOOTSTRAP_MIN_PAIRS, bootstrap_interval, compare, holm, mean_std, pair,
                                     sign_test, t_interval, t_test)


def test_t_interval_matches_a_hand_calculation():
    # d = 1, 2, 3: mean 2, s_d = 1, se = 1/√3; t_{0.975, 2} = 4.302653 (any t table)
    low, high = t_interval([1.0, 2.0, 3.0], 0.95)
    half = 4.302653 / math.sqrt(3)
    assert (low, high) == pytest.approx((2 - half, 2 + half), rel=1e-6)


@pytest.mark.parametrize("confidence", [0.95, 0.99, 1 - 0.05 / 8])
def test_t_interval_and_p_match_scipy_paired_t_test(confidence):
    rng = np.random.default_rng(3)
    arm, baseline = rng.normal(0.87, 0.01, 5), rng.normal(0.86, 0.01, 5)
    reference = scipy_stats.ttest_rel(arm, baseline)
    assert t_test(arm - baseline) == (pytest.approx(reference.pvalue, rel=1e-10), "paired t")
    expected = reference.confidence_interval(confidence)
    assert t_interval(arm - baseline, confidence) == pytest.approx((expected.low, expected.high), rel=1e-10)


def test_holm_matches_a_hand_calculation():
    # sorted: 0.005 < 0.05/4 reject; 0.01 < 0.05/3 reject; 0.03 ≥ 0.05/2 stop; 0.04 kept after the stop
    adjusted, levels = holm([0.01, 0.04, 0.03, 0.005])
    assert adjusted == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert levels == pytest.approx([0.05 / 3, 0.025, 0.025, 0.0125])


def test_holm_adjusted_p_is_capped_at_one_and_monotone():
    adjusted, _ = holm([0.6, 0.5, 0.9])
    assert adjusted == pytest.approx([1.0, 1.0, 1.0])
    assert holm([]) == ([], [])


def test_mean_std_is_the_sample_std_and_undefined_for_one_value():
    assert mean_std([0.80, 0.84]) == pytest.approx((0.82, 0.04 / math.sqrt(2)))
    assert mean_std([0.8]) == (0.8, None)
    assert mean_std([None, float("nan")]) == (None, None)
    assert mean_std([1.0, None, 3.0, float("nan")]) == pytest.approx((2.0, math.sqrt(2)))


def test_pair_drops_seeds_either_side_lacks_and_says_which():
    differences, seeds, dropped = pair({1: 0.9, 2: 0.8, 3: None, 4: 0.7}, {1: 0.5, 2: 0.6, 4: float("nan"), 5: 0.1})
    assert differences == pytest.approx([0.4, 0.2]) and seeds == [1, 2] and dropped == [3, 4, 5]


def arms(*rows, seeds=(1, 2, 3, 4, 5)):
    return {name: dict(zip(seeds, values)) for name, values in rows}


def test_every_verdict_branch():
    base = [0.80, 0.81, 0.79, 0.80, 0.82]
    results = compare(arms(("base", base),
                           ("up", [b + d for b, d in zip(base, [0.05, 0.06, 0.05, 0.07, 0.06])]),
                           ("down", [b - d for b, d in zip(base, [0.05, 0.06, 0.05, 0.07, 0.06])]),
                           ("noise", [b + d for b, d in zip(base, [0.01, -0.02, 0.015, -0.01, 0.0])]),
                           ("same", base),
                           ("one", [0.9, None, None, None, None]),
                           ("none", [None] * 5)), "base", "max")
    assert [results[k].verdict for k in ("up", "down", "noise", "same", "one", "none")] == [
        "better", "worse", "not distinguishable at n = 5", "not distinguishable at n = 5 (identical on every seed)",
        "not testable at n = 1", "no final run finished ok"]
    assert results["up"].significant and results["down"].significant and not results["noise"].significant
    assert results["one"].p is None and results["one"].mean == pytest.approx(0.1) and results["none"].mean is None
    # four testable comparisons share Holm's family; n = 1 and n = 0 are not in it
    assert results["up"].confidence == pytest.approx(1 - 0.05 / 4)


def test_a_smaller_value_is_better_when_the_goal_is_min():
    results = compare(arms(("base", [10, 11, 12, 10, 11]), ("fast", [5, 6, 6, 5, 4]), ("slow", [20, 22, 21, 19, 23])),
                      "base", "min", words=("faster", "slower"))
    assert (results["fast"].verdict, results["slow"].verdict) == ("faster", "slower")


def test_disjoint_seeds_give_no_pairs():
    results = compare({"base": {1: 0.8, 2: 0.81}, "arm": {3: 0.85, 4: 0.86}}, "base", "max")
    assert (results["arm"].verdict, results["arm"].n, results["arm"].dropped) == ("no pairs", 0, [1, 2, 3, 4])


def test_a_seed_the_baseline_lacks_is_dropped_and_n_says_so():
    results = compare({"base": {1: 0.80, 2: 0.81}, "arm": {1: 0.85, 2: 0.87, 3: 0.86}}, "base", "max")
    assert results["arm"].n == 2 and results["arm"].dropped == [3]
    assert results["arm"].verdict.endswith("at n = 2")


def test_exactly_two_pairs_give_a_t_interval_with_one_degree_of_freedom():
    results = compare({"base": {1: 0.80, 2: 0.81}, "arm": {1: 0.83, 2: 0.85}}, "base", "max")
    expected = scipy_stats.ttest_1samp([0.03, 0.04], 0.0).confidence_interval(0.95)
    assert (results["arm"].low, results["arm"].high) == pytest.approx((expected.low, expected.high))
    assert results["arm"].high - results["arm"].low > 0.05  # t_{0.975,1} = 12.7: wide, never zero


def test_constant_non_zero_differences_use_the_exact_sign_test():
    assert t_test([0.02] * 5) == (pytest.approx(2 ** -4), "sign test")
    assert t_test([0.0] * 4) == (1.0, "identical")
    results = compare(arms(("base", [1, 1, 1, 1, 1]), ("arm", [2, 2, 2, 2, 2])), "base", "min")
    assert results["arm"].verdict == "not distinguishable at n = 5" and results["arm"].low is None
    six = compare(arms(("base", [1] * 6), ("arm", [2] * 6), seeds=range(6)), "base", "min")
    assert six["arm"].p == pytest.approx(1 / 32) and six["arm"].verdict == "worse"


def test_fewer_than_two_pairs_cannot_be_tested():
    with pytest.raises(ValueError, match="at least 2 pairs; got 1"):
        t_test([0.1])
    assert t_interval([0.1], 0.95) is None


def test_bad_goal_is_refused():
    with pytest.raises(ValueError, match="goal must be 'max' or 'min'; got 'up'"):
        compare({}, "base", "up")


def test_bootstrap_only_from_the_stated_number_of_pairs():
    rng = np.random.default_rng(0)
    small = rng.normal(size=BOOTSTRAP_MIN_PAIRS - 1)
    assert bootstrap_interval(small, 0.95) is None
    values = rng.normal(0.1, 1.0, size=BOOTSTRAP_MIN_PAIRS)
    draws = np.random.default_rng(0).integers(0, len(values), size=(10_000, len(values)))
    means = values[draws].mean(axis=1)
    assert bootstrap_interval(values, 0.95) == pytest.approx(tuple(np.percentile(means, [2.5, 97.5])))
    # and it agrees with scipy's percentile bootstrap up to resampling noise
    reference = scipy_stats.bootstrap((values,), np.mean, method="percentile", n_resamples=10_000,
                                      random_state=1).confidence_interval
    assert bootstrap_interval(values, 0.95) == pytest.approx((reference.low, reference.high), abs=0.05)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.floats(-1, 1, allow_nan=False), min_size=4, max_size=4), min_size=2, max_size=6),
       st.floats(-0.5, 0.5))
def test_an_interval_excludes_zero_exactly_when_holm_rejects(rows, shift):
    values = {"base": {s: 0.0 for s in range(4)}}
    values.update({f"a{i}": {s: v + shift for s, v in enumerate(row)} for i, row in enumerate(rows)})
    for result in compare(values, "base", "max").values():
        if result.low is None or abs(result.p - (1 - result.confidence)) < 1e-9:
            continue  # no spread, or on the boundary where rounding decides
        assert (result.low > 0 or result.high < 0) == result.significant


def test_sign_test_matches_scipy_binomial_test():
    differences = [0.1, 0.2, -0.1, 0.3, 0.0, 0.2, 0.1]  # 5 positive, 1 negative, 1 tie dropped
    assert sign_test(differences) == pytest.approx(scipy_stats.binomtest(5, 6, 0.5).pvalue)
    assert sign_test([0.0, 0.0]) == 1.0
