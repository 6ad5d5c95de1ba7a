"""Study 6b: seed 002 (ECE421 A2). (a) An MLP 784-H-C (C classes) in NumPy with hand-written
backprop (nnstudies/numpy_mlp.py), full-batch gradient descent with momentum, for several H; its
gradients checked against torch autograd on real images. (b) A BatchNorm CNN from the zoo with
Adam under several L2 strengths (torch trainer, weight_decay)."""
import math
import numpy as np

from .. import aggregate, claims, figures, numpy_mlp, prose
from ..config import INPUT_SHAPES, ConfigError, make_run, study_data
from ..data import DATASETS, load_prepared, scale, split_sizes
from ..stats import STUCK_Z, mean_ci
from ..trainers import trainer_name
from .common import (CHANCE_MARGIN, SAME_LINE, coinciding_lines,
                     departures as protocol_departures, final_model_train_accuracy, records,
                     write_facts)
from ..lazy import lazy_import

pd = lazy_import("pandas")

NAME = "ece421"
TITLE = "Study 6b: ECE421 A2, a NumPy MLP and a BatchNorm CNN under L2"
ORDER = 70
CAPTION = ("Study 6b (ECE421 A2): training and validation loss and accuracy per epoch of the "
           "NumPy MLP for each hidden size H, and of the BatchNorm CNN for each L2 strength "
           "(mean over seeds, their spread drawn where the seeds differ); training, "
           "validation and test curves of the MLP at the seed's H 1000 or the configured H "
           "closest to it.")
# The seed's settings (one run each; notMNIST, which is not reachable here).
MLP_PROTOCOL = {"hidden": [100, 500, 1000, 2000], "lr": 1e-5, "momentum": 0.99, "epochs": 200,
                "reduction": "sum", "seeds": 1}
CNN_PROTOCOL = {"optimizer": "adam", "lr": 0.001, "batch_size": 35, "epochs": 50,
                "l2": [0, 0.01, 0.1, 0.5], "l2_on": "activity", "seeds": 1}
PROTOCOL = {"mlp": MLP_PROTOCOL, "cnn": CNN_PROTOCOL}
TABLES = ["runs", "mlp", "cnn", "curves", "grad_check", "mlp_splits"]
_CHECKED = ("the formulas written out and checked against torch autograd on real images "
            "(largest difference over the four parameters)")
# The seed's asks this section answers (nnstudies/appendix.py), in its numbering. Its 2.3 is
# two asks: the effect of L2, and where under-fitting starts, which some configurations cannot
# tell (asked_reasons: λ 0 alone, or no final model scored on the training split).
UNDERFIT_ASK = "2.3: the L2 strength at which the CNN starts to under-fit (the seed: λ 0.5)"
# The seed's 1.4 on H (over-fitting: the gap against H) and its Figs. 13-15 (the CNN's curves
# over 50 epochs), which some configurations cannot answer either (asked_reasons).
H_ASK = "1.4: the effect of H (the seed: over-fitting at large H)"
CNN_CURVES_ASK = ("2.2 Figs. 13–15: its training, validation and test loss and accuracy with "
                  "Adam, batch 35, 50 epochs, λ 0")
# The seed's Figs. 16-18 (the same curves at its λ above 0), which the same reason can leave
# unanswered (asked_reasons).
L2_CURVES_ASK = "2.3 Figs. 16–18: training loss and accuracy at L2 λ 0.01, 0.1, 0.5"
# The seed's 2.3 on the effect of L2: its training side is the under-fitting rule's measure
# (asked_reasons).
L2_EFFECT_ASK = "2.3: the effect of L2 on training and validation accuracy"
ASKED = [
    {"seed": "002", "ask": "1.1.1: helper functions in NumPy: ReLU, softmax, a layer's output, "
     "cross-entropy and its gradient", "answer": "ece421-q3",
     "note": "the code is workflow/scripts/nnstudies/numpy_mlp.py; the check tests it"},
    {"seed": "002", "ask": "1.1.2: the gradient of the cross-entropy with respect to the "
     "softmax's input (p − y)", "answer": "ece421-q3", "note": _CHECKED},
    {"seed": "002", "ask": "1.2 Q1: the gradient with respect to the output layer's weights",
     "answer": "ece421-q3", "note": _CHECKED},
    {"seed": "002", "ask": "1.2 Q2: the gradient with respect to the output layer's biases",
     "answer": "ece421-q3", "note": _CHECKED},
    {"seed": "002", "ask": "1.2 Q3: the gradient with respect to the hidden layer's weights",
     "answer": "ece421-q3", "note": _CHECKED},
    {"seed": "002", "ask": "1.2 Q4: the gradient with respect to the hidden layer's biases",
     "answer": "ece421-q3", "note": _CHECKED},
    {"seed": "002", "ask": "1.3 Figs. 1–2: training and validation loss and accuracy of the "
     "NumPy MLP, H 1000, full-batch GD with momentum 0.99, lr 1e-5",
     "answer": "ece421-fig-mlp_splits", "note": "each seed's curves (its caption says at "
     "which H)"},
    {"seed": "002", "ask": "1.3 Fig. 3: its test loss and accuracy",
     "answer": "ece421-fig-mlp_splits", "note": "the test split recorded after every step, "
     "in the same figure"},
    {"seed": "002", "ask": "1.4 Figs. 4–12: the same curves for H 100, 500 and 2000",
     "answer": "ece421-fig-mlp", "note": "training and validation per H; test as the final "
     "point per H in the MLP table"},
    {"seed": "002", "ask": "1.4 Tables 1–2: final loss and accuracy per H on training, "
     "validation and test", "answer": "ece421-table-mlp"},
    {"seed": "002", "ask": H_ASK, "answer": "ece421-q1"},
    {"seed": "002", "ask": "2.1: the CNN Conv3x3x32–BatchNorm–MaxPool–FC(H)–FC10 in a "
     "framework", "answer": "ece421",
     "note": "described in the section's introduction (BatchNorm before the ReLU)"},
    {"seed": "002", "ask": CNN_CURVES_ASK, "answer": "ece421-fig-cnn",
     "note": "test as the final point in the CNN table; epochs as configured"},
    {"seed": "002", "ask": L2_CURVES_ASK,
     "answer": "ece421-fig-cnn", "note": "L2 on the weights, not the seed's activity "
     "regulariser on the dense layers' outputs"},
    {"seed": "002", "ask": L2_EFFECT_ASK, "answer": "ece421-q2"},
    {"seed": "002", "ask": UNDERFIT_ASK, "answer": "ece421-q2"},
]
# The seed's H or λ values an ask covers, by the ask's start: its appendix row says which of
# them this configuration does not run (asked_notes; λ 0 is always run, see check).
ASKED_SETTINGS = {"1.3 Figs. 1–2": ("mlp", "hidden", "H", [1000]),
                  "1.3 Fig. 3": ("mlp", "hidden", "H", [1000]),
                  "1.4 Figs. 4–12": ("mlp", "hidden", "H", [100, 500, 2000]),
                  "1.4 Tables 1–2": ("mlp", "hidden", "H", [100, 500, 1000, 2000]),
                  "1.4: the effect of H": ("mlp", "hidden", "H", [100, 500, 1000, 2000]),
                  "2.3 Figs. 16–18": ("cnn", "l2", "λ", [0.01, 0.1, 0.5]),
                  "2.3: the effect of L2": ("cnn", "l2", "λ", [0, 0.01, 0.1, 0.5]),
                  "2.3: the L2 strength": ("cnn", "l2", "λ", [0, 0.01, 0.1, 0.5])}


def asked_notes(params):
    """{ask: note} for the appendix rows (ASKED) that cover settings of the seed this
    configuration does not run: which of the seed's values are not run here and which are,
    before the declared note (the section hands them to nnstudies/appendix.py)."""
    p, out = params["protocol"], {}
    for entry in ASKED:
        start = next((k for k in ASKED_SETTINGS if entry["ask"].startswith(k)), None)
        if start is None:
            continue
        part, key, symbol, wanted = ASKED_SETTINGS[start]
        have = p[part][key]
        missing = [v for v in wanted if v not in have]
        if not missing:
            continue
        note = (f"the seed's {symbol} {prose.names(f'{v:g}' for v in missing)} "
                f"{'is' if len(missing) == 1 else 'are'} not run here (this configuration "
                f"runs {symbol} {', '.join(f'{v:g}' for v in have)})")
        if entry["answer"] == "ece421-fig-mlp_splits":
            note += (f": the figure is of H {splits_hidden(have)[0]}, the configured H "
                     "closest to it")
        out[entry["ask"]] = note + (f"; {entry['note']}" if entry.get("note") else "")
    return out


def underfit_unanswerable(facts, p):
    """Why these runs cannot tell at which λ the CNN starts to under-fit, or None where they
    can (the rule may still find the runs too few to separate: that is an answer). The rule
    reads each CNN run's final model scored on the whole training split (the cnn table's
    final_model_train_acc_mean), however many records a run has: it cannot be read with λ 0
    alone, nor without a scored final model at λ 0 and at another λ. The section says it once,
    in its answer on L2, and the appendix lists the ask apart (asked_reasons)."""
    if len(p["cnn"]["l2"]) < 2:
        return "only λ 0 is run here, so there is no strength to set against it"
    rows = facts.get("cnn") or []
    if not any(r.get("with_final_point") for r in rows):
        return "no CNN run has a final point"
    scored = {r.get("l2") for r in rows if not _missing(r.get("final_model_train_acc_mean"))}
    if not scored:
        return "no CNN run's final model has an accuracy on the training split"
    if 0 not in scored:
        return ("no CNN run at λ 0 has a final model scored on the training split, so there "
                "is no reference to set the other strengths against")
    if len(scored) < 2:
        return ("no CNN run at a λ above 0 has a final model scored on the training split, so "
                "there is no strength to set against λ 0")
    return None


def _missing(v):
    """None, or NaN (a None read back from the facts file)."""
    return v is None or v != v


def h_effect_unanswerable(facts):
    """Why these runs cannot tell whether over-fitting widens the training − validation gap
    with H (the seed's 1.4), or None where they can (a verdict, or too few runs to tell: that
    is an answer). The section's answer on H says it: its settling claim on the gap, or its
    sentence on the gap."""
    rows = [r for r in facts.get("mlp") or [] if r.get("with_final_point")]
    if len(rows) < 2:
        return "fewer than two H have a final point here, so there is no H to set another against"
    if all(_missing(r.get("gap_acc_mean")) for r in rows):
        return ("each MLP run has one record, so no training and validation accuracy are "
                "measured on the same weights: there is no gap to set against H")
    if (facts.get("settled") or {}).get("gap_acc") is False:
        return ("the training − validation gap on the same weights had not settled by the last "
                "step it is measured at, so whether over-fitting widens it with H is not tested")
    return None


def cnn_curves_unanswerable(facts, above_zero=False):
    """Why the CNN figure shows no curves at λ 0 (the seed's Figs. 13-15, 50 epochs), or, with
    `above_zero`, at the λ above 0 (its Figs. 16-18), or None: one epoch gives one point per
    split and setting, not a curve; with no run at a λ above 0 there is none of theirs."""
    rows = [r for r in facts.get("cnn") or []
            if not _missing(r.get("l2")) and (r["l2"] > 0 if above_zero else r["l2"] == 0)]
    which = "at a λ above 0" if above_zero else "at λ 0"
    if above_zero and not rows:
        return "no CNN run here has a λ above 0, so the figure has no curve at one"
    epochs = [int(r["epochs"]) for r in rows if not _missing(r.get("epochs"))]
    if not epochs or max(epochs) > 1:
        return None
    return (f"each CNN run {which} trained {prose.count(max(epochs), 'epoch')} (the seed: "
            f"{CNN_PROTOCOL['epochs']}), so the figure has one point per split and setting, "
            "not a curve")


def asked_reasons(facts, p):
    """{ask: reason} for the seed's asks the section says these runs cannot answer: where
    under-fitting starts (underfit_unanswerable, or fewer epochs than the seed's: short_budget),
    and with it (not for the budget) the effect of L2, whose training side is that rule's
    measure (the answer then compares validation accuracy only),
    over-fitting at large H (h_effect_unanswerable) and the CNN's curves at λ 0 and above it
    (cnn_curves_unanswerable). The appendix lists them as asked, not answerable here; a
    configuration that can answer them counts them as answered."""
    study, out = TITLE.split(":")[0], {}
    why = underfit_unanswerable(facts, p)
    if why is not None:
        out[UNDERFIT_ASK] = f"asked, not answerable here: {why} (see {study}, Q2)"
        effect = why if len(p["cnn"]["l2"]) < 2 else (
            f"{why}, so L2's effect on training accuracy is not compared, only on validation "
            "accuracy")
        out[L2_EFFECT_ASK] = f"asked, not answerable here: {effect} (see {study}, Q2)"
    else:
        short = short_budget([r.get("epochs") for r in facts.get("cnn") or []])
        if short is not None:  # the answer gives the threshold's numbers, not the onset
            out[UNDERFIT_ASK] = (
                f"asked, not answerable here: the CNN runs train {prose.count(short, 'epoch')} "
                f"against the seed's {CNN_PROTOCOL['epochs']}, so a lower final-model "
                "accuracy on the training split is slower fitting as much as under-fitting, "
                f"not told apart (see {study}, Q2)")
    why = h_effect_unanswerable(facts)
    if why is not None:
        out[H_ASK] = f"asked, not answerable here: {why} (see {study}, Q1)"
    for ask, above_zero in ((CNN_CURVES_ASK, False), (L2_CURVES_ASK, True)):
        why = cnn_curves_unanswerable(facts, above_zero)
        if why is not None:
            out[ask] = f"asked, not answerable here: {why} (see {study}, the CNN figure)"
    return out


# The gradient check agrees when max |hand-written - autograd| <= TOLERANCE x max |gradient|
# for every parameter (a few hundred to a thousand times each dtype's rounding error; a wrong
# backward pass is off by about the gradient itself, i.e. a relative error near 1).
TOLERANCE = {"float64": 1e-10, "float32": 1e-4}
FINAL = ["train_loss", "train_acc", "val_loss", "val_acc", "test_loss", "test_acc", "gap_acc",
         "gap_loss"]
# The CNN's per-setting table also holds its final model's accuracy on the whole training
# split (common.final_model_train_accuracy), what the under-fitting rule reads.
CNN_FINAL = FINAL + ["final_model_train_acc"]


def _data(cfg):
    return study_data(cfg, NAME)


def mlp_name(hidden):
    return f"mlp_h{hidden}"


def cnn_name(strength):
    return f"cnn_l2_{strength:g}"


def mlp_shape(n_inputs, hidden, n_classes):
    """'784-1000-10': the MLP's layer sizes as the seed writes them (H a number or 'H')."""
    return f"{n_inputs}-{hidden}-{n_classes}"


def n_classes_of(d):
    """The classes a study's data settings keep (data.classes, else all of the dataset's)."""
    return len(d["classes"]) if d.get("classes") else DATASETS[d["dataset"]].n_classes


def runs(cfg):
    """The NumPy MLP at every H (one full-batch step per epoch), the CNN at every L2 strength."""
    p, d = cfg[NAME], _data(cfg)
    m, c = p["mlp"], p["cnn"]
    n_train = split_sizes(d["dataset"], d["val_fraction"], d.get("classes"),
                          d.get("train_subset"), d.get("test_subset"))["train"]
    n_inputs = math.prod(INPUT_SHAPES[d["dataset"]])
    out = {}
    for h in m["hidden"]:
        for s in m["seeds"]:
            out[(mlp_name(h), s)] = {
                "study": NAME, "name": mlp_name(h),
                "model": f"numpy_mlp_{mlp_shape(n_inputs, h, n_classes_of(d))}",
                "trainer": "numpy_mlp", "seed": s, "activation": "relu", "hidden": h,
                "layers": [f"fc {h}", "relu"], "optimizer": "gd_momentum", "lr": m["lr"],
                "momentum": m["momentum"], "batch_size": n_train, "epochs": m["epochs"],
                "record_every": 1, "scaling": d["scaling"], "validate": True,
                "record_grad": False, "schedule": None, "dtype": m["dtype"],
                "reduction": m["reduction"],
                # every record: training, validation and test split (the seed's Figs. 1-3)
                "records_all_splits": True}
    for strength in c["l2"]:
        for s in c["seeds"]:
            out[(cnn_name(strength), s)] = make_run(cfg, NAME, cnn_name(strength), c["model"], s,
                                                    c, weight_decay=strength)
    return out


def check(cfg):
    c = cfg[NAME]["cnn"]
    if c["model"] not in cfg["models"]:
        raise ConfigError(f"config key '{NAME}.cnn.model': unknown model {c['model']!r}; "
                          f"declared models are {sorted(cfg['models'])}")
    if min(c["l2"]) != 0:
        raise ConfigError(f"config key '{NAME}.cnn.l2': {c['l2']} has no 0; the unregularised "
                          "CNN is the reference the under-fitting rule measures against")


# The protocol's settings in plain words (the notice of departures).
MLP_WORDS = {"hidden": "H", "lr": "learning rate", "reduction": "loss reduction"}
CNN_WORDS = {"l2": "L2 λ", "lr": "learning rate", "batch_size": "batch size",
             "optimizer": "optimiser"}
L2_ON = {"weights": "L2 on all weights"}  # schema: weights only (torch's weight_decay)
SEED_L2_ON = "Keras' activity regulariser on the two dense layers' outputs"


def departures(cfg):
    p = cfg[NAME]
    cnn_protocol = {k: v for k, v in CNN_PROTOCOL.items() if k != "l2_on"}  # said below
    out = (protocol_departures(f"{NAME} MLP", p["mlp"], MLP_PROTOCOL, MLP_WORDS)
           + protocol_departures(f"{NAME} CNN", p["cnn"], cnn_protocol, CNN_WORDS))
    if p["cnn"]["l2_on"] != CNN_PROTOCOL["l2_on"]:
        out.append(f"{NAME} CNN: {L2_ON.get(p['cnn']['l2_on'], p['cnn']['l2_on'])} (the seed: "
                   f"{SEED_L2_ON})")
    return (out + [f"{NAME}: {DATASETS[_data(cfg)['dataset']].title} instead of the seed's "
                   "notMNIST (not reachable here)"] + _seed_code_departures(cfg))


# What the seed's data was, for the notice's line on this study's own split
# (common.study_data_departures): its notMNIST sizes, which this study's split can equal.
SEED_DATA = {"dataset": "notMNIST", "sizes": {"train": 10000, "val": 6000},
             "split": "10,000 training and 6,000 validation notMNIST images"}


# What the seed's code did that its protocol does not list (its notMNIST test split, its
# Keras CNN's dense layer and layer order, Keras' default initialisation, and its NumPy MLP's
# initialisation: np.random.normal(0, 2/(fan_in + fan_out)) for the weights and, with
# 2/(784 + H), for both layers' biases; every velocity starting at 1e-5).
SEED_TEST_IMAGES, SEED_DENSE_UNITS, SEED_VELOCITY = 2724, 1000, 1e-5


def _seed_code_departures(cfg):
    d = _data(cfg)
    test = split_sizes(d["dataset"], d["val_fraction"], d.get("classes"), d.get("train_subset"),
                       d.get("test_subset"))["test"]
    layers = cfg["models"][cfg[NAME]["cnn"]["model"]]
    dense = [int(layer.split()[1]) for layer in layers if layer.startswith("fc ")]
    out = [f"{NAME}: {test:,} test images (the seed: {SEED_TEST_IMAGES:,})"]
    if dense and dense[0] != SEED_DENSE_UNITS:
        out.append(f"{NAME} CNN: dense layer of {dense[0]} units (the seed's code: Dense(H) "
                   f"with H = {SEED_DENSE_UNITS} from its Part 1)")
    if batchnorm_before_relu(layers):
        out.append(f"{NAME} CNN: BatchNorm before ReLU (the seed's code: ReLU in the "
                   "convolution, then BatchNorm)")
    out.append(f"{NAME}: torch's default initialisation for the CNN (the seed: Keras' "
               "defaults, Glorot-uniform weights and zero biases)")
    h, n_in = min(cfg[NAME]["mlp"]["hidden"]), math.prod(INPUT_SHAPES[d["dataset"]])
    out += [f"{NAME} MLP: weights drawn with std √(2/(fan_in + fan_out)), "
            f"{math.sqrt(2 / (n_in + h)):.2g} for the first layer at H {h} (the seed's code: "
            f"std 2/(fan_in + fan_out), {2 / (n_in + h):.2g} there, Xavier's variance passed "
            "as np.random.normal's scale)",
            f"{NAME} MLP: biases start at zero (the seed's code: drawn from a normal with std "
            f"2/({n_in} + H), the output layer's too)",
            f"{NAME} MLP: momentum velocities start at zero (the seed's code: "
            f"{SEED_VELOCITY:g} in every entry)"]
    return out


def batchnorm_before_relu(layers):
    """Whether a convolution is followed by BatchNorm and then ReLU (the seed's Keras code put
    the ReLU in the convolution, before BatchNorm)."""
    return any(a.startswith("conv") and b == "batchnorm" and c == "relu"
               for a, b, c in zip(layers, layers[1:], layers[2:]))


def torch_cnn_keys(cfg):
    """The (name, seed) of the runs the torch trainer trains (trainers.trainer_name: no
    "trainer" key, or "torch"), the CNN's: those write a model.pt, whose final model analyse
    scores on the training split."""
    return [key for key, run in runs(cfg).items() if trainer_name(run) == "torch"]


def inputs(cfg, files):
    cnn = torch_cnn_keys(cfg)
    return {"summary": files(NAME, "summary.json"), "curves": files(NAME, "curves.csv"),
            # the torch-trained CNN runs' final models, paired by aggregate.by_run
            "cnn_summary": files(NAME, "summary.json", cnn),
            "cnn_model": files(NAME, "model.pt", cnn)}


def params(cfg):
    p = cfg[NAME]
    return {"protocol": p, "cnn_layers": cfg["models"][p["cnn"]["model"]],
            "scaling": _data(cfg)["scaling"], "threads": cfg["train"]["threads"]}


def figures_of(params):
    return ["mlp", "mlp_splits", "cnn"]


# The seed's Figures 1-3 (training, validation and test curves) are of its H 1000; a
# configuration without it (the quick and test presets) shows the configured H closest to it.
SEED_HIDDEN = 1000
SPLITS = {"train": "training", "val": "validation", "test": "test"}


def splits_hidden(hidden):
    """(H, why): the H whose three splits' curves are drawn; the seed's 1000 when configured,
    else the configured H closest to it (a tie goes to the larger)."""
    hs = sorted({int(h) for h in hidden})
    if SEED_HIDDEN in hs:
        return SEED_HIDDEN, "the seed's H"
    h = min(hs, key=lambda v: (abs(v - SEED_HIDDEN), -v))
    return h, (f"the configured H closest to the seed's {SEED_HIDDEN}, which this "
               f"configuration does not run: H = {', '.join(map(str, hs))}")


def split_records(curves, hidden):
    """Every record of the MLP runs at `hidden`: one row per seed and step with the three
    splits' loss and accuracy (NaN where a run did not record a split: a run without
    records_all_splits has no test columns)."""
    columns = ["seed", "step", "epoch"] + [f"{s}_{m}" for s in SPLITS for m in ("loss", "acc")]
    frames = [df.assign(seed=int(seed)) for (name, seed), df in sorted(curves.items())
              if name == mlp_name(hidden) and len(df)]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True).reindex(columns=columns)


def analyse(inp, out, params, info):
    p = params["protocol"]
    # each run's H or L2 strength from its own settings (the MLP's `hidden`, the CNN's
    # `weight_decay`)
    runs_, curves = aggregate.load_runs(inp.summary, inp.curves, len(info["class_names"]),
                                        info["sizes"]["test"], fields=("hidden", "weight_decay"))
    runs_[aggregate.RUN_COLUMNS].to_csv(out.table("runs"), index=False)  # as every study's
    runs_["l2"] = runs_.weight_decay.where(runs_.hidden.isna())
    import torch
    torch.set_num_threads(params["threads"])
    data = load_prepared(inp.data)
    final_model = cnn_final_models(runs_, aggregate.by_run(inp.cnn_summary, inp.cnn_model),
                                   params, data, len(info["class_names"]))
    per_run = final_points(runs_, curves, final_model)
    mlp = per_setting(per_run[per_run.hidden.notna()], "hidden")
    cnn = per_setting(per_run[per_run.l2.notna()], "l2")
    mlp.to_csv(out.table("mlp"), index=False)
    cnn.to_csv(out.table("cnn"), index=False)
    stats_ = epoch_stats(curves)
    stats_.to_csv(out.table("curves"), index=False)
    check_ = grad_check(data, p, params["scaling"], len(info["class_names"]))
    check_.to_csv(out.table("grad_check"), index=False)
    n_classes = len(info["class_names"])
    figures.save(curves_figure(stats_, mlp, "hidden", "H = {:g}", n_classes),
                 *out.figure("mlp"))
    shown_h, _ = splits_hidden(p["mlp"]["hidden"])
    splits = split_records(curves, shown_h)
    splits.to_csv(out.table("mlp_splits"), index=False)
    at_h = per_run[per_run.hidden == shown_h]
    figures.save(splits_figure(splits, dict(zip(at_h.seed, at_h.status)), shown_h,
                               n_classes), *out.figure("mlp_splits"))
    figures.save(curves_figure(stats_, cnn, "l2", "L2 {:g}", n_classes), *out.figure("cnn"))
    write_facts(out.facts, {**facts(per_run, mlp, cnn, check_, p, curves,
                                    len(info["class_names"]), info["sizes"]["val"]),
                            # this study's own split (the report's `info` is the global one):
                            # its sizes, classes and inputs per image (the MLP's 784-H-C)
                            "data": {"title": info.get("title", info.get("dataset")),
                                     "sizes": info["sizes"], "classes": len(info["class_names"]),
                                     "inputs": math.prod(info["image_shape"])}})


def same_weights_gap(c):
    """Per step of a NumPy MLP run (`c`: its records, one per full-batch step), the gaps on
    the same weights: training minus validation accuracy (gap_acc) and validation minus
    training loss (gap_loss). A record holds the training split on the weights before its
    step and the validation split after it (numpy_mlp.train_run), so the weights after step k
    are the validation split's at record k and the training split's at record k + 1: the gap
    at step k pairs them. The last step has none (no record follows it); nor has a step whose
    next record is not the next step. Columns epoch, step, gap_acc, gap_loss."""
    c = c.reset_index(drop=True)
    nxt = c.shift(-1)
    paired = nxt.step == c.step + 1
    out = pd.DataFrame({"epoch": c.epoch, "step": c.step,
                        "gap_acc": (nxt.train_acc - c.val_acc).where(paired),
                        "gap_loss": (c.val_loss - nxt.train_loss).where(paired)})
    return out[out.gap_acc.notna()]


def cnn_final_models(runs_, model_paths, params, data, n_classes):
    """{(name, seed): accuracy} of each CNN run whose model.pt is given (`model_paths`:
    {(name, seed): path}, the torch-trained runs) on every image of this study's training
    split, in the study's scaling (common.final_model_train_accuracy: eval mode, BatchNorm on
    its running statistics; NaN for a diverged run)."""
    cnn = runs_[[(r.name, r.seed) in model_paths for r in runs_.itertuples()]]
    if cnn.empty:
        return {}
    model = params["protocol"]["cnn"]["model"]
    accs = final_model_train_accuracy(
        cnn, model_paths, {model: params["cnn_layers"]},
        scale(data["train_x"], params["scaling"]), data["train_y"], n_classes,
        params["threads"])
    return {(r.name, r.seed): acc for r, acc in zip(cnn.itertuples(), accs)}


def final_points(runs_, curves, final_model=None):
    """One row per run: its last record's training and validation loss and accuracy, its test
    result, and the gap between training and validation (accuracy: train - val; loss: val -
    train). The MLP's gap is on the same weights (same_weights_gap: those after the last step
    that has one, `gap_step`), not the last record's two splits, which are one step apart; a
    run of one record has none (NaN). The CNN's is on the final model (cnn_final_gap), NaN for
    its loss. A diverged run keeps its row, with no final point (NaN).
    `final_model_train_acc`: a CNN run's final model on the whole training split
    (`final_model`: {(name, seed): accuracy}, cnn_final_models); NaN for an MLP run, a diverged
    run and a run not given."""
    final_model, rows = final_model or {}, []
    for r in runs_.itertuples():
        c = curves[(r.name, r.seed)]
        ok = r.status != "diverged" and len(c)
        last = c.iloc[-1] if ok else {}
        row = {"name": r.name, "seed": r.seed, "hidden": r.hidden, "l2": r.l2,
               "status": r.status, "epochs": r.epochs, "train_seconds": r.train_seconds,
               "train_loss": last.get("train_loss", np.nan),
               "train_acc": last.get("train_acc", np.nan),
               "val_loss": last.get("val_loss", np.nan), "val_acc": last.get("val_acc", np.nan),
               "test_loss": r.test_loss if ok else np.nan,
               "test_acc": r.test_acc if ok else np.nan}
        row["gap_acc"] = row["train_acc"] - row["val_acc"]
        row["gap_loss"] = row["val_loss"] - row["train_loss"]
        row["gap_step"] = np.nan
        row["final_model_train_acc"] = (
            float(final_model.get((r.name, r.seed), np.nan)) if ok and pd.notna(r.l2)
            else np.nan)
        if pd.notna(r.l2):  # the CNN: on the final model
            row["gap_acc"] = cnn_final_gap(row, last, getattr(r, "steps", np.nan))
            row["gap_loss"] = np.nan
        if pd.notna(r.hidden):  # the MLP: on the same weights
            gaps = same_weights_gap(c) if ok else pd.DataFrame()
            at = gaps.iloc[-1] if len(gaps) else {}
            row["gap_acc"], row["gap_loss"], row["gap_step"] = (
                at.get("gap_acc", np.nan), at.get("gap_loss", np.nan), at.get("step", np.nan))
        rows.append(row)
    return pd.DataFrame(rows)


def cnn_final_gap(row, last, steps):
    """A CNN run's training − validation accuracy gap on the final model: its accuracy on the
    whole training split (row's final_model_train_acc) minus the validation accuracy at its
    last record, where that record is at the run's last step (`steps`, when known), so that
    both are the final weights in eval mode. NaN where either is missing. The recorded
    training accuracy is a running mean over the batches since the record before, taken while
    the weights change (with one record, since initialisation), so its difference with the
    validation accuracy is not a gap on any one network."""
    at_end = _missing(steps) or int(last.get("step", -1)) == int(steps)
    if _missing(row["final_model_train_acc"]) or _missing(row["val_acc"]) or not at_end:
        return np.nan
    return row["final_model_train_acc"] - row["val_acc"]


def per_setting(per_run, key):
    """Per H (or L2 strength): mean and std over the runs with a final point, their count, the
    fates of all runs, and the training seconds; per L2 strength also the final model's
    accuracy on the whole training split (final_model_train_acc_mean, _std: over the runs
    that have one)."""
    rows = []
    for value, g in per_run.groupby(key, sort=True):
        done = g[g.train_acc.notna()]
        row = {key: value, "runs": len(g), "with_final_point": len(done),
               "status": aggregate.status_column(g.status),
               "worst_status": aggregate.worst_status(g.status),
               "epochs": int(g.epochs.iloc[0]), "train_seconds_mean": g.train_seconds.mean()}
        for col in CNN_FINAL if key == "l2" else FINAL:
            values = done[col].dropna()
            row[f"{col}_mean"] = values.mean()
            row[f"{col}_std"] = values.std(ddof=1) if len(values) > 1 else np.nan
        mean, _, half = mean_ci(done.val_acc)
        row["val_acc_ci_low"], row["val_acc_ci_high"] = mean - half, mean + half
        rows.append(row)
    return pd.DataFrame(rows)


def grad_check(data, p, scaling, n_classes):
    """Hand-written gradients against torch autograd on the first `images` training images,
    for every H, in float64 and float32, at the seeded initial weights and after `steps` of the
    study's own update on that batch (so that the weights are no longer the initial ones)."""
    g = p["grad_check"]
    seed = p["mlp"]["seeds"][0]
    labels = np.asarray(data["train_y"][:g["images"]], dtype=np.int64)
    rows = []
    for dtype in ("float64", "float32"):
        x = numpy_mlp.flat_images(data["train_x"][:g["images"]], scaling, dtype)
        for h in p["mlp"]["hidden"]:
            params_ = numpy_mlp.init_params(x.shape[1], h, n_classes, seed, dtype)
            velocity = {k: np.zeros_like(v) for k, v in params_.items()}
            for point in ("initial", f"after {g['steps']} steps"):
                if point != "initial":
                    for _ in range(g["steps"]):
                        _, _, grads = numpy_mlp.loss_and_grads(params_, x, labels,
                                                               p["mlp"]["reduction"])
                        numpy_mlp.momentum_step(params_, velocity, grads, p["mlp"]["lr"],
                                                p["mlp"]["momentum"])
                for row in numpy_mlp.gradient_check(params_, x, labels):
                    rows.append({"hidden": h, "dtype": dtype, "weights": point,
                                 "images": len(labels), **row,
                                 "relative": _relative(row["max_abs_diff"],
                                                       row["max_abs_grad"])})
    return pd.DataFrame(rows)


SOURCE = "tables/ece421_runs.csv (final points: each run's curves.csv)"
SPLITS_SOURCE = "tables/ece421_mlp_splits.csv (each seed's last record)"


def _arms(per_run, key, column, label):
    """{'H 100': values} per setting; a setting whose runs did not all end ok carries their
    fates in its name ('H 100 (stuck)'), so that every claim citing it says so."""
    rows = per_run[per_run[key].notna()]
    return {prose.fated(f"{label} {v:g}", aggregate.status_column(g.status)):
            list(g[column].dropna()) for v, g in rows.groupby(key)}


def _relative(diff, grad):
    """|difference| relative to the gradient's size; a gradient that is exactly zero (dead ReLU
    units) agrees exactly with a zero difference and not at all with any other."""
    if grad:
        return diff / grad
    return 0.0 if diff == 0 else math.inf


def _budget(runs_, unit):
    """' after 30 full-batch steps': the runs' common budget, or each one where they differ
    (a config may give one H another epochs), so that a ranking says what it compares."""
    epochs = sorted({int(e) for e in runs_.epochs.dropna()})
    if not epochs:
        return ""
    return " after " + " or ".join(prose.count(e, unit) for e in epochs) + (
        " (unequal budgets)" if len(epochs) > 1 else "")


def loss_above_chance(curves, n_classes, hidden, margin=CHANCE_MARGIN):
    """MLP runs (`hidden`: {run name: H}) whose training loss, once more than `margin` × ln C
    below ln C (a uniform guess), rose more than `margin` × ln C above it again: [{name,
    hidden, seed, epochs, peak, peak_epoch, low, low_epoch}]. The first record (the weights
    before any update) is not read: a loss below ln C there is the initialisation's, not a fall.
    `epochs` are the records above the band after the first one below it, each named (a record
    back inside or below the band between two of them is not one of them); `peak` the highest
    loss among them; `low` the lowest loss before the first of them (first record excluded)."""
    out, ln_c = [], math.log(n_classes)
    for (name, seed), c in curves.items():
        if name not in hidden or len(c) < 2:
            continue
        c = c.iloc[1:].reset_index(drop=True)  # after the first update
        above = c.train_loss > ln_c * (1 + margin)
        below = c.train_loss < ln_c * (1 - margin)
        rose = above & below.cummax().shift(fill_value=False)
        if not rose.any():
            continue
        top = c.train_loss[rose].idxmax()
        low = c.train_loss.iloc[:int(rose.idxmax())].idxmin()
        out.append({"name": name, "hidden": hidden[name], "seed": int(seed),
                    "epochs": [int(e) for e in c.epoch[rose]],
                    "peak": float(c.train_loss[top]), "peak_epoch": int(c.epoch[top]),
                    "low": float(c.train_loss[low]), "low_epoch": int(c.epoch[low])})
    return out


CURVES_SOURCE = "each MLP run's curves.csv (runs/ece421/mlp_h<H>/seed<n>/)"
SETTLED_SOURCE = ("tables/ece421_curves.csv (mean per setting and epoch over the runs with a "
                  "final point; each run's curves.csv)")
# The comparisons read at the last record whose runs the settling check looks at: {key: (part,
# column, top_only)}; top_only where the claim names the highest setting (a ranking: which
# one is highest must hold), not where it sets every setting in order (a trend, a difference).
SETTLED = {"val_acc": ("mlp", "val_acc", True), "gap_acc": ("mlp", "gap_acc", False),
           "train_loss": ("mlp", "train_loss", False), "cnn_val_acc": ("cnn", "val_acc", True)}
# part: (the study's name for it, its setting's column and symbol, one record is a ...)
PARTS = {"mlp": ("NumPy MLP", "hidden", "H", "step"), "cnn": ("CNN", "l2", "λ", "epoch")}
# The MLP's gap (same_weights_gap), as its claims name it.
GAP_WORDS = "training − validation accuracy gap on the same weights"
COLUMN_WORDS = {"val_acc": "validation accuracy",
                "gap_acc": "training − validation gap on the same weights",
                "train_loss": "training loss"}
# The textbook expectation each last-record measure is set against (a mechanism claim), and
# what its settling claim says where the runs had not settled: then it is not tested.
EXPECTED = {"gap_acc": ("over-fitting shows as a gap between training and validation accuracy "
                        "that grows with capacity.", "over-fitting widens the gap with H"),
            "train_loss": ("more hidden units give more capacity, so a lower training loss.",
                           "more capacity lowers the training loss")}
# The settling rule, for a part's setting symbol (H, λ) and record (step, epoch): the prose
# states it once, each settling claim carries it as its rule.
SETTLED_RULE = ("A comparison read at the last {unit} counts as settled when, over the last "
                "half of the {unit}s, the {symbol} keep that {unit}'s order and no {symbol}'s "
                "mean spans more than the difference the comparison rests on. For a ranking, "
                "only the highest {symbol} must hold and the difference is that of the top "
                "two; otherwise it is that of the closest two.")


def settled_rule(part):
    _, _, symbol, unit = PARTS[part]
    return SETTLED_RULE.format(symbol=symbol, unit=unit)


def step_means(curves, runs_, column, key="hidden"):
    """Per epoch (rows; the MLP's epoch is one step) and setting (`key`'s value, columns): the
    mean of `column` at the epoch's last record over that setting's runs with a final point (a
    diverged run stops early and is left out, as in the rankings), on the epochs every one of
    them recorded; 'gap_acc' is training minus validation accuracy on the same weights (the
    MLP's, same_weights_gap: at step k, the weights after it)."""
    frames = []
    for r in runs_[runs_.val_acc.notna()].itertuples():
        c = curves.get((r.name, r.seed))
        if c is None or not len(c):
            continue
        c = same_weights_gap(c) if column == "gap_acc" else c
        c = c.groupby("epoch").tail(1)
        value = c[column]
        frames.append(pd.DataFrame({"epoch": c.epoch.to_numpy(), "setting": getattr(r, key),
                                    "run": len(frames), "value": value.to_numpy()}))
    if not frames:
        return pd.DataFrame()
    table = pd.concat(frames)
    every = table.groupby("epoch").run.nunique() == len(frames)
    table = table[table.epoch.isin(every[every].index)]
    if table.empty:  # a measure no record pair gives (the gap of one-record runs)
        return pd.DataFrame()
    return table.groupby(["epoch", "setting"]).value.mean().unstack("setting").sort_index()


def settling(means, top_only):
    """Whether the last record's comparison of the per-setting means (`means`: step_means) is
    of runs that had settled, over the last half of the records (SETTLED_RULE): the records
    there whose order differs from the last one's (`top_only`: whose highest setting
    differs), how far each setting's mean moved there, and the difference the comparison rests
    on. None with fewer than two settings or fewer than two records in that half."""
    if means.shape[1] < 2 or len(means) < 4:
        return None
    window = means.iloc[len(means) // 2:]
    last = window.iloc[-1].sort_values(ascending=False, kind="stable")

    def order(row):
        ranked = tuple(row.sort_values(ascending=False, kind="stable").index)
        return ranked[:1] if top_only else ranked
    changed = [int(at) for at, row in window.iterrows() if order(row) != order(last)]
    apart = -last.diff().dropna()
    rests_on = float(apart.iloc[0] if top_only else apart.min())
    moved = {float(v): float(window[v].max() - window[v].min()) for v in window.columns}
    return {"first": int(window.index[0]), "last": int(window.index[-1]),
            "records": len(window), "of": len(means), "changed": changed, "moved": moved,
            "rests_on": rests_on, "top_only": top_only,
            # what the rule reads: each setting's mean at every record of the window
            "window": {float(v): [float(x) for x in window[v]] for v in window.columns},
            "settled": not changed and all(m <= rests_on for m in moved.values())}


def runs_behind(curves, runs_, key="hidden"):
    """{setting: how many runs its step_means average} (the runs with a final point and
    records)."""
    done = [getattr(r, key) for r in runs_[runs_.val_acc.notna()].itertuples()
            if len(curves.get((r.name, r.seed), ()))]
    return {float(v): done.count(v) for v in set(done)}


def _unsettled(check):
    """What a last-record comparison's claim adds where its runs had not settled there."""
    return ", where the runs had not settled" if check and not check["settled"] else ""


def is_settled(check):
    """Whether a last-record reading may be set against its expectation: its runs settled,
    or too few records to tell (no check)."""
    return check is None or check["settled"]


def settled_claim(check, key, runs):
    """The settling check of one measure as a rule applied to the per-setting means
    (claims.rule): how far each setting's mean moved over the last half of the records
    against the difference the comparison rests on, and at which records the order (the
    highest setting) was not the last one's; in the sentence's unit (points for accuracy).
    Where the measure is set against an expectation (EXPECTED), an unsettled verdict says
    that the expectation is not tested. Its evidence is what the rule reads: each setting's
    mean at every record of the window, over its `runs` ({setting: count})."""
    part, column, _ = SETTLED[key]
    study, _, symbol, unit = PARTS[part]
    loss = column == "train_loss"
    scale, fmt = (1, (lambda x: f"{x:.4g}")) if loss else (100, (lambda x: f"{x:.2f} points"))
    last = f"{unit} {check['last']}"
    if check["changed"]:
        where = (f"a different {symbol} is highest at" if check["top_only"] else
                 f"the {symbol} are in another order than at {last} at")
        where += f" {span_list(check['changed'], unit)}"
    else:
        where = (f"the same {symbol} is highest at every {unit}" if check["top_only"]
                 else f"the {symbol} keep {last}'s order at every {unit}")
    what = (f"{study} over {unit}s {check['first']}–{check['last']}, the last half of "
            f"{check['of']}, where {where}")
    labels = ([f"{symbol} {v:g} mean moved by" for v in check["moved"]]
              + [f"the {'top' if check['top_only'] else 'closest'} two at {last} apart by"])
    values = [scale * v for v in check["moved"].values()] + [scale * check["rests_on"]]
    untested = EXPECTED.get(column) if part == "mlp" else None
    no = "not settled" + (f", so its expectation ({untested[1]}) is not tested" if untested
                          else "")
    claim = claims.rule(COLUMN_WORDS[column], values, what, check["settled"],
                        settled_rule(part), "settled", no, fmt=fmt, source=SETTLED_SOURCE,
                        labels=labels)
    # claims.rule keeps one value per label (a range, a difference); what the rule reads is
    # each setting's mean at every record, over that setting's runs: shown as such, with
    # their count (not as labelled values)
    shown = "" if loss else " (points)" if column == "gap_acc" else " (%)"
    steps = f"{unit}s {check['first']}–{check['last']}"
    claim["evidence"]["labelled"] = False
    claim["evidence"]["arms"] = [
        {"arm": f"{symbol} {v:g}: mean over its runs at each of {steps}{shown}",
         "n": int(runs.get(v, 0)), "mean": float(np.mean([scale * x for x in xs])),
         "values": [scale * x for x in xs]} for v, xs in check["window"].items()]
    return claim


def best_record(c):
    """(step, validation accuracy) of a run's record with the highest validation accuracy."""
    c = c[np.isfinite(c.val_acc)]
    i = int(c.val_acc.to_numpy().argmax())
    return int(c.step.iloc[i]), float(c.val_acc.iloc[i])


def fell_back(best, final, n_val):
    """Whether the final validation accuracy lies below the best by more than STUCK_Z
    standard errors of the difference of two accuracies on n_val images (HW5's rule)."""
    se = math.sqrt((best * (1 - best) + final * (1 - final)) / n_val)
    return best - final > STUCK_Z * se


def fell_back_claims(curves, runs_, n_val):
    """{key: claims.rule} for each MLP run with a final point whose last validation accuracy
    lies below its best by more than STUCK_Z standard errors on `n_val` images: a last-step
    ranking names them (HW5's rule)."""
    out = {}
    rule = (f"a run falls back from its best when its last validation accuracy lies more than "
            f"{STUCK_Z} standard errors of the difference below its best at any step "
            f"(binomial, on {n_val:,} validation images)")
    for r in runs_[runs_.val_acc.notna()].sort_values(["hidden", "seed"]).itertuples():
        c = curves.get((r.name, r.seed))
        if c is None or not np.isfinite(c.val_acc).any():
            continue
        step, best = best_record(c)
        last = c[np.isfinite(c.val_acc)].iloc[-1]
        if fell_back(best, float(last.val_acc), n_val):
            out[f"fell_back_{r.name}_{int(r.seed)}"] = claims.rule(
                f"H {r.hidden:g} seed {int(r.seed)}", [best, float(last.val_acc)],
                "NumPy MLP: validation accuracy", True, rule, "fell back from its best",
                "held its best", source=CURVES_SOURCE,
                labels=[f"best (step {step})", f"last (step {int(last.step)})"])
    return out


def span_list(values, unit):
    """'step 14', 'steps 14 and 16', 'steps 15–17 and 19': each run of consecutive values as a
    range, so that no value outside the list is inside a range."""
    runs = []
    for v in sorted(values):
        if runs and v == runs[-1][1] + 1:
            runs[-1][1] = v
        else:
            runs.append([v, v])
    parts = [f"{a}" if a == b else f"{a}–{b}" for a, b in runs]
    return (f"{unit} " if len(values) == 1 else f"{unit}s ") + prose.names(parts)


def reading(ranking):
    """What a ranking answers: the setting with the highest mean (its arm's name without the
    fates it carries) and whether the data separate it from the runner-up."""
    ev = ranking["evidence"]
    arms = [a for a in ev["arms"] if a["n"]]
    top = ev.get("best") or (max(arms, key=lambda a: a["mean"])["arm"] if arms else "")
    return top.split(" (")[0], bool(ev.get("separated"))


def facts(per_run, mlp, cnn, check_, p, curves, n_classes, n_val):
    """The comparisons the prose cites: best H by validation accuracy against the runner-up,
    the train-validation gap against H, the L2 strength where the final model's accuracy on the
    whole training split first drops by the stated margin (underfit_claim; `per_run`'s
    final_model_train_acc, NaN where not given), the gradient check's verdict per dtype, and the
    validation against the test accuracy at the last step of the H the three splits' figure
    shows; and the claims built from the per-run final points (`curves`: each run's records,
    {(name, seed): frame}; `n_classes`: the classes of this study's data; `n_val`: its
    validation images). The MLP's comparisons read the last step: whether the runs had settled
    there is one rule claim per measure (settled_claim); an expectation gets a verdict only
    where its measure had settled; the runs that fell back from their best are named, and the
    ranking at each run's best step is given where it changes the answer."""
    mlp_runs, cnn_runs = per_run[per_run.hidden.notna()], per_run[per_run.l2.notna()]
    checks = {key: settling(step_means(curves, cnn_runs if part == "cnn" else mlp_runs,
                                       column, PARTS[part][1]), top)
              for key, (part, column, top) in SETTLED.items()}
    steps = _budget(mlp_runs, "full-batch step")
    found = {
        "h_val": claims.ranking(_arms(mlp_runs, "hidden", "val_acc", "H"),
                                "NumPy MLP: validation accuracy at the last record" + steps
                                + _unsettled(checks["val_acc"]), source=SOURCE),
        "l2_val": claims.ranking(_arms(cnn_runs, "l2", "val_acc", "λ"),
                                 "CNN: validation accuracy at the last record"
                                 + _budget(cnn_runs, "epoch")
                                 + _unsettled(checks["cnn_val_acc"]), source=SOURCE),
    }
    # an expectation is set against a last-step reading only where its runs had settled
    # there; elsewhere its settling claim says that it is not tested, and no verdict is made
    # the gap on the same weights (same_weights_gap): runs of one record have none
    gapped = mlp_runs[mlp_runs.gap_acc.notna()]
    if is_settled(checks["gap_acc"]) and len(gapped):
        found["h_gap"] = claims.mechanism(EXPECTED["gap_acc"][0], claims.trend(
            list(zip(gapped.hidden, gapped.gap_acc)), f"NumPy MLP: H against the {GAP_WORDS} "
            "(one point per run)", source=SOURCE, x_name="H", y_name="the gap"),
            expected_sign=1)
        hs = sorted(gapped.hidden.unique())
        if len(hs) >= 2:
            big, small = gapped[gapped.hidden == hs[-1]], gapped[gapped.hidden == hs[0]]
            found["h_gap_ends"] = claims.difference(
                f"H {hs[-1]:g}", big.gap_acc, f"H {hs[0]:g}", small.gap_acc,
                f"NumPy MLP: {GAP_WORDS}", source=SOURCE)
    if is_settled(checks["train_loss"]):
        found["h_train_loss"] = claims.mechanism(EXPECTED["train_loss"][0], claims.trend(
            list(zip(mlp_runs.hidden, mlp_runs.train_loss)), "NumPy MLP: H against the "
            "final training loss (one point per run)", source=SOURCE, x_name="H",
            y_name="the training loss"), expected_sign=-1)
    for key, check in checks.items():
        if check is not None:
            part = SETTLED[key][0]
            found[f"settled_{key}"] = settled_claim(check, key, runs_behind(
                curves, cnn_runs if part == "cnn" else mlp_runs, PARTS[part][1]))
    back = fell_back_claims(curves, mlp_runs, n_val)
    found.update(back)
    if back or any(not is_settled(c) for key, c in checks.items() if SETTLED[key][0] == "mlp"):
        # the last step is one point of a swing: the runs' best steps give another reading,
        # given where it changes the answer (another H highest, or another verdict)
        best = claims.ranking(
            {f"H {h:g}": [best_record(curves[(r.name, r.seed)])[1]
                          for r in g.itertuples()]
             for h, g in mlp_runs[mlp_runs.val_acc.notna()].groupby("hidden")},
            "NumPy MLP: validation accuracy at each run's best step (of "
            + " or ".join(prose.count(int(e), "full-batch step")
                          for e in sorted(set(mlp_runs.epochs.dropna())))
            + "; the step picked on the validation set itself, so an optimistic reading)",
            source=CURVES_SOURCE)
        if reading(best) != reading(found["h_val"]):
            found["h_best_val"] = best
    if 0 in set(cnn_runs.l2.dropna()) and cnn_runs.l2.nunique() > 1:
        found["l2_underfit"] = underfit_claim(cnn_runs, p["underfit_margin"])
    shown_h, why = splits_hidden(p["mlp"]["hidden"])
    found["splits_gap"], splits = splits_facts(curves, mlp_runs, shown_h)
    hidden = dict(zip(mlp_runs.name, mlp_runs.hidden))
    out = {"claims": found, "splits": {**splits, "hidden": shown_h, "why": why},
           "settled": {key: None if c is None else c["settled"] for key, c in checks.items()},
           "fell_back": sorted(back), "fell_back_z": STUCK_Z,
           # the fewest records of a CNN run: with one, its training accuracy at the last
           # record is the mean since initialisation
           "cnn_records": cnn_records(cnn_runs, curves),
           # the steps whose weights the MLP's final gap is on (same_weights_gap)
           "gap_steps": sorted({int(s) for s in gapped.gap_step}),
           "loss_above_chance": loss_above_chance(curves, n_classes, hidden),
           # the CNN figure's λ whose curves coincide (its caption names them)
           "cnn_lines": coinciding_settings(epoch_stats(curves), cnn, "l2"),
           "ln_c": math.log(n_classes), "loss_margin": CHANCE_MARGIN,
           "mlp": records(mlp), "cnn": records(cnn),
           "statuses": {"mlp": list(mlp_runs.status), "cnn": list(cnn_runs.status)}}
    out["grad_check"] = {}
    for dtype, g in check_.groupby("dtype"):
        out["grad_check"][dtype] = {
            "max_abs_diff": float(g.max_abs_diff.max()), "max_relative": float(g.relative.max()),
            "tolerance": TOLERANCE[dtype], "agrees": bool((g.relative <= TOLERANCE[dtype]).all()),
            "cases": len(g), "images": int(g.images.iloc[0])}
    return out


def cnn_records(cnn_runs, curves):
    """The fewest records of a CNN run with a final point (None: no such run). With one, that
    run's training accuracy at its last record is the mean over every step since
    initialisation (the torch trainer's window runs from the record before): the answer on
    L2 says so (its gap is on the final model, cnn_final_gap)."""
    done = cnn_runs[cnn_runs.train_acc.notna()]
    counts = [len(curves[(r.name, r.seed)]) for r in done.itertuples()]
    return min(counts) if counts else None


UNDERFIT_SOURCE = ("tables/ece421_cnn.csv (column final_model_train_acc_mean: each CNN run's "
                   "model.pt scored on the whole training split)")
# What the under-fitting rule reads, in the claim and (shorter) in the summary line.
UNDERFIT_MEASURE = "the final model's accuracy on the whole training split"
UNDERFIT_SHORT = "final model on the training split"


def short_budget(epochs):
    """The fewest epochs among `epochs` (the CNN runs') where they fall short of the seed's
    CNN_PROTOCOL epochs, else None. Within such a budget every strength is still fitting, so
    a lower final-model training accuracy is slower fitting as much as under-fitting: the
    under-fitting rule's verdict says the two are not told apart (underfit_claim), and the
    appendix lists the ask as not answerable here (asked_reasons)."""
    epochs = [int(e) for e in epochs if not _missing(e)]
    return min(epochs) if epochs and min(epochs) < CNN_PROTOCOL["epochs"] else None


def _around(strengths, crossed):
    """The strengths tried on either side of the first one crossed (λ 0, the reference, where
    none lies between), as the claim's tail ('; tried around it: λ 0.001 below (not crossed)
    and λ 0.5 above, so the drop starts between λ 0.001 and λ 0.1 (the seed's λ 0.01 there was
    not run)') and the short form's ('; the drop starts between λ 0.001 and λ 0.1')."""
    below = max(s for s in strengths if s < crossed)
    above = [s for s in strengths if s > crossed]
    between = [v for v in CNN_PROTOCOL["l2"] if below < v < crossed]
    onset = f"between λ {below:g} and λ {crossed:g}"
    return ("; tried around it: λ " + f"{below:g} below "
            + ("(the reference)" if below == 0 else "(not crossed)") + " and "
            + (f"λ {min(above):g} above" if above else "none above")
            + f", so the drop starts {onset}"
            + (f" (the seed's λ {prose.names([f'{v:g}' for v in between])} there "
               f"{'was' if len(between) == 1 else 'were'} not run)" if between else ""),
            f"; the drop starts {onset}")


def underfit_claim(cnn_runs, margin):
    """The first L2 strength whose final models' accuracy on the whole training split
    (final_model_train_acc: common.final_model_train_accuracy, in eval mode) falls below λ 0's
    by more than `margin` (claims.threshold), whatever the records: the training accuracy at
    the last record is a running mean taken while the weights improve (with one record a run,
    the mean since initialisation), so it is not what the trained network fits. Where the runs
    train fewer epochs than the seed (short_budget), a lower accuracy is slower fitting as much
    as under-fitting, and the claim says the two are not told apart; the strengths tried on
    either side of the first one crossed bound where the drop starts (_around). Its short form
    (the summary line) names the measure in a few words and keeps the verdict."""
    strengths = sorted(cnn_runs.l2.dropna().unique())
    arms = {s: list(cnn_runs[cnn_runs.l2 == s].final_model_train_acc.dropna())
            for s in strengths}
    budget = _budget(cnn_runs, "epoch")
    short = short_budget(cnn_runs.epochs)
    drop = f"lower than at λ 0, by more than {100 * margin:g} points"
    if short is None:
        what = f"CNN{budget}: under-fitting ({UNDERFIT_MEASURE} {drop})"
        head = (f"CNN{budget}: under-fitting ({UNDERFIT_SHORT}, more than {100 * margin:g} "
                "points below λ 0)")
    else:
        budget += f" (the seed's {CNN_PROTOCOL['epochs']})"
        what = (f"CNN{budget}: {UNDERFIT_MEASURE} {drop} (within this budget slower fitting "
                "as much as under-fitting: the two are not told apart)")
        head = (f"CNN{budget}: {UNDERFIT_SHORT} more than {100 * margin:g} points below λ 0 "
                "(slower fitting or under-fitting, not told apart)")
    claim = claims.threshold(strengths, arms, 0.0, what, "λ", source=UNDERFIT_SOURCE,
                             expected_sign=-1, margin=margin)
    verdict = claim["text"][len(what):].lstrip(": ")
    crossed = claim["evidence"].get("crossed_at")
    if crossed is not None:
        tail, short_tail = _around(strengths, crossed)
        claim["text"] += tail
        verdict += short_tail
    claim["short"] = f"{head}: {verdict}"
    return claim


def splits_facts(curves, mlp_runs, hidden):
    """Validation minus test accuracy at the last step of each run at `hidden`, a paired
    comparison (both splits measured on the same run's weights; claims.paired), and which
    seeds that is: a diverged run stopped early, so its last record is not the last step and
    it is left out."""
    records = split_records(curves, hidden)
    status = dict(zip(mlp_runs[mlp_runs.hidden == hidden].seed.astype(int),
                      mlp_runs[mlp_runs.hidden == hidden].status))
    last = records.groupby("seed").tail(1)
    left_out = [int(s) for s in last.seed if status.get(int(s)) == "diverged"]
    last = last[~last.seed.isin(left_out)]
    what = f"NumPy MLP at H {hidden}, accuracy at the last step"
    pairs = last[last.val_acc.notna() & last.test_acc.notna()]
    if len(pairs):
        claim = claims.paired(
            {int(r.seed): float(r.val_acc - r.test_acc) for r in pairs.itertuples()},
            f"{what}, validation minus test, per seed (the same run's weights on both splits)",
            source=SPLITS_SOURCE)
    else:  # no run recorded the test split per step: no pair to take a difference of
        claim = claims.values_only({"validation": list(last.val_acc), "test": list(
            last.test_acc)}, what, source=SPLITS_SOURCE, note="no run has both at its last "
            "step, so no difference is taken")
    return claim, {"seeds": sorted(int(s) for s in records.seed.unique()),
                   "left_out": left_out, "test_recorded": bool(records.test_acc.notna().any())}


def epoch_stats(curves):
    """Per run name and epoch: mean and std over seeds of the epoch's last record (both
    trainers record once per epoch here). A diverged seed stops early: later epochs average
    the seeds still running."""
    frames = [df.groupby("epoch").tail(1).assign(name=name) for (name, _), df in curves.items()
              if len(df)]
    if not frames:
        return pd.DataFrame(columns=["name", "epoch"])
    metrics = ["train_loss", "train_acc", "val_loss", "val_acc"]
    table = pd.concat(frames).groupby(["name", "epoch"])[metrics].agg(["mean", "std"])
    table.columns = [f"{metric}_{stat}" for metric, stat in table.columns]
    return table.reset_index()


# With one record per setting every point sits at the same epoch: each series is set this
# far (in epochs) beside the next, so that no point or error bar covers another's.
SIDE_STEP = 0.08
# Below this many records a setting's curve also draws a marker at each record (curves_figure).
FEW_RECORDS = 30
# Two settings' curves coincide (coinciding_settings) when at every record they lie within
# this fraction of the panel's span of their means: with markers, about a marker's width (a
# 4-pt marker is 2.5 % of a 2.2-inch panel, whose axis spans about a fifth more than the means:
# the ±1 std bands and margins); without, common.SAME_LINE, about a line's width.
SAME_MARKER = 0.03


def coinciding_settings(stats_, table, key):
    """The lines of curves_figure that hide one another: per panel and column, each group of
    settings (rows of `table`, their `key`: H or λ) whose mean curves coincide at every record
    (common.coinciding_lines; the loss on the log scale the figure draws it on). None
    with one epoch, where the series stand side by side. Returns
    [{column, what, seeds (the settings, as written), value, chance}]."""
    names = {(mlp_name(int(v)) if key == "hidden" else cnn_name(v)): f"{v:g}"
             for v in table[key]}
    drawn = stats_[stats_.name.isin(list(names))] if len(stats_) else stats_
    if not len(drawn) or drawn.epoch.nunique() < 2:
        return []
    series, few = {}, False
    for name, shown in names.items():
        df = drawn[drawn.name == name].sort_values("epoch")
        if df.empty:
            continue
        few = few or len(df) < FEW_RECORDS
        c = pd.DataFrame({"step": df.epoch.to_numpy(float)})
        for col in ("train_loss", "val_loss", "train_acc", "val_acc"):
            v = df[f"{col}_mean"].to_numpy(float)
            c[col] = np.log(np.where(v > 0, v, np.nan)) if col.endswith("loss") else v
        series[shown] = c
    lines = coinciding_lines(series, same_line=SAME_MARKER if few else SAME_LINE)
    for g in lines:  # a flat loss line's value back from the log scale
        if g["column"].endswith("loss") and g["value"] is not None:
            g["value"] = float(np.exp(g["value"]))
    return lines


def curves_figure(stats_, table, key, label, n_classes=None):
    """Training (solid, round dots) and validation (dashed, open squares) loss (left, log
    scale) and accuracy (right) against epoch, one colour per setting; mean over seeds, its
    spread +- 1 std (a band, or an error bar at a single epoch) where a setting's runs differ;
    a marker ends the curve of a setting whose runs did not all end ok. With a single epoch
    the series stand side by side around it. One legend for the figure, below the panels;
    given `n_classes`, the chance levels (ln C, 1/C) where the axes show them."""
    plt = figures.plt  # configured for these figures on first use (figures._configure)
    fig, (left, right) = plt.subplots(1, 2, figsize=(figures.PRINT_WIDTH_IN, 3.3),
                                      layout="constrained")
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    names = [mlp_name(int(r.hidden)) if key == "hidden" else cnn_name(r.l2)
             for r in table.itertuples()]
    drawn = stats_[stats_.name.isin(names)] if len(stats_) else stats_
    handles, labels, epochs = [], [], set(drawn.get("epoch", []))
    shown = [n for n in names if n in set(drawn.get("name", []))]
    # one epoch: 2 series per setting side by side, centred on it
    side = ({n: SIDE_STEP * (2 * k - (2 * len(shown) - 1) / 2) for k, n in enumerate(shown)}
            if len(epochs) == 1 else {})
    # log before the bands are drawn: figures._band cuts a band that reaches zero only on an
    # axis that is already log (drawn first, it would run down to the axis floor)
    left.set_yscale("log")
    for i, (r, name) in enumerate(zip(table.itertuples(), names)):
        df = stats_[stats_.name == name]
        colour = colours[i % len(colours)]
        text = label.format(getattr(r, key))
        if df.empty:
            continue
        few = len(df) < FEW_RECORDS  # few records: the points must be seen, not only lines
        train = {"marker": "o", "ms": 4} if few else {}
        val = {"marker": "s", "ms": 4, "mfc": "white"} if few else {}
        x = df.epoch + side.get(name, 0.0)
        for ax, metric in ((left, "loss"), (right, "acc")):
            t = figures._band(ax, x, df[f"train_{metric}_mean"],
                              df[f"train_{metric}_std"], color=colour, **train)
            v = figures._band(ax, x + (SIDE_STEP if side else 0.0), df[f"val_{metric}_mean"],
                              df[f"val_{metric}_std"], color=colour, ls="--", **val)
            figures._mark_status(ax, x.iloc[-1], df[f"train_{metric}_mean"].iloc[-1],
                                 r.worst_status)
        handles += [t, v]
        labels += [f"{text} training", f"{text} validation"]
    if side:
        figures.note(fig, "side", f"One epoch: each setting's training and validation points "
                     f"stand side by side around epoch {min(epochs)}.")
    stopped = [r for r in table.itertuples() if "runs" in table
               and r.with_final_point < r.runs]
    if stopped:  # a diverged run stops early: its setting's later epochs average fewer seeds
        figures.note(fig, "stopped", "A diverged run stops early: after it, its setting's "
                     "curve is the mean over the seeds still running (" + "; ".join(
                         label.format(getattr(r, key)) + f": {r.with_final_point} of {r.runs}"
                         for r in stopped) + " at the end).")
    left.set(xlabel="epoch", ylabel="cross-entropy", title="loss")
    right.set(xlabel="epoch", ylabel="accuracy", title="accuracy")
    for ax in (left, right):
        ax.grid(alpha=0.3)
        if len(epochs) < 12:  # whole epochs only
            ax.set_xticks(sorted(epochs))
        if len(epochs) == 1:
            ax.set_xlim(min(epochs) - 0.5, max(epochs) + 0.5)
    chance, chance_label = figures.chance_lines(n_classes, accuracy=[right], loss=[left])
    more, words = figures.status_handles(list(table.worst_status), fig)
    fig.legend(handles + chance + more, labels + chance_label + words,
               loc="outside lower center", ncol=min(len(handles + chance + more), 4),
               frameon=False)
    return fig


# How each split is drawn: colour, dash, marker, marker face (None: filled). Markers are
# staggered along the curves, so that validation and test stay visible where they coincide.
SPLIT_STYLE = {"train": ("C0", "-", "o", None), "val": ("C1", "--", "s", "white"),
               "test": ("C2", ":", "x", None)}
SEED_COLUMNS = 4  # one column per seed up to this many; more: mean over seeds, band +- 1 std


def _split_style(split, n):
    colour, dash, marker, face = SPLIT_STYLE[split]
    every = max(1, n // 12)
    offset = {"train": 0, "val": every // 3, "test": 2 * every // 3}[split]
    return dict(color=colour, ls=dash, marker=marker, ms=3.5, mfc=face or colour,
                markevery=(offset, every))


def splits_figure(records, statuses, hidden, n_classes=None):
    """The seed's Figures 1-3 at one H (`records`: split_records): training, validation and
    test cross-entropy (log scale) and accuracy against the full-batch step. Up to SEED_COLUMNS
    seeds, each seed's own curves, one column per seed (loss above accuracy; one seed: side by
    side); more seeds: the mean over seeds with a +- 1 std band. A fate marker ends the
    training curves of a run that did not end ok (`statuses`: {seed: status}); a split a run
    did not record is not drawn, and the caption says so. Given `n_classes`, the chance levels
    (ln C, 1/C) where the axes show them, as the study's other figures."""
    plt = figures.plt  # configured for these figures on first use (figures._configure)
    seeds = sorted(int(s) for s in records.seed.unique())
    per_seed = len(seeds) <= SEED_COLUMNS
    if len(seeds) > 1 and per_seed:
        fig, grid = plt.subplots(2, len(seeds), figsize=(figures.PRINT_WIDTH_IN, 4.4),
                                 sharex=True, sharey="row", squeeze=False,
                                 layout="constrained")
        panels = list(zip(grid[0], grid[1]))
    else:
        fig, pair = plt.subplots(1, 2, figsize=(figures.PRINT_WIDTH_IN, 3.0),
                                 layout="constrained")
        panels = [tuple(pair)]
    groups = ([(f"seed {s}", records[records.seed == s], [statuses.get(s, "ok")])
               for s in seeds] if per_seed else
              [(f"mean over {len(seeds)} seeds", records, [statuses.get(s, "ok") for s in seeds])])
    floor = figures._log_floor(*[records[f"{s}_loss"] for s in SPLITS])
    drawn, zeros, missing = set(), False, []
    for (loss_ax, acc_ax), (title, df, fates) in zip(panels, groups):
        loss_ax.set_yscale("log")  # before the bands: see curves_figure
        if not per_seed:  # mean and std per step over the seeds still running
            df = df.groupby("step")[[f"{s}_{m}" for s in SPLITS for m in ("loss", "acc")]].agg(
                ["mean", "std"])
            df.columns = [f"{c}_{stat}" for c, stat in df.columns]
            df = df.reset_index()
        suffix = "" if per_seed else "_mean"
        for split in SPLITS:
            values = {m: np.asarray(df[f"{split}_{m}{suffix}"], dtype=float)
                      for m in ("loss", "acc")}
            if not np.isfinite(values["acc"]).any():
                missing.append(f"{SPLITS[split]}, {title}")
                continue
            drawn.add(split)
            zeros |= bool((values["loss"] <= 0).any())
            style = _split_style(split, len(df))
            for ax, m in ((loss_ax, "loss"), (acc_ax, "acc")):
                y = figures._floored(values[m], floor) if m == "loss" else values[m]
                if per_seed:
                    ax.plot(df.step, y, **style)
                else:
                    figures._band(ax, df.step, y, df[f"{split}_{m}_std"], **style)
        worst = aggregate.worst_status(fates)
        for ax, m in ((loss_ax, "loss"), (acc_ax, "acc")):
            y = np.asarray(df[f"train_{m}{suffix}"], dtype=float)
            if m == "loss":
                y = figures._floored(y, floor)
            if len(y):
                figures._mark_status(ax, df.step.iloc[-1], y[-1], worst)
        loss_ax.set(title=f"loss ({title})" if len(panels) == 1 else title)
        acc_ax.set(xlabel="full-batch step")
        if len(panels) == 1:
            acc_ax.set(title=f"accuracy ({title})")
            loss_ax.set(xlabel="full-batch step")
    panels[0][0].set_ylabel("cross-entropy")
    panels[0][1].set_ylabel("accuracy")
    for ax in fig.axes:
        ax.grid(alpha=0.3)
    if not len(seeds):
        for ax in fig.axes:
            ax.text(0.5, 0.5, f"no record at H {hidden}", transform=ax.transAxes,
                    ha="center", va="center", fontsize=7)
    handles = [plt.Line2D([], [], color=c, ls=d, marker=mk, ms=3.5, mfc=f or c)
               for split, (c, d, mk, f) in SPLIT_STYLE.items() if split in drawn]
    labels = [SPLITS[split] for split in SPLIT_STYLE if split in drawn]
    chance, chance_label = figures.chance_lines(
        n_classes if len(seeds) else None, accuracy=[acc for _, acc in panels],
        loss=[loss for loss, _ in panels])
    more, words = figures.status_handles(list(statuses.values()), fig)
    if handles or chance or more:
        fig.legend(handles + chance + more, labels + chance_label + words,
                   loc="outside lower center", ncol=len(handles + chance + more),
                   frameon=False)
    if per_seed and len(seeds):
        figures.note(fig, "seeds", "Each seed's own curves (" + ", ".join(
            f"seed {s}" for s in seeds) + (", one column each)." if len(seeds) > 1 else ")."))
    elif len(seeds):
        figures.note(fig, "seeds", f"Mean over the seeds still running at each step "
                     f"({', '.join(map(str, seeds))}).")
    if missing:
        figures.note(fig, "missing", "Not recorded per step, so not drawn: "
                     f"{'; '.join(missing)}.")
    if zeros:
        figures.note(fig, "zeros", "A loss of exactly zero, which a log axis cannot show, is "
                     f"drawn at {floor:.1g}.")
    return fig


# the report section and its tables' declaration live in ece421_text.py, for the file's
# length (imported last: it reads NAME and TITLE from here)
from .ece421_text import SHOWN, section  # noqa: E402, F401
