"""Study 3: architectures (EE449 part 3). Every zoo model with Adam over several seeds."""
import numpy as np

from .. import aggregate, claims, figures, prose
from ..config import make_run
from ..data import load_prepared, scale
from ..report import Section, Shown
from ..runfiles import load_array
from ..stats import ALPHA, SMALL_SAMPLE, STATUSES, chance_loss, compare, mean_ci
from .common import (CHANCE_MARGIN, chance_start, check_models, departures as protocol_departures,
                     final_model_train_accuracy, left_out_models, records, write_facts)
from ..lazy import lazy_import

pd = lazy_import("pandas")

NAME = "architectures"
TITLE = "Study 3: architectures"
ORDER = 30
CAPTION = ("Architecture study: training loss, training (solid) and validation (dashed) "
           "accuracy against step (mean over seeds, band: one standard deviation), test "
           "accuracy against the final model's training accuracy per model, and validation "
           "against training accuracy during training.")
PROTOCOL = {"models": ["mlp_1", "mlp_2", "cnn_3", "cnn_4", "cnn_5"], "optimizer": "adam",
            "lr": 0.001, "momentum": 0.0, "batch_size": 50, "epochs": 15, "seeds": 10}
TABLES = ["runs", "summary", "pairwise", "curves", "weights"]
_DISCUSSION = ["what is the generalisation performance of a classifier?",
               "which plots are informative about it?",
               "compare the models' generalisation performance",
               "the effect of the number of parameters",
               "the effect of depth",
               "are the first-layer weight pictures interpretable?",
               "are units specialised to particular classes?",
               "whose weights are more interpretable?",
               "which architectures are akin, and how do similar ones compare?",
               "which architecture would you pick, and why?"]
DEPTH_QUESTION = _DISCUSSION.index("the effect of depth") + 1
# The discussion questions answered on the models run (the others define or point at plots):
# where this configuration runs only some of the assignment's models they are answered partly
_ON_THE_MODELS = range(3, 11)
# The seeds' figure asks: the performance figure (all models), the weight figures of every
# model (one figure each: the appendix links the section, asked_notes name the figures), and
# one model's weight figure (not reproduced, with a reason, where the model is not run)
PERFORMANCE_ASKS = ["2.1 Fig. 1: performance plots of the models (training loss, training and "
                    "validation accuracy, test against training accuracy)",
                    "3.1 Fig. 6: training results of mlp_1, mlp_2, cnn_3, cnn_4, cnn_5"]
EACH_WEIGHTS_ASK = "2.2 Fig. 2: first-layer weights of each architecture"
MODEL_WEIGHT_ASKS = {"2.2 Fig. 3: first-layer weights of cnn_5": "cnn_5",
                     **{f"3.1 Fig. {fig}: first-layer weights of {model}": model
                        for fig, model in zip(range(7, 12), PROTOCOL["models"])}}
QUESTION_ASKS = {**{f"2.3 Q{i}: {q}": i for i, q in enumerate(_DISCUSSION, 1)},
                 **{f"3.2.{i}: {q}": i for i, q in enumerate(_DISCUSSION, 1)}}


def _seed_of(ask):
    """The seed whose numbering an ask has: EE449's architectures part is part 2 in seed 000's
    report, part 3 in seed 001's."""
    return "000" if ask.startswith("2.") else "001"


# The seeds' asks this section answers (nnstudies/appendix.py); the discussion questions in
# order. Which of them this configuration answers only partly: asked_notes, asked_reasons.
ASKED = [
    *({"seed": _seed_of(ask), "ask": ask, "answer": f"{NAME}-fig-performance"}
      for ask in PERFORMANCE_ASKS),
    {"seed": "000", "ask": EACH_WEIGHTS_ASK, "answer": NAME,
     "note": "the section's first-layer weight figures, one per model"},
    *({"seed": _seed_of(ask), "ask": ask, "answer": f"{NAME}-fig-weights_{model}"}
      for ask, model in MODEL_WEIGHT_ASKS.items()),
    *({"seed": _seed_of(ask), "ask": ask, "answer": f"{NAME}-q{i}"}
      for ask, i in QUESTION_ASKS.items()),
]
# A unit (or conv filter) is silent when its largest mean response to a test class is at most
# this share of the largest in its layer: a unit at 0.001 where the others reach 5 answers no
# class, yet its selectivity would read 1. Silent units are left out of every per-unit mean.
SILENT_SHARE = 0.01
SILENT_COLOUR = "tab:red"  # the numbers of silent units in the weight figures
# The convergence check: a model is still rising at the end of its budget when every run's
# own last-epoch gain (the slope of a line fitted to the last epoch's records, times its
# steps) lies above 0 by its own 95 % interval, or the 95 % t interval over the runs' gains
# does: a rise beyond its noise is a rise, however small. It is no longer rising when those
# intervals lie within a margin of 0 (an equivalence rule, REPORT.md) or below 0, and the
# runs cannot tell otherwise. The margin is a share of the
# validation error left at the end, at most RISING: at 98 % a fixed point would be half of
# what is left to gain, and "below 1 point" would then call a steep rise flat
RISING = 0.01
RISING_SHARE = 0.1
Z95 = 1.96  # the two-sided 95 % normal quantile: a run's own interval is its gain ± Z95 errors
RUN_FILES = ["summary.json", "curves.csv", "first_layer.npy", "unit_class_means.npy",
             "model.pt"]
# A run started at chance when its training loss stayed within CHANCE_MARGIN × ln C of ln C
# (the loss of a uniform guess over C classes) in its first records, for at least
# CHANCE_RECORDS of them and CHANCE_SHARE of its steps: a network that has learned nothing yet.
# Its accuracy at the end of the budget then includes a delayed start, which no comparison of
# models can tell apart from their size, depth or family; their mean curve is a ramp none of
# the runs follows
# Two models' mean accuracy curves hide one another (figure panels b and d) where both their
# training and their validation accuracy lie within OVERLAP of each other at OVERLAP_SHARE of
# the records they share or more: the caption names the pair
OVERLAP = 0.01
OVERLAP_SHARE = 0.5
CHANCE_RECORDS = 2
CHANCE_SHARE = 0.05


def runs(cfg):
    p = cfg[NAME]
    return {(m, s): make_run(cfg, NAME, m, m, s, p) for m in p["models"] for s in p["seeds"]}


def check(cfg):
    check_models(cfg, NAME)


# The assignment's Adam has no momentum setting: its first-moment coefficient (torch's default
# beta1, optim.DEFAULTS) plays that part
ADAM_BETA1 = 0.9
OPTIMISER_KEYS = ("optimizer", "lr", "momentum")


def departures(cfg):
    """The protocol's departures. Momentum is an SGD setting (config.py refuses it with Adam):
    where the optimiser itself departs, one line gives it with its own settings against the
    assignment's Adam, never a momentum the assignment's optimiser does not have."""
    p = cfg[NAME]
    if p.get("optimizer") == PROTOCOL["optimizer"]:
        return protocol_departures(NAME, p, {k: v for k, v in PROTOCOL.items()
                                             if k != "momentum"})
    rest = protocol_departures(NAME, p, {k: v for k, v in PROTOCOL.items()
                                         if k not in OPTIMISER_KEYS})
    models = len(protocol_departures(NAME, p, {"models": PROTOCOL["models"]}))
    name = prose.OPTIMIZER_NAMES.get(p["optimizer"], p["optimizer"])
    momentum = f"momentum {p['momentum']:g}" if p.get("momentum") else "no momentum"
    line = (f"{NAME}: optimiser {name}, lr {p['lr']:g}, {momentum} (assignment: "
            f"{prose.OPTIMIZER_NAMES[PROTOCOL['optimizer']]}, lr {PROTOCOL['lr']:g}, whose "
            f"β1 = {ADAM_BETA1:g} plays momentum's part)")
    return rest[:models] + [line] + rest[models:]


def inputs(cfg, files):
    return {kind.split(".")[0]: files(NAME, kind) for kind in RUN_FILES}


def params(cfg):
    p = cfg[NAME]
    return {"protocol": p, "models": {m: cfg["models"][m] for m in p["models"]},
            "scaling": cfg["data"]["scaling"], "threads": cfg["train"]["threads"]}


def figures_of(params):
    return ["performance"] + [f"weights_{m}" for m in params["models"]]


def analyse(inp, out, params, info):
    models = params["models"]
    runs_, curves = aggregate.load_runs(inp.summary, inp.curves, len(info["class_names"]),
                                        info["sizes"]["test"])
    fits = [last_epoch_fit(curves[(r.name, r.seed)], r.steps, r.epochs)
            for r in runs_.itertuples()]
    runs_["val_gain_last_epoch"] = [gain for gain, _ in fits]
    runs_["val_gain_last_epoch_se"] = [se for _, se in fits]
    chance = chance_loss(len(info["class_names"]))[0]
    starts = [chance_start(curves[(r.name, r.seed)], chance) for r in runs_.itertuples()]
    runs_["chance_start_steps"] = [steps for steps, _ in starts]
    runs_["chance_start_records"] = [n for _, n in starts]
    runs_["records"] = [len(curves[(r.name, r.seed)]) for r in runs_.itertuples()]
    data = load_prepared(inp.data)
    train_x = scale(data["train_x"], params["scaling"])
    runs_["final_model_train_acc"] = final_model_train_accuracy(
        runs_, aggregate.by_run(inp.summary, inp.model), models, train_x, data["train_y"],
        len(info["class_names"]), params.get("threads"))
    runs_.to_csv(out.table("runs"), index=False)
    summary, pairwise = rank(runs_, models)
    summary.to_csv(out.table("summary"), index=False)
    pairwise.to_csv(out.table("pairwise"), index=False)
    by_model = {}
    for (model, _), df in curves.items():
        by_model.setdefault(model, []).append(df)
    stats_ = aggregate.curve_stats(by_model)
    stats_.to_csv(out.table("curves"), index=False)

    templates = aggregate.class_mean_images(train_x, data["train_y"])
    first_layers = aggregate.by_run(inp.summary, inp.first_layer)
    class_means = aggregate.by_run(inp.summary, inp.unit_class_means)
    best = dict(zip(summary.model, summary.best_seed))
    weights = pd.DataFrame(
        [{"model": r.model, "seed": r.seed, "best": r.seed == best.get(r.model),
          "status": r.status,
          **unit_statistics(load_array(first_layers[(r.name, r.seed)]),
                            load_array(class_means[(r.name, r.seed)]), templates)}
         # a diverged run's weights are the explosion's: nothing to read in them
         for m in models for r in runs_[(runs_.model == m) & (runs_.status != "diverged")]
         .itertuples()], columns=WEIGHT_COLUMNS)
    weights.to_csv(out.table("weights"), index=False)

    figures.save(figures.performance_figure(stats_, summary, list(models),
                                                 len(info["class_names"])),
                 *out.figure("performance"))
    image_shape = data["train_x"].shape[1:]
    for r in summary.itertuples():
        title = (f"{r.model}: first-layer weights of its best run (seed {r.best_seed}, "
                 f"test accuracy {prose.pct(r.best_test_acc)})")
        fig = figures.weights_figure(load_array(first_layers[(r.model, r.best_seed)]),
                                     title, image_shape)
        silent = weights[(weights.model == r.model) & weights.best].silent_list
        mark_silent(fig, str(silent.iloc[0]).split() if len(silent) else [])
        figures.save(fig, *out.figure(f"weights_{r.model}"))
    write_facts(out.facts, {**facts(summary, runs_, weights, chance),
                            "overlaps": curve_overlaps(stats_, list(models))})


def last_epoch_fit(curve, steps, epochs):
    """(gain, its standard error): the validation accuracy gained over a run's last epoch, as
    the slope of the least-squares line through that epoch's records (the last 3 records where
    it has fewer) times the steps of an epoch, and the slope's standard error from the fit's
    residuals times the same. The gain is NaN where the run has fewer than 2 such records (it
    diverged before them); its error is NaN with fewer than 3 (two points leave no residual)."""
    nan = float("nan")
    if "val_acc" not in curve or not steps or not epochs or steps != steps:
        return nan, nan
    curve = curve.dropna(subset=["val_acc"])
    last = curve[curve.epoch == curve.epoch.max()] if "epoch" in curve else curve.iloc[:0]
    if len(last) < 3:
        last = curve.tail(3)
    if len(last) < 2:
        return nan, nan
    x, y = last.step.to_numpy(float), last.val_acc.to_numpy(float)
    slope, intercept = np.polyfit(x, y, 1)
    per_epoch = steps / epochs
    if len(x) < 3:
        return float(slope * per_epoch), nan
    residual = y - (slope * x + intercept)
    se = np.sqrt(residual @ residual / (len(x) - 2) / ((x - x.mean()) ** 2).sum())
    return float(slope * per_epoch), float(se * per_epoch)


def curve_overlaps(stats_, models):
    """[[model, model, records within OVERLAP, records shared], ...]: the pairs of models whose
    mean training and validation accuracy (curve_stats) both lie within OVERLAP of each other
    at OVERLAP_SHARE of their shared records or more, in `models`' order."""
    cols = ["train_acc_mean", "val_acc_mean"]
    if not set(cols) <= set(stats_.columns):
        return []
    by = {m: g.set_index("step")[cols] for m, g in stats_.groupby("model") if m in models}
    out = []
    for i, a in enumerate(m for m in models if m in by):
        for b in (m for m in models[i + 1:] if m in by):
            both = by[a].join(by[b].add_suffix("_b"), how="inner").dropna()
            if not len(both):
                continue
            near = ((both[cols[0]] - both[cols[0] + "_b"]).abs() < OVERLAP) & \
                   ((both[cols[1]] - both[cols[1] + "_b"]).abs() < OVERLAP)
            if near.sum() >= OVERLAP_SHARE * len(both):
                out.append([a, b, int(near.sum()), len(both)])
    return out


def _overlap_note(facts):
    """The caption's note on the pairs whose mean accuracy curves hide one another."""
    pairs = facts.get("overlaps") or []
    if not pairs:
        return ""
    said = "; ".join(f"{a} and {b} at {k} of {n} records" for a, b, k, n in pairs)
    return (f" Two models' mean curves within {100 * OVERLAP:g} point of each other (training "
            f"and validation accuracy alike): {said}; there one model's curves in b and d hide "
            "the other's.")


def _chance_starts(runs_):
    """{model: [[seed, steps at chance, steps of the run, never left], ...]} of the runs that
    started at chance (CHANCE_RECORDS records and CHANCE_SHARE of their steps at least), by
    model name; `never left`: at chance at every record it has (the runs table's `records`),
    so it never left chance within its steps."""
    if "chance_start_steps" not in runs_:
        return {}
    out = {}
    for r in runs_.sort_values(["model", "seed"]).itertuples():
        steps = r.steps if r.steps == r.steps and r.steps else float("nan")
        records = getattr(r, "records", float("nan"))
        if (r.chance_start_records >= CHANCE_RECORDS
                and r.chance_start_steps >= CHANCE_SHARE * steps):
            out.setdefault(r.model, []).append([
                int(r.seed), int(r.chance_start_steps), int(steps),
                bool(records == records and r.chance_start_records >= records)])
    return out


def unit_statistics(weights, unit_class_means, templates):
    """aggregate.weight_interpretability over a run's responding first-layer units only, with
    its silent ones (SILENT_SHARE) counted and named: a unit that answers no class carries no
    preference and no learned picture, and would pull every per-unit mean towards its own."""
    top = np.clip(unit_class_means, 0, None).max(1)
    silent = top <= SILENT_SHARE * top.max()
    out = {"units": int(len(top)), "silent_units": int(silent.sum()),
           "zero_units": int((top == 0).sum()),
           "silent_list": " ".join(str(i) for i in np.flatnonzero(silent))}
    if silent.all():
        return {**out, "template_r_mean": float("nan"), "zero_sum_fraction": float("nan"),
                "selectivity_mean": float("nan"), "preferred_classes": 0}
    kept = aggregate.weight_interpretability(weights[~silent], unit_class_means[~silent],
                                             templates)
    return {**out, **{k: kept[k] for k in ("template_r_mean", "zero_sum_fraction",
                                           "selectivity_mean", "preferred_classes")}}


def mark_silent(fig, silent):
    """The numbers of the silent units in a weights figure (figures.weights_figure writes each
    picture's unit number above it) in SILENT_COLOUR and bold; the caption names them too."""
    for ax in fig.axes:
        for text in ax.texts:
            if text.get_text() in silent:
                text.set_color(SILENT_COLOUR)
                text.set_fontweight("bold")


def rank(runs_, models):
    """Per-model summary (best mean first) and the comparisons the ranking rests on: each model
    against the next in the ranking, and the best against every other."""
    # aggregate's gap is the running mean's (the recorded training accuracy): no gap here
    summary = aggregate.summarize_models(runs_, models).drop(columns="generalisation_gap")
    # the final model's training accuracy and the gap to its test accuracy (the per-run mean,
    # as the gap claim takes it); NaN where the runs do not have it
    tested = runs_[runs_.test_acc.notna()]
    final = tested.get("final_model_train_acc", pd.Series(np.nan, index=tested.index))
    by = pd.DataFrame({"model": tested.model, "train": final,
                       "gap": final - tested.test_acc}).groupby("model")
    summary["final_model_train_acc_mean"] = summary.model.map(by.train.mean())
    summary["final_model_gap"] = summary.model.map(by.gap.mean())
    order = list(summary["model"])
    acc = _accuracies(runs_, order)
    pairs = dict.fromkeys(list(zip(order, order[1:])) + [(order[0], m) for m in order[2:]])
    pairwise = pd.DataFrame([{"better": a, "worse": b, "neighbours": order.index(b) ==
                              order.index(a) + 1, **compare(acc[a], acc[b])} for a, b in pairs],
                            columns=["better", "worse", "neighbours", "diff", "n_x", "n_y", "p",
                                     "min_p", "testable", "separated"])
    return summary, pairwise


def _accuracies(runs_, models, ok_only=False):
    kept = runs_.test_acc.notna() & ((runs_.status == "ok") if ok_only else True)
    return {m: runs_.loc[(runs_.model == m) & kept, "test_acc"] for m in models}


_LEAVING_OUT = "Without the runs that did not end ok"
# how a fate reads before "run(s)": "2 stuck runs", "1 blown-up run"
FATE_WORDS = {"diverged": "diverged", "blew up": "blown-up", "stuck": "stuck"}


def _not_ok(runs_, models):
    """{model: {status: runs}} of the tested runs (a test accuracy) that did not end ok, in
    `models`' order and STATUSES' order; models whose runs all ended ok are left out."""
    tested = runs_[runs_.test_acc.notna()]
    out = {}
    for m in models:
        statuses = list(tested.status[tested.model == m])
        counts = {s: statuses.count(s) for s in STATUSES if s != "ok" and s in statuses}
        if counts:
            out[m] = counts
    return out


def _included(not_ok, models=None):
    """' (cnn_3's 2 and cnn_5's 4 stuck runs included)': the runs that did not end ok among
    `models`' (every model's by default) in a statistic over all runs; '' where none."""
    found = {m: c for m, c in not_ok.items() if models is None or m in models}
    if not found:
        return ""
    fates = {s for c in found.values() for s in c}
    total = sum(k for c in found.values() for k in c.values())
    run = "run" if total == 1 else "runs"
    if len(fates) == 1:
        each = prose.names(f"{m}'s {k}" for m, c in found.items() for k in c.values())
        said = f"{each} {FATE_WORDS[fates.pop()]} {run}"
    else:
        said = prose.names(f"{m}'s {k} {FATE_WORDS[s]}" for m, c in found.items()
                           for s, k in c.items()) + f" {run}"
    return f" ({said} included)"


def _size_claim(order, s, acc, ranked, source, not_ok=None):
    """The pick's other ground, size (REPORT.md), weighed against the runner-up: the model a
    reader would take if not the highest mean. Where the runner-up is smaller and a test can
    weigh the two: their difference with its test (a reader who values size may prefer it
    where the data do not separate them). Otherwise every model's parameter count (exact, so
    no test), with what the ranking's test says of the highest mean against the runner-up: no
    model is singled out by its size alone, least of all one ranked below the runner-up."""
    best, runner = order[0], order[1]
    size = {m: int(s.loc[m, "parameters"]) for m in order}
    share = size[runner] / size[best] - 1
    than = ("as many parameters" if share == 0 else
            f"{100 * abs(share):.0f} % {'fewer' if share < 0 else 'more'} parameters")
    if share < 0 and ranked.get("testable"):
        return claims.alternative(
            best, acc[best], runner, acc[runner],
            f"Test accuracy{_included(not_ok or {}, {best, runner})}, the highest mean "
            f"({best}, {size[best]:,} parameters) against the runner-up ({runner}, "
            f"{size[runner]:,} parameters, {than})", "size", source=source)
    fewest = size[best] == min(size.values())
    has = "has the fewest parameters" if fewest else "has fewer parameters than the runner-up"
    if "testable" not in ranked:  # one run a model: the ranking names no highest mean
        note = ("with one run for a model accuracy is not ranked, so it is not weighed against "
                "size")
    elif ranked["separated"]:
        note = (f"{best}, the highest mean, {has}, so accuracy and size point to the same "
                f"pick; the runner-up {runner} has {than}")
    elif ranked["testable"]:
        note = (f"{best} has the highest mean and {has[4:]}; the data do not separate it from "
                f"the runner-up {runner}, which has {than}: on size, the pick is {best}")
    else:
        note = (f"{best} has the highest mean; too few runs for a test to separate it from the "
                f"runner-up {runner}, which has {than}, so size is not weighed against accuracy")
    return claims.values_only({m: [size[m]] for m in sorted(order, key=size.get)},
                              "Parameters per model, fewest first",
                              fmt=lambda n: f"{n:,.0f}", note=note,
                              source="tables/architectures_summary.csv")


SUMMARY_COLUMNS = ["model", "family", "depth", "parameters", "runs", "test_acc_mean",
                   "test_acc_ci_low", "test_acc_ci_high", "final_model_gap",
                   "final_train_acc_mean", "final_val_acc_mean"]
# one row per run (unit_statistics): the report shows each model's mean and range over them
WEIGHT_COLUMNS = ["model", "seed", "best", "status", "units", "silent_units", "zero_units",
                  "silent_list", "template_r_mean", "zero_sum_fraction", "selectivity_mean",
                  "preferred_classes"]


def _over_runs(values, digits=3, scale=1.0):
    """A per-run number in a table cell: the mean over the runs with their range, '–' where
    no run has one."""
    values = [scale * v for v in values if v == v]
    if not values:
        return "–"
    mean = f"{np.mean(values):.{digits}g}"
    low, high = min(values), max(values)
    return mean if low == high else f"{mean} ({low:.{digits}g}–{high:.{digits}g})"


def _span(values):
    """Whole numbers per run as 'k' (all the same) or 'low–high'."""
    values = [int(v) for v in values if v == v]
    if not values:
        return "–"
    return str(values[0]) if min(values) == max(values) else f"{min(values)}–{max(values)}"


def _weights_per_model(df):
    """The per-run weights table as one row per model: mean (range) over its runs."""
    rows = []
    for model, g in df.groupby("model", sort=False):
        rows.append({"model": model, "runs": len(g), "units": _span(g.units),
                     "silent": _span(g.silent_units),
                     "template": _over_runs(g.template_r_mean),
                     "zero_sum": _over_runs(g.zero_sum_fraction),
                     "selectivity": _over_runs(g.selectivity_mean),
                     "preferred": _span(g.preferred_classes)})
    return pd.DataFrame(rows)


SHOWN = {
    "summary": Shown(columns=(
        ("model", "model"), ("family", "family"), ("depth", "depth"),
        ("parameters", lambda r: f"{r.parameters:,}"), ("runs", "runs"), ("fate", "status"),
        ("test acc. %", lambda r: prose.cell(r.test_acc_mean)),
        ("std", lambda r: prose.cell(r.test_acc_std)),
        ("95 % CI", lambda r: f"{prose.cell(r.test_acc_ci_low)}–{prose.cell(r.test_acc_ci_high)}"
         + ("†" if 1 < r.runs < 5 else "")),
        ("best (seed)", lambda r: f"{prose.cell(r.best_test_acc)} ({r.best_seed})"),
        ("train acc. %, final model", lambda r: prose.cell(r.final_model_train_acc_mean)),
        ("gap: train − test (points)", lambda r: prose.cell(r.final_model_gap)))),
    "weights": Shown(rows=_weights_per_model, columns=(
        ("model", "model"), ("runs", "runs"), ("units", "units"),
        ("silent units", "silent"), ("template |r|", "template"),
        ("zero-sum share", "zero_sum"), ("selectivity", "selectivity"),
        ("preferred classes", "preferred")))}


def _smallest_p(n_x, n_y):
    """The smallest p the exact permutation test (stats.compare) can give with these run
    counts, whatever the values."""
    return compare([0.0] * n_x, [0.0] * n_y)["min_p"]


def _reach(runs_per_model):
    """Which comparisons of two models the exact test can decide at these run counts: every
    pair of models with two runs or more each, those that cannot reach p < ALPHA, and the
    smallest p any pair can give."""
    compared = [m for m, n in runs_per_model.items() if n >= 2]
    pairs = [(a, b) for i, a in enumerate(compared) for b in compared[i + 1:]]
    smallest = {pair: _smallest_p(runs_per_model[pair[0]], runs_per_model[pair[1]])
                for pair in pairs}
    return {"pairs": len(pairs),
            "untestable": [list(pair) for pair, p in smallest.items() if p >= ALPHA],
            "min_p": min(smallest.values(), default=float("nan")),
            "single": [m for m, n in runs_per_model.items() if n < 2]}


def facts(summary, runs_, weights=None, chance=None):
    """Every statistic the prose cites beyond the tables (correlations, confounds, depth
    pairs), and the claims its answers make, built from per-run values."""
    s = summary.set_index("model")
    order = list(summary["model"])
    acc = _accuracies(runs_, order)
    source = "tables/architectures_runs.csv"
    # the runs that did not end ok (a stuck run sits at chance): every statistic over all runs
    # says it includes them, and the ranking and the gap are given without them too
    not_ok = _not_ok(runs_, sorted(order))
    by_size = summary.sort_values("parameters")
    fams = by_size.family.tolist()
    # parameter count and family are confounded when sorting by size never interleaves them
    confounded = len(set(fams)) > 1 and sum(a != b for a, b in zip(fams, fams[1:])) == 1
    depth_claims, found = [], {}
    for fam, group in summary.groupby("family"):
        members = list(group.sort_values(["depth", "parameters"])["model"])
        for a, b in zip(members, members[1:]):
            if s.loc[a, "depth"] == s.loc[b, "depth"]:  # no depth difference to put it on
                continue
            depth_claims.append(f"depth_{b}_vs_{a}")
            found[depth_claims[-1]] = claims.difference(
                b, acc[b], a, acc[a], f"{fam}: test accuracy{_included(not_ok, {a, b})}, "
                f"deeper {b} (depth "
                f"{int(s.loc[b, 'depth'])}, {int(s.loc[b, 'parameters']):,} parameters) and "
                f"shallower {a} (depth {int(s.loc[a, 'depth'])}, "
                f"{int(s.loc[a, 'parameters']):,})", source=source)
    families = summary.groupby("family").test_acc_mean
    tested = runs_[runs_.test_acc.notna()]
    final = tested.get("final_model_train_acc", pd.Series(np.nan, index=tested.index))
    gaps = {m: list(g) for m, g in (final - tested.test_acc).groupby(tested.model)}
    # the budget in the claim itself, so that its summary line says it too (REPORT.md)
    budget = (f" after {prose.count(int(runs_.epochs.max()), 'epoch')}"
              if "epochs" in runs_ and runs_.epochs.notna().any() else "")
    found["test_accuracy"] = claims.ranking(
        {m: acc[m] for m in sorted(order)},
        f"Mean test accuracy{budget}" + (f" over all runs{_included(not_ok)}" if not_ok else ""),
        source=source)
    ok_acc = _accuracies(runs_, sorted(order), ok_only=True)
    if not_ok:
        none = [m for m in sorted(order) if not len(ok_acc[m])]
        found["test_accuracy_ok"] = claims.ranking(
            {m: ok_acc[m] for m in sorted(order) if m not in none},
            f"{_LEAVING_OUT}, mean test accuracy{budget}"
            + (f" ({prose.names(none)}: none ended ok)" if none else ""), source=source)
    # the final model scored on the training images: a like-for-like gap (the recorded
    # training accuracy is a running mean that lags the final model)
    found["gap"] = claims.values_only(
        {m: gaps.get(m, []) for m in sorted(order)}, "Generalisation gap (the final model's "
        "training accuracy minus its test accuracy), per model" + (
            f", over all runs{_included(not_ok)}" if not_ok else ""), source=source,
        fmt=claims.fmt_points, note="values only: the models are not ranked on it")
    if not_ok:
        ok = tested.status == "ok"
        ok_gaps = {m: list(g) for m, g in (final - tested.test_acc)[ok].groupby(
            tested.model[ok])}
        found["gap_ok"] = claims.values_only(
            {m: ok_gaps.get(m, []) for m in sorted(order)}, "Over the runs that ended ok only",
            source=source, fmt=claims.fmt_points, missing="no run ended ok")
    # each model below the runner-up against the next lower mean (the highest mean against
    # the runner-up is the ranking's own comparison)
    for a, b in zip(order[1:], order[2:]):
        found[f"next_{a}_vs_{b}"] = claims.difference(
            a, acc[a], b, acc[b], f"Test accuracy{_included(not_ok, {a, b})}", source=source)
    if len(order) > 1:
        found["smaller"] = _size_claim(order, s, acc, found["test_accuracy"]["evidence"],
                                       source, not_ok)
    found["parameters"] = claims.trend(
        list(zip(summary.parameters, summary.test_acc_mean)),
        "Parameter count against mean test accuracy (one point per model)",
        source="tables/architectures_summary.csv", x_name="parameters",
        y_name="mean test accuracy")
    # one value per model (its mean over seeds): models, not runs, are what a family has many
    # of, and runs of one model are not independent draws of the family
    fam_acc = {fam: list(g.test_acc_mean) for fam, g in summary.groupby("family")}
    # a family of one model has no spread across models: it is named, not compared (a
    # difference or ranking would call its one model "one run")
    single = {fam: xs for fam, xs in fam_acc.items() if len(xs) == 1}
    fam_acc = {fam: xs for fam, xs in fam_acc.items() if fam not in single}
    what = "Mean test accuracy of each model (one value per model), by family"
    if len(fam_acc) == 2:
        (fa, xa), (fb, xb) = sorted(fam_acc.items(), key=lambda kv: -sum(kv[1]) / len(kv[1]))
        found["family"] = claims.difference(f"{fa}s", xa, f"{fb}s", xb, what,
                                            source="tables/architectures_summary.csv",
                                            unit="models")
    elif len(fam_acc) > 2:
        found["family"] = claims.ranking(fam_acc, what, source="tables/architectures_summary.csv")
    if weights is not None and len(weights):
        found.update(_unit_claims(weights, sorted(order)))
    rising, unsure = [], []
    if "val_gain_last_epoch" in runs_:  # the convergence check: is each model still learning?
        for m in sorted(order):  # by name: an order by accuracy would rank outside a claim
            checked = _rising_claim(m, runs_[runs_.model == m], source)
            if checked:
                found[f"rising_{m}"], verdict = checked
                rising += [m] if verdict == STILL_RISING else []
                unsure += [m] if verdict == CANNOT_TELL_RISING else []
    for fam, g in summary.groupby("family"):
        if len(g) >= 3:  # a trend within a family needs three models at least
            found[f"parameters_within_{fam}"] = claims.trend(
                list(zip(g.parameters, g.test_acc_mean)), f"Within the {fam}s, parameter count "
                "against mean test accuracy (one point per model)",
                source="tables/architectures_summary.csv", x_name="parameters",
                y_name="mean test accuracy")
    # by name: an order by accuracy would rank outside a claim
    runs_per_model = {m: int(s.loc[m, "runs"]) for m in sorted(order)}
    return {"size_family_confounded": confounded,
            "summary": records(summary, SUMMARY_COLUMNS), "statuses": list(runs_.status),
            "weights": [] if weights is None else records(weights, WEIGHT_COLUMNS),
            "depth_claims": depth_claims,
            "family_mean": families.mean().to_dict(),
            "single_model_families": {fam: g.model.iloc[0] for fam, g in
                                      summary.groupby("family") if fam in single},
            "min_runs": int(summary.runs.min()), "claims": found,
            "runs_per_model": runs_per_model, "reach": _reach(runs_per_model),
            "not_ok": not_ok,
            "rising": rising, "rising_unsure": unsure,
            # the runs that started at chance, with the loss and margin they are read against
            "chance_start": {"loss": chance, "margin": CHANCE_MARGIN,
                             "runs": _chance_starts(runs_) if chance is not None else {}},
            "neighbours": [f"next_{a}_vs_{b}" for a, b in zip(order[1:], order[2:])]}


STILL_RISING, NOT_RISING = "still rising", "no longer rising"
CANNOT_TELL_RISING = "cannot tell whether still rising"


def _rising_margin(runs_):
    """(margin, error left): the margin within which a mean last-epoch gain counts as flat, a
    RISING_SHARE of the validation error these runs had left at the end (1 − their mean final
    validation accuracy), at most RISING; RISING where no run has a final accuracy."""
    final = runs_.final_val_acc if "final_val_acc" in runs_ else pd.Series(dtype=float)
    final = final[final.notna()]
    left = 1 - float(final.mean()) if len(final) else float("nan")
    return (min(RISING, RISING_SHARE * left) if left == left else RISING), left


def _points(x):
    """'1 point', '0.24 points': a margin in points (two significant digits)."""
    return f"{100 * x:.2g} point{'' if f'{100 * x:.2g}' == '1' else 's'}"


def _rising_verdict(low, high, margin):
    """One interval's verdict. Still rising: the interval above 0 (a rise beyond its noise,
    whatever its size); no longer rising: within ±margin, or below 0 (falling); otherwise the
    interval cannot tell."""
    if low > 0:
        return STILL_RISING
    if high < 0 or (-margin < low and high < margin):
        return NOT_RISING
    return CANNOT_TELL_RISING


def _model_rising_verdict(own, over, margin):
    """A model's verdict from its runs' own intervals (`own`: (low, high) of each run's gain,
    gain ± Z95 standard errors of its fitted slope; None for a run with no error) and from the
    95 % t interval over the runs' gains (`over`, None with one run). Still rising where every
    run's own interval lies above 0, or the interval over the runs does; no longer rising
    where every run's own interval, or the interval over the runs, is flat or falling
    (_rising_verdict); otherwise the runs cannot tell. A mean of the runs with their pooled
    fit errors is not used: it leaves out how much the runs differ from one another."""
    each = ([_rising_verdict(lo, hi, margin) for lo, hi in own]
            if own and all(iv is not None for iv in own) else [])
    whole = _rising_verdict(*over, margin) if over is not None else None
    for verdict in (STILL_RISING, NOT_RISING):
        if (each and all(v == verdict for v in each)) or whole == verdict:
            return verdict
    return CANNOT_TELL_RISING


def _rising_claim(model, runs_, source):
    """(claim, verdict) of the convergence check on one model's runs, None where no run has a
    last-epoch gain: how many runs' own gains lie above 0 by their own 95 % intervals, and the
    95 % t interval over the runs' gains, each said as what it is (_model_rising_verdict)."""
    errors = (runs_.val_gain_last_epoch_se if "val_gain_last_epoch_se" in runs_
              else pd.Series(np.nan, index=runs_.index))
    kept = [(seed, g, e) for seed, g, e in zip(runs_.seed, runs_.val_gain_last_epoch, errors)
            if g == g]
    if not kept:
        return None
    gains = [g for _, g, _ in kept]
    own = [(g - Z95 * e, g + Z95 * e) if e == e else None for _, g, e in kept]
    fitted = [iv for iv in own if iv is not None]
    above = sum(lo > 0 for lo, _ in fitted)
    n = len(kept)
    what = (f"Last-epoch gain, {above} of {n} run{'' if n == 1 else 's'} above 0 by "
            f"{'its' if n == 1 else 'their'} own 95 % interval{'' if n == 1 else 's'}")
    if len(fitted) < n:
        what += (f" ({n - len(fitted)} with too few records in its last epoch to fit an "
                 "error)")
    over = None
    if n >= 2:
        mean, _, half = mean_ci(gains)
        over = (mean - half, mean + half) if half == half else None
        what += (f"; over the {n} runs, mean {claims.fmt_points(mean)}"
                 + (f" (95 % t interval {100 * over[0]:+.2f} to {100 * over[1]:+.2f} points)"
                    if over else ""))
    margin, left = _rising_margin(runs_[runs_.val_gain_last_epoch.notna()])
    verdict = _model_rising_verdict(own, over, margin)
    share = (f"the smaller of {_points(RISING)} and {100 * RISING_SHARE:g} % of the "
             f"{100 * left:.1f} points of validation error left at the end" if left == left
             else "no final validation accuracy to scale it by")
    rule_text = (f"each run's own interval is its gain ± {Z95:g} standard errors of its fitted "
                 "slope (from the scatter of its records about the line); the interval over "
                 "the runs is the 95 % Student t interval of their gains (it needs 2 runs). "
                 "Still rising when every run's own interval, or the interval over the runs, "
                 "lies above 0; no longer rising when every run's own interval, or the "
                 f"interval over the runs, lies within ±{_points(margin)} ({share}) or below 0; "
                 "cannot tell otherwise")
    claim = claims.rule(model, gains, what, verdict == STILL_RISING, rule_text, STILL_RISING,
                        verdict, fmt=claims.fmt_points, source=source,
                        labels=[f"seed {seed}" for seed, *_ in kept])
    return claim, verdict


def _unit_claims(weights, order):
    """The weight questions' template |r| over every run of each fully connected model (silent
    units left out): values only, the models are not ranked on them."""
    source = "tables/architectures_weights.csv"
    per_model = {m: weights[weights.model == m] for m in order}
    found = {}
    mlp = {m: list(g.template_r_mean) for m, g in per_model.items()
           if g.template_r_mean.notna().any()}
    if mlp:
        found["template_r"] = claims.values_only(
            mlp, "Mean best |r| with a class-mean image per run of each fully connected "
            "model, silent units left out", source=source,
            note="values only: the models are not ranked on it")
    return found


def section(facts, figs, params, info):
    summary = pd.DataFrame(facts["summary"], columns=SUMMARY_COLUMNS)
    weights = pd.DataFrame(facts["weights"], columns=WEIGHT_COLUMNS)
    p = params["protocol"]
    sec = Section(NAME, TITLE,
                  f"Each of {len(p['models'])} models trained "
                  f"{prose.count(len(p['seeds']), 'time')} (seeds "
                  f"{', '.join(map(str, p['seeds']))}) with {prose.optimizer(p)}, "
                  f"batch {p['batch_size']}, {prose.count(p['epochs'], 'epoch')}; every "
                  f"{p['record_every']} "
                  "steps the training loss and accuracy (mean over those steps) and the accuracy "
                  "on the whole validation split were recorded. " + _reach_text(facts))
    sec.add_figure(figs["performance"], figures.caption(
                   figs["performance"], "Architectures: mean over seeds. a: training "
                   "loss; b: training (solid) and validation (dashed) accuracy; c: test "
                   "accuracy against the final model's accuracy on the whole training split "
                   "(95 % CI; a marker says when a model had a run that did not end ok); d: "
                   "validation vs training accuracy during training." + _overlap_note(facts)))
    best = weights[weights.best.astype(bool)].set_index("model")
    for model in params["models"]:
        sec.add_figure(figs[f"weights_{model}"], f"{model}: first-layer weights of its best run "
                       "(unit or filter number above each picture), grey, one symmetric colour "
                       f"scale per model. {_silent_caption(best, model)}", size="small")
    sec.add_table("Test accuracy by model (best mean first; spread over seeds)", "summary",
                  note=_table_note(facts))
    sec.add_table("First-layer weights: interpretability numbers (mean over each model's runs, "
                  "range in brackets; silent units left out)", "weights")
    # prose lists models in the declared order: an order by value would rank outside a claim
    declared = [m for m in params["models"] if m in set(summary.model)]
    summary = summary.set_index("model").loc[declared].reset_index()
    _answers(sec, summary, summary.set_index("model"), weights, facts,
             len(info["class_names"]), p)
    fates = prose.status_counts(facts["statuses"])
    reach = facts.get("reach") or {}
    none_reach = ("" if not reach.get("pairs") or len(reach["untestable"]) < reach["pairs"] else
                  f" With {_runs_words(facts)}, no comparison here can reach p < {ALPHA}.")
    rising = _rising_text(facts, p, "the ranking")
    started = _chance_start_text(facts, declared)
    ok_only = (f"; {sec.cite(facts['claims'], 'test_accuracy_ok', True)}"
               if "test_accuracy_ok" in facts["claims"] else "")
    sec.summary = (f"Architectures: {sec.cite(facts['claims'], 'test_accuracy', True)}"
                   f"{ok_only}.{none_reach}{' ' + rising if rising else ''} "
                   f"{fates[0].upper()}{fates[1:]}."
                   + (f" {started}" if started else ""))
    # read by the appendix: an ask this configuration does not measure has no "partly" note
    sec.asked_reasons = asked_reasons(declared,
                                      None if facts["depth_claims"] else summary)
    sec.asked_notes = {ask: note for ask, note in asked_notes(declared).items()
                       if ask not in sec.asked_reasons}
    return sec


def _chance_start_text(facts, models):
    """The runs at chance from their start, one clause per model (in `models`' order): those
    that then left it, with the steps each spent there, and those at chance at every record,
    which never left chance within their steps (no slow start); the band is said once. ''
    where no run started at chance."""
    start = facts.get("chance_start") or {}
    found = start.get("runs") or {}
    n = facts.get("runs_per_model") or {}
    left = {m: [r for r in found.get(m, []) if not (r[3:] and r[3])] for m in models}
    never = {m: [r for r in found.get(m, []) if r[3:] and r[3]] for m in models}

    def who(m, runs):
        return (f"every {m} run" if len(runs) == n.get(m) and len(runs) > 1 else
                f"the {m} run" if len(runs) == n.get(m) else f"{len(runs)} of {n.get(m, '?')} "
                f"{m} runs")

    def seeds(runs):
        return (f"seed{'' if len(runs) == 1 else 's'} "
                f"{prose.names(str(seed) for seed, *_ in runs)}")
    clauses = []
    for m in (m for m in models if left[m]):
        runs = left[m]
        total = {t for _, _, t, *_ in runs}
        steps = prose.names(f"{k:,}" + ("" if len(total) == 1 else f" of {t:,}")
                            for _, k, t, *_ in runs)
        of = f" of {total.pop():,}" if len(total) == 1 else ""
        first = "their" if len(runs) < n.get(m, 0) and len(runs) > 1 else "its"
        clauses.append(f"{who(m, runs)}, for {first} first {steps}{of} steps ({seeds(runs)})")
    stuck = [m for m in models if never[m]]
    if not clauses and not stuck:
        return ""
    loss, margin = start["loss"], start["margin"]
    classes = int(round(np.exp(loss)))
    band = (f"training loss within {margin * loss:.2g} of ln {classes} = {loss:.2f}, a uniform "
            "guess")
    out = []
    if clauses:
        out.append(f"Started at chance ({band}, for at least the first {CHANCE_RECORDS} records "
                   f"and {100 * CHANCE_SHARE:g} % of the steps)"
                   + (" and then left it" if stuck else "") + f": {'; '.join(clauses)}.")
    if stuck:
        total = {t for m in stuck for _, _, t, *_ in never[m]}
        within = f"its {min(total):,} steps" if len(total) == 1 else "its steps"
        each = "; ".join(
            f"{who(m, never[m])} ({seeds(never[m])}"
            + ("" if len(total) < 2 else
               ", of " + prose.names(f"{t:,}" for _, _, t, *_ in never[m]) + " steps") + ")"
            for m in stuck)
        out.append(f"Never left chance within {within} ("
                   + ("in that band" if clauses else f"{band},") + f" at every record): {each}.")
    return " ".join(out)


def _chance_kinds(facts, models):
    """(any run of `models` started at chance and then left it, any never left it)."""
    found = (facts.get("chance_start") or {}).get("runs") or {}
    runs = [r for m in models for r in found.get(m, [])]
    never = [bool(r[3:] and r[3]) for r in runs]
    return (not all(never)) if runs else False, any(never)


def _chance_start_models(facts):
    return [m for m, runs in ((facts.get("chance_start") or {}).get("runs") or {}).items()
            if runs]


def _runs_words(facts):
    """'3 runs per model', or the runs of each model where they differ."""
    n = facts.get("runs_per_model") or {}
    counts = set(n.values())
    if len(counts) == 1:
        return f"{prose.count(counts.pop(), 'run')} per model"
    return "these runs (" + ", ".join(f"{m} {k}" for m, k in n.items()) + ")"


def _reach_text(facts):
    """Up front: the runs behind every comparison, the test that decides it and the smallest p
    it can give with them, so that an interval is never read as the test."""
    reach = facts.get("reach")
    if not reach:
        return ""
    text = ("The comparisons below are tested by an exact permutation test; the 95 % "
            "intervals are Student t intervals, which assume normally spread accuracies, and "
            "show the spread, not the test.")
    single = reach["single"]
    if single and len(single) == len(facts["runs_per_model"]):
        text += " Every model has one run: no spread, so no comparison is made."
    elif single:
        text += (f" {prose.names(single)} {'has' if len(single) == 1 else 'have'} one run: no "
                 "spread, so no comparison with " + ("it" if len(single) == 1 else "them") + ".")
    if not reach["pairs"]:
        return text
    untestable = reach["untestable"]
    if len(untestable) == reach["pairs"]:
        return (text + f" With {_runs_words(facts)}, the smallest p that test can give is "
                f"{reach['min_p']:.2g}. So no comparison of two models here can reach "
                f"p < {ALPHA}: each is not resolved, even where two intervals do not overlap.")
    if untestable:
        pairs = prose.names(f"{a} with {b}" for a, b in untestable)
        return (text + f" With {_runs_words(facts)}, the comparisons of {pairs} cannot reach "
                f"p < {ALPHA}: they are not resolved, even where two intervals do not overlap.")
    fewest = min((n for n in facts["runs_per_model"].values() if n >= 2), default=0)
    if fewest < SMALL_SAMPLE:  # the rule of claims.verdict_words, said once up front
        return text + (f" With {_runs_words(facts)} it can give p as small as "
                       f"{reach['min_p']:.2g}, but with fewer than {SMALL_SAMPLE} runs a side "
                       "no comparison is resolved, whatever its p: each p only describes how "
                       "far the runs overlap.")
    return text + (f" With {_runs_words(facts)}, it can give p as small as "
                   f"{reach['min_p']:.2g}.")


def _table_note(facts):
    if facts["min_runs"] >= 5:
        return None
    reach = facts.get("reach") or {}
    resolved = ("; the ranking is not resolved" if reach.get("pairs")
                and len(reach["untestable"]) == reach["pairs"] else "")
    return ("† small sample (fewer than 5 runs): the t interval is wide and rests on normally "
            f"spread accuracies{resolved} (see the section's opening).")


def _silent_caption(best, model):
    """The silent units of a model's best run, named (their numbers are red in the figure)."""
    if model not in best.index:
        return ""
    r = best.loc[model]
    if not r.silent_units:
        return "No silent unit in this run."
    listed = ", ".join(str(r.silent_list).split())
    return (f"Silent units (numbers in red; at most {100 * SILENT_SHARE:g} % of the layer's "
            f"largest response to any test class): {listed} ({r.silent_units} of {r.units}).")


def _setting_departure(p):
    """How the study's optimiser setting departs from the assignment's, for the caveats, as
    (what was run, the assignment's that was not): ('with SGD (lr 0.01, momentum 0.9)', "the
    assignment's Adam (lr 0.001)"), ('at lr 0.003', "the assignment's lr 0.001"), or None
    where it is the assignment's. Said as what was measured and what was not run: "holds for
    SGD, not Adam" would read as a finding about Adam, which no run here tested."""
    if p.get("optimizer", PROTOCOL["optimizer"]) != PROTOCOL["optimizer"]:
        return (f"with {prose.optimizer(p)}",
                f"the assignment's {prose.optimizer(PROTOCOL)}")
    if p.get("lr", PROTOCOL["lr"]) != PROTOCOL["lr"]:
        return f"at lr {p['lr']:g}", f"the assignment's lr {PROTOCOL['lr']:g}"
    return None


def _measured_with(what, setting, then, also=""):
    """'The ranking was measured with SGD (lr 0.05); the assignment's Adam (lr 0.001) was not
    run, and it may {then}.'"""
    run, other = setting
    return (f"{what[0].upper()}{what[1:]} was {also}measured {run}; {other} was not run, and "
            f"it may {then}.")


def _setting_word(p):
    return ("optimiser" if p.get("optimizer", PROTOCOL["optimizer"]) != PROTOCOL["optimizer"]
            else "learning rate")


def _rising_text(facts, p, what, full=False):
    """The caveats on `what` (the ranking): where the convergence check (Q3's claims) found a
    model still rising, or could not tell, that it measures (or may measure only) learning
    within this budget, with the models it holds for (the summary line); where the optimiser
    or its learning rate is not the assignment's, that it was measured with this setting and
    the assignment's was not run, whether or not any model still rose. `full` (said once, in
    Q3, after the claims that name the models) gives what the budget cannot tell and why the
    setting matters."""
    rising, unsure = facts.get("rising") or [], facts.get("rising_unsure") or []
    setting = _setting_departure(p)
    if not rising and not unsure:
        return _measured_with(what, setting, "rank the models differently") if setting else ""
    models = set(facts.get("runs_per_model") or rising + unsure)

    def who(names):
        return (f"all {len(names)} models" if len(names) > 1 and set(names) >= models
                else prose.names(names))
    budget = prose.count(p["epochs"], "epoch")
    if p["epochs"] != PROTOCOL["epochs"]:
        budget += f"; the assignment's {PROTOCOL['epochs']}"
    if rising:
        text = (f"Validation accuracy was still rising at the end of the budget ({budget}) for "
                f"{who(rising)}" + (f" (for {prose.names(unsure)}, the runs cannot tell)"
                                    if unsure else ""))
    else:
        text = (f"Whether validation accuracy was still rising at the end of the budget "
                f"({budget}), the runs cannot tell for {who(unsure)}")
    verb = _budget_verb(facts)
    if not full:
        return f"{text}, so {what} {verb} learning within this budget." + (
            " " + _measured_with(what, setting, "rank the models differently") if setting
            else "")
    also = (" " + _measured_with("it", setting, "suit the models differently", "also ")
            if setting else "")
    # the claims just before it say which models still rise: only the consequence follows
    return (f"So {what} {verb} learning within this budget ({budget}): it cannot tell a model "
            f"that learns faster from one that would end higher.{also}")


def _budget_verb(facts):
    return "measures" if facts.get("rising") else "may measure only"


def _budget_backref(facts, p, what):
    """The budget and setting caveats after Q3 has said them: a short back-reference, '' where
    neither holds."""
    budget = bool(facts.get("rising") or facts.get("rising_unsure"))
    setting = _setting_departure(p) and _setting_word(p)
    if budget:
        return (f" {what}, too, {_budget_verb(facts)} learning within this budget"
                + (f", with this {setting}" if setting else "") + " (see question 3).")
    return (f" {what}, too, was measured with this {setting} only (see question 3)."
            if setting else "")


def _covered(claim, facts):
    """Whether a comparison is one the opening already says no test can resolve at these run
    counts: then its short form ('not resolved (3 and 3 runs)') says enough."""
    ev = claim["evidence"]
    if ev.get("testable", True) or ev["kind"] not in ("difference", "ranking"):
        return False
    arms = ({ev["best"], ev["runner_up"]} if ev["kind"] == "ranking"
            else {a["arm"] for a in ev["arms"]})
    untestable = {frozenset(pair) for pair in (facts.get("reach") or {}).get("untestable", [])}
    return frozenset(arms) in untestable


def _cite(sec, found, key, facts):
    return sec.cite(found, key, _covered(found[key], facts))


def _answers(sec, summary, s, weights, facts, n_classes, p):
    found = facts["claims"]
    sec.ask("What is generalisation performance?",
            "Generalisation performance is how well a trained model does on data it has not "
            "seen in training. Here it is estimated by the accuracy on the held-out test set. "
            "A large generalisation gap means the model does better on the images it learned "
            f"from than on new ones. {sec.cite(found, 'gap')}."
            + (f" {sec.cite(found, 'gap_ok')}." if "gap_ok" in found else ""))
    sec.ask("Which plots show it?",
            "Panel c plots test accuracy against the final model's accuracy on the whole "
            "training split (a point below the diagonal does worse on new images than on the "
            "ones it learned from: the gap above); panels b and d show validation accuracy "
            "(unseen data) against training accuracy during training. The training accuracy "
            "recorded during training is a running mean over each record's batches, taken "
            "while the weights still improve, so it lags the final model. At the last record, "
            "per model "
            "(training, a running mean / validation / test, means over seeds): " + "; ".join(
                f"{m} {prose.pct(s.loc[m, 'final_train_acc_mean'])} / "
                f"{prose.pct(s.loc[m, 'final_val_acc_mean'])} / "
                f"{prose.pct(s.loc[m, 'test_acc_mean'])}" for m in s.index) + ".")
    # a short form sits inside a sentence: it needs words before it
    ranking = ("Ranking on " if _covered(found["test_accuracy"], facts) else "") + _cite(
        sec, found, "test_accuracy", facts)
    text = f"Each model's mean and 95 % interval are in the table. {ranking}."
    if "test_accuracy_ok" in found:
        text += f" {sec.cite(found, 'test_accuracy_ok')}."
    if facts["min_runs"] >= 2 and facts["neighbours"]:
        text += " Further down, each model against the next lower mean: " + "; ".join(
            _cite(sec, found, key, facts) for key in facts["neighbours"]) + "."
    converged = [key for key in (f"rising_{m}" for m in s.index) if key in found]
    if converged:
        text += (" Whether each model still learned at the end, from each run's last-epoch "
                 "gain (the validation accuracy gained over its last epoch, from a line fitted "
                 "to that epoch's records): "
                 + "; ".join(sec.cite(found, key, True) for key in converged) + ".")
    rising = _rising_text(facts, p, "this ranking", full=True)
    sec.ask("Compare the models' generalisation performance.",
            text + (f" {rising}" if rising else ""))
    text = sec.cite(found, "parameters") + ". " + "".join(
        f"{sec.cite(found, key)}. " for key in sorted(found) if key.startswith("parameters_"))
    if facts["size_family_confounded"]:
        big = summary.sort_values("parameters").family.iloc[-1]  # the larger family
        small = "CNN" if big == "MLP" else "MLP"
        def members(family):
            names = list(summary[summary.family == family].model)
            return f"the {family} {names[0]}" if len(names) == 1 else f"every {family}"
        text += ("Parameter count and model family move together here "
                 f"({members(big)} is larger than {members(small)}), so this comparison cannot "
                 "tell the effect of size from that of fully connected against convolutional "
                 "layers.")
    by_size = summary.sort_values("parameters")
    text += (f" Smallest: {by_size.model.iloc[0]} ({by_size.parameters.iloc[0]:,} parameters, "
             f"{prose.pct(by_size.test_acc_mean.iloc[0])}); largest: {by_size.model.iloc[-1]} "
             f"({by_size.parameters.iloc[-1]:,}, {prose.pct(by_size.test_acc_mean.iloc[-1])}).")
    backref = _budget_backref(facts, p, "This comparison")
    started = _chance_start_text(facts, list(s.index))
    if started:  # said once, here; question 5 and the summary refer to it
        left, never = _chance_kinds(facts, list(s.index))
        said = (["Steps spent at chance are steps not spent learning, so such a start may "
                 "lower the accuracy a budget reaches; these runs do not test that"] if left
                else [])
        said += (["A run that never left chance is no slow start: by this rule it had not left "
                  "chance when its budget ended; its model's means over all runs include it"]
                 if never else [])
        text += f" {started} " + (
            f"{said[0]}, and no comparison here can tell it apart from size, depth or family."
            if len(said) == 1 else ". ".join(said) + ". No comparison here can tell either "
            "apart from size, depth or family.")
    sec.ask("What is the effect of the number of parameters?", text + backref)
    lines = [_cite(sec, found, key, facts) for key in facts["depth_claims"]]
    compared = {a["arm"] for key in facts["depth_claims"]
                for a in found[key]["evidence"].get("arms", [])}
    stalled = [m for m in s.index if m in compared and m in _chance_start_models(facts)]
    some = " (some never left it; question 4)" if _chance_kinds(facts, stalled)[1] else \
        " (question 4)"
    stall = (f" Runs of {prose.names(stalled)} started at chance{some}, which this "
             "comparison cannot tell apart from depth either." if stalled else "")
    sec.ask("What is the effect of depth?",
            ("Depth = layers with weights, prediction layer included; compared within a family, "
             "where depth changes together with the parameter count (both are given), so a "
             "difference cannot be put on depth alone. " + "; ".join(lines) + "." + stall
             + backref) if lines else _no_depth_text(summary))
    _weight_answers(sec, weights, list(s.index), n_classes, found)
    fam_mean = facts["family_mean"]
    groups = "; ".join(f"{fam}: {prose.names(summary[summary.family == fam].model)} (means "
                       + ", ".join(f"{m} {prose.pct(s.loc[m, 'test_acc_mean'])}"
                                   for m in summary[summary.family == fam].model) + ")"
                       for fam in fam_mean)
    singles = facts.get("single_model_families") or {}
    lone = " and ".join(f"the {fam} family has one model ({m})" for fam, m in singles.items())
    lone = lone and f"{lone[0].upper()}{lone[1:]}: no spread across models, so "
    if "family" in found:
        closing = (f"{sec.cite(found, 'family')}. The families differ in layer types, depth "
                   "and parameter count at once, so a difference between them cannot be put "
                   "on any one of these.")
        if lone:
            closing += (f" {lone}{'they are' if len(singles) > 1 else 'it is'} left out of "
                        "this comparison.")
    elif lone:
        closing = f"{lone}the families are not compared."
    else:
        closing = "The zoo has one family only."
    sec.ask("Which architectures are akin, and how do similar ones compare?",
            f"Grouped by their layer lists: {groups}. {closing}")
    ranked = found["test_accuracy"]["evidence"]
    # a ranking no test can resolve is not repeated: question 3 gives it, the opening says why
    # without the runs that did not end ok there are fewer runs: testable only if all are
    ok_only = (f"; {sec.cite(found, 'test_accuracy_ok', True)}"
               if "test_accuracy_ok" in found else "")
    text = (f"By accuracy: {sec.cite(found, 'test_accuracy', True)}{ok_only}. "
            if ranked.get("testable") else "")
    text += _pick(ranked, found.get("test_accuracy_ok", {}).get("evidence"))
    fates = _fates_ground(facts, list(s.index))
    if fates:
        text += f" {fates}"
    if "smaller" in found:
        text += f" {_other_grounds(ranked)} {sec.cite(found, 'smaller')}."
    sec.ask("Which architecture would you pick, and why?",
            text + _budget_backref(facts, p, "The pick"))


def _no_depth(summary):
    """Why the depth question has no measurement, said of the models this study runs (the zoo
    may have others), with their families and depths."""
    runs = prose.names(f"{r.model} ({r.family}, depth {int(r.depth)})"
                       for r in summary.itertuples())
    return f"among the models this study runs, {runs}, no family has two of different depth"


def _no_depth_text(summary):
    why = _no_depth(summary)
    return f"{why[0].upper()}{why[1:]}, so the effect of depth is not measured here."


def _other_grounds(ranked):
    """What heads the size comparison: a ground for the pick only where a test could run."""
    return "On other grounds:" if ranked.get("testable") else "For the record, on size:"


def _fates_ground(facts, models):
    """Where some runs did not end ok: each model's runs that did (in `models`' order, values
    only), a ground for the pick that a mean over all runs does not show; '' where all did."""
    not_ok = facts.get("not_ok") or {}
    if not not_ok:
        return ""
    n = facts.get("runs_per_model") or {}

    def fate(m):
        bad = not_ok.get(m, {})
        done = n.get(m, 0) - sum(bad.values())
        return (f"{m} {done} of {n.get(m, '?')}"
                + (" (" + ", ".join(f"{k} {s}" for s, k in bad.items()) + ")" if bad else ""))
    return ("Runs that ended ok, a ground of their own: " + "; ".join(fate(m) for m in models)
            + ".")


def _pick(ranked, ok=None):
    """The pick by accuracy: the highest mean where the data separate it from the runner-up;
    where a test could and did not, another ground decides (the claim that follows); where no
    test could, no pick. `ok`: the ranking over the runs that ended ok (where some did not):
    a separation over all runs that it does not repeat for the same model is said to rest on
    the runs that did not end ok."""
    if ranked.get("separated"):  # named by the claim: the text outside it compares nothing
        if ok is not None and not (ok.get("separated") and ok.get("best") == ranked.get("best")):
            return ("The data separate the highest mean from the runner-up over all runs, but "
                    "not over the runs that ended ok: that separation may rest on the runs "
                    "that did not, so accuracy does not decide the pick.")
        return "The pick: the highest mean above, which the data separate from the runner-up."
    if ranked.get("testable"):
        return ("Accuracy does not decide the pick: the data do not separate the highest mean "
                "from the runner-up, so another ground (size, speed) may.")
    return ("No pick can be made by accuracy from these runs: too few for any test to "
            "separate the highest mean from the runner-up (see question 3).")


BANDS = ("hardly", "partly", "strongly")  # lowest first


def _band(x):
    return "strongly" if x > 0.5 else "partly" if x > 0.2 else "hardly"


def _template_band(r):
    return "strongly" if r >= 0.5 else "partly" if r >= 0.3 else "hardly"


# The template |r| bands as question 6 defines them (their range, their name): question 8
# reads them under the same names
TEMPLATE_BANDS = {"strongly": ("|r| ≥ 0.5", "a recognisable garment silhouette"),
                  "partly": ("0.3–0.5", "a partial silhouette"),
                  "hardly": ("below 0.3", "no silhouette")}


def _band_reading(values, band, names, verdicts=None):
    """The reading band of a per-run number, named as it was defined (`names`: each band's
    name; `verdicts`, what a band read for every run says, its name unless given), only where
    every run falls in it: one run gives no verdict, and runs in different bands give none
    either (how many runs fall in each is said)."""
    values = [v for v in values if v == v]
    if len(values) < 2:
        return "one run, so no band is read"
    counts = {b: sum(band(v) == b for v in values) for b in BANDS}
    found = [b for b in BANDS if counts[b]]
    if len(found) == 1:
        return f"{(verdicts or names)[found[0]]} in all {len(values)} runs"
    return "no single band (" + ", ".join(
        f"{names[b]} in {prose.count(counts[b], 'run') if i == 0 else counts[b]}"
        for i, b in enumerate(found)) + ")"


def _per_run(values, fmt=lambda x: f"{x:.3g}"):
    """'0.528 (mean of 3 runs, 0.483–0.615)', '0.663 (one run)', or '0.25 in all 3 runs'."""
    values = [v for v in values if v == v]
    if not values:
        return "no responding unit"
    if len(values) == 1:
        return f"{fmt(values[0])} (one run)"
    low, high = min(values), max(values)
    if low == high:
        return f"{fmt(low)} in all {len(values)} runs"
    return f"{fmt(np.mean(values))} (mean of {len(values)} runs, {fmt(low)}–{fmt(high)})"


def _percent(x):
    return f"{100 * x:.0f} %"


def _weight_answers(sec, weights, models, n_classes, found):
    by = {m: weights[weights.model == m] for m in models}
    mlp = [m for m in models if by[m].template_r_mean.notna().any()]
    cnn = [m for m in models if by[m].zero_sum_fraction.notna().any()]
    units = "; ".join(
        f"{m} {_span(g.silent_units)} of {_span(g.units)}"
        + (f" ({_span(g.zero_units)} with no response to any test image)"
           if g.zero_units.sum() else "") for m, g in by.items())
    parts = [f"A unit (or filter) is silent when its largest mean response to a test class is "
             f"at most {100 * SILENT_SHARE:g} % of the largest in its layer: it answers no class "
             "and learns nothing that a picture could show, so silent units are left out of "
             "every mean below. Silent units per run, over each model's runs: " + units + "."]
    statuses = {m: list(g.status) if "status" in g else [] for m, g in by.items()}
    bad = {m: {st: v.count(st) for st in STATUSES if st != "ok" and st in v}
           for m, v in statuses.items()}
    bad = {m: c for m, c in bad.items() if c}
    if bad:
        parts.append("Every number below is over all of a model's runs, those that did not end "
                     "ok included (" + "; ".join(
                         f"{m} " + ", ".join(f"{k} of {len(statuses[m])} {st}"
                                             for st, k in c.items()) for m, c in bad.items())
                     + ").")
    if mlp:
        parts.append("Fully connected first-layer units see the whole image; the mean best |r| "
                     "of their weights with a class-mean training image: "
                     + "; ".join(f"{m} {_per_run(by[m].template_r_mean)}" for m in mlp)
                     + " (read here: " + ", ".join(f"{edge} {name}" for edge, name in
                                                  TEMPLATE_BANDS.values()) + ").")
    if cnn:
        parts.append("Convolution filters are a few pixels wide, so they cannot picture a "
                     "garment; they are local detectors. A filter whose weights nearly cancel "
                     "(|sum of weights| < 25 % of their summed magnitude) detects edges or "
                     "contrast, the others respond to local brightness. Share of the responding "
                     "filters that nearly cancel: "
                     + "; ".join(f"{m} {_per_run(by[m].zero_sum_fraction, _percent)}"
                                 for m in cnn) + ".")
    sec.ask("Are the weight pictures interpretable?", " ".join(parts))

    def specialised(m):
        g = by[m]
        text = f"{m} {_per_run(g.selectivity_mean)}"
        if m in mlp:
            text += ", " + _band_reading(list(g.selectivity_mean), _band,
                                         dict(zip(BANDS, BANDS)),
                                         {b: f"{b} specialised" for b in BANDS})
        return text + f", preferred classes cover {_span(g.preferred_classes)} of {n_classes}"
    cnn_note = (" Conv filters are not read on these bands: a filter's response here is its "
                "map averaged over the image, a different quantity from a fully connected "
                "unit's response." if cnn else "")
    sec.ask("Are the units specialised to particular classes?",
            "Selectivity of a unit = (response to its preferred class − mean response to the "
            "others) / (their sum), from its mean activation per test class, over the "
            "responding units: 0 means no preference, 1 means it answers one class only (read "
            "here, for fully connected units: above 0.5 strongly, 0.2–0.5 partly, below 0.2 "
            "hardly specialised; a band is read only where every run of a model falls in it)."
            f"{cnn_note} Per model (values only: the models are not ranked on it): "
            + "; ".join(specialised(m) for m in models) + ".")
    if mlp:
        names = {b: name for b, (_, name) in TEMPLATE_BANDS.items()}

        def reading(m):
            return f"{m}: " + _band_reading(list(by[m].template_r_mean), _template_band, names)
        sec.ask("Whose weights are more interpretable?",
                f"The fully connected first layers are the ones a picture can show: "
                f"{sec.cite(found, 'template_r')}. By the bands above: "
                + "; ".join(reading(m) for m in mlp) + ". First-layer CNN filters are readable "
                "only as local edge and brightness detectors.")
    else:
        sec.ask("Whose weights are more interpretable?",
                "No fully connected first layer in this zoo: all first layers are local "
                "convolution filters, readable only as edge and brightness detectors.")


def asked_notes(models):
    """{ask: note} for the appendix rows this configuration answers on some of the
    assignment's models only ("partly", naming those left out), and for the row that links
    the section for its weight figures (which of them exist depends on the models run)."""
    left_out = left_out_models(models, PROTOCOL["models"])
    figures_note = f"the section's first-layer weight figures of {prose.names(models)}"
    if not left_out:
        return {EACH_WEIGHTS_ASK: f"{figures_note}, one per model"}
    run = [m for m in PROTOCOL["models"] if m in models]
    partly = f"partly: {prose.names(run) + ' only; ' if run else ''}{left_out}"
    notes = {EACH_WEIGHTS_ASK: f"partly: {figures_note}; {left_out}"}
    notes.update({ask: partly for ask in PERFORMANCE_ASKS})
    notes.update({ask: partly for ask, i in QUESTION_ASKS.items() if i in _ON_THE_MODELS})
    return notes


def asked_reasons(models, no_depth=None):
    """{ask: reason} for the seeds' figure of one model this configuration does not run, and,
    where `no_depth` (the summary) says no family here has two models of different depth, for
    the depth question, which the section then answers with no measurement."""
    reasons = {ask: f"{model} is not in this configuration's architecture study (it runs "
                    f"{prose.names(models)})"
               for ask, model in MODEL_WEIGHT_ASKS.items() if model not in models}
    if no_depth is not None:
        reasons.update({ask: f"not measured: {_no_depth(no_depth)}"
                        for ask, i in QUESTION_ASKS.items() if i == DEPTH_QUESTION})
    return reasons
