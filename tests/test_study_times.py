"""bench/study_times.py on benchmark files in Snakemake's format: the measured sums per study,
and the full preset's wall time on N cores from the workflow's own job list (seeds, and the
scheduled run's wait for its reference run)."""
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
HEADER = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"


def bench_file(root, study, run, seed, wall, cpu):
    path = root / "train" / study / run / f"seed{seed}.tsv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + f"{wall}\t0:00:00\t500\t900\t400\t450\t1\t0\t90\t{cpu}\n")


def study_times(bench, config):
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "study_times.py"), str(bench),
                           "--config", str(config), "--cores", "1", "2", "8"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    measured, estimate = done.stdout.split("\n\nEstimated")

    def rows(text):
        return {line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:-1]]
                for line in text.strip().splitlines()[2:]}
    return rows(measured), rows(estimate.split("\n\n", 1)[1]), done.stderr


def test_study_times_measured_sums_and_full_preset_on_n_cores(tmp_path):
    config = yaml.safe_load(open(ROOT / "config.yaml"))
    config["architectures"].update(models=["mlp_1", "cnn_4"], seeds=[0, 1, 2])
    config["learning_rates"].update(lrs=[0.1, 0.01, 0.001])
    config["learning_rates"]["schedule"]["lrs"] = [0.1, 0.01, 0.001]
    config_file = tmp_path / "config.yaml"
    config_file.write_text(yaml.safe_dump(config))
    bench = tmp_path / "benchmarks"
    # architectures, seed 0 only: 1 h and 2 h, 3 seeds at the full preset
    bench_file(bench, "architectures", "mlp_1", 0, 3600.0, 3500.0)
    bench_file(bench, "architectures", "cnn_4", 0, 7200.0, 7000.0)
    # learning rates: the scheduled run (2.5 h) waits for the lr 0.1 run (1 h)
    for run, hours in [("lr0.1", 1), ("lr0.01", 3), ("lr0.001", 3), ("schedule", 2.5)]:
        bench_file(bench, "learning_rates", run, 0, hours * 3600.0, hours * 3500.0)
    # ece421 with one of its runs missing: measured, but left out of the estimate
    bench_file(bench, "ece421", "mlp_h100", 0, 360.0, 330.0)
    measured, estimate, note = study_times(bench, config_file)

    # jobs, wall h, CPU h, longest job min
    assert measured["architectures"] == ["2", "3.00", "2.92", "120.00"]
    assert measured["learning_rates"] == ["4", "9.50", "9.24", "180.00"]
    assert measured["all"][:2] == ["7", "12.60"]
    # jobs, 1 / 2 / 8 cores h
    # 2 cores: 2+2+1 h on one, 2+1+1 on the other (9 h do not split evenly); 8 cores: 2 h
    assert estimate["architectures"] == ["6", "9.00", "5.00", "2.00"]
    # 2 cores: lr 0.1 and one 3-h run start; at 1 h the other 3-h run (longer chain than the
    # schedule's 2.5 h), the schedule at 3 h: 5.5 h. 8 cores: the chain lr 0.1 + schedule.
    assert estimate["learning_rates"] == ["4", "9.50", "5.50", "3.50"]
    assert "ece421" not in estimate and "ece421" in note
    assert estimate["all (one invocation)"][0] == "10"
    assert estimate["all (one invocation)"][1] == "18.50"
    assert "learning_rates schedule seed0: timed as measured" in note  # no summary.json


@pytest.mark.parametrize("resumed", [False, True], ids=["retrained-first-phase", "resumed"])
def test_a_scheduled_run_that_retrained_its_first_phase_is_timed_as_its_continuation(
        tmp_path, resumed):
    """Issue 24: the scheduled job now continues from its reference run's state; one measured
    before (no resumed_at_epoch in its summary) is cut to its steps after the first switch."""
    config = yaml.safe_load(open(ROOT / "config.yaml"))
    config["learning_rates"].update(lrs=[0.1, 0.01, 0.001])
    config["learning_rates"]["schedule"]["lrs"] = [0.1, 0.01, 0.001]
    config_file = tmp_path / "config.yaml"
    config_file.write_text(yaml.safe_dump(config))
    bench = tmp_path / "benchmarks"
    for run, hours in [("lr0.1", 1), ("lr0.01", 3), ("lr0.001", 3), ("schedule", 4)]:
        bench_file(bench, "learning_rates", run, 0, hours * 3600.0, hours * 3500.0)
    summary = tmp_path / "runs" / "learning_rates" / "schedule" / "seed0" / "summary.json"
    summary.parent.mkdir(parents=True)
    # first switch at epoch 10 of 100 steps: 1,000 of the 5,000 steps it trained
    summary.write_text(json.dumps(
        {"run": {"name": "schedule"}, "switch_epochs": [10, 12], "steps_per_epoch": 100,
         "steps_trained": 5000, "first_switch_from": "reference run",
         **({"resumed_at_epoch": 10} if resumed else {})}))
    _, estimate, note = study_times(bench, config_file)
    jobs, one_core, _, eight_cores = estimate["learning_rates"]
    if resumed:  # measured as it runs now: timed as measured, the chain 1 + 4 h
        assert (jobs, one_core, eight_cores) == ("4", "11.00", "5.00")
    else:  # 4 h x 4/5 = 3.2 h: the chain 1 + 3.2 h
        assert (jobs, one_core, eight_cores) == ("4", "10.20", "4.20")
    assert "timed as measured" not in note
