"""The statistics every report sentence rests on: intervals, tests, correlations, run fates."""
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as scipy_stats

from nnstudies import stats


@pytest.mark.parametrize("values", [[0.8, 0.82, 0.85, 0.79], [0.5, 0.6],
                                    list(np.linspace(0, 1, 10))])
def test_mean_ci_matches_scipy(values):
    mean, std, half = stats.mean_ci(values)
    low, high = scipy_stats.t.interval(0.95, len(values) - 1, loc=np.mean(values),
                                       scale=scipy_stats.sem(values))
    assert mean == pytest.approx(np.mean(values))
    assert std == pytest.approx(np.std(values, ddof=1))
    assert (mean - half, mean + half) == pytest.approx((low, high))


def test_mean_ci_of_one_value():
    mean, std, half = stats.mean_ci([0.7])
    assert mean == 0.7 and math.isnan(std) and math.isnan(half)


def test_two_runs_each_cannot_be_tested():
    c = stats.compare([0.80, 0.81], [0.70, 0.72])
    assert c["diff"] == pytest.approx(0.095)
    assert not c["testable"] and math.isnan(c["p"]) and not c["separated"]
    assert c["min_p"] == pytest.approx(1 / 3)  # 2 / C(4, 2)


def test_one_run_has_no_test():
    c = stats.compare([0.9], [0.8, 0.85, 0.82])
    assert not c["testable"] and math.isnan(c["min_p"])


def test_exact_permutation_p_matches_enumeration():
    x, y = [0.90, 0.91, 0.92, 0.93], [0.88, 0.89, 0.90, 0.905]
    c = stats.compare(x, y)
    # enumerate every split of the 8 values into two groups of 4
    import itertools
    pooled = np.array(x + y)
    observed = abs(np.mean(x) - np.mean(y))
    diffs = []
    for idx in itertools.combinations(range(8), 4):
        mask = np.zeros(8, bool)
        mask[list(idx)] = True
        diffs.append(abs(pooled[mask].mean() - pooled[~mask].mean()))
    expected = np.mean(np.array(diffs) >= observed - 1e-12)
    assert c["testable"] and c["p"] == pytest.approx(expected)


def test_clear_difference_is_separated_and_noisy_one_is_not():
    clear = stats.compare(np.linspace(0.89, 0.91, 10), np.linspace(0.79, 0.81, 10))
    noisy = stats.compare(np.linspace(0.80, 0.95, 10), np.linspace(0.79, 0.94, 10))
    assert clear["separated"] and clear["p"] < 0.001
    assert noisy["testable"] and not noisy["separated"]


def test_identical_runs_are_not_separated():
    c = stats.compare([0.88] * 5, [0.88] * 5)
    assert c["p"] == 1.0 and not c["separated"]


def test_three_point_correlation_has_no_p_value():
    r = stats.rank_correlation([1, 2, 3], [0.3, 0.2, 0.1])
    assert r["rho"] == pytest.approx(-1) and not r["testable"] and math.isnan(r["p"])
    assert r["min_p"] == pytest.approx(1 / 3)


def test_six_point_correlation_is_exact():
    x, y = [1, 2, 3, 4, 5, 6], [1, 3, 2, 4, 6, 5]
    r = stats.rank_correlation(x, y)
    assert r["rho"] == pytest.approx(scipy_stats.spearmanr(x, y)[0])
    assert r["testable"] and r["p"] == pytest.approx(24 / 720)  # exact: 2 x 12 of 720


def curve(losses, grads=None):
    df = pd.DataFrame({"step": range(10, 10 * len(losses) + 1, 10), "train_loss": losses})
    if grads is not None:
        df["grad_norm"] = grads
    return df


def test_run_status_rules():
    ok = curve([2.0, 1.0, 0.5, 0.4])
    assert stats.run_status(ok, 0.85, 2000, 10, None)[0] == "ok"
    assert stats.run_status(curve([2.3]), None, 2000, 10, 123)[0] == "diverged"
    blown = curve([2.3, 5e9, 4e9, 6e9])
    status, reason = stats.run_status(blown, 0.10, 2000, 10, None)
    assert status == "blew up" and "6e+09" in reason
    # a run with fewer records than the rule reads (one per epoch, 2 epochs) is read on all
    assert stats.run_status(curve([225.0, 180.0]), 0.6, 2000, 2, None)[0] == "blew up"
    assert stats.run_status(curve([225.0, 0.5]), 0.9, 2000, 2, None)[0] == "ok"
    # only the last records count: a loss that blew up early and recovered is not "blew up"
    assert stats.run_status(curve([5e9, 3e9, 1e9, 0.5, 0.4, 0.3]), 0.8, 2000, 10,
                            None)[0] == "ok"
    assert stats.run_status(ok, 0.11, 2000, 10, None) == (
        "stuck", "test accuracy 11.0 % within 3 standard errors above chance (10 %)")
    # the rule is one-sided: an accuracy far below chance is stuck too, and said to be below
    assert stats.run_status(ok, 0.1008, 1995, 7, None) == (
        "stuck", "test accuracy 10.1 % below chance (14.3 %)")
    assert stats.run_status(ok, 0.15, 2000, 10, None)[0] == "ok"
    dead = curve([2.3, 2.3, 2.3], grads=[0.1, 0.0, 0.0])
    assert stats.run_status(dead, 0.5, 2000, 10, None)[0] == "stuck"


def test_a_run_stuck_after_a_blow_up_says_so():
    """Stuck at chance after its loss had blown up (its units died in it): the reason names
    the blow-up, which is why it is stuck (a run at 17,539 on its first record, then ln C)."""
    after = curve([17539.0, 1.61, 1.61, 1.61], grads=[0.5, 0.0, 0.0, 0.0])
    assert stats.run_status(after, 0.2, 2000, 5, None) == (
        "stuck", "first-layer gradient exactly zero at the last record; its training loss had "
                 "blown up first, to 1.75e+04 at step 10")
    assert stats.run_status(curve([2.3, 2.3, 2.3]), 0.1, 2000, 10, None)[1].endswith("(10 %)")


def test_rank_correlations_smallest_p_with_ties_in_both_is_the_extreme_pairings_own():
    """Tied x (3 rates, 2 seeds each) and tied y (runs stuck at one accuracy): the smallest p
    is that of the most extreme pairing, counted over every pairing (the product of the ties'
    factorials overcounted, 0.067 where the truth was 0.017 in a 9-run study)."""
    import itertools
    x = np.array([1, 1, 2, 2, 3, 3], dtype=float)
    y = np.array([0.2, 0.2, 0.2, 0.5, 0.6, 0.7])
    rho = [scipy_stats.spearmanr(x, y[list(p)])[0] for p in itertools.permutations(range(6))]
    best = max(abs(r) for r in rho)
    exact = sum(abs(r) >= best - 1e-12 for r in rho) / len(rho)
    assert stats.rank_correlation(x, y)["min_p"] == pytest.approx(exact)
    assert stats.rank_correlation([1, 2, 3], [0.3, 0.2, 0.1])["min_p"] == pytest.approx(1 / 3)
