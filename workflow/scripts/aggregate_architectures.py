"""Snakemake entry point: tables of the architecture study."""
import logging
import sys

import numpy as np
import pandas as pd

sys.path.insert(0, snakemake.scriptdir)  # noqa: F821
from nnstudies import aggregate  # noqa: E402
from nnstudies.data import load_prepared, scale  # noqa: E402
from nnstudies.logs import to_log  # noqa: E402

smk = snakemake  # noqa: F821
to_log(smk.log[0])
models = smk.config["models"]

runs = aggregate.load_runs(smk.input.summaries)
runs.to_csv(smk.output.runs, index=False)
summary = aggregate.summarize_models(runs, models)
summary.to_csv(smk.output.summary, index=False)
aggregate.pairwise_tests(runs, list(summary["model"])).to_csv(smk.output.pairwise, index=False)

curves = {}
for (model, _), path in aggregate.by_run(smk.input.summaries, smk.input.curves).items():
    curves.setdefault(model, []).append(pd.read_csv(path))
aggregate.curve_stats(curves).to_csv(smk.output.curves, index=False)

# Interpretability numbers of the best run's first layer, per model.
data = load_prepared(smk.input.data)
templates = aggregate.class_mean_images(scale(data["train_x"], smk.config["data"]["scaling"]),
                                        data["train_y"])
first_layers = aggregate.by_run(smk.input.summaries, smk.input.first_layers)
class_means = aggregate.by_run(smk.input.summaries, smk.input.unit_class_means)
rows = []
for _, best in summary.iterrows():
    key = (best["model"], best["best_seed"])
    rows.append({"model": best["model"], "best_seed": best["best_seed"],
                 **aggregate.weight_interpretability(np.load(first_layers[key]),
                                                     np.load(class_means[key]), templates)})
pd.DataFrame(rows).to_csv(smk.output.weights, index=False)
logging.info("aggregated %d runs of %d models", len(runs), len(summary))
