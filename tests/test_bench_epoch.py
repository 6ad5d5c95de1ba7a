"""bench/bench_epoch.py runs on a few steps of real Fashion-MNIST and writes its table, in both
malloc settings."""
import csv
import subprocess
import sys
from pathlib import Path

import pytest

from nnstudies import data

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("malloc", [[], ["--default-malloc"]])
def test_bench_epoch_times_both_loops(tmp_path, malloc):
    data.fetch_raw(tmp_path, "fashion_mnist")  # from the dataset's offline copy (setup.sh)
    out = tmp_path / "epoch.csv"
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_epoch.py"),
                           "--models", "mlp_1", "--steps", "20", "--csv", str(out),
                           "--data-root", str(tmp_path), *malloc],
                          capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    [row] = list(csv.DictReader(out.open()))
    assert row["model"] == "mlp_1" and row["steps_timed"] == "20"
    assert float(row["baseline_s_per_epoch"]) > 0 and float(row["ours_s_per_epoch"]) > 0
    said = "default malloc" if malloc else "malloc keeps freed memory"
    assert said in done.stdout.splitlines()[0]
