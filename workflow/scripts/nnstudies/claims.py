"""Claims: the only code that words a comparison, a ranking, an order, a trend, a threshold
crossing or a measurement's agreement with an expectation (../shared/spec/REPORT.md).

A claim is built from per-run values (never from formatted strings) by one of the builders
below, which apply the rules once: one run a side gives the values and no comparative word;
2-4 runs give "not resolved" with the smallest attainable p; otherwise the exact permutation
test decides "separated" or "not separated" (never "equal"); two measurements of the same
runs are paired (a sign test over the seeds, or the differences alone when no paired test can
reach the threshold); a correlation that no test can make significant is "not testable with n
points"; a mechanism is expectation, measurement and a verdict (agrees / disagrees / cannot
tell) decided by the measurement's own test. A claim's short form (a summary line) keeps what
it measures, its interval and its verdict.

Each builder returns a plain dict {"claim": True, "text": sentence, "evidence": {...}} so that
the analysis step writes it to the study's facts file and the report renders the same
sentence with its evidence in place (report.Section.cite). Evidence holds: kind, rule, source
(the table the values come from), arms [{arm, n, mean, values}], test, p, min_p and, for a
mechanism, the expectation and its verdict.
"""
import math
import re

import numpy as np

from . import prose
from .lazy import lazy_import
from .stats import ALPHA, SMALL_SAMPLE, compare, mean_ci, rank_correlation

stats = lazy_import("scipy.stats")

PERMUTATION = "exact permutation test of the difference in means (two-sided)"
SPEARMAN = "Spearman rank correlation, exact permutation p (two-sided)"
VERDICTS = ("agrees", "disagrees", "cannot tell")


def _finite(values):
    return [float(v) for v in values if v is not None and v == v and abs(v) != math.inf]


def _arm(name, values):
    vals = _finite(values)
    return {"arm": str(name), "n": len(vals), "mean": float(np.mean(vals)) if vals else None,
            "values": vals}


def _claim(text, kind, rule, source, arms, test=None, p=float("nan"), min_p=float("nan"),
           short=None, fmt=None, **extra):
    """`fmt`: how the sentence writes the values; where it writes fractions as % or points,
    the evidence says so ("shown_in"), and its table shows them that way too."""
    shown_in = {fmt_pct: "%", fmt_points: "points"}.get(fmt) or extra.pop("shown_in", None)
    return {"claim": True, "text": text, "short": short or text,
            "evidence": {"kind": kind, "rule": rule, "source": source, "arms": arms,
                         "test": test, "p": p, "min_p": min_p, **extra,
                         **({"shown_in": shown_in} if shown_in else {})}}


def mid_sentence(text):
    """`text` placed inside a sentence: an ordinary capitalised first word ("Validation") is
    lower-cased, a name ("ReLU", "SGD", "NumPy") is not."""
    word = re.split(r"[\s,:(]", text, maxsplit=1)[0]
    if len(word) > 1 and word[0].isupper() and word[1:].islower():
        return text[0].lower() + text[1:]
    return text


def fmt_number(x):
    return "–" if x is None or x != x else f"{x:.3g}"


def fmt_points(x):
    return "–" if x is None or x != x else f"{100 * x:+.2f} points"


def fmt_pct(x):
    return "–" if x is None or x != x else f"{100 * x:.2f} %"


def _size(n):
    return "1 run" if n == 1 else f"{n} runs"


def _interval(values, fmt, bounds=None):
    """'mean (95 % CI low–high, n runs)'; where the t interval passes a bound no value can
    (`bounds`, e.g. 0 and 1 for an accuracy), it says so rather than clipping it quietly."""
    mean, _, half = mean_ci(values)
    if len(values) < 2:
        return f"{fmt(mean)} (1 run: no spread)"
    if len(set(values)) == 1:  # a t interval of width 0 would read as a certainty
        every = "both" if len(values) == 2 else f"all {len(values)}"
        return f"{fmt(mean)} (the same in {every} runs: no spread)"
    small = ": small sample" if len(values) < 5 else ""
    low, high = bounds or (-math.inf, math.inf)
    def bound(b):  # 0 and 1 as the quantity is read: "0", or "100.00 %" for a percentage
        return fmt(b) if fmt is fmt_pct else f"{b:g}"

    past = [f"below {bound(low)}" if mean - half < low else "",
            f"above {bound(high)}" if mean + half > high else ""]
    past = " and ".join(p for p in past if p)
    outside = (f"; it reaches {past}, where no value can lie: too few runs for a t interval "
               "to be accurate") if past else ""
    return (f"{fmt(mean)} (95 % CI {fmt(mean - half)}–{fmt(mean + half)}, {len(values)} "
            f"runs{small}{outside})")


def short_verdict(c, unit="runs"):
    """verdict_words in a few words, for a summary line."""
    if min(c["n_x"], c["n_y"]) < 2:
        return "one run on a side: no comparison"
    if not c["testable"]:
        return f"not resolved ({c['n_x']} and {c['n_y']} {unit})"
    if c.get("small"):  # fewer than SMALL_SAMPLE a side: not resolved, whatever its p
        return f"not resolved (p = {c['p']:.2g}, {c['n_x']} and {c['n_y']} {unit})"
    return f"{'' if c['separated'] else 'not '}separated (p = {c['p']:.2g})"


def verdict_words(c, unit="runs"):
    """What a `stats.compare` result says about two means, in words."""
    n = f"{c['n_x']} and {c['n_y']} {unit}"
    if min(c["n_x"], c["n_y"]) < 2:
        return "one run on a side: no spread, so no comparison can be made"
    if not c["testable"]:
        return (f"not resolved: with {n} no test can reach p < {ALPHA} (the smallest p an "
                f"exact test can give is {c['min_p']:.2g})")
    if c.get("small") and c["p"] < ALPHA:
        beyond = (", every run of one beyond every run of the other"
                  if c["p"] <= c["min_p"] * (1 + 1e-9) else "")
        return (f"not resolved: permutation test p = {c['p']:.2g} ({n}{beyond}), but with fewer "
                f"than {SMALL_SAMPLE} runs a side that does not resolve it")
    if c.get("small"):
        return (f"not resolved: permutation test p = {c['p']:.2g} ({n}), and with fewer than "
                f"{SMALL_SAMPLE} runs a side no comparison is resolved")
    if c["separated"]:
        return f"separated by the data (permutation test p = {c['p']:.2g}, {n})"
    return (f"not separated by the data (p = {c['p']:.2g}, {n}): too few or too noisy runs "
            "to tell them apart, which does not make them equal")


def values_only(arms, what, fmt=fmt_number, source="", note="", missing="no finite value"):
    """The values per arm in the given order, with no comparative word (one run a side, or
    numbers that are not to be compared); `missing` is said of an arm with no finite value
    (a target never reached, say)."""
    ev = [_arm(k, v) for k, v in arms.items()]
    sizes = {a["n"] for a in ev if a["n"]}
    same = len(ev) > 2 and len(sizes) == 1 and sizes != {1}  # "(mean of 20)" said once
    listed = "; ".join(f"{a['arm']} " + (missing if not a["n"] else fmt(a["mean"])
                                         + ("" if a["n"] == 1 or same
                                            else f" (mean of {a['n']})"))
                       for a in ev)
    notes = ([f"each a mean of {sizes.pop()}"] if same else []) + ([note] if note else [])
    text = f"{what}: {listed}" + (f" ({'; '.join(notes)})" if notes else "")
    return _claim(text, "values", "values only: no comparison is claimed", source, ev, fmt=fmt)


def difference(a, xs, b, ys, what, fmt=fmt_pct, source="", diff_fmt=None, unit="runs",
               missing=None):
    """'a against b: +1.20 points, separated by the data (p = 0.01, 10 and 10 runs)'; `unit`
    names what the values are (runs, or models where each value is a model's mean);
    `missing` is said of an arm with no finite value (a target never reached, say; by default
    what `fmt` writes for none, or "no finite value")."""
    c = compare(_finite(xs), _finite(ys))
    arms = [_arm(a, xs), _arm(b, ys)]
    if min(c["n_x"], c["n_y"]) < 2:
        empty = [x["arm"] for x in arms if not x["n"]]
        single = [x["arm"] for x in arms if x["n"] == 1]

        def shown(x):  # an arm with no value is named once, with what it lacks
            if x["n"]:
                return fmt(x["mean"])
            return missing or (fmt(float("nan")) if fmt(float("nan")) != "–"
                               else "no finite value")

        values = ", ".join(f"{x['arm']} {shown(x)}" for x in arms)
        why = ("(" if empty else "(one run each: no spread, " if len(single) == 2 else
               f"({single[0]} has one run: no spread, ")
        return _claim(f"{what}: {values} " + why + "so no comparison can be made)",
                      "difference", _rule("difference"),
                      source, arms, PERMUTATION, c["p"], c["min_p"], diff=c["diff"],
                      short=f"{what}: {values} (no comparison)", fmt=fmt)
    d = (diff_fmt or _points)(c["diff"])
    return _claim(f"{what}, {a} against {b}: {d}, {verdict_words(c, unit)}", "difference",
                  _rule("difference"), source, arms, PERMUTATION, c["p"], c["min_p"],
                  diff=c["diff"], separated=c["separated"], testable=c["testable"],
                  small=c["small"],
                  short=f"{what}, {a} against {b}: {d}, {short_verdict(c, unit)}", fmt=fmt)


def rule(arm, values, what, holds, rule_text, yes, no, fmt=fmt_pct, source="", labels=None):
    """A stated rule applied to one arm's runs ('learns': its mean above the chance band with
    every run ok, say): its values and which side of the rule they fall on (`holds`, decided
    by the caller from these values and the rule); no comparison between arms. With `labels`
    the values are one run's measurements of different things (its best and its final
    accuracy, say), each shown and kept in the evidence under its label, never averaged."""
    if labels:
        ev = [_arm(f"{arm}, {label}", [v]) for label, v in zip(labels, values)]
        shown = ", ".join(f"{label} {fmt(v)}" for label, v in zip(labels, values))
    else:
        ev = [_arm(arm, values)]
        shown = ", ".join(fmt(v) for v in ev[0]["values"])
    text = f"{what}, {arm}: {shown or 'no finite value'}: {yes if holds else no} by the rule"
    return _claim(text, "rule", rule_text, source, ev, holds=bool(holds),
                  short=f"{arm}: {yes if holds else no}", labelled=bool(labels), fmt=fmt)


def paired(diffs, what, fmt=fmt_points, source=""):
    """Two measurements of the same runs, as their per-run differences ({seed: difference}):
    an arm's runs are not independent of the other's, so no two-sample test. With enough pairs
    for an exact paired test to reach p < ALPHA, the sign test over the seeds (each seed's
    difference one observation, against 0); with fewer, the differences and their mean as
    values only, saying why no test was made (with n pairs the smallest two-sided p an exact
    sign or sign-flip test can give is 2 / 2^n)."""
    arms = {f"seed {s}": [d] for s, d in sorted(diffs.items())}
    n = len(arms)
    # a pair with no difference carries no sign: the sign test drops it, and sign-flipping
    # it changes nothing, so only the nonzero pairs bound the p
    nonzero = sum(1 for d in diffs.values() if d != 0)
    min_p = min(1.0, 2 * 0.5 ** nonzero)
    if min_p < ALPHA:
        return sign(arms, what, reference=0.0, fmt=fmt, source=source)
    mean = fmt(float(np.mean(list(diffs.values())))) if n else "–"
    note = ("no pair: nothing to compare" if n == 0 else "one pair: no spread, so no test"
            if n == 1 else f"mean {mean}; not testable with {n} pairs"
            + (f" ({n - nonzero} of them with no difference)" if nonzero < n else "")
            + ": the smallest two-sided p an exact paired test (sign or sign-flip over the "
            f"seeds) can give is {min_p:.2g}, so no paired test was made")
    c = values_only(arms, what, fmt=fmt, source=source, note=note)
    if n > 1:  # a summary line: the mean difference and why there is no verdict
        c["short"] = f"{what}: mean {mean} over {n} pairs, not testable"
    return c


def alternative(best, xs, alt, ys, what, reason, prefer=True, source=""):
    """The best arm against an alternative with another merit (`reason`, e.g. size): the
    difference with its test and, where the data do not separate them and `prefer`, that a
    reader who values that merit may take the alternative (never that the two are equal)."""
    c = difference(best, xs, alt, ys, what, source=source)
    if prefer and c["evidence"].get("testable") and not c["evidence"].get("separated"):
        c["text"] += (f"; a reader who values {reason} may prefer {alt}, but nothing here "
                      "shows the two are equally accurate")
    return c


def _points(diff):
    return f"{100 * diff:+.2f} points"


def _rule(kind):
    return {
        "difference": f"two arms are separated when the {PERMUTATION} gives p < {ALPHA}; with "
                      "one run on a side no comparison is made; where no arrangement can reach "
                      f"p < {ALPHA}, or with fewer than {SMALL_SAMPLE} runs on a side, the "
                      "comparison is not resolved",
        "ranking": "the arm with the highest mean (the lowest, where the sentence says so) "
                   "is named with its 95 % t interval; whether it is separated from the "
                   f"runner-up by the {PERMUTATION} (p < {ALPHA}, with {SMALL_SAMPLE} runs or "
                   "more on each side: with fewer the ranking is not resolved); with one run an "
                   "arm there is no ranking, only the values",
        "trend": f"a monotone trend is claimed when the {SPEARMAN} gives p < {ALPHA}; with too "
                 "few points for any test to reach that, the trend is not testable",
        "threshold": "the first setting (in the stated order) whose runs are separated from "
                     f"the reference setting's in the stated direction ({PERMUTATION}, "
                     f"p < {ALPHA}) by more than the stated margin",
        "mechanism": "the expectation agrees when its measurement's test separates in the "
                     "expected direction, disagrees when it separates in the other, and cannot "
                     "tell otherwise",
    }[kind]


def ranking(arms, what, fmt=fmt_pct, source="", higher_is_better=True, diff_fmt=None,
            bounds=None):
    """The best arm by mean with its interval, and whether the data separate it from the
    runner-up. With one run in any arm: the values in the given order, no ranking. `bounds`:
    the values no arm can pass (an interval past them is flagged); a fraction shown as a
    percentage (fmt_pct) lies in [0, 1] unless told otherwise."""
    if bounds is None and fmt is fmt_pct:
        bounds = (0.0, 1.0)
    ev = [_arm(k, v) for k, v in arms.items()]
    ev = [a for a in ev if a["n"]]
    if not ev:
        return _claim(f"{what}: no arm has a value", "ranking", _rule("ranking"), source, ev,
                      fmt=fmt)
    if len(ev) < 2:
        return values_only({a["arm"]: a["values"] for a in ev}, what, fmt, source,
                           "a single arm: nothing to rank")
    single = [a for a in ev if a["n"] < 2]
    if single and len(ev) - len(single) >= 2:
        # rank the arms that have a spread; a one-run arm is listed beside them, not ranked
        # (one surviving run of a rate must not hide a comparison the others can make)
        c = ranking({a["arm"]: a["values"] for a in ev if a["n"] >= 2}, what, fmt, source,
                    higher_is_better, diff_fmt, bounds)
        aside = ("; with one run, so no spread, not ranked: "
                 + "; ".join(f"{a['arm']} {fmt(a['mean'])}" for a in single))
        for form in ("text", "short"):  # "highest" holds among the ranked arms only
            c[form] = c[form].replace(f"{what}: the ", f"{what}: among the arms with two runs "
                                      "or more, the ", 1).replace(
                f"{what}: highest", f"{what}: among the arms with two runs or more, highest",
                1).replace(f"{what}: lowest", f"{what}: among the arms with two runs or more, "
                           "lowest", 1) + aside
        c["evidence"]["arms"] = c["evidence"]["arms"] + single
        return c
    if single:
        listed = "; ".join(f"{a['arm']} {fmt(a['mean'])} ({_size(a['n'])})" for a in ev)
        return _claim(f"{what}: {listed}. With one run for "
                      + ", ".join(a["arm"] for a in ev if a["n"] < 2)
                      + " there is no spread, so no ranking is made", "ranking",
                      _rule("ranking"), source, ev, PERMUTATION,
                      short=f"{what}: {listed} (no ranking)", fmt=fmt)
    order = sorted(ev, key=lambda a: a["mean"], reverse=higher_is_better)
    best, second = order[0], order[1]
    c = compare(best["values"], second["values"])
    word = "highest" if higher_is_better else "lowest"
    d = (diff_fmt or _points)(c["diff"])
    interval = _interval(best["values"], fmt, bounds)
    text = (f"{what}: the {word} mean is {best['arm']}'s, {interval}; "
            f"against the runner-up {second['arm']} ({fmt(second['mean'])}): {d}, "
            f"{verdict_words(c)}")
    return _claim(text, "ranking", _rule("ranking"), source, order, PERMUTATION, c["p"],
                  c["min_p"], best=best["arm"], runner_up=second["arm"], diff=c["diff"],
                  separated=c["separated"], testable=c["testable"], small=c["small"],
                  short=f"{what}: {word} mean {best['arm']} {interval}, against "
                        f"{second['arm']} {d}, {short_verdict(c)}", fmt=fmt)


def trend(points, what, source="", x_name="x", y_name="y", fmt=None):
    """A monotone trend of y with x over per-run points [(x, y), ...] (Spearman, exact p):
    'rises', 'falls', 'no monotone trend shown' or 'not testable with n points'. `fmt`: how
    the section writes the y values (fmt_pct, fmt_points), for the evidence's unit."""
    pts = [(float(x), float(y)) for x, y in points if y is not None and y == y and x == x]
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    r = rank_correlation(xs, ys)
    arms = [{"arm": f"{x_name} {x:g}", "n": len([1 for q in pts if q[0] == x]),
             "mean": float(np.mean([q[1] for q in pts if q[0] == x])),
             "values": [q[1] for q in pts if q[0] == x]} for x in sorted(set(xs))]
    base = dict(kind="trend", rule=_rule("trend"), source=source, arms=arms, test=SPEARMAN,
                p=r["p"], min_p=r["min_p"], rho=r["rho"], n=r["n"], fmt=fmt)
    if r["rho"] != r["rho"]:
        why = (prose.count(len(pts), "point") if len(pts) < 3 else
               f"one {x_name} only" if len(set(xs)) == 1 else f"{y_name}: every value the same")
        return _claim(f"{what}: not testable ({why})", **base, direction=0)
    if not r["testable"]:
        # ties cap the p as much as few points do: 6 runs at 2 settings are 2 ranks of x
        at = (f"{r['n']} points" if len(set(xs)) == len(xs) else
              f"{r['n']} points at {len(set(xs))} values of {x_name}")
        return _claim(f"{what}: not testable with {at} (Spearman ρ = {r['rho']:.2f} "
                      f"describes them; the smallest p an exact test can give is "
                      f"{r['min_p']:.2g})", **base, direction=0)
    if r["p"] < ALPHA:
        word = "rises" if r["rho"] > 0 else "falls"
        return _claim(f"{what}: {y_name} {word} with {x_name} (Spearman ρ = {r['rho']:.2f} over "
                      f"{r['n']} points, exact p = {r['p']:.2g})", **base,
                      direction=1 if r["rho"] > 0 else -1)
    return _claim(f"{what}: no monotone trend shown (Spearman ρ = {r['rho']:.2f} over "
                  f"{r['n']} points, p = {r['p']:.2g}; not shown is not absent)", **base,
                  direction=0)


def direction(claim):
    """+1 / -1 when a claim's test establishes a direction (a separated difference or ranking,
    a significant trend), else 0."""
    ev = claim["evidence"]
    if ev["kind"] in ("trend", "sign"):
        return ev.get("direction", 0)
    if ev.get("separated"):
        return 1 if ev["diff"] > 0 else -1
    return 0


def mechanism(expectation, measurement, expected_sign=1, name=None):
    """Expectation, then what was measured (a claim with its own test), then the verdict:
    agrees when the test separates in the expected direction, disagrees when it separates the
    other way, cannot tell otherwise. `name` heads the short form (for a summary line)."""
    got = direction(measurement)
    verdict = "cannot tell" if got == 0 else "agrees" if got == expected_sign else "disagrees"
    ev = measurement["evidence"]
    tested = ev.get("p") is not None and ev["p"] == ev["p"]  # NaN: no test could run
    reachable = ev.get("min_p") is not None and ev["min_p"] == ev["min_p"]
    why = ("no test is run on these values" if ev["kind"] == "values" else
           f"with fewer than {SMALL_SAMPLE} runs a side the comparison is not resolved"
           if tested and ev.get("small") and ev["p"] < ALPHA else
           "the measurement's test does not establish a direction" if tested else
           f"no test can reach p < {ALPHA} at these sizes" if reachable else
           "no test can be run at these sizes")
    text = (f"Expected: {expectation} Measured: {measurement['text']}. Verdict: {verdict}"
            + (f" ({why})" if verdict == "cannot tell" else ""))
    return _claim(text, "mechanism", _rule("mechanism"), ev["source"], ev["arms"], ev["test"],
                  ev["p"], ev["min_p"], expected=expectation, verdict=verdict,
                  measurement=ev, shown_in=ev.get("shown_in"),
                  # a dash, not parentheses: the measurement's short form has its own
                  short=name and f"{name}: {verdict} — {mid_sentence(measurement['short'])}")


def threshold(settings, arms, reference, what, setting_name, fmt=fmt_pct, source="",
              expected_sign=-1, margin=0.0):
    """The first setting, in the given order, whose runs are separated from the reference's in
    the expected direction by more than `margin` (e.g. training accuracy falls by more than a
    point: under-fitting starts there)."""
    ref = _finite(arms[reference])
    ev = [_arm(f"{setting_name} {s:g}", arms[s]) for s in settings]
    tests = []
    for s in settings:
        if s == reference:
            continue
        c = compare(_finite(arms[s]), ref)
        tests.append({"setting": s, **c})
        if (c["separated"] and np.sign(c["diff"]) == expected_sign
                and abs(c["diff"]) > margin):
            return _claim(
                f"{what}: first at {setting_name} {s:g} ({fmt(np.mean(_finite(arms[s])))} "
                f"against {fmt(np.mean(ref))} at {setting_name} {reference:g}: "
                f"{_points(c['diff'])}, {verdict_words(c)})", "threshold", _rule("threshold"),
                source, ev, PERMUTATION, c["p"], c["min_p"], crossed_at=s, tests=tests,
                margin=margin, fmt=fmt)
    if not any(t["testable"] for t in tests):
        n = min([len(ref)] + [len(_finite(arms[s])) for s in settings])
        return _claim(f"{what}: cannot tell with these runs ("
                      + ("one run a setting: no spread" if n < 2 else
                         f"{n} runs a setting: no test can reach p < {ALPHA}")
                      + "; values: " + "; ".join(f"{a['arm']} {fmt(a['mean'])}" for a in ev)
                      + ")", "threshold", _rule("threshold"), source, ev, PERMUTATION,
                      min_p=max((t["min_p"] for t in tests if t["min_p"] == t["min_p"]),
                                default=float("nan")),
                      crossed_at=None, tests=tests, margin=margin, fmt=fmt)
    return _claim(f"{what}: at no {setting_name} up to {max(settings):g} are the runs "
                  f"separated from {setting_name} {reference:g} in that direction by more than "
                  f"{_points(margin)[1:]}", "threshold", _rule("threshold"), source, ev,
                  PERMUTATION, crossed_at=None, tests=tests, margin=margin, fmt=fmt)



SIGN = "exact sign test (binomial, two-sided) over the arms"


def sign(arms, what, reference=1.0, fmt=fmt_number, source="", above="above", below="below",
         unit="arm", list_max=12):
    """Whether arms' values lie on one side of `reference` more often than chance: an exact
    sign test over the arms (each arm's mean of its runs is one observation; `unit` names
    what an arm is: an image, a run). The values are listed, up to `list_max` of them (beyond,
    their range and median: the table has each); a side is claimed only when p < ALPHA. The
    short form gives the counts and the test, not the values."""
    ev = [_arm(k, v) for k, v in arms.items()]
    ev = [a for a in ev if a["n"]]
    n_above = sum(a["mean"] > reference for a in ev)
    n_below = sum(a["mean"] < reference for a in ev)
    k = n_above + n_below
    min_p = min(1.0, 2 * 0.5 ** k) if k else float("nan")
    means = [a["mean"] for a in ev]
    listed = ("; ".join(f"{a['arm']} {fmt(a['mean'])}" for a in ev) if len(ev) <= list_max
              else f"{prose.count(len(ev), unit)} from {fmt(min(means))} to {fmt(max(means))}, "
                   f"median {fmt(float(np.median(means)))}")
    counts = f"{n_above} {above} {reference:g}, {n_below} {below}"
    base = dict(kind="sign", rule=f"a side of {reference:g} is claimed when the {SIGN} gives "
                f"p < {ALPHA}", source=source, arms=ev, test=SIGN, min_p=min_p,
                above=n_above, below=n_below, fmt=fmt)
    untestable = (f"with {prose.count(k, unit)} not testable: the smallest p a sign test can "
                  f"give is {min_p:.2g}")
    if not k or min_p >= ALPHA:
        return _claim(f"{what}: {listed} ({counts}; {untestable})", **base, direction=0,
                      short=f"{what}: {counts}; {untestable}")
    p = float(stats.binomtest(n_above, k, 0.5).pvalue)
    if p < ALPHA:
        side = above if n_above > n_below else below
        of = f"{max(n_above, n_below)} of {k} {unit}s" if k > 1 else f"1 of 1 {unit}"
        return _claim(f"{what}: {side} {reference:g} for {of} ({listed}; sign test p = {p:.2g})",
                      **base, p=p, direction=1 if n_above > n_below else -1,
                      short=f"{what}: {side} {reference:g} for {of}, sign test p = {p:.2g}")
    return _claim(f"{what}: {listed} ({counts}; no side shown by the sign test, p = {p:.2g})",
                  **base, p=p, direction=0,
                  short=f"{what}: {counts}; no side shown by the sign test, p = {p:.2g}")


def observation(expectation, arms, what, predicate, predicate_text, expected, fmt=fmt_number,
                source=""):
    """A property of single runs, observed rather than compared between arms (a rise of a
    full-batch loss, say): each arm's values, whether `predicate` holds for them, and whether
    that matches `expected` (True: it should hold, for every arm). The verdict is of these
    runs; one run per arm is one initialisation, not a test across seeds."""
    ev = [_arm(k, v) for k, v in arms.items()]
    ev = [a for a in ev if a["n"]]
    holds = {a["arm"]: bool(all(predicate(v) for v in a["values"])) for a in ev}
    # the verdict counts runs: one run against the expectation in five is not "disagrees"
    runs_as_expected = sum(bool(predicate(v)) == expected for a in ev for v in a["values"])
    n_runs = sum(a["n"] for a in ev)
    if not ev:
        verdict = "cannot tell"
    elif runs_as_expected in (0, n_runs):
        verdict = ("agrees" if runs_as_expected else "disagrees") + " in these runs"
    else:
        verdict = (f"agrees in {runs_as_expected} of {n_runs} runs, disagrees in "
                   f"{n_runs - runs_as_expected}")
    listed = "; ".join(f"{a['arm']} {', '.join(fmt(v) for v in a['values'])}" for a in ev)
    # the runs that break it, by arm, with their values
    off = [f"{a['arm']}" + ("" if a["n"] == 1 else " at " + ", ".join(
               fmt(v) for v in a["values"] if bool(predicate(v)) != expected))
           for a in ev if any(bool(predicate(v)) != expected for v in a["values"])]
    why = ""
    if ev:
        # the arms that break it after the parenthesis: an arm's name may hold its own
        # "(diverged)", which must not nest inside this one
        why = (f" (expected in {'every' if expected else 'no'} run: {predicate_text})"
               + (f"; not so in {'; '.join(off)}" if off else "; so it was"))
    single = max((a["n"] for a in ev), default=0) == 1
    text = (f"Expected: {expectation} Measured, {what}: {listed or 'nothing run'}. Verdict: "
            f"{verdict}{why}" + ("; one run per setting is one initialisation, not a test "
                                 "across seeds" if single else ""))
    return _claim(text, "observation", "an observed property of each run (" + predicate_text
                  + "), set against the expectation; no comparison between arms", source, ev,
                  expected=expectation, verdict=verdict, holds=holds, fmt=fmt)
