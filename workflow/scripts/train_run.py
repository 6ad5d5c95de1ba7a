"""Snakemake entry point: train one run and write its curves, summary, weights and model."""
import io
import json
import sys

import numpy as np
import pandas as pd
import torch

sys.path.insert(0, snakemake.scriptdir)  # noqa: F821 (the snakemake object is injected)
from nnstudies.data import DataError, load_prepared  # noqa: E402
from nnstudies.logs import to_log  # noqa: E402
from nnstudies.outputs import one_line_errors, write_bytes, write_text  # noqa: E402
from nnstudies.provenance import hardware, package_versions  # noqa: E402
from nnstudies.runfiles import RunFileError  # noqa: E402
from nnstudies.train import NO_EPOCH_STATES, read_epoch_states  # noqa: E402
from nnstudies.trainers import trainer_module  # noqa: E402

smk = snakemake  # noqa: F821
run = json.loads(smk.params.run)
device = smk.config["train"]["device"]  # how the run executes: not a param (train.smk)
torch.set_num_threads(smk.threads)
torch.use_deterministic_algorithms(True, warn_only=True)

log = to_log(smk.log[0])  # tqdm progress and any traceback
with one_line_errors(DataError):
    data = load_prepared(smk.input.data)  # a corrupt file is named, not a zipfile traceback
trainer = trainer_module(run)  # torch unless the run names another (trainers.py)
precision = smk.params.get("precision", "fp32")
reference = pd.read_csv(smk.input.reference) if smk.input.reference else None
resume = {}  # a scheduled run: its reference run's epoch states, checked (train.py)
if smk.input.get("reference_states"):
    with one_line_errors(RunFileError):
        resume["reference_states"] = read_epoch_states(smk.input.reference_states, reference)
curves, summary, arrays, model = trainer.train_run(
    run, data, device=device, eval_batch=smk.params.eval_batch, log=log, reference=reference,
    **({"precision": precision} if precision != "fp32" else {}),  # fp32: any trainer's default
    **resume)
print(json.dumps(summary), file=log)

# Each file is written whole or not at all; a full disk or read-only folder ends the job with
# one line naming the file (torch.save and np.save write to memory first, then to the file).
with one_line_errors():
    write_text(smk.output.curves,
               pd.DataFrame(curves, columns=trainer.curve_columns(run)).to_csv(index=False))
    for key in ("first_layer", "unit_class_means"):
        buffer = io.BytesIO()
        np.save(buffer, arrays[key])
        write_bytes(smk.output[key], buffer.getvalue())
    buffer = io.BytesIO()
    # an nn.Module's weights, or a NumPy trainer's dict of arrays
    torch.save(model.state_dict() if hasattr(model, "state_dict") else model, buffer)
    write_bytes(smk.output.model, buffer.getvalue())
    buffer = io.BytesIO()  # a reference run's states for its scheduled run; else about 1 KB
    torch.save(arrays.get("epoch_states", NO_EPOCH_STATES), buffer)
    write_bytes(smk.output.epoch_states, buffer.getvalue())
    settings = {"device": device, "eval_batch": smk.params.eval_batch,
                "threads": smk.threads, "precision": precision}
    write_text(smk.output.summary, json.dumps(
        {"run": run, **summary, "settings": settings, "versions": package_versions(),
         "hardware": hardware()}, indent=2))
