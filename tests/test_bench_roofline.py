"""bench/bench_roofline.py --quick runs and writes the roofline table's columns."""
import csv
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_roofline_quick_writes_its_table(tmp_path):
    out = tmp_path / "roofline.csv"
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_roofline.py"), "--quick",
                           "--models", "mlp_1", "cnn_4", "--csv", str(out)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(out.open()))
    assert [r["model"] for r in rows] == ["mlp_1", "cnn_4", "matmul fp32 2048x2048",
                                          rows[3]["model"]]
    assert rows[3]["model"].startswith("matmul bf16 ")
    for column in ("fwd_MFLOP_per_image", "train_step_GFLOP", "train_step_ms", "train_GFLOPs",
                   "train_frac_fp32_mm", "val_pass_GFLOP", "val_pass_s", "val_GFLOPs",
                   "val_frac_fp32_mm"):
        for r in rows[:2]:
            assert float(r[column]) > 0, (r["model"], column)
    assert float(rows[2]["val_frac_fp32_mm"]) == 1.0
    # FLOPs are counted from the layers: cnn_4's forward is ~2 x 2.3 M multiply-adds per image,
    # a training step 3 forward passes of the batch of 50
    cnn = rows[1]
    assert 4.0 < float(cnn["fwd_MFLOP_per_image"]) < 5.0
    assert abs(float(cnn["train_step_GFLOP"]) - 3 * 50 * float(cnn["fwd_MFLOP_per_image"]) / 1e3
               ) < 1e-6
    assert "| model |" in done.stdout
