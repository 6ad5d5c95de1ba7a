"""Run outputs -> pandas tables: one row per run, per-model summaries, mean curves."""
import json
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from .models import is_convolutional, weight_layer_count

RUN_COLUMNS = ["study", "name", "model", "activation", "scaling", "seed", "optimizer", "lr",
               "batch_size", "epochs", "test_acc",
               "test_loss", "final_train_acc", "final_val_acc", "parameters", "steps",
               "diverged_at_step", "train_seconds"]
CURVE_METRICS = ["train_loss", "train_acc", "val_loss", "val_acc", "grad_norm", "lr"]
RUN_FIELDS = ["study", "name", "model", "activation", "scaling", "seed", "optimizer", "lr",
              "batch_size", "epochs"]


def load_runs(summary_paths):
    """One row per run from the runs' summary.json files."""
    rows = []
    for path in summary_paths:
        summary = json.loads(Path(path).read_text())
        run = summary["run"]
        rows.append({**{k: run.get(k) for k in RUN_FIELDS},
                     **{k: summary[k] for k in RUN_COLUMNS if k in summary}})
    return pd.DataFrame(rows, columns=RUN_COLUMNS).sort_values(["study", "name", "seed"],
                                                               ignore_index=True)


def by_run(summary_paths, paths):
    """{(run name, seed): path} for per-run files given in the same order as their summaries."""
    keys = [(r["name"], r["seed"]) for r in
            (json.loads(Path(p).read_text())["run"] for p in summary_paths)]
    return dict(zip(keys, paths, strict=True))


def mean_ci(values, confidence=0.95):
    """(mean, sample std, half-width of the t confidence interval); NaN spread for one value."""
    values = np.asarray(values, dtype=float)
    n = len(values)
    mean = values.mean()
    if n < 2:
        return mean, float("nan"), float("nan")
    std = values.std(ddof=1)
    return mean, std, stats.t.ppf((1 + confidence) / 2, n - 1) * std / np.sqrt(n)


def summarize_models(runs, models):
    """Per model: parameters, depth, family, test accuracy mean/std/95 % CI over seeds, best run.

    `models` maps model name -> declared layers (the family and depth come from the layers).
    """
    rows = []
    for model, group in runs.groupby("model", sort=False):
        mean, std, half = mean_ci(group["test_acc"])
        best = group.loc[group["test_acc"].idxmax()]
        layers = models[model]
        rows.append({
            "model": model, "family": "CNN" if is_convolutional(layers) else "MLP",
            "depth": weight_layer_count(layers), "parameters": int(group["parameters"].iloc[0]),
            "runs": len(group), "test_acc_mean": mean, "test_acc_std": std,
            "test_acc_ci_low": mean - half, "test_acc_ci_high": mean + half,
            "best_seed": int(best["seed"]), "best_test_acc": best["test_acc"],
            "final_train_acc_mean": group["final_train_acc"].mean(),
            "final_val_acc_mean": group["final_val_acc"].mean(),
            "generalisation_gap": group["final_train_acc"].mean() - mean,
            "train_seconds_mean": group["train_seconds"].mean(),
        })
    return pd.DataFrame(rows).sort_values("test_acc_mean", ascending=False, ignore_index=True)


def curve_stats(curves, key="model"):
    """Mean and std over seeds of every recorded metric at every step.

    `curves` maps a run key (model, or run name) -> list of per-seed curve DataFrames
    (columns: step, epoch and metrics). A diverged seed stops early: later steps average the
    seeds still running.
    """
    frames = [df.assign(**{key: name}) for name, dfs in curves.items() for df in dfs]
    stacked = pd.concat(frames, ignore_index=True)
    metrics = [m for m in CURVE_METRICS if m in stacked.columns]
    table = stacked.groupby([key, "step"], sort=False)[metrics].agg(["mean", "std"])
    table.columns = [f"{metric}_{stat}" for metric, stat in table.columns]
    return table.reset_index()


def welch_p(x, y):
    """Welch's t-test p-value of two samples; NaN when either has fewer than two values, and
    0 or 1 for constant samples (different or equal means), where the test itself gives NaN."""
    if min(len(x), len(y)) < 2:
        return np.nan
    p = stats.ttest_ind(x, y, equal_var=False).pvalue
    if not np.isfinite(p):
        p = 1.0 if np.mean(x) == np.mean(y) else 0.0
    return p


def pairwise_tests(runs, order):
    """Welch t-test of test accuracy between consecutive models in `order` (best first)."""
    rows = []
    for a, b in zip(order, order[1:]):
        x = runs.loc[runs.model == a, "test_acc"].to_numpy()
        y = runs.loc[runs.model == b, "test_acc"].to_numpy()
        p = welch_p(x, y)
        rows.append({"better": a, "worse": b, "difference": x.mean() - y.mean(), "p_value": p})
    return pd.DataFrame(rows, columns=["better", "worse", "difference", "p_value"])


def class_mean_images(images, labels):
    """(classes, H*W) mean training image per class: templates first-layer units may match."""
    flat = images.reshape(len(images), -1).astype(np.float64)
    return np.stack([flat[labels == c].mean(0) for c in np.unique(labels)])


def weight_interpretability(weights, unit_class_means, templates):
    """Numbers behind the weight-picture questions, for one model's first layer.

    template_r: per unit, the largest |Pearson r| between its weights and a class-mean image
    (only for fully connected first layers, whose units see the whole image).
    zero_sum_fraction: conv filters whose weights nearly cancel (|sum| < 25 % of sum |w|):
    edge/contrast detectors rather than blobs.
    selectivity: per unit (r_max - r_rest) / (r_max + r_rest) of its mean response per class.
    """
    out = {"units": int(weights.shape[0])}
    if weights.ndim == 2:
        w = weights - weights.mean(1, keepdims=True)
        t = templates - templates.mean(1, keepdims=True)
        r = (w @ t.T) / (np.linalg.norm(w, axis=1)[:, None] * np.linalg.norm(t, axis=1)[None])
        out["template_r_mean"] = float(np.abs(r).max(1).mean())
        out["zero_sum_fraction"] = float("nan")
    else:
        flat = weights.reshape(weights.shape[0], -1)
        out["template_r_mean"] = float("nan")
        out["zero_sum_fraction"] = float(
            (np.abs(flat.sum(1)) < 0.25 * np.abs(flat).sum(1)).mean())
    responses = np.clip(unit_class_means, 0, None)
    top = responses.max(1)
    rest = (responses.sum(1) - top) / (responses.shape[1] - 1)
    active = (top + rest) > 0
    selectivity = np.where(active, (top - rest) / np.where(active, top + rest, 1), 0.0)
    out["selectivity_mean"] = float(selectivity[active].mean()) if active.any() else 0.0
    out["dead_units"] = int((~active).sum())
    out["preferred_classes"] = int(len(np.unique(responses[active].argmax(1))))
    return out



def curve_summary(curves, target_val_acc=None):
    """Numbers of one run's curve: final training loss (mean over its last epoch), gradient
    norm (mean over the first epoch, the last epoch and all records), validation accuracy
    (final, best, and its jitter: std of record-to-record changes over the last epoch) and the
    steps until it first reached `target_val_acc` (NaN if never)."""
    if curves.empty:  # diverged before its first record
        return {"records": 0}
    first = curves[curves.epoch == curves.epoch.min()]
    last = curves[curves.epoch == curves.epoch.max()]
    out = {"final_train_loss": last.train_loss.mean(), "records": len(curves)}
    if "grad_norm" in curves:
        out.update(grad_norm_first_epoch=first.grad_norm.mean(),
                   grad_norm_last_epoch=last.grad_norm.mean(),
                   grad_norm_mean=curves.grad_norm.mean())
    if "val_acc" in curves:
        out.update(final_val_acc=curves.val_acc.iloc[-1], best_val_acc=curves.val_acc.max(),
                   val_acc_jitter=last.val_acc.diff().std())
        if target_val_acc is not None:
            reached = curves.step[curves.val_acc >= target_val_acc]
            out["steps_to_target"] = reached.iloc[0] if len(reached) else np.nan
    return out


def summarize_variants(runs, curves, target_val_acc=None):
    """Per run name (a model variant or a learning rate): mean and std over seeds of the curve
    numbers and of test accuracy; `diverged` counts the seeds whose loss became non-finite.

    `curves` maps (name, seed) -> that run's curve DataFrame.
    """
    rows = []
    for _, run in runs.iterrows():
        stats_ = curve_summary(curves[(run["name"], run["seed"])], target_val_acc)
        rows.append({**run.to_dict(), **stats_,
                     "diverged": pd.notna(run["diverged_at_step"])})
    # every column, even when no run got far enough to record it (all diverged at once)
    numeric = ["test_acc", "final_train_loss", "grad_norm_first_epoch", "grad_norm_last_epoch",
               "grad_norm_mean", "final_val_acc", "best_val_acc", "val_acc_jitter",
               "steps_to_target"]
    columns = list(dict.fromkeys([*runs.columns, *numeric, "diverged"]))
    per_run = pd.DataFrame(rows).reindex(columns=columns)
    per_run[numeric] = per_run[numeric].astype(float)
    keys = ["name", "model", "activation", "scaling", "lr", "epochs"]
    grouped = per_run.groupby(keys, sort=False, dropna=False)
    table = grouped[numeric].agg(["mean", "std"])
    table.columns = [f"{metric}_{stat}" for metric, stat in table.columns]
    table["runs"] = grouped.size()
    table["diverged"] = grouped["diverged"].sum()
    table["diverged_at_step"] = grouped["diverged_at_step"].min()
    return table.reset_index()


def variant_tables(summary_paths, curve_paths, target_val_acc=None):
    """A study's runs table, per-variant summary and mean curves (by run name) from its
    per-run files; the curves of each run keyed (name, seed) come back too."""
    runs = load_runs(summary_paths)
    curves = {key: pd.read_csv(path) for key, path in by_run(summary_paths, curve_paths).items()}
    variants = summarize_variants(runs, curves, target_val_acc)
    by_name = {}
    for (name, _), df in curves.items():
        by_name.setdefault(name, []).append(df)
    return runs, curves, variants, curve_stats(by_name, key="name")
