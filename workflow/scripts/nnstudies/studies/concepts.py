"""Study 1: basic concepts, computed on this run's own models and runs rather than recited."""
import math

import numpy as np

from .. import claims, fundamentals, figures, prose
from ..config import sizes_of, study_data
from ..conv import PARAM_FORMULAS, parameter_count_formula
from ..data import load_prepared, scale
from ..models import build_model, count_parameters
from ..report import Section, Shown
from ..runfiles import read_summary
from .common import check_models, write_facts
from ..lazy import lazy_import

pd = lazy_import("pandas")
torch = lazy_import("torch")

NAME = "concepts"
TITLE = "Study 1: basic concepts, computed"
ORDER = 10
CAPTION = ("Study 1: reliability diagrams of the trained architecture-study models on the "
           "test set; the diagonal is perfect calibration.")
PROTOCOL = {}
TABLES = ["ece", "reliability", "iterations", "parameters"]
# Draws of a perfectly calibrated model's ECE per run (fundamentals.calibrated_ece): enough
# for a stable 95th percentile and a smallest p of 1/1001.
CALIBRATED_DRAWS = 1000
# The seeds' asks this section answers (nnstudies/appendix.py): EE449 part 1, both reports.
ASKED = [
    {"seed": "000", "ask": "1.1 Q1: which function does a classifier trained with "
     "cross-entropy approximate?", "answer": "concepts-q1"},
    {"seed": "000", "ask": "1.1 Q2: how the cross-entropy loss brings it about (the question's "
     "own text is not in the seed, only its answer)", "answer": "concepts-q1",
     "note": "through the expected loss, smallest at the true posterior, and calibration"},
    {"seed": "000", "ask": "1.2: the gradient from two successive weights, "
     "(w_k − w_(k+1)) / lr", "answer": "concepts-q2"},
    {"seed": "000", "ask": "1.3 Q1: what an epoch and a batch are", "answer": "concepts-q3"},
    {"seed": "000", "ask": "1.3 Q2: batches per epoch for N images in batches of B",
     "answer": "concepts-q3"},
    {"seed": "000", "ask": "1.3 Q3: SGD iterations in E epochs", "answer": "concepts-q3"},
    {"seed": "000", "ask": "1.4 Q1: the number of parameters of an MLP (formula)",
     "answer": "concepts-q4"},
    {"seed": "000", "ask": "1.4 Q2: the number of parameters of a CNN (formula)",
     "answer": "concepts-q4"},
    {"seed": "001", "ask": "1.1: which function does a classifier trained with cross-entropy "
     "approximate?", "answer": "concepts-q1"},
    {"seed": "001", "ask": "1.2: the gradient from two successive weights, "
     "(w_k − w_(k+1)) / lr", "answer": "concepts-q2"},
    {"seed": "001", "ask": "1.3.1: what a batch and an epoch are", "answer": "concepts-q3"},
    {"seed": "001", "ask": "1.3.2: batches per epoch", "answer": "concepts-q3"},
    {"seed": "001", "ask": "1.3.3: SGD iterations in E epochs", "answer": "concepts-q3"},
    {"seed": "001", "ask": "1.4.1: the number of parameters of an MLP (formula)",
     "answer": "concepts-q4"},
    {"seed": "001", "ask": "1.4.2: the number of parameters of a CNN (formula)",
     "answer": "concepts-q4"},
]


def runs(cfg):
    return {}


def check(cfg):
    check_models(cfg, NAME, key="identity_model")


def departures(cfg):
    return []


def inputs(cfg, files):
    from . import training_studies
    return {"arch_summary": files("architectures", "summary.json"),
            "arch_model": files("architectures", "model.pt"),
            "summary": [f for study in training_studies(cfg)
                        for f in files(study, "summary.json")]}


def params(cfg):
    from . import STUDIES  # the registry imports this module: import it late
    return {"concepts": cfg[NAME], "models": cfg["models"], "scaling": cfg["data"]["scaling"],
            "threads": cfg["train"]["threads"],
            # N of each study's own split (a study may set its own data: key)
            "train_sizes": {s: sizes_of(study_data(cfg, s))["train"] for s in STUDIES}}


def figures_of(params):
    return ["reliability"]


def analyse(inp, out, params, info):
    p, models = params["concepts"], params["models"]
    torch.set_num_threads(params["threads"])
    data = load_prepared(inp.data)
    in_shape = tuple(data["train_x"].shape[1:])
    n_classes = len(info["class_names"])
    test_x = torch.from_numpy(scale(data["test_x"], params["scaling"]))

    # 1. Calibration of every trained architecture-study model on the test set, each run's ECE
    # against the ECEs a perfectly calibrated model with its confidences scores on as many test
    # images (an ECE is above 0 from sampling alone).
    eces, bins = [], []
    arch_runs = [read_summary(path)["run"] for path in inp.arch_summary]
    for run, path in zip(arch_runs, inp.arch_model, strict=True):  # summaries and models align
        name, seed = run["name"], run["seed"]
        model = build_model(models[name], in_shape, n_classes)
        model.load_state_dict(load_weights(path))
        probs = fundamentals.probabilities(model, test_x)
        ece, table = fundamentals.calibration(probs, data["test_y"], p["calibration_bins"])
        calibrated = fundamentals.calibrated_ece(probs, p["calibration_bins"], CALIBRATED_DRAWS)
        eces.append({"model": name, "seed": seed, "ece": ece, "epochs": run["epochs"],
                     "calibrated_ece_mean": float(calibrated.mean()),
                     "calibrated_ece_p95": float(np.quantile(calibrated, 0.95)),
                     # the share of calibrated draws at or above this ECE (+1: the run itself)
                     "calibrated_ece_p": float((1 + (calibrated >= ece).sum())
                                               / (1 + len(calibrated))),
                     "confidence_minus_accuracy": float(
                         probs.max(1).mean() - (probs.argmax(1) == data["test_y"]).mean())})
        bins.append(table.assign(model=name, seed=seed))
    eces = pd.DataFrame(eces)
    eces.to_csv(out.table("ece"), index=False)
    bins = pd.concat(bins)
    pooled = bins.assign(hits=bins.accuracy * bins["count"], conf=bins.confidence * bins["count"])
    pooled = pooled.groupby(["model", "bin_low", "bin_high"], sort=False)[
        ["count", "hits", "conf"]].sum().reset_index()
    pooled["accuracy"] = pooled.hits / pooled["count"]
    pooled["confidence"] = pooled.conf / pooled["count"]
    pooled = pooled.drop(columns=["hits", "conf"])
    pooled.to_csv(out.table("reliability"), index=False)
    figures.save(figures.reliability_figure(pooled), *out.figure("reliability"))

    # 2. grad = (w_k - w_(k+1)) / lr on a real step of a zoo model with real training images.
    torch.manual_seed(0)
    model = build_model(models[p["identity_model"]], in_shape, n_classes)
    batch = slice(0, p["identity_batch"])
    identity = fundamentals.sgd_step_identity(
        model, torch.from_numpy(scale(data["train_x"][batch], params["scaling"])),
        torch.from_numpy(data["train_y"][batch]), p["identity_lr"])
    identity.update(model=p["identity_model"], lr=p["identity_lr"], batch=p["identity_batch"])

    # 3. Batches per epoch and iterations: formula against what every run actually did.
    rows = []
    for path in inp.summary:
        s = read_summary(path)
        run = s["run"]
        epochs = run["schedule"]["epochs"] if run.get("schedule") else run["epochs"]
        n = params.get("train_sizes", {}).get(run["study"], len(data["train_y"]))
        batch = run["batch_size"] or n  # None: full-batch gradient descent (assignment4)
        per_epoch = math.ceil(n / batch)
        rows.append({"study": run["study"], "N": n, "B": batch, "E": epochs,
                     "ceil(N/B)": per_epoch, "E*ceil(N/B)": epochs * per_epoch,
                     "batches per epoch (run)": s["steps_per_epoch"],
                     "iterations (run)": s["steps"] if s["diverged_at_step"] is None else None,
                     # a scheduled run goes back to the epoch where its rate switches, so it
                     # computes more steps than its curve keeps
                     "iterations computed (run)": s.get("steps_trained", s["steps"])
                     if s["diverged_at_step"] is None else None,
                     # a diverged run stopped early: its counts are left blank, and said so
                     "runs": "diverged" if s["diverged_at_step"] is not None else "finished"})
    # one row per distinct setting, with how many runs it stands for
    iterations = pd.DataFrame(rows)
    iterations = iterations.groupby(list(iterations.columns), sort=False,
                                    dropna=False).size().reset_index(name="count")
    iterations["runs"] = iterations["count"].astype(str) + " " + iterations["runs"]
    iterations = iterations.drop(columns="count")
    iterations.to_csv(out.table("iterations"), index=False)

    # 4. Parameter-count formulas against the framework's count, for every declared model.
    parameters = pd.DataFrame([
        {"model": name, "kind": f["kind"], "formula": f["expression"],
         "formula_count": f["total"],
         "framework_count": count_parameters(build_model(layers, in_shape, n_classes))}
        for name, layers in models.items()
        for f in [parameter_count_formula(layers, in_shape, n_classes)]])
    parameters.to_csv(out.table("parameters"), index=False)
    write_facts(out.facts, facts(eces, identity, pooled, iterations, parameters,
                                 {"test_images": len(data["test_y"]), "classes": n_classes,
                                  "bins": p["calibration_bins"], "draws": CALIBRATED_DRAWS}))


def load_weights(path):
    """A run's saved state dict, tensors only (weights_only: a tampered file cannot run code);
    a file that is not one stops the analysis naming it."""
    try:
        return torch.load(path, weights_only=True)
    except Exception as err:  # pickle, zip or weights-only refusal: all mean the same to a user
        raise RuntimeError(f"{path} is not a readable state dict ({type(err).__name__}: "
                           f"{str(err).splitlines()[0][:200]}); delete it and rerun to train "
                           "that run again") from None


def _ece_per_model(eces):
    """One row per model: its runs' ECE (mean, std, runs), the mean ECE a perfectly calibrated
    model scores on this test set and its 95th percentile (means over the runs), and how many
    runs lie above their own 95th percentile."""
    eces = eces.assign(above=eces.ece > eces.calibrated_ece_p95)
    return eces.groupby("model", sort=False).agg(
        mean=("ece", "mean"), std=("ece", "std"), count=("ece", "size"),
        calibrated=("calibrated_ece_mean", "mean"), p95=("calibrated_ece_p95", "mean"),
        above=("above", "sum")).reset_index()


SHOWN = {"ece": Shown(rows=_ece_per_model, decimals=3, columns=(
             ("model", "model"), ("ECE mean", "mean"), ("std", "std"), ("runs", "count"),
             ("ECE if calibrated, mean", "calibrated"), ("its 95th percentile", "p95"),
             ("runs above it", "above"))),
         "iterations": Shown(), "parameters": Shown()}
SOURCE = "tables/concepts_ece.csv"


def _calibration_claims(eces, calibration):
    """Per run, whether its ECE lies above the 95th percentile of a perfectly calibrated
    model's ECE on as many test images (the rule, one run at a time); and the direction of
    each run's miscalibration, confidence minus accuracy, counted over the runs (sign test)."""
    runs = [f"{r.model} seed {r.seed}" for r in eces.itertuples()]
    ratio = list(eces.ece / eces.calibrated_ece_p95)
    above = sum(r > 1 for r in ratio)
    n = calibration["test_images"]
    return {
        "ece_noise": claims.rule(
            "the architecture runs", ratio,
            f"ECE divided by its 95th percentile for a perfectly calibrated model on {n:,} test "
            "images (above 1: more miscalibration than sampling noise explains)",
            holds=above == len(ratio),
            rule_text="a run's ECE is beyond sampling noise when it lies above the 95th "
                      "percentile of the ECEs that a perfectly calibrated model with the run's "
                      f"own confidences scores on the same {n:,} test images "
                      f"({calibration['draws']:,} draws, each image right with probability "
                      "its confidence; one-sided, p < 0.05 per run)",
            yes="above 1 in every run",
            no=f"above 1 in {above or 'none'} of {prose.count(len(ratio), 'run')}",
            fmt=lambda x: f"{x:.2f}", source=SOURCE, labels=runs),
        "direction": claims.sign(
            dict(zip(runs, ([v] for v in eces.confidence_minus_accuracy))),
            "Confidence minus accuracy per run (positive: over-confident)", reference=0.0,
            fmt=claims.fmt_points, source=SOURCE, unit="run"),
    }


def facts(eces, identity, reliability, iterations, parameters, calibration):
    """The section's numbers: ECE per model (with its mean over-confidence, all runs pooled),
    the ECE of a perfectly calibrated model on this test set (`calibration`: test_images,
    classes, bins, draws), the SGD identity, the batch and iteration formulas per study
    against the runs, the parameter-count check; and the calibration claims, from the per-run
    ECEs."""
    over = reliability.groupby("model", sort=False).apply(
        lambda b: ((b.confidence - b.accuracy) * b["count"]).sum() / b["count"].sum(),
        include_groups=False)
    per_model = {r.model: {"mean": r.mean, "std": r.std, "runs": r.count,
                           "over_confidence": over[r.model]}
                 for r in _ece_per_model(eces).itertuples()}
    # top-class confidence is at least 1 / classes: the bins wholly below it stay empty
    edges = np.linspace(0, 1, calibration["bins"] + 1)
    empty = int((edges[1:] <= 1 / calibration["classes"] + 1e-12).sum())
    calibrated = {**calibration, "empty_bins": empty,
                  "mean_range": [float(eces.calibrated_ece_mean.min()),
                                 float(eces.calibrated_ece_mean.max())],
                  "p95_range": [float(eces.calibrated_ece_p95.min()),
                                float(eces.calibrated_ece_p95.max())]}
    per_batch, agree = [], True
    for (study, _), r in iterations.groupby(["study", "B"], sort=False):  # a study may mix B
        first, ran = r.iloc[0], r["iterations (run)"].dropna()
        agree &= bool((r["ceil(N/B)"] == r["batches per epoch (run)"]).all()
                      and (ran == r.loc[ran.index, "E*ceil(N/B)"]).all())
        per_batch.append({"study": study, "N": first.N, "B": first.B,
                          "per_epoch": first["ceil(N/B)"], "epochs": sorted(r.E.unique()),
                          "iterations": sorted(r["E*ceil(N/B)"].unique())})
    extra = iterations[iterations["iterations computed (run)"] > iterations["iterations (run)"]]
    match = parameters.formula_count == parameters.framework_count
    return {"identity": identity, "ece": per_model, "calibrated": calibrated,
            "iterations": per_batch,
            "iterations_agree": agree,
            "iterations_extra": [{"study": r["study"], "E": int(r["E"]),
                                  "kept": int(r["iterations (run)"]),
                                  "computed": int(r["iterations computed (run)"])}
                                 for r in extra.to_dict("records")],
            "parameter_models": len(parameters),
            "parameter_mismatch": list(parameters.model[~match]),
            "claims": {**_calibration_claims(eces, calibration), "ece": claims.ranking(
                {m: list(g.ece) for m, g in eces.groupby("model", sort=False)},
                "Expected calibration error on the test set after "
                + " or ".join(prose.count(int(e), "epoch") for e in sorted(eces.epochs.unique()))
                + " of training (lower: better calibrated)",
                fmt=lambda x: "–" if x != x else f"{x:.3f}", source=SOURCE,
                # two significant digits: a difference below 0.0005 is not "-0.000"
                higher_is_better=False, diff_fmt=lambda d: f"{d:+.2g}", bounds=(0.0, 1.0))}}


def section(facts, figs, params, info):
    sec = Section(NAME, TITLE,
                  "Each concept shown on this run's own models and data: calibration of the "
                  "architecture study's trained models on the test set, the SGD update rule on "
                  "a real step, the iteration counts of the actual runs, and the parameter-count "
                  "formulas against torch's count for every declared model.")
    sec.add_figure(figs["reliability"], "Reliability diagrams on the test set (all seeds "
                   "pooled): bars, the accuracy of each confidence bin; dots, the same accuracy "
                   "at the bin's mean confidence, each dot's area proportional to the number of "
                   "test images in its bin; the dotted diagonal is perfect calibration.")
    sec.add_table("Expected calibration error (test set)", "ece")
    sec.add_table("Batches per epoch and iterations: formula and runs", "iterations")
    sec.add_table("Parameter counts: formula and framework", "parameters")
    eces = "; ".join(f"{m} {r['mean']:.3f}" + (f" ± {r['std']:.3f}" if r["runs"] > 1 else "")
                     + f" (confidence − accuracy {prose.pts(r['over_confidence'])})"
                     for m, r in facts["ece"].items())
    cal = facts["calibrated"]

    def span(values):  # '0.017–0.019', or one number where every run gives the same
        low, high = (f"{v:.3f}" for v in values)
        return low if low == high else f"{low}–{high}"

    empty = (f" With {cal['classes']} classes the top-class confidence is never below "
             f"1/{cal['classes']}, so the {prose.count(cal['empty_bins'], 'bin')} below "
             f"{cal['empty_bins'] / cal['bins']:.3g} always "
             + ("stays" if cal["empty_bins"] == 1 else "stay") + " empty."
             if cal["empty_bins"] else "")
    sec.ask("What does a classifier trained with cross-entropy approximate?",
            "In theory: the expected cross-entropy is smallest when the predicted class "
            "probabilities equal the true posterior p(class | image), so a trained network's "
            "softmax approximates that posterior; where it equals it, a prediction made with "
            "confidence c is right a fraction c of the time, and the expected calibration error "
            "(ECE) is 0 on infinitely many test images. On a finite test set a perfectly "
            "calibrated model still scores above 0, from sampling alone: with each of the "
            f"{cal['test_images']:,} test images drawn right with probability the run's own "
            f"confidence ({cal['draws']:,} draws per run, the same {cal['bins']} bins), its ECE "
            f"averages {span(cal['mean_range'])} over these runs, with a 95th percentile of "
            f"{span(cal['p95_range'])}. That is the 'near 0' a measured ECE is held against."
            f"{empty} Measured on the test set (ECE, mean ± std over seeds, lower is better; in "
            "brackets the mean confidence minus accuracy, all runs pooled, positive = "
            f"over-confident): {eces}. {sec.cite(facts['claims'], 'ece_noise')}. "
            f"{sec.cite(facts['claims'], 'direction')}. {sec.cite(facts['claims'], 'ece')}.")
    identity = facts["identity"]
    ratio = identity["max_abs_error"] / identity["max_abs_grad"]
    sec.ask("With plain SGD, is grad = (w_k − w_(k+1)) / lr?",
            f"One real step of {identity['model']} with the workflow's SGD optimiser, plain (no "
            f"momentum; lr {identity['lr']:g}, a batch of "
            f"{identity['batch']} training images, {identity['weights']:,} parameters, "
            f"weights and biases): the "
            f"largest |grad − (w_k − w_(k+1)) / lr| is {identity['max_abs_error']:.2g}, "
            f"against gradient entries up to {identity['max_abs_grad']:.2g} — "
            + ("equal up to float32 rounding, as the update rule w_(k+1) = w_k − lr · grad "
               "says." if ratio < 1e-3 else "not equal: the optimiser is not plain SGD.")
            + " With momentum (a run set to SGD with momentum) the step is lr times the "
            "velocity, which adds past gradients, so the identity holds at the first step only; "
            "with Adam (the architecture study's optimiser unless set otherwise) the step is lr "
            "times a running mean of gradients divided by the root of a running mean of their "
            "squares, so it does not hold at any step.")
    lines = [f"{r['study']}: N = {r['N']:,}, B = {r['B']} → ceil(N/B) = "
             f"{prose.count(r['per_epoch'], 'batch', 'batches')} per epoch; "
             f"E = {', '.join(map(str, r['epochs']))} → "
             f"{', '.join(f'{x:,}' for x in r['iterations'])} iterations"
             for r in facts["iterations"]]
    sec.ask("How many batches per epoch and iterations in all?",
            "An epoch passes every training image once in batches of B, the last one possibly "
            "smaller: ceil(N/B) batches; E epochs make E·ceil(N/B) iterations. "
            + "; ".join(lines) + ". "
            + ("Every run's recorded batches per epoch and kept steps equal these formulas (a "
               "diverged run stops early and is left out of the step check)."
               if facts["iterations_agree"] else
               "Some runs' recorded counts differ from the formulas: see the table.")
            + "".join(f" The {r['study']} runs of E = {r['E']} computed {r['computed']:,} steps "
                      f"to keep {r['kept']:,}: a scheduled run goes back to the epoch where its "
                      "rate switches and trains on from there."
                      for r in facts["iterations_extra"]))
    n, mismatch = facts["parameter_models"], facts["parameter_mismatch"]
    sec.ask("How many parameters does a model have?",
            f"MLP: {PARAM_FORMULAS['mlp']}. CNN: {PARAM_FORMULAS['cnn']}. Evaluated for all "
            f"{n} declared models (table): the formula equals torch's own count for "
            f"{n - len(mismatch)} of {n}"
            + (f"; it differs for {', '.join(mismatch)}." if mismatch else "."))
    return sec
