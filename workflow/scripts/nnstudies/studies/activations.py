"""Study 4: activation functions and gradients (EE449 part 4)."""
import math

import numpy as np

from .. import aggregate, claims, figures, prose, stats
from ..config import INPUT_SHAPES, make_run, study_data
from ..data import SCALING_NAMES, SCALINGS
from ..models import is_convolutional, walk, weight_layer_count
from ..report import Section, Shown
from .common import (COINCIDE, COINCIDE_RECORDS, CHANCE_MARGIN, chance_start, check_models,
                     departures as protocol_departures, left_out_models, records, write_facts)
from ..lazy import lazy_import

pd = lazy_import("pandas")

NAME = "activations"
TITLE = "Study 4: activation functions and gradients"
ORDER = 40
CAPTION = ("Study 4: training loss (left) and first-layer gradient norm (right) for every "
           "model with ReLU (solid) and sigmoid (dashed), for one input scaling.")
PROTOCOL = {"models": ["mlp_1", "mlp_2", "cnn_3", "cnn_4", "cnn_5"],
            "activations": ["relu", "sigmoid"], "optimizer": "sgd", "lr": 0.01, "momentum": 0.0,
            "batch_size": 50, "epochs": 15}
TABLES = ["runs", "variants", "curves"]
# The seeds' asks this section answers (nnstudies/appendix.py): EE449's activations part (part
# 3 in seed 000's report, part 4 in seed 001's), and seed 003's sigmoid against ReLU. The seeds'
# figure is answered by the figure of the main questions' scaling (base_scaling), whichever it
# is: the appendix links a fixed id, so these rows link the section and the section's
# asked_notes name that figure (and say "partly" where its scaling is not the seed's).
FIGURE_ASKS = ["3 Fig. 4: training loss and first-layer gradient magnitude, ReLU against "
               "sigmoid", "4.1 Fig. 12: training losses and gradient magnitudes with ReLU and "
               "sigmoid"]
# Both EE449 seeds trained on [-1, 1]: seed 000 says so ("[-1, 1] Scaling"), seed 001
# normalises with mean 0.5 and std 0.5 (the assignment's template)
SEED_SCALING = "symmetric"
ASKED = [
    {"seed": "000", "ask": FIGURE_ASKS[0], "answer": "activations",
     "note": "the figure of the main questions' input scaling"},
    {"seed": "000", "ask": "3 Q1: how does the gradient magnitude behave across architectures "
     "and with depth?", "answer": "activations-q1"},
    {"seed": "000", "ask": "3 Q2: why does it behave so?", "answer": "activations-q2"},
    {"seed": "000", "ask": "3 Q3 (bonus): inputs in [0, 255] instead of [0, 1] (the seed "
     "answers it inside Q2, for its [-1, 1] inputs)", "answer": "activations-q3"},
    {"seed": "001", "ask": FIGURE_ASKS[1], "answer": "activations",
     "note": "the figure of the main questions' input scaling"},
    {"seed": "001", "ask": "4.2.1: how does the gradient magnitude behave across "
     "architectures and with depth?", "answer": "activations-q1"},
    {"seed": "001", "ask": "4.2.2: why does it behave so?", "answer": "activations-q2"},
    {"seed": "001", "ask": "4.2.3 (bonus): inputs in [0, 255] instead of [0, 1]",
     "answer": "activations-q3"},
    {"seed": "003", "ask": "1.2: the sigmoid and the rectified linear unit (ReLU)",
     "answer": "activations-q2",
     "note": "their gradients compared on this run's models, with the textbook expectation; "
     "the definitions are not recited"},
]


# the bonus asks (answered by Q3 where [0, 255] is run beside another scaling: asked_reasons)
BONUS_ASKS = [e["ask"] for e in ASKED if e["answer"] == "activations-q3"]


def runs(cfg):
    """Every model with each activation and input scaling; loss and gradient norm only."""
    p = cfg[NAME]
    return {(f"{m}-{a}-{sc}", s): make_run(cfg, NAME, f"{m}-{a}-{sc}", m, s, p, activation=a,
                                           scaling=sc, validate=False, record_grad=True)
            for m in p["models"] for a in p["activations"] for sc in p["scalings"]
            for s in p["seeds"]}


def check(cfg):
    check_models(cfg, NAME)


# the assignment's inputs: [0, 1], and [0, 255] for its bonus question
ASKED_SCALINGS = ["unit", "raw"]


def departures(cfg):
    scalings = cfg[NAME]["scalings"]
    out = protocol_departures(NAME, cfg[NAME], PROTOCOL)
    if sorted(scalings) != sorted(ASKED_SCALINGS):
        out.append(f"{NAME}: inputs scaled to "
                   f"{', '.join(SCALING_NAMES[x] for x in scalings)} (assignment: "
                   f"{SCALING_NAMES['unit']}, and {SCALING_NAMES['raw']} for the bonus)")
    return out


def inputs(cfg, files):
    return {"summary": files(NAME, "summary.json"), "curves": files(NAME, "curves.csv")}


def params(cfg):
    p = cfg[NAME]
    models = {m: cfg["models"][m] for m in p["models"]}
    in_shape = INPUT_SHAPES[study_data(cfg, NAME)["dataset"]]
    return {"protocol": p, "data_scaling": study_data(cfg, NAME)["scaling"],
            "depth": {m: weight_layer_count(ls) for m, ls in models.items()},
            "activation_layers": {m: activation_layers(ls) for m, ls in models.items()},
            "family": {m: "CNN" if is_convolutional(ls) else "MLP" for m, ls in models.items()},
            "first_layer_weights": {m: first_layer_weights(ls, in_shape)
                                    for m, ls in models.items()}}


def activation_layers(layers):
    """The activations after the first layer with weights: the ReLUs a sigmoid variant
    replaces (models.with_activation), each one a derivative the gradient reaching the first
    layer's weights is multiplied by. Not the depth: mlp_2's second fc layer has none."""
    kinds = [layer.split()[0] for layer in layers]
    first = next((i for i, k in enumerate(kinds) if k in ("fc", "conv")), len(kinds))
    return sum(k == "relu" for k in kinds[first:])


def first_layer_weights(layers, in_shape):
    """The number of weights (bias left out) of the first layer with weights, whose gradient
    norm the runs record: inputs × units for fc, kh × kw × input channels × filters for conv;
    None for a model whose first such layer is the prediction layer (its size depends on the
    number of classes)."""
    for _, spec, shape_in, _, _ in walk(layers, in_shape):
        if spec["kind"] == "fc":
            return math.prod(shape_in) * spec["out"]
        if spec["kind"] == "conv":
            return spec["kh"] * spec["kw"] * shape_in[0] * spec["out"]
    return None


def figures_of(params):
    return params["protocol"]["scalings"]


def analyse(inp, out, params, info):
    runs_, by_run, variants, curves = aggregate.variant_tables(
        inp.summary, inp.curves, len(info["class_names"]), info["sizes"]["test"])
    found = facts(variants, params, runs_, by_run, len(info["class_names"]),
                  info["sizes"]["test"])
    variants = with_fates(variants, found)  # the table's fate cell ('stuck after ...')
    runs_.to_csv(out.table("runs"), index=False)
    variants.to_csv(out.table("variants"), index=False)
    curves.to_csv(out.table("curves"), index=False)
    models = params["protocol"]["models"]
    for scaling in params["protocol"]["scalings"]:
        figures.save(figures.activation_figure(curves, variants, scaling, models,
                                               len(info["class_names"])),
                     *out.figure(scaling))
    write_facts(out.facts, found)


GRADIENT_FATES = ("ok", "stuck")  # a diverged or blown-up run's gradient is the explosion's
SOURCE = "tables/activations_runs.csv (with each run's curves.csv)"
RATIO_EXPECTED = ("backpropagation multiplies the gradient reaching the first layer by the "
                  "derivative of every activation above it; the sigmoid's derivative is at most "
                  "1/4 and near 0 when it saturates, so each sigmoid layer shrinks the gradient "
                  "(vanishing gradients), while ReLU's derivative is 1 where a unit is active: "
                  "the ReLU/sigmoid gradient ratio should exceed 1")
DEPTH_EXPECTED = ("the ReLU/sigmoid ratio should grow with the number of sigmoid layers "
                  "between the first layer and the loss (not the depth: a weight layer with "
                  "no activation after it adds none)")
RAW_UNMEASURED = ("inputs in [0, 255], far larger than those of any other scaling, give the "
                  "first layer far larger gradients and SGD far larger steps, which can "
                  "overshoot (the loss blows up) or push units where they stop learning")


def raw_expected(base):
    """The bonus's expectation for [0, 255] against the `base` scaling, its numbers from how
    each scaling maps a pixel v in [0, 255] (data.SCALINGS: factor × v + offset)."""
    (f_base, o_base), (f_raw, o_raw) = SCALINGS[base], SCALINGS["raw"]
    stretch = f_raw / f_base  # x in base becomes stretch × x + shift in [0, 255]
    shift = o_raw - stretch * o_base
    largest = {sc: max(abs(o), abs(255 * f + o)) for sc, (f, o) in
               (("base", (f_base, o_base)), ("raw", (f_raw, o_raw)))}
    mapping = f"{stretch:g} x" + (f" + {shift:g}" if shift else "")
    return (f"an input x in {SCALING_NAMES[base]} becomes {mapping} in [0, 255]: its largest "
            f"magnitude grows from {largest['base']:g} to {largest['raw']:g}. A first-layer "
            "weight's gradient is its input times the error at its unit, so SGD at the same "
            "rate takes far larger steps, which can overshoot (the loss blows up) or stop "
            "units learning. Before that, near the weights' shared start (same seed), the "
            f"first-layer gradient on [0, 255] should be larger than on {SCALING_NAMES[base]}")


def base_scaling(scalings, data_scaling, run):
    """(scaling, why) of the main questions (Q1, Q2), from the configuration: the data scaling
    of the other studies where it was run, else the first configured scaling other than the
    bonus's [0, 255]; [0, 255] only when nothing else was run. `run`: the scalings with runs."""
    ran = [sc for sc in scalings if sc in run]
    main = [sc for sc in ran if sc != "raw"]
    if data_scaling in main:
        return data_scaling, "the data scaling of the other studies"
    if main:
        return main[0], "the first configured scaling other than the bonus's [0, 255]"
    return "raw", "the only scaling run here"


def _blow_up(curve, threshold):
    """(step, loss) of a run's highest training loss where it is above `threshold`, as the
    fate's reason gives it (stats.run_status), or None: a run can blow up and come back below
    it (its units dead), ending stuck."""
    loss = curve.train_loss if "train_loss" in curve else curve.iloc[0:0]
    if not (loss > threshold).any():
        return None
    peak = loss.idxmax()
    return int(curve.step[peak]), float(loss[peak])


# A run whose loss blew up at a record but that did not end blown up keeps the methods' fate
# (stuck, or ok), qualified with this: its later gradient is the overshoot's aftermath
AFTER_BLOW_UP = " after its loss blew up"
# fates from the most serious down (a variant's fate in a count is its worst run's)
FATE_ORDER = ["diverged", "blew up", "stuck" + AFTER_BLOW_UP, "stuck", "ok" + AFTER_BLOW_UP,
              "ok"]


def _fate(status, blow_up):
    """A run's fate in the methods' words, 'after its loss blew up' added to a run that ended
    stuck or ok although its loss blew up at some record."""
    return status if blow_up is None or status not in GRADIENT_FATES else status + AFTER_BLOW_UP


def _fate_cell(fates):
    """A group's fate in one cell: the fate when all runs share it, else counts such as
    'blew up 1/2, ok 1/2' (aggregate.status_column, with the qualified fates apart)."""
    fates = list(fates)
    if len(set(fates)) == 1:
        return fates[0]
    return ", ".join(f"{f} {fates.count(f)}/{len(fates)}" for f in FATE_ORDER if f in fates)


def _fate_counts(fates, what="runs", names=None):
    """'of 4 variants, 1 blew up (cnn_3 relu), 1 stuck after its loss blew up; 2 ended ok'
    (prose.status_counts, with the qualified fates counted apart); `names`, beside `fates`,
    names the members of each fate but ok, up to three of them."""
    fates = list(fates)
    if not any(f.endswith(AFTER_BLOW_UP) for f in fates):
        return prose.status_counts(fates, what)
    one = what[:-1] if len(fates) == 1 and what.endswith("s") else what
    parts = []
    for f in FATE_ORDER[:-1]:
        members = [n for n, g in zip(names or fates, fates) if g == f]
        if members:
            parts.append(f"{len(members)} {f}" + (f" ({prose.names(members)})" if names and
                                                  len(members) <= 3 else ""))
    return f"of {len(fates)} {one}, " + ", ".join(parts) + f"; {fates.count('ok')} ended ok"


def _named_runs(frame, models, detail=None, scaling=False, most=4):
    """The runs of `frame` by name ('mlp_1 relu seed 0'), in the configured order of the
    models, with their column `detail` (their fate, say) and their inputs where `scaling`;
    past `most` runs, one entry per variant with its count of runs and their fates."""
    def where(sc):
        return f" on {SCALING_NAMES[sc]}" if scaling else ""
    frame = frame.assign(order=frame.model.map(models.index)).sort_values(
        ["order", "activation", "scaling", "seed"], kind="stable")
    if len(frame) <= most:
        return [f"{r.model} {r.activation} seed {r.seed}{where(r.scaling)}"
                + (f" ({getattr(r, detail)})" if detail else "") for r in frame.itertuples()]
    return [f"{m} {a}{where(sc)}, {prose.count(len(g), 'run')}"
            + (f" ({_fate_cell(g.fate)})" if detail else "")
            for (m, a, sc), g in frame.groupby(["model", "activation", "scaling"], sort=False)]


PROSE_COLUMNS = ["name", "model", "activation", "scaling", "status", "worst_status",
                 "final_train_loss_mean", "test_acc_mean", "grad_zero_share_mean"]
SHOWN = {"variants": Shown(columns=(
    ("model", "model"), ("activation", "activation"),
    ("inputs", lambda r: SCALING_NAMES[r.scaling]),
    ("runs (with final point)", prose.runs_cell),
    ("fate", lambda r: getattr(r, "fate", r.status)),
    ("final loss (last record)", lambda r: prose.sig(r.final_train_loss_mean, 4)),
    ("‖g‖ first epoch", lambda r: prose.sig(r.grad_norm_first_epoch_mean)),
    ("‖g‖ last epoch", lambda r: prose.sig(r.grad_norm_last_epoch_mean)),
    ("‖g‖ mean", lambda r: prose.sig(r.grad_norm_mean_mean)),
    ("‖g‖ = 0 share", lambda r: f"{100 * r.grad_zero_share_mean:.0f} %"),
    ("test acc. %", lambda r: prose.cell(r.test_acc_mean))))}


def _first_grad(curve):
    """(step, first-layer gradient norm) at a run's first record with one, (NaN, NaN)
    without."""
    g = curve[curve.grad_norm.notna()] if "grad_norm" in curve else curve.iloc[0:0]
    return (float(g.step.iloc[0]), float(g.grad_norm.iloc[0])) if len(g) else (math.nan,) * 2


def _by_model(frame, column, models, label=lambda m: m):
    return {label(m): list(frame.loc[frame.model == m, column]) for m in models
            if (frame.model == m).any()}


def facts(variants, params, runs_, curves, n_classes, n_test=None):
    """Every number and claim of the section, from per-run values: gradient norms per model and
    activation, their trend with depth, the ReLU/sigmoid ratio (same model and seed), all on
    the base scaling (base_scaling), and, for inputs in [0, 255], the ratio to the same variant
    on the base scaling. Runs that diverged or blew up, even at one record, are left out of the
    gradient comparisons (their gradient is the explosion's); stuck runs stay in (a vanishing
    gradient is what they show). Each run's fate (`fates`) is the methods' (stats.run_status),
    qualified where its loss blew up at a record and it did not end blown up (_fate); each
    variant's in `variant_fates` (its table cell) and `variant_worst`. `n_test`, the test
    images, sets the noise of a test-accuracy difference in the bonus's outcome."""
    per_run = aggregate.per_run_numbers(runs_, curves)
    depth, models = params["depth"], params["protocol"]["models"]
    base, why = base_scaling(params["protocol"]["scalings"], params["data_scaling"],
                             set(per_run.scaling))
    chance = stats.chance_loss(n_classes)[0]  # every run here minimises the cross-entropy
    limit = f"{stats.BLOWUP_FACTOR} × ln C = {stats.BLOWUP_FACTOR * chance:.3g}"
    blow_ups = [_blow_up(curves[(r.name, r.seed)], stats.BLOWUP_FACTOR * chance)
                for r in per_run.itertuples()]
    per_run["fate"] = [_fate(r.status, b) for r, b in zip(per_run.itertuples(), blow_ups)]
    per_run["fate_detail"] = [f + ("" if b is None or f == "blew up" else
                                   f", to {b[1]:.3g} at step {b[0]:,}")
                              for f, b in zip(per_run.fate, blow_ups)]
    # the opening defines the qualified fate: each such run's blow-up, its fate where several
    qualified = per_run.fate.str.endswith(AFTER_BLOW_UP)
    several = per_run.status[qualified].nunique() > 1
    per_run["blow_up_detail"] = [(f"{st}, " if several else "")
                                 + ("" if b is None else f"to {b[1]:.3g} at step {b[0]:,}")
                                 for st, b in zip(per_run.status, blow_ups)]
    usable = per_run.status.isin(GRADIENT_FATES) & np.array([b is None for b in blow_ups])
    on_base = per_run.scaling == base
    compared = per_run[on_base & usable & per_run.grad_norm_mean.notna()]
    left = per_run[on_base & ~usable]
    by_variant = per_run.groupby("name", sort=False).fate
    found, out = {}, {"base_scaling": base, "base_reason": why, "per_activation": {},
                      "variants": records(variants, PROSE_COLUMNS),
                      "fates": list(per_run.fate),
                      "variant_fates": {n: _fate_cell(f) for n, f in by_variant},
                      "variant_worst": {n: min(f, key=FATE_ORDER.index) for n, f in by_variant},
                      "blow_up_limit": limit,
                      "blown_up_first": _named_runs(per_run[qualified], models,
                                                    "blow_up_detail", scaling=True),
                      "left_out": _named_runs(left, models, "fate_detail"),
                      "stuck_included_runs": int((compared.status != "ok").sum()),
                      "families": sorted({params["family"][m] for m in models})}
    inputs = f"inputs in {SCALING_NAMES[base]}"
    # the norm sums over the first layer's weights, so it grows with their number (as its
    # square root at equal gradients per weight): per weight, the layers' sizes drop out
    size = {m: n for m, n in (params.get("first_layer_weights") or {}).items() if n}
    out["first_layer_weights"] = {m: size[m] for m in models if m in size}
    for act, t in compared.groupby("activation"):
        found[f"grad_{act}"] = claims.values_only(
            _by_model(t, "grad_norm_mean", models, lambda m: f"{m} (depth {depth[m]})"),
            f"With {act} on {inputs}, mean first-layer gradient norm over training per model",
            source=SOURCE)
        sized = t[t.model.isin(list(size))]
        if len({size[m] for m in sized.model}) > 1:
            sized = sized.assign(rms=sized.grad_norm_mean / sized.model.map(size) ** 0.5)
            found[f"grad_rms_{act}"] = claims.values_only(
                _by_model(sized, "rms", models, lambda m: f"{m} ({size[m]:,} weights)"),
                f"With {act}, the norm per first-layer weight (norm / √weights)",
                source=SOURCE)
        found[f"depth_{act}"] = claims.trend(
            [(depth[m], g) for m, g in zip(t.model, t.grad_norm_mean)],
            f"With {act}, depth against the mean gradient norm (one point per run)",
            source=SOURCE, x_name="depth", y_name="the gradient norm")
        out["per_activation"][act] = {
            "models": [m for m in models if (t.model == m).any()],
            "families": sorted({params["family"][m] for m in t.model})}
    # the questions whose gradient comparisons use each run (per_run's index): Q1 the base
    # scaling's runs, Q2 those in a ReLU/sigmoid pair, Q3 those in a scaling pair
    uses = {i: {1} for i in compared.index}
    key = ["model", "seed"]
    ratio = _ratios(compared)
    for i in _paired(compared, ratio):
        uses[i].add(2)
    if len(ratio):
        by_model = _by_model(ratio, "ratio", models)
        found["ratio_values"] = claims.values_only(
            by_model, "ReLU/sigmoid ratio of the mean first-layer gradient norm (same model "
            f"and seed, {inputs})", source=SOURCE)
        found["ratio_above_one"] = claims.mechanism(
            RATIO_EXPECTED + ".", claims.sign(by_model, "ReLU/sigmoid gradient ratio per "
                                              "model", reference=1, source=SOURCE,
                                              unit="model"), 1,
            name="ReLU/sigmoid gradient ratio above 1")
        # the mechanism counts the sigmoids the gradient passes through, not weight layers
        layers = params["activation_layers"]
        paired = sorted(set(ratio.model), key=models.index)
        found["ratio_depth"] = claims.mechanism(
            DEPTH_EXPECTED + ".", claims.trend(
                [(layers[m], r) for m, r in zip(ratio.model, ratio.ratio)],
                "Sigmoid layers between the first layer and the loss ("
                + ", ".join(f"{m} {layers[m]}" for m in paired)
                + ") against the ReLU/sigmoid ratio (one point per model and seed)",
                source=SOURCE, x_name="sigmoid layers", y_name="the ratio"), 1)
        loss = compared.set_index(key + ["activation"]).final_train_loss.unstack("activation")
        loss = loss.dropna(subset=["relu", "sigmoid"]) if {"relu", "sigmoid"} <= set(
            loss.columns) else loss.iloc[0:0]
        if len(loss):
            diff = (loss.sigmoid - loss.relu).rename("diff").reset_index()
            found["loss_sigmoid_minus_relu"] = claims.sign(
                _by_model(diff, "diff", models), "Final training loss, sigmoid minus ReLU (same "
                f"model and seed, {inputs}), per model", reference=0, source=SOURCE,
                unit="model")
        out["ratio_models"] = sorted(set(ratio.model), key=models.index)
        out["ratio_relu_stuck"] = _stuck_relu_pairs(compared, ratio, models, curves, chance)
        # the sign test drops a model with no finite ratio: the answer names it
        out["ratio_infinite"] = [m for m, r in by_model.items()
                                 if not any(np.isfinite(r))]
    ran = set(per_run.scaling)
    others = [sc for sc in params["protocol"]["scalings"] if sc in ran and sc not in (base, "raw")]
    for sc in others:  # the same ratio on each other scaling, values only (Q2)
        kept = per_run[(per_run.scaling == sc) & usable & per_run.grad_norm_mean.notna()]
        if len(other := _ratios(kept)):
            if len(ratio):  # Q2 cites these values beside the base scaling's claim
                for i in _paired(kept, other):
                    uses.setdefault(i, set()).add(2)
            found[f"ratio_values_{sc}"] = claims.values_only(
                _by_model(other, "ratio", models),
                f"The same ratio on inputs in {SCALING_NAMES[sc]}", source=SOURCE)
    # each other scaling against the base (Q3); [0, 255] against [0, 1] where [0, 1] ran, as
    # the bonus asks, else against the base
    out["scaling_pairs"] = [[sc, base] for sc in others]
    if "raw" in ran:
        out["scaling_pairs"].append(["raw", "unit" if "unit" in ran else base])
    for sc, ref in out["scaling_pairs"]:
        _scaling_facts(per_run, usable, sc, ref, curves, models, found, out, uses)
        if sc == "raw" and ref != "raw":
            out["raw_outcome"] = _outcome(per_run, ref, models, n_test)
    out["coinciding"] = {sc: _coinciding(per_run[per_run.scaling == sc], curves, models,
                                         chance) for sc in params["protocol"]["scalings"]}
    kept = per_run[per_run.index.isin(list(uses)) & (per_run.status != "ok")]
    out["stuck_included"] = _stuck_kept(kept, uses, models,
                                        [base] + [sc for sc in params["protocol"]["scalings"]
                                                  if sc != base])
    out["claims"] = found
    return out


def _paired(frame, ratio):
    """The index of `frame`'s runs that a ReLU/sigmoid ratio (_ratios) uses: both runs of
    each of its model-and-seed pairs."""
    pairs = set(zip(ratio.model, ratio.seed))
    return [i for i, m, s in zip(frame.index, frame.model, frame.seed) if (m, s) in pairs]


def _questions(numbers):
    """'Q3', 'Q1 and Q2', 'Q1 to Q3'."""
    n = sorted(numbers)
    if len(n) > 2 and n == list(range(n[0], n[-1] + 1)):
        return f"Q{n[0]} to Q{n[-1]}"
    return prose.names(f"Q{q}" for q in n)


def _stuck_kept(frame, uses, models, scalings):
    """The stuck runs that gradient comparisons keep, every one, grouped by their inputs and
    the questions that use them (`uses`, per run's index), in the order of `scalings` (the
    base first): 'on [0, 1] (Q1 to Q3), cnn_5 relu seed 0 and cnn_5 sigmoid seed 0'."""
    frame = frame.assign(order=frame.model.map(models.index),
                         questions=[_questions(uses[i]) for i in frame.index],
                         first=[min(uses[i]) for i in frame.index],
                         sc_order=frame.scaling.map(scalings.index))
    out = []
    for (sc, qs), g in frame.sort_values(["first", "sc_order", "order", "activation", "seed"],
                                         kind="stable").groupby(["scaling", "questions"],
                                                                sort=False):
        runs_ = []
        for (m, a), v in g.groupby(["model", "activation"], sort=False):
            seeds = [str(s) for s in v.seed]
            runs_.append(f"{m} {a} seed {seeds[0]}" if len(seeds) == 1 else
                         f"{m} {a} (seeds {prose.names(seeds)})")
        out.append(f"on {SCALING_NAMES[sc]} ({qs}), {prose.names(runs_)}")
    return out


# Curves that coincide: COINCIDE and COINCIDE_RECORDS (studies/common); also noted over an
# unbroken stretch of records holding this share of them and at least COINCIDE_STRETCH_RECORDS
# (there one hides the other, whatever the rest does)
COINCIDE_STRETCH = 0.25
COINCIDE_STRETCH_RECORDS = 3
PANELS = {"train_loss": "training-loss", "grad_norm": "gradient-norm"}


def _panel_limits(series, worst, column):
    """(lo, hi, log) of a panel row's drawn axis, as figures.activation_figure sets it, from
    each variant's mean curve (`series`: {(model, activation): values}; `worst`: 'ok' or
    'blew up' per variant): the bulk of the runs that did not blow up or diverge, padded and
    widened to the values within reach (figures._axis_range, _axis_limits); the loss on a log
    axis where that bulk spans orders of magnitude, the gradient norm always. None when there
    is nothing to draw."""
    regular = [v for k, v in series.items() if worst[k] == "ok"]
    outliers = [v for k, v in series.items() if worst[k] != "ok"]
    if column == "train_loss":
        body = figures._axis_range(regular or outliers, [], log=True)
        log = bool(body) and body[1] / body[0] > 30
        reach = 3 if log else 1
    else:
        log, reach = True, 10
    limits = figures._axis_limits(figures._axis_range(regular, outliers, log=log, reach=reach),
                                  log)
    return None if not limits else (*limits, log)


def _longest_stretch(close):
    """(length, first, last) of the longest unbroken stretch of True in `close` (a boolean
    Series indexed by step); (0, None, None) without any."""
    best, start, run = (0, None, None), None, 0
    for step, c in close.items():
        if c:
            start, run = (step if run == 0 else start), run + 1
            if run > best[0]:
                best = (run, start, step)
        else:
            run = 0
    return best


def _coinciding(runs_, curves, models, chance):
    """The caption's notes on curves of one figure (one scaling) that hide each other: per
    model and panel, two activations whose mean curves lie within COINCIDE of the row's drawn
    axis span (shared by its panels; _panel_limits, the figure's own limits, values beyond
    them drawn on the edge) at COINCIDE_RECORDS of their common records or more, or over an
    unbroken stretch of COINCIDE_STRETCH of them (at least COINCIDE_STRETCH_RECORDS); on a log
    axis in log10, a gradient norm of zero at the figure's floor line. Each note says where:
    the records and their longest unbroken stretch."""
    if runs_.empty:
        return []
    frames = []
    for r in runs_.itertuples():
        c = curves[(r.name, r.seed)]
        frames.append(pd.DataFrame({"model": r.model, "activation": r.activation,
                                    "worst": r.status, "step": c.step,
                                    **{k: c[k] if k in c else np.nan for k in PANELS}}))
    allc = pd.concat(frames)
    worst = allc.groupby(["model", "activation"]).worst.agg(
        lambda s: "blew up" if s.isin(["blew up", "diverged"]).any() else "ok")
    mean = allc.groupby(["model", "activation", "step"])[list(PANELS)].mean()
    notes = []
    for column, panel in PANELS.items():
        series = {k: mean[column].xs(k, level=[0, 1]) for k in worst.index}
        if column == "grad_norm":  # zeros on the figure's floor line (figures._log_floor)
            floor = figures._log_floor(*[v.dropna() for v in series.values()])
            series = {k: v.mask(v <= 0, floor) for k, v in series.items()}
        limits = _panel_limits(series, worst, column)
        if limits is None:
            continue
        lo, hi, log = limits
        if log and lo <= 0:
            continue
        scale = np.log10 if log else (lambda x: x)
        span = float(scale(hi) - scale(lo)) if hi > lo else 0.0
        if span <= 0:
            continue
        tol = COINCIDE * span
        for m in [m for m in models if m in mean.index.get_level_values(0)]:
            acts = [a for a in figures.ACTIVATION_STYLE if (m, a) in worst.index]
            for i, a in enumerate(acts):
                for b in acts[i + 1:]:
                    # values beyond the axis are drawn on its edge (figures._clip_to)
                    x, y = (series[(m, k)].clip(lo, hi) for k in (a, b))
                    both = pd.concat([x, y], axis=1, keys=["x", "y"]).dropna().sort_index()
                    if log:
                        both = both[(both > 0).all(axis=1)]
                    if len(both) < 2:
                        continue
                    close = (scale(both.x) - scale(both.y)).abs() <= tol
                    longest, first, last = _longest_stretch(close)
                    if (close.sum() < COINCIDE_RECORDS * len(both) and
                            longest < max(COINCIDE_STRETCH * len(both),
                                          COINCIDE_STRETCH_RECORDS)):
                        continue
                    at = both[close]
                    on_chance = (column == "train_loss" and not log and
                                 bool(((at - chance).abs() <= tol).all(axis=None)))
                    where = (f"from step {int(first):,} to step {int(last):,}"
                             if longest == close.sum() else
                             f"{longest} of them unbroken from step {int(first):,} to step "
                             f"{int(last):,}")
                    notes.append(
                        f"In {m}'s {panel} panel the {_act_label(a)} and {_act_label(b)} "
                        f"curves coincide at {int(close.sum())} of their {len(both)} records, "
                        f"{where} (within {100 * COINCIDE:.0f} % of the axis's span"
                        + (", on a log scale" if log else "") + ")"
                        + (f", both on the chance line (ln C = {chance:.4g})" if on_chance
                           else "") + ": one hides the other there.")
    return notes


def _act_label(a):
    return "ReLU" if a == "relu" else a


def _ratios(frame):
    """ReLU over sigmoid mean first-layer gradient norm, same model and seed, one row per
    pair; a sigmoid gradient of exactly zero makes the ratio infinite: NaN, no finite value."""
    key = ["model", "seed"]
    relu = frame[frame.activation == "relu"].set_index(key).grad_norm_mean
    sig = frame[frame.activation == "sigmoid"].set_index(key).grad_norm_mean
    both = relu.index.intersection(sig.index)
    return (relu[both] / sig[both]).replace(np.inf, np.nan).rename("ratio").reset_index()


def _stuck_relu_pairs(compared, ratio, models, curves, chance):
    """The ratio's pairs whose ReLU run is itself stuck, each with both runs' fates, test
    accuracies and gradient norms, and what the ReLU run's records measured of the
    expectation's premise (ReLU units active, passing the gradient on): `zero_records` of its
    `records` with a first-layer gradient of exactly zero (no active path reached the first
    layer: the premise fails there, `premise_fails`), its smallest and largest non-zero
    gradient, its training loss at the first and last record and whether it lay within
    CHANCE_MARGIN × ln C of ln C (`chance`) at every record (`at_chance`), and its steps.
    A stuck run whose gradient never hit zero passed it on: the premise is not said to fail
    there, whatever its loss did. `curves`: each run's records by (name, seed)."""
    runs_ = compared.set_index(["model", "seed", "activation"])
    seeds = ratio.groupby("model").seed.nunique()
    out = []
    for r in ratio.itertuples():
        relu, sig = runs_.loc[(r.model, r.seed, "relu")], runs_.loc[(r.model, r.seed, "sigmoid")]
        if relu.status == "ok":
            continue
        c = curves.get((relu["name"], r.seed), pd.DataFrame())
        grad = (c.grad_norm.dropna() if "grad_norm" in c else pd.Series(dtype=float))
        loss = (c.train_loss[np.isfinite(c.train_loss)] if "train_loss" in c
                else pd.Series(dtype=float))
        alive = grad[grad > 0]
        zeros = int((grad == 0).sum())
        out.append({"run": r.model + (f" seed {r.seed}" if seeds[r.model] > 1 else ""),
                    "order": models.index(r.model), "ratio": float(r.ratio),
                    "sigmoid_status": sig.status,
                    "test_acc": [float(relu.test_acc), float(sig.test_acc)],
                    "grad": [float(relu.grad_norm_mean), float(sig.grad_norm_mean)],
                    "records": int(len(grad)), "zero_records": zeros,
                    "premise_fails": zeros > 0,
                    "grad_range": ([float(alive.min()), float(alive.max())] if len(alive)
                                   else None),
                    "loss": ([float(loss.iloc[0]), float(loss.iloc[-1])] if len(loss)
                             else None),
                    "chance": chance,
                    "at_chance": (bool(len(loss)) and chance is not None and
                                  chance_start(c, chance)[1] == len(c)),
                    "steps": (int(relu.steps) if "steps" in relu and relu.steps == relu.steps
                              else None)})
    return sorted(out, key=lambda x: x["order"])


def _stuck_relu_summary(pairs):
    """The summary's pointer to Q2's caveat on stuck ReLU runs: ' (among them the ReLU run of
    cnn_4, whose gradient was exactly zero at a record, so its ratio does not show ReLU
    keeping the gradient alive; and that of mlp_2, stuck within noise of chance on the test
    set with a first-layer gradient that stayed alive: see Q2)', each run said as its own
    records decide (_stuck_relu_text)."""
    failed = [p["run"] for p in pairs if p["premise_fails"]]
    alive = [p["run"] for p in pairs if not p["premise_fails"]]
    parts = []
    if failed:
        parts.append(f"the ReLU {'run' if len(failed) == 1 else 'runs'} of "
                     f"{prose.names(failed)}, whose first-layer gradient was "
                     "exactly zero at a record, so "
                     + ("its ratio does" if len(failed) == 1 else "their ratios do")
                     + " not show ReLU keeping the gradient alive")
    if alive:
        which = ("that" if len(alive) == 1 else "those") if failed else (
            "the ReLU run" if len(alive) == 1 else "the ReLU runs")
        parts.append(f"{which} of {prose.names(alive)}, stuck "
                     "within noise of chance on the test set with a first-layer gradient that "
                     "stayed alive")
    return f" (among them {'; and '.join(parts)}: see Q2)" if parts else ""


def _relu_evidence(p):
    """What a stuck ReLU run's records measured of the premise (_stuck_relu_pairs)."""
    if p["premise_fails"]:
        return (f"its first-layer gradient was exactly zero at {p['zero_records']} of its "
                f"{p['records']} records: no active ReLU path passed it to the first layer "
                "there")
    text = "its first-layer gradient stayed above zero at every record"
    if p["grad_range"]:
        low, high = (f"{v:.3g}" for v in p["grad_range"])
        text += f" ({low})" if low == high else f" ({low} to {high})"
    if p["loss"]:
        first, last = p["loss"]
        text += (f", and its training loss went from {first:.4g} to {last:.4g} (ln C = "
                 f"{p['chance']:.4g}" + (f", within {100 * CHANCE_MARGIN:.0f} % of it at every "
                                          "record" if p["at_chance"] else "") + ")")
    return text


def _stuck_relu_text(pairs):
    """Q2's caveat on the ratios of stuck ReLU runs (_stuck_relu_pairs), '' without any: each
    run's measurements, then the premise's verdict decided per run from them: it fails only
    in the runs whose first-layer gradient was exactly zero at a record; a run whose
    gradient stayed alive passed it on, so its ratio is said to compare runs that had not left
    chance on the test set, not to contradict the premise."""
    def one(p):
        both = p["sigmoid_status"] != "ok"
        ratio = "no finite ratio" if p["ratio"] != p["ratio"] else f"ratio {p['ratio']:.3g}"
        after = f" after {prose.count(p['steps'], 'step')}" if p.get("steps") else ""
        return (f"{p['run']}'s ReLU run is stuck" + (" too, like its sigmoid run" if both else
                                                      f", its sigmoid run {p['sigmoid_status']}")
                + f" (test accuracy {prose.pct(p['test_acc'][0])} and "
                f"{prose.pct(p['test_acc'][1])}; mean first-layer gradient norm "
                f"{p['grad'][0]:.3g} and {p['grad'][1]:.3g}): its {ratio} "
                + ("compares two runs" if both else "is that of a ReLU run")
                + f" within noise of chance on the test set{after}; {_relu_evidence(p)}")
    if not pairs:
        return ""
    text = "; ".join(one(p) for p in pairs) + "."
    failed = [p["run"] for p in pairs if p["premise_fails"]]
    alive = [p["run"] for p in pairs if not p["premise_fails"]]
    if failed:
        text += (" The expectation's premise, active ReLU units passing the gradient on, fails "
                 f"in the ReLU {'run' if len(failed) == 1 else 'runs'} of {prose.names(failed)}"
                 " (a first-layer gradient of exactly zero), so "
                 + ("its ratio does" if len(failed) == 1 else "their ratios do")
                 + " not show ReLU keeping the gradient alive.")
    if alive:
        runs_ = "run" if len(alive) == 1 else "runs"
        text += ((" The premise is" if failed else " The expectation's premise, active ReLU "
                  "units passing the gradient on, is") + f" not seen to fail in the ReLU {runs_} "
                 f"of {prose.names(alive)}, whose gradient reached the first layer (how many units "
                 "were active was not measured).")
    return text


def _by_variant(frame, column, models):
    """{"model activation": values} in the configured order of the models."""
    frame = frame.assign(order=frame.model.map(models.index)).sort_values(
        ["order", "activation"], kind="stable")
    return {f"{m} {a}": list(g[column]) for (m, a), g in frame.groupby(
        ["model", "activation"], sort=False)}


def _scaling_facts(per_run, usable, scaling, ref, curves, models, found, out, uses=None):
    """One scaling against another (`ref`), same variant and seed: the bonus's [0, 255], or
    another scaling the configuration runs beside the base. The [0, 255] expectation is about
    the weights near their shared start (same seed): compare the gradient at each run's first
    record, the earliest the runs record (train.py records a step's gradient after the updates
    before it). A pair with a run whose loss blew up, at any record, is left out, as in Q1 and
    Q2 (`usable`): its gradient is the explosion's, or zero once its units died, which is the
    overshoot the expectation allows, not a smaller gradient. Only [0, 255] has a textbook
    expectation, so only its claim carries a verdict; the others are measured. Keys are
    prefixed with the scaling: raw_gradient, unit_test_acc, raw_left_out. The runs the
    gradient comparison uses get Q3 in `uses` (per run's index)."""
    key = ["model", "seed", "activation"]
    name, ref_name = SCALING_NAMES[scaling], SCALING_NAMES[ref]
    if scaling == ref:
        out[f"{scaling}_not_measured"] = (f"only {name} was run, so there is no other scaling "
                                          "to compare it with")
        return
    first = [_first_grad(curves[(r.name, r.seed)]) for r in per_run.itertuples()]
    per_run = per_run.assign(first_record=[f[0] for f in first],
                             grad_norm_first_record=[f[1] for f in first])
    pair = per_run[per_run.scaling.isin([ref, scaling])]
    both = pair.groupby(key).scaling.nunique() == 2  # variants and seeds run on both
    pair = pair[pair.set_index(key).index.isin(both[both].index)]
    left = pair[~usable[pair.index]]
    out[f"{scaling}_left_out"] = _named_runs(left, models, scaling=True)
    out[f"{scaling}_left_out_scalings"] = sorted(set(left.scaling))
    out[f"{scaling}_left_out_diverged"] = bool((left.status == "diverged").any())
    # a run whose loss blew up at a record and that then ended ok: it recovered
    out[f"{scaling}_left_out_recovered"] = _named_runs(left[left.status == "ok"], models,
                                                       scaling=True)
    measured = pair[usable[pair.index] & pair.grad_norm_first_record.notna()]
    this = measured[measured.scaling == scaling].set_index(key)
    other = measured[measured.scaling == ref].set_index(key)
    common = this.index.intersection(other.index)
    if not len(common):
        out[f"{scaling}_not_measured"] = (
            f"no variant has a run on both {name} and {ref_name} whose loss did not blow up "
            "and that recorded a gradient (a run that diverged before its first record has "
            "none)")
        return
    if uses is not None:
        for i in measured.index[measured.set_index(key).index.isin(common)]:
            uses.setdefault(i, set()).add(3)
    scaled = (this.grad_norm_first_record[common] / other.grad_norm_first_record[common]
              ).rename("ratio").reset_index()
    steps = sorted({int(x) for x in measured.first_record})
    when = (f"at step {steps[0]:,}, the first record (after {prose.count(steps[0] - 1, 'update')})"
            if len(steps) == 1 else "at each run's first record")
    measurement = claims.sign(
        _by_variant(scaled, "ratio", models), f"First-layer gradient norm {when}, on {name} "
        f"over {ref_name}, same variant and seed, per variant", reference=1, source=SOURCE,
        unit="variant")
    found[f"{scaling}_gradient"] = (claims.mechanism(raw_expected(ref) + ".", measurement, 1)
                                    if scaling == "raw" else measurement)
    # the outcome of the same variant on both scalings (a diverged run has no test accuracy)
    tested = per_run[per_run.test_acc.notna()]
    both = (tested[tested.scaling == scaling].set_index(key).test_acc
            - tested[tested.scaling == ref].set_index(key).test_acc).dropna()
    if len(both):
        diffs = _by_variant(both.rename("diff").reset_index(), "diff", models)
        # a variant whose mean difference is exactly 0 (with one seed, the same number of
        # test images right on both): a tie, which the sign test counts on neither side
        ties = [v for v, d in diffs.items() if np.mean(d) == 0]
        tied = "" if not ties else f"; {prose.names(ties)} at 0, a tie counted on neither side"
        found[f"{scaling}_test_acc"] = claims.sign(
            diffs, f"Test accuracy on {name} minus on {ref_name} (same variant and seed{tied}), "
            "per variant", reference=0, fmt=claims.fmt_points, source=SOURCE, unit="variant")


def _outcome(per_run, ref, models, n_test):
    """What [0, 255] did to each variant against `ref`, same seed: its fate on both (the
    methods' stuck rule) and its test accuracy on both; `n_test`, the test images (None:
    unknown)."""
    key = ["model", "activation", "seed"]
    ref_runs = per_run[per_run.scaling == ref].set_index(key)
    raw = per_run[per_run.scaling == "raw"]
    seeds = raw.seed.nunique()
    rows = []
    for r in raw.assign(order=raw.model.map(models.index)).sort_values(
            ["order", "activation", "seed"]).itertuples():
        k = (r.model, r.activation, r.seed)
        if k not in ref_runs.index:
            continue
        other = ref_runs.loc[k]
        a, b = float(r.test_acc), float(other.test_acc)  # NaN: no test accuracy
        rows.append({"variant": f"{r.model} {r.activation}"
                     + (f" seed {r.seed}" if seeds > 1 else ""),
                     "status": r.status, "ref_status": other.status,
                     "test_acc": a, "ref_test_acc": b})
    return {"ref": ref, "n_test": n_test, "rows": rows}


def _outcome_text(o):
    """The bonus's measured outcome (facts' raw_outcome) beside the harm the expectation
    names: every variant (seed) with its test accuracy on the reference and on [0, 255], and
    its fates where it was not ok on both; one test image's size in points, to read a small
    change by. Numbers only: which side a difference lies on (a tie included) is the
    test-accuracy claim's."""
    rows, ref = o["rows"], SCALING_NAMES[o["ref"]]
    if not rows:
        return ""

    def acc(x):  # a diverged run has no test accuracy
        return "none" if x != x else prose.pct(x)

    def fate(r):
        if r["status"] == r["ref_status"]:
            return "" if r["status"] == "ok" else f" ({r['status']} on both)"
        return f" ({r['ref_status']} → {r['status']})"
    image = (f" (one test image is {100 / o['n_test']:.2g} points)" if o["n_test"] else "")
    return (f"The expectation names harm only; what each variant reached, test accuracy on {ref} "
            f"→ on [0, 255]{image}: " + "; ".join(
                f"{r['variant']} {acc(r['ref_test_acc'])} → {acc(r['test_acc'])}{fate(r)}"
                for r in rows) + ".")


def with_fates(variants, facts):
    """The variant table with each variant's fate as its table cell says it (facts'
    `variant_fates`: the methods' fates, 'after its loss blew up' where it did)."""
    return variants.assign(fate=variants.name.map(facts["variant_fates"]))


def _opening(facts, p):
    """What holds for the whole section, said once: which runs Q1 and Q2 use and where the
    others are read, the fate filter of every gradient comparison and the runs it leaves out
    or keeps, what 'after its loss blew up' means, and the family confound of these models."""
    base = facts["base_scaling"]
    others = [sc for sc, _ in facts.get("scaling_pairs", []) if sc != "raw"]
    text = (f" Questions 1 and 2 use the runs on inputs in {SCALING_NAMES[base]} "
            f"({facts['base_reason']})"
            + (f"; Q3 compares those on {prose.names(SCALING_NAMES[sc] for sc in others)} with "
               "them" if others else "")
            + ". A run whose training loss blew up, even at one record, or diverged is left "
            "out of every gradient comparison, because its gradient is the explosion's.")
    if facts["blown_up_first"]:
        ended = sorted({f.removesuffix(AFTER_BLOW_UP) for f in facts["fates"]
                        if f.endswith(AFTER_BLOW_UP)}, key=FATE_ORDER.index)
        text += (f" A run is called {' or '.join(ended)} after its loss blew up when its "
                 f"training loss passed {facts['blow_up_limit']} at a record without meeting "
                 "the methods' rule for a blow-up: "
                 + "; ".join(facts["blown_up_first"]) + ".")
    if facts["left_out"]:
        text += " Left out of Q1 and Q2: " + "; ".join(facts["left_out"]) + "."
    if facts["stuck_included"]:
        text += (" Stuck runs stay in, since a small or zero gradient is what vanishing "
                 "gradients or dead units look like: " + "; ".join(facts["stuck_included"])
                 + ".")
    if len(facts["families"]) > 1:
        text += (" These models mix MLPs and CNNs, so a trend with depth or with the number "
                 "of sigmoid layers here cannot tell its effect from that of the family.")
    return text


def section(facts, figs, params, info):
    p, variants = params["protocol"], pd.DataFrame(facts["variants"])
    models = p["models"]
    subset = model_subset(models)
    every = ("At the end of every epoch" if p["record_every"] == "epoch" else
             f"Every {p['record_every']} steps")
    sec = Section(NAME, TITLE,
                  f"{subset[0].upper() + subset[1:]} with {' and '.join(p['activations'])} "
                  "(every ReLU replaced), inputs scaled to "
                  f"{', '.join(SCALING_NAMES[x] for x in p['scalings'])}; SGD lr {p['lr']}, "
                  f"momentum {p['momentum']}, batch {p['batch_size']}, "
                  f"{prose.count(p['epochs'], 'epoch')}, "
                  f"{prose.count(len(p['seeds']), 'seed')}. {every} a record holds the "
                  "training loss, averaged over the steps since the last record, and the "
                  "Frobenius norm of the gradient of the loss with respect to the first "
                  "layer's weights, for that step's batch alone (for plain SGD equal to "
                  "‖w_k − w_(k+1)‖ / lr)." + _opening(facts, p))
    base = facts["base_scaling"]
    role = {"raw": " (the bonus, Q3)", base: " (the runs of Q1 and Q2)",
            **{sc: " (compared in Q3)" for sc, _ in facts.get("scaling_pairs", [])
               if sc != "raw"}}
    for scaling in p["scalings"]:
        sec.add_figure(figs[scaling], figures.caption(
                       figs[scaling], f"Inputs in {SCALING_NAMES[scaling]}"
                       f"{role.get(scaling, '')}, one column per "
                       "model: training loss (top) and first-layer gradient norm (bottom) "
                       "against step; ReLU solid, sigmoid dashed."
                       + "".join(f" {n}" for n in facts.get("coinciding", {}).get(scaling, []))))
    sec.asked_notes = asked_notes(base, p["scalings"], models)  # read by the appendix
    sec.asked_reasons = asked_reasons(facts, set(variants.scaling))
    sec.add_table(f"Per variant ({prose.over_seeds(len(p['seeds']))})", "variants")
    _answers(sec, facts, variants, params)
    found = facts["claims"]
    fates = _fate_counts(facts["fates"])
    text = f"Activations, {subset}: {fates[0].upper()}{fates[1:]}"
    if "ratio_above_one" in found:  # the claim's verdict and its run counts, as the section
        stuck = facts["stuck_included_runs"]
        relu_stuck = facts.get("ratio_relu_stuck", [])
        # one ratio per model and seed: a ReLU run over the sigmoid run of the same seed
        sizes = sorted({a["n"] for a in found["ratio_values"]["evidence"]["arms"] if a["n"]})
        paired = facts["ratio_models"]  # the models with a ReLU and a sigmoid run to pair
        per = ("per model" if len(paired) == len(models) else
               f"for {prose.names(paired)} only, {len(paired)} of {len(models)} models")
        seeds = ("" if not sizes else
                 f" and one seed (one ReLU and one sigmoid run {per})" if sizes == [1] else
                 f" and {sizes[0]} seeds (one ReLU and one sigmoid run per seed, {per})"
                 if len(sizes) == 1 else f" and {sizes[0]} to {sizes[-1]} seeds per model (one "
                 f"ReLU and one sigmoid run per seed, {per})")
        text += (f". The ReLU/sigmoid ratios use inputs in "
                 f"{SCALING_NAMES[facts['base_scaling']]}{seeds}"
                 + (f", {prose.count(stuck, 'stuck run')} included" if stuck else "")
                 + _stuck_relu_summary(relu_stuck)
                 + f". {sec.cite(found, 'ratio_above_one', True)}")
    sec.summary = text + "."
    return sec


def model_subset(models):
    """Which models run, as the notice counts them: the assignment's among them counted
    against its zoo, naming those left out, and any model the configuration adds (not one of
    the assignment's) named as added: 'models cnn_5 (1 of the assignment's 5; mlp_1, mlp_2,
    cnn_3 and cnn_4 left out) and cnn_small (added in this configuration)'."""
    zoo = PROTOCOL["models"]
    asked = [m for m in models if m in zoo]
    added = [m for m in models if m not in zoo]
    missing = [m for m in zoo if m not in models]
    if not missing and not added:
        return "every model of the assignment's zoo"
    if not missing:
        ours = f"every model of the assignment's zoo ({prose.names(asked)})"
    elif asked:
        ours = (f"models {prose.names(asked)} ({len(asked)} of the assignment's {len(zoo)}; "
                f"{prose.names(missing)} left out)")
    if not added:
        return ours
    kind = "model" if len(added) == 1 else "models"
    if not asked:
        return (f"{kind} {prose.names(added)} (added in this configuration; none of the "
                f"assignment's {len(zoo)}, {prose.names(zoo)}, is run)")
    return f"{ours} and {kind} {prose.names(added)} (added in this configuration)"


def asked_notes(base, scalings, models):
    """{ask: note} for the seeds' asks of the EE449 activations part: the figure of the main
    questions' scaling answers the figure asks, partly where that is not the seeds' [-1, 1];
    every ask is answered partly where some of the assignment's models are not run."""
    note = f"the figure for inputs in {SCALING_NAMES[base]}, the scaling of Q1 and Q2"
    if base != SEED_SCALING:
        note = (f"partly: {note}; the seed's inputs were in {SCALING_NAMES[SEED_SCALING]}, "
                + ("whose figure is in the section too" if SEED_SCALING in scalings else
                   "not run here"))
    left_out = left_out_models(models, PROTOCOL["models"], only=True)
    notes = {ask: note for ask in FIGURE_ASKS}
    if left_out:
        notes = {ask: (f"{n}; {left_out}" if n.startswith("partly") else
                       f"partly: {n}; {left_out}") for ask, n in notes.items()}
        notes.update({e["ask"]: f"partly: {left_out}" for e in ASKED
                      if e["seed"] in ("000", "001") and e["ask"] not in FIGURE_ASKS})
    return notes


def asked_reasons(facts, run):
    """{ask: reason} for the bonus asks where this configuration does not produce their
    answer: [0, 255] not run (`run`: the scalings with runs), or run alone, with nothing to
    compare it with. The appendix lists them as not reproduced, not as answered."""
    if "raw" not in run:
        instead = [sc for sc, _ in facts.get("scaling_pairs", [])]
        why = ("inputs in [0, 255] are not run in this configuration"
               + (f"; Q3 compares {prose.names(SCALING_NAMES[sc] for sc in instead)} with "
                  f"{SCALING_NAMES[facts['base_scaling']]} instead" if instead else ""))
    elif facts["base_scaling"] == "raw":
        why = "only inputs in [0, 255] are run here, so there is nothing to compare them with"
    else:
        return {}
    return {ask: why for ask in BONUS_ASKS}


def _answers(sec, facts, variants, params):
    found = facts["claims"]
    # the family confound is in the opening; a trend claim points back to it
    confound = "; the family differs too (see above)"
    lines = []
    for act, f in facts["per_activation"].items():
        text = f"{sec.cite(found, f'grad_{act}')}. " + (
            f"{sec.cite(found, f'grad_rms_{act}')}. " if f"grad_rms_{act}" in found else "")
        lines.append(text + sec.cite(found, f"depth_{act}")
                     + (confound if len(f["families"]) > 1 else "") + ".")
    if any(k.startswith("grad_rms_") for k in found):
        sizes = facts["first_layer_weights"]
        lines.append("The norm adds up the squared gradients of all first-layer weights, so at "
                     "equal gradients per weight it grows as the square root of their number ("
                     + ", ".join(f"{m} {n:,}" for m, n in sizes.items()) + "). So the norms, "
                     "and their trend with depth, cannot tell depth or family from the size of "
                     "the first layer. The per-weight values take the size out, not the other "
                     "differences between the models.")
    sec.ask("How does the gradient magnitude behave across architectures and with depth?",
            " ".join(lines) if lines else "No run on these inputs ended ok or stuck without "
            "its loss blowing up, so there is nothing to compare.")
    if "ratio_above_one" in found:
        families = {fam for f in facts["per_activation"].values() for fam in f["families"]}
        text = ("The ratio divides a ReLU run's mean first-layer gradient norm by that of the "
                "sigmoid run of the same model and seed. "
                + ("" if not facts["ratio_infinite"] else
                   f"{prose.names(facts['ratio_infinite'])} "
                   f"{'has' if len(facts['ratio_infinite']) == 1 else 'have'} no finite ratio: "
                   "the sigmoid run's gradient is zero at every record. ")
                + f"{sec.cite(found, 'ratio_above_one')}. "
                + _stuck_relu_text(facts.get("ratio_relu_stuck", [])).strip()
                + (" " if facts.get("ratio_relu_stuck") else "")
                + "".join(f"{sec.cite(found, k)}. " for k in found
                          if k.startswith("ratio_values_"))
                + sec.cite(found, "ratio_depth") + (confound if len(families) > 1 else "")
                + ".")
        if "loss_sigmoid_minus_relu" in found:
            text += f" {sec.cite(found, 'loss_sigmoid_minus_relu')}."
    else:
        text = (f"Expected: {RATIO_EXPECTED}. Measured: no model has a ReLU and a sigmoid run "
                "of the same seed that ended ok or stuck without its loss blowing up, so the "
                "ratio is not measured.")
    sec.ask("Why does it behave so?", text)
    _bonus(sec, facts, variants, params)


def _bonus(sec, facts, variants, params):
    """Q3: [0, 255] against [0, 1] where that ran (as the bonus asks), else against the base
    scaling, named, with the fates on [0, 255], the expectation, what was measured and the
    verdict (or why it was not measured); then each other scaling run beside the base,
    measured against it, said to be not the asked [0, 255]."""
    question = "(Bonus) What happens with inputs in [0, 255] instead of [0, 1]?"
    found, base = facts["claims"], facts["base_scaling"]
    pairs = facts.get("scaling_pairs", [])
    others = " ".join(_scaling_text(facts, sec, sc, ref) for sc, ref in pairs if sc != "raw")
    raw = variants[variants.scaling == "raw"]
    if raw.empty:
        sec.ask(question, "Not run in this configuration (add 'raw' to activations.scalings)."
                + (f" Measured instead, a change of input scale that is not the asked one. "
                   f"{others}" if others else ""))
        return
    models = list(params["protocol"]["models"])
    raw = raw.assign(order=raw.model.map(models.index)).sort_values(["order", "activation"])
    fates = _fate_counts([facts["variant_worst"][n] for n in raw.name], "variants",
                         [f"{m} {a}" for m, a in zip(raw.model, raw.activation)])
    fates = f"Fates on [0, 255] (table): {fates}."
    ref = next((r for sc, r in pairs if sc == "raw"), base)
    if "raw_gradient" not in found:
        text = (f"{fates} Expected: {raw_expected(ref) if ref != 'raw' else RAW_UNMEASURED}. "
                f"Not measured: {facts['raw_not_measured']}.")
    else:
        text = (f"Compared with inputs in {SCALING_NAMES[ref]}"
                + (", as the bonus asks" if ref != base else ", the scaling of Q1 and Q2"
                   + ("" if ref == "unit" else "; [0, 1] is not run here"))
                + f". {fates} {sec.cite(found, 'raw_gradient')}.")
        rest = _scaling_text(facts, sec, "raw", ref, gradient=False)
        text += f" {rest}" if rest else ""
    if others:
        text += f" Also measured, another change of input scale. {others}"
    sec.ask(question, text)


def _scaling_text(facts, sec, scaling, ref, gradient=True):
    """A scaling against its reference `ref` (facts' scaling_pairs): the first-layer
    gradient claim (unless `gradient` is False: the caller cites it), the runs left out of it
    and the test-accuracy claim."""
    found = facts["claims"]
    if f"{scaling}_gradient" not in found:
        return (f"{SCALING_NAMES[scaling]} against {SCALING_NAMES[ref]} is not measured: "
                f"{facts[f'{scaling}_not_measured']}.")
    text = f"{sec.cite(found, f'{scaling}_gradient')}." if gradient else ""
    left = facts[f"{scaling}_left_out"]
    recovered = facts.get(f"{scaling}_left_out_recovered", [])
    if left:
        notes = (["on [0, 255] that is the overshoot the expectation allows"]
                 if "raw" in facts[f"{scaling}_left_out_scalings"] else [])
        if recovered:
            who = (("it" if len(left) == 1 else "they") if recovered == left else
                   prose.names(recovered))
            notes.append(f"{who} then recovered and ended ok")
        note = "; ".join(notes)
        text += (" Left out of the ratio, as in Q1 and Q2, because their loss blew up"
                 + (" or diverged" if facts[f"{scaling}_left_out_diverged"] else "") + ": "
                 + "; ".join(left) + "." + (f" {note[0].upper()}{note[1:]}." if note else ""))
    if f"{scaling}_test_acc" in found:
        text += f" {sec.cite(found, f'{scaling}_test_acc')}."
    if scaling == "raw" and facts.get("raw_outcome"):
        text += f" {_outcome_text(facts['raw_outcome'])}"
    return text.strip()
