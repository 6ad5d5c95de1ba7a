"""Study 6c: seed 004 (Assignment 4): linear templates, gradient descent against mini-batch SGD,
and the seed's C32-P-C64-P-C64-P-F64-F10 CNN (its last layer one output per class here).

The linear classifier and the two-layer sigmoid network are NumPy models with hand-written
gradients (nnstudies/linear_models.py, trainers "linear" and "two_layer"); the CNN is a zoo
model trained by the torch trainer. The prose is in assignment4_text.py, the figures in
assignment4_figures.py.
"""
import math

import numpy as np

from .. import aggregate, claims, prose, stats
from .. import config
from .. import linear_models as lm
from ..config import ConfigError, make_run
from ..data import DATASETS, SCALINGS, load_prepared, split_sizes
from ..models import build_model, count_parameters, layer_shapes, parse_layer
from ..runfiles import load_array
from . import assignment4_figures as a4fig
from . import assignment4_text as a4text
from .common import coinciding_lines, coinciding_words, records, write_facts
from ..lazy import lazy_import

pd = lazy_import("pandas")

NAME = "assignment4"
TITLE = "Study 6c: Assignment 4 (seed 004)"
ORDER = 80
CAPTION = ("Study 6c (seed 004, Assignment 4): the linear classifier's curves and weight "
           "templates, its learning-rate and decay sweep, full-batch GD against mini-batch "
           "SGD for the two-layer network (per pass, per update, per second), and the CNN "
           "(the seed's C32-P-C64-P-C64-P-F64-F10, one output per class).")
# The seed's settings (its report); the CNN's 100 epochs take hours on one core here.
PROTOCOL = {"dataset": "cifar10", "linear_iterations": 300, "lr": 0.01, "lr_decay": 0.999,
            "reg": 5e-6, "two_layer_iterations": 300, "sgd_lr": 1e-4, "sgd_batch": 500,
            "cnn_epochs": 100, "cnn_lr": 0.001, "cnn_momentum": 0.1, "cnn_batch": 50,
            "gd_lr": 0.01, "train_images": 50_000}
SEED_CNN_PARAMETERS = 122_570  # the seed's Keras summary, on 32x32x3 CIFAR-10
SEED_SHAPE, SEED_CLASSES = (3, 32, 32), 10
TABLES = ["runs", "curves", "templates", "sweep", "gd_sgd", "cnn", "ticks"]
# The seed's closing remarks as rules on the records, each threshold named once; RULES words
# them for the section and for each claim's evidence.
SPIKE_RISE = 0.01        # spike: the training loss more than 1 % above the previous record's
NO_LEARNING_DROP = 0.05  # does not learn: the training loss ends less than 5 % below its start
TICK_LOSS_RISE = 0.02    # tick: the held-out loss ends more than 2 % above its minimum, ...
TICK_ACC_RISE = 0.005    # ... its accuracy more than 0.5 points above its value at that minimum
STILL_FALLING = 0.001    # still falling: the loss fell more than 0.1 % over the last tenth
SAME_RUN = 1e-4          # one run: a setting's seeds end at one loss, to within 0.01 % of it,
SAME_ACC = 0.002         # ... and at one accuracy, to within 0.2 points (a few tied images)
RULES = {
    "spike": f"a record whose training loss exceeds the previous record's by more than "
             f"{100 * SPIKE_RISE:g} % of it; a loss that turns infinite or NaN (divergence) "
             "counts as one spike",
    "does not learn": f"the last finite training loss is less than {100 * NO_LEARNING_DROP:g} % "
                      "below the loss at the first record (before any update)",
    "above chance": "the test accuracy at the last finite record lies above the chance band: "
                    f"1/C plus {stats.STUCK_Z} binomial standard errors on the test images, the "
                    "band within which the report calls a run stuck",
    "tick": "on the held-out curve (the test split where the run records it, else the "
            "validation split) of a run that ended ok, with two records or more: the loss "
            "reaches its minimum after the first record, ends more than "
            f"{100 * TICK_LOSS_RISE:g} % above that minimum, and the accuracy ends more than "
            f"{100 * TICK_ACC_RISE:g} points above its value at the minimum",
    "still falling": f"the training loss fell by more than {100 * STILL_FALLING:g} % over the "
                     "last tenth of the records (from the record there to the last one)",
    "settled": f"a run has settled when its training loss fell by {100 * NO_LEARNING_DROP:g} % "
               "or more from the first record to the last and changed by no more than "
               f"{100 * STILL_FALLING:g} % over the last tenth, a fifth of the "
               f"{10 * NO_LEARNING_DROP:g} % a tenth that an even fall of "
               f"{100 * NO_LEARNING_DROP:g} % takes. A run whose loss fell by less than "
               f"{100 * NO_LEARNING_DROP:g} % in all (the 'does not learn' threshold) moved too "
               "little to tell whether it levelled off; one whose loss rose by more than "
               f"{100 * STILL_FALLING:g} % over the last tenth is rising",
    "same run": "the runs of one setting that differ only by seed end with one fate, at one "
                f"loss to within {100 * SAME_RUN:g} % of it and at one accuracy to within "
                f"{100 * SAME_ACC:g} points: the seed changed nothing that shows, so they are "
                "one run, counted once and never as independent samples",
}
# The seed's asks this section answers or leaves open (nnstudies/appendix.py): its items 1-4
# and its closing remarks. The decay remark is answered only where a decayed run is at a rate
# unstable without decay (decay_not_measured); elsewhere the section declares it not reproduced
# (asked_reasons).
DECAY_ASK = "Closing remarks: the decay of the learning rate against instability"
GD_SGD_ASK = "3: SGD against GD: which reaches a given loss earlier"
TIME_ASK = "3: processing time of SGD against GD"
CNN_ASK = "4: the CNN's accuracy against the earlier items'"
LR_ASK = ("Closing remarks: the learning rate from 0.1 to 1e-6 (speed, overshooting, spikes, "
          "getting stuck)")
TICK_ASK = "Closing remarks: a tick-shaped test loss at some rates (over-fitting)"
ASKED = [
    {"seed": "004", "ask": "1: linear classifier (squared loss, L2 5e-6, GD lr 0.01, decay "
     "0.999), Fig. 5: losses and accuracies", "answer": "assignment4-fig-linear"},
    {"seed": "004", "ask": "1 Fig. 6: the weight matrix drawn as one image per class",
     "answer": "assignment4-fig-templates"},
    {"seed": "004", "ask": "1: what the weight images show (the seed shows them without "
     "comment)", "answer": "assignment4-q1"},
    {"seed": "004", "ask": "2: two-layer network (sigmoid hidden layer, squared loss) by "
     "full-batch GD, Fig. 10: losses and accuracies",
     "answer": "assignment4-fig-gd_sgd_iterations"},
    {"seed": "004", "ask": "3: the same network by mini-batch SGD (batch 500, lr 1e-4), "
     "Fig. 13: losses and accuracies", "answer": "assignment4-fig-gd_sgd_iterations"},
    {"seed": "004", "ask": GD_SGD_ASK, "answer": "assignment4-q2"},
    {"seed": "004", "ask": TIME_ASK, "answer": "assignment4-fig-gd_sgd_time"},
    {"seed": "004", "ask": "4: CNN C32-P-C64-P-C64-P-F64-F10, its learnable parameters "
     "(122,570)", "answer": "assignment4-table-cnn"},
    {"seed": "004", "ask": "4 Fig. 18: the CNN's losses and accuracies",
     "answer": "assignment4-fig-cnn"},
    {"seed": "004", "ask": CNN_ASK, "answer": "assignment4-q4"},
    {"seed": "004", "ask": "4: a higher learning rate makes the CNN overshoot",
     "not_reproduced": "not measured: the CNN runs at one learning rate (0.001); the effect of "
     "the rate is measured on the linear classifier only (Q3)"},
    {"seed": "004", "ask": LR_ASK, "answer": "assignment4-q3",
     "note": "on the linear classifier, at the configured rates"},
    {"seed": "004", "ask": DECAY_ASK, "answer": "assignment4-q3"},
    {"seed": "004", "ask": TICK_ASK, "answer": "assignment4-q5",
     "note": "a stated rule on every run's held-out curve; the CNN's is its validation curve"},
    {"seed": "004", "ask": "Closing remarks: SGD is more useful than GD for large images",
     "not_reproduced": "not measured: every run here uses one image size. Testing it needs GD "
     "and SGD at a second size (the images 2×2-pooled, say), which the NumPy trainer does not "
     "make, and compares wall-clock times of one seed on a shared machine: one run a side, so "
     "the report could give the four times but no verdict. Expected from the arithmetic, not "
     "measured: a pass costs both methods in proportion to the pixel count, and SGD's updates "
     "per pass (Q2) do not depend on the image size"},
]


def study_data(cfg):
    """The data settings this study runs on (its own `data:` block over the global one)."""
    return config.study_data(cfg, NAME)


def linear_name(lr, decay):
    return f"linear_lr{lr:g}_decay{decay:g}"


def linear_grid(p):
    """(lr, decay) of every linear run: the sweep's grid and the main run."""
    grid = [(lr, d) for lr in p["sweep"]["lrs"] for d in p["sweep"]["lr_decays"]]
    main = (p["linear"]["lr"], p["linear"]["lr_decay"])
    return grid if main in grid else [main, *grid]


def _numpy_run(cfg, name, kind, seed, scaling, **kw):
    run = {"study": NAME, "name": name, "model": kind, "seed": seed,
           "activation": "sigmoid" if kind == "two_layer" else "none", "trainer": kind,
           "momentum": 0.0, "scaling": scaling, "validate": True, "record_grad": False,
           "schedule": None, "center": cfg[NAME]["center"],
           "records_all_splits": True}  # every record: training, validation and test split
    run.update(kw)
    return run


def runs(cfg):
    p = cfg[NAME]
    scaling = study_data(cfg)["scaling"]
    lin, two = p["linear"], p["two_layer"]
    out = {}
    for s in p["seeds"]:
        for lr, decay in linear_grid(p):
            name = linear_name(lr, decay)
            out[(name, s)] = _numpy_run(
                cfg, name, "linear", s, scaling, layers=[], optimizer="gd", lr=lr,
                lr_decay=decay, reg=lin["reg"], batch_size=None, epochs=lin["iterations"],
                record_every=lin["record_every"], init_std=lin["init_std"], hidden=None)
        for variant in ("gd", "sgd"):
            v = two[variant]
            out[(variant, s)] = _numpy_run(
                cfg, variant, "two_layer", s, scaling, layers=[f"fc {two['hidden']}", "sigmoid"],
                optimizer=variant, lr=v["lr"], lr_decay=two["lr_decay"], reg=two["reg"],
                batch_size=v.get("batch_size"), epochs=two["iterations"],
                record_every=v["record_every"], init_std=two["init_std"], hidden=two["hidden"])
        c = p["cnn"]
        out[("cnn", s)] = make_run(cfg, NAME, "cnn", c["model"], s, c,
                                   scaling=scaling, record_every=c["record_every"])
    return out


def check(cfg):
    p = cfg[NAME]
    if p["cnn"]["model"] not in cfg["models"]:
        raise ConfigError(f"config key '{NAME}.cnn.model': unknown model {p['cnn']['model']!r}; "
                          f"declared models are {sorted(cfg['models'])}")
    shape = DATASETS[study_data(cfg)["dataset"]].shape
    try:
        layer_shapes(cfg["models"][p["cnn"]["model"]], shape)
    except ValueError as err:
        raise ConfigError(f"config key '{NAME}.cnn.model': {err}") from None


def departures(cfg):
    p, out = cfg[NAME], []
    d = study_data(cfg)["dataset"]
    if d != PROTOCOL["dataset"]:
        out.append(f"{NAME}: {DATASETS[d].title} instead of the seed's CIFAR-10")
    seed = {"linear iterations": (p["linear"]["iterations"], PROTOCOL["linear_iterations"]),
            "CNN epochs": (p["cnn"]["epochs"], PROTOCOL["cnn_epochs"]),
            "linear lr": (p["linear"]["lr"], PROTOCOL["lr"]),
            "linear lr decay": (p["linear"]["lr_decay"], PROTOCOL["lr_decay"]),
            "SGD lr": (p["two_layer"]["sgd"]["lr"], PROTOCOL["sgd_lr"]),
            "SGD batch": (p["two_layer"]["sgd"]["batch_size"], PROTOCOL["sgd_batch"]),
            "CNN lr": (p["cnn"]["lr"], PROTOCOL["cnn_lr"]),
            "CNN momentum": (p["cnn"]["momentum"], PROTOCOL["cnn_momentum"]),
            "CNN batch": (p["cnn"]["batch_size"], PROTOCOL["cnn_batch"])}
    out += [f"{NAME}: {what} {have:g} (seed: {want:g})" for what, (have, want) in seed.items()
            if have != want]
    if len(p["seeds"]) != 1:  # the seed ran each model once
        out.append(f"{NAME}: {prose.count(len(p['seeds']), 'seed')} (the seed: 1)")
    passes = p["two_layer"]["iterations"]
    if passes != PROTOCOL["two_layer_iterations"]:
        out.append(f"{NAME}: two-layer network: {prose.count(passes, 'pass', 'passes')} over the "
                   f"training set (the seed: {PROTOCOL['two_layer_iterations']} epochs)")
    n_train = training_images(cfg)
    per_pass = sgd_updates_per_pass(n_train, p["two_layer"]["sgd"]["batch_size"])
    seed_per_pass = sgd_updates_per_pass(PROTOCOL["train_images"], PROTOCOL["sgd_batch"])
    if (per_pass, n_train) != (seed_per_pass, PROTOCOL["train_images"]):
        out.append(f"{NAME} SGD: {prose.count(per_pass, 'update')} per pass on {n_train:,} "
                   f"training images (the seed: {seed_per_pass} on "
                   f"{PROTOCOL['train_images']:,})")
    out.append(f"{NAME} CNN: validation on a held-out split of the training images (the seed "
               "validated on its test set: validation_data=(test_images, test_labels))")
    # choices the seed does not state, made here: said as assumptions
    out.append(f"{NAME}: two-layer network with {p['two_layer']['hidden']} sigmoid hidden units "
               "(the seed does not give its size)")
    if p["center"]:
        out.append(f"{NAME}: the training mean image subtracted from every input (the seed "
                   "does not show its preprocessing)")
    out.append(f"{NAME}: SGD reshuffles the training set every pass (the seed's code walks it "
               "in a fixed order)")
    return out


def training_images(cfg):
    """The training images this study's runs train on (the split its data settings give)."""
    d = study_data(cfg)
    return split_sizes(d["dataset"], d["val_fraction"], d.get("classes"), d.get("train_subset"),
                       d.get("test_subset"))["train"]


def sgd_updates_per_pass(n_train, batch):
    """Updates in one pass of mini-batch SGD (linear_models.py: the last batch may be short)."""
    return math.ceil(n_train / batch)


def inputs(cfg, files):
    p = cfg[NAME]
    main = [(linear_name(p["linear"]["lr"], p["linear"]["lr_decay"]), s) for s in p["seeds"]]
    return {"summary": files(NAME, "summary.json"), "curves": files(NAME, "curves.csv"),
            "templates": files(NAME, "first_layer.npy", main)}


def params(cfg):
    p = cfg[NAME]
    return {"protocol": p, "cnn_layers": cfg["models"][p["cnn"]["model"]],
            "dataset": study_data(cfg)["dataset"], "scaling": study_data(cfg)["scaling"]}


def figures_of(params):
    return ["linear", "templates", "sweep", "gd_sgd_iterations", "gd_sgd_time", "cnn"]


# ------------------------------------------------------------------------------ arithmetic


def formula_parameters(layers, in_shape, n_classes):
    """Parameters of a zoo model from the formula, no torch: a conv layer has
    (kh * kw * C_in + 1) * C_out, a fully connected one (inputs + 1) * outputs (fewer without
    bias), the appended prediction layer (inputs + 1) * classes; pools and activations none."""
    total, shape = 0, tuple(in_shape)
    for text, out in zip(layers, layer_shapes(layers, in_shape)):
        spec = parse_layer(text)
        if spec["kind"] == "conv":
            total += (spec["kh"] * spec["kw"] * shape[0] + spec["bias"]) * spec["out"]
        elif spec["kind"] == "fc":
            total += (math.prod(shape) + spec["bias"]) * spec["out"]
        elif spec["kind"] == "batchnorm":
            total += 2 * shape[0]
        shape = out
    return total + (math.prod(shape) + 1) * n_classes


def pearson(a, b):
    a, b = a - a.mean(), b - b.mean()
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


# A template resembles a mean image only where their Pearson r is at least this: below it
# they share under 1 % of their pixel variance (r² < 0.01), and the class a template matches
# best among near-zero or negative r's is the least unlike, not a likeness.
RESEMBLES_R = 0.1


def template_table(templates, class_means, overall_mean, names):
    """Per class: Pearson r of its template with its own class's mean image and with the other
    classes' (mean and largest), the class whose mean it matches best; both with the mean
    images the model saw (the training mean subtracted) and as they are (raw)."""
    w = templates.reshape(len(templates), -1).astype(float)
    centred = class_means - overall_mean
    rows = []
    for c, name in enumerate(names):
        r = np.array([pearson(w[c], m) for m in centred])
        raw = np.array([pearson(w[c], m) for m in class_means])
        others, raw_others = np.delete(r, c), np.delete(raw, c)
        rows.append({"class": name, "r_own": r[c], "r_other_mean": others.mean(),
                     "r_other_max": others.max(), "best_match": names[int(r.argmax())],
                     "own_is_best": bool(r.argmax() == c), "r_own_raw": raw[c],
                     "raw_own_is_best": bool(raw.argmax() == c),
                     "r_other_max_raw": raw_others.max(),
                     "best_other_raw": names[[i for i in range(len(names)) if i != c][
                         int(raw_others.argmax())]]})
    return pd.DataFrame(rows)


def reach(curve, target):
    """The first record at or below `target` training loss: (update, training seconds)."""
    hit = curve[curve.train_loss <= target]
    if hit.empty:
        return float("nan"), float("nan")
    return float(hit.step.iloc[0]), float(hit.seconds.iloc[0])


def gd_sgd_table(runs_, curves, target):
    rows = []
    for name in ("gd", "sgd"):
        for r in runs_[runs_.name == name].itertuples():
            c = curves[(name, r.seed)]
            per_pass = c.step.max() / max(c.epoch.max(), 1)
            step, seconds = reach(c, target)
            rows.append({"variant": name, "seed": r.seed, "lr": r.lr,
                         "batch_size": (str(int(r.batch_size)) if r.batch_size == r.batch_size
                                        else "all"),
                         "passes": int(c.epoch.max()), "updates": int(c.step.max()),
                         "updates_per_pass": per_pass, "status": r.status,
                         "start_loss": c.train_loss.iloc[0],
                         "final_train_loss": c.train_loss.iloc[-1],
                         "min_train_loss": c.train_loss.min(), "test_acc": r.test_acc,
                         "train_seconds": c.seconds.iloc[-1], "target_loss": target,
                         "updates_to_target": step, "passes_to_target": step / per_pass,
                         "seconds_to_target": seconds})
    return pd.DataFrame(rows)


def default_target(curves, fraction):
    """The loss `fraction` of the way from the highest starting loss to the lowest loss that
    every run reaches (the largest of their minima): the GD and SGD runs of every seed."""
    start = max(c.train_loss.iloc[0] for c in curves)
    floor = max(c.train_loss.min() for c in curves)
    return float(start - fraction * (start - floor))


def spike_count(losses, diverged=False):
    """Spikes of a training-loss curve (RULES["spike"]): records more than SPIKE_RISE above the
    previous one, plus one for a divergence (a non-finite record after a finite one, or, when
    the run stopped before recording its non-finite loss, the `diverged` run itself)."""
    loss = np.asarray(losses, dtype=float)
    prev, cur = loss[:-1], loss[1:]
    known = np.isfinite(prev)
    rises = known & np.isfinite(cur) & (cur - prev > SPIKE_RISE * prev)
    blowups = int((known & ~np.isfinite(cur)).sum())
    return int(rises.sum()) + blowups + int(bool(diverged) and not blowups)


def last_spike(losses):
    """The index of the last spike of a training-loss curve (RULES["spike"], as spike_count
    counts them: a rise of more than SPIKE_RISE, or a non-finite record after a finite one), or
    None where it has none."""
    loss = np.asarray(losses, dtype=float)
    prev, cur = loss[:-1], loss[1:]
    known = np.isfinite(prev)
    hit = (known & np.isfinite(cur) & (cur - prev > SPIKE_RISE * prev)) | (known
                                                                            & ~np.isfinite(cur))
    where = np.flatnonzero(hit)
    return int(where[-1]) + 1 if len(where) else None


def loss_drop(losses):
    """How far the last finite training loss lies below the first record's, as a fraction of
    it (RULES["does not learn"]: below NO_LEARNING_DROP)."""
    loss = np.asarray(losses, dtype=float)
    finite = loss[np.isfinite(loss)]
    if len(finite) < 2 or not np.isfinite(loss[0]) or loss[0] == 0:
        return float("nan")
    return float(1 - finite[-1] / loss[0])


def end_fall(losses):
    """How far the training loss fell over the last tenth of the finite records (at least the
    last step), as a fraction of the loss there (RULES["still falling"])."""
    finite = np.asarray(losses, dtype=float)
    finite = finite[np.isfinite(finite)]
    if len(finite) < 2 or finite[-1 - max(1, len(finite) // 10)] == 0:
        return float("nan")
    return float(1 - finite[-1] / finite[-1 - max(1, len(finite) // 10)])


def seeds_agree(rows, loss, acc=None):
    """Whether a setting's runs (`rows`, one per seed) are one run (RULES["same run"]): two or
    more, one fate, their final `loss` equal to within SAME_RUN of it and their accuracy `acc`
    (where recorded) to within SAME_ACC. The linear classifier's are, by construction:
    full-batch GD draws no batches, so its seed only draws starting weights of standard
    deviation 1e-5, which the updates outweigh."""
    if len(rows) < 2 or loss not in rows or rows.status.nunique() > 1:
        return False
    v = rows[loss].to_numpy(dtype=float)
    if not np.isfinite(v).all() or v.max() - v.min() > SAME_RUN * np.abs(v).max():
        return False
    a = rows[acc].to_numpy(dtype=float) if acc in rows else np.array([])
    a = a[np.isfinite(a)]
    return bool(not len(a) or a.max() - a.min() <= SAME_ACC)


def distinct_runs(rows, keys, loss, acc=None):
    """`rows` with each setting (grouped by `keys`) whose seeds are one run (seeds_agree on
    `loss` and `acc`) kept once, as its first seed's row; column 'seeds': the seeds a row
    stands for."""
    if not len(rows):
        return rows.assign(seeds=pd.Series(dtype=int))
    kept = [g.iloc[:1].assign(seeds=len(g)) if seeds_agree(g, loss, acc) else g.assign(seeds=1)
            for _, g in rows.groupby(keys, sort=False)]
    return pd.concat(kept, ignore_index=True)


def copies_facts(sweep):
    """How many of the sweep's settings are one run over their seeds (seeds_agree), and how
    far those seeds' final training losses (relative) and test accuracies lie apart."""
    settings = list(sweep.groupby(["lr", "lr_decay"], sort=False)) if len(sweep) else []
    same = [g for _, g in settings if seeds_agree(g, "final_train_loss", "final_test_acc")]

    def spread(g, column, relative=False):
        v = g[column].to_numpy(dtype=float)
        return (v.max() - v.min()) / (np.abs(v).max() if relative else 1)
    return {"settings": len(settings), "merged": len(same),
            "seeds": max((len(g) for g in same), default=0),
            "loss_rel": max((spread(g, "final_train_loss", True) for g in same), default=0.0),
            "acc_points": 100 * max((spread(g, "final_test_acc") for g in same
                                     if g.final_test_acc.notna().all()), default=0.0)}


def seed_span(seeds):
    """'0–3' for three consecutive seeds or more, else '0, 2': the seeds a table row stands
    for."""
    parts = []
    for x in sorted(int(v) for v in seeds):
        if parts and x == parts[-1][1] + 1:
            parts[-1][1] = x
        else:
            parts.append([x, x])
    return ", ".join(str(a) if a == b else f"{a}, {b}" if b == a + 1 else f"{a}–{b}"
                     for a, b in parts)


# A report table's rows (the CSV keeps one per seed): each setting whose seeds are one run
# (seeds_agree) shown once, read by the same columns as the prose that counts it once.
ONE_ROW = {"sweep": (["lr", "lr_decay"], "final_train_loss", "final_test_acc"),
           "ticks": (["family", "run"], "last_loss", "last_acc")}


def one_row_per_run(rows, table):
    """`rows` of the report's table `table` (ONE_ROW) with each setting whose seeds are one run
    (seeds_agree, as the prose counts it: distinct_runs) kept once, as its first seed's row,
    its 'seed' cell the seeds it stands for (seed_span); a setting whose seeds differ keeps a
    row per seed."""
    keys, loss, acc = ONE_ROW[table]
    if not len(rows) or "seed" not in rows:
        return rows
    kept = [g.iloc[:1].assign(seed=seed_span(g.seed)) if seeds_agree(g, loss, acc)
            else g.assign(seed=[str(x) for x in g.seed])
            for _, g in rows.groupby(keys, sort=False, dropna=False)]
    return pd.concat(kept, ignore_index=True)


def sweep_table(runs_, curves, grid, n_classes, n_test):
    """One row per linear run: its spikes, the fall of its loss (RULES["does not learn"]) and
    its test accuracy, with the chance band it is read against (RULES["above chance"], on the
    `n_test` test images of `n_classes` classes)."""
    band = stats.chance_band(n_classes, n_test)
    rows = []
    for lr, decay in grid:
        for r in runs_[runs_.name == linear_name(lr, decay)].itertuples():
            c = curves[(r.name, r.seed)]
            finite = c[np.isfinite(c.train_loss)]
            rises = finite.train_loss.diff()
            drop = loss_drop(c.train_loss)
            spike = last_spike(c.train_loss)
            rows.append({"lr": lr, "lr_decay": decay, "seed": r.seed, "status": r.status,
                         "end_fall": end_fall(c.train_loss),
                         "iterations": int(c.step.max()), "final_lr": c.lr.iloc[-1],
                         "final_train_loss": finite.train_loss.iloc[-1],
                         "min_train_loss": finite.train_loss.min(),
                         "rises": int((rises > 0).sum()), "largest_rise": rises.max(),
                         "spikes": spike_count(c.train_loss, r.status == "diverged"),
                         "last_spike": np.nan if spike is None else c.step.iloc[spike],
                         "lr_last_spike": np.nan if spike is None else c.lr.iloc[spike],
                         "loss_drop": drop, "learns": bool(drop >= NO_LEARNING_DROP),
                         "final_test_acc": r.test_acc, "best_test_acc": finite.test_acc.max(),
                         "first_test_acc": c.test_acc.iloc[0],
                         "last_test_acc": finite.test_acc.iloc[-1], "chance_band": band})
    return pd.DataFrame(rows)


def tick(loss, acc):
    """The tick rule (RULES["tick"], fate aside) on one held-out curve: {tick, at (the record
    of the minimum loss), after (finite records after it: 0 when the loss is lowest at the last
    record, so that no rise could be seen), loss_rise (last loss over the minimum, minus 1),
    acc_rise (last accuracy minus the accuracy at the minimum)}."""
    loss, acc = np.asarray(loss, dtype=float), np.asarray(acc, dtype=float)
    keep = np.isfinite(loss) & np.isfinite(acc)
    loss, acc, where = loss[keep], acc[keep], np.flatnonzero(keep)
    if len(loss) < 2:
        return {"tick": False, "at": None, "after": None, "loss_rise": float("nan"),
                "acc_rise": float("nan")}
    m = int(np.argmin(loss))
    rise = float(loss[-1] / loss[m] - 1) if loss[m] > 0 else float("nan")
    gain = float(acc[-1] - acc[m])
    return {"tick": bool(m > 0 and rise > TICK_LOSS_RISE and gain > TICK_ACC_RISE),
            "at": int(where[m]), "after": len(loss) - 1 - m, "loss_rise": rise,
            "acc_rise": gain}


def _tick_runs(runs_, grid):
    """(run name, label, family) of every run with a held-out curve, in the section's order:
    the linear sweep (largest rate first), the two-layer network, the CNN."""
    order = sorted(grid, key=lambda g: (-g[0], -g[1]))
    out = [(linear_name(lr, d), f"lr {lr:g}, decay {d:g}", "linear classifier")
           for lr, d in order]
    out += [("gd", "GD", "two-layer network"), ("sgd", "SGD", "two-layer network"),
            ("cnn", "CNN", "CNN")]
    present = set(runs_.name)
    return [o for o in out if o[0] in present]


def tick_table(runs_, curves, grid):
    """Per run: its held-out curve (test where recorded, else validation), the record of its
    lowest loss, the loss and accuracy from there to the last record, and the tick rule (None,
    not applied, for a run that did not end ok, whose loss may rise because it diverges, and
    for a curve of fewer than two records)."""
    rows = []
    for name, label, family in _tick_runs(runs_, grid):
        for r in runs_[runs_.name == name].itertuples():
            c = curves[(name, r.seed)]
            split = next((s for s in ("test", "val") if f"{s}_loss" in c
                          and c[f"{s}_loss"].notna().any()), None)
            if split is None:
                continue
            t = tick(c[f"{split}_loss"], c[f"{split}_acc"])
            at = c.iloc[t["at"]] if t["at"] is not None else None
            last = c[np.isfinite(c[f"{split}_loss"])].iloc[-1]
            rows.append({
                "family": family, "run": label, "name": name, "seed": r.seed,
                "split": "test" if split == "test" else "validation", "status": r.status,
                "records": len(c), "min_step": float("nan") if at is None else at.step,
                "records_after_min": float("nan") if at is None else t["after"],
                "min_epoch": float("nan") if at is None else at.epoch,
                "min_loss": float("nan") if at is None else at[f"{split}_loss"],
                "last_loss": last[f"{split}_loss"], "loss_rise": t["loss_rise"],
                "acc_at_min": float("nan") if at is None else at[f"{split}_acc"],
                "last_acc": last[f"{split}_acc"], "acc_rise": t["acc_rise"],
                "tick": t["tick"] if r.status == "ok" and t["at"] is not None else None})
    return pd.DataFrame(rows, columns=TICK_COLUMNS)


TICK_COLUMNS = ["family", "run", "name", "seed", "split", "status", "records", "min_step",
                "records_after_min", "min_epoch", "min_loss", "last_loss", "loss_rise",
                "acc_at_min", "last_acc", "acc_rise", "tick"]


def hwc(shape):
    """(C, H, W) -> 'H×W×C' as the seed (and Keras) write it."""
    return "×".join(map(str, (*shape[1:], shape[0])))


def flattened(layers, in_shape):
    """The map the last conv/pool layer hands to the first dense layer, as 'H×W×C'."""
    shapes = [s for s in [tuple(in_shape)] + layer_shapes(layers, in_shape) if len(s) == 3]
    return hwc(shapes[-1])


def torch_parameters(layers, in_shape, n_classes):
    """The parameters torch counts on the zoo model built for `in_shape` (imports torch)."""
    return count_parameters(build_model(layers, tuple(in_shape), n_classes))


def cnn_short_name(layers, n_classes):
    """The seed's way of writing a CNN, 'C32-P-C64-P-C64-P-F64-F10': C for a convolution (its
    output channels), P for a pooling, F for a dense layer (its units), BN for BatchNorm, D for
    dropout; activations left out; the appended prediction layer F<classes> last."""
    short = {"conv": lambda s: f"C{s['out']}", "maxpool": lambda s: "P",
             "fc": lambda s: f"F{s['out']}", "batchnorm": lambda s: "BN",
             "dropout": lambda s: "D"}
    parts = [short[spec["kind"]](spec) for spec in map(parse_layer, layers)
             if spec["kind"] in short]
    return "-".join(parts + [f"F{n_classes}"])


def cnn_table(runs_, layers, dataset, image_shape, n_classes):
    """The CNN's parameters by the formula and by torch, on the seed's input and classes
    (32x32x3, 10; torch on a model built here) and on this run's (torch: the trained model's
    count). Both count the same model, so a difference is a bug in one of them: an error, not
    a row the prose would have to explain."""
    run_shape = tuple(image_shape) if len(image_shape) == 3 else (1, *image_shape)
    cnn = runs_[runs_.name == "cnn"]
    table = pd.DataFrame([
        {"input": hwc(SEED_SHAPE), "data": "CIFAR-10 (the seed's)", "classes": SEED_CLASSES,
         "formula": formula_parameters(layers, SEED_SHAPE, SEED_CLASSES),
         "torch": float(torch_parameters(layers, SEED_SHAPE, SEED_CLASSES)),
         "seed_reported": SEED_CNN_PARAMETERS, "flattened": flattened(layers, SEED_SHAPE)},
        {"input": hwc(run_shape), "data": f"{dataset} (this run)", "classes": n_classes,
         "formula": formula_parameters(layers, run_shape, n_classes),
         "torch": float(cnn.parameters.iloc[0]) if len(cnn) else float("nan"),
         "seed_reported": float("nan"), "flattened": flattened(layers, run_shape)}])
    for r in table.itertuples():
        if r.torch == r.torch and int(r.torch) != r.formula:
            raise ValueError(f"{NAME} CNN on {r.input} with {r.classes} classes: the formula "
                             f"gives {r.formula:,} parameters, torch counts {int(r.torch):,}; "
                             "formula_parameters and the model torch builds disagree")
    return table


# -------------------------------------------------------------------------------- analysis


def analyse(inp, out, params, info):
    p = params["protocol"]
    names = info["class_names"]
    runs_, curves = aggregate.load_runs(inp.summary, inp.curves, len(names),
                                        info["sizes"]["test"])
    runs_.to_csv(out.table("runs"), index=False)
    table = pd.concat([c.assign(name=n, seed=s) for (n, s), c in curves.items()],
                      ignore_index=True)
    table.to_csv(out.table("curves"), index=False)
    data = load_prepared(inp.data)
    factor, offset = SCALINGS[params["scaling"]]
    x = data["train_x"].reshape(len(data["train_x"]), -1) * factor + offset
    y = data["train_y"]
    means = np.stack([x[y == c].mean(0) for c in range(len(names))])
    overall = x.mean(0) if p["center"] else np.zeros(x.shape[1])
    templates = load_array(inp.templates[0])
    tt = template_table(templates, means, overall, names)
    tt.to_csv(out.table("templates"), index=False)
    grid = [tuple(g) for g in linear_grid(p)]
    sweep = sweep_table(runs_, curves, grid, len(names), info["sizes"]["test"])
    sweep.to_csv(out.table("sweep"), index=False)
    two = p["two_layer"]
    # one target for every seed: each GD and SGD run reaches its floor
    both = [curves[(n, seed)] for n in ("gd", "sgd") for seed in p["seeds"]]
    target = two["target_loss"] if two.get("target_loss") is not None else default_target(
        both, two["target_fraction"])
    gs = gd_sgd_table(runs_, curves, target)
    gs.to_csv(out.table("gd_sgd"), index=False)
    cnn = cnn_table(runs_, params["cnn_layers"], info.get("title", params["dataset"]),
                    info["image_shape"], len(names))
    cnn.to_csv(out.table("cnn"), index=False)
    ticks = tick_table(runs_, curves, grid)
    ticks.to_csv(out.table("ticks"), index=False)
    main = linear_name(p["linear"]["lr"], p["linear"]["lr_decay"])
    seed = p["seeds"][0]
    shape = templates.shape[1:]
    a4fig.save_all(out, curves, runs_, main, seed, templates, (means - overall).reshape(
        -1, *shape), names, grid, target, linear_name, loss_drop,
        constant_output_loss(len(names)))
    found = facts(runs_, tt, sweep, gs, cnn, p, main, target, info, ticks)
    found["cnn_lines"] = coinciding_lines(  # the CNN figure's lines that hide one another
        {s: c for (name, s), c in sorted(curves.items()) if name == "cnn"}, len(names))
    write_facts(out.facts, found)


GD_SGD_SOURCE = "tables/assignment4_gd_sgd.csv"


def _amount(x, unit):
    """'2.00 passes', '0.0585 seconds' (3 significant digits, as the text and the table), or
    'never'."""
    if x is None or x != x:
        return "never"
    return f"{a4text.seconds(x)} {unit}" if unit == "seconds" else f"{x:,.2f} {unit}"


def _signed(d, unit):
    if unit != "seconds":
        return f"{d:+,.2f} {unit}"
    return f"{'-' if d < 0 else '+'}{a4text.seconds(abs(d))} {unit}"


def constant_output_loss(n_classes, reg=0.0):
    """The objective of linear_models.py (its own loss_and_grads) for a model that outputs 1/C
    for every class whatever its input: weights 0 (no L2 term), biases 1/C, on one image of each
    class. Any mix of classes gives the same value: each one-hot target is 1 − 1/C from one
    output and 1/C from the C − 1 others, (1 − 1/C)² + (C − 1)/C² = (C − 1)/C."""
    params = {"w1": np.zeros((1, n_classes)), "b1": np.full(n_classes, 1 / n_classes)}
    return lm.loss_and_grads(params, np.zeros((n_classes, 1)), np.eye(n_classes), reg)[0]


def per_pass(p, n_train):
    """Per pass over the training set, here and in the seed: SGD's updates (training images /
    batch size, the last batch short where it does not divide) and their summed step (updates ×
    lr), against GD's one update of its lr."""
    two = p["two_layer"]
    return {"run": one_pass(n_train, two["sgd"]["batch_size"], two["sgd"]["lr"],
                            two["gd"]["lr"]),
            "seed": seed_pass()}


def one_pass(n, batch, sgd_lr, gd_lr):
    k = sgd_updates_per_pass(n, batch)
    return {"train_images": n, "batch": batch, "updates": k, "last_batch": n - (k - 1) * batch,
            "sgd_lr": sgd_lr, "step_sum": k * sgd_lr, "gd_lr": gd_lr}


def seed_pass():
    return one_pass(PROTOCOL["train_images"], PROTOCOL["sgd_batch"], PROTOCOL["sgd_lr"],
                    PROTOCOL["gd_lr"])


def tick_budgets(p):
    """{family: (budget here, the seed's, unit, units)} of the runs the tick rule reads."""
    return {"linear classifier": (p["linear"]["iterations"], PROTOCOL["linear_iterations"],
                                  "iteration", "iterations"),
            "two-layer network": (p["two_layer"]["iterations"],
                                  PROTOCOL["two_layer_iterations"], "pass", "passes"),
            "CNN": (p["cnn"]["epochs"], PROTOCOL["cnn_epochs"], "epoch", "epochs")}


def setting_facts(p, info):
    """What the prose and the claims take from the configuration and the data's sizes: SGD's
    updates per pass (per_pass), the loss of a constant output 1/C for every class under the
    two-layer network's objective, and the budgets of the runs the tick rule reads."""
    return {"per_pass": per_pass(p, info["sizes"]["train"]),
            "constant_loss": constant_output_loss(len(info["class_names"]),
                                                  p["two_layer"]["reg"]),
            "tick_budgets": tick_budgets(p)}


MEAN_FIT_ONLY = "reaching it needs no class learned: fitting the outputs' mean is enough"


def mean_fit_only(target, constant):
    """Whether the stated loss lies above the loss of a constant output of 1/C for every class
    (`constant`; None: not known): a loss the outputs' mean alone reaches, which voids what
    reaching it measures, in every form of the claims that rest on it (the summary's too)."""
    return constant is not None and constant == constant and target > constant


def target_claim(target, constant):
    """Whether the stated loss lies above the loss of a constant output of 1/C for every class:
    a loss the outputs' mean alone reaches, so that reaching it shows no class learned."""
    return claims.rule(
        "the stated loss", [target], f"Against {constant:.4f}, the loss of a network that "
        "outputs 1/C for every class", mean_fit_only(target, constant),
        "a stated loss above the loss of a constant output of 1/C for every class (weights 0, "
        "biases 1/C, under the same objective) is reached by fitting the outputs' mean alone, "
        "which needs no class learned",
        "above it, so fitting the outputs' mean alone reaches it and reaching it needs no "
        "class learned,",
        "at or below it, so reaching it takes more than fitting the outputs' mean,",
        fmt=lambda x: f"{x:.4f}", source=GD_SGD_SOURCE)


SWEEP_SOURCE = "tables/assignment4_sweep.csv"
TICK_SOURCE = "tables/assignment4_ticks.csv"
# The seed's closing remarks on the rate, each as the expectation one claim tests (its lr).
LR_EXPECTED = {
    "unstable": (0.1, "around 0.1 the system may be unstable."),
    "spikes": (0.01, "around 0.01 there might be some spikes."),
    "spikes_fewer": (0.001, "at 0.001 the spikes reduce (fewer than at 0.01)."),
    "no_spikes": (1e-4, "at 0.0001 a proper curved line without spikes."),
    "no_learning": (1e-6, "at 1e-6 or lower the system might be unable to learn properly."),
}
DECAY_EXPECTED = ("a decay of the rate (a factor below 1) avoids the instability a rate shows "
                  "without it (the seed: change the Lr decay parameter to avoid the system "
                  "being unstable).")
# The spike rule is said once, in the answer, and kept in each claim's evidence (_spike_rule).
SPIKES_WHAT = "spikes of the full-batch training loss"


def _spike_rule(c):
    """`c` with the spike rule (RULES["spike"]) in its evidence: its sentence names spikes, and
    the answer defines them once."""
    c["evidence"]["rule"] += f"; a spike: {RULES['spike']}"
    return c


# claims.observation ends a claim on one run a setting with this caveat; the answer says it
# once for its remarks (evidence 'one_run'), so each claim drops it
ONE_RUN = "; one run per setting is one initialisation, not a test across seeds"


def _observation(*args, **kw):
    """claims.observation, its one-run caveat left to the answer (ONE_RUN)."""
    c = claims.observation(*args, **kw)
    if c["text"].endswith(ONE_RUN):
        c["text"] = c["text"].removesuffix(ONE_RUN)
        c["evidence"]["one_run"] = True
    return c


def _count(x):
    return f"{x:.0f}"


def _at_lr(sweep, lr, lower=False):
    hit = np.isclose(sweep.lr, lr, rtol=1e-9, atol=0)
    return sweep[hit | (sweep.lr < lr) if lower else hit]


def _by_setting(rows, column):
    """{'lr 0.01, decay 0.999': [value per run]} in the sweep's order, a setting whose runs did
    not all end ok with its fates ('lr 0.1, decay 1 (diverged)'); a setting whose seeds are one
    run (distinct_runs) has one value (the answer says once which settings these are)."""
    return {prose.fated(f"lr {lr:g}, decay {d:g}", aggregate.status_column(g.status)):
            list(g[column]) for (lr, d), g in rows.groupby(["lr", "lr_decay"], sort=False)}


def _moved(first, last):
    """'rose from 8.05 % to 57.00 %' (the test accuracy from the first record to the last)."""
    if first != first or last != last:
        return "not recorded"
    if last == first:
        return f"stayed at {prose.pct(last)}"
    return f"{'rose' if last > first else 'fell'} from {prose.pct(first)} to {prose.pct(last)}"


def _iterations(rows, seed=PROTOCOL["linear_iterations"]):
    """'within 60 iterations (the seed ran 300)': the budget the rule on learning read; with
    `seed` None, 'within 60 iterations' (where the answer gives the seed's budget)."""
    its = sorted({int(x) for x in rows.iterations})
    span = f"{its[0]:,}" if len(its) == 1 else f"{its[0]:,}–{its[-1]:,}"
    return f"within {span} iterations" + ("" if seed is None else f" (the seed ran {seed:,})")


def lr_claims(sweep):
    """The seed's remarks on the rate against the linear sweep, one claim each where the sweep
    has the rate: instability (at least one spike, RULES["spike"], in every run) at 0.1 and no
    spike at 0.0001, observed run by run; spikes at 0.01, which the seed said there might be
    (borne out when a run there has one); fewer at 0.001 than at 0.01 (a difference, at each
    decay: one run a side makes no comparison, and with none at either there is no reduction
    to see); no learning (RULES["does not learn"]) at 1e-6 and below, within the budget, with
    the test accuracy beside it; and the decay (decay_claims)."""
    found, sweep = {}, sweep.sort_values(["lr", "lr_decay"], ascending=False)
    # a setting whose seeds are one run counts once: copies are no independent evidence
    sweep = distinct_runs(sweep, ["lr", "lr_decay"], "final_train_loss", "final_test_acc")
    spikes = {"what": SPIKES_WHAT, "fmt": _count, "source": SWEEP_SOURCE}
    for key, holds, text, expected in (("unstable", lambda x: x > 0, "at least one spike", True),
                                        ("no_spikes", lambda x: x == 0, "no spike", True)):
        lr, expectation = LR_EXPECTED[key]
        rows = _at_lr(sweep, lr)
        if len(rows):
            found[key] = _spike_rule(_observation(
                expectation, _by_setting(rows, "spikes"), predicate=holds,
                predicate_text=text, expected=expected, **spikes))
    lr, expectation = LR_EXPECTED["spikes"]
    rows = _at_lr(sweep, lr)
    if len(rows):  # "might": one run with a spike bears it out, runs without do not refute it
        n, k = len(rows), int((rows.spikes > 0).sum())
        runs = prose.count(n, "run")
        found["spikes"] = _spike_rule(claims.rule(
            "; ".join(_by_setting(rows, "spikes")), list(rows.spikes),
            f"Expected: {expectation} Measured, {SPIKES_WHAT}", k > 0,
            f"the remark (there might be some spikes at lr {lr:g}) is borne out when a run at "
            "that rate has at least one spike; a run without one does not refute a 'might'",
            f"spikes in {k} of its {runs}: the remark borne out in these runs",
            f"no spike in its {runs}: the remark not borne out in these runs, nor refuted",
            fmt=_count, source=SWEEP_SOURCE))
    lr, expectation = LR_EXPECTED["spikes_fewer"]
    for d, g in sweep.groupby("lr_decay", sort=False):
        low, high = _at_lr(g, lr), _at_lr(g, 0.01)
        if not (len(low) and len(high)):
            continue
        what = f"Spikes of the full-batch training loss at decay {d:g}"
        if not (low.spikes.any() or high.spikes.any()):  # a count is exact for its run
            one = len(low) == len(high) == 1  # the answer says once what one run is (ONE_RUN)
            each = ("" if one else f", {prose.count(len(low), 'run')} and "
                    f"{prose.count(len(high), 'run')}")
            c = found[f"spikes_fewer_decay{d:g}"] = claims.values_only(
                {"lr 0.001": low.spikes, "lr 0.01": high.spikes},
                f"Expected: {expectation} Measured, {what[0].lower()}{what[1:]}", _count,
                SWEEP_SOURCE, f"0 spikes at both: no reduction to see in these runs{each}")
            c["evidence"]["one_run"] = one
            continue
        found[f"spikes_fewer_decay{d:g}"] = claims.mechanism(expectation, claims.difference(
            "lr 0.001", low.spikes, "lr 0.01", high.spikes, what, fmt=_count,
            source=SWEEP_SOURCE, diff_fmt=lambda x: f"{x:+.1f} spikes"), expected_sign=-1,
            name=f"fewer spikes at lr 0.001 than at 0.01 (decay {d:g})")
    lr, expectation = LR_EXPECTED["no_learning"]
    rows = _at_lr(sweep, lr, lower=True)
    if len(rows):
        found["no_learning"] = learning_claim(rows, expectation)
    found.update(decay_claims(sweep))
    return found


def _order(groups):
    """+1 where the value rises with the factor in every group, -1 where it falls, 0 otherwise;
    `groups`: [[(factor, [values of its runs]), ...] in ascending factor, ...]. A step counts
    only where every run of one setting ends beyond every run of the next (no overlap)."""
    signs = set()
    for group in groups:
        for (_, low), (_, high) in zip(group, group[1:]):
            signs.add(1 if min(high) > max(low) else -1 if max(high) < min(low) else 0)
    return signs.pop() if len(signs) == 1 else 0


def _grouped(ok, factor, within):
    """{value of `within`: [(factor value, [final training losses]), ...]} for each value of
    `within` at which two or more values of `factor` ran (the others enter no order)."""
    out = {}
    for w, g in ok.groupby(within, sort=False):
        settings = [(f, list(h.final_train_loss)) for f, h in g.groupby(factor)]
        if len(settings) > 1:
            out[w] = settings
    return out


def _span(values, fmt):
    """'0.5782' for one value (or values that read alike), else '0.5781–0.5782'."""
    lo, hi = fmt(min(values)), fmt(max(values))
    return lo if lo == hi else f"{lo}–{hi}"


def _order_labels(ok, groups, factor, within, name, other):
    """Per run of the grouped settings, its label ('lr 0.03 (decay 1)', ', seed 1' where the
    setting has several distinct runs) and final training loss, largest factor first (for the
    evidence); and the sentence's list, each setting once with the range of its runs ('lr
    0.0001 (decay 1, 3 runs) 0.5781–0.5782')."""
    labels, values, shown = [], [], []
    for w, settings in groups.items():
        for f, _ in sorted(settings, reverse=True):
            rows = ok[(ok[factor] == f) & (ok[within] == w)]
            for r in rows.itertuples():
                labels.append(f"{name} {f:g} ({other} {w:g})"
                              + (f", seed {r.seed}" if len(rows) > 1 else ""))
                values.append(r.final_train_loss)
            runs = f", {len(rows)} runs" if len(rows) > 1 else ""
            shown.append(f"{name} {f:g} ({other} {w:g}{runs}) "
                         f"{_span(list(rows.final_train_loss), _loss4)}")
    return labels, values, ", ".join(shown)


def _described(values, labels, shown, what, holds, rule_text, yes, no, fmt):
    """claims.rule on the linear classifier's runs, each run in the evidence under its label;
    its sentence gives each setting once (`shown`: a range over the setting's runs), so that
    seeds do not repeat a setting's name."""
    c = claims.rule("linear classifier", values, what, holds, rule_text, yes, no, fmt=fmt,
                    source=SWEEP_SOURCE, labels=labels)
    c["text"] = f"{what}, linear classifier: {shown}: {yes if holds else no} by the rule"
    return c


def _end_state(r):
    """What the end of one run's training loss shows: 'still falling' (RULES["still
    falling"]), 'rising', 'too slow' (a fall under NO_LEARNING_DROP in all: too little to tell
    whether it levelled off) or 'settled' (RULES["settled"]); None where it cannot be read."""
    if r.end_fall != r.end_fall or r.loss_drop != r.loss_drop:
        return None
    if r.end_fall > STILL_FALLING:
        return "still falling"
    if r.end_fall < -STILL_FALLING:
        return "rising"
    return "settled" if r.loss_drop >= NO_LEARNING_DROP else "too slow"


def _settings_named(rows, several):
    """'lr 0.03, decay 1 and lr 1e-06, decay 1 (seeds 0, 1 and 2)': the settings of `rows`,
    with the seeds of a setting that has several distinct runs (`several`: those settings)."""
    parts = []
    for (lr, d), g in rows.groupby(["lr", "lr_decay"], sort=False):
        seeds = prose.names([str(s) for s in g.seed])
        parts.append(f"lr {lr:g}, decay {d:g}"
                     + (f" (seed{'s' if len(g) > 1 else ''} {seeds})" if (lr, d) in several
                        else ""))
    return prose.names(parts)


def settled_claim(ok):
    """Whether the runs that ended ok had settled by the end of the budget (RULES["settled"]):
    where none had, the orders of effect_claims are of how far each setting gets within the
    budget, not of where it would settle. A run whose loss barely moved in all is too slow to
    tell, never settled: its last tenth's fall is small because every tenth's is."""
    falls = ok.assign(fall=100 * ok.end_fall, state=[_end_state(r) for r in ok.itertuples()])
    falls = falls[falls.state.notna()]
    sizes = falls.groupby(["lr", "lr_decay"]).lr.transform("size")
    several = set(zip(falls.lr[sizes > 1], falls.lr_decay[sizes > 1]))
    n = len(falls)

    def named(state):
        return _settings_named(falls[falls.state == state], several)

    def count(state):
        return int((falls.state == state).sum())
    still = count("still falling")
    rest = ([f"still falling at the end in {still} of the {n} runs"] if still else [])
    if count("too slow"):
        moved = "its loss" if count("too slow") == 1 else "their loss"
        rest.append(f"{named('too slow')} moved too little to tell, {moved} falling by less "
                    f"than {100 * NO_LEARNING_DROP:g} % in all")
    if count("rising"):
        rest.append(f"rising at the end in {named('rising')}")
    speed = "the orders are of speed within this budget, not of where each setting would settle"
    settled = count("settled")
    if not settled:
        yes, no = (f"no run had settled, so {speed}: " + ("still falling at the end in every "
                   "run" if still == n else "; ".join(rest))), ""
    else:
        yes, no = "", (f"settled in {settled} of the {n} runs, {named('settled')}: for "
                       f"{'that run' if settled == 1 else 'those'} the final loss is where it "
                       "levelled off" + "".join(f"; {x}" for x in rest))
    labels = [f"lr {r.lr:g} (decay {r.lr_decay:g})"
              + (f", seed {r.seed}" if (r.lr, r.lr_decay) in several else "")
              for r in falls.itertuples()]
    shown = ", ".join(
        f"lr {lr:g} (decay {d:g}" + (f", {len(g)} runs" if len(g) > 1 else "") + ") "
        + _span(list(g.fall), _fall) for (lr, d), g in falls.groupby(["lr", "lr_decay"],
                                                                      sort=False))
    return _described(list(falls.fall), labels, shown, "Fall of the training loss over the "
                      "last tenth of the records, per run that ended ok", not settled,
                      f"{RULES['still falling']}. {RULES['settled']}", yes, no, _fall)


def _untested(ok):
    """Why the effect of the rate and the decay is described and not tested."""
    sizes = ok.groupby(["lr", "lr_decay"]).size()  # seeds that are one run counted once
    if sizes.max() == 1:
        return "one run per setting, so no spread"
    span = f"{sizes.max()}" if sizes.min() == sizes.max() else f"{sizes.min()} to {sizes.max()}"
    return f"{span} runs per setting, set in order without a test"


def _loss4(x):
    return f"{x:.4g}"


def effect_claims(sweep):
    """The effect of the rate and of the decay on the linear classifier, described and not
    tested (a table of settings, not an experiment with replicates): 'rate_effect', the final
    training loss of the runs that ended ok at each rate, within each decay that ran two rates
    or more; 'decay_effect', at each decay, within each rate that ran two decays or more; both
    name an order only where every run of a setting ends beyond every run of the next, in
    every group (_order). 'still_falling': whether any run had settled by the end
    (settled_claim); where none had, the orders are ones of speed within the budget.
    Settings whose seeds are one run count once (distinct_runs)."""
    if not len(sweep):
        return {}
    ok = distinct_runs(sweep[sweep.status == "ok"].sort_values(
        ["lr", "lr_decay"], ascending=False), ["lr", "lr_decay"], "final_train_loss",
        "final_test_acc")
    found = {}
    if not len(ok):
        return found
    # the budget, why nothing is tested and the runs left out are the answer's to say, once
    # for the three claims (evidence 'budget', 'untested', 'left_out'); each claim's rule says
    # 'described, not tested' and names the runs left out
    off = sweep[sweep.status != "ok"]
    left = _not_ok_settings(off)
    scope = {"budget": _iterations(ok), "untested": _untested(ok), "left_out": left}
    rates = _grouped(ok, "lr", "lr_decay")
    if rates:
        sign = _order(list(rates.values()))
        labels, values, shown = _order_labels(ok, rates, "lr", "lr_decay", "lr", "decay")
        outside = _outside_order(ok, off, "lr", "lr_decay", "lr", "decay", sign, rates)
        found["rate_effect"] = _described(
            values, labels, shown, "Final training loss, rate by rate within each decay",
            sign != 0,
            "described, not tested: within each decay factor, the runs that ended ok set in "
            "the order of their rate; an order is named where every run at each rate ends "
            "below (or above) every run at the next rate, at every decay with two rates or "
            "more among the runs that ended ok",
            "among the runs that ended ok, at every decay with two rates or more among them, "
            f"{'lower' if sign < 0 else 'higher'} at each larger rate{outside}",
            "in no single order of the rates (runs overlap, or the order differs between "
            f"decays){outside}", _loss4)
    decays = _grouped(ok, "lr_decay", "lr")
    if decays:
        sign = _order(list(decays.values()))
        labels, values, shown = _order_labels(ok, decays, "lr_decay", "lr", "decay", "lr")
        left_rate = "; ".join(
            f"decay {d:g} leaves {float((g.final_lr / g.lr).iloc[0]):.2g} of the starting rate "
            "at the last update" for d, g in ok[ok.lr_decay < 1].groupby("lr_decay", sort=False)
            if any(d in [f for f, _ in s] for s in decays.values()))
        outside = _outside_order(ok, off, "lr_decay", "lr", "decay", "lr", sign, decays)
        found["decay_effect"] = _described(
            values, labels, shown, "Final training loss, decay by decay within each rate"
            + (f" ({left_rate})" if left_rate else ""), sign != 0,
            "described, not tested: within each rate, the runs that ended ok set in the order "
            "of their decay factor; an order is named where every run at each decay factor "
            "ends below (or above) every run at the next, at every rate with two decay factors "
            "or more among the runs that ended ok",
            "among the runs that ended ok, at every rate with two decay factors or more among "
            f"them, {'higher' if sign < 0 else 'lower'} at each smaller decay factor (a faster "
            f"decay of the rate){outside}",
            "in no single order of the decay factors (runs overlap, or the order differs "
            f"between rates){outside}", _loss4)
    if "end_fall" in ok and ok.end_fall.notna().any():
        found["still_falling"] = settled_claim(ok)
    for c in found.values():
        c["evidence"].update(scope)
        if left:
            c["evidence"]["rule"] += f"; {left}"
    return found


def _outside_order(ok, off, factor, within, name, other, sign, shown=()):
    """'; not in it: lr 0.05 at decay 1, which blew up (last finite training loss 1.164e+05,
    against that order)': each setting of `off` (runs that did not end ok) whose `within`
    value has a run that ended ok at another `factor` value, so that the order of `ok` is
    silent on it; said with its loss and whether, had it counted, it would break the order
    (`sign`, _order's: +1 the loss rises with the factor, -1 falls, 0 none); beside the runs
    that ended ok at its `within` value where the sentence does not list them (`shown`: the
    `within` values it lists)."""
    parts = []
    for (f, w), g in off.groupby([factor, within], sort=False):
        peers = ok[(ok[within] == w) & (ok[factor] != f)]
        if peers.empty:
            continue
        losses = [x for x in g.final_train_loss if x == x]
        if not losses:
            continue
        group = sorted([(v, list(h.final_train_loss)) for v, h in peers.groupby(factor)]
                       + [(f, losses)])
        fits = sign != 0 and _order([group]) == sign
        fate = aggregate.status_column(g.status)
        runs = f", {len(g)} runs" if len(g) > 1 else ""
        if w not in set(shown):  # its peers are in no group the sentence lists
            runs += "; beside " + ", ".join(
                f"{name} {v:g} {_span(list(h.final_train_loss), _loss4)}"
                for v, h in peers.groupby(factor, sort=False))
        verb = _fate_verb(fate) if fate in aggregate.STATUSES else f"ended {fate}"
        parts.append(f"{name} {f:g} at {other} {w:g}, which {verb} (last finite training "
                     f"loss {_span(losses, _loss4)}{runs}"
                     + ("" if sign == 0 else ", in line with that order" if fits
                        else ", against that order") + ")")
    return f"; not in it, as it did not end ok: {'; '.join(parts)}" if parts else ""


def _not_ok_settings(rows):
    """'left out, not ended ok: diverged at lr 0.1, decay 1 and lr 0.1, decay 0.999' (the
    settings of `rows`, by fate), or ''."""
    if not len(rows):
        return ""
    by_fate = [f"{fate} at " + prose.names(list(dict.fromkeys(
        f"lr {r.lr:g}, decay {r.lr_decay:g}" for r in g.itertuples())))
        for fate, g in rows.groupby("status", sort=False)]
    return "left out, not ended ok: " + "; ".join(by_fate)


def unpaired_settings(sweep):
    """The settings (lr, decay) whose rate ran at no other decay and whose decay ran at no
    other rate: they enter neither order of effect_claims; set beside the other settings they
    would mix the rate with the decay."""
    pairs = set(zip(sweep.lr, sweep.lr_decay)) if len(sweep) else set()
    out = []
    for lr, d in sorted(pairs, key=lambda x: (-x[0], -x[1])):
        other_decays = {e for r, e in pairs if r == lr and e != d}
        other_rates = {r for r, e in pairs if e == d and r != lr}
        if not other_decays and not other_rates:
            out.append((float(lr), float(d)))
    return out


def _learning_rules(r):
    """(the loss rule's reading, the accuracy's) of one sweep row: True where it says the run
    does not learn, None where it cannot be read (no finite fall, no test accuracy)."""
    loss = None if r.loss_drop != r.loss_drop else bool(r.loss_drop < NO_LEARNING_DROP)
    acc = None if r.last_test_acc != r.last_test_acc else bool(r.last_test_acc <= r.chance_band)
    return loss, acc


def _run_label(r, several):
    """'lr 1e-06, decay 1', with ', seed 0' where several seeds ran (else two runs read alike)."""
    return f"lr {r.lr:g}, decay {r.lr_decay:g}" + (f", seed {r.seed}" if several else "")


def _alike(rows):
    """`rows` in groups of runs that the two rules read alike (_learning_rules), in order: a
    sentence says what the rules say of a group once, not once a run."""
    read = [_learning_rules(r) for r in rows.itertuples()]
    keys = list(dict.fromkeys(read))
    return [rows[[k == key for k in read]] for key in keys]


def _group_label(g, several):
    """'lr 1e-06, decay 1 (seeds 0, 1 and 2)', 'lr 1e-06, decay 1, seed 0', or the runs of
    several settings: what a sentence on the group `g` is about."""
    if g[["lr", "lr_decay"]].drop_duplicates().shape[0] > 1 or len(g) == 1:
        return prose.names([_run_label(r, several) for r in g.itertuples()])
    return (f"lr {g.lr.iloc[0]:g}, decay {g.lr_decay.iloc[0]:g} (seeds "
            f"{prose.names([str(x) for x in g.seed])})")


def _accuracy_moved(g, several):
    """'rose from 8.05 % to 57.00 %' for one run; for several, each run's, named by its seed
    (or its setting, where the group spans settings): 'rose from 7.31 % to 93.64 % in seed 0
    and from 58.41 % to 93.94 % in seed 1'."""
    if len(g) == 1:
        r = g.iloc[0]
        return _moved(r.first_test_acc, r.last_test_acc)
    one_setting = g[["lr", "lr_decay"]].drop_duplicates().shape[0] == 1
    moves = [(_moved(r.first_test_acc, r.last_test_acc),
              f"seed {r.seed}" if one_setting else _run_label(r, several))
             for r in g.itertuples()]
    verbs = {m.split(" ", 1)[0] for m, _ in moves}
    if len(verbs) == 1 and verbs <= {"rose", "fell"}:  # the verb once
        return verbs.pop() + " " + prose.names(
            [f"{m.split(' ', 1)[1]} in {who}" for m, who in moves])
    return prose.names([f"{m} in {who}" for m, who in moves])


def _accuracy_at(g, several):
    """'rose from 8.05 % to 57.00 % at lr 1e-06, decay 1, above the chance band', a group of
    runs that the accuracy reads alike at once."""
    _, acc = _learning_rules(g.iloc[0])
    where = ("" if acc is None else ", within the chance band" if acc else
             ", above the chance band")
    # several runs are each named by _accuracy_moved (by seed, or by run across settings)
    if len(g) == 1:
        at = f" at {_run_label(g.iloc[0], several)}"
    elif g[["lr", "lr_decay"]].drop_duplicates().shape[0] == 1:
        at = f" at lr {g.lr.iloc[0]:g}, decay {g.lr_decay.iloc[0]:g}"
    else:
        at = ""
    return f"{_accuracy_moved(g, several)}{at}{where}"


def _readings(g, several):
    """One sentence on what each rule says of a group of runs that the rules read alike
    (_alike), joined by 'while' where the two rules disagree."""
    r = g.iloc[0]
    loss, acc = _learning_rules(r)
    one = len(g) == 1
    run, runs, it = (("the run", "the run does", "it") if one else
                     ("these runs", "these runs do", "they"))
    drop = f"{100 * NO_LEARNING_DROP:g} %"
    if loss is None:
        loss_text = "the training loss has no finite fall (the loss rule cannot be read)"
    else:
        falls = list(100 * g.loss_drop)
        moved = (f"fell by {_span(falls, _fall)}" if min(falls) >= 0 else
                 f"rose by {_span([-x for x in falls], _fall)}" if max(falls) < 0 else
                 f"changed by {_span([-x for x in falls], _fall)}")
        loss_text = f"the training loss {moved} " + (
            f"(less than {drop}, so {runs} not learn by the loss rule)" if loss else
            f"({drop} or more, so {run} learn{'s' if one else ''} by the loss rule)")
    if acc is None:
        acc_text = "the test accuracy was not recorded"
    else:
        acc_text = f"the test accuracy {_accuracy_moved(g, several)} " + (
            f"(within the chance band, so {it} do{'es' if one else ''} not learn by the "
            "accuracy)" if acc else
            f"(above the chance band, so {it} learn{'s' if one else ''} by the accuracy)")
    disagree = None not in (loss, acc) and loss != acc
    if one:
        return f"At {_group_label(g, several)}, {loss_text} {'while' if disagree else 'and'} " \
               f"{acc_text}."
    # several runs name their accuracies one by one: the accuracy in a sentence of its own
    return (f"At {_group_label(g, several)}, {loss_text}. {'Yet t' if disagree else 'T'}"
            f"{acc_text[1:]}.")


def _fall(x):
    return f"{x:.2f} %" if abs(x) < 1e4 else f"{x:.3g} %"  # a blow-up's rise, not 34 digits


LOSS_FALL = ("fall of the training loss from the first record to the last, as a percentage of "
             "the first")


def learning_claim(rows, expectation):
    """The remark that a rate this low may not learn, read by two rules that can disagree: the
    fall of the training loss (RULES["does not learn"]) and the test accuracy against the
    chance band (RULES["above chance"]). Where the two agree in every run, the verdict is
    theirs, observed run by run; where they disagree in a run, it is cannot tell, and the claim
    says what each rule says of each run, one sentence for the runs the rules read alike
    (_alike): never "does not learn" while the test accuracy lies above the chance band. Runs
    are named by their seed where several ran."""
    fall = rows.assign(fall=100 * rows.loss_drop)
    unstable = rows[rows.status.isin(["diverged", "blew up"])]
    if len(unstable):  # a loss that runs away overshoots: the remark is about too small a step
        runs = "; ".join(f"lr {r.lr:g}, decay {r.lr_decay:g}"
                         + (f", seed {r.seed}" if rows.seed.nunique() > 1 else "")
                         + f": {r.status}" for r in unstable.itertuples())
        c = claims.values_only(
            _by_setting(fall, "fall"), f"Expected: {expectation} Measured, {LOSS_FALL}",
            fmt=_fall, source=SWEEP_SOURCE,
            note=f"{len(unstable)} of {len(rows)} runs did not stay stable ({runs}): their "
                 "loss ran away, which is a step too large for these inputs, not too small; "
                 "whether this rate is too small to learn cannot be read from them. Verdict: "
                 "cannot tell")
        c["evidence"].update(expected=expectation, verdict="cannot tell")
        return c
    read = [_learning_rules(r) for r in rows.itertuples()]
    split = [r for r, (loss, acc) in zip(rows.itertuples(), read)
             if None not in (loss, acc) and loss != acc]
    several = rows.seed.nunique() > 1
    # the band's value; its definition is the answer's to give (RULES["above chance"])
    band = f"the chance band reaches {prose.pct(rows.chance_band.iloc[0])}"
    what = LOSS_FALL
    if not split:
        accuracy = "; ".join(_accuracy_at(g, several) for g in _alike(rows))
        return _observation(
            expectation, _by_setting(fall, "fall"),
            f"{what} (over the same records the test accuracy {accuracy}; {band})",
            lambda x: x < 100 * NO_LEARNING_DROP,
            f"a fall under {100 * NO_LEARNING_DROP:g} %, the test accuracy within the chance "
            f"band where recorded: does not learn {_iterations(rows, None)} by both rules",
            True, fmt=_fall, source=SWEEP_SOURCE)
    where = "" if len(rows) == 1 else f" in {len(split)} of the {len(rows)} runs"
    c = claims.rule(
        "; ".join(_by_setting(fall, "fall")), list(fall.fall),
        f"Expected: {expectation} Measured, {what} ({band})", False,
        "the remark is borne out where the loss rule and the test accuracy both say a run "
        "does not learn, refuted where both say it learns, and cannot be told where they "
        f"disagree. Loss rule: {RULES['does not learn']}; accuracy: learns when "
        f"{RULES['above chance']}", "",
        f"the two rules disagree{where} {_iterations(rows, None)}. "
        + " ".join(_readings(g, several) for g in _alike(rows))
        + " Verdict: cannot tell; the remark neither borne out nor refuted",
        fmt=_fall, source=SWEEP_SOURCE)
    c["evidence"].update(verdict="cannot tell", holds=None)
    return c


def _lrs(rates):
    """'lr 0.1 and 0.01'."""
    return "lr " + prose.names([f"{lr:g}" for lr in rates])


def _decay_scope(sweep):
    """What the sweep holds for the decay remark: (runs without decay, decayed runs, the rates
    unstable without decay (a spike, RULES["spike"]), those of them with decayed runs, and the
    words for where the decay ran, which rates are unstable and whether that measures it)."""
    plain = sweep[np.isclose(sweep.lr_decay, 1.0)]
    decayed = sweep[sweep.lr_decay < 1]
    unstable = sorted({lr for lr, g in plain.groupby("lr") if (g.spikes > 0).any()},
                      reverse=True)
    measured = [lr for lr in sorted(set(decayed.lr), reverse=True) if lr in unstable]
    ran = ("no run has a decay factor below 1" if decayed.empty else ", ".join(
        f"decay {d:g} {'ran ' if i == 0 else ''}at {_lrs(g.lr.unique())}"
        for i, (d, g) in enumerate(decayed.groupby("lr_decay", sort=False))))
    has = "has" if len(unstable) == 1 else "have"
    if plain.empty:
        words = f"{ran}, but no run without decay shows which rates are unstable"
    elif measured:
        words = (f"{ran}; {_lrs(unstable)} {has} a spike without decay, so the decayed runs "
                 f"at {_lrs(measured)} measure the remark")
    elif not unstable:
        words = f"{ran}, but no rate has a spike without decay"
    elif decayed.empty:
        words = f"{ran}; {_lrs(unstable)} {has} a spike without decay"
    else:
        words = (f"{ran}, but only {_lrs(unstable)} {has} a spike without decay, and no decayed "
                 f"run is at {'that rate' if len(unstable) == 1 else 'those rates'}")
    return plain, decayed, unstable, measured, words


NOT_MEASURED = "so the remark is not measured here"


def decay_not_measured(sweep):
    """Why this sweep cannot test the decay remark, or None where it can (a decayed run at a
    rate unstable without decay): the appendix then lists the remark as not reproduced, with
    this reason, rather than linking an answer that measures nothing."""
    if sweep is None or not len(sweep):
        return "no linear sweep ran"
    *_, measured, words = _decay_scope(sweep)
    return None if measured else words


def _rate_arms(rows, column):
    """{'lr 0.05 (blew up)': [value per run]} per rate of `rows`. Where some settings are one
    run over their seeds (distinct_runs: column 'seeds') the arms would mix units (one merged
    run beside four distinct ones): each arm then names its seeds, '(blew up, 4 seeds)', and
    gives one value where its runs agree."""
    merged = "seeds" in rows and (rows.seeds > 1).any()
    arms = {}
    for lr, g in rows.groupby("lr", sort=False):
        fate, values = aggregate.status_column(g.status), list(g[column])
        if not merged:
            arms[prose.fated(f"lr {lr:g}", fate)] = values
            continue
        seeds = prose.count(int(g.seeds.sum()), "seed")
        arms[f"lr {lr:g} ({seeds})" if fate == "ok" else f"lr {lr:g} ({fate}, {seeds})"] = (
            values[:1] if len(set(values)) == 1 else values)
    return arms


def decay_claims(sweep):
    """The seed's remark that a decay of the rate avoids instability. 'decay': where a decay
    (factor below 1) ran, and the spikes (RULES["spike"]) of the runs without decay, a rate
    being unstable without decay where one of them has a spike; with no decayed run at such a
    rate the claim says the remark is not measured here. 'decay_lr<rate>', for each unstable
    rate with decayed runs: whether those had no spike, observed run by run."""
    if not len(sweep):
        return {}
    plain, decayed, unstable, measured, words = _decay_scope(sweep)
    # what the sweep holds for the remark first, then the spikes it rests on: the list ends
    # the sentence, so that no note follows an arm's own '(mean of 3)'
    rates = _rate_arms(plain, "spikes") if len(plain) else {"decay 1": []}
    found = {"decay": _spike_rule(claims.values_only(
        rates, f"Expected: {DECAY_EXPECTED} Measured: {words}"
        + ("" if measured else f", {NOT_MEASURED}") + f". {SPIKES_WHAT[0].upper()}"
        f"{SPIKES_WHAT[1:]} without decay (factor 1)", _count, SWEEP_SOURCE,
        missing="not run"))}
    for lr in measured:
        found[f"decay_lr{lr:g}"] = decay_rate_claim(lr, _at_lr(decayed, lr), _at_lr(plain, lr))
    return found


def _loss_words(rows):
    """'final training loss 0.2283' (a range over several runs), or '' where not recorded."""
    if "final_train_loss" not in rows or rows.final_train_loss.isna().all():
        return ""
    return f"final training loss {_span(list(rows.final_train_loss.dropna()), _loss4)}"


def _without_decay(plain):
    """'without decay it blew up (final training loss 1.164e+05)': the fates of the runs
    without decay at one rate, with their losses."""
    parts = []
    for fate, g in plain.groupby("status", sort=False):
        loss = _loss_words(g).replace("final", "last finite" if fate == "diverged" else "final")
        verb = _fate_verb(fate)
        spikes = f" with {_span(list(g.spikes), _count)} spikes" if fate == "ok" else ""
        parts.append(f"{verb}{spikes}" + (f" ({loss})" if loss else ""))
    return "without decay it " + " and ".join(parts)


def _fate_verb(status):
    """'ended ok', 'ended stuck', 'diverged', 'blew up'."""
    return f"ended {status}" if status in ("ok", "stuck") else status


def _decayed_run(r, several):
    """What one decayed run (a sweep row) at an unstable rate shows: its spikes, where the last
    one fell (iteration and rate, where the table records it), its fate and final loss."""
    loss = getattr(r, "final_train_loss", float("nan"))
    last = "last finite" if r.status == "diverged" else "final"
    loss = "" if loss != loss else f", {last} training loss {_loss4(loss)}"
    at = getattr(r, "last_spike", float("nan"))
    if r.spikes == 0:
        spikes = "no spike"
    else:
        spikes = f"{int(r.spikes)} spike{'s' if r.spikes != 1 else ''}" + (
            "" if at is None or at != at else f", the last at iteration {int(at)} (its rate "
            f"then {r.lr_last_spike:.3g}), none after it")
    return f"{_run_label(r, several)}: {spikes}; {_fate_verb(r.status)}{loss}"


def decay_rate_claim(lr, decayed, plain):
    """The seed's remark that a decay avoids the instability of a rate, at one rate `lr` that
    has a spike without decay, on its decayed runs (`decayed`) against its runs without decay
    (`plain`): agrees where no decayed run has a spike and every one ended ok (the decay
    avoided the instability from the start); disagrees where a decayed run did not end ok;
    otherwise (every decayed run ended ok, with spikes) partly: the decay ended the
    instability but did not prevent its start. Each run observed, no comparison tested; the
    runs counted as distinct (a setting whose seeds are one run counts once)."""
    several = decayed.seed.nunique() > 1 if "seed" in decayed else False
    ok = decayed.status == "ok"
    calm = ok & (decayed.spikes == 0)
    n = len(decayed)
    runs = "in its one run" if n == 1 else f"in its {n} runs"
    if calm.all():
        verdict, said = "agrees", "no spike and an ok end with the decay"
    elif not ok.all():
        verdict, said = "disagrees", ("it did not end ok" if n == 1 else
                                      "a decayed run did not end ok")
    elif len(plain) and (plain.status != "ok").any():
        verdict, said = "partly agrees", ("the decay ended the instability but did not "
                                          "prevent its start")
    else:
        verdict, said = "disagrees", ("with and without the decay the runs ended ok after "
                                      "spikes: the decay did not remove them")
    measured = "; ".join(_decayed_run(r, several) for r in decayed.itertuples())
    without = f"; {_without_decay(plain)}" if len(plain) else ""
    expectation = f"with a decay, lr {lr:g} is no longer unstable (it has a spike without decay)."
    text = (f"Expected: {expectation} Measured, {SPIKES_WHAT} with the decay: {measured}"
            f"{without}. Verdict: {verdict} {runs}: {said} (observed, not tested)")
    c = claims.rule(f"lr {lr:g}", list(decayed.spikes), f"Expected: {expectation} Measured, "
                    f"{SPIKES_WHAT}", verdict == "agrees",
                    "each decayed run at a rate that has a spike without decay, observed: the "
                    "remark agrees where no decayed run has a spike and each ended ok; it "
                    "partly agrees where each ended ok after spikes while a run without decay "
                    "did not end ok (the decay ended the instability but did not prevent its "
                    "start); it disagrees where a decayed run did not end ok, or where the runs "
                    "with and without decay all ended ok after spikes", "", "", fmt=_count,
                    source=SWEEP_SOURCE)
    c["text"] = c["short"] = text
    c["evidence"].update(verdict=f"{verdict} {runs}", expected=expectation)
    return _spike_rule(c)


def asked_reasons(facts, p=None):
    """{ask: reason} for the asks ASKED links to an answer that this configuration's runs do
    not measure, or that the answer says it cannot settle here (decided from the facts, so a
    configuration that can answer them still counts them answered): the decay remark
    (decay_not_measured), GD against SGD and their processing times where one of them did not
    learn (gd_sgd_unanswerable, Q2), the rate remarks where none gets a verdict
    (lr_remarks_unanswerable), the tick where no run can show it (tick_unanswerable) and the
    CNN's accuracy against the other models' where the ranking resolves no comparison of it
    (cnn_accuracy_unanswerable). The appendix lists them as not reproduced, with the reason;
    `p`: the study's configuration (the sweep's rates), optional."""
    out = {}
    why = facts.get("decay_not_measured")
    if isinstance(why, str):  # None, read back from the facts file as NaN: measured
        out[DECAY_ASK] = (f"not measured in this configuration: {why}; Q3 gives the spikes at "
                          "each rate without decay")
    study = TITLE.split(":")[0]
    answers = {e["ask"]: e.get("answer", "") for e in ASKED}
    lead = gd_sgd_unanswerable(facts)
    # (ask, reason, the ask whose linked question gives it)
    for ask, reason, at in (
            (GD_SGD_ASK, lead and f"{lead}, so GD and SGD are not compared", GD_SGD_ASK),
            (TIME_ASK, lead and f"{lead}, so their processing times are not compared; the "
                                "figure plots each run's", GD_SGD_ASK),
            (LR_ASK, lr_remarks_unanswerable(facts, p), LR_ASK),
            (TICK_ASK, tick_unanswerable(facts), TICK_ASK),
            (CNN_ASK, cnn_accuracy_unanswerable(facts), CNN_ASK)):
        if reason:
            q = answers[at].rsplit("-q", 1)[-1]
            out[ask] = f"asked, not answerable here: {reason} (see {study}, Q{q})"
    return out


def _records_of(facts, key, columns=None):
    """A table the facts hold as records, or None where the facts do not hold it."""
    rows = facts.get(key)
    if not isinstance(rows, list):
        return None
    return pd.DataFrame(rows, columns=columns) if columns else pd.DataFrame(rows)


def gd_sgd_unanswerable(facts):
    """The fates that keep these runs from telling which of GD and SGD reaches the loss first,
    or how long each takes (a variant none of whose runs ended ok is not timed against one that
    learned: fate_lead), or None."""
    gs = _records_of(facts, "gd_sgd")
    if gs is None or gs.empty or "variant" not in gs:
        return None
    return fate_lead(gs) or None


def _not_resolved(ev):
    """'not resolved (4 and 2 runs)' or 'not separated (p = 0.31)': a ranking's verdict on
    its best against its runner-up, which did not separate them."""
    n = {a["arm"]: a["n"] for a in ev.get("arms", [])}
    if ev.get("testable") and ev.get("p") is not None:
        return f"not separated (p = {ev['p']:.2g})"
    return f"not resolved ({n.get(ev['best'])} and {n.get(ev['runner_up'])} runs)"


def cnn_accuracy_unanswerable(facts):
    """Why the ranking of test accuracy (accuracy_ranking, Q4) sets the CNN's against no other
    model's, or None where it resolves the CNN against the best or the runner-up: no CNN run,
    or one, ended ok (no spread, not ranked); no other model has the two runs a ranking needs;
    the one comparison it tests leaves the CNN out, or is not resolved."""
    found = facts.get("claims")
    c = found.get("test_accuracy") if isinstance(found, dict) else None
    if not isinstance(c, dict):
        return None
    ev, cnn = c.get("evidence", {}), MODEL_LABELS["cnn"]
    pair = [ev.get("best"), ev.get("runner_up")]
    if cnn in pair and ev.get("separated") is True:
        return None
    n = {a["arm"]: a["n"] for a in ev.get("arms", [])}.get(cnn, 0)
    if not n:
        why = "no CNN run ended ok, so the CNN is not ranked"
    elif n == 1:
        why = "the CNN has one run that ended ok, so no spread, and it is not ranked"
    elif None in pair:
        why = "no other model has two runs or more that ended ok, so none is ranked against it"
    else:
        best, second = ("the CNN" if a == cnn else a for a in pair)
        why = (f"the one comparison the ranking tests, {best} against {second}, is "
               f"{_not_resolved(ev)}" if cnn in pair else
               f"the one comparison the ranking tests is {best} against {second}")
    return f"{why}: the CNN's test accuracy is not set against the other models'"


def _decided(c):
    """Whether a remark's claim gives it a verdict (agrees or disagrees, borne out): not a
    'cannot tell', a 'not borne out, nor refuted' or values only."""
    ev = c.get("evidence", {})
    verdict = ev.get("verdict")
    if isinstance(verdict, str):
        return not verdict.startswith("cannot tell")
    return ev.get("kind") == "rule" and ev.get("holds") is True


def lr_remarks_unanswerable(facts, p=None):
    """Why no remark of the seed's on the rate (0.1 to 1e-6) is settled here, or None where one
    of them gets a verdict: the remarks at rates the sweep does not run are not tested, and
    those it runs may get none (a 'might' with no spike, no spikes at 0.001 nor 0.01, the two
    rules on learning disagreeing)."""
    found = facts.get("claims")
    if not isinstance(found, dict):
        return None
    absent, open_ = [], []
    for key in a4text.LR_REMARKS:
        keys = [k for k in found if k == key or k.startswith(f"{key}_decay")]
        if any(_decided(found[k]) for k in keys):
            return None
        (open_ if keys else absent).append(key)
    words = a4text.REMARK_WORDS

    rates = {**{k: lr for k, (lr, _) in LR_EXPECTED.items()}, **(facts.get("lr_expected") or {})}

    def at(keys):
        return prose.names([f"{a4text._num(rates[k])} ({words[k]})" for k in keys])
    sweep = _records_of(facts, "sweep")
    lrs = (p["sweep"]["lrs"] if p and p.get("sweep") else
           sorted(set(sweep.lr), reverse=True) if sweep is not None and "lr" in sweep else [])
    parts = []
    if absent:
        parts.append(f"the seed's remarks at lr {at(absent)} are not tested, the sweep running "
                     f"lr {prose.names([a4text._num(x) for x in lrs])}" if lrs else
                     f"the seed's remarks at lr {at(absent)} are not tested")
    if open_:
        parts.append(f"at lr {at(open_)} these runs neither bear the remark out nor refute it")
    return "; ".join(parts)


def tick_unanswerable(facts):
    """Why no run here can show a tick, or None where one can (a run the rule applies to with
    records after its lowest held-out loss: the rule reads its rise)."""
    ticks = _records_of(facts, "ticks", TICK_COLUMNS)
    if ticks is None:
        return None
    if ticks.empty:
        return "no run recorded a held-out curve"
    ok = ticks[ticks.tick.notna()]
    if ok.empty:
        return "no run the tick rule applies to (each did not end ok or had fewer than two records)"
    if (pd.to_numeric(ok.records_after_min) > 0).any():
        return None
    return ("every run the tick rule applies to still had its lowest held-out loss at its last "
            f"record{_budgets(ok.family, facts.get('tick_budgets'))}, so no rise could show "
            "within this budget")


def _rise(x):
    return f"{100 * x:+.1f} %"


def _tick_at(r):
    return (f"{r.run} (lowest {r.split} loss at update {r.min_step:,.0f}, pass {r.min_epoch:.0f}; "
            f"from there to the last record loss {100 * r.loss_rise:+.1f} %, accuracy "
            f"{100 * r.acc_rise:+.2f} points)")


def _left_out(g):
    """'all 4 seeds of lr 0.05, decay 1, which blew up': the runs the rule skips in a family, by
    setting and why, each setting with the seeds it stands for, so that the count is of
    settings like the count of the runs the rule applies to (_applied), not of seeds beside
    settings."""
    why = {"ok": "had fewer than two records", "stuck": "ended stuck"}
    skipped = g[g.tick.isna()].assign(why=lambda d: [why.get(s, s) for s in d.status])
    parts = []
    for (run, words), h in skipped.groupby(["run", "why"], sort=False):
        seeds = int(h.seeds.sum()) if "seeds" in h else len(h)
        of_run = int(g.seeds[g.run == run].sum()) if "seeds" in g else int((g.run == run).sum())
        if seeds < of_run:  # some of the setting's seeds: named
            ids = prose.names([str(x) for x in h.seed])
            who = f"{run}, seed{'s' if len(h) > 1 else ''} {ids}"
        else:
            who = f"all {seeds} seeds of {run}" if seeds > 1 else run
        parts.append(f"{who}, which {words}")
    return "; ".join(parts)


def _applied(ok):
    """'6 settings the rule applies to, each one run of 4 seeds' where every run the rule
    applies to is a setting whose seeds are one run (distinct_runs), else '4 runs the rule
    applies to' (with how many of them stand for several seeds)."""
    merged = ok[ok.seeds > 1] if "seeds" in ok else ok.iloc[:0]
    n = len(ok)
    if merged.empty:
        return f"{prose.count(n, 'run')} the rule applies to"
    seeds = prose.names(sorted({str(int(x)) for x in merged.seeds}))
    if len(merged) == n:
        return (f"{prose.count(n, 'setting')} the rule applies to, "
                f"{'its' if n == 1 else 'each'} one run of {seeds} seeds")
    return (f"{prose.count(n, 'run')} the rule applies to, {len(merged)} of them one run of "
            f"{seeds} seeds each")


def _budgets(families, budgets):
    """' (the linear classifier 60 iterations, ...; the seed: 300 and 300)' for `families`."""
    present = [f for f in (budgets or {}) if f in set(families)]
    if not present:
        return ""
    have = ", ".join(f"the {f} {prose.count(int(budgets[f][0]), budgets[f][2], budgets[f][3])}"
                     for f in present)
    return f" ({have}; the seed: {prose.names([f'{budgets[f][1]:,}' for f in present])})"


def _at_last(ok, budgets):
    """How many of the runs the rule applies to had their lowest held-out loss at the last
    record: those show no rise within their budget (which says nothing of a rise after it) and
    cannot test the remark."""
    n, k = len(ok), int((ok.records_after_min == 0).sum())
    scope = _budgets(ok.family, budgets)
    once = _once_by_family(ok)
    among = f" ({once})" if once else ""  # the runs counted, where seeds were merged
    if n == 1:
        head = ("In the one run that ended ok the held-out loss was " + (
            f"still at its lowest at the last record{scope}: no rise within this budget, so it "
            "cannot test the remark; it neither confirms nor refutes it" if k else
            f"lowest before the last record{scope}: the rule reads its rise"))
    elif k == n:
        head = (f"In every run that ended ok ({n}{'; ' + once if once else ''}) the held-out "
                f"loss was still at its lowest at the last record{scope}: no rise within this "
                "budget, so these runs cannot test the remark; they neither confirm nor refute "
                "it")
    elif k:
        head = (f"In {k} of the {n} runs that ended ok{among} the held-out loss was still at "
                f"its lowest at the last record{scope}: no rise within this budget, so those "
                f"{k} cannot test the remark; the rule reads the rise of the other {n - k}")
    else:
        head = (f"In none of the {n} runs that ended ok{among} was the held-out loss lowest at "
                f"the last record{scope}: each has records after its lowest, and the rule "
                "reads their rise")
    arms = {(r if f == r else f"{f}, {r}"): list(g.records_after_min)
            for (f, r), g in ok.groupby(["family", "run"], sort=False)}
    c = claims.values_only(arms, f"{head}. Records after the lowest held-out loss, per run "
                           "that ended ok", _records, TICK_SOURCE)
    if k == n:  # every count is 0, as the sentence says: the list is the evidence's
        c["text"] = head
    return c


def _counted_once(rows):
    """'; at 5 settings the 2 seeds give one run, counted once' (distinct_runs)."""
    same = rows[rows.seeds > 1] if "seeds" in rows else rows.iloc[:0]
    if same.empty:
        return ""
    where = ("at its one setting" if len(same) == 1 and len(rows) == 1 else
             f"at {prose.count(len(same), 'setting')}")
    return f"; {where} the {int(same.seeds.max())} seeds give one run, counted once"


def _once_by_family(rows):
    """'the linear classifier's 2 seeds give one run at each of its 5 settings, counted once'
    where some of `rows` stand for several seeds (distinct_runs)."""
    if "seeds" not in rows or not (rows.seeds > 1).any():
        return ""
    parts = []
    for family, g in rows[rows.seeds > 1].groupby("family", sort=False):
        n_family = int((rows.family == family).sum())
        where = (f"at each of its {len(g)} settings" if len(g) == n_family and len(g) > 1
                 else f"at {prose.count(len(g), 'setting')}")
        parts.append(f"the {family}'s {int(g.seeds.max())} seeds give one run {where}")
    return f"{prose.names(parts)}, counted once"


def _records(x):
    """'3 records'; a mean over runs keeps its fraction ('0.33 records', not '0')."""
    count = f"{x:,.0f}" if x == int(x) else f"{x:.2g}"
    return f"{count} record" + ("" if x == 1 else "s")


def tick_claims(ticks, budgets=None):
    """The tick rule (RULES["tick"]) for each family of runs: the rise of its held-out loss
    from the minimum to the last record, run by run, and the runs where the rule holds, with
    where; runs that did not end ok are left out (named by the count and their fates), and a
    family none of whose runs the rule applies to says so (holds: None, not applied).
    'ticks_at_last': how many of the runs it applies to were still at their lowest loss at the
    last record, with their budgets (`budgets`, tick_budgets) against the seed's."""
    found = {}
    if ticks is None or not len(ticks):
        return found
    # a setting whose seeds are one run (its held-out losses agree) counts once
    ticks = distinct_runs(ticks, ["family", "run"], "last_loss", "last_acc")
    for family, g in ticks.groupby("family", sort=False):
        ok = g[g.tick.notna()]
        hits = ok[ok.tick.astype(bool)]
        split = " and ".join(sorted(set(g.split), reverse=True))
        key = "tick_" + family.lower().replace(" ", "_").replace("-", "_")
        what = f"Rise of the {split} loss from its lowest record to the last"
        if ok.empty:
            c = claims.values_only({family: []}, what, source=TICK_SOURCE,
                                   missing=f"not applied (left out: {_left_out(g)})")
            c["evidence"].update(rule=RULES["tick"], holds=None)
            found[key] = c
            continue
        left = "" if len(ok) == len(g) else f"; left out: {_left_out(g)}"
        # the copies are counted once, in settings where each is one run (_applied)
        what = f"{what} ({_applied(ok)}{left})"
        yes = "a tick in " + "; ".join(_tick_at(r) for r in hits.itertuples())
        no = f"no tick in {'its' if len(ok) == 1 else 'any of its'} {prose.count(len(ok), 'run')}"
        c = found[key] = claims.rule(family, list(ok.loss_rise), what, len(hits) > 0,
                                     RULES["tick"] + _counted_once(ok), yes, no, fmt=_rise,
                                     source=TICK_SOURCE)
        # the sentence gives the range of the rises (9 runs at '+0.0 %' are one number); the
        # evidence keeps each run's
        shown = _span(list(ok.loss_rise), _rise).replace("–", " to ")
        c["text"] = f"{what}, {family}: {shown}: {yes if len(hits) else no} by the rule"
    ok = ticks[ticks.tick.notna()]
    if len(ok):
        found["ticks_at_last"] = _at_last(ok, budgets)
    return found


SGD_FEWER_PASSES = ("per pass, SGD updates the weights once per batch where GD updates them "
                    "once, so with a summed step per pass no smaller than GD's step (the "
                    "seed's: {updates} × {sgd_lr:g} = {step_sum:g}, GD's {gd_lr:g}) it reaches "
                    "a given loss in fewer passes (the seed's finding); with a smaller summed "
                    "step the arithmetic does not predict it.")


def updates_per_pass_words(d):
    """'5,400 / 500 = 10.8, so 11 (the last batch 400 images)', or '50,000 / 500 = 100'."""
    n, b, k = d["train_images"], d["batch"], d["updates"]
    if n % b == 0:
        return f"{n:,} / {b:,} = {k:,}"
    return f"{n:,} / {b:,} = {n / b:.3g}, so {k:,} (the last batch {d['last_batch']:,} images)"


def step_premise(pp):
    """The premise of the seed's 'SGD needs fewer passes', checked on the configuration before
    the expectation is posed: SGD's summed step per pass (its updates per pass × its rate, at
    the starting rates; both decay alike) no smaller than GD's one step. Where it fails, the
    expectation predicts nothing here and gets no verdict; the claim says why. The arithmetic
    is said here once: the sentence gives the sums, the rule how the updates are counted."""
    run, seed = pp["run"], pp["seed"]
    holds = run["step_sum"] >= run["gd_lr"] * (1 - 1e-12)
    seed_sum = f"{seed['updates']:,} × {seed['sgd_lr']:g} = {seed['step_sum']:.3g}"
    expectation = "the seed's expectation that SGD needs fewer passes"
    c = claims.rule(
        "SGD's summed step per pass", [run["step_sum"]],
        f"Against GD's one step of lr {run['gd_lr']:g} per pass", holds,
        "SGD updates the weights once per batch, GD once per pass. Updates per pass: here "
        f"{updates_per_pass_words(run)}; in the seed {updates_per_pass_words(seed)}. SGD lr "
        f"{run['sgd_lr']:g} (the seed's {seed['sgd_lr']:g}), GD lr {run['gd_lr']:g} (the seed's "
        f"{seed['gd_lr']:g}); both rates are multiplied by the same decay after each pass, so "
        "the comparison at the starting rates holds at every pass. The seed's expectation that "
        "SGD reaches a given loss in fewer passes rests on SGD's summed step per pass (updates "
        "per pass × lr) being no smaller than GD's one step; where it is smaller the arithmetic "
        "predicts nothing, and the expectation is not scored",
        f"no smaller (the seed's: {seed_sum}), so {expectation} applies",
        f"smaller, where the seed's was {seed_sum}, so {expectation} does not apply and gets "
        "no verdict",
        fmt=lambda x: f"{run['updates']:,} × {run['sgd_lr']:g} = {x:.3g}", source=GD_SGD_SOURCE)
    c["short"] = (f"SGD's summed step per pass is {'no smaller than' if holds else 'smaller than'}"
                  f" GD's ({run['step_sum']:.3g} against {run['gd_lr']:g}), so {expectation} "
                  + ("applies" if holds else "gets no verdict"))
    return c


def not_learned(gs):
    """The variants ('gd', 'sgd', in that order) none of whose runs ended ok: such a network
    did not learn, so its time to the stated loss is no result to set against the other's."""
    return [v for v in ("gd", "sgd") if v in set(gs.variant)
            and not (gs.status[gs.variant == v] == "ok").any()]


def _variant_fates(v, statuses):
    """'both SGD runs ended stuck', 'the GD run ended ok', 'every SGD run ended stuck' (3 or
    more), "GD's runs ended 1 ok, 1 stuck"."""
    kinds = list(dict.fromkeys(statuses))
    name = v.upper()
    if len(kinds) > 1:
        return f"{name}'s runs ended " + ", ".join(f"{statuses.count(k)} {k}" for k in kinds)
    runs = ("the {} run" if len(statuses) == 1 else "both {} runs" if len(statuses) == 2
            else "every {} run").format(name)
    return f"{runs} ended {kinds[0]}"


def fate_lead(gs):
    """'both SGD runs ended stuck and both GD runs ended ok': the fates of the two-layer runs,
    the variants that did not learn (not_learned) first; '' where both learned."""
    off = not_learned(gs)
    if not off:
        return ""
    order = off + [v for v in ("gd", "sgd") if v not in off and v in set(gs.variant)]
    return " and ".join(_variant_fates(v, list(gs.status[gs.variant == v])) for v in order)


def gd_sgd_claims(gs, target, constant=None, per_pass=None):
    """GD against SGD to the stated loss, in passes and in seconds, and the seed's expectation
    that SGD needs fewer passes where its premise holds (step_premise on `per_pass`). Where
    the runs of one variant all failed to end ok (not_learned), the times are values only and
    the short form (a summary line) leads with the fates: a network that did not learn is not
    compared with one that did, and the expectation is not scored. Where the stated loss lies
    above a constant output's (`constant`, mean_fit_only), each claim says so: briefly in its
    sentence (the answer explains it once), in full in its short form and its evidence."""
    found = {}
    by = {v: g.set_index("seed") for v, g in gs.groupby("variant")}
    if not {"gd", "sgd"} <= set(by):
        return found
    void = mean_fit_only(target, constant)
    lead = fate_lead(gs)
    for column, unit in (("passes_to_target", "passes"), ("seconds_to_target", "seconds")):
        what = f"Two-layer network, {unit} until the training loss first reaches {target:.4f}"
        if lead:
            c = claims.values_only(
                {"GD": by["gd"][column], "SGD": by["sgd"][column]}, what,
                fmt=lambda x, u=unit: _amount(x, u), source=GD_SGD_SOURCE, missing="never")
            c["short"] = (f"{lead[0].upper()}{lead[1:]}, so GD and SGD are not compared on the "
                          f"{unit} to the stated loss")
            c["evidence"]["rule"] = (f"values only: {lead}, so GD and SGD are not compared "
                                     "(a network that did not learn is not timed against one "
                                     "that did)")
        else:
            brief = f"{what} (above a constant output's loss, {constant:.4f})" if void else what
            c = claims.difference(
                "GD", by["gd"][column], "SGD", by["sgd"][column], brief,
                fmt=lambda x, u=unit: _amount(x, u), source=GD_SGD_SOURCE,
                diff_fmt=lambda d, u=unit: _signed(d, u))
        if void:  # what voids it: in full where the answer's explanation is not at hand
            why = (f"the stated loss lies above the loss of a constant output "
                   f"({constant:.4f}), so {MEAN_FIT_ONLY}")
            c["evidence"]["rule"] += f"; {why}"
            if not lead:  # a comparison the summary states; with no comparison, nothing to void
                # the short form says it in full, once: not the sentence's brief mention too
                c["short"] = what + c["short"].removeprefix(brief) + f"; {why}"
        found[f"gd_sgd_{unit}"] = c
    if per_pass:
        found["sgd_step_premise"] = step_premise(per_pass)
    if not lead and (not per_pass or found["sgd_step_premise"]["evidence"]["holds"]):
        name = "SGD reaches the stated loss in fewer passes than GD"
        c = found["sgd_fewer_passes"] = claims.mechanism(
            SGD_FEWER_PASSES.format(**seed_pass()), found["gd_sgd_passes"],
            expected_sign=1, name=name)
        # the measurement's short form holds parentheses of its own ('(3 and 3 runs)'): set
        # after the verdict, not inside another parenthesis
        c["short"] = (f"{name}: {c['evidence']['verdict']}; "
                      f"{claims.mid_sentence(found['gd_sgd_passes']['short'])}")
    return found


MODEL_LABELS = {"gd": "two-layer GD", "sgd": "two-layer SGD", "cnn": "CNN"}  # and the linear


def _ranking_scope(tested, distinct, labels):
    """'linear: 2 seeds, one run; CNN: 1 of 2 runs stuck': the runs a ranking over the runs
    that ended ok stands on (as HW5 ranks its rates), short, for the claim's parenthesis (the
    answer on the sweep says why seeds can be one run)."""
    parts = []
    for name, label in labels.items():
        statuses = list(tested.status[tested.name == name])
        bad = [(f, statuses.count(f)) for f in aggregate.STATUSES if f != "ok" and f in statuses]
        if bad and len(statuses) == 1:
            parts.append(f"{label}: its one run {bad[0][0]}")
        elif bad:
            parts.append(f"{label}: " + ", ".join(f"{k} of {len(statuses)} runs {f}"
                                                  for f, k in bad))
        seeds = distinct.seeds[distinct.name == name]
        if len(seeds) and seeds.max() > 1:
            parts.append(f"{label}: {int(seeds.max())} seeds, one run")
    return "; ".join(parts) if parts else "every run ended ok"


def accuracy_ranking(tested, main):
    """Test accuracy across the models over each model's runs that ended ok (a stuck run's
    accuracy is chance's, not the model's), runs whose seeds are one run counted once
    (distinct_runs on the test loss), the counts in the claim; `tested`: one row per run with
    a test accuracy (name, seed, status, test_acc, test_loss)."""
    labels = {main: "linear", **MODEL_LABELS}
    tested = tested[tested.name.isin(list(labels))]
    ok = tested[tested.status == "ok"]
    distinct = distinct_runs(ok, ["name"], "test_loss", "test_acc")
    # the unequal budgets and models are the answer's to say, once, before this claim
    c = claims.ranking(
        {label: list(distinct.test_acc[distinct.name == n]) for n, label in labels.items()
         if n in set(tested.name)},
        "Test accuracy over each model's runs that ended ok "
        f"({_ranking_scope(tested, distinct, labels)})", source="tables/assignment4_runs.csv")
    # an arm of one run is listed aside, never set above or below another (it has no spread)
    return c


def claims_for(gs, sweep, tested, main, target, ticks=None, budgets=None, constant=None,
               per_pass=None):
    """The section's claims: GD against SGD to the stated loss (passes, seconds) and the
    seed's expectation where its premise holds (step_premise on `per_pass`), the stated loss
    against a constant output's (`constant`), its remarks on the rate and the decay
    (lr_claims) and what the sweep shows of them (effect_claims), the tick rule on every
    held-out curve (tick_claims, `budgets` the runs' budgets), test accuracy across the models
    (accuracy_ranking; `tested`: one row per run with a test accuracy, or None)."""
    found = gd_sgd_claims(gs, target, constant, per_pass)
    if constant is not None and target == target:
        found["target_constant"] = target_claim(target, constant)
    found.update(effect_claims(sweep))
    found.update(lr_claims(sweep))
    found.update(tick_claims(ticks, budgets))
    if tested is not None and len(tested):
        found["test_accuracy"] = accuracy_ranking(tested, main)
    return found


def table_facts(tt, sweep, gs, cnn, ticks=None):
    """The small tables the answers walk through, whole (the templates: the classes whose
    template matches another class's mean image best), the rules they were measured by, and
    why the sweep cannot test the decay remark (None where it can; decay_not_measured)."""
    ticks = pd.DataFrame(columns=TICK_COLUMNS) if ticks is None else ticks
    raw = tt.reindex(columns=["class", "r_own", "r_own_raw", "r_other_max_raw",
                              "best_other_raw", "raw_own_is_best"])
    return {"template_misses": records(tt[~tt.own_is_best.astype(bool)]),
            # per class, its template's r with the mean images as they are (the raw match)
            "template_raw": records(raw), "resembles_r": RESEMBLES_R,
            "sweep": records(sweep), "gd_sgd": records(gs), "cnn": records(cnn),
            "ticks": records(ticks), "rules": RULES,
            "lr_expected": {k: lr for k, (lr, _) in LR_EXPECTED.items()},
            "decay_not_measured": decay_not_measured(sweep)}


TESTED = ["name", "seed", "status", "test_acc", "test_loss"]


def facts(runs_, tt, sweep, gs, cnn, p, main, target, info, ticks=None):
    tested = runs_[runs_.test_acc.notna()]  # every run with a test accuracy, fates beside
    acc = {n: float(g.test_acc.mean()) for n, g in tested.groupby("name")}
    fate = {n: aggregate.status_column(g.status) for n, g in runs_.groupby("name")}
    setting = setting_facts(p, info)
    found = claims_for(gs, sweep, tested[TESTED], main, target, ticks,
                       setting["tick_budgets"], setting["constant_loss"], setting["per_pass"])
    # the budgets as set: a diverged run's steps are where it stopped, not what it was given
    steps = runs_[runs_.status != "diverged"].groupby("name").steps.mean()
    budgets = {"cnn_steps": float(steps.get("cnn", float("nan"))),
               "linear_iterations": float(p["linear"]["iterations"]),
               "two_layer_passes": int(gs.passes.max()) if len(gs) else None}
    return {"main": main, "target_loss": target, "claims": found, "budgets": budgets,
            **table_facts(tt, sweep, gs, cnn, ticks), **setting,
            "own_best": int(tt.own_is_best.sum()), "classes": len(tt),
            "r_own_mean": float(tt.r_own.mean()), "r_other_mean": float(tt.r_other_mean.mean()),
            "raw_own_best": int(tt.raw_own_is_best.sum()),
            "test_acc": acc, "fate": fate, "dataset": info.get("title"), "seeds": p["seeds"],
            "test_runs": records(tested[TESTED]), "sweep_copies": copies_facts(sweep),
            "unpaired": unpaired_settings(sweep),
            "statuses": dict(zip(runs_.name + "/" + runs_.seed.astype(str), runs_.status)),
            "cnn_formula_seed": int(cnn.formula.iloc[0]), "cnn_formula_run": int(
                cnn.formula.iloc[1]), "cnn_torch_run": cnn.torch.iloc[1],
            "cnn_torch_seed": cnn.torch.iloc[0]}


def section(facts, figs, params, info):
    sec = a4text.section(facts, figs, params, info, NAME, TITLE)
    sec.asked_reasons = asked_reasons(facts, params.get("protocol"))  # read by the appendix
    hidden = coinciding_words(facts.get("cnn_lines") if isinstance(facts.get("cnn_lines"), list)
                              else None)
    fig = next((f for f in sec.figures if f.get("id") == f"{NAME}-fig-cnn"), None)
    if hidden and fig is not None:  # lines drawn one over another: the caption says whose
        fig["caption"] = f"{fig['caption'].rstrip()} {hidden}"
    return sec


SHOWN = a4text.SHOWN
