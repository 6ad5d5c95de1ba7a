"""Wording shared by every study's report section: numbers in, phrases out, no statistics.

Each phrase follows a rule of ../shared/spec/REPORT.md: a ranking never reads "not separated"
as "equal", a test that cannot reach significance gives no p-value, few runs are flagged.
"""
from .stats import ALPHA, SMALL_SAMPLE


def pct(x):
    return "–" if x != x else f"{100 * x:.2f} %"


def pts(x):
    """A difference of accuracies in percentage points, signed."""
    return f"{100 * x:+.2f} points"


def cell(x):
    """A fraction as a table cell in percent; NaN (no value) as a dash."""
    return f"{100 * x:.2f}" if x == x else "–"


def small(n):
    """The small-sample flag for an interval or test over n runs."""
    return f"{n} runs: small sample" if 1 < n < SMALL_SAMPLE else f"{n} runs"


def interval(mean, low, high, n):
    """'85.10 % (95 % CI 84.2–86.0 %, 10 runs)', or the statement that one run has no spread."""
    if n < 2 or low != low:
        return f"{pct(mean)} (1 run: no spread, no comparison possible)"
    return f"{pct(mean)} (95 % CI {100 * low:.2f}–{100 * high:.2f} %, {small(n)})"


def verdict(c):
    """What a `stats.compare` result says about two means, in words."""
    n = f"{c['n_x']} and {c['n_y']} runs"
    if min(c["n_x"], c["n_y"]) < 2:
        return "one run on a side: no spread, so no comparison can be made"
    if not c["testable"]:
        return (f"not resolved: with {n} no test can reach p < {ALPHA} (the smallest p an "
                f"exact test can give is {c['min_p']:.2g})")
    if c["separated"]:
        return f"separated by the data (permutation test p = {c['p']:.2g}, {n})"
    return (f"not separated by the data (p = {c['p']:.2g}, {n}): too few or too noisy runs "
            "to tell them apart, which does not make them equal")


def comparison(a, b, c):
    """'cnn_4 vs cnn_3: +1.20 points, not separated by the data (p = 0.31, 10 and 10 runs)'."""
    return f"{a} vs {b}: {pts(c['diff'])}, {verdict(c)}"


def correlation(what, r):
    """A rank correlation with its p-value only where one can be reached."""
    if r["rho"] != r["rho"]:
        return f"{what}: no rank correlation (fewer than 3 points, or ties throughout)"
    text = f"{what}: Spearman ρ = {r['rho']:.2f} over {r['n']} points"
    if not r["testable"]:
        return text + (f" (descriptive only: with {r['n']} points no test can reach "
                       f"p < {ALPHA})")
    return text + f" (exact permutation p = {r['p']:.2g})"


def status_counts(statuses, what="runs"):
    """'2 of 12 runs blew up, 1 stuck, the other 9 ok' from a sequence of statuses."""
    statuses = list(statuses)
    bad = {s: statuses.count(s) for s in ("diverged", "blew up", "stuck") if s in statuses}
    if not bad:
        return f"all {len(statuses)} {what} ended ok (none diverged, blew up or got stuck)"
    parts = [f"{k} {s}" for s, k in bad.items()]
    return (f"of {len(statuses)} {what}, " + ", ".join(parts)
            + f"; {statuses.count('ok')} ended ok")


def names(items):
    items = [str(i) for i in items]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
