"""Which code trains a run, and which files it writes: run["trainer"] names an entry here
(default "torch").

Each entry is the trainer's module (it provides `train_run(run, data, device, eval_batch, log,
reference[, precision]) -> (curves, summary, arrays, model)` and `curve_columns(run)`, see
train.py; `precision` is passed only when config train.precision is not fp32), the package
modules its results depend on (the training rule lists those as inputs, so editing one reruns
only the runs that use it), the per-run files it writes, and the training rule that runs it
(one rule per set of files: Snakemake declares a rule's outputs once for all its jobs).
"""
import importlib

# Files every trainer writes; then each trainer's own. A NumPy trainer's model is its arrays in
# an .npz archive: its job never imports torch.
COMMON_FILES = ["curves.csv", "summary.json", "first_layer.npy", "unit_class_means.npy"]
TRAINERS = {
    "torch": {"module": "train", "code": ["data", "models", "optim", "train", "schedule"],
              "files": COMMON_FILES + ["model.pt"], "rule": "train", "gpu": True},
    "numpy_mlp": {"module": "numpy_mlp", "code": ["data", "numpy_mlp"],
                  "files": COMMON_FILES + ["model.npz"], "rule": "train_numpy", "gpu": False},
    # Seed 004's NumPy models (hand-written gradients): full-batch GD or mini-batch SGD.
    "linear": {"module": "linear_models", "code": ["data", "linear_models"],
               "files": COMMON_FILES + ["model.npz"], "rule": "train_numpy", "gpu": False},
    "two_layer": {"module": "linear_models", "code": ["data", "linear_models"],
                  "files": COMMON_FILES + ["model.npz"], "rule": "train_numpy", "gpu": False},
}
# What a run asks for beyond its trainer's files: a constant-rate run that a scheduled run
# continues from keeps its state at every epoch's end (train.py).
RUN_EXTRA_FILES = {"keep_epoch_states": "epoch_states.pt"}

_threads = None


def trainer_name(run):
    return run.get("trainer", "torch")


def trainer_module(run):
    return importlib.import_module(f".{TRAINERS[trainer_name(run)]['module']}", __package__)


def trainer_code(run):
    """Package modules (names without .py) a run's results depend on."""
    return TRAINERS[trainer_name(run)]["code"]


def run_files(run):
    """The files a run's job writes: its trainer's, and those the run itself asks for."""
    return TRAINERS[trainer_name(run)]["files"] + [
        name for key, name in RUN_EXTRA_FILES.items() if run.get(key)]


def training_rule(run):
    """The name of the rule that trains a run: its trainer's, suffixed by what the run adds
    ('train_with_epoch_states')."""
    extra = [name.split(".")[0] for key, name in RUN_EXTRA_FILES.items() if run.get(key)]
    return "_with_".join([TRAINERS[trainer_name(run)]["rule"], *extra])


def set_threads(n):
    """The job's thread count (train_run.py), for trainers that do not use torch's."""
    global _threads
    _threads = n


def job_threads():
    """The thread count set for this job, or None (no limit) outside a training job."""
    return _threads
