"""Snakemake entry point: concatenate every study's runs into tables/runs.csv."""
import logging
import sys

import pandas as pd

sys.path.insert(0, snakemake.scriptdir)  # noqa: F821
from nnstudies.logs import to_log  # noqa: E402
from nnstudies.process import end_job  # noqa: E402

smk = snakemake  # noqa: F821
to_log(smk.log[0])
runs = pd.concat([pd.read_csv(path) for path in smk.input], ignore_index=True)
runs.to_csv(smk.output[0], index=False)
logging.info("%d runs", len(runs))
end_job()  # the outputs are closed: skip the interpreter's teardown (process.end_job)
