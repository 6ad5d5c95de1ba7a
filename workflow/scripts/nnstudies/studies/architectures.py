"""Study 3: architectures (EE449 part 3). Every zoo model with Adam over several seeds."""
import numpy as np

from .. import aggregate, figures, prose
from ..config import make_run
from ..data import load_prepared, scale
from ..report import Section
from ..stats import compare, rank_correlation
from .common import check_models, departures as protocol_departures, write_facts
from ..lazy import lazy_import

pd = lazy_import("pandas")

NAME = "architectures"
TITLE = "Study 3: architectures"
PROTOCOL = {"models": ["mlp_1", "mlp_2", "cnn_3", "cnn_4", "cnn_5"], "optimizer": "adam",
            "lr": 0.001, "batch_size": 50, "epochs": 15, "seeds": 10}
TABLES = ["runs", "summary", "pairwise", "curves", "weights"]
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
                                 np.load(first_layers[(r.model, r.best_seed)]),
                                 np.load(class_means[(r.model, r.best_seed)]), templates)}
                            for r in summary.itertuples()])
    weights.to_csv(out.table("weights"), index=False)

    figures.save(figures.performance_figure(stats_, summary, list(models)),
                 *out.figure("performance"))
    image_shape = data["train_x"].shape[1:]
    for r in summary.itertuples():
        title = (f"{r.model}: first-layer weights of its best run (seed {r.best_seed}, "
                 f"test accuracy {prose.pct(r.best_test_acc)})")
        figures.save(figures.weights_figure(np.load(first_layers[(r.model, r.best_seed)]),
                                            title, image_shape), *out.figure(f"weights_{r.model}"))
    write_facts(out.facts, facts(summary, runs_))


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


def facts(summary, runs_):
    """Every statistic the prose cites beyond the tables: correlations, confounds, depth pairs."""
    s = summary.set_index("model")
    acc = _accuracies(runs_, s.index)
    by_size = summary.sort_values("parameters")
    fams = by_size.family.tolist()
    # parameter count and family are confounded when sorting by size never interleaves them
    confounded = len(set(fams)) > 1 and sum(a != b for a, b in zip(fams, fams[1:])) == 1
    within = {fam: rank_correlation(g.parameters, g.test_acc_mean)
              for fam, g in summary.groupby("family") if len(g) >= 3}
    depth_pairs = []
    for fam, group in summary.groupby("family"):
        members = list(group.sort_values(["depth", "parameters"])["model"])
        for a, b in zip(members, members[1:]):
            depth_pairs.append({"family": fam, "shallower": a, "deeper": b,
                                "depth_a": int(s.loc[a, "depth"]),
                                "depth_b": int(s.loc[b, "depth"]),
                                "parameters_a": int(s.loc[a, "parameters"]),
                                "parameters_b": int(s.loc[b, "parameters"]),
                                **compare(acc[b], acc[a])})
    families = summary.groupby("family").test_acc_mean
    return {"parameters_vs_accuracy": rank_correlation(summary.parameters,
                                                       summary.test_acc_mean),
            "size_family_confounded": confounded, "within_family": within,
            "depth_pairs": depth_pairs,
            "family_spread": (families.max() - families.min()).to_dict(),
            "family_mean": families.mean().to_dict(),
            "min_runs": int(summary.runs.min())}


def section(facts, tables, figs, params, info):
    summary, pairwise, weights = tables["summary"], tables["pairwise"], tables["weights"]
    s = summary.set_index("model")
    p = params["protocol"]
    sec = Section(NAME, TITLE,
                  f"Each of {len(p['models'])} models trained {len(p['seeds'])} time(s) (seeds "
                  f"{', '.join(map(str, p['seeds']))}) with {p['optimizer']} (lr {p['lr']}), "
                  f"batch {p['batch_size']}, {p['epochs']} epochs; every {p['record_every']} "
                  "steps the training loss and accuracy (mean over those steps) and the accuracy "
                  "on the whole validation split were recorded.")
    sec.add_figure(figs["performance"],
                   "Architectures: mean over seeds (band: ± 1 standard deviation). a: training "
                   "loss; b: training (solid) and validation (dashed) accuracy; c: test vs final "
                   "training accuracy (95 % CI; a marker says when a model had a run that did "
                   "not end ok); d: validation vs training accuracy during training.")
    for model in params["models"]:
        sec.add_figure(figs[f"weights_{model}"], f"{model}: first-layer weights of its best run "
                       "(unit or filter number above each picture), grey, one symmetric colour "
                       "scale per model.", size="small")
    shown = pd.DataFrame({
        "model": summary.model, "family": summary.family, "depth": summary.depth,
        "parameters": summary.parameters.map("{:,}".format), "runs": summary.runs,
        "fate": summary.status, "test acc. %": summary.test_acc_mean.map(prose.cell),
        "std": summary.test_acc_std.map(prose.cell),
        "95 % CI": [f"{prose.cell(lo)}–{prose.cell(hi)}" + ("†" if 1 < n < 5 else "")
                    for lo, hi, n in zip(summary.test_acc_ci_low, summary.test_acc_ci_high,
                                         summary.runs)],
        "best (seed)": [f"{prose.cell(a)} ({b})" for a, b in zip(summary.best_test_acc,
                                                                  summary.best_seed)],
        "final train acc. %": summary.final_train_acc_mean.map(prose.cell),
        "gap (points)": summary.generalisation_gap.map(prose.cell)})
    sec.add_table("Test accuracy by model (best mean first; spread over seeds)", shown,
                  note="† small sample (fewer than 5 runs): the interval is wide and the "
                       "ranking is not resolved." if facts["min_runs"] < 5 else None)
    sec.add_table("First-layer weights: interpretability numbers (best run)", weights.rename(
        columns={"best_seed": "best seed", "template_r_mean": "template |r|",
                 "zero_sum_fraction": "zero-sum share", "selectivity_mean": "selectivity",
                 "dead_units": "silent units", "preferred_classes": "preferred classes"}),
        decimals=3)
    _answers(sec, summary, s, pairwise, weights, facts, len(info["class_names"]))
    best = summary.iloc[0]
    first = pairwise.iloc[0] if len(pairwise) else None
    sec.summary = (f"Architectures: best mean test accuracy {best.model}, "
                   + prose.interval(best.test_acc_mean, best.test_acc_ci_low,
                                    best.test_acc_ci_high, best.runs)
                   + (f"; against the runner-up {first.worse}: {prose.verdict(first)}"
                      if first is not None else "")
                   + f". {prose.status_counts(tables['runs'].status)}.")
    return sec


def _answers(sec, summary, s, pairwise, weights, facts, n_classes):
    best, worst = summary.model.iloc[0], summary.model.iloc[-1]
    gap = s["generalisation_gap"]
    widest, lowest = gap.idxmax(), gap.idxmin()
    sec.ask("What is generalisation performance?",
            "Generalisation performance is how well a trained model does on data it has not "
            "seen in training, estimated here by accuracy on the held-out test set; the gap is "
            "the final training accuracy (mean over the last record's steps) minus the test "
            f"accuracy. In this run the mean gap runs from {prose.pts(gap[lowest])} ({lowest}) "
            f"to {prose.pts(gap[widest])} ({widest})"
            + ("; a negative gap means the model scored higher on the test set than on its last "
               "training batches." if gap[lowest] < 0 else "."))
    sec.ask("Which plots show it?",
            "Panel c plots test against final training accuracy (a point below the diagonal "
            "generalises worse than it fits); panels b and d show validation accuracy (unseen "
            "data) against training accuracy during training. At the end, the largest gap is "
            f"{widest}'s (training {prose.pct(s.loc[widest, 'final_train_acc_mean'])}, "
            f"validation {prose.pct(s.loc[widest, 'final_val_acc_mean'])}, test "
            f"{prose.pct(s.loc[widest, 'test_acc_mean'])}); the lowest is {lowest}'s "
            f"({prose.pts(gap[lowest])}).")
    ranking = "; ".join(f"{i + 1}. {r.model} " + prose.interval(
        r.test_acc_mean, r.test_acc_ci_low, r.test_acc_ci_high, r.runs)
        for i, r in enumerate(summary.itertuples()))
    steps = "; ".join(prose.comparison(r.better, r.worse, r._asdict())
                      for r in pairwise[pairwise.neighbours].itertuples())
    sec.ask("Compare the models' generalisation performance.",
            f"Ranking by mean test accuracy: {ranking}. Neighbours in the ranking: {steps}. "
            f"From best to worst mean the span is "
            f"{100 * (s.loc[best, 'test_acc_mean'] - s.loc[worst, 'test_acc_mean']):.2f} "
            "points.")
    corr = facts["parameters_vs_accuracy"]
    text = prose.correlation("Parameter count against mean test accuracy", corr) + ". "
    if facts["size_family_confounded"]:
        text += ("Parameter count and model family move together here (every "
                 f"{'MLP' if summary.sort_values('parameters').family.iloc[-1] == 'MLP' else 'CNN'}"
                 " is larger than every other model), so this comparison cannot tell the effect "
                 "of size from that of fully connected against convolutional layers.")
    for fam, r in facts["within_family"].items():
        text += " " + prose.correlation(f"Within the {fam}s", r) + "."
    by_size = summary.sort_values("parameters")
    text += (f" Smallest: {by_size.model.iloc[0]} ({by_size.parameters.iloc[0]:,} parameters, "
             f"{prose.pct(by_size.test_acc_mean.iloc[0])}); largest: {by_size.model.iloc[-1]} "
             f"({by_size.parameters.iloc[-1]:,}, {prose.pct(by_size.test_acc_mean.iloc[-1])}).")
    sec.ask("What is the effect of the number of parameters?", text)
    lines = [f"{d['family']}: {d['deeper']} (depth {d['depth_b']}, {d['parameters_b']:,} "
             f"parameters) vs {d['shallower']} (depth {d['depth_a']}, {d['parameters_a']:,}): "
             f"{prose.pts(d['diff'])}, {prose.verdict(d)}" for d in facts["depth_pairs"]]
    sec.ask("What is the effect of depth?",
            ("Depth = layers with weights, prediction layer included; compared within a family, "
             "where depth changes together with the parameter count (both are given), so a "
             "difference cannot be put on depth alone. " + "; ".join(lines) + ".")
            if lines else "No family in this zoo has two models of different depth to compare.")
    _weight_answers(sec, weights, n_classes)
    spread, fam_mean = facts["family_spread"], facts["family_mean"]
    groups = "; ".join(f"{fam}: {prose.names(summary[summary.family == fam].model)} (spread of "
                       f"mean test accuracy within the family {100 * spread[fam]:.2f} points)"
                       for fam in fam_mean)
    if len(fam_mean) > 1:
        between = max(fam_mean.values()) - min(fam_mean.values())
        closing = (f"The family means differ by {100 * between:.2f} points, "
                   + ("more than the spread within any family: in this run the family accounts "
                      "for most of the differences." if all(v < between for v in spread.values())
                      else "not more than the spread within a family: the family alone does "
                      "not order the models here."))
    else:
        closing = "The zoo has one family only."
    sec.ask("Which architectures are akin, and how do similar ones compare?",
            f"Grouped by their layer lists: {groups}. {closing}")
    first = pairwise.iloc[0] if len(pairwise) else None
    text = (f"{best}: it has the best mean test accuracy, "
            + prose.interval(s.loc[best, "test_acc_mean"], s.loc[best, "test_acc_ci_low"],
                             s.loc[best, "test_acc_ci_high"], s.loc[best, "runs"]))
    if first is not None:
        text += f". Against the runner-up {first.worse}: {prose.verdict(first)}"
        smaller = [r for r in pairwise[pairwise.better == best].itertuples()
                   if not r.separated and s.loc[r.worse, "parameters"] < s.loc[best, "parameters"]]
        if smaller:
            m = smaller[0].worse
            share = 1 - s.loc[m, "parameters"] / s.loc[best, "parameters"]
            text += (f". On other grounds: the data do not separate {best} from {m}, which has "
                     f"{100 * share:.0f} % fewer parameters; a reader who values size may "
                     "prefer it, but nothing here shows the two are equally accurate")
    sec.ask("Which architecture would you pick, and why?", text + ".")


def _weight_answers(sec, weights, n_classes):
    w = weights.set_index("model")
    mlp, cnn = w[w.template_r_mean.notna()], w[w.zero_sum_fraction.notna()]
    parts = []
    if len(mlp):
        parts.append("Fully connected first-layer units see the whole image; their weights "
                     "correlate with the class-mean training images at a mean best |r| of "
                     + ", ".join(f"{r:.2f} ({m})" for m, r in mlp.template_r_mean.items())
                     + " (read here: |r| ≥ 0.5 a recognisable garment silhouette, 0.3–0.5 a "
                       "partial one, below 0.3 none).")
    if len(cnn):
        parts.append("Convolution filters are a few pixels wide, so they cannot picture a "
                     "garment; they are local detectors: " + ", ".join(
                         f"{100 * f:.0f} % of {m}'s filters nearly cancel (|sum of weights| "
                         "< 25 % of their summed magnitude: edge or contrast detectors)"
                         for m, f in cnn.zero_sum_fraction.items())
                     + ", the rest respond to local brightness.")
    sec.ask("Are the weight pictures interpretable?", " ".join(parts))
    sel = w.selectivity_mean
    sec.ask("Are the units specialised to particular classes?",
            "Selectivity of a unit = (response to its preferred class − mean response to the "
            "others) / (their sum), from its mean activation per test class: 0 means no "
            "preference, 1 means it answers one class only (read here: above 0.5 strongly, "
            "0.2–0.5 partly, below 0.2 hardly specialised). Mean selectivity: "
            + "; ".join(f"{m} {x:.2f} ("
                        + ("strongly" if x > 0.5 else "partly" if x > 0.2 else "hardly")
                        + " specialised, preferred "
                        f"classes cover {w.loc[m, 'preferred_classes']} of {n_classes}, "
                        f"{w.loc[m, 'dead_units']} silent units)" for m, x in sel.items())
            + f". The most class-specific first layer is {sel.idxmax()}'s.")
    if len(mlp):
        clearest = mlp.template_r_mean.idxmax()
        r = mlp.loc[clearest, "template_r_mean"]
        verdict = ("their pictures can be read as class templates" if r >= 0.5 else
                   "even these resemble class templates only partly" if r >= 0.3 else
                   "yet even these hardly resemble class templates")
        sec.ask("Whose weights are more interpretable?",
                f"{clearest}'s: its units match class-mean images best (mean best |r| = "
                f"{r:.2f}); {verdict}. First-layer CNN filters are readable only as local edge "
                "and brightness detectors.")
    else:
        sec.ask("Whose weights are more interpretable?",
                "No fully connected first layer in this zoo: all first layers are local "
                "convolution filters, readable only as edge and brightness detectors.")

