"""What jobs ask a scheduler for: estimates from the protocol, declared on every working rule."""
import re
import subprocess
import sys
from pathlib import Path

from nnstudies import resources as R
from nnstudies.config import INPUT_SHAPES, resolve
from nnstudies.studies import BY_NAME

REPO = Path(__file__).resolve().parents[1]
SHAPE = INPUT_SHAPES["fashion_mnist"]


def test_split_sizes_follow_subsets_and_classes():
    data = {"dataset": "fashion_mnist", "val_fraction": 0.1, "classes": None,
            "train_subset": None, "test_subset": None}
    assert R.split_sizes(data) == (54000, 6000, 10000)
    assert R.split_sizes({**data, "train_subset": 6000, "test_subset": 2000}) == (5400, 600, 2000)
    assert R.split_sizes({**data, "classes": [0, 1, 2, 3, 4]}) == (27000, 3000, 5000)


def test_forward_macs_count_weight_layers_and_the_prediction_layer():
    assert R.forward_macs(["fc 32", "relu"], SHAPE) == 784 * 32 + 32 * 10
    # 3x3 conv, 16 channels: 26x26 outputs, then the prediction layer on 26*26*16 values
    assert R.forward_macs(["conv 3x3x16"], SHAPE) == 26 * 26 * 16 * 9 + 26 * 26 * 16 * 10
    assert R.forward_macs(["conv 3x3x16", "maxpool"], SHAPE) == 26 * 26 * 16 * 9 + 13 * 13 * 16 * 10


def test_training_estimates_cover_the_measured_times_with_margin(raw_config):
    """bench/README.md: a full-protocol cnn_4 epoch took about 40 s, an mlp_1 epoch 1.3 s, on
    one EPYC thread; the time limit must be well above that, but not absurdly so."""
    cfg = resolve(raw_config)
    runs = BY_NAME["architectures"].runs(cfg)
    for model, per_epoch in (("cnn_4", 40), ("mlp_1", 1.3)):
        run = runs[(model, 0)]
        measured_min = per_epoch * run["epochs"] / 60
        limit = R.train_runtime(run, cfg["data"], SHAPE)
        assert 2 * measured_min <= limit <= 10 * measured_min + R.STARTUP_MINUTES + 5, model
    mem = R.train_mem_mb(runs[("cnn_4", 0)], cfg["data"], SHAPE, cfg["train"]["eval_batch"])
    assert 1200 <= mem <= 4096 and mem % R.MEM_STEP_MB == 0


def test_scheduled_run_asks_for_its_worst_case_and_retries_for_more(raw_config):
    cfg = resolve(raw_config)
    runs = BY_NAME["learning_rates"].runs(cfg)
    constant, scheduled = runs[("lr0.1", 0)], runs[("schedule", 0)]
    assert R.trained_epochs(scheduled) == 30 * 2
    assert R.train_runtime(scheduled, cfg["data"], SHAPE) > R.train_runtime(
        constant, cfg["data"], SHAPE)
    once = R.train_runtime(constant, cfg["data"], SHAPE)
    assert R.train_runtime(constant, cfg["data"], SHAPE, attempt=2) == 2 * once


def test_quick_preset_asks_for_less_than_the_full_study(raw_config):
    full = resolve(raw_config)
    quick = resolve({**raw_config, "preset": "quick"})
    run_full = BY_NAME["architectures"].runs(full)[("cnn_3", 0)]
    run_quick = BY_NAME["architectures"].runs(quick)[("cnn_3", 0)]
    assert (R.train_runtime(run_quick, quick["data"], SHAPE)
            < R.train_runtime(run_full, full["data"], SHAPE))


def test_every_rule_that_does_work_declares_memory_and_time():
    out = subprocess.run(
        [sys.executable, "-m", "snakemake", "-n", "--forceall", "--cores", "2",
         "--config", "preset=quick", "--workflow-profile", "none"],
        cwd=REPO, capture_output=True, text=True, check=True).stdout
    jobs = re.findall(r"^(?:local)?rule (\w+):\n(.*?)(?=^\S|\Z)", out, flags=re.M | re.S)
    rules = {name for name, _ in jobs if name != "all"}
    assert {"prepare_data", "report", "analyse_architectures"} <= rules
    # training jobs print their message (naming their log) instead of the block: read the rule
    train = (REPO / "workflow" / "rules" / "train.smk").read_text()
    assert "mem_mb=train_mem_mb" in train and "runtime=train_runtime" in train
    assert re.search(r"^Job \d+: train ", out, flags=re.M)
    for name, body in jobs:
        if name == "all":
            continue
        resources = re.search(r"resources: (.*)", body).group(1)
        assert re.search(r"\bmem_mb=\d+", resources), (name, resources)
        assert re.search(r"\bruntime=\d+", resources), (name, resources)
