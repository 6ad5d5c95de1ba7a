"""Snakemake entry point: concatenate every study's runs into tables/runs.csv."""
import logging

import pandas as pd

smk = snakemake  # noqa: F821
logging.basicConfig(filename=smk.log[0], level=logging.INFO, format="%(asctime)s %(message)s")
runs = pd.concat([pd.read_csv(path) for path in smk.input], ignore_index=True)
runs.to_csv(smk.output[0], index=False)
logging.info("%d runs", len(runs))
