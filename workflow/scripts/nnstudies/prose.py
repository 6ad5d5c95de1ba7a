"""Wording shared by every study's report section: numbers in, phrases out, no statistics and no
comparison (those are claims: nnstudies.claims words every comparison, ranking and verdict).
Few runs are flagged as a small sample (REPORT.md).
"""
from .stats import SMALL_SAMPLE


def pct(x):
    return "–" if x != x else f"{100 * x:.2f} %"


def pts(x):
    """A difference of accuracies in percentage points, signed."""
    return f"{100 * x:+.2f} points"


def cell(x):
    """A fraction as a table cell in percent; NaN (no value) as a dash."""
    return f"{100 * x:.2f}" if x == x else "–"


def loss(x):
    """A loss to 4 decimals; a blown-up one (10,000 and over) to 4 significant digits, not 30."""
    if x is None or x != x:
        return "–"
    return f"{x:.4f}" if abs(x) < 1e4 else f"{x:.4g}"


def sig(x, digits=3):
    """A number as a table cell to `digits` significant digits; NaN (no value) as a dash."""
    return f"{x:.{digits}g}" if x == x else "–"


def fated(label, status):
    """'lr 0.5 (ok 2/3, diverged 1/3)': an arm whose runs did not all end ok says so wherever
    a claim cites it; 'lr 0.5' when they did."""
    return label if status == "ok" else f"{label} ({status})"


def runs_cell(r):
    """A variant's runs, with how many have a final point where some diverged: '3 (2)'."""
    return f"{r.runs}" if r.with_final_point == r.runs else f"{r.runs} ({r.with_final_point})"


def small(n):
    """The small-sample flag for an interval or test over n runs."""
    return f"{n} runs: small sample" if 1 < n < SMALL_SAMPLE else f"{n} runs"


def interval(mean, low, high, n):
    """'85.10 % (95 % CI 84.2–86.0 %, 10 runs)', or the statement that one run has no spread."""
    if n < 2 or low != low:
        return f"{pct(mean)} (1 run: no spread, no comparison possible)"
    return f"{pct(mean)} (95 % CI {100 * low:.2f}–{100 * high:.2f} %, {small(n)})"


def status_counts(statuses, what="runs"):
    """'2 of 12 runs blew up, 1 stuck, the other 9 ok' from a sequence of statuses."""
    statuses = list(statuses)
    bad = {s: statuses.count(s) for s in ("diverged", "blew up", "stuck") if s in statuses}
    if not bad:
        every = {1: "the one", 2: "both"}.get(len(statuses), f"all {len(statuses)}")
        one = what[:-1] if len(statuses) == 1 and what.endswith("s") else what
        return f"{every} {one} ended ok (none diverged, blew up or got stuck)"
    parts = [f"{k} {s}" for s, k in bad.items()]
    one = what[:-1] if len(statuses) == 1 and what.endswith("s") else what
    return (f"of {len(statuses)} {one}, " + ", ".join(parts)
            + f"; {statuses.count('ok')} ended ok")


def count(n, word, plural=None):
    """'1 seed', '3 seeds' (`plural` where adding an s is wrong)."""
    return f"{n:,} {word if n == 1 else plural or word + 's'}"


def over_seeds(n):
    """How a per-variant number is taken: 'mean over 3 seeds', or 'one seed' (no mean)."""
    return "one seed" if n == 1 else f"mean over {n} seeds"


def names(items):
    items = [str(i) for i in items]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


OPTIMIZER_NAMES = {"adam": "Adam", "sgd": "SGD"}


def optimizer(p):
    """'Adam (lr 0.001)', 'SGD (lr 0.05, momentum 0.9)': a training setting's optimiser as a
    reader names it, its momentum where it has one."""
    name = OPTIMIZER_NAMES.get(p["optimizer"], p["optimizer"])
    momentum = f", momentum {p['momentum']:g}" if p.get("momentum") else ""
    return f"{name} (lr {p['lr']:g}{momentum})"
