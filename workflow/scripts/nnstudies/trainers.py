"""Which code trains a run: run["trainer"] names an entry here (default "torch").

Each entry is the trainer's module (it provides `train_run(run, data, device, eval_batch, log,
reference[, precision]) -> (curves, summary, arrays, model)` and `curve_columns(run)`, see
train.py; `precision` is passed only when config train.precision is not fp32) and the
package modules its results depend on: the training rule lists those as inputs, so editing one
reruns only the runs that use it.
"""
import importlib

TRAINERS = {
    "torch": {"module": "train", "code": ["data", "models", "train", "schedule"]},
    "numpy_mlp": {"module": "numpy_mlp", "code": ["data", "numpy_mlp"]},
    # Seed 004's NumPy models (hand-written gradients): full-batch GD or mini-batch SGD.
    "linear": {"module": "linear_models", "code": ["data", "linear_models"]},
    "two_layer": {"module": "linear_models", "code": ["data", "linear_models"]},
}


def trainer_name(run):
    return run.get("trainer", "torch")


def trainer_module(run):
    return importlib.import_module(f".{TRAINERS[trainer_name(run)]['module']}", __package__)


def trainer_code(run):
    """Package modules (names without .py) a run's results depend on."""
    return TRAINERS[trainer_name(run)]["code"]
