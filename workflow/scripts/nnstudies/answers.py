"""Report answers: functions from tables to sentences.

Fixed text is used only for definitions; everything after it is computed from this run's
numbers, so the sentences change when the numbers do. A comparison says whether the data
separate two models (Welch t-test over seeds, p < ALPHA) or leave them within noise.
"""
import numpy as np
from scipy import stats

ALPHA = 0.05


def pct(x):
    return f"{100 * x:.2f} %"


def pts(x):
    """A difference of accuracies in percentage points, signed."""
    return f"{100 * x:+.2f} points"


def with_ci(row):
    if np.isfinite(row["test_acc_ci_low"]):
        return (f"{pct(row['test_acc_mean'])} (95 % CI {100 * row['test_acc_ci_low']:.2f}–"
                f"{100 * row['test_acc_ci_high']:.2f} %, {row['runs']} runs)")
    return f"{pct(row['test_acc_mean'])} (1 run, no interval)"


def compare(runs, a, b):
    """(difference of mean test accuracy a - b, p-value, phrase) for two models."""
    x = runs.loc[runs.model == a, "test_acc"].to_numpy()
    y = runs.loc[runs.model == b, "test_acc"].to_numpy()
    diff = x.mean() - y.mean()
    if min(len(x), len(y)) < 2:
        return diff, np.nan, f"{a} vs {b}: {pts(diff)} (one run each: no test possible)"
    p = stats.ttest_ind(x, y, equal_var=False).pvalue
    if not np.isfinite(p):  # identical constant samples
        p = 1.0 if diff == 0 else 0.0
    verdict = "the data separate them" if p < ALPHA else "within noise"
    return diff, p, f"{a} vs {b}: {pts(diff)} (Welch p = {p:.3g}, {verdict})"


def separated(runs, a, b):
    _, p, _ = compare(runs, a, b)
    return np.isfinite(p) and p < ALPHA


def architecture_answers(summary, runs, weights, class_names):
    """The ten questions of Study 3, each as {'question', 'answer'}."""
    s = summary.set_index("model")
    order = list(summary["model"])  # best mean test accuracy first
    best, worst = order[0], order[-1]
    gap = summary.set_index("model")["generalisation_gap"]
    widest, narrowest = gap.idxmax(), gap.idxmin()
    w = weights.set_index("model")
    qa = []

    qa.append(("What is generalisation performance?",
               "Generalisation performance is how well a trained model does on data it has not "
               "seen during training, estimated here by accuracy on the held-out test set; the "
               "generalisation gap is the training accuracy minus that test accuracy. "
               f"In this run the mean gap ranges from {pts(gap[narrowest])} ({narrowest}) to "
               f"{pts(gap[widest])} ({widest})."))

    qa.append(("Which plots show it?",
               "Panel c plots test against final training accuracy (a point below the diagonal "
               "generalises worse than it fits); panels b and d show the validation accuracy "
               "(unseen data) against the training accuracy during training. At the end of "
               f"training {widest} fits its training batches best relative to unseen data "
               f"(final training accuracy {pct(s.loc[widest, 'final_train_acc_mean'])}, "
               f"validation {pct(s.loc[widest, 'final_val_acc_mean'])}, test "
               f"{pct(s.loc[widest, 'test_acc_mean'])}), while {narrowest} has the smallest gap "
               f"({pts(gap[narrowest])})."))

    ranking = "; ".join(f"{i + 1}. {m} {with_ci(s.loc[m])}" for i, m in enumerate(order))
    steps = "; ".join(compare(runs, a, b)[2] for a, b in zip(order, order[1:]))
    qa.append(("Compare the models' generalisation performance.",
               f"Ranking by mean test accuracy: {ranking}. Neighbours in the ranking: {steps}. "
               f"From best to worst the mean test accuracy spans "
               f"{100 * (s.loc[best, 'test_acc_mean'] - s.loc[worst, 'test_acc_mean']):.2f} points."))

    rho, p_rho = stats.spearmanr(summary["parameters"], summary["test_acc_mean"])
    by_size = summary.sort_values("parameters")
    smallest, largest = by_size.iloc[0], by_size.iloc[-1]
    trend = ("more parameters went with higher test accuracy" if rho > 0.5 else
             "more parameters went with lower test accuracy" if rho < -0.5 else
             "parameter count did not order the models' test accuracy")
    qa.append(("What is the effect of the number of parameters?",
               f"Across the {len(summary)} models Spearman's rank correlation between parameter "
               f"count and mean test accuracy is ρ = {rho:.2f} (p = {p_rho:.2g}, "
               f"{len(summary)} models): {trend}. The smallest model, {smallest['model']} "
               f"({smallest['parameters']:,} parameters), reaches {pct(smallest['test_acc_mean'])}; "
               f"the largest, {largest['model']} ({largest['parameters']:,}), "
               f"{pct(largest['test_acc_mean'])}. How the parameters are used (shared "
               "convolution kernels versus one weight per pixel) matters as much as how many "
               "there are: compare the families below."))

    depth_lines = []
    for family, group in summary.groupby("family"):
        members = list(group.sort_values(["depth", "parameters"])["model"])
        if len(members) < 2:
            continue
        pairs = "; ".join(compare(runs, b, a)[2] for a, b in zip(members, members[1:]))
        depths = ", ".join(f"{m}: {s.loc[m, 'depth']}" for m in members)
        depth_lines.append(f"{family}s by depth ({depths} weight layers): {pairs}")
    qa.append(("What is the effect of depth?",
               ("Depth counted as layers with weights, prediction layer included. "
                + ". ".join(depth_lines) + ".") if depth_lines else
               "No family in this zoo has two models of different depth to compare."))

    mlp = w[w["template_r_mean"].notna()]
    cnn = w[w["zero_sum_fraction"].notna()]
    parts = []
    if len(mlp):
        parts.append("Fully connected first-layer units see the whole image; their weights "
                     "correlate with the class-mean training images at a mean best |r| of "
                     + ", ".join(f"{r:.2f} ({m})" for m, r in mlp["template_r_mean"].items())
                     + " (|r| ≥ 0.5 reads as a recognisable garment silhouette, 0.3–0.5 as a "
                     "partial one, below 0.3 as none).")
    if len(cnn):
        parts.append("The convolution filters are a few pixels wide, so they cannot picture a "
                     "garment; they are local detectors: "
                     + ", ".join(f"{100 * f:.0f} % of {m}'s filters nearly cancel (edge or "
                                 "contrast detectors)" for m, f in cnn["zero_sum_fraction"].items())
                     + ", the rest respond to local brightness.")
    qa.append(("Are the weight pictures interpretable?", " ".join(parts)))

    sel = w["selectivity_mean"]
    level = lambda x: "strongly" if x > 0.5 else "partly" if x > 0.2 else "hardly"  # noqa: E731
    qa.append(("Are the units specialised to particular classes?",
               "Selectivity of a unit = (response to its preferred class − mean response to the "
               "others) / (their sum), from its mean activation per test class: 0 means no "
               "preference, 1 means it answers one class only. Mean selectivity: "
               + "; ".join(f"{m} {x:.2f} ({level(x)} specialised, preferred classes cover "
                           f"{w.loc[m, 'preferred_classes']} of {len(class_names)}, "
                           f"{w.loc[m, 'dead_units']} silent units)" for m, x in sel.items())
               + f". The most class-specific first layer is {sel.idxmax()}'s."))

    if len(mlp):
        clearest = mlp["template_r_mean"].idxmax()
        r = mlp.loc[clearest, "template_r_mean"]
        verdict = ("their pictures can be read as class templates" if r >= 0.5 else
                   "even these resemble class templates only partly" if r >= 0.3 else
                   "yet even these hardly resemble class templates")
        qa.append(("Whose weights are more interpretable?",
                   f"{clearest}'s: its units match class-mean images best (mean best |r| = "
                   f"{r:.2f}); {verdict}. First-layer CNN filters are interpretable only as "
                   "local edge and brightness detectors."))
    else:
        qa.append(("Whose weights are more interpretable?",
                   "No fully connected first layer in this zoo: all first layers are local "
                   "convolution filters, readable only as edge and brightness detectors."))

    families = summary.groupby("family")["test_acc_mean"]
    spread = (families.max() - families.min()).to_dict()
    fam_means = families.mean()
    lines = [f"{fam}: {', '.join(summary[summary.family == fam]['model'])} "
             f"(within-family spread of mean test accuracy {100 * spread[fam]:.2f} points)"
             for fam in fam_means.index]
    if len(fam_means) > 1:
        between = fam_means.max() - fam_means.min()
        akin = all(v < between for v in spread.values())
        closing = (f"The family means differ by {100 * between:.2f} points, "
                   + ("more than the spread within any family: similar architectures perform "
                      "alike and the family decides most." if akin else
                      "not more than the spread within a family: the family alone does not "
                      "decide the accuracy."))
    else:
        closing = "The zoo has one family only."
    qa.append(("Which architectures are akin, and how do similar ones compare?",
               "Grouped by their layer lists: " + "; ".join(lines) + ". " + closing))

    tied = [m for m in order if m == best or not separated(runs, best, m)]
    pick = min(tied, key=lambda m: s.loc[m, "parameters"])
    reason = (f"it has the best mean test accuracy, {with_ci(s.loc[best])}"
              if pick == best else
              f"the data do not separate it from the best model {best} "
              f"({compare(runs, best, pick)[2]}), and it needs "
              f"{s.loc[pick, 'parameters']:,} parameters against {s.loc[best, 'parameters']:,}")
    qa.append(("Which architecture would you pick, and why?",
               "Rule: the best mean test accuracy, unless a smaller model is within noise of it "
               f"(p ≥ {ALPHA}); then the smallest such model. Pick: {pick}, because {reason}."))
    return [{"question": q, "answer": a} for q, a in qa]


def architecture_summary(summary, runs):
    order = list(summary["model"])
    s = summary.set_index("model")
    best = order[0]
    line = f"Best architecture: {best}, mean test accuracy {with_ci(s.loc[best])}"
    if len(order) > 1:
        line += f"; next {compare(runs, best, order[1])[2]}"
    return line + f". Worst: {order[-1]}, {pct(s.loc[order[-1], 'test_acc_mean'])}."
