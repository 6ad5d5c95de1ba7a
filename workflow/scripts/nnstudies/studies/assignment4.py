"""Study 6c: seed 004 (Assignment 4): linear templates, gradient descent against mini-batch SGD,
and the C32-P-C64-P-C64-P-F64-F10 CNN.

The linear classifier and the two-layer sigmoid network are NumPy models with hand-written
gradients (nnstudies/linear_models.py, trainers "linear" and "two_layer"); the CNN is a zoo
model trained by the torch trainer. The prose is in assignment4_text.py, the figures in
assignment4_figures.py.
"""
import math

import numpy as np

from .. import aggregate, claims
from .. import config
from ..config import ConfigError, make_run
from ..data import DATASETS, SCALINGS, load_prepared
from ..models import layer_shapes, parse_layer
from ..runfiles import load_array
from . import assignment4_figures as a4fig
from . import assignment4_text as a4text
from .common import records, write_facts
from ..lazy import lazy_import

pd = lazy_import("pandas")

NAME = "assignment4"
TITLE = "Study 6c: Assignment 4 (seed 004)"
ORDER = 80
CAPTION = ("Study 6c (seed 004, Assignment 4): the linear classifier's curves and weight "
           "templates, its learning-rate and decay sweep, full-batch GD against mini-batch "
           "SGD for the two-layer network (per pass, per update, per second), and the CNN "
           "C32-P-C64-P-C64-P-F64-F10.")
# The seed's settings (its report); the CNN's 100 epochs take hours on one core here.
PROTOCOL = {"dataset": "cifar10", "linear_iterations": 300, "lr": 0.01, "lr_decay": 0.999,
            "reg": 5e-6, "two_layer_iterations": 300, "sgd_lr": 1e-4, "sgd_batch": 500,
            "cnn_epochs": 100, "cnn_lr": 0.001, "cnn_momentum": 0.1, "cnn_batch": 50}
SEED_CNN_PARAMETERS = 122_570  # the seed's Keras summary, on 32x32x3 CIFAR-10
SEED_SHAPE = (3, 32, 32)
TABLES = ["runs", "curves", "templates", "sweep", "gd_sgd", "cnn"]
# The seed's asks this section answers or leaves open (nnstudies/appendix.py): its items 1-4
# and its closing remarks.
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
    {"seed": "004", "ask": "3: SGD against GD: which reaches a given loss earlier",
     "answer": "assignment4-q2"},
    {"seed": "004", "ask": "3: processing time of SGD against GD",
     "answer": "assignment4-fig-gd_sgd_time"},
    {"seed": "004", "ask": "4: CNN C32-P-C64-P-C64-P-F64-F10, its learnable parameters "
     "(122,570)", "answer": "assignment4-table-cnn"},
    {"seed": "004", "ask": "4 Fig. 18: the CNN's losses and accuracies",
     "answer": "assignment4-fig-cnn"},
    {"seed": "004", "ask": "4: the CNN's accuracy against the earlier items'",
     "answer": "assignment4-q4"},
    {"seed": "004", "ask": "4: a higher learning rate makes the CNN overshoot",
     "not_reproduced": "not measured: the CNN runs at one learning rate (0.001); the effect of "
     "the rate is measured on the linear classifier only (Q3)"},
    {"seed": "004", "ask": "Closing remarks: the learning rate from 0.1 to 1e-6 (speed, "
     "overshooting, spikes, getting stuck)", "answer": "assignment4-q3",
     "note": "on the linear classifier, at the configured rates"},
    {"seed": "004", "ask": "Closing remarks: the decay of the learning rate against "
     "instability", "answer": "assignment4-q3"},
    {"seed": "004", "ask": "Closing remarks: a tick-shaped test loss at some rates "
     "(over-fitting)", "not_reproduced": "not yet answered: no rule looks for a turn of the "
     "test loss in these runs"},
    {"seed": "004", "ask": "Closing remarks: SGD is more useful than GD for large images",
     "not_reproduced": "not measured: the runs use one image size"},
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
            "two-layer iterations": (p["two_layer"]["iterations"],
                                     PROTOCOL["two_layer_iterations"]),
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
    # choices the seed does not state, made here: said as assumptions
    out.append(f"{NAME}: two-layer network with {p['two_layer']['hidden']} sigmoid hidden units "
               "(the seed does not give its size)")
    if p["center"]:
        out.append(f"{NAME}: the training mean image subtracted from every input (the seed "
                   "does not show its preprocessing)")
    out.append(f"{NAME}: SGD reshuffles the training set every pass (the seed's code walks it "
               "in a fixed order)")
    return out


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


def formula_parameters(layers, in_shape, n_classes=10):
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
        others = np.delete(r, c)
        rows.append({"class": name, "r_own": r[c], "r_other_mean": others.mean(),
                     "r_other_max": others.max(), "best_match": names[int(r.argmax())],
                     "own_is_best": bool(r.argmax() == c), "r_own_raw": raw[c],
                     "raw_own_is_best": bool(raw.argmax() == c)})
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
    """The loss `fraction` of the way from the higher starting loss to the lowest loss that
    both runs reach (the larger of their minima)."""
    start = max(c.train_loss.iloc[0] for c in curves)
    floor = max(c.train_loss.min() for c in curves)
    return float(start - fraction * (start - floor))


def sweep_table(runs_, curves, grid):
    rows = []
    for lr, decay in grid:
        for r in runs_[runs_.name == linear_name(lr, decay)].itertuples():
            c = curves[(r.name, r.seed)]
            finite = c[np.isfinite(c.train_loss)]
            rises = finite.train_loss.diff()
            rows.append({"lr": lr, "lr_decay": decay, "seed": r.seed, "status": r.status,
                         "iterations": int(c.step.max()), "final_lr": c.lr.iloc[-1],
                         "final_train_loss": finite.train_loss.iloc[-1],
                         "min_train_loss": finite.train_loss.min(),
                         "rises": int((rises > 0).sum()), "largest_rise": rises.max(),
                         "final_test_acc": r.test_acc, "best_test_acc": finite.test_acc.max()})
    return pd.DataFrame(rows)


def hwc(shape):
    """(C, H, W) -> 'H×W×C' as the seed (and Keras) write it."""
    return "×".join(map(str, (*shape[1:], shape[0])))


def flattened(layers, in_shape):
    """The map the last conv/pool layer hands to the first dense layer, as 'H×W×C'."""
    shapes = [s for s in [tuple(in_shape)] + layer_shapes(layers, in_shape) if len(s) == 3]
    return hwc(shapes[-1])


def cnn_table(runs_, layers, dataset, image_shape):
    run_shape = tuple(image_shape) if len(image_shape) == 3 else (1, *image_shape)
    cnn = runs_[runs_.name == "cnn"]
    return pd.DataFrame([
        {"input": hwc(SEED_SHAPE), "data": "CIFAR-10 (the seed's)",
         "formula": formula_parameters(layers, SEED_SHAPE), "torch": float("nan"),
         "seed_reported": SEED_CNN_PARAMETERS, "flattened": flattened(layers, SEED_SHAPE)},
        {"input": hwc(run_shape), "data": f"{dataset} (this run)",
         "formula": formula_parameters(layers, run_shape),
         "torch": float(cnn.parameters.iloc[0]) if len(cnn) else float("nan"),
         "seed_reported": float("nan"), "flattened": flattened(layers, run_shape)}])


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
    sweep = sweep_table(runs_, curves, grid)
    sweep.to_csv(out.table("sweep"), index=False)
    two = p["two_layer"]
    pair = [curves[(n, p["seeds"][0])] for n in ("gd", "sgd")]
    target = two["target_loss"] if two.get("target_loss") is not None else default_target(
        pair, two["target_fraction"])
    gs = gd_sgd_table(runs_, curves, target)
    gs.to_csv(out.table("gd_sgd"), index=False)
    cnn = cnn_table(runs_, params["cnn_layers"], info.get("title", params["dataset"]),
                    info["image_shape"])
    cnn.to_csv(out.table("cnn"), index=False)
    main = linear_name(p["linear"]["lr"], p["linear"]["lr_decay"])
    seed = p["seeds"][0]
    shape = templates.shape[1:]
    a4fig.save_all(out, curves, runs_, main, seed, templates, (means - overall).reshape(
        -1, *shape), names, grid, target, linear_name)
    write_facts(out.facts, facts(runs_, tt, sweep, gs, cnn, p, main, target, info))


GD_SGD_SOURCE = "tables/assignment4_gd_sgd.csv"


def _amount(x, unit):
    return "never" if x is None or x != x else f"{x:,.2f} {unit}"


def claims_for(gs, sweep, test_acc, main, target):
    """The section's claims: GD against SGD to the stated loss (passes, seconds) and the
    seed's expectation, the spikes at lr 0.01, test accuracy across the models; `test_acc` maps
    a run name to its per-seed test accuracies."""
    found = {}
    by = {v: g.set_index("seed") for v, g in gs.groupby("variant")}
    if {"gd", "sgd"} <= set(by):
        for column, unit in (("passes_to_target", "passes"), ("seconds_to_target", "seconds")):
            found[f"gd_sgd_{unit}"] = claims.difference(
                "GD", by["gd"][column], "SGD", by["sgd"][column],
                f"Two-layer network, {unit} until the training loss first reaches "
                f"{target:.4f}", fmt=lambda x, u=unit: _amount(x, u), source=GD_SGD_SOURCE,
                diff_fmt=lambda d, u=unit: f"{d:+,.2f} {u}")
        found["sgd_fewer_passes"] = claims.mechanism(
            "per pass, SGD updates the weights once per batch where GD updates them once, so "
            "it reaches a given loss in fewer passes (the seed's finding).",
            found["gd_sgd_passes"], expected_sign=1,
            name="SGD reaches the stated loss in fewer passes than GD")
    spikes = sweep[sweep.lr == 0.01]
    if len(spikes):
        found["spikes"] = claims.observation(
            "the seed saw some spikes (rises of the training loss) at lr 0.01.",
            {f"lr 0.01, decay {d:g}": list(g.rises) for d, g in spikes.groupby("lr_decay")},
            "rises of the full-batch training loss between records", lambda x: x > 0,
            "at least one rise", True, fmt=lambda x: f"{x:.0f}",
            source="tables/assignment4_sweep.csv")
    found["test_accuracy"] = claims.ranking(
        {label: test_acc[n] for n, label in
         ((main, "linear"), ("gd", "two-layer GD"), ("sgd", "two-layer SGD"), ("cnn", "CNN"))
         if n in test_acc}, "Test accuracy (unequal budgets and models)",
        source="tables/assignment4_runs.csv")
    return found


def table_facts(tt, sweep, gs, cnn):
    """The small tables the answers walk through, whole (the templates: the classes whose
    template matches another class's mean image best)."""
    return {"template_misses": records(tt[~tt.own_is_best.astype(bool)]),
            "sweep": records(sweep), "gd_sgd": records(gs), "cnn": records(cnn)}


def facts(runs_, tt, sweep, gs, cnn, p, main, target, info):
    tested = runs_[runs_.test_acc.notna()]  # every run with a test accuracy, fates beside
    acc = {n: float(g.test_acc.mean()) for n, g in tested.groupby("name")}
    fate = {n: aggregate.status_column(g.status) for n, g in runs_.groupby("name")}
    found = claims_for(gs, sweep, {n: list(g.test_acc) for n, g in tested.groupby("name")},
                       main, target)
    steps = runs_.groupby("name").steps.mean()
    budgets = {"cnn_steps": float(steps.get("cnn", float("nan"))),
               "linear_iterations": float(steps.get(main, float("nan"))),
               "two_layer_passes": int(gs.passes.max()) if len(gs) else None}
    return {"main": main, "target_loss": target, "claims": found, "budgets": budgets,
            **table_facts(tt, sweep, gs, cnn),
            "own_best": int(tt.own_is_best.sum()), "classes": len(tt),
            "r_own_mean": float(tt.r_own.mean()), "r_other_mean": float(tt.r_other_mean.mean()),
            "raw_own_best": int(tt.raw_own_is_best.sum()),
            "test_acc": acc, "fate": fate, "dataset": info.get("title"), "seeds": p["seeds"],
            "statuses": dict(zip(runs_.name + "/" + runs_.seed.astype(str), runs_.status)),
            "cnn_formula_seed": int(cnn.formula.iloc[0]), "cnn_formula_run": int(
                cnn.formula.iloc[1]), "cnn_torch_run": cnn.torch.iloc[1]}


def section(facts, figs, params, info):
    return a4text.section(facts, figs, params, info, NAME, TITLE)


SHOWN = a4text.SHOWN
