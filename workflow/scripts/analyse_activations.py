"""Snakemake entry point: tables and figures of the activation study (Study 4)."""
import logging
import sys

import pandas as pd

sys.path.insert(0, snakemake.scriptdir)  # noqa: F821
from nnstudies import aggregate, figures  # noqa: E402
from nnstudies.logs import to_log  # noqa: E402

smk = snakemake  # noqa: F821
to_log(smk.log[0])
runs = aggregate.load_runs(smk.input.summaries)
runs.to_csv(smk.output.runs, index=False)
curves = {key: pd.read_csv(path)
          for key, path in aggregate.by_run(smk.input.summaries, smk.input.curves).items()}
variants = aggregate.summarize_variants(runs, curves)
variants.to_csv(smk.output.variants, index=False)
by_name = {}
for (name, _), df in curves.items():
    by_name.setdefault(name, []).append(df)
stats = aggregate.curve_stats(by_name, key="name")
stats.to_csv(smk.output.curves, index=False)

models = smk.config["activations"]["models"]
for scaling, png, svg in zip(smk.params.scalings, smk.output.png, smk.output.svg):
    figures.save(figures.activation_figure(stats, variants, scaling, models), png, svg)
logging.info("%d runs, %d variants", len(runs), len(variants))
