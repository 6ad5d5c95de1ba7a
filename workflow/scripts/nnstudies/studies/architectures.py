"""Study 3: architectures (EE449 part 3). Every zoo model with Adam over several seeds."""

from .. import aggregate, claims, figures, prose
from ..config import make_run
from ..data import load_prepared, scale
from ..report import Section, Shown
from ..runfiles import load_array
from ..stats import compare
from .common import check_models, departures as protocol_departures, records, write_facts
from ..lazy import lazy_import

pd = lazy_import("pandas")

NAME = "architectures"
TITLE = "Study 3: architectures"
ORDER = 30
CAPTION = ("Architecture study: training loss, training (solid) and validation (dashed) "
           "accuracy against step (mean over seeds, band: one standard deviation), test "
           "against training accuracy per model, and validation against training accuracy "
           "during training.")
PROTOCOL = {"models": ["mlp_1", "mlp_2", "cnn_3", "cnn_4", "cnn_5"], "optimizer": "adam",
            "lr": 0.001, "momentum": 0.0, "batch_size": 50, "epochs": 15, "seeds": 10}
TABLES = ["runs", "summary", "pairwise", "curves", "weights"]
_DISCUSSION = ["what is the generalisation performance of a classifier?",
               "which plots are informative about it?",
               "compare the models' generalisation performance",
               "the effect of the number of parameters",
               "the effect of depth",
               "are the first-layer weight pictures interpretable?",
               "are units specialised to particular classes?",
               "whose weights are more interpretable?",
               "which architectures are akin, and how do similar ones compare?",
               "which architecture would you pick, and why?"]
# The seeds' asks this section answers (nnstudies/appendix.py): EE449's architectures part
# (part 2 in seed 000's report, part 3 in seed 001's); the discussion questions in order.
ASKED = [
    {"seed": "000", "ask": "2.1 Fig. 1: performance plots of the models (training loss, "
     "training and validation accuracy, test against training accuracy)",
     "answer": "architectures-fig-performance"},
    {"seed": "000", "ask": "2.2 Fig. 2: first-layer weights of each architecture",
     "answer": "architectures-fig-weights_mlp_1",
     "note": "one figure per model, this one and those after it"},
    {"seed": "000", "ask": "2.2 Fig. 3: first-layer weights of cnn_5",
     "answer": "architectures-fig-weights_cnn_5"},
    *({"seed": "000", "ask": f"2.3 Q{i}: {q}", "answer": f"architectures-q{i}"}
      for i, q in enumerate(_DISCUSSION, 1)),
    {"seed": "001", "ask": "3.1 Fig. 6: training results of mlp_1, mlp_2, cnn_3, cnn_4, cnn_5",
     "answer": "architectures-fig-performance"},
    *({"seed": "001", "ask": f"3.1 Fig. {fig}: first-layer weights of {model}",
       "answer": f"architectures-fig-weights_{model}"}
      for fig, model in zip(range(7, 12), PROTOCOL["models"])),
    *({"seed": "001", "ask": f"3.2.{i}: {q}", "answer": f"architectures-q{i}"}
      for i, q in enumerate(_DISCUSSION, 1)),
]
RUN_FILES = ["summary.json", "curves.csv", "first_layer.npy", "unit_class_means.npy"]


def runs(cfg):
    p = cfg[NAME]
    return {(m, s): make_run(cfg, NAME, m, m, s, p) for m in p["models"] for s in p["seeds"]}


def check(cfg):
    check_models(cfg, NAME)


def departures(cfg):
    return protocol_departures(NAME, cfg[NAME], PROTOCOL)


def inputs(cfg, files):
    return {kind.split(".")[0]: files(NAME, kind) for kind in RUN_FILES}


def params(cfg):
    p = cfg[NAME]
    return {"protocol": p, "models": {m: cfg["models"][m] for m in p["models"]},
            "scaling": cfg["data"]["scaling"]}


def figures_of(params):
    return ["performance"] + [f"weights_{m}" for m in params["models"]]


def analyse(inp, out, params, info):
    models = params["models"]
    runs_, curves = aggregate.load_runs(inp.summary, inp.curves, len(info["class_names"]),
                                        info["sizes"]["test"])
    runs_.to_csv(out.table("runs"), index=False)
    summary, pairwise = rank(runs_, models)
    summary.to_csv(out.table("summary"), index=False)
    pairwise.to_csv(out.table("pairwise"), index=False)
    by_model = {}
    for (model, _), df in curves.items():
        by_model.setdefault(model, []).append(df)
    stats_ = aggregate.curve_stats(by_model)
    stats_.to_csv(out.table("curves"), index=False)

    data = load_prepared(inp.data)
    templates = aggregate.class_mean_images(scale(data["train_x"], params["scaling"]),
                                            data["train_y"])
    first_layers = aggregate.by_run(inp.summary, inp.first_layer)
    class_means = aggregate.by_run(inp.summary, inp.unit_class_means)
    weights = pd.DataFrame([{"model": r.model, "best_seed": r.best_seed,
                             **aggregate.weight_interpretability(
                                 load_array(first_layers[(r.model, r.best_seed)]),
                                 load_array(class_means[(r.model, r.best_seed)]), templates)}
                            for r in summary.itertuples()])
    weights.to_csv(out.table("weights"), index=False)

    figures.save(figures.performance_figure(stats_, summary, list(models),
                                                 len(info["class_names"])),
                 *out.figure("performance"))
    image_shape = data["train_x"].shape[1:]
    for r in summary.itertuples():
        title = (f"{r.model}: first-layer weights of its best run (seed {r.best_seed}, "
                 f"test accuracy {prose.pct(r.best_test_acc)})")
        figures.save(figures.weights_figure(load_array(first_layers[(r.model, r.best_seed)]),
                                            title, image_shape), *out.figure(f"weights_{r.model}"))
    write_facts(out.facts, facts(summary, runs_, weights,
                                 params["protocol"].get("record_every")))


def rank(runs_, models):
    """Per-model summary (best mean first) and the comparisons the ranking rests on: each model
    against the next in the ranking, and the best against every other."""
    summary = aggregate.summarize_models(runs_, models)
    order = list(summary["model"])
    acc = _accuracies(runs_, order)
    pairs = dict.fromkeys(list(zip(order, order[1:])) + [(order[0], m) for m in order[2:]])
    pairwise = pd.DataFrame([{"better": a, "worse": b, "neighbours": order.index(b) ==
                              order.index(a) + 1, **compare(acc[a], acc[b])} for a, b in pairs],
                            columns=["better", "worse", "neighbours", "diff", "n_x", "n_y", "p",
                                     "min_p", "testable", "separated"])
    return summary, pairwise


def _accuracies(runs_, models):
    return {m: runs_.loc[(runs_.model == m) & runs_.test_acc.notna(), "test_acc"]
            for m in models}


def _size_claim(order, s, acc, ranked, source):
    """The pick's other ground, size (REPORT.md). Where a model is smaller than the highest
    mean: the highest mean against the smallest such model the data do not separate from it,
    else against the smallest other model. Where none is smaller: the parameter counts (exact,
    so no test), saying that the highest mean has the fewest and what the ranking's test says
    of it against the runner-up."""
    best = order[0]
    size = {m: int(s.loc[m, "parameters"]) for m in order}
    others = sorted(order[1:], key=size.get)
    if size[best] > size[others[0]]:
        close = [m for m in others if size[m] < size[best]
                 and _tested_not_separated(acc[best], acc[m])]
        small = (close or others)[0]
        which = ("the smallest model the data do not separate from it" if close else
                 "the smallest other model")
        return claims.alternative(
            best, acc[best], small, acc[small],
            f"Test accuracy, the highest mean ({best}, {size[best]:,} parameters) against "
            f"{which} ({small}, {size[small]:,} parameters)", "size",
            prefer=size[small] < size[best], source=source)
    runner = ranked.get("runner_up", order[1])
    more = f"{100 * (size[runner] / size[best] - 1):.0f} % more parameters"
    if "testable" not in ranked:  # one run a model: the ranking names no highest mean
        note = (f"{best} has the fewest; with one run for a model accuracy is not ranked, so "
                "it is not weighed against size")
    elif ranked["separated"]:
        note = (f"{best}, the highest mean, has the fewest too: size agrees with accuracy; "
                f"the runner-up {runner} has {more}")
    elif ranked["testable"]:
        note = (f"{best} has the highest mean and the fewest parameters; the data do not "
                f"separate it from the runner-up {runner}, which has {more}: on size, the pick "
                f"is {best}")
    else:
        note = (f"{best} has the highest mean and the fewest parameters; too few runs for a "
                f"test to separate it from the runner-up {runner}, which has {more}")
    return claims.values_only({m: [size[m]] for m in [best] + others},
                              "Parameters per model, fewest first",
                              fmt=lambda n: f"{n:,.0f}", note=note,
                              source="tables/architectures_summary.csv")


SUMMARY_COLUMNS = ["model", "family", "parameters", "runs", "test_acc_mean", "test_acc_ci_low",
                   "test_acc_ci_high", "generalisation_gap", "final_train_acc_mean",
                   "final_val_acc_mean"]
WEIGHT_COLUMNS = ["model", "template_r_mean", "zero_sum_fraction", "selectivity_mean",
                  "preferred_classes", "dead_units"]
SHOWN = {
    "summary": Shown(columns=(
        ("model", "model"), ("family", "family"), ("depth", "depth"),
        ("parameters", lambda r: f"{r.parameters:,}"), ("runs", "runs"), ("fate", "status"),
        ("test acc. %", lambda r: prose.cell(r.test_acc_mean)),
        ("std", lambda r: prose.cell(r.test_acc_std)),
        ("95 % CI", lambda r: f"{prose.cell(r.test_acc_ci_low)}–{prose.cell(r.test_acc_ci_high)}"
         + ("†" if 1 < r.runs < 5 else "")),
        ("best (seed)", lambda r: f"{prose.cell(r.best_test_acc)} ({r.best_seed})"),
        ("train acc. %, last record", lambda r: prose.cell(r.final_train_acc_mean)),
        ("gap (points)", lambda r: prose.cell(r.generalisation_gap)))),
    "weights": Shown(decimals=3, columns=(
        ("model", "model"), ("best seed", "best_seed"), ("units", "units"),
        ("template |r|", "template_r_mean"), ("zero-sum share", "zero_sum_fraction"),
        ("selectivity", "selectivity_mean"), ("silent units", "dead_units"),
        ("preferred classes", "preferred_classes")))}


def facts(summary, runs_, weights=None, record_every=None):
    """Every statistic the prose cites beyond the tables (correlations, confounds, depth
    pairs), and the claims its answers make, built from per-run values."""
    s = summary.set_index("model")
    order = list(summary["model"])
    acc = _accuracies(runs_, order)
    source = "tables/architectures_runs.csv"
    by_size = summary.sort_values("parameters")
    fams = by_size.family.tolist()
    # parameter count and family are confounded when sorting by size never interleaves them
    confounded = len(set(fams)) > 1 and sum(a != b for a, b in zip(fams, fams[1:])) == 1
    depth_claims, found = [], {}
    for fam, group in summary.groupby("family"):
        members = list(group.sort_values(["depth", "parameters"])["model"])
        for a, b in zip(members, members[1:]):
            depth_claims.append(f"depth_{b}_vs_{a}")
            found[depth_claims[-1]] = claims.difference(
                b, acc[b], a, acc[a], f"{fam}: test accuracy, deeper {b} (depth "
                f"{int(s.loc[b, 'depth'])}, {int(s.loc[b, 'parameters']):,} parameters) and "
                f"shallower {a} (depth {int(s.loc[a, 'depth'])}, "
                f"{int(s.loc[a, 'parameters']):,})", source=source)
    families = summary.groupby("family").test_acc_mean
    tested = runs_[runs_.test_acc.notna()]
    gaps = {m: list(g.final_train_acc - g.test_acc) for m, g in tested.groupby("model")}
    # the budget in the claim itself, so that its summary line says it too (REPORT.md)
    budget = (f" after {prose.count(int(runs_.epochs.max()), 'epoch')}"
              if "epochs" in runs_ and runs_.epochs.notna().any() else "")
    found["test_accuracy"] = claims.ranking({m: acc[m] for m in sorted(order)},
                                            f"Mean test accuracy{budget}", source=source)
    found["gap"] = claims.ranking(
        {m: gaps.get(m, []) for m in sorted(order)}, "Generalisation gap (training accuracy at the "
        "last record minus test accuracy, per run)", source=source,
        fmt=claims.fmt_points)
    for a, b in zip(order, order[1:]):
        found[f"next_{a}_vs_{b}"] = claims.difference(a, acc[a], b, acc[b], "Test accuracy",
                                                      source=source)
    if len(order) > 1:
        found["smaller"] = _size_claim(order, s, acc, found["test_accuracy"]["evidence"],
                                       source)
    found["parameters"] = claims.trend(
        list(zip(summary.parameters, summary.test_acc_mean)),
        "Parameter count against mean test accuracy (one point per model)",
        source="tables/architectures_summary.csv", x_name="parameters",
        y_name="mean test accuracy")
    # one value per model (its mean over seeds): models, not runs, are what a family has many
    # of, and runs of one model are not independent draws of the family
    fam_acc = {fam: list(g.test_acc_mean) for fam, g in summary.groupby("family")}
    # a family of one model has no spread across models: it is named, not compared (a
    # difference or ranking would call its one model "one run")
    single = {fam: xs for fam, xs in fam_acc.items() if len(xs) == 1}
    fam_acc = {fam: xs for fam, xs in fam_acc.items() if fam not in single}
    what = "Mean test accuracy of each model (one value per model), by family"
    if len(fam_acc) == 2:
        (fa, xa), (fb, xb) = sorted(fam_acc.items(), key=lambda kv: -sum(kv[1]) / len(kv[1]))
        found["family"] = claims.difference(f"{fa}s", xa, f"{fb}s", xb, what,
                                            source="tables/architectures_summary.csv",
                                            unit="models")
    elif len(fam_acc) > 2:
        found["family"] = claims.ranking(fam_acc, what, source="tables/architectures_summary.csv")
    if weights is not None and len(weights):
        w = weights.set_index("model")
        found["selectivity"] = claims.values_only(
            {m: [w.loc[m, "selectivity_mean"]] for m in w.index},
            "Mean first-layer selectivity, each model's best run (one run per model, so the "
            "models are not ranked)", source="tables/architectures_weights.csv")
        mlp = w[w.template_r_mean.notna()]
        if len(mlp):
            found["template_r"] = claims.values_only(
                {m: [mlp.loc[m, "template_r_mean"]] for m in mlp.index},
                "Mean best |r| with a class-mean image, each fully connected model's best run "
                "(one run per model, so they are not ranked)",
                source="tables/architectures_weights.csv")
    steps = runs_.steps.dropna()
    last = None
    if record_every and len(steps):
        total = int(steps.max())
        last = {"step": total - total % int(record_every), "steps": total,
                "record_every": int(record_every)}
    for fam, g in summary.groupby("family"):
        if len(g) >= 3:  # a trend within a family needs three models at least
            found[f"parameters_within_{fam}"] = claims.trend(
                list(zip(g.parameters, g.test_acc_mean)), f"Within the {fam}s, parameter count "
                "against mean test accuracy (one point per model)",
                source="tables/architectures_summary.csv", x_name="parameters",
                y_name="mean test accuracy")
    return {"size_family_confounded": confounded,
            "summary": records(summary, SUMMARY_COLUMNS), "statuses": list(runs_.status),
            "weights": [] if weights is None else records(weights, WEIGHT_COLUMNS),
            "depth_claims": depth_claims,
            "family_mean": families.mean().to_dict(),
            "single_model_families": {fam: g.model.iloc[0] for fam, g in
                                      summary.groupby("family") if fam in single},
            "min_runs": int(summary.runs.min()), "last_record": last, "claims": found,
            "neighbours": [f"next_{a}_vs_{b}" for a, b in zip(order, order[1:])]}


def section(facts, figs, params, info):
    summary = pd.DataFrame(facts["summary"], columns=SUMMARY_COLUMNS)
    weights = pd.DataFrame(facts["weights"], columns=WEIGHT_COLUMNS)
    p = params["protocol"]
    sec = Section(NAME, TITLE,
                  f"Each of {len(p['models'])} models trained "
                  f"{prose.count(len(p['seeds']), 'time')} (seeds "
                  f"{', '.join(map(str, p['seeds']))}) with {prose.optimizer(p)}, "
                  f"batch {p['batch_size']}, {prose.count(p['epochs'], 'epoch')}; every "
                  f"{p['record_every']} "
                  "steps the training loss and accuracy (mean over those steps) and the accuracy "
                  "on the whole validation split were recorded.")
    sec.add_figure(figs["performance"], figures.caption(
                   figs["performance"], "Architectures: mean over seeds. a: training "
                   "loss; b: training (solid) and validation (dashed) accuracy; c: test vs final "
                   "training accuracy (95 % CI; a marker says when a model had a run that did "
                   "not end ok); d: validation vs training accuracy during training."))
    for model in params["models"]:
        sec.add_figure(figs[f"weights_{model}"], f"{model}: first-layer weights of its best run "
                       "(unit or filter number above each picture), grey, one symmetric colour "
                       "scale per model.", size="small")
    sec.add_table("Test accuracy by model (best mean first; spread over seeds)", "summary",
                  note="† small sample (fewer than 5 runs): the interval is wide and the "
                       "ranking is not resolved." if facts["min_runs"] < 5 else None)
    sec.add_table("First-layer weights: interpretability numbers (best run)", "weights")
    # prose lists models in the declared order: an order by value would rank outside a claim
    declared = [m for m in params["models"] if m in set(summary.model)]
    summary = summary.set_index("model").loc[declared].reset_index()
    weights = weights.set_index("model").loc[declared].reset_index()
    _answers(sec, summary, summary.set_index("model"), weights, facts,
             len(info["class_names"]))
    fates = prose.status_counts(facts["statuses"])
    sec.summary = (f"Architectures: {sec.cite(facts['claims'], 'test_accuracy', True)}. "
                   f"{fates[0].upper()}{fates[1:]}.")
    return sec


def _last_record(facts):
    last = facts.get("last_record")
    if not isinstance(last, dict) or last["step"] == last["steps"]:
        return "the training accuracy at the last record (mean over the steps since the one before)"
    return (f"the training accuracy at the last record (step {last['step']:,} of "
            f"{last['steps']:,}: the mean over its {last['record_every']} steps, taken before "
            "the last updates)")


def _answers(sec, summary, s, weights, facts, n_classes):
    found = facts["claims"]
    gap = s["generalisation_gap"]
    lowest = gap.idxmin()
    sec.ask("What is generalisation performance?",
            "Generalisation performance is how well a trained model does on data it has not "
            "seen in training, estimated here by accuracy on the held-out test set; the gap is "
            f"{_last_record(facts)} minus the test accuracy. Mean gap per model: "
            + "; ".join(f"{m} {prose.pts(g)}" for m, g in gap.items())
            + ("; a negative gap means the model scored higher on the test set than on its last "
               "training batches." if gap[lowest] < 0 else "."))
    sec.ask("Which plots show it?",
            "Panel c plots test against final training accuracy (a point below the diagonal "
            "generalises worse than it fits); panels b and d show validation accuracy (unseen "
            "data) against training accuracy during training. At the last record, per model "
            "(training / validation / test, means over seeds): " + "; ".join(
                f"{m} {prose.pct(s.loc[m, 'final_train_acc_mean'])} / "
                f"{prose.pct(s.loc[m, 'final_val_acc_mean'])} / "
                f"{prose.pct(s.loc[m, 'test_acc_mean'])}" for m in s.index)
            + f". {sec.cite(found, 'gap')}.")
    means = "; ".join(f"{r.model} " + prose.interval(
        r.test_acc_mean, r.test_acc_ci_low, r.test_acc_ci_high, r.runs)
        for r in summary.sort_values("model").itertuples())
    text = f"Mean test accuracy per model: {means}. {sec.cite(found, 'test_accuracy')}."
    if facts["min_runs"] >= 2 and len(facts["neighbours"]) > 1:
        text += " Each model against the next lower mean: " + "; ".join(
            sec.cite(found, key) for key in facts["neighbours"]) + "."
    sec.ask("Compare the models' generalisation performance.", text)
    text = sec.cite(found, "parameters") + ". " + "".join(
        f"{sec.cite(found, key)}. " for key in sorted(found) if key.startswith("parameters_"))
    if facts["size_family_confounded"]:
        big = summary.sort_values("parameters").family.iloc[-1]  # the larger family
        small = "CNN" if big == "MLP" else "MLP"
        def members(family):
            names = list(summary[summary.family == family].model)
            return f"the {family} {names[0]}" if len(names) == 1 else f"every {family}"
        text += ("Parameter count and model family move together here "
                 f"({members(big)} is larger than {members(small)}), so this comparison cannot "
                 "tell the effect of size from that of fully connected against convolutional "
                 "layers.")
    by_size = summary.sort_values("parameters")
    text += (f" Smallest: {by_size.model.iloc[0]} ({by_size.parameters.iloc[0]:,} parameters, "
             f"{prose.pct(by_size.test_acc_mean.iloc[0])}); largest: {by_size.model.iloc[-1]} "
             f"({by_size.parameters.iloc[-1]:,}, {prose.pct(by_size.test_acc_mean.iloc[-1])}).")
    sec.ask("What is the effect of the number of parameters?", text)
    lines = [sec.cite(found, key) for key in facts["depth_claims"]]
    sec.ask("What is the effect of depth?",
            ("Depth = layers with weights, prediction layer included; compared within a family, "
             "where depth changes together with the parameter count (both are given), so a "
             "difference cannot be put on depth alone. " + "; ".join(lines) + ".")
            if lines else "No family in this zoo has two models of different depth to compare.")
    _weight_answers(sec, weights, n_classes, found)
    fam_mean = facts["family_mean"]
    groups = "; ".join(f"{fam}: {prose.names(summary[summary.family == fam].model)} (means "
                       + ", ".join(f"{m} {prose.pct(s.loc[m, 'test_acc_mean'])}"
                                   for m in summary[summary.family == fam].model) + ")"
                       for fam in fam_mean)
    singles = facts.get("single_model_families") or {}
    lone = " and ".join(f"the {fam} family has one model ({m})" for fam, m in singles.items())
    lone = lone and f"{lone[0].upper()}{lone[1:]}: no spread across models, so "
    if "family" in found:
        closing = (f"{sec.cite(found, 'family')}. The families differ in layer types, depth "
                   "and parameter count at once, so a difference between them cannot be put "
                   "on any one of these.")
        if lone:
            closing += (f" {lone}{'they are' if len(singles) > 1 else 'it is'} left out of "
                        "this comparison.")
    elif lone:
        closing = f"{lone}the families are not compared."
    else:
        closing = "The zoo has one family only."
    sec.ask("Which architectures are akin, and how do similar ones compare?",
            f"Grouped by their layer lists: {groups}. {closing}")
    text = (f"By accuracy: {sec.cite(found, 'test_accuracy')}. "
            + _pick(found["test_accuracy"]["evidence"])
            + (f" {_other_grounds(found['test_accuracy']['evidence'])} "
               f"{sec.cite(found, 'smaller')}." if "smaller" in found else ""))
    sec.ask("Which architecture would you pick, and why?", text)


def _other_grounds(ranked):
    """What heads the size comparison: a ground for the pick only where a test could run."""
    return "On other grounds:" if ranked.get("testable") else "For the record, on size:"


def _tested_not_separated(xs, ys):
    c = compare(xs, ys)
    return c["testable"] and not c["separated"]


def _pick(ranked):
    """The pick by accuracy: the highest mean where the data separate it from the runner-up;
    where a test could and did not, another ground decides (the claim that follows); where no
    test could, no pick."""
    if ranked.get("separated"):  # named by the claim: the text outside it compares nothing
        return "The pick: the highest mean above, which the data separate from the runner-up."
    if ranked.get("testable"):
        return ("Accuracy does not decide the pick: the data do not separate the highest mean "
                "from the runner-up, so another ground (size, speed) may.")
    return ("No pick can be made from these runs: too few for any test to separate the highest "
            "mean from the runner-up.")


def _band(x):
    return "strongly" if x > 0.5 else "partly" if x > 0.2 else "hardly"


def _weight_answers(sec, weights, n_classes, found):
    w = weights.set_index("model")
    mlp, cnn = w[w.template_r_mean.notna()], w[w.zero_sum_fraction.notna()]
    parts = []
    if len(mlp):
        parts.append("Fully connected first-layer units see the whole image; their weights "
                     "correlate with the class-mean training images at a mean best |r| of "
                     + ", ".join(f"{r:.3g} ({m})" for m, r in mlp.template_r_mean.items())
                     + " (read here: |r| ≥ 0.5 a recognisable garment silhouette, 0.3–0.5 a "
                       "partial one, below 0.3 none).")
    if len(cnn):
        parts.append("Convolution filters are a few pixels wide, so they cannot picture a "
                     "garment; they are local detectors. A filter whose weights nearly cancel "
                     "(|sum of weights| < 25 % of their summed magnitude) detects edges or "
                     "contrast, the others respond to local brightness. Filters that nearly "
                     "cancel: " + ", ".join(f"{100 * f:.0f} % of {m}'s"
                                            for m, f in cnn.zero_sum_fraction.items()) + ".")
    sec.ask("Are the weight pictures interpretable?", " ".join(parts))
    sel = w.selectivity_mean
    sec.ask("Are the units specialised to particular classes?",
            "Selectivity of a unit = (response to its preferred class − mean response to the "
            "others) / (their sum), from its mean activation per test class: 0 means no "
            "preference, 1 means it answers one class only (read here: above 0.5 strongly, "
            "0.2–0.5 partly, below 0.2 hardly specialised). Per model: "
            + "; ".join(f"{m} {x:.3g} ({_band(x)} specialised, preferred classes cover "
                        f"{w.loc[m, 'preferred_classes']} of {n_classes}, "
                        f"{w.loc[m, 'dead_units']} silent units)" for m, x in sel.items())
            + f". {sec.cite(found, 'selectivity')}.")
    if len(mlp):
        bands = "; ".join(
            f"{m}: " + ("its pictures can be read as class templates" if r >= 0.5 else
                        "they resemble class templates only partly" if r >= 0.3 else
                        "they hardly resemble class templates")
            for m, r in mlp.template_r_mean.items())
        sec.ask("Whose weights are more interpretable?",
                f"The fully connected first layers are the ones a picture can show: "
                f"{sec.cite(found, 'template_r')}. By the bands above: {bands}. First-layer CNN "
                "filters are readable only as local edge and brightness detectors.")
    else:
        sec.ask("Whose weights are more interpretable?",
                "No fully connected first layer in this zoo: all first layers are local "
                "convolution filters, readable only as edge and brightness detectors.")
