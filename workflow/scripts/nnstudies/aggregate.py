"""Run outputs -> pandas tables: one row per run, per-model summaries, mean curves."""
import json
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from .models import is_convolutional, weight_layer_count

RUN_COLUMNS = ["study", "model", "seed", "optimizer", "lr", "batch_size", "epochs", "test_acc",
               "test_loss", "final_train_acc", "final_val_acc", "parameters", "steps",
               "diverged_at_step", "train_seconds"]
CURVE_METRICS = ["train_loss", "train_acc", "val_loss", "val_acc"]


def load_runs(summary_paths):
    """One row per run from the runs' summary.json files."""
    rows = []
    for path in summary_paths:
        summary = json.loads(Path(path).read_text())
        run = summary["run"]
        rows.append({**{k: run[k] for k in ("study", "model", "seed", "optimizer", "lr",
                                            "batch_size", "epochs")},
                     **{k: summary[k] for k in RUN_COLUMNS if k in summary}})
    return pd.DataFrame(rows, columns=RUN_COLUMNS).sort_values(["study", "model", "seed"],
                                                               ignore_index=True)


def by_run(summary_paths, paths):
    """{(model, seed): path} for per-run files given in the same order as their summaries."""
    keys = [(r["model"], r["seed"]) for r in
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


def curve_stats(curves):
    """Mean and std over seeds of every recorded metric at every step.

    `curves` maps model -> list of per-seed curve DataFrames (columns: step, epoch, metrics).
    """
    frames = [df.assign(model=model, seed=i) for model, dfs in curves.items()
              for i, df in enumerate(dfs)]
    stacked = pd.concat(frames, ignore_index=True)
    table = stacked.groupby(["model", "step"], sort=False)[CURVE_METRICS].agg(["mean", "std"])
    table.columns = [f"{metric}_{stat}" for metric, stat in table.columns]
    return table.reset_index()


def pairwise_tests(runs, order):
    """Welch t-test of test accuracy between consecutive models in `order` (best first)."""
    rows = []
    for a, b in zip(order, order[1:]):
        x = runs.loc[runs.model == a, "test_acc"].to_numpy()
        y = runs.loc[runs.model == b, "test_acc"].to_numpy()
        p = stats.ttest_ind(x, y, equal_var=False).pvalue if min(len(x), len(y)) > 1 else np.nan
        rows.append({"better": a, "worse": b, "difference": x.mean() - y.mean(), "p_value": p})
    return pd.DataFrame(rows, columns=["better", "worse", "difference", "p_value"])


def class_mean_images(images, labels):
    """(classes, H*W) mean training image per class, as the templates first-layer units may match."""
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

