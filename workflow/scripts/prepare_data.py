"""Snakemake entry point: load the raw dataset through torchvision and split it once."""
import json
import logging
import sys

import numpy as np

sys.path.insert(0, snakemake.scriptdir)  # noqa: F821
from nnstudies.data import prepare  # noqa: E402
from nnstudies.logs import to_log  # noqa: E402

smk = snakemake  # noqa: F821
to_log(smk.log[0])
arrays, info = prepare({**smk.config["data"], **smk.params.data})
logging.info("prepared %s: %s", info["dataset"], info["sizes"])
np.savez(smk.output.arrays, **arrays)
with open(smk.output.info, "w") as f:
    json.dump(info, f, indent=2)
