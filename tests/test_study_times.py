"""bench/study_times.py on benchmark files in Snakemake's format: sums per study and the
scaling to the full preset's seeds, also where a study keeps its seeds in sub-blocks."""
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
HEADER = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"


def bench_file(root, study, run, seed, wall, cpu):
    path = root / "train" / study / run / f"seed{seed}.tsv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + f"{wall}\t0:00:00\t500\t900\t400\t450\t1\t0\t90\t{cpu}\n")


def test_study_times_sums_and_scales_to_the_full_seeds(tmp_path):
    bench = tmp_path / "benchmarks"
    bench_file(bench, "ece421", "mlp_h100", 0, 360.0, 330.0)
    bench_file(bench, "ece421", "cnn_l2_0", 0, 1440.0, 1400.0)
    bench_file(bench, "activations", "cnn_4-relu-unit", 0, 720.0, 700.0)
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({"ece421": {"mlp": {"seeds": [0, 1, 2]},
                                                 "cnn": {"seeds": [0, 1]}},
                                      "activations": {"models": ["cnn_4"]}}))
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "study_times.py"), str(bench),
                           "--config", str(config)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    rows = {line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:-1]]
            for line in done.stdout.splitlines()[2:]}
    # jobs, seeds measured, wall h, CPU h, longest job min, full seeds, wall h at full seeds
    assert rows["ece421"] == ["2", "1.00", "0.50", "0.48", "24.00", "3.00", "1.50"]
    assert rows["activations"] == ["1", "1.00", "0.20", "0.19", "12.00", "1.00", "0.20"]
    assert rows["all"][0] == "3" and rows["all"][-1] == "1.70"
