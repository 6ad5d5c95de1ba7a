"""Snakemake entry point: tables and figures of the learning-rate study (Study 5)."""
import json
import logging
import sys

import pandas as pd

sys.path.insert(0, snakemake.scriptdir)  # noqa: F821
from nnstudies import aggregate, figures  # noqa: E402
from nnstudies.logs import to_log  # noqa: E402

smk = snakemake  # noqa: F821
to_log(smk.log[0])
target = smk.config["learning_rates"]["target_val_acc"]
runs, curves, variants, stats = aggregate.variant_tables(smk.input.summaries, smk.input.curves,
                                                         target)
runs.to_csv(smk.output.runs, index=False)
variants.to_csv(smk.output.variants, index=False)
stats.to_csv(smk.output.curves, index=False)

# The schedule's switch epochs, and Adam's convergence on the same model (architecture study).
switches = {}
for path in smk.input.summaries:
    summary = json.loads(open(path).read())
    if summary["run"]["name"] == "schedule":
        switches[summary["run"]["seed"]] = summary["switch_epochs"]
adam_steps = [aggregate.curve_summary(pd.read_csv(p), target)["steps_to_target"]
              for p in smk.input.adam_curves]
adam_runs = aggregate.load_runs(smk.input.adam_summaries)
adam_runs.to_csv(smk.output.adam, index=False)
with open(smk.output.schedule, "w") as f:
    json.dump({"switch_epochs": switches,
               "adam_steps_to_target": (float(pd.Series(adam_steps).mean())
                                        if adam_steps else None)}, f, indent=2)

steps_per_epoch = json.loads(open(smk.input.summaries[0]).read())["steps_per_epoch"]
first_switches = switches[min(switches)] if switches else []
figures.save(figures.learning_rate_figure(stats, variants, steps_per_epoch, first_switches),
             smk.output.png, smk.output.svg)
logging.info("%d runs; switches %s", len(runs), switches)
