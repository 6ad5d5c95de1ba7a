"""Snakemake entry point: tables and figures of the activation study (Study 4)."""
import logging
import sys


sys.path.insert(0, snakemake.scriptdir)  # noqa: F821
from nnstudies import aggregate, figures  # noqa: E402
from nnstudies.logs import to_log  # noqa: E402

smk = snakemake  # noqa: F821
to_log(smk.log[0])
runs, curves, variants, stats = aggregate.variant_tables(smk.input.summaries, smk.input.curves)
runs.to_csv(smk.output.runs, index=False)
variants.to_csv(smk.output.variants, index=False)
stats.to_csv(smk.output.curves, index=False)

models = smk.config["activations"]["models"]
for scaling, png, svg in zip(smk.params.scalings, smk.output.png, smk.output.svg):
    figures.save(figures.activation_figure(stats, variants, scaling, models), png, svg)
logging.info("%d runs, %d variants", len(runs), len(variants))
