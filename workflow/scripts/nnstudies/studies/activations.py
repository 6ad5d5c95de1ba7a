"""Study 4: activation functions and gradients (EE449 part 4)."""
import math

import numpy as np

from .. import aggregate, claims, figures, prose, stats
from ..config import INPUT_SHAPES, make_run, study_data
from ..data import SCALING_NAMES, SCALINGS
from ..models import is_convolutional, walk, weight_layer_count
from ..report import Section, Shown
from .common import check_models, departures as protocol_departures, records, write_facts
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
            "family": {m: "CNN" if is_convolutional(ls) else "MLP" for m, ls in models.items()},
            "first_layer_weights": {m: first_layer_weights(ls, in_shape)
                                    for m, ls in models.items()}}


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
    runs_.to_csv(out.table("runs"), index=False)
    variants.to_csv(out.table("variants"), index=False)
    curves.to_csv(out.table("curves"), index=False)
    models = params["protocol"]["models"]
    for scaling in params["protocol"]["scalings"]:
        figures.save(figures.activation_figure(curves, variants, scaling, models,
                                               len(info["class_names"])),
                     *out.figure(scaling))
    write_facts(out.facts, facts(variants, params, runs_, by_run, len(info["class_names"])))


GRADIENT_FATES = ("ok", "stuck")  # a diverged or blown-up run's gradient is the explosion's
SOURCE = "tables/activations_runs.csv (with each run's curves.csv)"
RATIO_EXPECTED = ("backpropagation multiplies the gradient reaching the first layer by the "
                  "derivative of every activation above it; the sigmoid's derivative is at most "
                  "1/4 and near 0 when it saturates, so each sigmoid layer shrinks the gradient "
                  "(vanishing gradients), while ReLU's derivative is 1 where a unit is active: "
                  "the ReLU/sigmoid gradient ratio should exceed 1")
DEPTH_EXPECTED = "the ReLU/sigmoid ratio should grow with the number of layers above the first"
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
    return (f"an input x in {SCALING_NAMES[base]} becomes {mapping} in [0, 255] ({stretch:g} "
            f"times the range{', shifted' if shift else ''}; the largest input magnitude goes "
            f"from {largest['base']:g} to {largest['raw']:g}). Each first-layer weight's "
            "gradient is its input times the error at its unit, so at the same weights the "
            "first-layer gradient grows with the inputs, and SGD at the same rate takes far "
            "larger first-layer steps: they can overshoot (the loss blows up) or push units "
            "where they stop learning (dead ReLUs, saturated sigmoids). The first-layer "
            f"gradient on [0, 255] should be larger than on {SCALING_NAMES[base]}")


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
    """(step, loss) at a run's first record whose training loss is above `threshold`, or
    None: a run can blow up and come back below it (its units dead), ending stuck."""
    over = curve[curve.train_loss > threshold] if "train_loss" in curve else curve.iloc[0:0]
    return None if over.empty else (int(over.step.iloc[0]), float(over.train_loss.iloc[0]))


def _fate(status, blow_up, curve, limit):
    """A run's fate in words; one that blew up at some record but ended below the threshold
    says so (its later gradient is the overshoot's aftermath, not a vanishing gradient)."""
    if blow_up is None or status not in GRADIENT_FATES:
        return status
    step, loss = blow_up
    died = "grad_norm" in curve and len(curve) and curve.grad_norm.iloc[-1] == 0
    return (f"blew up at step {step:,}: training loss {loss:.3g}, above {limit}; then "
            + ("its units died, its first-layer gradient exactly zero at the end" if died else
               f"it ended {status}"))


PROSE_COLUMNS = ["model", "activation", "scaling", "status", "worst_status",
                 "final_train_loss_mean", "test_acc_mean", "grad_zero_share_mean"]
SHOWN = {"variants": Shown(columns=(
    ("model", "model"), ("activation", "activation"),
    ("inputs", lambda r: SCALING_NAMES[r.scaling]),
    ("runs (with final point)", prose.runs_cell), ("fate", "status"),
    ("final loss (last record)", lambda r: prose.sig(r.final_train_loss_mean, 4)),
    ("‖g‖ first epoch", lambda r: prose.sig(r.grad_norm_first_epoch_mean)),
    ("‖g‖ last epoch", lambda r: prose.sig(r.grad_norm_last_epoch_mean)),
    ("‖g‖ mean", lambda r: prose.sig(r.grad_norm_mean_mean)),
    ("‖g‖ = 0 share", lambda r: f"{100 * r.grad_zero_share_mean:.0f} %"),
    ("test acc. %", lambda r: prose.cell(r.test_acc_mean))))}


def _first_grad(curve):
    """A run's first-layer gradient norm at its first record (NaN without one)."""
    g = curve.grad_norm.dropna() if "grad_norm" in curve else []
    return float(g.iloc[0]) if len(g) else float("nan")


def _by_model(frame, column, models, label=lambda m: m):
    return {label(m): list(frame.loc[frame.model == m, column]) for m in models
            if (frame.model == m).any()}


def facts(variants, params, runs_, curves, n_classes):
    """Every number and claim of the section, from per-run values: gradient norms per model and
    activation, their trend with depth, the ReLU/sigmoid ratio (same model and seed), all on
    the base scaling (base_scaling), and, for inputs in [0, 255], the ratio to the same variant
    on the base scaling. Runs that diverged or blew up, even at one record, are left out of the
    gradient comparisons (their gradient is the explosion's); stuck runs stay in (a vanishing
    gradient is what they show)."""
    per_run = aggregate.per_run_numbers(runs_, curves)
    depth, models = params["depth"], params["protocol"]["models"]
    base, why = base_scaling(params["protocol"]["scalings"], params["data_scaling"],
                             set(per_run.scaling))
    chance = stats.chance_loss(n_classes)[0]  # every run here minimises the cross-entropy
    limit = f"{stats.BLOWUP_FACTOR} × ln C = {stats.BLOWUP_FACTOR * chance:.3g}"
    blow_ups = [_blow_up(curves[(r.name, r.seed)], stats.BLOWUP_FACTOR * chance)
                for r in per_run.itertuples()]
    per_run["fate"] = [_fate(r.status, b, curves[(r.name, r.seed)], limit)
                       for r, b in zip(per_run.itertuples(), blow_ups)]
    usable = per_run.status.isin(GRADIENT_FATES) & np.array([b is None for b in blow_ups])
    on_base = per_run.scaling == base
    compared = per_run[on_base & usable & per_run.grad_norm_mean.notna()]
    left = per_run[on_base & ~usable]
    found, out = {}, {"base_scaling": base, "base_reason": why, "per_activation": {},
                      "variants": records(variants, PROSE_COLUMNS),
                      "statuses": list(runs_.status),
                      "left_out": [f"{r.model} {r.activation} seed {r.seed} ({r.fate})"
                                   for r in left.itertuples()],
                      "stuck_included": [f"{r.model} {r.activation} seed {r.seed}" for r in
                                         compared[compared.status != "ok"].itertuples()]}
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
                f"With {act}, that norm per first-layer weight (norm / √weights, the "
                "weights' root mean square gradient)", source=SOURCE)
        found[f"depth_{act}"] = claims.trend(
            [(depth[m], g) for m, g in zip(t.model, t.grad_norm_mean)],
            f"With {act}, depth against the mean gradient norm (one point per run)",
            source=SOURCE, x_name="depth", y_name="the gradient norm")
        out["per_activation"][act] = {
            "models": [m for m in models if (t.model == m).any()],
            "families": sorted({params["family"][m] for m in t.model})}
    key = ["model", "seed"]
    relu = compared[compared.activation == "relu"].set_index(key).grad_norm_mean
    sig = compared[compared.activation == "sigmoid"].set_index(key).grad_norm_mean
    both = relu.index.intersection(sig.index)
    if len(both):
        # a sigmoid gradient of exactly zero makes the ratio infinite: no finite value
        ratio = (relu[both] / sig[both]).replace(np.inf, np.nan).rename("ratio").reset_index()
        by_model = _by_model(ratio, "ratio", models)
        found["ratio_values"] = claims.values_only(
            by_model, "ReLU/sigmoid ratio of the mean first-layer gradient norm (same model "
            f"and seed, {inputs})", source=SOURCE)
        found["ratio_above_one"] = claims.mechanism(
            RATIO_EXPECTED + ".", claims.sign(by_model, "ReLU/sigmoid gradient ratio per "
                                              "model", reference=1, source=SOURCE), 1,
            name="ReLU/sigmoid gradient ratio above 1")
        found["ratio_depth"] = claims.mechanism(
            DEPTH_EXPECTED + ".", claims.trend(
                [(depth[m], r) for m, r in zip(ratio.model, ratio.ratio)],
                "Depth against the ReLU/sigmoid ratio (one point per model and seed)",
                source=SOURCE, x_name="depth", y_name="the ratio"), 1)
        loss = compared.set_index(key + ["activation"]).final_train_loss.unstack("activation")
        loss = loss.dropna(subset=["relu", "sigmoid"]) if {"relu", "sigmoid"} <= set(
            loss.columns) else loss.iloc[0:0]
        if len(loss):
            diff = (loss.sigmoid - loss.relu).rename("diff").reset_index()
            found["loss_sigmoid_minus_relu"] = claims.sign(
                _by_model(diff, "diff", models), "Final training loss, sigmoid minus ReLU (same "
                f"model and seed, {inputs}), per model", reference=0, source=SOURCE)
        out["ratio_models"] = sorted(set(ratio.model), key=models.index)
    if "raw" in set(per_run.scaling):
        _raw_facts(per_run, base, curves, models, found, out)
    out["claims"] = found
    return out


def _by_variant(frame, column, models):
    """{"model activation": values} in the configured order of the models."""
    frame = frame.assign(order=frame.model.map(models.index)).sort_values(
        ["order", "activation"], kind="stable")
    return {f"{m} {a}": list(g[column]) for (m, a), g in frame.groupby(
        ["model", "activation"], sort=False)}


def _raw_facts(per_run, base, curves, models, found, out):
    """The bonus: [0, 255] against the base scaling, same variant and seed. The expectation is
    about the same weights: compare the gradient at each run's first record, before a run that
    overshoots has changed its weights beyond comparison (a blown-up run's later gradient is
    zero once its units died, which says nothing about the scale)."""
    key = ["model", "seed", "activation"]
    if base == "raw":
        out["raw_not_measured"] = ("only [0, 255] was run, so there is no other scaling to "
                                   "compare it with")
        return
    per_run = per_run.assign(grad_norm_first_record=[
        _first_grad(curves[(r.name, r.seed)]) for r in per_run.itertuples()])
    measured = per_run[per_run.grad_norm_first_record.notna()]
    raw = measured[measured.scaling == "raw"].set_index(key)
    ref = measured[measured.scaling == base].set_index(key)
    common = raw.index.intersection(ref.index)
    if not len(common):
        out["raw_not_measured"] = (f"no variant has a recorded gradient on both [0, 255] and "
                                   f"{SCALING_NAMES[base]} (a run that diverged before its "
                                   "first record has none)")
        return
    scaled = (raw.grad_norm_first_record[common] / ref.grad_norm_first_record[common]
              ).rename("ratio").reset_index()
    fates = per_run.set_index(key + ["scaling"]).fate
    out["raw_not_ok"] = sorted({
        f"{m} {a} seed {sd} on {SCALING_NAMES[sc]} ({fates[(m, sd, a, sc)]})"
        for m, sd, a in common for sc in (base, "raw") if fates[(m, sd, a, sc)] != "ok"})
    found["raw_gradient"] = claims.mechanism(
        raw_expected(base) + ".", claims.sign(
            _by_variant(scaled, "ratio", models), "First-layer gradient norm at the first "
            f"record on [0, 255] over that on {SCALING_NAMES[base]} (same variant and seed), "
            "per variant", reference=1, source=SOURCE), 1)
    # the outcome of the same variant on both scalings (a diverged run has no test accuracy)
    tested = per_run[per_run.test_acc.notna()]
    both = (tested[tested.scaling == "raw"].set_index(key).test_acc
            - tested[tested.scaling == base].set_index(key).test_acc).dropna()
    if len(both):
        found["raw_test_acc"] = claims.sign(
            _by_variant(both.rename("diff").reset_index(), "diff", models),
            f"Test accuracy on [0, 255] minus on {SCALING_NAMES[base]} (same variant and "
            "seed), per variant", reference=0, fmt=claims.fmt_points, source=SOURCE)


def section(facts, figs, params, info):
    p, variants = params["protocol"], pd.DataFrame(facts["variants"])
    models = p["models"]
    zoo = PROTOCOL["models"]
    subset = ("every model of the assignment's zoo" if sorted(models) == sorted(zoo) else
              f"models {prose.names(models)} ({len(models)} of the assignment's {len(zoo)}: "
              f"{prose.names(zoo)})")
    sec = Section(NAME, TITLE,
                  f"{subset[0].upper() + subset[1:]} with {' and '.join(p['activations'])} "
                  "(every ReLU replaced), inputs scaled to "
                  f"{', '.join(SCALING_NAMES[x] for x in p['scalings'])}; SGD lr {p['lr']}, "
                  f"momentum {p['momentum']}, batch {p['batch_size']}, "
                  f"{prose.count(p['epochs'], 'epoch')}, "
                  f"{prose.count(len(p['seeds']), 'seed')}. Every {p['record_every']} steps: "
                  "training loss "
                  "and the Frobenius norm of the gradient of the loss with respect to the first "
                  "layer's weights (for plain SGD equal to ‖w_k − w_(k+1)‖ / lr).")
    base = facts["base_scaling"]
    role = {"raw": " (the bonus, Q3)", base: " (the runs of Q1 and Q2)"}
    for scaling in p["scalings"]:
        sec.add_figure(figs[scaling], figures.caption(
                       figs[scaling], f"Inputs in {SCALING_NAMES[scaling]}"
                       f"{role.get(scaling, '')}, one column per "
                       "model: training loss (top) and first-layer gradient norm (bottom) "
                       "against step; ReLU solid, sigmoid dashed."))
    sec.asked_notes = asked_notes(base, p["scalings"])  # read by the appendix
    sec.add_table(f"Per variant ({prose.over_seeds(len(p['seeds']))})", "variants")
    _answers(sec, facts, variants, params)
    found = facts["claims"]
    fates = prose.status_counts(facts["statuses"])
    text = f"Activations, {subset}: {fates[0].upper()}{fates[1:]}"
    if "ratio_above_one" in found:  # the claim's verdict and its run counts, as the section
        stuck = len(facts.get("stuck_included") or [])
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
                 + f". {sec.cite(found, 'ratio_above_one', True)}")
    sec.summary = text + "."
    return sec


def asked_notes(base, scalings):
    """{ask: note} for the seeds' figure asks (FIGURE_ASKS): the figure of the main questions'
    scaling answers them, partly where that is not the seeds' [-1, 1]."""
    note = f"the figure for inputs in {SCALING_NAMES[base]}, the scaling of Q1 and Q2"
    if base != SEED_SCALING:
        note = (f"partly: {note}; the seed's inputs were in {SCALING_NAMES[SEED_SCALING]}, "
                + ("whose figure is in the section too" if SEED_SCALING in scalings else
                   "not run here"))
    return {ask: note for ask in FIGURE_ASKS}


def _answers(sec, facts, variants, params):
    found = facts["claims"]
    base = facts["base_scaling"]
    others = [sc for sc in params["protocol"]["scalings"] if sc not in (base, "raw")]
    opening = (f"Runs on inputs in {SCALING_NAMES[base]} ({facts['base_reason']})"
               + (f"; those on {prose.names(SCALING_NAMES[sc] for sc in others)} are in the "
                  "table and their figure" + ("s" if len(others) > 1 else "") + " only"
                  if others else "") + ". ")
    excluded = ("" if not facts["left_out"] else " Left out of the gradient comparisons, "
                "because a diverged or blown-up run's gradient is the explosion's (also when "
                "its loss blew up at any record and came back down): "
                + "; ".join(facts["left_out"]) + ".")
    if facts.get("stuck_included"):
        excluded += (" Included although stuck (a small or zero first-layer gradient is what "
                     "a vanishing gradient or dead units look like): "
                     + "; ".join(facts["stuck_included"]) + ".")
    lines = []
    for act, f in facts["per_activation"].items():
        text = f"{sec.cite(found, f'grad_{act}')}. " + (
            f"{sec.cite(found, f'grad_rms_{act}')}. " if f"grad_rms_{act}" in found else "")
        text += sec.cite(found, f"depth_{act}")
        if len(f["families"]) > 1:
            text += ("; depth and family (MLP against CNN) move together among these models, "
                     "so this comparison cannot tell the effect of depth from that of the family")
        lines.append(text + ".")
    if any(k.startswith("grad_rms_") for k in found):
        sizes = facts["first_layer_weights"]
        lines.append("The norm adds up the squared gradients of all first-layer weights, so at "
                     "equal gradients per weight it grows as the square root of their number ("
                     + ", ".join(f"{m} {n:,}" for m, n in sizes.items()) + "): the norms, "
                     "and their trend with depth, cannot tell depth or family from the size of "
                     "the first layer. The per-weight values take the size out, not the other "
                     "differences between the models.")
    sec.ask("How does the gradient magnitude behave across architectures and with depth?",
            opening + (" ".join(lines) if lines else "No model's runs ended ok or stuck, so "
                       "there is nothing to compare.") + excluded)
    if "ratio_values" in found:
        text = (f"{sec.cite(found, 'ratio_values')}. {sec.cite(found, 'ratio_above_one')}. "
                f"{sec.cite(found, 'ratio_depth')}")
        families = {fam for f in facts["per_activation"].values() for fam in f["families"]}
        text += ("; depth and family (MLP against CNN) move together among these models, so "
                 "the ratio's trend cannot tell the effect of depth from that of the family."
                 if len(families) > 1 else ".")
        if "loss_sigmoid_minus_relu" in found:
            text += f" {sec.cite(found, 'loss_sigmoid_minus_relu')}."
    else:
        text = (f"Expected: {RATIO_EXPECTED}. Measured: no model has a ReLU and a sigmoid run "
                "of the same seed that ended ok or stuck, so the ratio is not measured.")
    sec.ask("Why does it behave so?", opening + text + excluded)
    _bonus(sec, facts, variants, params)


def _bonus(sec, facts, variants, params):
    """Q3: [0, 255] against the base scaling, named, with the expectation, what was measured
    and the verdict (or why it was not measured), then each variant's outcome on both."""
    question = "(Bonus) What happens with inputs in [0, 255] instead of [0, 1]?"
    found, base = facts["claims"], facts["base_scaling"]
    raw = variants[variants.scaling == "raw"]
    if raw.empty:
        sec.ask(question, "Not run in this configuration (add 'raw' to activations.scalings).")
        return
    if "raw_gradient" in found:
        text = (f"Compared with inputs in {SCALING_NAMES[base]}, the scaling of Q1 and Q2"
                + ("" if base == "unit" else "; [0, 1] is not run here" if "unit" not in
                   set(variants.scaling) else "; [0, 1] is not the reference here")
                + f". {sec.cite(found, 'raw_gradient')}.")
    else:
        text = (f"Expected: {raw_expected(base) if base != 'raw' else RAW_UNMEASURED}. "
                f"Not measured: {facts['raw_not_measured']}.")
    if facts.get("raw_not_ok"):
        text += (" The ratios take each run's first record, the nearest this run comes to "
                 "equal weights; a run that blew up or whose units died within its first steps "
                 "already shows it there (a ratio near 0), so it counts against the expectation "
                 "although it is the overshoot itself. Runs that blew up or did not end ok: "
                 + "; ".join(facts["raw_not_ok"]) + ".")
    if "raw_test_acc" in found:
        text += f" {sec.cite(found, 'raw_test_acc')}."
    on_base = variants[variants.scaling == base].set_index(["model", "activation"])
    models = list(params["protocol"]["models"])
    raw = raw.assign(order=raw.model.map(models.index)).sort_values(["order", "activation"])
    fates = []
    for r in raw.itertuples():
        there = (on_base.loc[(r.model, r.activation)] if base != "raw" and
                 (r.model, r.activation) in on_base.index else None)
        fates.append(f"{r.model} {r.activation}: {r.status} (final loss "
                     f"{r.final_train_loss_mean:.3g}, test {prose.pct(r.test_acc_mean)}, "
                     f"gradient exactly zero at {100 * r.grad_zero_share_mean:.0f} % of records"
                     + ("" if there is None else
                        f"; on {SCALING_NAMES[base]}: {there.status}, test "
                        f"{prose.pct(there.test_acc_mean)}") + ")")
    counts = prose.status_counts(raw.worst_status, "variants")
    sec.ask(question, f"{text} Fates on [0, 255]: {counts}. Per variant: {'; '.join(fates)}.")
