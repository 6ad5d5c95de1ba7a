"""Study 3: architectures (EE449 part 3). Every zoo model with Adam over several seeds."""
import numpy as np

from .. import aggregate, claims, figures, prose
from ..config import make_run
from ..data import load_prepared, scale
from ..report import Section, Shown
from ..runfiles import load_array
from ..stats import ALPHA, compare
from .common import check_models, departures as protocol_departures, records, write_facts
from ..lazy import lazy_import

pd = lazy_import("pandas")

NAME = "architectures"
TITLE = "Study 3: architectures"
ORDER = 30
CAPTION = ("Architecture study: training loss, training (solid) and validation (dashed) "
           "accuracy against step (mean over seeds, band: one standard deviation), test "
           "accuracy against the training accuracy at the last record (a running mean) per "
           "model, and validation against training accuracy during training.")
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
# A model's validation accuracy is still rising at the end of its budget when its runs gain,
# on average, more than this over the last epoch (the slope of a line fitted to that epoch's
# records, times its steps)
RISING = 0.01
RUN_FILES = ["summary.json", "curves.csv", "first_layer.npy", "unit_class_means.npy"]


def runs(cfg):
    p = cfg[NAME]
    return {(m, s): make_run(cfg, NAME, m, m, s, p) for m in p["models"] for s in p["seeds"]}


def check(cfg):
    check_models(cfg, NAME)


def departures(cfg):
    return protocol_departures(NAME, cfg[NAME], PROTOCOL)


def inputs(cfg, files):
    return {kind.split(".")[0]: files(NAME, kind) for kind in RUN_FILES}


def params(cfg):
    p = cfg[NAME]
    return {"protocol": p, "models": {m: cfg["models"][m] for m in p["models"]},
            "scaling": cfg["data"]["scaling"]}


def figures_of(params):
    return ["performance"] + [f"weights_{m}" for m in params["models"]]


def analyse(inp, out, params, info):
    models = params["models"]
    runs_, curves = aggregate.load_runs(inp.summary, inp.curves, len(info["class_names"]),
                                        info["sizes"]["test"])
    runs_["val_gain_last_epoch"] = [last_epoch_gain(curves[(r.name, r.seed)], r.steps, r.epochs)
                                    for r in runs_.itertuples()]
    runs_.to_csv(out.table("runs"), index=False)
    summary, pairwise = rank(runs_, models)
    summary.to_csv(out.table("summary"), index=False)
    pairwise.to_csv(out.table("pairwise"), index=False)
    by_model = {}
    for (model, _), df in curves.items():
        by_model.setdefault(model, []).append(df)
    stats_ = aggregate.curve_stats(by_model)
    stats_.to_csv(out.table("curves"), index=False)

    data = load_prepared(inp.data)
    templates = aggregate.class_mean_images(scale(data["train_x"], params["scaling"]),
                                            data["train_y"])
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
    write_facts(out.facts, facts(summary, runs_, weights,
                                 params["protocol"].get("record_every")))


def last_epoch_gain(curve, steps, epochs):
    """Validation accuracy gained over a run's last epoch: the slope of the least-squares line
    through that epoch's records (the last 3 records where it has fewer) times the steps of an
    epoch. NaN where the run has no such records (it diverged before them)."""
    if "val_acc" not in curve or not steps or not epochs or steps != steps:
        return float("nan")
    curve = curve.dropna(subset=["val_acc"])
    last = curve[curve.epoch == curve.epoch.max()] if "epoch" in curve else curve.iloc[:0]
    if len(last) < 3:
        last = curve.tail(3)
    if len(last) < 2:
        return float("nan")
    slope = np.polyfit(last.step.astype(float), last.val_acc.astype(float), 1)[0]
    return float(slope * steps / epochs)


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
    summary = aggregate.summarize_models(runs_, models)
    order = list(summary["model"])
    acc = _accuracies(runs_, order)
    pairs = dict.fromkeys(list(zip(order, order[1:])) + [(order[0], m) for m in order[2:]])
    pairwise = pd.DataFrame([{"better": a, "worse": b, "neighbours": order.index(b) ==
                              order.index(a) + 1, **compare(acc[a], acc[b])} for a, b in pairs],
                            columns=["better", "worse", "neighbours", "diff", "n_x", "n_y", "p",
                                     "min_p", "testable", "separated"])
    return summary, pairwise


def _accuracies(runs_, models):
    return {m: runs_.loc[(runs_.model == m) & runs_.test_acc.notna(), "test_acc"]
            for m in models}


def _size_claim(order, s, acc, ranked, source):
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
            f"Test accuracy, the highest mean ({best}, {size[best]:,} parameters) against the "
            f"runner-up ({runner}, {size[runner]:,} parameters, {than})", "size",
            source=source)
    fewest = size[best] == min(size.values())
    has = "has the fewest parameters" if fewest else "has fewer parameters than the runner-up"
    if "testable" not in ranked:  # one run a model: the ranking names no highest mean
        note = ("with one run for a model accuracy is not ranked, so it is not weighed against "
                "size")
    elif ranked["separated"]:
        note = (f"{best}, the highest mean, {has}: size agrees with accuracy; the runner-up "
                f"{runner} has {than}")
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


SUMMARY_COLUMNS = ["model", "family", "parameters", "runs", "test_acc_mean", "test_acc_ci_low",
                   "test_acc_ci_high", "generalisation_gap", "final_train_acc_mean",
                   "final_val_acc_mean"]
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
        ("train acc. %, running mean at last record",
         lambda r: prose.cell(r.final_train_acc_mean)),
        ("running mean − test (points)", lambda r: prose.cell(r.generalisation_gap)))),
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


def facts(summary, runs_, weights=None, record_every=None):
    """Every statistic the prose cites beyond the tables (correlations, confounds, depth
    pairs), and the claims its answers make, built from per-run values."""
    s = summary.set_index("model")
    order = list(summary["model"])
    acc = _accuracies(runs_, order)
    source = "tables/architectures_runs.csv"
    by_size = summary.sort_values("parameters")
    fams = by_size.family.tolist()
    # parameter count and family are confounded when sorting by size never interleaves them
    confounded = len(set(fams)) > 1 and sum(a != b for a, b in zip(fams, fams[1:])) == 1
    depth_claims, found = [], {}
    for fam, group in summary.groupby("family"):
        members = list(group.sort_values(["depth", "parameters"])["model"])
        for a, b in zip(members, members[1:]):
            depth_claims.append(f"depth_{b}_vs_{a}")
            found[depth_claims[-1]] = claims.difference(
                b, acc[b], a, acc[a], f"{fam}: test accuracy, deeper {b} (depth "
                f"{int(s.loc[b, 'depth'])}, {int(s.loc[b, 'parameters']):,} parameters) and "
                f"shallower {a} (depth {int(s.loc[a, 'depth'])}, "
                f"{int(s.loc[a, 'parameters']):,})", source=source)
    families = summary.groupby("family").test_acc_mean
    tested = runs_[runs_.test_acc.notna()]
    gaps = {m: list(g.final_train_acc - g.test_acc) for m, g in tested.groupby("model")}
    # the budget in the claim itself, so that its summary line says it too (REPORT.md)
    budget = (f" after {prose.count(int(runs_.epochs.max()), 'epoch')}"
              if "epochs" in runs_ and runs_.epochs.notna().any() else "")
    found["test_accuracy"] = claims.ranking({m: acc[m] for m in sorted(order)},
                                            f"Mean test accuracy{budget}", source=source)
    # the training figure is a running mean taken while the weights improve: it lags the
    # final model, so its difference to the test accuracy is no like-for-like gap to rank
    found["gap"] = claims.values_only(
        {m: gaps.get(m, []) for m in sorted(order)}, "Training accuracy at the last record "
        "(a running mean) minus test accuracy, per model", source=source,
        fmt=claims.fmt_points,
        note="not a like-for-like gap: the running mean lags the final model, so the models "
             "are not ranked on it")
    for a, b in zip(order, order[1:]):
        found[f"next_{a}_vs_{b}"] = claims.difference(a, acc[a], b, acc[b], "Test accuracy",
                                                      source=source)
    if len(order) > 1:
        found["smaller"] = _size_claim(order, s, acc, found["test_accuracy"]["evidence"],
                                       source)
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
    rising = []
    if "val_gain_last_epoch" in runs_:  # the convergence check: is each model still learning?
        for m in sorted(order):  # by name: an order by accuracy would rank outside a claim
            gains = [g for g in runs_.loc[runs_.model == m, "val_gain_last_epoch"] if g == g]
            if not gains:
                continue
            holds = float(np.mean(gains)) > RISING
            found[f"rising_{m}"] = claims.rule(
                m, gains, "Last-epoch gain", holds,
                f"still rising when the mean over the runs is above {100 * RISING:g} point",
                "still rising", "no longer rising", fmt=claims.fmt_points, source=source)
            rising += [m] if holds else []
    steps = runs_.steps.dropna()
    last = None
    if record_every and len(steps):
        total = int(steps.max())
        # the images behind the last record's training accuracy, and its standard error
        images = int(record_every) * int(runs_.batch_size.max())
        worst = tested.final_train_acc.clip(0, 1)
        last = {"step": total - total % int(record_every), "steps": total,
                "record_every": int(record_every), "images": images,
                "standard_error": float(np.sqrt(worst * (1 - worst) / images).max())
                if len(worst) else float("nan")}
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
            "min_runs": int(summary.runs.min()), "last_record": last, "claims": found,
            "runs_per_model": runs_per_model, "reach": _reach(runs_per_model),
            "rising": rising,
            "neighbours": [f"next_{a}_vs_{b}" for a, b in zip(order, order[1:])]}


def _unit_claims(weights, order):
    """The weight questions' numbers over every run of each model (silent units left out):
    values only, since a fully connected unit's response and a conv filter's map averaged
    over the image are different quantities, and the models are not ranked on them."""
    source = "tables/architectures_weights.csv"
    per_model = {m: weights[weights.model == m] for m in order}
    found = {"selectivity": claims.values_only(
        {m: list(g.selectivity_mean) for m, g in per_model.items()},
        "Mean first-layer selectivity per run, silent units left out", source=source,
        note="values only: the models are not ranked on it")}
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
                   "accuracy against the training accuracy at the last record, a running mean "
                   "over that record's steps taken while the weights improve (95 % CI; a marker "
                   "says when a model had a run that did not end ok); d: validation vs training "
                   "accuracy during training."))
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
                  f" With {_runs_words(facts)} no comparison here can reach p < {ALPHA}.")
    rising = _rising_text(facts, p, "the ranking")
    sec.summary = (f"Architectures: {sec.cite(facts['claims'], 'test_accuracy', True)}."
                   f"{none_reach}{' ' + rising if rising else ''} {fates[0].upper()}{fates[1:]}.")
    sec.asked_notes = asked_notes(declared)  # read by the appendix
    sec.asked_reasons = asked_reasons(declared)
    return sec


def _runs_words(facts):
    """'3 runs a model', or the runs of each model where they differ."""
    n = facts.get("runs_per_model") or {}
    counts = set(n.values())
    if len(counts) == 1:
        return f"{prose.count(counts.pop(), 'run')} a model"
    return "these runs (" + ", ".join(f"{m} {k}" for m, k in n.items()) + ")"


def _reach_text(facts):
    """Up front: the runs behind every comparison, the test that decides it and the smallest p
    it can give with them, so that an interval is never read as the test."""
    reach = facts.get("reach")
    if not reach:
        return ""
    text = ("The comparisons below are decided by an exact permutation test; the 95 % "
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
        return (text + f" With {_runs_words(facts)} the smallest p that test can give is "
                f"{reach['min_p']:.2g}, so no comparison of two models here can reach "
                f"p < {ALPHA}: each is not resolved, even where two intervals do not overlap.")
    if untestable:
        pairs = prose.names(f"{a} with {b}" for a, b in untestable)
        return (text + f" With {_runs_words(facts)} the comparisons of {pairs} cannot reach "
                f"p < {ALPHA}: they are not resolved, even where two intervals do not overlap.")
    return text + (f" With {_runs_words(facts)} it can give p as small as "
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


def _rising_text(facts, p, what, full=False):
    """Where validation accuracy was still rising at the end of the budget (the convergence
    claims of Q3): that `what` measures learning within this budget; `full` adds what that
    cannot tell and any learning rate that is not the assignment's."""
    rising = facts.get("rising") or []
    if not rising:
        return ""
    every = len(rising) > 1 and set(rising) >= set(facts.get("runs_per_model") or rising)
    who = f"all {len(rising)} models" if every else prose.names(rising)
    budget = prose.count(p["epochs"], "epoch")
    if p["epochs"] != PROTOCOL["epochs"]:
        budget += f"; the assignment's {PROTOCOL['epochs']}"
    text = (f"Validation accuracy was still rising at the end of the budget ({budget}) for "
            f"{who}, so {what} measures learning within this budget")
    if not full:
        return text + "."
    lr = ""
    if p.get("optimizer") == PROTOCOL["optimizer"] and p.get("lr") != PROTOCOL["lr"]:
        lr = (f"; lr {p['lr']:g}, not the assignment's {PROTOCOL['lr']:g}, may suit the models "
              "differently")
    return (f"{text}: it cannot tell a model that learns faster from one that would end "
            f"higher{lr}.")


def _last_record(facts):
    """What the training figure of a gap is: a running mean over the last record's steps."""
    last = facts.get("last_record")
    if not isinstance(last, dict):
        return ("the training accuracy at the last record, a running mean over the steps since "
                "the record before, taken while the weights improve")
    where = ("" if last["step"] == last["steps"] else
             f", before the last {last['steps'] - last['step']:,} updates")
    text = (f"the training accuracy at the last record (step {last['step']:,} of "
            f"{last['steps']:,}): a running mean over its {last['record_every']} steps"
            f"{where}, each batch scored by the weights of its step while they improve")
    if last.get("images") and last.get("standard_error") == last.get("standard_error"):
        text += (f"; it rests on {last['images']:,} images, so its standard error is up to "
                 f"{100 * last['standard_error']:.1f} points per run")
    return text


def _answers(sec, summary, s, weights, facts, n_classes, p):
    found = facts["claims"]
    sec.ask("What is generalisation performance?",
            "Generalisation performance is how well a trained model does on data it has not "
            "seen in training, estimated here by accuracy on the held-out test set. Its gap to "
            "the training accuracy needs the final model scored on training images, which these "
            f"runs do not record; the training figure here is {_last_record(facts)}. It lags "
            "the final model, so a negative difference can mean the model kept improving after "
            "those steps. "
            f"{sec.cite(found, 'gap')}.")
    sec.ask("Which plots show it?",
            "Panel c plots test accuracy against the training accuracy at the last record (a "
            "running mean; a point below the diagonal scored lower on the test set than on "
            "those training batches); panels b and d show validation accuracy (unseen data) "
            "against training accuracy during training. At the last record, per model "
            "(training, a running mean / validation / test, means over seeds): " + "; ".join(
                f"{m} {prose.pct(s.loc[m, 'final_train_acc_mean'])} / "
                f"{prose.pct(s.loc[m, 'final_val_acc_mean'])} / "
                f"{prose.pct(s.loc[m, 'test_acc_mean'])}" for m in s.index) + ".")
    means = "; ".join(f"{r.model} " + prose.interval(
        r.test_acc_mean, r.test_acc_ci_low, r.test_acc_ci_high, r.runs)
        for r in summary.sort_values("model").itertuples())
    text = f"Mean test accuracy per model: {means}. {sec.cite(found, 'test_accuracy')}."
    if facts["min_runs"] >= 2 and len(facts["neighbours"]) > 1:
        text += " Each model against the next lower mean: " + "; ".join(
            sec.cite(found, key) for key in facts["neighbours"]) + "."
    converged = [key for key in (f"rising_{m}" for m in s.index) if key in found]
    if converged:
        text += (" Convergence at the end of the budget, from each run's last-epoch gain (the "
                 "validation accuracy gained over its last epoch: the slope of a line fitted to "
                 "that epoch's records, times its steps): "
                 + "; ".join(sec.cite(found, key) for key in converged) + ".")
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
    rising = _rising_text(facts, p, "this comparison")
    sec.ask("What is the effect of the number of parameters?",
            text + (f" {rising}" if rising else ""))
    lines = [sec.cite(found, key) for key in facts["depth_claims"]]
    sec.ask("What is the effect of depth?",
            ("Depth = layers with weights, prediction layer included; compared within a family, "
             "where depth changes together with the parameter count (both are given), so a "
             "difference cannot be put on depth alone. " + "; ".join(lines) + "."
             + (f" {rising}" if rising else ""))
            if lines else "No family in this zoo has two models of different depth to compare.")
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
    text = (f"By accuracy: {sec.cite(found, 'test_accuracy')}. "
            + _pick(found["test_accuracy"]["evidence"])
            + (f" {_other_grounds(found['test_accuracy']['evidence'])} "
               f"{sec.cite(found, 'smaller')}." if "smaller" in found else ""))
    rising = _rising_text(facts, p, "the pick")
    sec.ask("Which architecture would you pick, and why?",
            text + (f" {rising}" if rising else ""))


def _other_grounds(ranked):
    """What heads the size comparison: a ground for the pick only where a test could run."""
    return "On other grounds:" if ranked.get("testable") else "For the record, on size:"


def _pick(ranked):
    """The pick by accuracy: the highest mean where the data separate it from the runner-up;
    where a test could and did not, another ground decides (the claim that follows); where no
    test could, no pick."""
    if ranked.get("separated"):  # named by the claim: the text outside it compares nothing
        return "The pick: the highest mean above, which the data separate from the runner-up."
    if ranked.get("testable"):
        return ("Accuracy does not decide the pick: the data do not separate the highest mean "
                "from the runner-up, so another ground (size, speed) may.")
    return ("No pick can be made from these runs: too few for any test to separate the highest "
            "mean from the runner-up.")


BANDS = ("hardly", "partly", "strongly")  # lowest first


def _band(x):
    return "strongly" if x > 0.5 else "partly" if x > 0.2 else "hardly"


def _template_band(r):
    return "strongly" if r >= 0.5 else "partly" if r >= 0.3 else "hardly"


def _band_reading(values, band, words):
    """The reading band of a per-run number (`words`: what each band says), only where every
    run falls in it: one run gives no verdict, and runs in different bands give none either."""
    values = [v for v in values if v == v]
    if len(values) < 2:
        return "one run, so no band is read"
    found = sorted({band(v) for v in values}, key=BANDS.index)
    if len(found) == 1:
        return f"{words[found[0]]} in all {len(values)} runs"
    return f"no single band ({found[0]} to {found[-1]} across its {len(values)} runs)"


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
    if mlp:
        parts.append("Fully connected first-layer units see the whole image; the mean best |r| "
                     "of their weights with a class-mean training image: "
                     + "; ".join(f"{m} {_per_run(by[m].template_r_mean)}" for m in mlp)
                     + " (read here: |r| ≥ 0.5 a recognisable garment silhouette, 0.3–0.5 a "
                       "partial one, below 0.3 none).")
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
            f"{cnn_note} Per model: " + "; ".join(specialised(m) for m in models)
            + f". {sec.cite(found, 'selectivity')}.")
    if mlp:
        words = {"strongly": "its pictures can be read as class templates",
                 "partly": "they resemble class templates only partly",
                 "hardly": "they hardly resemble class templates"}

        def reading(m):
            return f"{m}: " + _band_reading(list(by[m].template_r_mean), _template_band, words)
        sec.ask("Whose weights are more interpretable?",
                f"The fully connected first layers are the ones a picture can show: "
                f"{sec.cite(found, 'template_r')}. By the bands above: "
                + "; ".join(reading(m) for m in mlp) + ". First-layer CNN filters are readable "
                "only as local edge and brightness detectors.")
    else:
        sec.ask("Whose weights are more interpretable?",
                "No fully connected first layer in this zoo: all first layers are local "
                "convolution filters, readable only as edge and brightness detectors.")


def _left_out(models):
    """The assignment's models this configuration does not run, as the appendix says it:
    "the assignment's mlp_1 and cnn_4 are not run here"; '' where it runs them all."""
    missing = [m for m in PROTOCOL["models"] if m not in models]
    if not missing:
        return ""
    return (f"the assignment's {prose.names(missing)} {'is' if len(missing) == 1 else 'are'} "
            "not run here")


def asked_notes(models):
    """{ask: note} for the appendix rows this configuration answers on some of the
    assignment's models only ("partly", naming those left out), and for the row that links
    the section for its weight figures (which of them exist depends on the models run)."""
    left_out = _left_out(models)
    figures_note = f"the section's first-layer weight figures of {prose.names(models)}"
    if not left_out:
        return {EACH_WEIGHTS_ASK: f"{figures_note}, one per model"}
    run = [m for m in PROTOCOL["models"] if m in models]
    partly = f"partly: {prose.names(run) + ' only; ' if run else ''}{left_out}"
    notes = {EACH_WEIGHTS_ASK: f"partly: {figures_note}; {left_out}"}
    notes.update({ask: partly for ask in PERFORMANCE_ASKS})
    notes.update({ask: partly for ask, i in QUESTION_ASKS.items() if i in _ON_THE_MODELS})
    return notes


def asked_reasons(models):
    """{ask: reason} for the seeds' figure of one model this configuration does not run."""
    return {ask: f"{model} is not in this configuration's architecture study (it runs "
                 f"{prose.names(models)})"
            for ask, model in MODEL_WEIGHT_ASKS.items() if model not in models}
