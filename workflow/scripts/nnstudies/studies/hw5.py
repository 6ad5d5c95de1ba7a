"""Study 6a (seed 003, HW5): a small CNN's learning rate, momentum and depth, from its curves.

The seed's single Keras run on MNIST is the material; the protocol here is its settings with
several seeds, one record per epoch, a stratified validation split and a short rate sweep.
The prose lives in hw5_prose.py and the figures in hw5_figures.py.
"""
import functools
import math

import numpy as np

from .. import aggregate, claims, figures, prose
from ..config import INPUT_SHAPES, ConfigError, make_run, study_data
from ..data import DATASETS, load_prepared, scale
from ..stats import STUCK_Z, chance_band
from ..models import build_model, layer_shapes, with_activation
from ..runfiles import read_summary
from . import hw5_figures
from .common import check_models, departures as protocol_departures, records, write_facts
from . import hw5_prose
from .hw5_prose import NAME, SHOWN, TITLE, norm_format  # noqa: F401  (the interface)
from ..lazy import lazy_import

ORDER = 60
CAPTION = ("Study 6a (seed 003, HW5): the small CNN's curves per epoch, mean over seeds with "
           "a ± 1 std band: the baseline's loss and accuracy, training accuracy per learning "
           "rate, with and without momentum, one conv block against two.")

pd = lazy_import("pandas")

PROTOCOL = {"model": "hw5_cnn", "deeper_model": "hw5_cnn2", "optimizer": "sgd", "lr": 0.01,
            "momentum": 0.0, "batch_size": 32, "epochs": 10, "lrs": [1, 1e-5],
            "momentum_variant": 0.9, "seeds": 1}
SEED_DATASET = "mnist"  # what the seed trained on: all 60,000 MNIST images, test set as validation
SEED_TRAIN_IMAGES = 60_000
# the seed's training steps: 60,000 images in batches of 32 (1,875 an epoch) for 10 epochs
SEED_STEPS = math.ceil(SEED_TRAIN_IMAGES / PROTOCOL["batch_size"]) * PROTOCOL["epochs"]
# the protocol's settings in plain words (the notice of departures)
WORDS = {"lr": "learning rate", "lrs": "learning rates", "batch_size": "batch size",
         "optimizer": "optimiser", "deeper_model": "second model",
         "momentum_variant": "momentum variant"}
TABLES = ["runs", "variants", "epochs", "overfit", "weight_norms", "linear"]
FIGURES = ["baseline", "learning_rates", "momentum", "depth"]
# The seed's asks this section answers or leaves open (nnstudies/appendix.py): its theory parts
# 1-2 and the notebook (part 4); parts 3 and 5 are Study 2's, 1.2 Study 4's.
ASKED = [
    {"seed": "003", "ask": "1.1: a multiple-choice question on activation functions",
     "not_reproduced": "the seed holds only its answer (C), not the question or its options"},
    {"seed": "003", "ask": "1.3: what an MLP becomes when every activation is the identity",
     "answer": "hw5-q5"},
    {"seed": "003", "ask": "2.1: common techniques against over-fitting (the seed: early "
     "stopping, dropout)", "answer": "hw5-q6"},
    {"seed": "003", "ask": "2.2: can L1/L2 regularisation be set per layer?",
     "answer": "hw5-q7"},
    {"seed": "003", "ask": "4 (1): train the baseline CNN and plot its training and "
     "validation loss and accuracy", "answer": "hw5-fig-baseline"},
    {"seed": "003", "ask": "4 Question 1: what do the plots show, and what might be the "
     "reason?", "answer": "hw5-q1"},
    {"seed": "003", "ask": "4 (2): train at lr 1 and 1e-5 and plot their training accuracy "
     "with the baseline's", "answer": "hw5-fig-learning_rates"},
    {"seed": "003", "ask": "4 Question 2: do the large and small rates learn, why, and "
     "(optional) is there a better rate?", "answer": "hw5-q2"},
    {"seed": "003", "ask": "4 (3): SGD with momentum 0.9 against the baseline, plotted",
     "answer": "hw5-fig-momentum"},
    {"seed": "003", "ask": "4 Question 3: does momentum improve training?",
     "answer": "hw5-q3"},
    {"seed": "003", "ask": "4 (4): a second conv block (Conv3x3x64, MaxPool) against one, "
     "plotted", "answer": "hw5-fig-depth"},
    {"seed": "003", "ask": "4 Question 4: does the second conv layer improve the training "
     "accuracy, and why?", "answer": "hw5-q4"},
]
METRICS = ["train_loss", "train_acc", "val_loss", "val_acc"]
# The notebook asks whose answer rests on a setting the seed fixed: the baseline's training
# (4 (1), Question 1), the asked rates (4 (2), Question 2), the momentum (4 (3), Question 3).
# Where this configuration runs another value, the appendix row says so (asked_notes).
ASKED_SETTINGS = {"4 (1)": "baseline", "4 Question 1": "baseline", "4 (2)": "lrs",
                  "4 Question 2": "lrs", "4 (3)": "momentum", "4 Question 3": "momentum"}
BASELINE_SETTINGS = ("optimizer", "lr", "momentum", "batch_size")


def asked_notes(p):
    """{ask: note} for the appendix rows (ASKED, ASKED_SETTINGS) answered at settings other than
    the seed's: which of its values are not run here and what is run instead (the section
    hands them to nnstudies/appendix.py)."""
    def baseline():
        changed = [f"{WORDS.get(k, k)} {p[k]:g}" if isinstance(p[k], (int, float))
                   else f"{WORDS.get(k, k)} {p[k]}" for k in BASELINE_SETTINGS
                   if p[k] != PROTOCOL[k]]
        seed = [f"{PROTOCOL[k]:g}" if isinstance(PROTOCOL[k], (int, float))
                else f"{PROTOCOL[k]}" for k in BASELINE_SETTINGS if p[k] != PROTOCOL[k]]
        return (f"partly: the baseline here trains with {', '.join(changed)} (the seed: "
                f"{', '.join(seed)})") if changed else None

    def lrs():
        missing = [x for x in PROTOCOL["lrs"] if x not in p["lrs"]]
        if not missing and p["lr"] == PROTOCOL["lr"]:
            return None
        run = ", ".join(f"{x:g}" for x in p["lrs"])
        return ((f"partly: the seed's lr {prose.names([f'{x:g}' for x in missing])} "
                 f"{'is' if len(missing) == 1 else 'are'} not run here; " if missing else
                 "partly: ")
                + f"this configuration runs lr {run} against a baseline at lr {p['lr']:g}"
                + ("" if p["lr"] == PROTOCOL["lr"] else f" (the seed's: {PROTOCOL['lr']:g})"))

    def momentum():
        if p["momentum_variant"] == PROTOCOL["momentum_variant"]:
            return None
        return (f"partly: momentum {p['momentum_variant']:g} is run here, not the seed's "
                f"{PROTOCOL['momentum_variant']:g}")

    notes = {"baseline": baseline(), "lrs": lrs(), "momentum": momentum()}
    out = {}
    for entry in ASKED:
        start = next((k for k in ASKED_SETTINGS if entry["ask"].startswith(k)), None)
        if start and notes[ASKED_SETTINGS[start]]:
            out[entry["ask"]] = notes[ASKED_SETTINGS[start]]
    return out


DEPTH_ASK = next(e["ask"] for e in ASKED if e.get("answer") == "hw5-q4")
OVERFIT_ASK = next(e["ask"] for e in ASKED if e.get("answer") == "hw5-q6")


def asked_reasons(facts, p):
    """{ask: reason} for the seed's asks whose answer says these runs cannot test them: the
    appendix lists them as asked, not answerable here. Question 4 asks whether the second
    block raises the training accuracy, a matter of what a trained network can fit; before the
    assignment's epochs the runs show how fast each network learns (DEPTH_TESTED, the facts'
    depth.tested), so a configuration that trains them counts it as answered."""
    depth = facts.get("depth") or {}
    if depth.get("tested", True):
        return {}
    steps = [x.get("steps_mean") for x in facts.get("variants") or []]
    steps = [x for x in steps if x is not None and x == x]
    run = (f"{prose.count(int(p['epochs']), 'epoch')}"
           + (f" ({int(max(steps)):,} steps)" if steps else ""))
    study = TITLE.split(":")[0]
    return {DEPTH_ASK: (
        f"asked, not answerable here: the runs train {run} against the assignment's "
        f"{depth.get('seed_epochs', PROTOCOL['epochs'])} ({facts.get('seed_steps', SEED_STEPS):,}"
        " steps), so the training accuracy shows how fast each network learns, not what the "
        f"trained network can fit (see {study}, Q4)")}


def overfit_note(facts):
    """The appendix note on the seed's 2.1 (techniques against over-fitting), where question 6
    names them but these runs show neither countering over-fitting: early stopping chose the
    last epoch in every run, and none was detected in the baseline for dropout to reduce; None
    where either is measured."""
    early, drop = facts.get("early_stopping") or {}, facts.get("dropout") or {}
    found = facts.get("claims") or {}
    if "early_val" in found or not early.get("runs") or drop.get("overfits", True):
        return None
    return ("partly: both are named and explained, but these runs show neither countering "
            "over-fitting: early stopping chose the last epoch in every run, and no "
            "over-fitting was detected in the baseline for dropout to reduce")


def better_rate_note(facts, p):
    """The appendix note on the seed's Question 2, whose optional part asks for a better rate:
    with no sweep beyond the asked rates (hw5.sweep), that part is looked for only among them
    and the baseline's; where the runs that ended ok allow no ranking of the rates (the facts'
    rates_ranked), it is not answered. None where a sweep ran and the rates are ranked."""
    swept = [x for x in p.get("sweep") or [] if x != p["lr"] and x not in p["lrs"]]
    ranked = facts.get("rates_ranked", True)
    if swept and ranked:
        return None
    sweep = "is empty" if not p.get("sweep") else "adds no other rate"
    scope = ("" if swept else
             f"no rate sweep ran (hw5.sweep {sweep}), so a better rate is looked for only "
             f"among the asked rates ({prose.names([f'{x:g}' for x in p['lrs']])}) and the "
             f"baseline's ({p['lr']:g})")
    unranked = ("" if ranked else "the runs that ended ok allow no ranking of the rates, so "
                "the better-rate part is not answered")
    return "partly: " + "; ".join(x for x in (scope, unranked) if x)


BETTER_RATE_ASK = next(e["ask"] for e in ASKED if e.get("answer") == "hw5-q2")


def section(facts, figs, params, info):
    """The section (hw5_prose.section), with the appendix's rows on the asks its answers say
    these runs cannot test: asked_reasons (not counted as answered), overfit_note and
    better_rate_note (answered in part)."""
    sec = hw5_prose.section(facts, figs, params, info)
    sec.asked_reasons = asked_reasons(facts, params["protocol"])
    note = overfit_note(facts)
    if note:
        sec.asked_notes[OVERFIT_ASK] = note
    note = better_rate_note(facts, params["protocol"])
    if note:  # after the note on the seed's rates that are not run, where there is one
        before = sec.asked_notes.get(BETTER_RATE_ASK)
        sec.asked_notes[BETTER_RATE_ASK] = (
            note if not before else f"{before}; {note.removeprefix('partly: ')}")
    for ask in sec.asked_reasons:  # a reason stands alone
        sec.asked_notes.pop(ask, None)
    return sec


def lr_name(lr):
    return f"lr{lr:g}"


def rates(p):
    """The rates besides the baseline's: the assignment's two, then the sweep (no repeats)."""
    return list(dict.fromkeys(x for x in [*p["lrs"], *p["sweep"]] if x != p["lr"]))


def variants(p):
    """{run name: what it varies}: the baseline, every other rate, momentum, the second block."""
    base = {"model": p["model"], "lr": p["lr"], "momentum": p["momentum"]}
    out = {"baseline": {"role": "baseline", **base}}
    for lr in rates(p):
        out[lr_name(lr)] = {"role": "rate", **base, "lr": lr}
    out[f"momentum{p['momentum_variant']:g}"] = {"role": "momentum", **base,
                                                 "momentum": p["momentum_variant"]}
    out["two_blocks"] = {"role": "depth", **base, "model": p["deeper_model"]}
    # the seed's Parts 1-2, computed (theory_seeds): dropout, L2 per layer, no nonlinearity
    out[f"dropout{p['dropout']:g}"] = {"role": "dropout", **base, "dropout": p["dropout"]}
    out["l2_layers"] = {"role": "layer_l2", **base,
                        "layer_weight_decay": dict(p["layer_weight_decay"])}
    out["identity"] = {"role": "identity", **base, "model": p["identity_model"],
                       "activation": "identity"}
    out["linear"] = {"role": "linear", **base, "model": p["linear_model"]}
    return out


THEORY_ROLES = ("dropout", "layer_l2", "identity", "linear")


def seeds_of(p, role):
    """The seeds a variant runs: theory_seeds (or seeds, when null) for the Part 1-2 ones."""
    if role in THEORY_ROLES and p.get("theory_seeds") is not None:
        return p["theory_seeds"]
    return p["seeds"]


def run_of(cfg, name, v, seed):
    p = cfg[NAME]
    extra = {k: v[k] for k in ("activation", "layer_weight_decay") if k in v}
    if "dropout" in v:  # the baseline's layers, then dropout before the prediction layer
        extra["layers"] = dropout_layers(cfg)
    return make_run(cfg, NAME, name, v["model"], seed, p, lr=v["lr"], momentum=v["momentum"],
                    **extra)


def dropout_layers(cfg):
    p = cfg[NAME]
    return [*cfg["models"][p["model"]], f"dropout {p['dropout']:g}"]


def runs(cfg):
    p = cfg[NAME]
    return {(name, s): run_of(cfg, name, v, s)
            for name, v in variants(p).items() for s in seeds_of(p, v["role"])}


def check(cfg):
    check_models(cfg, NAME, key="model")
    check_models(cfg, NAME, key="deeper_model")
    check_models(cfg, NAME, key="identity_model")
    check_models(cfg, NAME, key="linear_model")
    p = cfg[NAME]
    for key, allowed, what in (
            ("identity_model", ("fc", "relu", "identity", "dropout"),
             "an MLP of fc layers and relu (which the variant replaces by identity)"),
            ("linear_model", ("identity", "dropout"), "a model without hidden layers "
             "(layers: []): the prediction layer alone is the linear classifier")):
        odd = [x for x in cfg["models"][p[key]] if x.split()[0] not in allowed]
        if odd:
            raise ConfigError(f"config key '{NAME}.{key}': {p[key]} has {odd}; it must be "
                              f"{what}")
    p = cfg[NAME]
    if p["momentum_variant"] == p["momentum"]:
        raise ConfigError(f"config key '{NAME}.momentum_variant': {p['momentum_variant']} is the "
                          f"baseline's momentum ({NAME}.momentum); the comparison needs another")
    if p["deeper_model"] == p["model"]:
        raise ConfigError(f"config key '{NAME}.deeper_model': the same model as {NAME}.model")


# What the seed's data was, for the notice's lines on this study's own data settings
# (common.study_data_departures).
SEED_DATA = {"dataset": "MNIST", "split": f"all {SEED_TRAIN_IMAGES:,} MNIST training images, "
             "with its 10,000 test images as validation"}


def departures(cfg):
    """The protocol's departures, and the dataset against the seed's (MNIST); the study's own
    data settings against the global block are listed by common.study_data_departures."""
    out = protocol_departures(NAME, cfg[NAME], PROTOCOL, WORDS)
    data = study_data(cfg, NAME)
    if data["dataset"] != SEED_DATASET:
        out.append(f"{NAME}: {DATASETS[data['dataset']].title} (the seed trained on "
                   f"{DATASETS[SEED_DATASET].title})")
    out.append(f"{NAME}: validation on a stratified {data['val_fraction']:.0%} of the training "
               "images, held out from training (the seed validated on its test set)")
    return out


def inputs(cfg, files):
    return {"summary": files(NAME, "summary.json"), "curves": files(NAME, "curves.csv")}


def params(cfg):
    p = cfg[NAME]
    data = study_data(cfg, NAME)
    shape = INPUT_SHAPES[data["dataset"]]
    models = {m: cfg["models"][m] for m in (p["model"], p["deeper_model"], p["identity_model"],
                                            p["linear_model"])}
    return {"protocol": p, "variants": variants(p), "dataset": data["dataset"],
            "layers": models, "scaling": data["scaling"], "threads": cfg["train"]["threads"],
            # the layers each Part 1-2 variant ran (dropout appended; relu -> identity)
            "run_layers": {"identity": with_activation(models[p["identity_model"]], "identity"),
                           "dropout": dropout_layers(cfg)},
            "fc_input": {m: _fc_input(layers, shape) for m, layers in models.items()}}


def _fc_input(layers, in_shape):
    """Features entering the first fully connected layer (what the extra block changes)."""
    shape = tuple(in_shape)
    for layer, out in zip(layers, layer_shapes(layers, in_shape)):
        if layer.startswith("fc"):
            return int(np.prod(shape))
        shape = out
    return int(np.prod(shape))


def figures_of(params):
    return FIGURES


# The variants that train the baseline's model from the same seeds: each of their runs starts
# from its seed's untrained network (train.train_run: torch.manual_seed(seed), then build_model)
SAME_START = ("baseline", "rate", "momentum")


def untrained_network(layers, seed, in_shape, n_classes):
    """The network train.train_run starts a run of these layers and seed from, before its
    first step: torch.manual_seed(seed), then build_model (nothing else draws in between)."""
    import torch
    torch.manual_seed(int(seed))
    return build_model(layers, tuple(in_shape), n_classes)


def untrained_accuracy(data_path, layers, scaling, seeds, threads=None):
    """{seed: validation accuracy of its untrained network (untrained_network)}, with the class
    count train.train_run reads from the data, evaluated as it evaluates (train.evaluate: eval
    mode, float32, the whole validation split)."""
    import torch
    from ..train import evaluate
    if threads:
        torch.set_num_threads(threads)
    data = load_prepared(data_path)
    n_classes = int(max(data["train_y"].max(), data["test_y"].max())) + 1  # as train_run
    x = torch.from_numpy(scale(data["val_x"], scaling))  # the values of train.to_tensors
    y = torch.from_numpy(data["val_y"]).long()
    with torch.random.fork_rng(devices=[]):  # leave the global generator as it was
        return {int(seed): float(evaluate(untrained_network(layers, seed, x.shape[1:],
                                                            n_classes), x, y, 1000)[1])
                for seed in seeds}


def analyse(inp, out, params, info):
    p = params["protocol"]
    n_classes = len(info["class_names"])
    runs_, curves, variants_, _ = aggregate.variant_tables(
        inp.summary, inp.curves, n_classes, info["sizes"]["test"], p["target_val_acc"])
    # where each run of the baseline's model started: a run 'learns' only by rising above it
    same = runs_.name.map(lambda n: params["variants"][n]["role"] in SAME_START)
    start = untrained_accuracy(inp.data, params["layers"][p["model"]], params["scaling"],
                               sorted(set(runs_.seed[same].astype(int))), params.get("threads"))
    runs_["untrained_val_acc"] = [start.get(int(s)) if m else None
                                  for s, m in zip(runs_.seed, same)]
    variants_ = describe_variants(variants_, params["variants"])
    per_epoch, epochs = epoch_tables(curves)
    # each run's turn with what its variant changes (the report labels the rows by it) and its
    # fate (a diverged run's last finite record is not its last epoch)
    overfit = overfit_table(curves).merge(
        variants_[["name", "role", "model", "lr", "momentum"]], on="name", how="left").merge(
        runs_[["name", "seed", "status"]], on=["name", "seed"], how="left")
    runs_.to_csv(out.table("runs"), index=False)
    variants_.to_csv(out.table("variants"), index=False)
    epochs.to_csv(out.table("epochs"), index=False)
    overfit.to_csv(out.table("overfit"), index=False)
    norms, linear = run_extras(inp.summary, params["variants"])
    norms.to_csv(out.table("weight_norms"), index=False)
    linear.to_csv(out.table("linear"), index=False)
    # the rates figure draws each run behind its rate's mean: seeds that differ in course
    rates = functools.partial(hw5_figures.rates, per_epoch=per_epoch)
    for name, draw in (("baseline", hw5_figures.baseline), ("learning_rates", rates),
                       ("momentum", hw5_figures.momentum), ("depth", hw5_figures.depth)):
        figures.save(draw(epochs, variants_, overfit, p, 1 / n_classes),
                     *out.figure(name))
    write_facts(out.facts, facts(runs_, variants_, per_epoch, p, n_classes, info["sizes"],
                                 overfit, norms, linear))


def describe_variants(variants_, declared):
    """The variant table with what each run varies (role, momentum) and its parameter count."""
    out = variants_.copy()
    out.insert(1, "role", out.name.map(lambda n: declared[n]["role"]))
    out.insert(5, "momentum", out.name.map(lambda n: declared[n]["momentum"]))
    return out


def epoch_tables(curves):
    """(one row per run and epoch, mean/std/count over seeds per variant and epoch)."""
    frames = [df.assign(name=name, seed=seed)[["name", "seed", "epoch", *METRICS]]
              for (name, seed), df in curves.items() if len(df)]  # none: diverged at once
    per_epoch = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["name", "seed", "epoch", *METRICS])
    per_epoch = per_epoch.astype({m: float for m in METRICS})
    grouped = per_epoch.groupby(["name", "epoch"], sort=False)[METRICS]
    table = grouped.agg(["mean", "std"])
    table.columns = [f"{m}_{s}" for m, s in table.columns]
    table["seeds"] = grouped.size()
    return per_epoch, table.reset_index()


def overfit_table(curves):
    """Per run: where validation loss turns up while training loss still falls.

    Rule: the turn is the epoch with the lowest validation loss, when it comes before the last
    epoch and the training loss (epoch mean) at the last epoch is below its value there; every
    later validation loss is then above that minimum. Otherwise the run has no turn within its
    epochs ('none'); 'training loss rose too' when the validation minimum is followed by a
    rising training loss as well; 'not measured' with fewer than two finite records. Every run
    with a finite record also gets its best validation accuracy (and its epoch) and its last:
    a run that learned and then fell back is told from one that never learned by them."""
    rows = []
    for (name, seed), df in curves.items():
        df = df[np.isfinite(df.val_loss)] if len(df) else df
        row = {"name": name, "seed": seed, "epochs": len(df)}
        if len(df):
            best = int(df.val_acc.values.argmax())
            row.update(best_val_acc=df.val_acc.iloc[best],
                       best_val_acc_epoch=int(df.epoch.iloc[best]),
                       last_val_acc=df.val_acc.iloc[-1])
        if len(df) < 2:
            rows.append({**row, "verdict": "not measured"})
            continue
        i = int(df.val_loss.values.argmin())
        at, last = df.iloc[i], df.iloc[-1]
        above = (df.train_acc > df.val_acc).values
        since = next((int(df.epoch.iloc[k]) for k in range(len(df)) if above[k:].all()), None)
        verdict = ("none" if i == len(df) - 1 else "turns up"
                   if last.train_loss < at.train_loss else "training loss rose too")
        rows.append({**row, "verdict": verdict, "min_val_loss_epoch": int(at.epoch),
                     "min_val_loss": at.val_loss, "last_val_loss": last.val_loss,
                     "train_loss_at_min": at.train_loss, "last_train_loss": last.train_loss,
                     "last_gap": last.train_acc - last.val_acc,
                     "val_acc_at_min": at.val_acc, "train_above_val_from": since})
    columns = ["name", "seed", "epochs", "verdict", "min_val_loss_epoch", "min_val_loss",
               "last_val_loss", "train_loss_at_min", "last_train_loss", "last_gap",
               "train_above_val_from", "val_acc_at_min", "last_val_acc", "best_val_acc",
               "best_val_acc_epoch"]
    return pd.DataFrame(rows).reindex(columns=columns).sort_values(["name", "seed"],
                                                                   ignore_index=True)


NORM_COLUMNS = ["name", "seed", "layer", "kind", "weight_decay", "norm"]
LINEAR_COLUMNS = ["name", "seed", "matrices", "max_abs_diff", "max_abs_logit", "relative_diff",
                  "same_class", "net_acc", "map_acc"]


def run_extras(summary_paths, declared):
    """(each weighted layer's final weight norm and L2 strength, per run of the baseline and
    the L2-per-layer variant; the linear-map check of every run whose model has no
    nonlinearity) from the runs' summaries (train.weight_norms, train.linear_map_check)."""
    norms, linear = [], []
    for path in summary_paths:
        summary = read_summary(path)
        name, seed = summary["run"]["name"], summary["run"]["seed"]
        if declared.get(name, {}).get("role") in ("baseline", "layer_l2"):
            decay = {d["layer"]: d["weight_decay"]
                     for d in summary.get("layer_weight_decay") or []}
            norms += [{"name": name, "seed": seed, "layer": w["layer"], "kind": w["kind"],
                       "weight_decay": decay.get(w["layer"], 0.0), "norm": w["norm"]}
                      for w in summary.get("weight_norms") or []]
        m = summary.get("linear_map")
        if m:
            linear.append({"name": name, "seed": seed, **{k: m[k] for k in LINEAR_COLUMNS[2:]
                                                          if k in m},
                           "relative_diff": m["max_abs_diff"] / max(m["max_abs_logit"],
                                                                    1e-300)})
    return (pd.DataFrame(norms, columns=NORM_COLUMNS).sort_values(
                ["name", "layer", "seed"], ignore_index=True),
            pd.DataFrame(linear, columns=LINEAR_COLUMNS).sort_values(
                ["name", "seed"], ignore_index=True))


def _column(runs_, name, column):
    values = runs_.loc[runs_.name == name, column]
    return values[values.notna()].astype(float)


def _final(runs_, name, column="final_val_acc"):
    """A variant's final-point values per run, leaving out the diverged runs (no last epoch)."""
    return _column(runs_[runs_.status != "diverged"], name, column)


FATE_WORDS = {"diverged": "diverged", "blew up": "blew up", "stuck": "got stuck"}


def fate_counts(runs_, names, label):
    """'lr 0.5: 2 runs ended ok, 1 of 3 diverged' for each variant with a run that did not end
    ok, then what the others did: the runs a statistic over the ok runs stands on."""
    parts = []
    for name in names:
        statuses = list(runs_.status[runs_.name == name])
        bad = [(s, statuses.count(s)) for s in FATE_WORDS if s in statuses]
        if bad:
            ok = statuses.count("ok")
            parts.append(f"{label(name)}: {prose.count(ok, 'run') if ok else 'no run'} ended "
                         "ok, " + ", ".join(f"{k} of {len(statuses)} {FATE_WORDS[s]}"
                                            for s, k in bad))
    if not parts:
        return "every run ended ok"
    return "; ".join(parts) + ("; every run of the other rates ended ok"
                               if len(parts) < len(list(names)) else "")


def _at_epoch(per_epoch, name, epoch, column="val_acc"):
    rows = per_epoch[(per_epoch.name == name) & (per_epoch.epoch == epoch)]
    return rows[column].astype(float)


def _by_seed(per_epoch, name, epoch, column):
    """{seed: the column's finite value in that epoch} of one variant's runs."""
    rows = per_epoch[(per_epoch.name == name) & (per_epoch.epoch == epoch)]
    return {int(r.seed): float(r[column]) for _, r in rows.iterrows()
            if np.isfinite(r[column])}


def epochs_to(per_epoch, name, target, seeds):
    """{seed: first epoch whose validation accuracy reaches target, or None}."""
    out = {}
    for seed in seeds:
        df = per_epoch[(per_epoch.name == name) & (per_epoch.seed == seed)]
        hit = df.epoch[df.val_acc >= target]
        out[int(seed)] = int(hit.iloc[0]) if len(hit) else None
    return out


SOURCE = "tables/hw5_runs.csv and tables/hw5_epochs.csv"
OVERFIT_SOURCE = "tables/hw5_overfit.csv"
MOMENTUM_EXPECTED = ("with β = {beta:g} each step adds up past gradients, so along directions "
                     "where they agree the step grows to about 1/(1 − β) = {gain:.3g} times the "
                     "plain one while oscillating components cancel: at the same rate, training "
                     "should progress faster per epoch ({measure} after epoch 1).")
# An accuracy within CEILING of 100 % in both arms has little room left to show a difference
# (one image of 600 is 0.17 points): the speed is then read on the validation loss, which
# keeps falling as the predictions grow surer. The rule picks the measure before any test.
CEILING = 0.05
SPEED_MEASURES = {False: ("val_acc", "Validation accuracy", "a higher validation accuracy", 1),
                  True: ("val_loss", "Validation loss", "a lower validation loss", -1)}
CEILING_RULE = (f"validation accuracy after epoch 1 is near its ceiling when both arms' means "
                f"lie within {100 * CEILING:g} points of 100 %; the speed is then measured by "
                "the validation loss after epoch 1, else by the validation accuracy")
# In the long run momentum β at rate η steps like SGD without it at η / (1 − β): a plain rate
# of the study within NEAR_STEP times that step is set against momentum (the confound)
NEAR_STEP = 2
DEPTH_EXPECTED = ("a second conv block builds features of features over larger patches of the "
                  "image (each unit after it sees more of the input), which usually lets a "
                  "network fit images better: a higher training accuracy after the same "
                  "epochs.")
# DEPTH_EXPECTED is about what a trained network can fit: the training accuracy measures it
# where the runs train at least the assignment's epochs (its question's own measurement)
DEPTH_TESTED = ("the expectation is tested where the runs train at least the assignment's "
                f"{PROTOCOL['epochs']} epochs; after fewer, the training accuracy shows how fast "
                "each network learns, not what it can fit, and no verdict is given")
LARGE_EXPECTED = ("a rate beyond the network's stability limit overshoots the minimum: the "
                  "loss jumps up or becomes NaN, or ReLU units die (zero output for every image) "
                  "and the network predicts one class, ending at chance ({chance:.2f} %) with "
                  "its loss near ln C = {ln_c:.2f}.")
# The assignment's rates against its baseline's (lr 0.01): lr 1 is 100 times above it, 1e-5
# 1,000 times below. A rate is 'far above' or 'far below' in the assignment's sense only at a
# ratio at least as large; otherwise the runs measure where it lies (rate_premise).
SEED_RATIOS = {"above": max(PROTOCOL["lrs"]) / PROTOCOL["lr"],
               "below": PROTOCOL["lr"] / min(PROTOCOL["lrs"])}
LIMIT_RULE = ("A rate above the baseline's is at or beyond this network's stability limit "
              "(within these steps) when no run learns, and near it when only some do; when "
              "every run learns, the runs do not place it below the limit: a rate above it can "
              "overshoot between two epoch-end records and still end learned")
SLOW_EXPECTED = ("{here}{seed}: with smaller steps, its training loss should fall less than "
                 "the baseline's over the same {last} epochs.")


def momentum_step(p, lrs):
    """The momentum variant's long-run step against the baseline's: SGD with momentum m at
    rate η moves like SGD without momentum at η / (1 − m) where the gradients agree. The
    ratio of the two steps, the plain rate with the variant's step, and the study's rate
    ({name: lr}, each at the baseline's momentum) nearest it, 'near' within NEAR_STEP times."""
    base, beta = p["momentum"], p["momentum_variant"]
    ratio = (1 - base) / (1 - beta)
    like = p["lr"] * ratio  # the rate at the baseline's momentum with the variant's step
    name = min(lrs, key=lambda n: abs(math.log(lrs[n] / like)), default=None)
    far = max(lrs[name] / like, like / lrs[name]) if name is not None else math.inf
    return {"ratio": ratio, "lr": like, "name": name,
            "nearest_lr": lrs[name] if name is not None else None,
            "near": far <= NEAR_STEP * (1 + 1e-9), "near_step": NEAR_STEP}


def times(ratio):
    """A ratio of two rates in words: '10', '1,000', '2.5'."""
    return f"{ratio:,.0f}" if ratio >= 10 else f"{ratio:.2g}"


def rate_premise(lr, base):
    """How far `lr` lies from the baseline's rate, against the assignment's asked rate on the
    same side: the ratio, whether it is at least the assignment's (then 'far above' or 'far
    below' holds as the assignment meant it) and both in words."""
    side = "above" if lr > base else "below"
    ratio = lr / base if side == "above" else base / lr
    seed_lr = max(PROTOCOL["lrs"]) if side == "above" else min(PROTOCOL["lrs"])
    seed = SEED_RATIOS[side]
    than = "" if side == "above" else "smaller than "
    return {"lr": lr, "side": side, "ratio": ratio, "far": ratio >= seed * (1 - 1e-9),
            "here": f"lr {lr:g} is {times(ratio)} times {than}the baseline's {base:g}",
            "seed": (f"the assignment's lr {seed_lr:g} ({times(seed)} times {than}its "
                     f"{PROTOCOL['lr']:g})"),
            "seed_was": (f"the assignment's lr {seed_lr:g} was {times(seed)} times {than}its "
                         f"{PROTOCOL['lr']:g}")}


def _mean(values):
    return float(values.mean()) if len(values) else None


def _finite_or_none(x):
    return float(x) if x is not None and x == x and abs(x) != math.inf else None


# A run's course by the learns rule: where it ends against the line (chance plus STUCK_Z
# standard errors) and where it was at its best
COURSE_FATES = {"diverged": "diverged (loss not finite)", "blew up": "blew up",
                "stuck": "got stuck"}
UNIFORM_COURSES = ("learns", "does not learn")  # a rate whose runs all share one is told whole


def beyond(high, low, n_val):
    """Whether accuracy `high` lies above `low` by more than STUCK_Z standard errors of the
    difference of two accuracies on n_val images."""
    se = math.sqrt((high * (1 - high) + low * (1 - low)) / n_val)
    return high - low > STUCK_Z * se


def fell_back(best, final, n_val):
    """Whether the final validation accuracy lies below the best beyond noise (beyond)."""
    return beyond(best, final, n_val)


def course(status, best, final, line, n_val, start=None):
    """One run's course, read against the line (chance plus noise) and against its own start
    (`start`: its untrained network's validation accuracy; None: not known): an accuracy counts
    as learned only above the line and, beyond noise, above the start, so a run whose initial
    weights happened to sit above chance (a lucky start) is not credited with them. 'learns'
    (ended ok, learned), 'learns, but falls back from its best' (ended learned, beyond noise
    below its best), 'learned, then fell back to chance' or '... to its start' (best learned,
    final not), 'learned, then <fate>' (best learned, then diverged, blew up or stuck above
    the line) or 'does not learn' (never learned, or no finite record)."""
    def learned(x):
        return x is not None and x > line and (start is None or beyond(x, start, n_val))

    if not learned(best):
        return "does not learn"
    above = learned(final)
    if status == "ok" and above:
        return "learns, but falls back from its best" if fell_back(best, final, n_val) \
            else "learns"
    if status in ("diverged", "blew up") or above:
        return f"learned, then {COURSE_FATES[status]}"
    if final is not None and final > line:  # above chance, but no further than it started
        return "learned, then fell back to its start"
    return "learned, then fell back to chance"


def lucky_start(start, line):
    """Whether a run's untrained network already scores above the line (chance plus noise)."""
    return start is not None and start > line


def run_courses(runs_, per_epoch, overfit, name, line, n_val):
    """Per run of a variant (by seed): its fate, its untrained network's validation accuracy
    (its start), best validation accuracy and its epoch, final validation accuracy, course,
    the training loss of its first and last epochs, test accuracy."""
    o = overfit.set_index(["name", "seed"])
    out = []
    for r in runs_[runs_.name == name].sort_values("seed").itertuples():
        seed = int(r.seed)
        at = o.loc[(name, seed)] if (name, seed) in o.index else None
        best = _finite_or_none(at.best_val_acc) if at is not None else None
        # a diverged run has no final point: its last finite record is not the last epoch's
        diverged = r.status == "diverged"
        final = _finite_or_none(at.last_val_acc) if at is not None and not diverged else None
        rec = per_epoch[(per_epoch.name == name) & (per_epoch.seed == seed)].sort_values(
            "epoch")
        start = _finite_or_none(getattr(r, "untrained_val_acc", None))
        out.append({"seed": seed, "status": r.status, "start": start, "best": best,
                    "final": final, "lucky_start": lucky_start(start, line),
                    "best_epoch": (int(at.best_val_acc_epoch) if best is not None else None),
                    "course": course(r.status, best, final, line, n_val, start),
                    "first_train_loss": _finite_or_none(rec.train_loss.iloc[0]) if len(rec)
                    else None,
                    "last_train_loss": _finite_or_none(rec.train_loss.iloc[-1])
                    if len(rec) and not diverged else None,
                    "last_record_epoch": int(rec.epoch.iloc[-1]) if len(rec) else None,
                    "diverged_at_step": int(r.diverged_at_step) if diverged
                    and r.diverged_at_step == r.diverged_at_step else None,
                    "test_acc": _finite_or_none(r.test_acc)})
    return out


def rate_facts(out, found, name, label, runs_, per_epoch, overfit, line, n_val, premise,
               large_expected, learns_rule):
    """An asked rate's runs by the learns rule: one claim for the rate when its runs share a
    course (all learn, or none was ever above the line) and none started above chance, else
    one claim per run with its untrained, best and final validation accuracy; for a rate above
    the baseline's, its place against the stability limit (large_rate_facts)."""
    steps = _column(runs_, name, "steps")  # the longest of its runs (one diverged stops early)
    steps = int(steps.max()) if len(steps) else 0
    # the rule reads epoch ends only: a run that rose and fell within an epoch is not seen
    never = (f"no learning seen at any epoch's end within {steps:,} steps (the original "
             f"assignment trained {SEED_STEPS:,})")
    runs = run_courses(runs_, per_epoch, overfit, name, line, n_val)
    kinds = {r["course"] for r in runs}
    out["runs"] = runs
    # a run that started above chance is given on its own, with its start: a rate's values
    # alone would credit its training with what its initial weights did
    # (one whose values stay at chance, or that left none, is told with the others)
    out["lucky"] = [r["seed"] for r in runs if r["lucky_start"] and r["best"] is not None
                    and r["best"] > line]
    out["per_seed"] = (len(kinds) > 1 or not kinds <= set(UNIFORM_COURSES)
                       or bool(out["lucky"]))
    # a rate above the baseline's but nearer than the assignment's: its limit claim gives each
    # run's accuracy and course, so a learns claim for the whole rate would repeat it
    near_above = premise["side"] == "above" and not premise["far"]
    if not out["per_seed"] and not near_above:
        learns = kinds == {"learns"}
        # the final accuracies show that each run learns; the best ones that none ever did
        key, what = ("final", "Final validation accuracy per run") if learns else (
            "best", "Best validation accuracy in any epoch, per run")
        found[f"learns_{name}"] = claims.rule(
            label, [r[key] for r in runs if r[key] is not None], what, learns, learns_rule,
            "it learns", never, source=OVERFIT_SOURCE)
    for r in runs if out["per_seed"] else []:
        said = never if r["course"] == "does not learn" else f"it {r['course']}"
        if r["lucky_start"]:  # its start is not learning; a rise beyond noise from it is
            said += lucky_words(r)
        shown = [("untrained", r["start"]), (f"best (epoch {r['best_epoch']})", r["best"]),
                 ("final", r["final"])]
        shown = [(k, x) for k, x in shown if x is not None]
        found[f"learns_{name}_seed{r['seed']}"] = claims.rule(
            f"{label}, seed {r['seed']}", [x for _, x in shown], "Validation accuracy",
            r["course"].startswith("learns"), learns_rule, said, said, source=OVERFIT_SOURCE,
            labels=[k for k, _ in shown])
    if premise["side"] == "above":
        large_rate_facts(out, found, name, label, runs, line, steps, premise, large_expected,
                         learns_rule, per_epoch)


def lucky_words(run):
    """What a run that started above chance (a lucky start) did from there, in parentheses:
    the start itself is not learning, a rise beyond noise from it is (course)."""
    start = f"it started above chance, at {claims.fmt_pct(run['start'])}"
    if run["course"].startswith("learns"):
        return f" ({start}, and rose beyond noise from there)"
    if run["course"] == "does not learn":
        return f" ({start}, and did not rise beyond noise from there)"
    return f" ({start})"


def course_words(course):
    """A run's course in a few words, for a label in parentheses (no nested parenthesis)."""
    return course.replace(" (loss not finite)", "")


def val_loss_rises(per_epoch, name):
    """({seed: finite records}, {seed: [(epoch, next epoch, validation loss there, at the
    next)] where it rose, the largest rise first}) of a variant's runs: what epoch-end records
    show of an overshoot."""
    records, rises = {}, {}
    rows = per_epoch[per_epoch.name == name]
    for seed, df in rows.groupby("seed"):
        df = df[np.isfinite(df.val_loss.astype(float))].sort_values("epoch")
        records[int(seed)] = len(df)
        e, v = list(df.epoch.astype(int)), list(df.val_loss.astype(float))
        up = sorted(((e[i], e[i + 1], v[i], v[i + 1]) for i in range(len(v) - 1)
                     if v[i + 1] > v[i]), key=lambda x: x[2] - x[3])
        if up:
            rises[int(seed)] = up
    return records, rises


def large_rate_facts(out, found, name, label, runs, line, steps, premise, large_expected,
                     learns_rule, per_epoch):
    """A rate above the baseline's against the textbook's 'overshoots, ends at chance'. Where it
    is as far above as the assignment's lr 1 (premise['far']), the expectation is held to its
    runs (at_chance_*, a verdict). Nearer, that premise is not established: the runs say where
    the rate lies against the stability limit (limit_*, LIMIT_RULE), with no verdict; where
    every run learns they do not place it below the limit (an overshoot between epoch-end
    records is not seen), and a rise of a run's validation loss between records is given."""
    kept = [r["final"] for r in runs if r["status"] != "diverged" and r["final"] is not None]
    if premise["far"]:
        out["expected"] = (f"{large_expected} Here {premise['here']}, as far above it as "
                           f"{premise['seed']} or further, a rate the assignment expected to "
                           "fail.")
        if kept:
            gone = len(runs) - len(kept)
            found[f"at_chance_{name}"] = claims.observation(
                out["expected"], {label: kept}, "final validation accuracy per run" + (
                    f" that did not diverge ({gone} of {len(runs)} diverged or left no record, "
                    "which the expectation allows)" if gone else ""),
                lambda x: x <= line, f"a final validation accuracy at most {100 * line:.2f} %, "
                "not above chance by the rule", True, fmt=claims.fmt_pct,
                source=OVERFIT_SOURCE)
        return
    # no promise here of what the runs can place: that is the limit claim's (below)
    out["expected"] = (f"{large_expected} Here {premise['here']}, where {premise['seed_was']}, "
                       "so the expectation gets no verdict; the runs are set against the "
                       "stability limit instead.")
    learned = sum(r["course"].startswith("learns") for r in runs)
    # a run that ends learned may still have overshot between its records: every run learning
    # does not place the rate below the limit; what the records show of an overshoot (a rise
    # of the validation loss from one record to the next) is given beside it
    records, rises = val_loss_rises(per_epoch, name)
    rose = [f"in seed {s}, from {prose.loss(a)} at epoch {e0} to {prose.loss(b)} at epoch "
            f"{e1}" for s, up in rises.items() for e0, e1, a, b in up[:1]]
    counts = sorted(set(records.values()))
    kept_records = (prose.count(counts[-1], "record") + " per run" + (
        "" if len(counts) == 1 else " at most") if counts else "no record")
    # one statement, its conclusion last (the claim adds 'by the rule' to it): every run
    # learning, with an overshoot between records unseen, leaves the place open
    where = (f"every run learns within {steps:,} steps, but {kept_records} (one per epoch) "
             "cannot show an overshoot between them"
             + (f" (the validation loss rose from one record to the next {'; '.join(rose)})"
                if rose else "")
             + f", so whether {label} lies below this network's stability limit cannot be "
             "told" if learned == len(runs) else
             f"no run learns, so {label} is at or beyond this network's stability limit "
             "here" if not learned else
             f"{learned} of {len(runs)} runs learn, so {label} is near this network's "
             "stability limit here")
    # the rule's inputs, one run each: its final validation accuracy (a diverged run has none:
    # its best) under its seed and course; the count of runs that learn is the verdict's input,
    # said in its words, not a value
    shown = [(r, "final", r["final"]) if r["final"] is not None else
             (r, f"best, epoch {r['best_epoch']}", r["best"])
             for r in runs if r["final"] is not None or r["best"] is not None]
    labels = [f"seed {r['seed']} ({course_words(r['course'])}"
              + ("" if kind == "final" else f"; {kind}") + ")" for r, kind, _ in shown]
    best_only = any(kind != "final" for _, kind, _ in shown)
    found[f"limit_{name}"] = claims.rule(
        label, [x for *_, x in shown], "Final validation accuracy per run"
        + (" (a diverged run: its best)" if best_only else ""), learned == len(runs),
        f"{learns_rule}. {LIMIT_RULE}", where, where, source=OVERFIT_SOURCE, labels=labels)


def facts(runs_, variants_, per_epoch, p, n_classes, sizes, overfit, norms=None,
          linear=None):
    """Every number and claim the prose states: the variants and where each run's validation
    loss turns (small tables, whole), the rate sweep, momentum, the second block, built from
    per-run values (runs_ and per-epoch records)."""
    v = variants_.set_index("name")
    out = {"chance": 1 / n_classes, "sizes": sizes, "n_classes": n_classes,
           "variants": records(variants_), "overfit": records(overfit)}
    found = {}
    last = int(p["epochs"])

    def label(name):
        r = v.loc[name]
        return ("baseline" if r.role == "baseline" else f"lr {r.lr:g}" if r.role == "rate"
                else f"momentum {r.momentum:g}" if r.role == "momentum" else "two blocks"
                if r.role == "depth" else THEORY_LABELS[r.role].format(**p))

    def fated(name):
        return prose.fated(label(name), v.loc[name].status)

    def diff(a, b, what, values, **kw):
        return claims.difference(fated(a), values(a), fated(b), values(b), what, source=SOURCE,
                                 **kw)

    # q2: every rate ranked by final validation accuracy over its runs that ended ok, with the
    # counts (a rate with a failed run may have the best mean and still not train reliably);
    # the best against the baseline (or the runner-up, when the best is the baseline) on test
    # accuracy, over the same runs
    lrs = variants_[variants_.role.isin(["baseline", "rate"])]
    ok_runs = runs_[runs_.status == "ok"]
    by_lr = sorted(lrs.name, key=lambda n: v.loc[n, "lr"])
    means = {n: _column(ok_runs, n, "final_val_acc").mean() for n in by_lr}
    order = sorted((n for n in by_lr if means[n] == means[n]), key=lambda n: -means[n])
    out["rate_order"] = order
    out["rate_fates"] = fate_counts(runs_, by_lr, label)
    out["rate_runs"] = {n: {"ok": int((ok_runs.name == n).sum()),
                            "runs": int((runs_.name == n).sum())} for n in by_lr}
    found["rates"] = claims.ranking(
        {label(n): list(_column(ok_runs, n, "final_val_acc")) for n in by_lr},
        f"Validation accuracy after the last epoch, over each rate's runs that ended ok "
        f"({out['rate_fates']}; equal budgets of {last} epochs)", source=SOURCE)
    # a rate ranked on part of its runs: its mean over every run with a final point beside
    all_runs(found["rates"], {label(n): list(_final(runs_, n)) for n in by_lr
                              if 0 < out["rate_runs"][n]["ok"] < len(_final(runs_, n))})
    bracket(found["rates"], {label(n): float(v.loc[n, "lr"]) for n in by_lr})
    # the summary line keeps the answer's caveat on the budget (budget_words); a ranking of
    # speed only where a ranking is made
    out["rates_ranked"] = found["rates"]["evidence"].get("best") is not None
    found["rates"]["short"] += budget_words(runs_.steps[runs_.name.isin(by_lr)],
                                            out["rates_ranked"])
    out["larger_steps_favoured"] = larger_steps_favoured(
        runs_, {n: float(v.loc[n, "lr"]) for n in by_lr})
    # "is there a better rate?": the ranking's best (it ranks the rates with two runs or more)
    # against the baseline's, on validation, which ranked them, and on test, which chose
    # none; where the baseline is best, against the runner-up
    ranked = {label(n): n for n in by_lr}
    best = ranked.get(found["rates"]["evidence"].get("best"), order[0] if order else None)
    others = [n for n in order if n != best]
    if best is not None and others:
        other = "baseline" if best != "baseline" else others[0]
        out["best_rate"] = {"name": best, "against": other}
        found["best_rate_val"] = diff(best, other, "Validation accuracy after the last epoch "
                                      "(runs that ended ok)",
                                      lambda n: _column(ok_runs, n, "final_val_acc"))
        # the claim names both rates; the answer says that test accuracy chose neither
        found["best_rate_test"] = diff(best, other, "Test accuracy (the same runs)",
                                       lambda n: _column(ok_runs, n, "test_acc"))
    out["rates"] = {}
    # "learns": the rule each asked rate is held to, run by run (a fate-like rule, not a
    # comparison); a run's best epoch counts as well as its last, so that a run which learned
    # and then fell back is not reported as one that never learned
    line = chance_band(n_classes, sizes["val"])  # the stuck rule's band, on validation
    # the answer states the first sentence; the claims' evidence holds the whole rule
    learns_line = (f"a run learns when it ends ok with its final validation accuracy above "
                   f"{100 * line:.2f} % (chance, {100 * out['chance']:.2f} %, plus {STUCK_Z} "
                   f"standard errors on {sizes['val']:,} validation images) and, beyond noise, "
                   "above where it started")
    learns_rule = (f"{learns_line[0].upper()}{learns_line[1:]}: its untrained network's "
                   "validation accuracy (the seed's initial weights, rebuilt as the trainer "
                   f"builds them), exceeded by more than {STUCK_Z} standard errors of the "
                   "difference; an untrained network already above the line is a lucky start, "
                   "not learning. It learned, then fell back, when its best epoch-end "
                   "validation accuracy passed both and its final does not. It learns but "
                   "falls back from its best when it ends past both, more than "
                   f"{STUCK_Z} standard errors of the difference below its best. A rate "
                   "learns when every run learns; where its runs differ, or one started "
                   "above chance, each seed is given")
    # each seed's start, shared by every run of the baseline's model from that seed
    starts = (runs_[runs_.untrained_val_acc.notna()].drop_duplicates("seed")
              if "untrained_val_acc" in runs_ else runs_.iloc[:0])
    out["untrained"] = {int(r.seed): float(r.untrained_val_acc)
                        for r in starts.sort_values("seed").itertuples()}
    out["lucky_seeds"] = [s for s, x in out["untrained"].items() if lucky_start(x, line)]
    out["learns_rule"] = learns_rule
    out["learns_rule_short"] = learns_line
    out["learns_line"] = line
    out["seed_steps"] = SEED_STEPS
    out["large_expected"] = LARGE_EXPECTED.format(chance=100 * out["chance"],
                                                  ln_c=math.log(n_classes))
    for name in lrs.name:
        lr = v.loc[name, "lr"]
        out["rates"][name] = {
            "first_train_loss": _mean(_at_epoch(per_epoch, name, 1, "train_loss")),
            "last_train_loss": _mean(_column(variants_, name, "last_epoch_train_loss_mean"))}
        if lr not in p["lrs"] or lr == p["lr"]:
            continue
        premise = rate_premise(lr, p["lr"])
        out["rates"][name]["premise"] = premise
        rate_facts(out["rates"][name], found, name, label(name), runs_, per_epoch, overfit,
                   line, sizes["val"], premise, out["large_expected"], learns_rule)
        if premise["side"] == "below" and last > 1:
            slow_facts(out, found, name, fated, runs_, per_epoch, premise, last)
    # q3: momentum against the baseline at equal epochs and in epochs to the target accuracy
    mom = variants_.name[variants_.role == "momentum"].iloc[0]
    seeds = sorted(runs_.seed.unique())
    beta = p["momentum_variant"]
    out["momentum"] = {"name": mom, "target": p["target_val_acc"],
                       "to_target": {n: epochs_to(per_epoch, n, p["target_val_acc"], seeds)
                                     for n in (mom, "baseline")}}
    # the speed after epoch 1, on a measure with room left (CEILING_RULE)
    acc1 = [_at_epoch(per_epoch, n, 1) for n in (mom, "baseline")]
    ceiling = all(len(a) for a in acc1) and min(float(a.mean()) for a in acc1) >= 1 - CEILING
    column, what, words, sign = SPEED_MEASURES[ceiling]
    speed = dict(fmt=prose.loss, diff_fmt=lambda d: f"{d:+.4f}") if ceiling else {}

    def at_one(n):
        return _at_epoch(per_epoch, n, 1, column)

    step = momentum_step(p, {n: float(v.loc[n, "lr"]) for n in by_lr if n != "baseline"})
    step["label"] = label(step["name"]) if step["name"] is not None else None
    out["momentum"].update(ceiling=ceiling, ceiling_points=CEILING, step=step,
                           acc_epoch1={n: float(a.mean()) if len(a) else None
                                       for n, a in zip((mom, "baseline"), acc1)})
    larger = "larger" if step["ratio"] > 1 else "smaller"
    # every momentum comparison in the summary line carries the confound (Q3 says it once)
    confound = (f"confounded with a {times(max(step['ratio'], 1 / step['ratio']))} times "
                f"{larger} step")
    out["momentum"]["confound"] = confound
    measured = diff(mom, "baseline", f"{what} after epoch 1", at_one, **speed)
    found["momentum_epoch1"] = claims.mechanism(
        MOMENTUM_EXPECTED.format(beta=beta, gain=1 / (1 - beta), measure=words), measured,
        expected_sign=sign, name=f"momentum {beta:g} faster per epoch ({confound})")
    found["momentum_epoch1"]["evidence"]["rule"] += f"; {CEILING_RULE}"
    if ceiling:  # the asked accuracy, at its ceiling: given, not the verdict's measure
        found["momentum_acc_epoch1"] = diff(mom, "baseline", "Validation accuracy after epoch 1",
                                            lambda n: _at_epoch(per_epoch, n, 1))
    if step["near"]:  # momentum against plain SGD at about its long-run step
        plain = step["name"]
        found["momentum_plain"] = diff(mom, plain, f"{what} after epoch 1", at_one, **speed)
        found["momentum_plain_test"] = diff(mom, plain, "Test accuracy",
                                            lambda n: _column(runs_, n, "test_acc"))
    found["momentum_last"] = diff(mom, "baseline", f"Validation accuracy after epoch {last}",
                                  lambda n: _at_epoch(per_epoch, n, last))
    found["momentum_train_last"] = diff(mom, "baseline", f"Training accuracy in epoch {last}",
                                        lambda n: _at_epoch(per_epoch, n, last, "train_acc"))
    found["momentum_test"] = diff(mom, "baseline", "Test accuracy",
                                  lambda n: _column(runs_, n, "test_acc"))
    found["momentum_test"]["short"] += f", {confound}: momentum's own effect is not isolated"
    # q4: the second block against one, with both parameter counts
    params_ = {n: int(_column(runs_, n, "parameters").iloc[0]) if len(_column(
        runs_, n, "parameters")) else None for n in ("baseline", "two_blocks")}
    # each epoch's training accuracy (mean over seeds): how fast each network starts
    out["depth"] = {"parameters": params_,
                    "seconds": {n: float(_column(runs_, n, "train_seconds").mean())
                                for n in ("baseline", "two_blocks")},
                    "train_acc": {n: [float(x) for x in per_epoch[per_epoch.name == n].groupby(
                        "epoch").train_acc.mean()] for n in ("baseline", "two_blocks")}}
    # the seed asked about the training accuracy: its comparison is the measured expectation;
    # validation and test accuracy (images not trained on) follow
    # the short form (the summary line) carries the confound the section states
    n1, n2 = params_["baseline"], params_["two_blocks"]
    confound = (f"confounded with the parameter count, which it "
                f"{'lowers' if n2 < n1 else 'raises'} from {n1:,} to {n2:,}"
                if n1 and n2 and n1 != n2 else "")
    measured = diff("two_blocks", "baseline", f"Training accuracy in epoch {last}",
                    lambda n: _at_epoch(per_epoch, n, last, "train_acc"))
    # the expectation is about what a trained network can fit: the training accuracy stands
    # for it after the assignment's epochs (DEPTH_TESTED); after fewer it shows how fast each
    # network learns, so the difference is given with no verdict, in the summary too
    tested = last >= PROTOCOL["epochs"]
    out["depth"].update(expected=DEPTH_EXPECTED, tested=tested, seed_epochs=PROTOCOL["epochs"])
    if tested:
        found["depth_train_last"] = claims.mechanism(
            DEPTH_EXPECTED, measured, expected_sign=1,
            name="a second conv block raises the training accuracy"
                 + (f" ({confound})" if confound else ""))
    else:
        # one layer each, as the momentum line: the arm and its confound, the status and
        # why, then (after a dash) the measurement
        measured["short"] = (
            "a second conv block" + (f" ({confound})" if confound else "")
            + ": its expectation, a higher training accuracy, is not tested after "
            f"{last} of the assignment's {PROTOCOL['epochs']} epochs, where the training "
            "accuracy shows how fast each network learns, not what it can fit — "
            + claims.mid_sentence(measured["short"]))
        found["depth_train_last"] = measured
    found["depth_train_last"]["evidence"]["rule"] += f"; {DEPTH_TESTED}"
    found["depth_test"] = diff("two_blocks", "baseline", "Test accuracy",
                               lambda n: _column(runs_, n, "test_acc"))
    found["depth_val_last"] = diff("two_blocks", "baseline",
                                   f"Validation accuracy after epoch {last}",
                                   lambda n: _at_epoch(per_epoch, n, last))
    theory_facts(out, found, runs_, variants_, overfit, norms, linear, p, fated)
    out["claims"] = found
    return out


def bracket(ranking, lrs):
    """Whether a ranking's best rate lies inside the rates tried ({arm: rate}) or at an edge,
    added to its sentence and short form: at an edge the best is not bracketed, and a rate
    beyond it may do better."""
    best = ranking["evidence"].get("best")
    ranked = [a["arm"] for a in ranking["evidence"]["arms"]]
    if best is None or len(ranked) < 2:
        return
    # every rate that ran, also one with no run that ended ok: a larger rate that failed
    # brackets the best from above as well as one that ranked below it
    tried = sorted(lrs.values())
    edge = ("largest" if lrs[best] == tried[-1] else "smallest" if lrs[best] == tried[0]
            else None)
    ranking["evidence"]["edge"] = edge
    named = best if best != "baseline" else f"the baseline's lr {lrs[best]:g}"
    if edge:
        beyond = "larger" if edge == "largest" else "smaller"
        ranking["text"] += (f"; {named} is the {edge} rate tried, so the best is not bracketed: "
                            f"a {beyond} rate may do better")
        ranking["short"] += f"; {named} is the {edge} rate tried (not bracketed)"
    else:
        ranking["text"] += (f"; {named} lies inside the rates tried ({tried[0]:g} to "
                            f"{tried[-1]:g})")


def budget_words(steps, ranked=True):
    """The rate ranking's budget for its short form (a summary line), as its answer says it:
    the steps run against the assignment's, and, where fewer and a ranking is made, that the
    ranking is one of how far each rate gets within them, not of where each would end (with
    no ranking, nothing is said of one)."""
    steps = [float(x) for x in steps if x == x]
    if not steps:
        return ""
    most = int(max(steps))
    budget = f"; at {most:,} steps, against the assignment's {SEED_STEPS:,}"
    if most >= SEED_STEPS or not ranked:
        return budget
    return budget + ": a ranking of speed within this budget, not of where each rate would end"


def all_runs(ranking, finals, fmt=claims.fmt_pct):
    """Beside a ranking over the runs that ended ok, each rate ranked on part of its runs
    ({arm: final values of every run with a final point, ok or not}) with its mean over all
    of them, added to its sentence and short form and kept in its evidence."""
    finals = {arm: [float(x) for x in xs] for arm, xs in finals.items() if len(xs)}
    if not finals:
        return
    words = ("; over every run with a final point, ok or not: "
             + "; ".join(f"{arm} {fmt(float(np.mean(xs)))} ({prose.count(len(xs), 'run')})"
                         for arm, xs in finals.items()))
    ranking["text"] += words
    ranking["short"] += words
    ranking["evidence"]["all_runs"] = [{"arm": arm, "n": len(xs), "mean": float(np.mean(xs)),
                                        "values": xs} for arm, xs in finals.items()]


def larger_steps_favoured(runs_, lrs):
    """Whether the runs bear out the general remark that a short budget favours larger steps
    ({variant: rate}): no run diverged and the mean final validation accuracy over every run
    rises with the rate. Where they do not, the answer says nothing general."""
    means = []
    for name in sorted(lrs, key=lrs.get):
        rows = runs_[runs_.name == name]
        finals = rows.final_val_acc.astype(float)
        if not len(rows) or (rows.status == "diverged").any() or finals.isna().any():
            return False
        means.append(float(finals.mean()))
    return len(means) > 1 and all(a < b for a, b in zip(means, means[1:]))


def loss_falls(runs_, per_epoch, name, last):
    """{seed: training loss in epoch 1 minus in epoch `last`} of a variant's runs that reached
    the last epoch (a diverged run has no last epoch): positive when the loss fell."""
    done = set(runs_.seed[(runs_.name == name) & (runs_.status != "diverged")].astype(int))
    first, end = (_by_seed(per_epoch, name, e, "train_loss") for e in (1, last))
    return {s: first[s] - end[s] for s in sorted(first.keys() & end.keys() & done)}


def slow_facts(out, found, name, fated, runs_, per_epoch, premise, last):
    """A rate below the baseline's: 'its loss falls slowly' is held to the baseline over the
    same epochs, the fall from epoch 1 to the last per run in each arm (loss_falls)."""
    falls = {n: loss_falls(runs_, per_epoch, n, last) for n in (name, "baseline")}
    # the assignment's ratio beside this one, where they differ
    seed = ("" if abs(premise["ratio"] - SEED_RATIOS["below"]) < 1e-9 * SEED_RATIOS["below"]
            else f" (the assignment's lr {min(PROTOCOL['lrs']):g} was "
                 f"{times(SEED_RATIOS['below'])} times smaller than its {PROTOCOL['lr']:g})")
    out["loss_falls"] = {**out.get("loss_falls", {}), **falls}
    found[f"loss_fall_{name}"] = claims.mechanism(
        SLOW_EXPECTED.format(here=premise["here"], seed=seed, last=last),
        claims.difference(
            fated(name), list(falls[name].values()), fated("baseline"),
            list(falls["baseline"].values()), f"Fall of the training loss from epoch 1 to "
            f"epoch {last} (epoch 1's mean minus epoch {last}'s; larger = faster)",
            fmt=lambda x: prose.loss(x), diff_fmt=lambda d: f"{d:+.4f}", source=SOURCE),
        expected_sign=-1, name=f"lr {premise['lr']:g} trains more slowly than the baseline")


# The seed's Parts 1-2, computed (questions 5-7 of the section)
THEORY_LABELS = {"dropout": "dropout {dropout:g}", "layer_l2": "L2 per layer",
                 "identity": "identity MLP", "linear": "linear classifier"}
LINEAR_TOLERANCE = 1e-4
LINEAR_RULE = ("one linear map = on every test image the network's logits and those of W x + b "
               "(W the product of its weight matrices, b its biases carried through them, in "
               f"float64) differ by at most {LINEAR_TOLERANCE:g} of the largest |logit|, in "
               "every run")
DROPOUT_EXPECTED = ("dropout zeroes each unit's output with probability {p:g} at every training "
                    "step, so no unit can rely on particular others and the network fits its "
                    "training images less closely: where the baseline over-fits, the size of "
                    "the gap between training and validation accuracy in the last epoch should "
                    "be smaller with dropout than without.")
OVERFITS_RULE = ("the baseline leaves dropout something to reduce when, over the runs compared, "
                 "its validation loss turns up in a run (rule of the first answer) or its "
                 "training accuracy ends above its validation accuracy on average by more than "
                 f"the noise: {STUCK_Z} standard errors of that mean's validation accuracy "
                 "(binomial, on the validation images of each run); a gap within that line, or "
                 "below zero, is no over-fitting detected, not its absence: the line covers the "
                 "validation side's noise alone, and the training side, an epoch mean taken "
                 "while the weights improve, understates the end-of-epoch accuracy, so the gap "
                 "reads low. Otherwise the expectation's premise does not hold and it gets no "
                 "verdict")


# what the noise line of a gap (gap_noise) covers, as the prose states it
NOISE_WORDS = f"{STUCK_Z} standard errors of the validation accuracy alone"


def gap_noise(val_acc, n_val):
    """The noise line of a mean train-validation gap over runs with these final validation
    accuracies on n_val images each: STUCK_Z binomial standard errors of their mean (the
    training side, an epoch mean over many more images, is left out)."""
    if not len(val_acc) or not n_val:
        return math.inf
    v = float(np.mean(val_acc))
    return STUCK_Z * math.sqrt(max(v * (1 - v), 0.0) / n_val / len(val_acc))
L2_EXPECTED = ("L2 of strength λ = {lam:g} adds λ·w to the layer's gradient, so every SGD step "
               "also shrinks its weights by the factor 1 − lr·λ = {shrink:.6g}: the layer's "
               "weight norm should end below the baseline's (no L2).")


def seeds_words(seeds):
    """'seed 0', 'seeds 0, 1'."""
    return f"seed{'s' if len(seeds) != 1 else ''} {', '.join(map(str, seeds))}"


def theory_facts(out, found, runs_, variants_, overfit, norms, linear, p, fated):
    """Facts and claims of the seed's Parts 1-2: the identity MLP as one linear map and against
    the linear classifier; early stopping (the epoch validation chooses against the last) and
    dropout against none; L2 per layer with each layer's final weight norm. A variant without
    runs is left out (the prose says it was not run)."""
    roles = {r: n for n, r in zip(variants_.name, variants_.role)}
    last = int(p["epochs"])
    overfit_src, norm_src = "tables/hw5_overfit.csv", "tables/hw5_weight_norms.csv"
    # early stopping reads the baseline alone: every one of its runs (a diverged run has no
    # last epoch to compare with)
    base = overfit[(overfit.name == "baseline") & overfit.val_acc_at_min.notna()
                   & (overfit.status != "diverged")]
    before = int((base.min_val_loss_epoch < base.epochs).sum())
    out["early_stopping"] = {"chosen": {int(r.seed): int(r.min_val_loss_epoch)
                                        for r in base.itertuples()},
                             "last": last, "runs": len(base), "before_last": before}
    if before:
        found["early_val"] = claims.paired(  # the same runs at two epochs
            {int(r.seed): r.val_acc_at_min - r.last_val_acc for r in base.itertuples()},
            f"Baseline validation accuracy at the epoch of lowest validation loss minus at "
            f"epoch {last}, per seed (the same validation images chose that epoch)",
            source=overfit_src)
    # the theory variants may run fewer seeds than the baseline (theory_seeds): the baseline is
    # read on the same seeds, so that no seed-to-seed difference enters a one-seed comparison,
    # and named with them wherever it is not all of its runs
    theory = variants_.name[variants_.role.isin(list(THEORY_LABELS))]
    seeds = sorted(int(x) for x in set(runs_[runs_.name.isin(theory)].seed))
    every = sorted(int(x) for x in set(runs_.seed[runs_.name == "baseline"]))
    if seeds:
        runs_ = runs_[runs_.seed.isin(seeds)]
        overfit = overfit[overfit.seed.isin(seeds)]
        norms = norms[norms.seed.isin(seeds)] if norms is not None else None
    on = [x for x in every if x in seeds] if seeds else every
    out["theory_seeds"] = {"seeds": seeds, "baseline": on, "baseline_all": every}

    def label(n):
        if n != "baseline" or on == every:
            return fated(n)
        status = aggregate.status_column(runs_.status[runs_.name == "baseline"]) if on else "ok"
        return (f"baseline ({seeds_words(on) if on else 'no run on these seeds'}"
                + ("" if status == "ok" else f"; {status}") + ")")

    def diff(a, b, what, values, **kw):
        return claims.difference(label(a), values(a), label(b), values(b), what,
                                 source=SOURCE, **kw)

    if {"identity", "linear"} <= set(roles) and linear is not None:
        ident, lin = roles["identity"], roles["linear"]
        rows = linear[linear.name == ident]
        out["linear_map"] = {
            "name": ident, "against": lin, "tolerance": LINEAR_TOLERANCE, "runs": records(rows),
            "parameters": {n: (int(_column(runs_, n, "parameters").iloc[0])
                               if len(_column(runs_, n, "parameters")) else None)
                           for n in (ident, lin)}}
        if len(rows):
            rel = [float(x) for x in rows.relative_diff]
            found["identity_map"] = claims.rule(
                label(ident), rel, "Largest |network logit − linear-map logit| over the test "
                "images, relative to the largest |logit|, per run", max(rel) <= LINEAR_TOLERANCE,
                LINEAR_RULE, "it is one linear map (up to float32 rounding)",
                "it is not one linear map", fmt=lambda x: f"{x:.2g}",
                source="tables/hw5_linear.csv")
        found["identity_test"] = diff(ident, lin, "Test accuracy (same data and protocol)",
                                      lambda n: _column(runs_, n, "test_acc"))
        found["identity_val"] = diff(ident, lin, f"Validation accuracy after epoch {last}",
                                     lambda n: _final(runs_, n))
    if "dropout" in roles:
        dropout_facts(out, found, roles["dropout"], label, diff, runs_, overfit, p, last,
                      out["sizes"]["val"])
    if "layer_l2" in roles and norms is not None:
        l2 = roles["layer_l2"]
        layers = norms[norms.name == l2].drop_duplicates("layer")[["layer", "kind",
                                                                    "weight_decay"]]
        mean = norms.groupby(["name", "layer"]).norm.mean()
        out["layer_l2"] = {"name": l2, "lr": p["lr"], "layers": records(layers),
                           "mean_norm": {n: {int(k): float(mean[(n, k)]) for k in layers.layer
                                             if (n, k) in mean.index}
                                         for n in (l2, "baseline")}}
        for r in layers.itertuples():
            def of(n, layer=r.layer):
                return norms.loc[(norms.name == n) & (norms.layer == layer), "norm"]

            # the decimals the weight-norm table shows for this layer (hw5_prose.norm_format)
            fmt, diff_fmt = norm_format([*of(l2), *of("baseline")])
            measured = claims.difference(
                label(l2), of(l2), label("baseline"), of("baseline"),
                f"Final weight norm of layer {r.layer} ({r.kind}, λ = {r.weight_decay:g})",
                fmt=fmt, source=norm_src, diff_fmt=diff_fmt)
            found[f"l2_norm_{r.layer}"] = measured if not r.weight_decay else claims.mechanism(
                L2_EXPECTED.format(lam=r.weight_decay, shrink=1 - p["lr"] * r.weight_decay),
                measured, expected_sign=-1,
                name=f"L2 {r.weight_decay:g} shrinks layer {r.layer}'s weights")
        found["l2_test"] = diff(l2, "baseline", "Test accuracy",
                                lambda n: _column(runs_, n, "test_acc"))


def dropout_facts(out, found, d, label, diff, runs_, overfit, p, last, n_val):
    """Dropout against the baseline on the same seeds. Its expectation (a narrower gap) has a
    premise: the baseline over-fits, so that there is a gap to narrow (OVERFITS_RULE: a turn of
    its validation loss, or a mean gap beyond the noise, gap_noise). Where it
    does, the size of the gap, |training − validation accuracy|, is compared (a gap may be
    either sign, and narrower means smaller in size); where it does not, the premise is the
    claim, and both arms' gaps are given with no comparison."""
    overfit_src = "tables/hw5_overfit.csv"

    def ended(n):  # a diverged run has no last epoch
        return overfit[(overfit.name == n) & (overfit.status != "diverged")
                       & overfit.last_gap.notna()]

    gaps = {n: [float(x) for x in ended(n).last_gap] for n in (d, "baseline")}
    turned = int((ended("baseline").verdict == "turns up").sum())
    # a positive gap counts only beyond the noise of the validation accuracy (gap_noise): an
    # epoch-mean training accuracy a point above a validation accuracy on a few hundred images
    # is no over-fitting detected
    noise = gap_noise(list(ended("baseline").last_val_acc), n_val)
    mean_gap = float(np.mean(gaps["baseline"])) if gaps["baseline"] else None
    overfits = bool(gaps["baseline"]) and (turned > 0 or mean_gap > noise)
    what = f"Training minus validation accuracy in epoch {last}"
    out["dropout"] = {"name": d, "baseline_turns": turned, "overfits": overfits,
                      "baseline_runs": len(gaps["baseline"]), "baseline_mean_gap": mean_gap,
                      "gap_noise": noise if noise != math.inf else None,
                      "expected": DROPOUT_EXPECTED.format(p=p["dropout"])}
    name = f"dropout {p['dropout']:g} narrows the train-validation gap"
    if overfits:
        found["dropout_gap"] = claims.mechanism(
            out["dropout"]["expected"], claims.difference(
                label(d), [abs(g) for g in gaps[d]], label("baseline"),
                [abs(g) for g in gaps["baseline"]],
                f"Size of the gap between training and validation accuracy in epoch {last} "
                "(|training − validation|)", fmt=lambda x: f"{100 * x:.2f} points",
                source=overfit_src), expected_sign=-1, name=name)
    else:
        runs = prose.count(len(gaps["baseline"]), "run")
        line = ("" if noise == math.inf else
                f"; over-fitting needs a mean gap above {claims.fmt_points(noise)}, "
                f"{NOISE_WORDS}")
        found["dropout_gap"] = claims.rule(
            label("baseline"), gaps["baseline"], f"{what} (validation loss turns up in "
            f"{turned} of {runs}{line})", False, OVERFITS_RULE,
            "", f"no over-fitting detected for dropout {p['dropout']:g} to reduce, so its "
            "expectation "
            "(a narrower train-validation gap) is not tested", fmt=claims.fmt_points,
            source=overfit_src)
        # the summary line: the premise fails, so the expectation is not tested (not 'cannot
        # tell'), with the numbers that decide it
        # one run's gap is its value, not a mean; no parenthesis inside the parenthesis
        n_gaps = len(gaps["baseline"])
        gap_words = ("no run ended" if mean_gap is None else
                     (f"gap {claims.fmt_points(mean_gap)} in its one run" if n_gaps == 1 else
                      f"mean gap {claims.fmt_points(mean_gap)} over {n_gaps} runs")
                     + ("" if noise == math.inf else
                        f", within {100 * noise:.2f} points, {NOISE_WORDS}"
                        if mean_gap > 0 else ""))
        found["dropout_gap"]["short"] = (
            f"dropout {p['dropout']:g} against over-fitting: not tested, no over-fitting "
            f"detected in the {label('baseline')} within {prose.count(last, 'epoch')} (validation "
            f"loss turns up in {turned} of {runs}; {gap_words})")
        found["dropout_gap_values"] = claims.values_only(
            {label(d): gaps[d], label("baseline"): gaps["baseline"]}, what,
            fmt=claims.fmt_points, source=overfit_src,
            note="no comparison: no over-fitting detected in the baseline")
    found["dropout_val"] = diff(d, "baseline", f"Validation accuracy after epoch {last}",
                                lambda n: _final(runs_, n))
    found["dropout_test"] = diff(d, "baseline", "Test accuracy",
                                 lambda n: _column(runs_, n, "test_acc"))
