"""The real workflow on the quick preset: report numbers, curves, reruns, config errors, console.

The workflow runs once per session in a copy of the repository (so edits for the dry-run tests
never touch the working tree), through the README's command `./run.sh --config preset=quick`
with its output to a pipe; the raw data folder and the virtual environment are shared with the
repository's (the copy's `.venv` is a link to it).
"""
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = [sys.executable, "-m", "snakemake"]
QUICK = ["--config", "preset=quick"]
TRAIN_JOB = re.compile(r"train (\w+) ([\w.-]+) seed (\d+): per-step progress in ")  # its message


def snakemake(workdir, *args, check=True):
    result = subprocess.run([*SNAKEMAKE, *args], cwd=workdir, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n"
                             f"{result.stdout}\n{result.stderr}")
    return result


def copy_repo(dest):
    for name in ("Snakefile", "config.yaml", "workflow", "report", "envs", "requirements.txt",
                 "run.sh", "setup.sh"):
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, dest / name)
    (REPO / "data").mkdir(exist_ok=True)
    (dest / "data").symlink_to(REPO / "data")
    if VENV_PYTHON.exists():
        (dest / ".venv").symlink_to(REPO / ".venv")
    return dest


VENV_PYTHON = REPO / ".venv" / "bin" / "python"
CONSOLE = {}  # the quick run's console output (stdout + stderr)


def run_sh(workdir, *args):
    """The README's command, output to a pipe (not a terminal)."""
    return subprocess.run(["./run.sh", *args], cwd=workdir, capture_output=True, text=True,
                          env={**os.environ, "CORES": "2"}, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    """A finished quick-preset run: its working directory. Run by `./run.sh` where the
    repository has its `.venv` (as ./test.sh makes it), else by this interpreter's snakemake."""
    workdir = copy_repo(tmp_path_factory.mktemp("workflow"))
    if (workdir / ".venv").exists():
        result = run_sh(workdir, *QUICK)
        if result.returncode != 0:
            raise AssertionError(f"./run.sh failed:\n{result.stdout}\n{result.stderr}")
    else:
        result = snakemake(workdir, "--cores", "2", *QUICK)
    CONSOLE["quick"] = result.stdout + result.stderr
    return workdir


@pytest.fixture
def quick_console(quick):
    return CONSOLE["quick"]


def planned_train_jobs(workdir, *args):
    out = snakemake(workdir, "-n", "--cores", "2", *QUICK, *args).stdout
    return sorted(TRAIN_JOB.findall(out)), out


def test_report_names_every_model_with_the_accuracy_in_runs_csv(quick):
    results = quick / "results" / "quick"
    all_runs = pd.read_csv(results / "tables" / "runs.csv")
    assert set(all_runs.study) == {"architectures", "activations", "learning_rates"}
    runs = all_runs[all_runs.study == "architectures"]
    html = (results / "report" / "report.html").read_text()
    assert set(runs.model) == {"mlp_1", "mlp_2", "cnn_3", "cnn_4", "cnn_5"}
    assert len(runs) == 5 * 2  # two seeds in the quick preset
    for model, mean in runs.groupby("model")["test_acc"].mean().items():
        # the ranking answer names each model with its mean test accuracy
        assert f"{model} {100 * mean:.2f} %" in html, model
    summary = pd.read_csv(results / "tables" / "architectures_summary.csv")
    best = summary.iloc[0]
    assert best.test_acc_mean == runs.groupby("model")["test_acc"].mean().max()
    assert f"Best architecture: {best.model}" in html
    assert "data:image/png;base64," in html  # figures embedded: the file opens alone
    for section in ("Study 1: basic concepts, computed", "Study 2: a convolution layer in NumPy",
                    "Study 3: architectures", "Study 4: activation functions and gradients",
                    "Study 5: learning rate"):
        assert f"<h2>{section}</h2>" in html
    assert html.count("<li><p class=\"q\">") == 4 + 6 + 10 + 3 + 4
    pdf = (results / "report" / "report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) > 50_000


def test_curves_have_one_record_per_ten_steps(quick):
    for summary_path in (quick / "results" / "quick" / "runs").glob("*/*/seed*/summary.json"):
        summary = json.loads(summary_path.read_text())
        curves = pd.read_csv(summary_path.with_name("curves.csv"))
        run = summary["run"]
        every = run["record_every"]
        epochs = run["schedule"]["epochs"] if run["schedule"] else run["epochs"]
        assert summary["steps"] == summary["steps_per_epoch"] * epochs
        assert list(curves.step) == list(range(every, summary["steps"] + 1, every))
        if run["validate"]:  # the gradient study records no validation
            assert curves.val_acc.between(0, 1).all()
        assert summary["versions"]["torch"] and summary["train_seconds"] > 0


def test_figures_exist_in_png_and_svg(quick):
    figures = quick / "results" / "quick" / "figures"
    stems = (["architectures_performance", "activations_unit", "activations_raw",
              "learning_rates", "concepts_reliability", "convolution_maps"]
             + [f"architectures_weights_{m}"
                for m in ("mlp_1", "mlp_2", "cnn_3", "cnn_4", "cnn_5")])
    for stem in stems:
        assert (figures / f"{stem}.png").stat().st_size > 5_000
        assert (figures / f"{stem}.svg").read_text().lstrip().startswith("<?xml")


def test_nothing_to_rerun_when_nothing_changed(quick):
    jobs, out = planned_train_jobs(quick)
    assert jobs == [] and "Nothing to be done" in out


@pytest.fixture
def edited(quick):
    """Edit files of the finished run for one test, then put them back."""
    saved = {}

    def edit(relative, old, new):
        path = quick / relative
        saved.setdefault(path, path.read_text())
        text = path.read_text()
        assert old in text, (relative, old)
        path.write_text(text.replace(old, new, 1))

    yield edit
    for path, text in saved.items():
        path.write_text(text)


def test_editing_one_model_reruns_only_that_model(quick, edited):
    edited("config.yaml", "cnn_3: [conv 3x3x16, relu, conv 5x5x8, relu, maxpool, conv 7x7x16",
           "cnn_3: [conv 3x3x16, relu, conv 5x5x8, relu, maxpool, conv 5x5x16")
    jobs, out = planned_train_jobs(quick)
    # cnn_3's runs in every study that uses it (its ReLU and sigmoid variants included), no other
    assert {("architectures", "cnn_3", "0"), ("architectures", "cnn_3", "1")} <= set(jobs)
    assert all(run.split("-")[0] == "cnn_3" for _, run, _ in jobs), jobs
    assert len(jobs) == 2 + 4  # 2 seeds in the architecture study, 2 activations x 2 scalings
    assert "rule prepare_data" not in out
    for downstream in ("aggregate_architectures", "figures_architectures", "report"):
        assert f"rule {downstream}:" in out


def test_editing_the_epoch_count_reruns_every_training_job(quick, edited):
    edited("config.yaml", "      epochs: 2", "      epochs: 3")
    jobs, out = planned_train_jobs(quick)
    assert len(jobs) == 10 and "rule prepare_data" not in out  # the architecture study's only


def test_editing_the_training_code_reruns_training(quick, edited):
    edited("workflow/scripts/nnstudies/train.py", '"""One training function',
           '# edited\n"""One training function')
    jobs, _ = planned_train_jobs(quick)
    assert len(jobs) == 26  # every run of every study


def test_editing_the_report_template_reruns_only_the_report(quick, edited):
    edited("report/style.css", "@page", "/* edited */ @page")
    jobs, out = planned_train_jobs(quick)
    assert jobs == [] and "rule report:" in out and "rule aggregate_architectures:" not in out


def test_adding_a_learning_rate_runs_only_that_run(quick, edited):
    edited("config.yaml", "lrs: [0.1, 0.01, 0.001]", "lrs: [0.1, 0.01, 0.001, 0.05]")
    jobs, out = planned_train_jobs(quick)
    assert jobs == [("learning_rates", "lr0.05", "0")]
    assert "rule analyse_learning_rates:" in out and "rule report:" in out
    assert "rule aggregate_architectures:" not in out and "rule analyse_activations:" not in out


def test_fundamentals_sections_report_their_numbers(quick):
    tables = quick / "results" / "quick" / "tables"
    html = (quick / "results" / "quick" / "report" / "report.html").read_text()
    parameters = pd.read_csv(tables / "concepts_parameters.csv")
    assert (parameters.formula_count == parameters.framework_count).all()
    assert f"for {len(parameters)} of {len(parameters)}" in html
    ece = pd.read_csv(tables / "concepts_ece.csv")
    assert len(ece) == 10 and ece.ece.between(0, 1).all()
    for model, mean in ece.groupby("model").ece.mean().items():
        assert f"{model} {mean:.3f}" in html
    iterations = pd.read_csv(tables / "concepts_iterations.csv")
    assert (iterations["ceil(N/B)"] == iterations["batches per epoch (run)"]).all()
    similarity = json.loads((tables / "convolution_similarity.json").read_text())
    assert f"mean |r| = {similarity['same_kernel_spectrum_r']:.2f} within a column" in html
    agreement = pd.read_csv(tables / "convolution_torch_agreement.csv")
    assert agreement.max_abs_diff.max() < 1e-10


def test_gradient_study_records_the_gradient_norm(quick):
    variants = pd.read_csv(quick / "results" / "quick" / "tables" / "activations_variants.csv")
    assert set(variants.activation) == {"relu", "sigmoid"}
    assert set(variants.scaling) == {"unit", "raw"}
    curves = pd.read_csv(quick / "results" / "quick" / "runs" / "activations" /
                         "cnn_3-sigmoid-unit" / "seed0" / "curves.csv")
    assert (curves.grad_norm > 0).all() and "val_acc" not in curves


def test_a_diverging_learning_rate_leaves_a_complete_report(quick, tmp_path):
    workdir = tmp_path / "diverging"
    shutil.copytree(quick, workdir, symlinks=True)
    config = workdir / "config.yaml"
    config.write_text(config.read_text().replace("lrs: [0.1, 0.01, 0.001]",
                                                 "lrs: [0.1, 0.01, 0.001, 1000]"))
    snakemake(workdir, "--cores", "2", *QUICK)
    results = workdir / "results" / "quick"
    summary = json.loads((results / "runs" / "learning_rates" / "lr1000" / "seed0" /
                          "summary.json").read_text())
    assert summary["diverged_at_step"] is not None and summary["test_acc"] is None
    curves = pd.read_csv(results / "runs" / "learning_rates" / "lr1000" / "seed0" / "curves.csv")
    assert len(curves) == 0 or curves.step.max() < summary["diverged_at_step"]
    html = (results / "report" / "report.html").read_text()
    assert "lr 1000: diverged" in html
    assert (results / "report" / "report.pdf").stat().st_size > 50_000


BAD_CONFIGS = {
    "misspelt key": ("architectures:\n  epoch: 3\n", "architectures.epoch"),
    "misspelt top-level key": ("architecture:\n  epochs: 3\n", "architecture"),
    "wrong type": ("architectures:\n  epochs: fifteen\n", "architectures.epochs"),
    "unknown model": ("architectures:\n  models: [mlp_1, cnn_9]\n", "architectures.models[1]"),
    "impossible architecture": (
        "models:\n  cnn_3: [conv 7x7x8, conv 7x7x8, conv 7x7x8, conv 7x7x8, conv 7x7x8]\n",
        "models.cnn_3"),
    "bad layer": ("models:\n  mlp_1: [fc32, relu]\n", "models.mlp_1.0"),
    "unknown preset": ("preset: fast\n", "preset"),
    "learning-rate study on mlp_1": ("learning_rates:\n  model: mlp_1\n", "learning_rates.model"),
}


@pytest.mark.parametrize("case", sorted(BAD_CONFIGS))
def test_bad_config_stops_before_any_job_naming_the_key(quick, tmp_path, case):
    text, key = BAD_CONFIGS[case]
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    before = {p: p.stat().st_mtime for p in (quick / "results").rglob("*") if p.is_file()}
    result = snakemake(quick, "--cores", "1", "--configfile", str(bad), check=False)
    assert result.returncode != 0
    message = result.stdout + result.stderr
    assert f"'{key}'" in message, message
    assert "invalid configuration" in message or "config key" in message
    after = {p: p.stat().st_mtime for p in (quick / "results").rglob("*") if p.is_file()}
    assert after == before  # nothing already computed is touched


def test_the_finish_line_names_the_report_and_the_headline_numbers(quick, quick_console):
    out = quick_console
    assert "\x1b[" not in out  # output to a pipe: plain text, no ANSI escapes
    assert "Workflow start" not in out  # no live display (its header) either
    report = (quick / "results" / "quick" / "report").resolve()
    finish = out[out.index("Finished in "):]
    assert f"report: {report / 'report.html'}\n" in finish
    assert f"report: {report / 'report.pdf'}\n" in finish
    runs = pd.read_csv(quick / "results" / "quick" / "tables" / "runs.csv")
    assert f"runs: {len(runs)} in tables/runs.csv" in finish
    summary = pd.read_csv(quick / "results" / "quick" / "tables" / "architectures_summary.csv")
    best = summary.iloc[0]
    assert (f"architectures: best mean test accuracy {best.model} "
            f"{100 * best.test_acc_mean:.2f} %") in finish
    assert "2 runs per model: the ranking is not resolved" in finish
    # every training job names its log, and the logs show per-step progress
    logs = re.findall(TRAIN_JOB.pattern + r"(\S+)", out)
    assert len(logs) == 26
    assert (quick / logs[0][3]).read_text().strip()


def test_a_failed_job_is_named_with_its_log_and_how_to_resume(quick, tmp_path):
    workdir = tmp_path / "failing"
    shutil.copytree(quick, workdir, symlinks=True)
    script = workdir / "workflow" / "scripts" / "runs_table.py"
    script.write_text(script.read_text().replace(
        "runs = pd.concat", 'raise RuntimeError("made to fail")\nruns = pd.concat'))
    result = snakemake(workdir, "--cores", "1", *QUICK, "-R", "runs_table",
                       "--until", "runs_table", check=False)
    out = result.stdout + result.stderr
    assert result.returncode != 0
    failed = out[out.index("Failed: 1 job(s)"):]
    assert "rule runs_table (output results/quick/tables/runs.csv)" in failed
    assert "| RuntimeError: made to fail" in failed
    assert "resume: fix the cause and run the same command again" in failed


@pytest.mark.skipif(not VENV_PYTHON.exists(), reason="run.sh needs the repository's .venv")
def test_run_sh_shows_the_live_display_on_a_terminal(tmp_path):
    workdir = copy_repo(tmp_path)
    master, terminal = os.openpty()
    process = subprocess.Popen(["./run.sh", "-n", *QUICK], cwd=workdir, stdout=terminal,
                               stderr=terminal, stdin=subprocess.DEVNULL,
                               env={**os.environ, "CORES": "2"})
    os.close(terminal)
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the terminal closes when the command ends
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    assert process.wait() == 0, out.decode(errors="replace")
    assert b"Workflow start" in out  # the rich logger's header (never in the piped output)


def test_snakemake_lint_is_clean():
    result = snakemake(REPO, "--lint", check=False)
    assert result.returncode == 0 and "Congratulations" in result.stdout + result.stderr, (
        result.stdout + result.stderr)
