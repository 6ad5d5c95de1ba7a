"""Study 1: basic concepts, computed on this run's own models and runs rather than recited."""
import math

import numpy as np

from .. import aggregate, claims, fundamentals, figures, prose
from ..stats import ALPHA
from ..config import sizes_of, study_data
from ..conv import PARAM_FORMULAS, parameter_count_formula
from ..data import load_prepared, scale
from ..models import build_model, count_parameters
from ..report import Section, Shown
from ..runfiles import read_summary
from .common import check_models, load_weights, write_facts
from ..lazy import lazy_import

pd = lazy_import("pandas")
torch = lazy_import("torch")
scipy_stats = lazy_import("scipy.stats")

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
# A run's ECE is above its own sampling noise past this quantile of the calibrated draws: a
# calibrated run lands there with probability 1 - NOISE_QUANTILE, the rate the count of runs
# above it is held against (binomial)
NOISE_QUANTILE = 0.95
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
            # the runs' records: their fates (stats.run_status), as the architecture study's
            "arch_curves": files("architectures", "curves.csv"),
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
    fates, _ = aggregate.load_runs(inp.arch_summary, inp.arch_curves, n_classes,
                                   len(data["test_y"]))
    fate = {(r.name, r.seed): r.status for r in fates.itertuples()}
    for run, path in zip(arch_runs, inp.arch_model, strict=True):  # summaries and models align
        name, seed = run["name"], run["seed"]
        model = build_model(models[name], in_shape, n_classes)
        model.load_state_dict(load_weights(path))
        probs = fundamentals.probabilities(model, test_x)
        ece, table = fundamentals.calibration(probs, data["test_y"], p["calibration_bins"])
        calibrated = fundamentals.calibrated_ece(probs, p["calibration_bins"], CALIBRATED_DRAWS)
        eces.append({"model": name, "seed": seed, "ece": ece, "epochs": run["epochs"],
                     # ok, stuck, ...: only the runs that ended ok enter the comparisons
                     "status": fate[(name, seed)],
                     # how the model was trained: Q2 says whether the SGD identity holds there
                     "optimizer": run["optimizer"], "lr": run["lr"],
                     "momentum": run.get("momentum", 0.0),
                     "calibrated_ece_mean": float(calibrated.mean()),
                     "calibrated_ece_p95": float(np.quantile(calibrated, NOISE_QUANTILE)),
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
        n = params.get("train_sizes", {}).get(s["run"]["study"], len(data["train_y"]))
        rows.append(iteration_row(s, n))
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


def ended_ok(eces):
    """Which rows of the ECE table are runs that ended ok (all, in a table without fates):
    a run stuck at chance gives near-uniform outputs, whose confidence, about 1/C, matches
    its accuracy at chance, so it is calibrated trivially; one that blew up or diverged is
    not a trained classifier either. Only the runs that ended ok enter the comparisons."""
    if "status" not in eces:
        return pd.Series(True, index=eces.index)
    return eces.status.eq("ok")


def iteration_row(s, n):
    """One run's row of the iterations table from its summary `s`, on `n` training images:
    the formulas beside what the run recorded: the steps its curve keeps, those it computed
    itself and those it reused from a reference run's saved state (a scheduled run that
    continued from it at epoch k did not compute its k epochs, which steps_trained counts as
    if it had)."""
    run = s["run"]
    epochs = run["schedule"]["epochs"] if run.get("schedule") else run["epochs"]
    batch = run["batch_size"] or n  # None: full-batch gradient descent (assignment4)
    per_epoch = math.ceil(n / batch)
    finished = s["diverged_at_step"] is None
    reused = (s.get("resumed_at_epoch") or 0) * s["steps_per_epoch"]
    return {"study": run["study"], "N": n, "B": batch, "E": epochs,
            "ceil(N/B)": per_epoch, "E*ceil(N/B)": epochs * per_epoch,
            "batches per epoch (run)": s["steps_per_epoch"],
            "iterations (run)": s["steps"] if finished else None,
            # a scheduled run goes back to the epoch where its rate switches, so it computes
            # more steps than its curve keeps
            "iterations computed (run)": (s.get("steps_trained", s["steps"]) - reused
                                          if finished else None),
            "iterations reused (run)": reused if finished else None,
            # a diverged run stopped early: its counts are left blank, and said so
            "runs": "finished" if finished else "diverged"}


def _ece_per_model(eces):
    """One row per model, over its runs that ended ok (ended_ok): their ECE (mean, std, runs),
    the mean ECE a perfectly calibrated model scores on this test set and its 95th percentile
    (each a mean of the runs' own), and how many runs lie above their own 95th percentile (not
    above that mean); and how many of its runs did not end ok, left out."""
    ok = ended_ok(eces)
    eces = eces.assign(ok=ok, left=~ok, ece_ok=eces.ece.where(ok),
                       cal_ok=eces.calibrated_ece_mean.where(ok),
                       p95_ok=eces.calibrated_ece_p95.where(ok),
                       above=ok & (eces.ece > eces.calibrated_ece_p95))
    return eces.groupby("model", sort=False).agg(
        mean=("ece_ok", "mean"), std=("ece_ok", "std"), count=("ok", "sum"),
        calibrated=("cal_ok", "mean"), p95=("p95_ok", "mean"),
        above=("above", "sum"), left=("left", "sum")).reset_index()


SHOWN = {"ece": Shown(rows=_ece_per_model, decimals=3, columns=(
             ("model", "model"), ("ECE mean", "mean"), ("std", "std"),
             ("runs (ended ok)", "count"), ("runs left out (not ok)", "left"),
             ("ECE if calibrated (mean of the runs')", "calibrated"),
             ("95th percentile if calibrated (mean of the runs')", "p95"),
             ("runs above their own 95th percentile", "above"))),
         "iterations": Shown(), "parameters": Shown()}
SOURCE = "tables/concepts_ece.csv"


BINOMIAL = ("one-sided exact binomial test of a model's count of runs above their own 95th "
            f"percentile against {1 - NOISE_QUANTILE:.2g} per run")
NOISE_WHAT = ("Runs with an ECE above their own 95th percentile for a perfectly calibrated "
              "model (beyond that run's sampling noise), each model's count against chance")


def _noise_rule(calibration):
    rate = 1 - NOISE_QUANTILE
    return ("a run's ECE is above its own noise when it lies above the 95th percentile of the "
            "ECEs that a perfectly calibrated model with the run's own confidences scores on "
            f"the same {calibration['test_images']:,} test images ({calibration['draws']:,} "
            "draws, each image right with probability its confidence; one-sided, "
            f"p < {rate:.2g} per run). A model's runs show miscalibration beyond sampling "
            "noise when more of them lie above than chance gives: a one-sided binomial test "
            f"of that model's count against {rate:.2g} per run, each model on its own runs, "
            "its p Holm-adjusted over the models tested, adjusted p < "
            f"{ALPHA} (a model's runs share the test images, so the test treats them as "
            f"independent only approximately); with too few runs for the test to reach "
            f"p < {ALPHA} the model is not tested")


def holm(ps):
    """Holm's step-down adjustment of the p-values `ps` ({name: p}), for a family of tests."""
    order = sorted(ps, key=ps.get)
    adjusted, running = {}, 0.0
    for i, name in enumerate(order):
        running = max(running, min(1.0, (len(order) - i) * ps[name]))
        adjusted[name] = running
    return adjusted


def _noise_claims(eces, calibration):
    """Per model, its count of runs above their own 95th percentile, held against chance by
    its own binomial test (with every run calibrated each is above with probability
    1 - NOISE_QUANTILE, so k of n or more happen by chance with P(X >= k)), Holm-adjusted over
    the models tested; a model with too few runs for the test to reach ALPHA is not tested.
    Each run's ECE and percentile are in the evidence."""
    rate = 1 - NOISE_QUANTILE
    groups = dict(list(eces.groupby("model", sort=False)))
    above = {m: int((g.ece > g.calibrated_ece_p95).sum()) for m, g in groups.items()}
    raw = {m: float(scipy_stats.binomtest(above[m], len(g), rate,
                                          alternative="greater").pvalue)
           for m, g in groups.items() if rate ** len(g) < ALPHA}
    adjusted, family = holm(raw), len(raw)
    test = BINOMIAL + (f", Holm-adjusted over {family} models" if family > 1 else "")
    out = {}
    for m, g in groups.items():
        labels, values = [], []
        for r in g.itertuples():
            labels += [f"seed {r.seed}, ECE", f"seed {r.seed}, its 95th percentile if calibrated"]
            values += [r.ece, r.calibrated_ece_p95]
        n, min_p = len(g), rate ** len(g)  # every run above: the smallest p the test gives
        if m not in raw:
            p, holds = float("nan"), False
            verdict = (f"not tested: with {prose.count(n, 'run')} the smallest p the binomial "
                       f"test can give is {min_p:.2g}")
        else:
            p, holds = adjusted[m], adjusted[m] < ALPHA
            verdict = (f"binomial p = {raw[m]:.2g}"
                       + (f", {p:.2g} adjusted for {family} models" if family > 1 else "")
                       + ": " + ("more than sampling noise gives" if holds
                                 else "within what sampling noise gives") + " by the rule")
        c = claims.rule(m, values, NOISE_WHAT, holds, _noise_rule(calibration), "", "",
                        fmt=claims.fmt_number, source=SOURCE, labels=labels)
        c["text"] = c["short"] = f"{m} {above[m]} of {prose.count(n, 'run')} above, {verdict}"
        # the p the verdict rests on (adjusted where several models are tested)
        c["evidence"].update(test=test, p=p, min_p=min_p, above=above[m], runs=n,
                             p_unadjusted=raw.get(m, float("nan")))
        out[noise_key(m)] = c
    return out


def _calibration_claims(eces, calibration):
    """Per model, whether its runs lie above the 95th percentile of a perfectly calibrated
    model's ECE on as many test images more often than chance gives (`_noise_claims`, one test
    per model: a count pooled over the models would let one model's runs speak for the
    others); and the direction of each run's miscalibration, confidence minus accuracy,
    counted over the runs (sign test)."""
    runs = [f"{r.model} seed {r.seed}" for r in eces.itertuples()]
    return {
        **_noise_claims(eces, calibration),
        "direction": claims.sign(
            dict(zip(runs, ([v] for v in eces.confidence_minus_accuracy))),
            "Confidence minus accuracy per run (positive: over-confident)", reference=0.0,
            # past a few runs, their range and median: each run's value is in the table
            fmt=claims.fmt_points, source=SOURCE, unit="run", list_max=4),
    }


def noise_key(model):
    """The claim that holds `model`'s runs against their calibrated-model noise."""
    return f"ece_noise_{model}"


def facts(eces, identity, reliability, iterations, parameters, calibration):
    """The section's numbers, over the runs that ended ok (ended_ok; the others in `left_out`):
    ECE per model (with its mean over-confidence, its runs pooled),
    the ECE of a perfectly calibrated model on this test set (`calibration`: test_images,
    classes, bins, draws), the SGD identity, the batch and iteration formulas per study
    against the runs, the parameter-count check; and the calibration claims, from the per-run
    ECEs."""
    # the comparisons rest on the runs that ended ok (ended_ok); the others are named
    ok = ended_ok(eces)
    left = eces[~ok]
    # how the models were trained, whatever their fate
    trained = eces[["optimizer", "lr", "momentum"]].drop_duplicates()
    eces = eces[ok]
    # confidence minus accuracy over a model's runs pooled: every run scores the same test
    # images, so the pooled value is the mean of the runs' own
    over = eces.groupby("model", sort=False).confidence_minus_accuracy.mean()
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
    # a row stands for several runs ("2 finished"): a group's extra steps say how many of the
    # runs of that study and E computed them
    runs = iterations.runs.str.split().str[0].astype(int)
    of = runs.groupby([iterations.study, iterations.B, iterations.E]).transform("sum")
    # steps a run reused from its reference run's saved state (a table without the column:
    # none); a run went back where it computed and reused more than it kept
    reused = (iterations["iterations reused (run)"].fillna(0)
              if "iterations reused (run)" in iterations else 0 * runs)
    computed = iterations["iterations computed (run)"]
    extra = (computed + reused > iterations["iterations (run)"]) | (reused > 0)
    match = parameters.formula_count == parameters.framework_count
    # a more accurate model's confidences are nearer 1, where sampling noise is smaller: the
    # models are compared on each run's ECE above its own calibrated-model floor
    excess = eces.assign(excess=eces.ece - eces.calibrated_ece_mean)
    return {"identity": identity, "ece": per_model, "calibrated": calibrated,
            "iterations": per_batch,
            "iterations_agree": agree,
            "iterations_extra": [{"study": r.study, "E": int(r.E), "B": int(r.B),
                                  "kept": int(r["iterations (run)"]),
                                  "computed": int(r["iterations computed (run)"]),
                                  "reused": int(u), "runs": int(n), "of": int(total)}
                                 for (_, r), u, n, total in zip(
                                     iterations[extra].iterrows(), reused[extra], runs[extra],
                                     of[extra])],
            "trained_with": trained.to_dict("records"),
            "parameter_models": len(parameters),
            "parameter_mismatch": list(parameters.model[~match]),
            # the runs left out of the comparisons, with their fate and their confidence minus
            # accuracy (a stuck run's is near 0: calibrated trivially)
            "left_out": [{"model": r.model, "seed": int(r.seed), "status": r.status,
                          "gap": float(r.confidence_minus_accuracy)}
                         for r in left.itertuples()],
            "claims": {} if eces.empty else {
                **_calibration_claims(eces, calibration), "ece": claims.ranking(
                {m: list(g.excess) for m, g in excess.groupby("model", sort=False)},
                "ECE minus its run's calibrated-model mean, on the test set after "
                + " or ".join(prose.count(int(e), "epoch") for e in sorted(eces.epochs.unique()))
                + " of training (lower: nearer to calibrated)",
                fmt=lambda x: "–" if x != x else f"{x:+.4f}", source=SOURCE,
                # two significant digits: a difference below 0.0005 is not "-0.000"
                higher_is_better=False, diff_fmt=lambda d: f"{d:+.2g}")}}


def _identity_there(trained):
    """How a model trained with `trained` (optimizer, lr, momentum) stepped, and whether the
    plain-SGD identity holds at its steps."""
    lr = f"lr {trained['lr']:g}"
    if trained["optimizer"] == "sgd" and trained["momentum"]:
        return (f"SGD with momentum {trained['momentum']:g} ({lr}): each step is lr times a "
                "velocity that adds up past gradients, so the identity holds at their first "
                "step only")
    if trained["optimizer"] == "sgd":
        return f"plain SGD ({lr}), so the identity holds at each of their steps"
    if trained["optimizer"] == "adam":
        return (f"Adam ({lr}): each step is lr times a running mean of gradients divided by "
                "the root of a running mean of their squares, so the identity holds at none "
                "of their steps")
    return f"{trained['optimizer']} ({lr}), for which the identity is not checked here"


def _extra_steps(extra, per_batch):
    """' 1 of the 3 learning_rates runs of E = 5 computed 756 steps to keep 540: ...', each
    group of runs with its count (a group is not every run of its study and E) and the steps
    it reused from its reference run's saved state rather than computed, the reason said
    once; '' where every run computed the steps it kept."""
    if not extra:
        return ""
    mixed = {r["study"] for r in per_batch
             if sum(b["study"] == r["study"] for b in per_batch) > 1}  # several batch sizes

    def who(r):
        runs = (f"{r['study']} runs of E = {r['E']}"
                + (f", B = {r['B']}" if r["study"] in mixed else ""))
        if r["runs"] == r["of"]:
            return ("the one " + runs.replace(" runs ", " run ", 1) if r["of"] == 1 else
                    f"all {r['of']} {runs}")
        return f"{r['runs']} of the {r['of']} {runs}"
    def reused(r):
        return (f" and reused {r['reused']:,} from a reference run's saved state"
                if r.get("reused") else "")
    parts = "; ".join(f"{who(r)} computed {r['computed']:,} steps{reused(r)} to keep "
                      f"{r['kept']:,}" for r in extra)
    return (f" {parts[0].upper()}{parts[1:]}: a scheduled run goes back to the epoch where its "
            "rate switches and trains on from there"
            + ("; one that continued from a reference run's saved state did not compute the "
               "epochs before it, so its computed steps count only what it trained itself"
               if any(r.get("reused") for r in extra)
               else "") + ".")


def _left_out_runs(left):
    """'cnn_3 seeds 0 and 4 (stuck); cnn_5 seed 1 (blew up)': facts' left_out, by model and
    fate, in their order."""
    groups = {}
    for r in left:
        groups.setdefault((r["model"], r["status"]), []).append(str(r["seed"]))
    return "; ".join(f"{m} {'seed' if len(s) == 1 else 'seeds'} {prose.names(s)} ({st})"
                     for (m, st), s in groups.items())


def _left_out_text(facts):
    """Q1's rule for the runs it leaves out (ended_ok), with each of them named and their
    confidence minus accuracy; '' where every run ended ok."""
    left = facts.get("left_out") or []
    if not left:
        return ""
    gaps = [r["gap"] for r in left]
    gap = (prose.pts(gaps[0]) if len(gaps) == 1 else
           f"{prose.pts(min(gaps))} to {prose.pts(max(gaps))}")
    stuck = any(r["status"] == "stuck" for r in left)
    none = [m for m in dict.fromkeys(r["model"] for r in left) if m not in facts["ece"]]
    return (" Only the architecture runs that ended ok enter the numbers below. Left out, "
            f"by their fate in the architecture study: {_left_out_runs(left)}; confidence "
            f"minus accuracy {gap}."
            + (" A network stuck at chance gives near-uniform outputs, its confidence near "
               "1/C like its accuracy, so its ECE is low without any calibration learned."
               if stuck else "")
            + (f" {prose.names(none)} {'has' if len(none) == 1 else 'have'} no run that ended "
               "ok, so it is not measured here." if none else ""))


def section(facts, figs, params, info):
    sec = Section(NAME, TITLE,
                  "Each concept shown on this run's own models and data: calibration of the "
                  "architecture study's trained models on the test set, the SGD update rule on "
                  "a real step, the iteration counts of the actual runs, and the parameter-count "
                  "formulas against torch's count for every declared model.")
    left = facts.get("left_out") or []
    sec.add_figure(figs["reliability"], "Reliability diagrams on the test set (all seeds "
                   "pooled" + (f", including the runs that did not end ok, left out of Q1's "
                               f"numbers: {_left_out_runs(left)}" if left else "")
                   + "): bars, the accuracy of each confidence bin; dots, the same accuracy "
                   "at the bin's mean confidence, each dot's area proportional to the number of "
                   "test images in its bin; the dotted diagonal is perfect calibration."
                   + (" A run stuck at chance puts its test images near confidence 1/C, where "
                      "its accuracy is near 1/C too." if any(r["status"] == "stuck"
                                                              for r in left) else ""))
    sec.add_table("Expected calibration error (test set)", "ece")
    sec.add_table("Batches per epoch and iterations: formula and runs", "iterations")
    sec.add_table("Parameter counts: formula and framework", "parameters")
    eces = "; ".join(f"{m} {r['mean']:.3f}" + (f" ± {r['std']:.3f}" if r["runs"] > 1 else "")
                     + f" ({prose.pts(r['over_confidence'])})"
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
    theory = ("In theory: the expected cross-entropy is smallest when the predicted class "
              "probabilities equal the true posterior p(class | image), so a trained network's "
              "softmax approximates that posterior. Where it equals it, a prediction made with "
              "confidence c is right a fraction c of the time, and the expected calibration "
              "error (ECE) is 0 on infinitely many test images." + _left_out_text(facts))
    if not facts["ece"]:
        sec.ask("What does a classifier trained with cross-entropy approximate?",
                theory + " No architecture run ended ok, so calibration is not measured.")
    else:
        runs = "over seeds" if not left else "over the runs that ended ok"
        pooled = "all runs pooled" if not left else "those runs pooled"
        sec.ask("What does a classifier trained with cross-entropy approximate?",
                f"{theory} On a finite test set a perfectly calibrated model still scores "
                "above 0, from sampling alone: with each of the "
                f"{cal['test_images']:,} test images drawn right with probability the run's own "
                f"confidence ({cal['draws']:,} draws per run, the same {cal['bins']} bins), its "
                f"ECE averages {span(cal['mean_range'])} over these runs, with a 95th "
                f"percentile of {span(cal['p95_range'])}. That is the 'near 0' a measured ECE "
                f"is held against.{empty} Measured ECE (mean ± std {runs}; in brackets, "
                f"confidence minus accuracy, {pooled}): {eces}. {NOISE_WHAT} (one binomial "
                "test per model): " + "; ".join(sec.cite(facts["claims"], noise_key(m))
                                                for m in facts["ece"]) + ". "
                f"{sec.cite(facts['claims'], 'direction')}. The floor depends on each run's "
                "confidences, which follow its accuracy, so a raw ECE mixes calibration with "
                "accuracy: the models are compared on each run's ECE minus its own floor. "
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
            + " The architecture study's models, whose calibration Q1 measures, were trained "
            "with " + "; and with ".join(_identity_there(t) for t in facts["trained_with"])
            + ".")
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
            + _extra_steps(facts["iterations_extra"], facts["iterations"]))
    n, mismatch = facts["parameter_models"], facts["parameter_mismatch"]
    sec.ask("How many parameters does a model have?",
            f"MLP: {PARAM_FORMULAS['mlp']}. CNN: {PARAM_FORMULAS['cnn']}. Evaluated for all "
            f"{n} declared models (table): the formula equals torch's own count for "
            f"{n - len(mismatch)} of {n}"
            + (f"; it differs for {', '.join(mismatch)}." if mismatch else "."))
    return sec
