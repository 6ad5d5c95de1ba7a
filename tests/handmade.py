"""Hand-made tables in the pipeline's own formats, for the aggregation and prose tests."""
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from nnstudies import aggregate
from nnstudies.models import build_model, count_parameters

ZOO = yaml.safe_load((Path(__file__).resolve().parents[1] / "config.yaml").read_text())["models"]
PARAMS = {m: count_parameters(build_model(layers, (1, 28, 28), 10)) for m, layers in ZOO.items()}
CLASS_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot"]
WEIGHT_KEYS = ["units", "template_r_mean", "zero_sum_fraction", "selectivity_mean", "dead_units",
               "preferred_classes"]


def make_runs(accs, gaps=None):
    """runs table (aggregate.RUN_COLUMNS) from {model: [test accuracy per seed]}."""
    gaps = gaps or {}
    rows = []
    for model, values in accs.items():
        for seed, acc in enumerate(values):
            gap = gaps.get(model, 0.02)
            rows.append({"study": "architectures", "name": model, "model": model,
                         "activation": "relu", "scaling": "unit", "seed": seed,
                         "optimizer": "adam", "lr": 1e-3, "batch_size": 50, "epochs": 2,
                         "test_acc": acc, "test_loss": 1 - acc, "final_train_acc": acc + gap,
                         "final_val_acc": acc + gap / 2, "parameters": PARAMS[model],
                         "steps": 100, "diverged_at_step": None, "train_seconds": 1.0 + seed,
                         "status": "ok"})
    return pd.DataFrame(rows, columns=aggregate.RUN_COLUMNS)


def spread(center, n=5, sd=0.002):
    """n accuracies around `center` with a fixed, symmetric pattern (sample std ~ sd)."""
    pattern = np.linspace(-1, 1, n)
    pattern = pattern / pattern.std(ddof=1) if n > 1 else pattern
    return list(center + sd * pattern)


def make_weights(summary, template_r, zero_sum, selectivity):
    """weights table as the pipeline writes it: model, best_seed + weight_interpretability keys."""
    rows = []
    for _, row in summary.iterrows():
        m = row["model"]
        conv = m.startswith("cnn")
        rows.append({"model": m, "best_seed": int(row["best_seed"]), "units": 16 if conv else 32,
                     "template_r_mean": np.nan if conv else template_r[m],
                     "zero_sum_fraction": zero_sum[m] if conv else np.nan,
                     "selectivity_mean": selectivity[m], "dead_units": 1,
                     "preferred_classes": 7})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------- statistics


def tiny_png(tmp_path):
    """A real (1x1) PNG: sections embed their figures."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    path = tmp_path / "figure.png"
    plt.imsave(path, np.zeros((1, 1)))
    return path


def through_files(tmp_path, tables, facts):
    """Tables and facts written and read back as the report does (CSV, JSON with nulls)."""
    from nnstudies.studies.common import read_facts, write_facts
    back = {}
    for name, df in tables.items():
        df.to_csv(tmp_path / f"{name}.csv", index=False)
        back[name] = pd.read_csv(tmp_path / f"{name}.csv")
    write_facts(tmp_path / "facts.json", facts)
    return back, read_facts(tmp_path / "facts.json")


def render_section(study, facts, tables, figures, params, info):
    """A study's section as the report builds it: prose from the facts alone, then its placed
    tables filled from `tables` by the study's SHOWN declaration."""
    from nnstudies.report import fill_tables
    sec = study.section(facts, figures, params, info)
    fill_tables(sec, study.SHOWN, tables.__getitem__)
    return sec


INFO = {"class_names": CLASS_NAMES, "sizes": {"train": 5400, "val": 600, "test": 2000}}


def write_run(folder, run, curve, test_acc, diverged_at=None, steps=None, switches=()):
    """One run's summary.json and curves.csv as the training job writes them; returns paths."""
    import json
    folder.mkdir(parents=True, exist_ok=True)
    summary = {"run": run, "test_acc": test_acc, "test_loss": None, "final_train_acc": 0.5,
               "final_val_acc": curve["val_acc"].iloc[-1] if "val_acc" in curve else None,
               "parameters": 100, "steps": steps or int(curve.step.max()),
               "steps_per_epoch": 100, "diverged_at_step": diverged_at, "train_seconds": 1.0,
               "started_at": 0.0, "finished_at": 1.0, "switch_epochs": list(switches),
               "records": len(curve)}
    (folder / "summary.json").write_text(json.dumps(summary))
    curve.to_csv(folder / "curves.csv", index=False)
    return folder / "summary.json", folder / "curves.csv"


def run_dict(study, name, model, seed=0, **kw):
    return {"study": study, "name": name, "model": model, "seed": seed, "activation": "relu",
            "scaling": "unit", "optimizer": "sgd", "lr": 0.01, "batch_size": 50, "epochs": 1,
            **kw}
