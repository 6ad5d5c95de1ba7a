"""Run outputs -> pandas tables: one row per run, per-model summaries, mean curves."""

import numpy as np

from .models import is_convolutional, weight_layer_count
from .runfiles import read_curves, read_summary
from .stats import STATUSES, mean_ci, run_status
from .lazy import lazy_import

pd = lazy_import("pandas")

RUN_COLUMNS = ["study", "name", "model", "activation", "scaling", "seed", "optimizer", "lr",
               "batch_size", "epochs", "test_acc", "test_loss", "final_train_acc",
               "final_val_acc", "parameters", "steps", "steps_trained",
               "diverged_at_step", "train_seconds", "started_at", "finished_at", "threads",
               "device", "cpu", "memory_gb", "status", "status_reason"]
CURVE_METRICS = ["train_loss", "train_acc", "val_loss", "val_acc", "grad_norm", "lr"]
RUN_FIELDS = ["study", "name", "model", "activation", "scaling", "seed", "optimizer", "lr",
              "batch_size", "epochs"]


def load_runs(summary_paths, curve_paths, n_classes, n_test, fields=()):
    """(one row per run, {(name, seed): curves}) from the runs' summary.json and curves.csv;
    `fields`: more of a run dict's settings as columns (what a study varies, read from the run
    itself rather than parsed back from its name).

    Every row carries the run's measured fate: `status` (ok, diverged, blew up, stuck) and
    `status_reason` (stats.run_status, on `n_classes` classes and `n_test` test images).
    """
    rows, curves = [], {}
    for summary_path, curve_path in zip(summary_paths, curve_paths, strict=True):
        summary = read_summary(summary_path)  # checked: a damaged file is named
        run = summary["run"]
        curve = read_curves(curve_path, summary)
        status, reason = run_status(curve, summary.get("test_acc"), n_test, n_classes,
                                    summary.get("diverged_at_step"), run.get("trainer"))
        hw = summary.get("hardware", {})
        rows.append({**{k: run.get(k) for k in RUN_FIELDS},
                     **{k: summary[k] for k in RUN_COLUMNS if k in summary},
                     "cpu": hw.get("cpu"), "memory_gb": hw.get("memory_gb"),
                     "status": status, "status_reason": reason,
                     **{k: run.get(k) for k in fields}})
        curves[(run["name"], run["seed"])] = curve
    runs = pd.DataFrame(rows, columns=RUN_COLUMNS + list(fields))
    return runs.sort_values(["study", "name", "seed"], ignore_index=True), curves


def by_run(summary_paths, paths):
    """{(run name, seed): path} for per-run files given in the same order as their summaries."""
    keys = [(r["name"], r["seed"]) for r in
            (read_summary(p)["run"] for p in summary_paths)]
    return dict(zip(keys, paths, strict=True))


def status_column(statuses):
    """A group's fate in one cell: 'ok' or 'stuck' when all runs share it, else counts such as
    'blew up 1/2, ok 1/2'."""
    counts = pd.Series(list(statuses)).value_counts()
    if len(counts) == 1:
        return counts.index[0]
    return ", ".join(f"{s} {counts[s]}/{counts.sum()}" for s in STATUSES if s in counts)


def worst_status(statuses):
    """The most serious fate among a group's runs (for a figure's marker)."""
    present = set(statuses)
    return next((s for s in ("diverged", "blew up", "stuck") if s in present), "ok")


def summarize_models(runs, models):
    """Per model: parameters, depth, family, test accuracy mean/std/95 % CI over the runs that
    have a test accuracy (a diverged run has none), best run, and the runs' fates.

    `models` maps model name -> declared layers (the family and depth come from the layers).
    """
    rows = []
    for model, group in runs.groupby("model", sort=False):
        tested = group[group["test_acc"].notna()]
        mean, std, half = mean_ci(tested["test_acc"])
        best = tested.loc[tested["test_acc"].idxmax()] if len(tested) else group.iloc[0]
        layers = models[model]
        rows.append({
            "model": model, "family": "CNN" if is_convolutional(layers) else "MLP",
            "depth": weight_layer_count(layers), "parameters": int(group["parameters"].iloc[0]),
            "runs": len(tested), "status": status_column(group["status"]),
            "not_ok": int((group["status"] != "ok").sum()),
            "test_acc_mean": mean, "test_acc_std": std,
            "test_acc_ci_low": mean - half, "test_acc_ci_high": mean + half,
            "best_seed": int(best["seed"]), "best_test_acc": best["test_acc"],
            "final_train_acc_mean": tested["final_train_acc"].mean(),
            "final_val_acc_mean": tested["final_val_acc"].mean(),
            # the mean of each run's gap, as the gap ranking takes it (one float, one rounding)
            "generalisation_gap": (tested["final_train_acc"] - tested["test_acc"]).mean(),
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
    """Numbers of one run's curve: training loss at the last record and averaged over the last
    epoch, gradient norm (mean over the first epoch, the last epoch and all records; share of
    records where it is exactly zero), validation accuracy (final, best, and its jitter: std of
    record-to-record changes over the last epoch) and the steps until it first reached
    `target_val_acc` (NaN if never)."""
    if curves.empty:  # diverged before its first record
        return {"records": 0}
    first = curves[curves.epoch == curves.epoch.min()]
    last = curves[curves.epoch == curves.epoch.max()]
    out = {"final_train_loss": curves.train_loss.iloc[-1],
           "last_epoch_train_loss": last.train_loss.mean(), "records": len(curves)}
    if "grad_norm" in curves:
        out.update(grad_norm_first_epoch=first.grad_norm.mean(),
                   grad_norm_last_epoch=last.grad_norm.mean(),
                   grad_norm_mean=curves.grad_norm.mean(),
                   grad_zero_share=float((curves.grad_norm == 0).mean()))
    if "val_acc" in curves:
        out.update(final_val_acc=curves.val_acc.iloc[-1], best_val_acc=curves.val_acc.max(),
                   val_acc_jitter=last.val_acc.diff().std())
        if target_val_acc is not None:
            reached = curves.step[curves.val_acc >= target_val_acc]
            out["steps_to_target"] = reached.iloc[0] if len(reached) else np.nan
    return out


VARIANT_NUMBERS = ["test_acc", "final_train_loss", "last_epoch_train_loss",
                   "grad_norm_first_epoch", "grad_norm_last_epoch", "grad_norm_mean",
                   "grad_zero_share", "final_val_acc", "best_val_acc", "val_acc_jitter",
                   "steps_to_target", "steps"]


# A run's final point (its last record and last epoch, its test, the steps it trained): a
# diverged run has none, having stopped wherever its loss ran away; the variant means leave it
# out and say so
FINAL_NUMBERS = ["test_acc", "final_train_loss", "last_epoch_train_loss",
                 "grad_norm_last_epoch", "final_val_acc", "val_acc_jitter", "steps"]


def per_run_numbers(runs, curves, target_val_acc=None):
    """The runs table with each run's curve numbers (curve_summary) beside it."""
    rows = []
    for _, run in runs.iterrows():
        rows.append({**run.to_dict(),
                     **curve_summary(curves[(run["name"], run["seed"])], target_val_acc)})
    # every column, even when no run got far enough to record it (all diverged at once)
    columns = list(dict.fromkeys([*runs.columns, *VARIANT_NUMBERS]))
    per_run = pd.DataFrame(rows).reindex(columns=columns)
    per_run[VARIANT_NUMBERS] = per_run[VARIANT_NUMBERS].astype(float)
    per_run.loc[per_run.status == "diverged", FINAL_NUMBERS] = np.nan
    return per_run


def summarize_variants(runs, curves, target_val_acc=None):
    """Per run name (a model variant or a learning rate): mean and std over seeds of the curve
    numbers and of test accuracy (final-point numbers over the runs that did not diverge:
    `with_final_point`), and the seeds' fates (`status`, `worst_status`, `diverged`).

    `curves` maps (name, seed) -> that run's curve DataFrame.
    """
    per_run = per_run_numbers(runs, curves, target_val_acc)
    keys = ["name", "model", "activation", "scaling", "lr", "epochs"]
    grouped = per_run.groupby(keys, sort=False, dropna=False)
    table = grouped[VARIANT_NUMBERS].agg(["mean", "std"])
    table.columns = [f"{metric}_{stat}" for metric, stat in table.columns]
    table["runs"] = grouped.size()
    table["with_final_point"] = grouped["status"].agg(lambda s: int((s != "diverged").sum()))
    table["status"] = grouped["status"].agg(status_column)
    table["worst_status"] = grouped["status"].agg(worst_status)
    table["diverged"] = grouped["status"].agg(lambda s: int((s == "diverged").sum()))
    table["diverged_at_step"] = grouped["diverged_at_step"].min()
    return table.reset_index()


def variant_tables(summary_paths, curve_paths, n_classes, n_test, target_val_acc=None):
    """A study's runs table (with fates), per-variant summary and mean curves (by run name)
    from its per-run files; the curves of each run keyed (name, seed) come back too."""
    runs, curves = load_runs(summary_paths, curve_paths, n_classes, n_test)
    variants = summarize_variants(runs, curves, target_val_acc)
    by_name = {}
    for (name, _), df in curves.items():
        by_name.setdefault(name, []).append(df)
    return runs, curves, variants, curve_stats(by_name, key="name")
