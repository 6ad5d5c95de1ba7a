"""Snakemake entry point: the architecture study's figures."""
import logging
import sys

import numpy as np
import pandas as pd

sys.path.insert(0, snakemake.scriptdir)  # noqa: F821
from nnstudies import figures  # noqa: E402
from nnstudies.aggregate import by_run  # noqa: E402

smk = snakemake  # noqa: F821
logging.basicConfig(filename=smk.log[0], level=logging.INFO, format="%(asctime)s %(message)s")
models = smk.params.models
summary = pd.read_csv(smk.input.summary)
curves = pd.read_csv(smk.input.curves)
figures.save(figures.performance_figure(curves, summary, models),
             smk.output.performance_png, smk.output.performance_svg)

image_shape = tuple(smk.params.image_shape)
first_layers = by_run(smk.input.summaries, smk.input.first_layers)
for model, png, svg in zip(models, smk.output.weights_png, smk.output.weights_svg):
    row = summary[summary.model == model].iloc[0]
    weights = np.load(first_layers[(model, row.best_seed)])
    title = (f"{model}: first-layer weights of the best run (seed {row.best_seed}, "
             f"test accuracy {row.best_test_acc:.4f})")
    figures.save(figures.weights_figure(weights, title, image_shape), png, svg)
    logging.info("drew %s", png)
