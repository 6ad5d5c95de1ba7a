"""Snakemake entry point: train one run and write its curves, summary, weights and model."""
import json
import sys

import numpy as np
import pandas as pd
import torch

sys.path.insert(0, snakemake.scriptdir)  # noqa: F821 (the snakemake object is injected)
from nnstudies.data import load_prepared  # noqa: E402
from nnstudies.logs import to_log  # noqa: E402
from nnstudies.provenance import hardware, package_versions  # noqa: E402
from nnstudies.train import curve_columns, train_run  # noqa: E402

smk = snakemake  # noqa: F821
run = json.loads(smk.params.run)
torch.set_num_threads(smk.threads)
torch.use_deterministic_algorithms(True, warn_only=True)

log = to_log(smk.log[0])  # tqdm progress and any traceback
curves, summary, arrays, model = train_run(
    run, load_prepared(smk.input.data), device=smk.params.device,
    eval_batch=smk.params.eval_batch, log=log,
    reference=pd.read_csv(smk.input.reference) if smk.input.reference else None)
print(json.dumps(summary), file=log)

pd.DataFrame(curves, columns=curve_columns(run)).to_csv(smk.output.curves, index=False)
np.save(smk.output.first_layer, arrays["first_layer"])
np.save(smk.output.unit_class_means, arrays["unit_class_means"])
torch.save(model.state_dict(), smk.output.model)
with open(smk.output.summary, "w") as f:
    json.dump({"run": run, **summary,
               "settings": {"device": smk.params.device, "eval_batch": smk.params.eval_batch,
                            "threads": smk.threads},
               "versions": package_versions(), "hardware": hardware()}, f, indent=2)
