"""Every statistic the report rests on, in one place, with its thresholds named once.

The analysis step of each study calls these and writes the results to its tables and facts
file; the report's prose only reads them (REPORT.md: claims follow a stated rule). The
thresholds are printed in the report's methods section (`THRESHOLDS`).
"""
import math

import numpy as np

from .lazy import lazy_import

stats = lazy_import("scipy.stats")

ALPHA = 0.05            # a difference is called "separated" when a test gives p < ALPHA
CONFIDENCE = 0.95       # intervals: Student t over seeds
SMALL_SAMPLE = 5        # fewer runs than this: intervals and tests are flagged as small-sample
EXACT_LIMIT = 200_000   # permutation tests enumerate every arrangement up to this many
BLOWUP_FACTOR = 10      # blew up: training loss above BLOWUP_FACTOR * chance_loss ...
BLOWUP_RECORDS = 3      # ... in each of the last BLOWUP_RECORDS records
STUCK_Z = 3             # stuck: final accuracy within STUCK_Z binomial standard errors of 1/C

STATUSES = ["ok", "diverged", "blew up", "stuck"]
THRESHOLDS = {
    "separated": f"an exact permutation test of the difference in mean (two-sided) gives "
                 f"p < {ALPHA}; where even the most extreme arrangement cannot reach that "
                 f"(too few runs), no p-value is given; with fewer than {SMALL_SAMPLE} runs on "
                 "a side the comparison is not resolved whatever its p (the intervals are too "
                 "wide to rank: with 4 and 4 runs p = 0.029 only says that every run of one arm "
                 "lies beyond every run of the other). Each p is that comparison's own, not "
                 "corrected for the report's many comparisons: among arms that truly do not "
                 f"differ, about {100 * ALPHA:g} % of comparisons are separated by chance",
    "interval": f"{100 * CONFIDENCE:g} % Student t interval over seeds; flagged small-sample "
                f"below {SMALL_SAMPLE} runs",
    "diverged": "the training loss became NaN or infinite (the run stops there)",
    "blew up": f"the training loss exceeded {BLOWUP_FACTOR} × the loss of a uniform guess (1/C "
               "for every class of C: ln C under cross-entropy, (C − 1)/C under the squared "
               "error on one-hot targets of the NumPy linear and two-layer models) in each of "
               f"the last {BLOWUP_RECORDS} records (in every record of a run with fewer)",
    "stuck": f"the test accuracy (after the last update) is at most {STUCK_Z} binomial "
             "standard errors above chance (1/C) on the number of test images (below chance "
             "counts too), or the first "
             "layer's gradient is exactly zero at the last record; a run's fate is decided on "
             "the test set alone, so a run called ok may still be near chance on the smaller "
             "validation set. A stuck run whose training loss had passed the blow-up level at "
             "some earlier record says so in its reason (stuck after its loss blew up)",
}


def mean_ci(values, confidence=CONFIDENCE):
    """(mean, sample std, half-width of the t interval); NaN spread for fewer than two values."""
    values = np.asarray(values, dtype=float)
    n = len(values)
    if n == 0:
        return float("nan"), float("nan"), float("nan")
    mean = float(values.mean())
    if n < 2:
        return mean, float("nan"), float("nan")
    std = float(values.std(ddof=1))
    return mean, std, float(stats.t.ppf((1 + confidence) / 2, n - 1) * std / math.sqrt(n))


def _permutation_p(samples, statistic, permutation_type, arrangements):
    """Two-sided permutation p-value: exact when there are few arrangements, else 20,000 seeded
    resamples (so the same data always give the same p)."""
    exact = arrangements <= EXACT_LIMIT
    result = stats.permutation_test(
        samples, statistic, permutation_type=permutation_type, vectorized=True,
        n_resamples=np.inf if exact else 20_000, alternative="two-sided",
        rng=np.random.default_rng(0))
    return float(result.pvalue)


def compare(x, y):
    """Difference of means x − y and whether the runs separate it from zero.

    Returns {diff, n_x, n_y, p, min_p, testable, separated, small}: `min_p` is the smallest
    p-value an exact two-sided permutation test can give at these sizes (2 / C(n_x + n_y,
    n_x)); `testable` is False when min_p ≥ ALPHA (no arrangement of so few runs could
    separate the means), and then `p` is NaN: the report states the sizes instead of a
    p-value. `small`: fewer than SMALL_SAMPLE runs on a side, where a p < ALPHA does not
    separate the means (the comparison is not resolved).
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    out = {"diff": float(x.mean() - y.mean()) if len(x) and len(y) else float("nan"),
           "n_x": len(x), "n_y": len(y), "p": float("nan"), "min_p": float("nan"),
           "testable": False, "separated": False,
           "small": min(len(x), len(y)) < SMALL_SAMPLE}
    if min(len(x), len(y)) < 2:
        return out
    arrangements = math.comb(len(x) + len(y), len(x))
    out["min_p"] = min(1.0, 2 / arrangements)
    if out["min_p"] >= ALPHA:
        return out
    out["testable"] = True
    if np.ptp(np.concatenate([x, y])) == 0:  # every run identical: no difference at all
        out["p"] = 1.0
    else:
        out["p"] = _permutation_p(
            (x, y), lambda a, b, axis: a.mean(axis) - b.mean(axis), "independent", arrangements)
    # REPORT.md, "Few runs": with 2-4 runs a side the intervals are too wide to rank, so the
    # comparison is not resolved even where the test reaches p < ALPHA (4 and 4 runs: 0.029)
    out["separated"] = out["p"] < ALPHA and not out["small"]
    return out


def rank_correlation(x, y):
    """Spearman's ρ with an exact permutation p-value where one can reach ALPHA.

    Returns {rho, n, p, min_p, testable}; with 3 points the smallest attainable two-sided p is
    2/3! = 0.33, so `testable` is False and `p` NaN: such a ρ describes, it does not test. Tied
    values raise it (two values of x, two points each: 2·2!·2!/4! = 0.33), conservatively.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    n = len(x)
    out = {"rho": float("nan"), "n": n, "p": float("nan"), "min_p": float("nan"),
           "testable": False}
    if n < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return out
    out["rho"] = float(stats.spearmanr(x, y)[0])
    rx = stats.rankdata(x)

    def p_of(y_values):
        """The permutation p of Spearman's rho for x paired with `y_values`."""
        ry = stats.rankdata(y_values)
        ry = (ry - ry.mean()) / np.linalg.norm(ry - ry.mean())

        def rho(ranks, axis):  # Pearson r of the ranks: Spearman's rho, for many permutations
            centred = ranks - ranks.mean(axis, keepdims=True)
            return (centred * ry).sum(axis) / np.linalg.norm(centred, axis=axis)

        return _permutation_p((rx,), rho, "pairings", math.factorial(n))

    if len(np.unique(x)) == n and len(np.unique(y)) == n:
        out["min_p"] = min(1.0, 2 / math.factorial(n))  # one pairing each way is the extreme
    else:
        # with ties (H 100, 100, 500, 500; runs stuck at one accuracy) the extreme pairing,
        # y sorted along x, is reached by several pairings: its own p is the smallest one
        out["min_p"] = p_of(np.sort(y)[np.argsort(np.argsort(x, kind="stable"))])
    if out["min_p"] >= ALPHA:
        return out
    out["testable"] = True
    out["p"] = p_of(y)
    return out


# Trainers whose loss is the squared error on one-hot targets (nnstudies/linear_models.py);
# every other trainer minimises the cross-entropy.
SQUARED_LOSS_TRAINERS = ("linear", "two_layer")


def chance_loss(n_classes, trainer=None):
    """(value, words): the loss of predicting 1/C for every class under the loss `trainer`
    minimises, the yardstick of "blew up". Cross-entropy: ln C. The squared error summed over
    the classes and averaged over the images (linear_models.py; zero weights add no L2 term):
    (1 − 1/C)² + (C − 1)/C² = (C − 1)/C, whatever the labels."""
    if trainer in SQUARED_LOSS_TRAINERS:
        value = (n_classes - 1) / n_classes
        return value, (f"(C − 1)/C = {value:.2f}, the squared loss of predicting 1/C for "
                       "every class")
    value = math.log(n_classes)
    return value, f"ln C = {value:.2f}"


def run_status(curves, test_acc, n_test, n_classes, diverged_at_step, trainer=None):
    """(status, reason): a run's fate measured from its records (see THRESHOLDS); `trainer`
    (the run's) chooses the loss a uniform guess is measured by (chance_loss)."""
    if diverged_at_step is not None and diverged_at_step == diverged_at_step:
        return "diverged", f"loss not finite at step {int(diverged_at_step):,}"
    chance, words = chance_loss(n_classes, trainer)
    if len(curves):  # a run with fewer records (one a epoch, 2 epochs) is read on all of them
        tail = curves["train_loss"].iloc[-BLOWUP_RECORDS:]
        if (tail > BLOWUP_FACTOR * chance).all():
            return "blew up", f"last training loss {tail.iloc[-1]:.3g} against {words}"
    # a run stuck after its loss had blown up: the blow-up is why (its units died in it)
    peak = curves["train_loss"].max() if len(curves) else float("nan")
    first = (f"; its training loss had blown up first, to {peak:.3g} at step "
             f"{int(curves.step[curves.train_loss.idxmax()]):,}"
             if peak > BLOWUP_FACTOR * chance and "step" in curves else "")
    if "grad_norm" in curves and len(curves) and curves["grad_norm"].iloc[-1] == 0:
        return "stuck", "first-layer gradient exactly zero at the last record" + first
    if test_acc is not None and test_acc == test_acc:
        if test_acc <= chance_band(n_classes, n_test):  # one-sided: below chance is stuck too
            where = ("below chance" if test_acc < 1 / n_classes else
                     f"within {STUCK_Z} standard errors above chance")
            return "stuck", (f"test accuracy {100 * test_acc:.1f} % {where} "
                             f"({100 / n_classes:.3g} %)" + first)
    return "ok", ""


def chance_band(n_classes, n_images):
    """The highest accuracy still within chance (the stuck rule): 1/C plus STUCK_Z binomial
    standard errors on `n_images` images."""
    chance = 1 / n_classes
    return chance + STUCK_Z * math.sqrt(chance * (1 - chance) / n_images)
