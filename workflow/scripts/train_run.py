"""Snakemake entry point: train one run and write the files its trainer declares (curves,
summary, first-layer weights, unit class means, model; epoch states for a run that keeps them).
A NumPy trainer's job never imports torch (about 2 s of start-up per job)."""
import io
import json
import sys

import numpy as np

sys.path.insert(0, snakemake.scriptdir)  # noqa: F821 (the snakemake object is injected)
from nnstudies.data import DataError, load_prepared  # noqa: E402
from nnstudies.logs import to_log  # noqa: E402
from nnstudies.outputs import one_line_errors, write_bytes, write_text  # noqa: E402
from nnstudies.process import end_job, keep_freed_memory  # noqa: E402
from nnstudies.provenance import hardware, package_versions  # noqa: E402
from nnstudies.runfiles import RunFileError, curves_csv  # noqa: E402
from nnstudies.trainers import set_threads, trainer_module, trainer_name  # noqa: E402

smk = snakemake  # noqa: F821
run = json.loads(smk.params.run)
device = smk.config["train"]["device"]  # how the run executes: not a param (train.smk)
uses_torch = trainer_name(run) == "torch"
set_threads(smk.threads)
if uses_torch:
    import torch

    from nnstudies.train import pick_device

    torch.set_num_threads(smk.threads)
    # On the GPU some kernels are nondeterministic unless asked. On the CPU they are
    # deterministic at a fixed thread count, and the flag would import torch's compiler (1.4 s).
    if pick_device(device) == "cuda":
        torch.use_deterministic_algorithms(True, warn_only=True)

log = to_log(smk.log[0])  # tqdm progress and any traceback
keep_freed_memory()  # reuse freed memory, no page faults per step (process.py)
with one_line_errors(DataError):
    data = load_prepared(smk.input.data)  # a corrupt file is named, not a zipfile traceback
trainer = trainer_module(run)  # torch unless the run names another (trainers.py)
precision = smk.params.get("precision", "fp32")
reference = None
if smk.input.reference:  # a scheduled run: its reference run's curves (pandas only here)
    import pandas as pd

    reference = pd.read_csv(smk.input.reference)
resume = {}  # a scheduled run: its reference run's epoch states, checked (train.py)
if smk.input.get("reference_states"):
    from nnstudies.train import read_epoch_states

    with one_line_errors(RunFileError):
        resume["reference_states"] = read_epoch_states(smk.input.reference_states, reference)
curves, summary, arrays, model = trainer.train_run(
    run, data, device=device, eval_batch=smk.params.eval_batch, log=log, reference=reference,
    **({"precision": precision} if precision != "fp32" else {}),  # fp32: any trainer's default
    **resume)
print(json.dumps(summary), file=log)


def saved(save, obj):
    """The bytes `save(buffer, obj)` writes (np.save, np.savez; torch_save)."""
    buffer = io.BytesIO()
    save(buffer, obj)
    return buffer.getvalue()


def torch_save(buffer, obj):
    torch.save(obj, buffer)  # torch's argument order is (object, file)


# Each file is written whole or not at all; a full disk or read-only folder ends the job with
# one line naming the file (everything is serialised to memory first, then written).
out = smk.output
with one_line_errors():
    write_text(out.curves, curves_csv(curves, trainer.curve_columns(run)))
    for key in ("first_layer", "unit_class_means"):
        write_bytes(out[key], saved(np.save, arrays[key]))
    if out.model.endswith(".pt"):  # an nn.Module's weights
        write_bytes(out.model, saved(torch_save, model.state_dict()))
    else:  # a NumPy trainer's dict of arrays, as an .npz archive
        write_bytes(out.model, saved(lambda f, m: np.savez(f, **m), model))
    if "epoch_states" in out.keys():  # a reference run's states for its scheduled run
        write_bytes(out.epoch_states, saved(torch_save, arrays["epoch_states"]))
    settings = {"device": device, "eval_batch": smk.params.eval_batch,
                "threads": smk.threads, "precision": precision}
    write_text(out.summary, json.dumps(
        {"run": run, **summary, "settings": settings, "versions": package_versions(),
         "hardware": hardware()}, indent=2))
end_job()  # the outputs are closed: skip the interpreter's teardown (process.end_job)
