"""Snakemake entry point: load the raw dataset through torchvision and split it once."""
import json
import logging
import sys

import numpy as np

sys.path.insert(0, snakemake.scriptdir)  # noqa: F821
from nnstudies.data import prepare  # noqa: E402

smk = snakemake  # noqa: F821
logging.basicConfig(filename=smk.log[0], level=logging.INFO, format="%(asctime)s %(message)s")
arrays, info = prepare({**smk.config["data"], **smk.params.data})
logging.info("prepared %s: %s", info["dataset"], info["sizes"])
np.savez(smk.output.arrays, **arrays)
with open(smk.output.info, "w") as f:
    json.dump(info, f, indent=2)
