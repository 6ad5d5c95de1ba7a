"""Snakemake entry point: Study 1 computed on the architecture study's models and the runs."""
import json
import math
import sys

import pandas as pd
import torch

sys.path.insert(0, snakemake.scriptdir)  # noqa: F821
from nnstudies import figures, fundamentals  # noqa: E402
from nnstudies.aggregate import by_run  # noqa: E402
from nnstudies.conv import parameter_count_formula  # noqa: E402
from nnstudies.data import load_prepared, scale  # noqa: E402
from nnstudies.logs import to_log  # noqa: E402
from nnstudies.models import build_model, count_parameters  # noqa: E402

smk = snakemake  # noqa: F821
to_log(smk.log[0])
torch.set_num_threads(smk.threads)
cfg, p = smk.config, smk.config["concepts"]
data = load_prepared(smk.input.data)
in_shape = (1, *data["train_x"].shape[1:])
n_classes = int(data["train_y"].max()) + 1
test_x = torch.from_numpy(scale(data["test_x"], cfg["data"]["scaling"]))
test_y = data["test_y"]

# 1. Calibration of every trained architecture-study model on the test set.
eces, bins = [], []
for (name, seed), path in by_run(smk.input.arch_summaries, smk.input.arch_models).items():
    model = build_model(cfg["models"][name], in_shape, n_classes)
    model.load_state_dict(torch.load(path))
    ece, table = fundamentals.calibration(fundamentals.probabilities(model, test_x), test_y,
                                          p["calibration_bins"])
    eces.append({"model": name, "seed": seed, "ece": ece})
    bins.append(table.assign(model=name, seed=seed))
eces = pd.DataFrame(eces)
eces.to_csv(smk.output.ece, index=False)
bins = pd.concat(bins)
pooled = bins.assign(hits=bins.accuracy * bins["count"], conf=bins.confidence * bins["count"])
pooled = pooled.groupby(["model", "bin_low", "bin_high"], sort=False)[
    ["count", "hits", "conf"]].sum().reset_index()
pooled["accuracy"] = pooled.hits / pooled["count"]
pooled["confidence"] = pooled.conf / pooled["count"]
pooled = pooled.drop(columns=["hits", "conf"])
pooled.to_csv(smk.output.reliability, index=False)
figures.save(figures.reliability_figure(pooled), smk.output.png, smk.output.svg)

# 2. grad = (w_k - w_(k+1)) / lr on a real step of a zoo model with real training images.
torch.manual_seed(0)
model = build_model(cfg["models"][p["identity_model"]], in_shape, n_classes)
batch = slice(0, p["identity_batch"])
identity = fundamentals.sgd_step_identity(
    model, torch.from_numpy(scale(data["train_x"][batch], cfg["data"]["scaling"])),
    torch.from_numpy(data["train_y"][batch]), p["identity_lr"])
identity.update(model=p["identity_model"], lr=p["identity_lr"], batch=p["identity_batch"])

# 3. Batches per epoch and iterations: formula against what every run actually did.
rows = []
for path in smk.input.summaries:
    s = json.loads(open(path).read())
    run = s["run"]
    epochs = run["schedule"]["epochs"] if run.get("schedule") else run["epochs"]
    per_epoch = math.ceil(len(data["train_y"]) / run["batch_size"])
    rows.append({"study": run["study"], "N": len(data["train_y"]), "B": run["batch_size"],
                 "E": epochs, "ceil(N/B)": per_epoch, "E*ceil(N/B)": epochs * per_epoch,
                 "batches per epoch (run)": s["steps_per_epoch"],
                 "iterations (run)": s["steps"] if s["diverged_at_step"] is None else None})
iterations = pd.DataFrame(rows).drop_duplicates().reset_index(drop=True)
iterations.to_csv(smk.output.iterations, index=False)

# 4. Parameter-count formulas against the framework's count, for every declared model.
params = []
for name, layers in cfg["models"].items():
    formula = parameter_count_formula(layers, in_shape, n_classes)
    params.append({"model": name, "kind": formula["kind"], "formula": formula["expression"],
                   "formula_count": formula["total"],
                   "framework_count": count_parameters(build_model(layers, in_shape, n_classes))})
pd.DataFrame(params).to_csv(smk.output.parameters, index=False)
with open(smk.output.identity, "w") as f:
    json.dump(identity, f, indent=2)
