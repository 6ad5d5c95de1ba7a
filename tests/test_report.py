"""The methods section's protocol lines: the bf16 bound is printed exactly when validation and
test ran in bf16 (issue 13, item 3)."""
import json

from nnstudies.config import resolve
from nnstudies.report import BF16_BOUND, protocol_lines


def test_protocol_prints_the_bf16_bound_only_when_bf16_is_used(raw_config):
    fp32 = resolve(raw_config)
    bf16 = resolve(raw_config, user={"train": {"precision": "bf16"}})
    assert bf16["train"]["precision"] == "bf16"
    assert BF16_BOUND not in protocol_lines(fp32, ["cpu"])
    lines = protocol_lines(bf16, ["cpu", "cpu"])
    assert BF16_BOUND in lines and "device: cpu." in lines[0]
    assert [line for line in lines if line != BF16_BOUND] == protocol_lines(fp32, ["cpu"])


def test_bf16_bound_is_the_largest_change_in_the_measured_runs(repo_root):
    """BF16_BOUND quotes bench/measured/bench_bf16_full_*.json: the models, and the largest
    validation and test accuracy changes over them, in images."""
    runs = [json.loads(p.read_text())["accuracy"]
            for p in sorted((repo_root / "bench" / "measured").glob("bench_bf16_full_*.json"))]
    assert len(runs) >= 4
    for run in runs:
        assert run["run"]["name"] in BF16_BOUND
    val = max(max(r["val_acc_changes_in_images"]) for r in runs)
    test = max(round(r["test_acc_change"] * 10000) for r in runs)
    assert f"validation accuracy was {val / 6000:.4f} ({val} images)" in BF16_BOUND
    assert f"test accuracy {test / 10000:.4f} ({test} of 10000 images)" in BF16_BOUND
