"""Study 6a (seed 003, HW5): a small CNN's learning rate, momentum and depth, from its curves.

The seed's single Keras run on MNIST is the material; the protocol here is its settings with
several seeds, one record per epoch, a stratified validation split and a short rate sweep.
The prose lives in hw5_prose.py and the figures in hw5_figures.py.
"""
import math

import numpy as np

from .. import aggregate, claims, figures
from ..config import INPUT_SHAPES, ConfigError, make_run, study_data
from ..data import DATASETS
from ..stats import STUCK_Z
from ..models import layer_shapes
from . import hw5_figures
from .common import check_models, departures as protocol_departures, records, write_facts
from .hw5_prose import NAME, SHOWN, TITLE, section  # noqa: F401  (the study interface)
from ..lazy import lazy_import

ORDER = 60
CAPTION = ("Study 6a (seed 003, HW5): the small CNN's curves per epoch, mean over seeds with "
           "a ± 1 std band: the baseline's loss and accuracy, training accuracy per learning "
           "rate, with and without momentum, one conv block against two.")

pd = lazy_import("pandas")

PROTOCOL = {"model": "hw5_cnn", "deeper_model": "hw5_cnn2", "optimizer": "sgd", "lr": 0.01,
            "momentum": 0.0, "batch_size": 32, "epochs": 10, "lrs": [1, 1e-5],
            "momentum_variant": 0.9}
SEED_DATASET = "mnist"  # what the seed trained on: all 60,000 MNIST images, test set as validation
TABLES = ["runs", "variants", "epochs", "overfit"]
FIGURES = ["baseline", "learning_rates", "momentum", "depth"]
_NOT_YET = "not yet answered: the specification asks for it to be measured, and "
# The seed's asks this section answers or leaves open (nnstudies/appendix.py): its theory parts
# 1-2 and the notebook (part 4); parts 3 and 5 are Study 2's, 1.2 Study 4's.
ASKED = [
    {"seed": "003", "ask": "1.1: a multiple-choice question on activation functions",
     "not_reproduced": "the seed holds only its answer (C), not the question or its options"},
    {"seed": "003", "ask": "1.3: what an MLP becomes when every activation is the identity",
     "not_reproduced": _NOT_YET + "no identity-activation MLP is trained and compared with "
     "the product of its weights (one linear map) yet"},
    {"seed": "003", "ask": "2.1: common techniques against over-fitting (the seed: early "
     "stopping, dropout)", "not_reproduced": _NOT_YET + "neither early stopping (the epoch "
     "validation chooses against the last) nor dropout (with against without) is run yet; "
     "Study 6a's Q1 only locates where the baseline's validation loss turns up"},
    {"seed": "003", "ask": "2.2: can L1/L2 regularisation be set per layer?",
     "not_reproduced": _NOT_YET + "no model with a different L2 strength per layer is "
     "trained yet"},
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
    return out


def runs(cfg):
    p = cfg[NAME]
    return {(name, s): make_run(cfg, NAME, name, v["model"], s, p, lr=v["lr"],
                                momentum=v["momentum"])
            for name, v in variants(p).items() for s in p["seeds"]}


def check(cfg):
    check_models(cfg, NAME, key="model")
    check_models(cfg, NAME, key="deeper_model")
    p = cfg[NAME]
    if p["momentum_variant"] == p["momentum"]:
        raise ConfigError(f"config key '{NAME}.momentum_variant': {p['momentum_variant']} is the "
                          f"baseline's momentum ({NAME}.momentum); the comparison needs another")
    if p["deeper_model"] == p["model"]:
        raise ConfigError(f"config key '{NAME}.deeper_model': the same model as {NAME}.model")


def departures(cfg):
    """The protocol's departures, and the dataset against the seed's (MNIST); the study's own
    data settings against the global block are listed by common.study_data_departures."""
    out = protocol_departures(NAME, cfg[NAME], PROTOCOL)
    dataset = study_data(cfg, NAME)["dataset"]
    if dataset != SEED_DATASET:
        out.append(f"{NAME}: {DATASETS[dataset].title} (the seed trained on "
                   f"{DATASETS[SEED_DATASET].title})")
    return out


def inputs(cfg, files):
    return {"summary": files(NAME, "summary.json"), "curves": files(NAME, "curves.csv")}


def params(cfg):
    p = cfg[NAME]
    data = study_data(cfg, NAME)
    shape = INPUT_SHAPES[data["dataset"]]
    models = {m: cfg["models"][m] for m in (p["model"], p["deeper_model"])}
    return {"protocol": p, "variants": variants(p), "dataset": data["dataset"],
            "layers": models,
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


def analyse(inp, out, params, info):
    p = params["protocol"]
    n_classes = len(info["class_names"])
    runs_, curves, variants_, _ = aggregate.variant_tables(
        inp.summary, inp.curves, n_classes, info["sizes"]["test"], p["target_val_acc"])
    variants_ = describe_variants(variants_, params["variants"])
    per_epoch, epochs = epoch_tables(curves)
    # each run's turn with what its variant changes (the report labels the rows by it)
    overfit = overfit_table(curves).merge(
        variants_[["name", "role", "model", "lr", "momentum"]], on="name", how="left")
    runs_.to_csv(out.table("runs"), index=False)
    variants_.to_csv(out.table("variants"), index=False)
    epochs.to_csv(out.table("epochs"), index=False)
    overfit.to_csv(out.table("overfit"), index=False)
    for name, draw in (("baseline", hw5_figures.baseline), ("learning_rates", hw5_figures.rates),
                       ("momentum", hw5_figures.momentum), ("depth", hw5_figures.depth)):
        figures.save(draw(epochs, variants_, overfit, p, 1 / n_classes),
                     *out.figure(name))
    write_facts(out.facts, facts(runs_, variants_, per_epoch, p, n_classes, info["sizes"],
                                 overfit))


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
    rising training loss as well; 'not measured' with fewer than two finite records."""
    rows = []
    for (name, seed), df in curves.items():
        df = df[np.isfinite(df.val_loss)] if len(df) else df
        row = {"name": name, "seed": seed, "epochs": len(df)}
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
                     "train_above_val_from": since})
    columns = ["name", "seed", "epochs", "verdict", "min_val_loss_epoch", "min_val_loss",
               "last_val_loss", "train_loss_at_min", "last_train_loss", "last_gap",
               "train_above_val_from"]
    return pd.DataFrame(rows).reindex(columns=columns).sort_values(["name", "seed"],
                                                                   ignore_index=True)


def _column(runs_, name, column):
    values = runs_.loc[runs_.name == name, column]
    return values[values.notna()].astype(float)


def _at_epoch(per_epoch, name, epoch, column="val_acc"):
    rows = per_epoch[(per_epoch.name == name) & (per_epoch.epoch == epoch)]
    return rows[column].astype(float)


def epochs_to(per_epoch, name, target, seeds):
    """{seed: first epoch whose validation accuracy reaches target, or None}."""
    out = {}
    for seed in seeds:
        df = per_epoch[(per_epoch.name == name) & (per_epoch.seed == seed)]
        hit = df.epoch[df.val_acc >= target]
        out[int(seed)] = int(hit.iloc[0]) if len(hit) else None
    return out


SOURCE = "tables/hw5_runs.csv and tables/hw5_epochs.csv"
MOMENTUM_EXPECTED = ("with β = {beta:g} each step adds up past gradients, so along directions "
                     "where they agree the step grows to about 1/(1 − β) = {gain:.3g} times the "
                     "plain one while oscillating components cancel: at the same rate, training "
                     "should progress faster per epoch (higher validation accuracy after epoch "
                     "1).")
DEPTH_EXPECTED = ("a second conv block builds features of features over larger patches of the "
                  "image (each unit after it sees more of the input), which usually helps on "
                  "images (higher test accuracy).")
SLOW_EXPECTED = ("a rate far below the baseline's moves the weights so little that the "
                 "training loss falls slowly (lower in the last epoch than in the first).")


def facts(runs_, variants_, per_epoch, p, n_classes, sizes, overfit):
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
                else f"momentum {r.momentum:g}" if r.role == "momentum" else "two blocks")

    def diff(a, b, what, values):
        return claims.difference(label(a), values(a), label(b), values(b), what, source=SOURCE)

    # q2: rates whose runs all ended ok, ranked by final validation accuracy; the best against
    # the baseline (or the runner-up, when the best is the baseline) on test accuracy
    lrs = variants_[variants_.role.isin(["baseline", "rate"])]
    ok = lrs[lrs.worst_status == "ok"].sort_values("final_val_acc_mean", ascending=False)
    out["rate_order"] = list(ok.name)
    found["rates"] = claims.ranking(
        {label(n): list(_column(runs_, n, "final_val_acc")) for n in sorted(
            ok.name, key=lambda n: v.loc[n, "lr"])},
        f"Validation accuracy after the last epoch (rates whose runs all ended ok; equal "
        f"budgets of {last} epochs)", source=SOURCE)
    if len(ok) > 1:
        best = ok.name.iloc[0]
        other = "baseline" if best != "baseline" else ok.name.iloc[1]
        out["best_rate"] = {"name": best, "against": other}
        found["best_rate_test"] = diff(
            best, other, "Test accuracy (not used to choose) of the rate with the highest mean "
            "validation accuracy against " + ("the runner-up" if best == "baseline" else
                                              "the baseline"),
            lambda n: _column(runs_, n, "test_acc"))
    out["rates"] = {}
    # "learns": the rule each asked rate is held to (a fate-like rule, not a comparison)
    band = STUCK_Z * math.sqrt(out["chance"] * (1 - out["chance"]) / sizes["val"])
    learns_rule = (f"learns = mean final validation accuracy above chance "
                   f"({100 * out['chance']:.2f} %) by more than {STUCK_Z} standard errors on "
                   f"{sizes['val']:,} validation images, i.e. above "
                   f"{100 * (out['chance'] + band):.2f} %, with every run ok")
    out["learns_rule"] = learns_rule
    for name in lrs.name:
        if v.loc[name, "lr"] in p["lrs"]:
            r = v.loc[name]
            found[f"learns_{name}"] = claims.rule(
                label(name), _column(runs_, name, "final_val_acc"),
                "Final validation accuracy per run", r.worst_status == "ok"
                and r.final_val_acc_mean > out["chance"] + band, learns_rule,
                "it learns", "it does not learn", source=SOURCE)
        first = per_epoch[(per_epoch.name == name) & (per_epoch.epoch == 1)].train_loss
        out["rates"][name] = {"first_train_loss": float(first.mean()) if len(first) else None,
                              "last_train_loss": float(v.loc[name, "final_train_loss_mean"])}
        if v.loc[name, "lr"] < p["lr"]:
            found[f"loss_fall_{name}"] = claims.mechanism(SLOW_EXPECTED, claims.difference(
                "last epoch", _at_epoch(per_epoch, name, last, "train_loss"), "epoch 1",
                _at_epoch(per_epoch, name, 1, "train_loss"), f"{label(name)}: training loss",
                fmt=claims.fmt_number, source=SOURCE, diff_fmt=lambda d: f"{d:+.4f}"),
                expected_sign=-1)
    # q3: momentum against the baseline at equal epochs and in epochs to the target accuracy
    mom = variants_.name[variants_.role == "momentum"].iloc[0]
    seeds = sorted(runs_.seed.unique())
    beta = p["momentum_variant"]
    out["momentum"] = {"name": mom, "target": p["target_val_acc"],
                       "to_target": {n: epochs_to(per_epoch, n, p["target_val_acc"], seeds)
                                     for n in (mom, "baseline")}}
    found["momentum_epoch1"] = claims.mechanism(
        MOMENTUM_EXPECTED.format(beta=beta, gain=1 / (1 - beta)),
        diff(mom, "baseline", "Validation accuracy after epoch 1",
             lambda n: _at_epoch(per_epoch, n, 1)), expected_sign=1,
        name=f"momentum {beta:g} faster per epoch (validation accuracy after epoch 1)")
    found["momentum_last"] = diff(mom, "baseline", f"Validation accuracy after epoch {last}",
                                  lambda n: _at_epoch(per_epoch, n, last))
    found["momentum_train_last"] = diff(mom, "baseline", f"Training accuracy in epoch {last}",
                                        lambda n: _at_epoch(per_epoch, n, last, "train_acc"))
    found["momentum_test"] = diff(mom, "baseline", "Test accuracy",
                                  lambda n: _column(runs_, n, "test_acc"))
    # q4: the second block against one, with both parameter counts
    params_ = {n: int(_column(runs_, n, "parameters").iloc[0]) if len(_column(
        runs_, n, "parameters")) else None for n in ("baseline", "two_blocks")}
    out["depth"] = {"parameters": params_,
                    "seconds": {n: float(_column(runs_, n, "train_seconds").mean())
                                for n in ("baseline", "two_blocks")}}
    found["depth_test"] = claims.mechanism(DEPTH_EXPECTED, diff(
        "two_blocks", "baseline", "Test accuracy", lambda n: _column(runs_, n, "test_acc")),
        expected_sign=1, name="a second conv block helps (test accuracy)")
    found["depth_val_last"] = diff("two_blocks", "baseline",
                                   f"Validation accuracy after epoch {last}",
                                   lambda n: _at_epoch(per_epoch, n, last))
    found["depth_train_last"] = diff("two_blocks", "baseline",
                                     f"Training accuracy in epoch {last}",
                                     lambda n: _at_epoch(per_epoch, n, last, "train_acc"))
    out["claims"] = found
    return out
