"""Study 1: basic concepts, computed on this run's own models and runs rather than recited."""
import math


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

    # 1. Calibration of every trained architecture-study model on the test set.
    eces, bins = [], []
    arch_runs = [read_summary(path)["run"] for path in inp.arch_summary]
    for run, path in zip(arch_runs, inp.arch_model, strict=True):  # summaries and models align
        name, seed = run["name"], run["seed"]
        model = build_model(models[name], in_shape, n_classes)
        model.load_state_dict(load_weights(path))
        ece, table = fundamentals.calibration(fundamentals.probabilities(model, test_x),
                                              data["test_y"], p["calibration_bins"])
        eces.append({"model": name, "seed": seed, "ece": ece, "epochs": run["epochs"]})
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
    write_facts(out.facts, facts(eces, identity, pooled, iterations, parameters))



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
    return eces.groupby("model", sort=False).ece.agg(["mean", "std", "count"]).reset_index()


SHOWN = {"ece": Shown(rows=_ece_per_model, decimals=3, columns=(
             ("model", "model"), ("ECE mean", "mean"), ("std", "std"), ("runs", "count"))),
         "iterations": Shown(), "parameters": Shown()}


def facts(eces, identity, reliability, iterations, parameters):
    """The section's numbers: ECE per model (with its mean over-confidence), the SGD identity,
    the batch and iteration formulas per study against the runs, the parameter-count check;
    and the calibration claim, from the per-run ECEs."""
    over = reliability.groupby("model", sort=False).apply(
        lambda b: ((b.confidence - b.accuracy) * b["count"]).sum() / b["count"].sum(),
        include_groups=False)
    per_model = {r.model: {"mean": r.mean, "std": r.std, "runs": r.count,
                           "over_confidence": over[r.model]}
                 for r in _ece_per_model(eces).itertuples()}
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
    return {"identity": identity, "ece": per_model, "iterations": per_batch,
            "iterations_agree": agree,
            "iterations_extra": [{"study": r["study"], "E": int(r["E"]),
                                  "kept": int(r["iterations (run)"]),
                                  "computed": int(r["iterations computed (run)"])}
                                 for r in extra.to_dict("records")],
            "parameter_models": len(parameters),
            "parameter_mismatch": list(parameters.model[~match]),
            "claims": {"ece": claims.ranking(
                {m: list(g.ece) for m, g in eces.groupby("model", sort=False)},
                "Expected calibration error on the test set after "
                + " or ".join(prose.count(int(e), "epoch") for e in sorted(eces.epochs.unique()))
                + " of training (lower: better calibrated)",
                fmt=lambda x: "–" if x != x else f"{x:.3f}", source="tables/concepts_ece.csv",
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
    over = sum(r["over_confidence"] > 0 for r in facts["ece"].values())
    under = sum(r["over_confidence"] < 0 for r in facts["ece"].values())
    sec.ask("What does a classifier trained with cross-entropy approximate?",
            "In theory: the expected cross-entropy is smallest when the predicted class "
            "probabilities equal the true posterior p(class | image), so a trained network's "
            "softmax approximates that posterior; where it equals it, a prediction made with "
            "confidence c is right a fraction c of the time, and the expected calibration error "
            "(ECE) is 0. Measured on the test set (ECE, mean ± std over seeds, lower is better; "
            "in brackets the mean confidence minus accuracy, positive = over-confident): "
            f"{eces}. Mean confidence above accuracy for {over} of {len(facts['ece'])} "
            f"models, below it for {under} (read from the means, no test). No threshold makes an "
            "ECE 'near 0', so no verdict on the theory is drawn from it. "
            f"{sec.cite(facts['claims'], 'ece')}.")
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
