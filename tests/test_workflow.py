"""The real workflow on the test preset (every study, fewer and shorter jobs than the quick preset
users try first, a diverging learning rate among them): report numbers, curves, reruns, config
errors, console.

The workflow runs once per session in a copy of the repository (so edits for the dry-run tests
never touch the working tree), through the README's command `./run.sh --config preset=test`
with its output to a pipe; the raw data folder and the virtual environment are shared with the
repository's (the copy's `.venv` is a link to it). It is shared with test_workflow_copies.py,
whose tests work on copies of it (tests/workflow_run.py). The tests here edit files in the
run's folder (and put them back) before dry runs: they run one at a time, on one worker.
"""
import json
import re

import pandas as pd
import pytest
import yaml
from claim_check import check_report, claims_in
from nnstudies.config import resolve
from nnstudies.studies import BY_NAME, STUDIES
from workflow_run import QUICK, finished_run, snakemake, snapshot

TRAIN_JOB = re.compile(r"train (\w+) ([\w.-]+) seed (\d+): per-step progress in ")  # its message


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    """The finished test-preset run: its working directory."""
    return finished_run(tmp_path_factory)[0]


@pytest.fixture
def quick_console(tmp_path_factory):
    """What the run printed (stdout + stderr)."""
    return finished_run(tmp_path_factory)[1]


def planned_train_jobs(workdir, *args):
    out = snakemake(workdir, "-n", "--cores", "2", *QUICK, *args).stdout
    return sorted(TRAIN_JOB.findall(out)), out


def test_report_names_every_model_with_the_accuracy_in_runs_csv(quick):
    results = quick / "results" / "test"
    all_runs = pd.read_csv(results / "tables" / "runs.csv")
    assert set(all_runs.study) == {"architectures", "activations", "learning_rates", "hw5",
                                   "ece421", "assignment4"}
    runs = all_runs[all_runs.study == "architectures"]
    html = (results / "report" / "report.html").read_text()
    assert set(runs.model) == {"mlp_1", "mlp_2", "cnn_4"}
    assert not re.search(r"\d %", html)  # a number's "%" is glued to it (no line break)
    html = html.replace("\u00a0", " ")
    assert len(runs) == 3 * 2  # two seeds in the test preset
    for model, mean in runs.groupby("model")["test_acc"].mean().items():
        # the ranking answer names each model with its mean test accuracy
        assert f"{model} {100 * mean:.2f} %" in html, model
    summary = pd.read_csv(results / "tables" / "architectures_summary.csv")
    best = summary.iloc[0]
    assert best.test_acc_mean == runs.groupby("model")["test_acc"].mean().max()
    # the summary line carries the ranking's budget (epochs) and names the best model
    assert re.search('Architectures: <span class="claim" data-claim="architectures/test_'
                     'accuracy" data-form="short"><span class="claim-text">mean test accuracy '
                     rf"after \d+ epochs?: highest mean {re.escape(best.model)} ", html)
    assert "data:image/png;base64," in html  # figures embedded: the file opens alone
    for section in ("Study 1: basic concepts, computed", "Study 2: a convolution layer in NumPy",
                    "Study 3: architectures", "Study 4: activation functions and gradients",
                    "Study 5: learning rate", "Study 6a: a small CNN",
                    "Study 6b: ECE421 A2, a NumPy MLP and a BatchNorm CNN under L2",
                    "Study 6c: Assignment 4 (seed 004)"):
        assert f"<h2>{section}" in html
    counts = {"concepts": 4, "convolution": 6, "architectures": 10, "activations": 3,
              "learning_rates": 4, "hw5": 7, "ece421": 3, "assignment4": 5}
    for study, n in counts.items():  # every question addressable by id, linked from contents
        assert f'href="#{study}"' in html
        for q in range(1, n + 1):
            assert f'id="{study}-q{q}"' in html
        assert f'id="{study}-q{n + 1}"' not in html
    pdf = (results / "report" / "report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) > 50_000


def test_the_report_carries_its_stylesheet_verbatim(quick, repo_root):
    """A <style> element decodes no entities: an escaped quote (&#34;) dropped the body's font
    in the browser and in the PDF."""
    html = (quick / "results" / "test" / "report" / "report.html").read_text()
    style = re.search(r"<style>(.*?)</style>", html, re.S).group(1)
    assert style == (repo_root / "report" / "style.css").read_text()


def test_curves_have_one_record_per_ten_steps(quick):
    for summary_path in (quick / "results" / "test" / "runs").glob("*/*/seed*/summary.json"):
        summary = json.loads(summary_path.read_text())
        curves = pd.read_csv(summary_path.with_name("curves.csv"))
        run = summary["run"]
        if summary["diverged_at_step"] is not None:  # lr 1000 stops early (its own test)
            continue
        if run.get("trainer") in ("linear", "two_layer"):  # step 0, then every k, and the last
            curves_steps = list(curves.step)
            assert curves_steps[0] == 0 and curves_steps[-1] == summary["steps"]
            assert summary["steps"] == summary["steps_per_epoch"] * run["epochs"]
            continue
        every = run["record_every"]
        every = summary["steps_per_epoch"] if every == "epoch" else every  # hw5: once per epoch
        epochs = run["schedule"]["epochs"] if run["schedule"] else run["epochs"]
        assert summary["steps"] == summary["steps_per_epoch"] * epochs
        assert list(curves.step) == list(range(every, summary["steps"] + 1, every))
        if run["validate"]:  # the gradient study records no validation
            assert curves.val_acc.between(0, 1).all()
        assert summary["versions"]["torch"] and summary["train_seconds"] > 0


def test_figures_exist_in_png_and_svg(quick):
    figures = quick / "results" / "test" / "figures"
    cfg = resolve({**yaml.safe_load((quick / "config.yaml").read_text()), "preset": "test"})
    stems = [f"{s}_{f}" for s in STUDIES for f in BY_NAME[s].figures_of(BY_NAME[s].params(cfg))]
    assert {"architectures_weights_cnn_4", "activations_unit", "learning_rates_curves",
            "assignment4_gd_sgd_time", "hw5_depth", "ece421_cnn"} <= set(stems)
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
    edited("config.yaml", "mlp_1: [fc 32, relu]", "mlp_1: [fc 48, relu]")
    jobs, out = planned_train_jobs(quick)
    # mlp_1's runs in every study that uses it (its ReLU and sigmoid variants included), no other
    assert {("architectures", "mlp_1", "0"), ("architectures", "mlp_1", "1")} <= set(jobs)
    assert all(run.split("-")[0] == "mlp_1" for _, run, _ in jobs), jobs
    assert len(jobs) == 2 + 2  # 2 seeds in the architecture study, ReLU and sigmoid variants
    assert "rule prepare_data" not in out
    for downstream in ("analyse_architectures", "analyse_convolution", "analyse_concepts",
                       "report"):
        assert f"rule {downstream}:" in out


def trained_runs(quick, trainers=None):
    """(study, run, seed) of every finished run, or of those trained by `trainers`."""
    out = []
    for path in (quick / "results" / "test" / "runs").glob("*/*/seed*/summary.json"):
        run = json.loads(path.read_text())["run"]
        if trainers is None or run.get("trainer", "torch") in trainers:
            out.append((run["study"], run["name"], str(run["seed"])))
    return sorted(out)


def test_each_run_writes_the_files_its_trainer_declares(quick):
    """Per-run files come from trainers.py: a NumPy run's model is an .npz archive (its job
    never imports torch), only the run a scheduled run continues from keeps epoch states."""
    from nnstudies.trainers import run_files
    runs = quick / "results" / "test" / "runs"
    for path in runs.glob("*/*/seed*/summary.json"):
        run = json.loads(path.read_text())["run"]
        assert sorted(p.name for p in path.parent.iterdir()) == sorted(run_files(run)), path
    assert (runs / "ece421" / "mlp_h100" / "seed0" / "model.npz").exists()
    assert (runs / "learning_rates" / "lr0.1" / "seed0" / "epoch_states.pt").exists()
    assert not (runs / "learning_rates" / "lr0.01" / "seed0" / "epoch_states.pt").exists()


def test_editing_the_epoch_count_reruns_every_training_job(quick, edited):
    edited("config.yaml", "      models: [mlp_1, mlp_2, cnn_4]\n      epochs: 1",
           "      models: [mlp_1, mlp_2, cnn_4]\n      epochs: 2")
    jobs, out = planned_train_jobs(quick)
    # the architecture study's runs only
    assert sorted(jobs) == [r for r in trained_runs(quick) if r[0] == "architectures"]
    assert "rule prepare_data" not in out


def test_editing_the_training_code_reruns_training(quick, edited):
    edited("workflow/scripts/nnstudies/train.py", '"""One training function',
           '# edited\n"""One training function')
    jobs, _ = planned_train_jobs(quick)
    # every run the torch trainer trains: not ece421's NumPy MLP runs nor assignment4's NumPy
    # runs (they depend on numpy_mlp.py and linear_models.py, not train.py)
    assert sorted(jobs) == trained_runs(quick, {"torch"})
    assert not any(run.startswith("mlp_h") for _, run, _ in jobs)


def test_editing_the_numpy_trainer_reruns_only_its_runs(quick, edited):
    edited("workflow/scripts/nnstudies/numpy_mlp.py", '"""Study 6b',
           '# edited\n"""Study 6b')
    jobs, _ = planned_train_jobs(quick)
    assert sorted(jobs) == [("ece421", f"mlp_h{h}", "0") for h in (100, 500)]
    assert sorted(jobs) == trained_runs(quick, {"numpy_mlp"})


def test_editing_the_linear_trainer_reruns_only_its_runs(quick, edited):
    edited("workflow/scripts/nnstudies/linear_models.py", '"""Seed 004',
           '# edited\n"""Seed 004')
    jobs, _ = planned_train_jobs(quick)
    assert sorted(jobs) == trained_runs(quick, {"linear", "two_layer"})
    assert {study for study, _, _ in jobs} == {"assignment4"} and len(jobs) == 4
    assert "cnn" not in {run for _, run, _ in jobs}


def test_a_device_this_machine_lacks_stops_the_run_and_every_finished_run_survives(quick):
    # how a run executes is not what it computes: changing the device trains and analyses
    # nothing again (the report lists the resolved configuration, so it is rebuilt)
    for device in ("auto", "cuda"):
        jobs, out = planned_train_jobs(quick, f"train={{device: {device}}}")
        assert jobs == [] and "rule analyse_" not in out and "rule runs_table" not in out
    import torch
    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA device")
    before = snapshot(quick / "results")
    forced = snakemake(quick, "--cores", "2", *QUICK, "train={device: cuda}", "--forcerun",
                       "train", check=False)
    assert forced.returncode != 0
    message = forced.stdout + forced.stderr
    assert "config key 'train.device': 'cuda', but torch sees no CUDA device" in message
    assert not TRAIN_JOB.findall(message)  # no job started
    assert snapshot(quick / "results") == before  # every finished output is still there


def test_editing_the_report_template_reruns_only_the_report(quick, edited):
    edited("report/style.css", "@page", "/* edited */ @page")
    jobs, out = planned_train_jobs(quick)
    assert jobs == [] and "rule report:" in out and "rule analyse_architectures:" not in out


def test_adding_a_learning_rate_runs_only_that_run(quick, edited):
    edited("config.yaml", "lrs: [0.1, 0.01, 1000]", "lrs: [0.1, 0.01, 1000, 0.05]")
    jobs, out = planned_train_jobs(quick)
    assert jobs == [("learning_rates", "lr0.05", "0")]
    assert "rule analyse_learning_rates:" in out and "rule report:" in out
    assert "rule analyse_architectures:" not in out and "rule analyse_activations:" not in out


def test_fundamentals_sections_report_their_numbers(quick):
    tables = quick / "results" / "test" / "tables"
    html = (quick / "results" / "test" / "report" / "report.html").read_text()
    parameters = pd.read_csv(tables / "concepts_parameters.csv")
    assert (parameters.formula_count == parameters.framework_count).all()
    assert f"for {len(parameters)} of {len(parameters)}" in html
    ece = pd.read_csv(tables / "concepts_ece.csv")
    assert len(ece) == 3 * 2 and ece.ece.between(0, 1).all()  # every architecture run
    for model, mean in ece.groupby("model").ece.mean().items():
        assert f"{model} {mean:.3f}" in html
    iterations = pd.read_csv(tables / "concepts_iterations.csv")
    assert (iterations["ceil(N/B)"] == iterations["batches per epoch (run)"]).all()
    found = json.loads((tables / "convolution_facts.json").read_text())["claims"]
    assert 'data-claim="convolution/columns_vs_rows"' in html
    assert found["columns_vs_rows"]["evidence"]["verdict"] in ("agrees", "disagrees",
                                                                "cannot tell", "not tested")
    exercises = pd.read_csv(tables / "convolution_exercises.csv")
    assert "[68, 23, 30, -24]" in exercises.result[0] and "16x16 → 7x7" in exercises.result[1]
    assert "32x32 → 16x16 → 8x8" in exercises.result[2] and "5 in layer 1" in exercises.result[3]
    agreement = pd.read_csv(tables / "convolution_torch_agreement.csv")
    assert agreement.max_abs_diff.max() < 1e-10


def test_every_claim_in_the_report_carries_the_evidence_of_its_facts_file(quick):
    results = quick / "results" / "test"
    html = (results / "report" / "report.html").read_text()
    found = check_report(html, results / "tables")
    studies = {c["key"].split("/")[0] for c in found}
    assert {"architectures", "activations", "learning_rates", "concepts", "hw5", "ece421",
            "assignment4"} <= studies
    # the summary's lines place the sections' own claims (same keys, same sentences), and the
    # PDF's numbered notes hold one note per claim placed in a section
    summary, sections = html.split('<h2 id="summary">')[1].split("</ul>", 1)
    in_sections = {c["key"] for c in claims_in(sections)}
    assert {c["key"] for c in claims_in(summary)} <= in_sections
    assert html.count('<li id="note-') == len(in_sections)


def test_every_appendix_link_lands_on_an_element(quick):
    """The appendix "What each assignment asked": a table per seed, every link resolves."""
    from appendix_check import check_appendix_links
    check_appendix_links((quick / "results" / "test" / "report" / "report.html").read_text())


def test_every_run_has_a_measured_fate_and_the_notice_lists_the_departures(quick):
    results = quick / "results" / "test"
    runs = pd.read_csv(results / "tables" / "runs.csv")
    assert runs.status.isin(["ok", "diverged", "blew up", "stuck"]).all()
    for study in ("architectures", "activations", "learning_rates", "hw5"):
        table = pd.read_csv(results / "tables" / f"{study}_runs.csv")
        assert "status" in table and len(table) == (runs.study == study).sum()
    html = (results / "report" / "report.html").read_text().replace("\u00a0", " ")
    notice = html[html.index('id="preset-notice"'):html.index('id="contents"')]
    for departure in ("architectures: epochs 1 (assignment: 15)",
                      "architectures: 2 seeds (assignment: 10)",
                      "3,000 of the 60,000 training images (5 %",
                      "activations: models mlp_1, cnn_3 (mlp_2, cnn_4, cnn_5 left out)",
                      "learning_rates: epochs 3 (assignment: 20)",
                      "learning_rates: learning rates 0.1, 0.01, 1000 (0.001 left out; 1000 added)",
                      "hw5: epochs 2 (assignment: 10)", "small-sample",
                      "hw5: Fashion-MNIST (the seed trained on MNIST)"):
        assert departure in notice, departure


def test_the_test_schedule_switches_by_its_rule(quick):
    summary = json.loads((quick / "results" / "test" / "runs" / "learning_rates" / "schedule" /
                          "seed0" / "summary.json").read_text())
    assert len(summary["switch_epochs"]) >= 1
    curves = pd.read_csv(quick / "results" / "test" / "runs" / "learning_rates" / "schedule" /
                         "seed0" / "curves.csv")
    assert curves.lr.nunique() == len(summary["switch_epochs"]) + 1


def test_gradient_study_records_the_gradient_norm(quick):
    variants = pd.read_csv(quick / "results" / "test" / "tables" / "activations_variants.csv")
    assert set(variants.activation) == {"relu", "sigmoid"}
    assert set(variants.scaling) == {"unit"}  # the test preset's; [0, 255] is the quick one's
    curves = pd.read_csv(quick / "results" / "test" / "runs" / "activations" /
                         "cnn_3-sigmoid-unit" / "seed0" / "curves.csv")
    assert (curves.grad_norm > 0).all() and "val_acc" not in curves


def test_a_diverging_learning_rate_leaves_a_complete_report(quick):
    results = quick / "results" / "test"  # the test preset trains lr 1000
    summary = json.loads((results / "runs" / "learning_rates" / "lr1000" / "seed0" /
                          "summary.json").read_text())
    assert summary["diverged_at_step"] is not None and summary["test_acc"] is None
    curves = pd.read_csv(results / "runs" / "learning_rates" / "lr1000" / "seed0" / "curves.csv")
    assert len(curves) == 0 or curves.step.max() < summary["diverged_at_step"]
    html = (results / "report" / "report.html").read_text()
    assert "lr 1000: diverged" in html
    runs = pd.read_csv(results / "tables" / "runs.csv")
    assert runs.set_index(["study", "name"]).loc[("learning_rates", "lr1000"), "status"] == (
        "diverged")
    assert (results / "report" / "report.pdf").stat().st_size > 50_000


# Each case is a path through the checks that must stop Snakemake before any job (the schema, a
# preset, the zoo's layer grammar, a study's own check, numbers as text). Misspelt keys, wrong
# types, unknown models, impossible architectures and data sizes are refused by the same code,
# tested without a workflow call in test_config.py.
BAD_CONFIGS = {
    "misspelt top-level key": ("architecture:\n  epochs: 3\n", "architecture"),
    "bad layer": ("models:\n  mlp_1: [fc32, relu]\n", "models.mlp_1.0"),
    "unknown preset": ("preset: fast\n", "preset"),
    "learning-rate study on mlp_1": ("learning_rates:\n  model: mlp_1\n", "learning_rates.model"),
    "text that is no number": ("architectures:\n  lr: fast\n", "architectures.lr"),
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
    report = (quick / "results" / "test" / "report").resolve()
    finish = out[out.index("Finished in "):]
    assert f"report: {report / 'report.html'}\n" in finish
    assert f"report: {report / 'report.pdf'}\n" in finish
    runs = pd.read_csv(quick / "results" / "test" / "tables" / "runs.csv")
    assert f"runs: {len(runs)} in tables/runs.csv" in finish
    summary = pd.read_csv(quick / "results" / "test" / "tables" / "architectures_summary.csv")
    best = summary.iloc[0]
    assert (f"architectures: best mean test accuracy {best.model} "
            f"{100 * best.test_acc_mean:.2f} %") in finish
    assert "2 runs: small sample" in finish and "against the runner-up" in finish
    # every training job names its log, and the logs show per-step progress
    logs = re.findall(TRAIN_JOB.pattern + r"(\S+)", out)
    assert len(logs) == len(runs)  # every training job
    assert (quick / logs[0][3]).read_text().strip()


def test_logs_and_benchmarks_live_with_their_results(quick):
    results = quick / "results" / "test"
    assert (results / "logs" / "train" / "architectures" / "mlp_1" / "seed0.log").stat().st_size
    assert (results / "benchmarks" / "train" / "architectures" / "mlp_1" / "seed0.tsv").exists()
    assert (results / "logs" / "prepare_data_fashion_mnist.log").exists()
    assert not (quick / "logs").exists() and not (quick / "benchmarks").exists()
    other = snakemake(quick, "-n", "--cores", "1", "--config", "preset=test",
                      "results_dir=results/other").stdout
    assert "results/other/logs/prepare_data_fashion_mnist.log" in other
    assert "results/test/" not in other


def test_methods_sum_the_benchmark_files_per_study(quick):
    """Each study's row counts its training jobs and its analysis job, and its wall seconds
    are the sum of those jobs' benchmark files."""
    results = quick / "results" / "test"
    html = (results / "report" / "report.html").read_text()
    table = re.search(r"<table.*?</table>", html[html.index("benchmark files"):], re.S)[0]
    head = re.findall(r"<th>(.*?)</th>", table)
    assert head == ["study", "jobs", "job wall (s)", "job CPU time (s)", "peak job memory (MB)"]
    rows = [re.findall(r"<td>(.*?)</td>", r) for r in re.findall(r"<tr>(.*?)</tr>", table, re.S)]
    runs = pd.read_csv(results / "tables" / "runs.csv")
    assert [r[0] for r in rows] == STUDIES  # registry order
    for study, jobs, wall, *_ in rows:
        study_runs = runs[runs.study == study]
        assert int(jobs) == len(study_runs) + 1, study
        files = [results / "benchmarks" / f"analyse_{study}.tsv"] + [
            results / "benchmarks" / "train" / study / r.name / f"seed{r.seed}.tsv"
            for r in study_runs.itertuples()]
        measured = sum(pd.read_csv(f, sep="\t").s.sum() for f in files)
        assert abs(float(wall) - measured) <= 0.001 * measured, study


def test_command_line_values_win_over_the_preset(quick, tmp_path):
    """--config and --configfile values beat the preset's, numbers typed as text included."""
    out = snakemake(quick, "-n", "--cores", "1", "--config", "preset=test",
                    "architectures={epochs: 5}").stdout
    jobs = sorted(TRAIN_JOB.findall(out))
    assert len(jobs) == 6 and {study for study, _, _ in jobs} == {"architectures"}
    user = tmp_path / "user.yaml"
    user.write_text("architectures:\n  epochs: 5\n  lr: 1e-3\n")  # 1e-3: text to YAML
    out = snakemake(quick, "-n", "--cores", "1", "--configfile", str(user),
                    "--config", "preset=test").stdout
    assert sorted(TRAIN_JOB.findall(out)) == jobs
    # the other direction: config.yaml's own value (epochs 15) gives way to the preset's 1
    jobs, out = planned_train_jobs(quick)
    assert jobs == [] and "Nothing to be done" in out




def test_no_adam_reference_when_the_lr_model_is_not_an_architecture(quick):
    """The learning-rate study reads the architecture study's runs of its own model only: with
    none (its model not among the architectures), it reads no run, not every run."""
    out = snakemake(quick, "-n", "--cores", "1", "--config", "preset=test",
                    "learning_rates={model: cnn_3}", "--",
                    "results/test/tables/learning_rates_facts.json").stdout
    job = re.search(r"rule analyse_learning_rates:\n\s+input: (.*)", out)
    assert job, out
    assert "runs/architectures/" not in job.group(1)


def test_a_study_on_its_own_data_gets_its_own_prepared_file(quick):
    """A study's data: key gives its runs their own prepared split; the others keep theirs."""
    target = "results/test/runs/architectures/mlp_1/seed0/summary.json"
    out = snakemake(quick, "-n", "--cores", "1", "--config", "preset=test",
                    "architectures={data: {train_subset: 1000}}", "--", target).stdout
    own = re.findall(r"results/test/data/(fashion_mnist-[0-9a-f]{8})\.npz", out)
    assert own, out
    assert "results/test/data/fashion_mnist.npz" not in out  # the shared one is up to date
    other = snakemake(quick, "-n", "--cores", "1", "--config", "preset=test",
                      "architectures={data: {train_subset: 1000}}", "--",
                      "results/test/runs/activations/mlp_1-relu-unit/seed0/summary.json").stdout
    assert "Nothing to be done" in other or "fashion_mnist-" not in other
