"""Report answers: functions from tables to sentences.

Fixed text is used only for definitions; everything after it is computed from this run's
numbers, so the sentences change when the numbers do. A comparison says whether the data
separate two models (Welch t-test over seeds, p < ALPHA) or leave them within noise.
"""
import numpy as np
import pandas as pd
from scipy import stats

from .aggregate import welch_p

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
    p = welch_p(x, y)
    if not np.isfinite(p):
        return diff, p, f"{a} vs {b}: {pts(diff)} (one run each: no test possible)"
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
               f"{100 * (s.loc[best, 'test_acc_mean'] - s.loc[worst, 'test_acc_mean']):.2f} "
               "points."))

    rho, p_rho = stats.spearmanr(summary["parameters"], summary["test_acc_mean"])
    by_size = summary.sort_values("parameters")
    smallest, largest = by_size.iloc[0], by_size.iloc[-1]
    trend = ("the models cannot be ranked (ties, or a single model)" if not np.isfinite(rho) else
             "more parameters went with higher test accuracy" if rho > 0.5 else
             "more parameters went with lower test accuracy" if rho < -0.5 else
             "parameter count did not order the models' test accuracy")
    qa.append(("What is the effect of the number of parameters?",
               f"Across the {len(summary)} models Spearman's rank correlation between parameter "
               f"count and mean test accuracy is ρ = {rho:.2f} (p = {p_rho:.2g}, "
               f"{len(summary)} models): {trend}. The smallest model, {smallest['model']} "
               f"({smallest['parameters']:,} parameters), reaches "
               f"{pct(smallest['test_acc_mean'])}; "
               f"the largest, {largest['model']} ({largest['parameters']:,}), "
               f"{pct(largest['test_acc_mean'])}." + _usage_over_count(summary)))

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


def _usage_over_count(summary):
    """A smaller model of one family beating a larger one of another, if the zoo has such."""
    for _, small in summary.iterrows():
        beaten = summary[(summary.family != small.family)
                         & (summary.parameters > small.parameters)
                         & (summary.test_acc_mean < small.test_acc_mean)]
        if len(beaten):
            big = beaten.iloc[0]
            return (f" {small.model} ({small.family}, {small.parameters:,} parameters) beats "
                    f"{big.model} ({big.family}, {big.parameters:,}): how parameters are used "
                    "(shared convolution kernels versus one weight per pixel) matters, not only "
                    "how many there are.")
    return ""


def architecture_summary(summary, runs):
    order = list(summary["model"])
    s = summary.set_index("model")
    best = order[0]
    line = f"Best architecture: {best}, mean test accuracy {with_ci(s.loc[best])}"
    if len(order) > 1:
        line += f"; next {compare(runs, best, order[1])[2]}"
    return line + f". Worst: {order[-1]}, {pct(s.loc[order[-1], 'test_acc_mean'])}."


def _fmt_steps(x):
    return "never" if x != x else f"{x:,.0f} steps"


def activation_answers(variants, depths):
    """Study 4's questions from the per-variant table (one row per model x activation x
    scaling, seeds averaged). `depths` maps model -> layers with weights."""
    v = variants.assign(depth=variants.model.map(depths))
    base_scaling = "unit" if "unit" in set(v.scaling) else v.scaling.iloc[0]
    unit = v[v.scaling == base_scaling]
    relu = unit[unit.activation == "relu"].set_index("model")
    sig = unit[unit.activation == "sigmoid"].set_index("model")
    qa = []

    lines = []
    for act, table in (("ReLU", relu), ("sigmoid", sig)):
        if table.empty:
            continue
        order = table.sort_values("grad_norm_mean_mean", ascending=False)
        ranked = ", ".join(f"{m} ({r.grad_norm_mean_mean:.3g}, depth {r.depth})"
                           for m, r in order.iterrows())
        text = f"With {act}, mean gradient norm over training, largest first: {ranked}"
        if len(table) > 2:
            rho, p = stats.spearmanr(table.depth, table.grad_norm_mean_mean)
            text += (f"; Spearman ρ(depth, gradient norm) = {rho:.2f} (p = {p:.2g}, "
                     f"{len(table)} models): "
                     + ("deeper models get smaller first-layer gradients" if rho < -0.5 else
                        "deeper models get larger first-layer gradients" if rho > 0.5 else
                        "depth does not order the gradient norms"))
        drift = table.grad_norm_last_epoch_mean / table.grad_norm_first_epoch_mean
        if (table.epochs > 1).all():
            text += (f". From the first to the last epoch the norm changes by a factor between "
                     f"{drift.min():.2g} ({drift.idxmin()}) and {drift.max():.2g} "
                     f"({drift.idxmax()})")
        lines.append(text + ".")
    qa.append(("How does the gradient magnitude behave across architectures and with depth?",
               " ".join(lines) if lines else "No runs to compare."))

    both = relu.index.intersection(sig.index)
    if len(both):
        ratio = (relu.loc[both, "grad_norm_mean_mean"] / sig.loc[both, "grad_norm_mean_mean"])
        loss_gap = sig.loc[both, "final_train_loss_mean"] - relu.loc[both, "final_train_loss_mean"]
        text = ("Backpropagation multiplies the gradient reaching the first layer by the "
                "derivative of every activation above it. The sigmoid's derivative is at most "
                "1/4 and near 0 when it saturates, so each sigmoid layer shrinks the gradient "
                "(vanishing gradients); ReLU's derivative is exactly 1 where a unit is active. "
                "Measured: the ReLU gradient norm is "
                + ", ".join(f"{ratio[m]:.3g}× the sigmoid one for {m}" for m in both) + ".")
        if len(both) > 2:
            rho, p = stats.spearmanr(relu.loc[both, "depth"], ratio)
            text += (f" Spearman ρ(depth, ReLU/sigmoid ratio) = {rho:.2f} (p = {p:.2g}, "
                     f"{len(both)} models): "
                     + ("the deeper the model, the more the sigmoid suppresses the gradient, "
                        "as the explanation predicts." if rho > 0.5 else
                        "the ratio does not grow with depth here, so depth alone does not "
                        "explain it in this run."))
        slower = [m for m in both if loss_gap[m] > 0]
        text += (f" The sigmoid variant ends with the higher training loss for {len(slower)} of "
                 f"{len(both)} models (largest gap: {loss_gap.idxmax()}, "
                 f"{loss_gap.max():+.3g}).")
        qa.append(("Why?", text))

    raw = v[v.scaling == "raw"].set_index(["model", "activation"])
    base = v[v.scaling == "unit"].set_index(["model", "activation"])
    if raw.empty or base.empty:
        qa.append(("(Bonus) What happens with inputs in [0, 255] instead of [0, 1]?",
                   "Not run: add raw to activations.scalings to answer it."))
    else:
        common = raw.index.intersection(base.index)
        diverged = [f"{m} {a}" for m, a in common if raw.loc[(m, a), "diverged"] > 0]
        alive = [k for k in common if raw.loc[k, "diverged"] == 0 and base.loc[k, "diverged"] == 0]
        factor = [raw.loc[k, "grad_norm_first_epoch_mean"]
                  / base.loc[k, "grad_norm_first_epoch_mean"] for k in alive]
        worse = [f"{m} {a}" for m, a in alive
                 if raw.loc[(m, a), "final_train_loss_mean"]
                 > base.loc[(m, a), "final_train_loss_mean"]]
        text = ("Run, not assumed: the same study with unscaled pixels. The first layer's "
                "pre-activations become up to 255 times larger, so one expects saturated "
                "sigmoids (zero derivative) and larger first-layer gradients, which are "
                "proportional to the input. ")
        text += (f"{len(diverged)} of {len(common)} runs diverged (loss became non-finite): "
                 f"{', '.join(diverged)}. " if diverged else
                 f"None of the {len(common)} runs diverged. ")
        if factor:
            text += (f"In the runs that did not diverge the first-epoch gradient norm is "
                     f"{np.median(factor):.3g}× its [0, 1] value (median; range "
                     f"{min(factor):.3g}–{max(factor):.3g}), and the final training loss is "
                     f"higher than with [0, 1] inputs for {len(worse)} of {len(alive)}"
                     + (f" ({', '.join(worse)})." if worse else "."))
        qa.append(("(Bonus) What happens with inputs in [0, 255] instead of [0, 1]?", text))
    return [{"question": q, "answer": a} for q, a in qa]


def learning_rate_answers(variants, runs, target, schedule_info, adam):
    """Study 5's questions. `variants`: one row per constant rate and the schedule (seeds
    averaged); `runs`: one row per run; `schedule_info`: rule text and switch epochs per seed;
    `adam`: the same model's runs in the architecture study (may be empty)."""
    const = variants[variants.name != "schedule"].sort_values("lr", ascending=False)
    sched = variants[variants.name == "schedule"]
    qa = []

    speed = "; ".join(
        f"lr {r.lr:g}: {'diverged' if r.diverged else _fmt_steps(r.steps_to_target_mean)}"
        for r in const.itertuples())
    reached = const[const.steps_to_target_mean.notna() & (const.diverged == 0)]
    if len(reached):
        fastest = reached.loc[reached.steps_to_target_mean.idxmin()]
        verdict = f"the fastest to reach it is lr {fastest.lr:g}"
    else:
        verdict = "no rate reached it within the run"
    qa.append(("What is the effect of the learning rate on the speed of convergence?",
               f"Steps until the validation accuracy first reaches {pct(target)}: {speed}; "
               f"{verdict}. A larger rate takes larger steps, so it gets near a good region "
               "sooner, as long as it does not overshoot."))

    finals = "; ".join(f"lr {r.lr:g}: {_end_point(r)}" for r in const.itertuples())
    healthy = const[const.diverged == 0]
    if len(healthy):
        top = healthy.loc[healthy.final_val_acc_mean.idxmax()]
        last = f"The best end point is reached by lr {top.lr:g}."
    else:
        last = "Every rate diverged."
    qa.append(("What is the effect of the learning rate on converging to a better point?",
               f"After {int(runs[runs.name != 'schedule'].epochs.iloc[0])} epochs: {finals}. "
               + last + _jitter(const)))

    if len(sched):
        s = sched.iloc[0]
        first = const[const.lr == schedule_info["lrs"][0]].iloc[0]
        diff = s.test_acc_mean - first.test_acc_mean
        seeds = runs[runs.name == "schedule"].seed
        paired = _paired(runs, "schedule", first["name"], seeds)
        qa.append(("Does the scheduled learning rate work, and in what sense?",
                   f"Rule: switch at {schedule_info['rule']}. Switch epochs: "
                   f"{schedule_info['switches']}. The scheduled run ends at "
                   f"{pct(s.final_val_acc_mean)} validation and {pct(s.test_acc_mean)} test "
                   f"accuracy against {pct(first.test_acc_mean)} test for constant lr "
                   f"{first.lr:g} ({pts(diff)}{paired}). "
                   + _schedule_verdict(diff, schedule_info["switch_epochs"], s.epochs,
                                       first.epochs)))
        if len(adam):
            common = sorted(set(adam.seed) & set(seeds))
            a_mean = adam.test_acc.mean()
            paired_adam = _paired(pd.concat([runs, adam.assign(name="adam")]), "schedule",
                                  "adam", common)
            speed_adam = _fmt_steps(schedule_info["adam_steps_to_target"])
            qa.append(("How does the schedule compare with Adam?",
                       f"Adam on the same model in the architecture study (seeds "
                       f"{', '.join(map(str, sorted(adam.seed)))}): test accuracy "
                       f"{pct(a_mean)}; the scheduled SGD run {pct(s.test_acc_mean)} "
                       f"({pts(s.test_acc_mean - a_mean)}{paired_adam}). Convergence: Adam "
                       f"reaches {pct(target)} validation accuracy after {speed_adam}, "
                       f"the schedule after {_fmt_steps(s.steps_to_target_mean)}."))
        else:
            qa.append(("How does the schedule compare with Adam?",
                       "The learning-rate model is not in the architecture study, so there is "
                       "no Adam run of it to compare with."))
    return [{"question": q, "answer": a} for q, a in qa]


def _schedule_verdict(diff, switch_epochs, epochs, constant_epochs):
    longer = f"{epochs:g} epochs against the constant run's {constant_epochs:g}"
    if not any(switch_epochs.values()):
        return ("The rule found no plateau, so the run never switched: it is the first rate "
                f"trained for {longer}, and the difference measures the extra epochs, not a "
                "schedule.")
    if diff > 0:
        return ("It works in the sense the assignment meant: the large rate's fast start, then "
                f"smaller steps that settle into a better point (it also trained {longer}).")
    return f"In this run it did not beat the constant rate on the test set ({longer})."


def _jitter(const):
    """How much each rate's validation curve bounces at the end, and whether that grows with it."""
    healthy = const[(const.diverged == 0) & const.val_acc_jitter_mean.notna()]
    if len(healthy) < 2:
        return ""
    text = "; ".join(f"lr {r.lr:g} {100 * r.val_acc_jitter_mean:.2f}"
                     for r in healthy.itertuples())
    rho = stats.spearmanr(healthy.lr, healthy.val_acc_jitter_mean)[0]
    return (f" Jitter of the validation curve over the last epoch (std of its record-to-record "
            f"changes, points): {text}; "
            + ("the larger the rate, the more it bounces around instead of settling."
               if rho > 0.5 else "here the larger rates do not bounce more."))


def _end_point(r):
    if r.diverged:
        return f"diverged at step {r.diverged_at_step:,.0f}"
    return (f"{pct(r.final_val_acc_mean)} final, {pct(r.best_val_acc_mean)} best validation, "
            f"test {pct(r.test_acc_mean)}")


def _paired(runs, a, b, seeds):
    """', paired over n seeds: mean difference ± std' when more than one seed is shared."""
    x = runs[(runs.name == a) & runs.seed.isin(seeds)].set_index("seed").test_acc
    y = runs[(runs.name == b) & runs.seed.isin(seeds)].set_index("seed").test_acc
    d = (x - y).dropna()
    if len(d) < 2:
        return ", one seed: no spread"
    p = stats.ttest_rel(x[d.index], y[d.index]).pvalue
    return (f", paired over {len(d)} seeds: {pts(d.mean())} ± {100 * d.std(ddof=1):.2f}, "
            f"p = {p:.3g}")


def activation_summary(variants):
    unit = variants[variants.scaling == "unit"] if "unit" in set(variants.scaling) else variants
    relu = unit[unit.activation == "relu"].set_index("model").grad_norm_mean_mean
    sig = unit[unit.activation == "sigmoid"].set_index("model").grad_norm_mean_mean
    both = relu.index.intersection(sig.index)
    if not len(both):
        return "Activations: no ReLU/sigmoid pair to compare."
    ratio = relu[both] / sig[both]
    diverged = int((variants.diverged > 0).sum())
    return (f"Activations: the first-layer gradient with ReLU is {ratio.min():.3g}–"
            f"{ratio.max():.3g}× the sigmoid one (largest for {ratio.idxmax()}); "
            f"{diverged} of {len(variants)} variants diverged.")


def learning_rate_summary(variants):
    healthy = variants[(variants.diverged == 0)]
    if healthy.empty:
        return "Learning rates: every run diverged."
    best = healthy.loc[healthy.test_acc_mean.idxmax()]
    label = "the scheduled run" if best["name"] == "schedule" else f"lr {best.lr:g}"
    return f"Learning rates: best test accuracy with {label}, {pct(best.test_acc_mean)}."


def concept_answers(ece, reliability, identity, iterations, parameters, formulas):
    """Study 1's four items, each computed on this run's models and runs."""
    qa = []
    per_model = ece.groupby("model", sort=False).ece.agg(["mean", "std", "count"])
    over = reliability.groupby("model", sort=False).apply(
        lambda b: ((b.confidence - b.accuracy) * b["count"]).sum() / b["count"].sum(),
        include_groups=False)
    eces = "; ".join(
        f"{m} {r['mean']:.3f}" + (f" ± {r['std']:.3f}" if r["count"] > 1 else "")
        + f" (confidence − accuracy {pts(over[m])})" for m, r in per_model.iterrows())
    worst = per_model["mean"].idxmax()
    verdict = ("so their softmax outputs are close to the true class probabilities"
               if per_model["mean"].max() < 0.05 else
               f"so the outputs approximate the posterior only roughly: {worst} is the least "
               f"calibrated and {'over' if over[worst] > 0 else 'under'}-confident")
    qa.append(("What does a classifier trained with cross-entropy approximate?",
               "The expected cross-entropy is smallest when the predicted class probabilities "
               "equal the true posterior p(class | image), so a trained network's softmax "
               "approximates that posterior; if it does, a prediction made with confidence c is "
               "right a fraction c of the time. Measured on the test set (expected calibration "
               f"error, mean over seeds, lower is better): {eces}; every ECE is below "
               f"{per_model['mean'].max():.3f}, {verdict}."))

    ratio = identity["max_abs_error"] / identity["max_abs_grad"]
    qa.append(("With plain SGD, is grad = (w_k − w_(k+1)) / lr?",
               f"One real SGD step of {identity['model']} (lr {identity['lr']:g}, a batch of "
               f"{identity['batch']} training images, {identity['weights']:,} weights): the "
               f"largest |grad − (w_k − w_(k+1)) / lr| is {identity['max_abs_error']:.2g}, "
               f"against gradient entries up to {identity['max_abs_grad']:.2g} — "
               + ("equal up to float32 rounding, as the update rule w_(k+1) = w_k − lr · grad "
                  "says." if ratio < 1e-3 else "not equal: the optimiser is not plain SGD.")))

    lines, agree = [], True
    for study, r in iterations.groupby("study", sort=False):
        first = r.iloc[0]
        ran = r["iterations (run)"].dropna()
        agree &= bool((r["ceil(N/B)"] == r["batches per epoch (run)"]).all()
                      and (ran == r.loc[ran.index, "E*ceil(N/B)"]).all())
        lines.append(f"{study}: N = {first.N:,}, B = {first.B} → ceil(N/B) = "
                     f"{first['ceil(N/B)']:,} batches per epoch; E = "
                     f"{', '.join(map(str, sorted(r.E.unique())))} → "
                     f"{', '.join(f'{x:,}' for x in sorted(r['E*ceil(N/B)'].unique()))} iterations")
    qa.append(("How many batches per epoch and iterations in all?",
               "An epoch passes every training image once in batches of B, the last one "
               "possibly smaller: ceil(N/B) batches; E epochs make E·ceil(N/B) iterations. "
               + "; ".join(lines) + ". "
               + ("Every run's recorded batches per epoch and steps equal these formulas (a "
                  "diverged run stops early)." if agree else
                  "Some runs' recorded counts differ from the formulas: see the table.")))

    match = (parameters.formula_count == parameters.framework_count)
    qa.append(("How many parameters does a model have?",
               f"MLP: {formulas['mlp']}. CNN: {formulas['cnn']}. Evaluated for all "
               f"{len(parameters)} declared models (table): the formula equals torch's own count "
               f"for {int(match.sum())} of {len(parameters)}"
               + ("." if match.all() else
                  f"; it differs for {', '.join(parameters.model[~match])}.")))
    return [{"question": q, "answer": a} for q, a in qa]


def convolution_answers(similarity, agreement, arch_summary):
    """Study 2's six questions from the feature maps and the architecture study."""
    s = similarity
    h, w = s["image_shape"]
    kh, kw = s["kernel_shape"]
    mh, mw = s["map_shape"]
    energy = pd.Series(s["energy"])
    qa = []
    families = arch_summary.groupby("family")
    if {"CNN", "MLP"} <= set(arch_summary.family):
        cnn = families.get_group("CNN").iloc[0]  # summaries are sorted best first
        mlp = families.get_group("MLP").iloc[0]
        evidence = (f" In this run the best CNN, {cnn.model}, reaches {pct(cnn.test_acc_mean)} "
                    f"with {cnn.parameters:,} parameters; the best MLP, {mlp.model}, "
                    f"{pct(mlp.test_acc_mean)} with {mlp.parameters:,}.")
    else:
        evidence = ""
    qa.append(("Why do convolutional networks matter for images?",
               "Neighbouring pixels belong together and a pattern means the same wherever it "
               "appears. A convolution applies one small kernel at every position: it looks at "
               "local neighbourhoods, shares its few weights across the image and responds to a "
               "pattern wherever it moves, where a fully connected layer needs one weight per "
               "pixel and per unit." + evidence))
    qa.append(("What is a kernel, and what are its sizes?",
               f"A kernel is a small grid of weights; each output pixel is the sum of the kernel "
               f"times the image patch under it. Its size is (output channels, input channels, "
               f"height, width): here ({s['kernels']}, 1, {kh}, {kw}). With stride 1 and no "
               f"padding a {kh}×{kw} kernel on a {h}×{w} image gives a ({h} − {kh} + 1)×"
               f"({w} − {kw} + 1) = {mh}×{mw} map; one kernel has {kh * kw} weights."))
    qa.append(("What does the output show?",
               "Each map is bright where the image patch under the kernel looks like the kernel "
               "and dark where it looks like its negative: an edge kernel marks edges of its "
               "orientation, an all-positive kernel gives a blurred copy. On these images the mean "
               "|response| is largest for "
               f"'{energy.idxmax()}' ({energy.max():.3g}) and smallest for '{energy.idxmin()}' "
               f"({energy.min():.3g})."))
    col, row = s["same_kernel_spectrum_r"], s["same_image_spectrum_r"]
    qa.append(("Why do the maps of one column look alike across images?",
               "A column is one kernel: the same feature detector on every image, so it marks "
               "the same kind of structure (say vertical edges) wherever the garment has it. "
               "Measured as the correlation of the maps' amplitude spectra (the kind of pattern, "
               f"whatever its position): mean |r| = {col:.2f} within a column, against "
               f"{row:.2f} within a row"
               + (", so the columns are the more alike." if col > row else
                  ": with these images and kernels the columns are not the more alike.")))
    qa.append(("Why does a row not look alike?",
               "A row is one image seen through different kernels, each keeping a different "
               f"kind of structure and discarding the rest (spectra: mean |r| = {row:.2f}). What "
               "a row shares is where the garment is: pixel by pixel, maps in one row correlate "
               f"at {s['same_image_pixel_r']:.2f} against {s['same_kernel_pixel_r']:.2f} within "
               "a column, whose images put their garments in different places."))
    fc_weights = h * w * s["kernels"] * mh * mw
    qa.append(("What follows about convolutional layers?",
               f"A layer of {s['kernels']} kernels turns one image into {s['kernels']} different "
               f"feature maps with only {s['kernels'] * kh * kw} weights, where a fully "
               f"connected layer with the same {s['kernels']}×{mh}×{mw} outputs would need "
               f"{fc_weights:,}. Stacking such layers builds features of growing receptive field "
               "(table below), and training learns the kernels instead of fixing them as here. "
               f"The NumPy conv2d used agrees with torch to {agreement.max_abs_diff.max():.1g} "
               f"over {len(agreement)} settings of shape, stride, padding and dilation."))
    return [{"question": q, "answer": a} for q, a in qa]


def convolution_summary(similarity, agreement):
    col, row = similarity["same_kernel_spectrum_r"], similarity["same_image_spectrum_r"]
    return (f"Convolution: NumPy conv2d matches torch to {agreement.max_abs_diff.max():.1g}; maps "
            f"of one kernel on different images {'share' if col > row else 'do not share'} "
            f"their kind of pattern more than maps of different kernels on one image "
            f"(amplitude spectra |r| = {col:.2f} against {row:.2f}).")
