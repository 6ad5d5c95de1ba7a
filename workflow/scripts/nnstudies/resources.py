"""What a job asks a scheduler for (Slurm through Snakemake): memory, time limit and threads,
derived from the protocol rather than guessed. A local run ignores `mem_mb` and `runtime`
(no `--resources` limit is set), so these numbers only matter on a cluster.

A training job's time is its arithmetic: every image of an epoch goes forward and backward
once (about 3 forward passes' worth of multiply-adds), every record with validation sends the
whole validation split forward once, the test split goes forward twice at the end; plus a
fixed cost per optimiser step and per record (Python, autograd, small kernels). Throughput and
overheads are calibrated on bench/README.md (one AMD EPYC thread: a cnn_4 epoch with validation
every 10 steps in about 40 s, about 1.3 s for mlp_1), deliberately on the slow side, and the
total is multiplied by SAFETY: a job that hits its limit is killed, one that asks too much only
waits a little longer in the queue. Scheduled runs ask for their worst case (every phase after
the first trains to the end again).
"""
import math

from . import data
from .models import layer_shapes, parse_layer

NUM_CLASSES = 10

MACS_PER_SECOND = 2.0e10    # one core, float32 (bench: ~5e10 on one EPYC thread)
TRAIN_PASS_FACTOR = 3       # forward + backward ~ 3 forward passes
STEP_SECONDS = 2e-3         # per optimiser step beyond its arithmetic (bench: ~0.4 ms)
RECORD_SECONDS = 2e-2       # per record beyond its arithmetic (host sync, gradient norm, ...)
STARTUP_MINUTES = 2         # Python + torch import, data load, writing the outputs
SAFETY = 2                  # on the estimated training time

BASE_MEM_MB = 1000          # Python, torch, numpy, pandas imported (~450 MB RSS measured)
MEM_SAFETY = 1.5
MEM_STEP_MB = 256           # requests are rounded up to a multiple of this

# Jobs other than training: small tables and figures, model evaluation on the test split, the
# report (weasyprint). Measured locally in seconds and a few hundred MB; the time limit scales
# with the number of training runs they read.
LIGHT_MEM_MB = 2048
LIGHT_MINUTES = 10
LIGHT_MINUTES_PER_100_RUNS = 10


def split_sizes(data_cfg):
    """(train, validation, test) image counts the prepared data will hold (data.split_sizes)."""
    sizes = data.split_sizes(data_cfg["dataset"], data_cfg["val_fraction"],
                             data_cfg.get("classes"), data_cfg.get("train_subset"),
                             data_cfg.get("test_subset"))
    return sizes["train"], sizes["val"], sizes["test"]


def forward_macs(layers, in_shape, n_classes=NUM_CLASSES):
    """Multiply-adds of one image's forward pass (convolutions and fully connected layers,
    the prediction layer included)."""
    macs, shape = 0, tuple(in_shape)
    for text, out in zip(layers, layer_shapes(layers, in_shape)):
        spec = parse_layer(text)
        if spec["kind"] == "conv":
            macs += math.prod(out) * shape[0] * spec["kh"] * spec["kw"]
        elif spec["kind"] == "fc":
            macs += math.prod(shape) * spec["out"]
        shape = out
    return macs + math.prod(shape) * n_classes


def largest_activation(layers, in_shape):
    """Values in the largest tensor one image produces on its way through the model."""
    return max([math.prod(in_shape)] + [math.prod(s) for s in layer_shapes(layers, in_shape)])


def trained_epochs(run):
    """Epochs a run trains at most: a scheduled run may train every phase after the first to
    the end (it then goes back to that phase's plateau), so (rates - 1) x epochs."""
    if run.get("schedule"):
        sch = run["schedule"]
        return sch["epochs"] * max(1, len(sch["lrs"]) - 1)
    return run["epochs"]


def train_seconds(run, data_cfg, in_shape):
    """Estimated single-thread seconds of a training run (before SAFETY)."""
    n_train, n_val, n_test = split_sizes(data_cfg)
    macs = forward_macs(run["layers"], in_shape)
    epochs = trained_epochs(run)
    per_epoch = math.ceil(n_train / (run["batch_size"] or n_train))  # None: full batch
    steps = epochs * per_epoch
    records = steps // (per_epoch if run["record_every"] == "epoch" else run["record_every"])
    images = (epochs * n_train * TRAIN_PASS_FACTOR
              + (records * n_val if run.get("validate", True) else 0)
              # a run whose records also evaluate the training and test splits (NumPy trainers)
              + (records * (n_train + n_test) if run.get("records_all_splits") else 0)
              + 2 * n_test)  # test accuracy, unit-class means
    return images * macs / MACS_PER_SECOND + steps * STEP_SECONDS + records * RECORD_SECONDS


def train_runtime(run, data_cfg, in_shape, attempt=1):
    """Time limit in minutes for a training job (more threads never make it slower, so the
    single-thread estimate holds for any); doubles with each retry (`--retries`)."""
    seconds = train_seconds(run, data_cfg, in_shape)
    return attempt * (STARTUP_MINUTES + math.ceil(SAFETY * seconds / 60))


def train_mem_mb(run, data_cfg, in_shape, eval_batch):
    """Memory in MB for a training job: the runtime, the data (uint8 as loaded, float32 on the
    device), and the activations of one evaluation chunk."""
    images = sum(split_sizes(data_cfg))
    pixels = math.prod(in_shape)
    data_bytes = images * pixels * (1 + 4)
    chunk_bytes = 3 * eval_batch * largest_activation(run["layers"], in_shape) * 4
    if run.get("trainer") == "numpy_mlp":  # full batch: the training split as floats, and its
        itemsize = 8 if run.get("dtype") == "float64" else 4  # hidden layer ~3 times over
        n_train = split_sizes(data_cfg)[0]  # (measured: 2.0 GB peak at H 2000 in float32)
        chunk_bytes = n_train * (pixels + 3 * run["hidden"]) * itemsize
    mb = BASE_MEM_MB + MEM_SAFETY * (data_bytes + chunk_bytes) / 2**20
    return MEM_STEP_MB * math.ceil(mb / MEM_STEP_MB)


def light_runtime(n_runs):
    """Time limit in minutes for a table, figure, analysis or report job reading n_runs runs."""
    return LIGHT_MINUTES + math.ceil(LIGHT_MINUTES_PER_100_RUNS * n_runs / 100)
