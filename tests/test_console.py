"""The console notes: finish line from the tables, failure note from Snakemake's log."""
from types import SimpleNamespace

import pandas as pd
import pytest

from nnstudies import console

SNAKEMAKE_LOG = """\
Building DAG of jobs...
[Mon Nov 23 18:39:32 2026]
localrule runs_table:
    input: results/quick/tables/architectures_runs.csv
    output: results/quick/tables/runs.csv
    log: logs/quick/runs_table.log
    jobid: 2
    reason: Forced execution
RuleException:
CalledProcessError in file "workflow/rules/analysis.smk", line 67:
[Mon Nov 23 18:39:33 2026]
Error in rule runs_table:
    message: None
    jobid: 2
    input: results/quick/tables/architectures_runs.csv
    output: results/quick/tables/runs.csv
    log: logs/quick/runs_table.log (check log file(s) for error details)
Shutting down, this might take some time.
[Mon Nov 23 18:39:34 2026]
Error in rule train:
    jobid: 13
    output: results/quick/runs/a/cnn_5/seed0/curves.csv, results/quick/runs/a/cnn_5/seed0/m.pt
    log: logs/quick/train/a/cnn_5/seed0.log (check log file(s) for error details)
Exiting because a job execution failed. Look above for error messages
"""


def write_summary(path, runs=10, low=0.87, high=0.89):
    pd.DataFrame({"model": ["cnn_3", "cnn_4"], "runs": [runs, runs],
                  "test_acc_mean": [0.8712, 0.8801], "test_acc_ci_low": [0.86, low],
                  "test_acc_ci_high": [0.88, high]}).to_csv(path, index=False)


@pytest.mark.parametrize("seconds, text", [(4.4, "4 s"), (65, "1 min 05 s"),
                                           (3 * 3600 + 7 * 60 + 30, "3 h 07 min")])
def test_duration(seconds, text):
    assert console.duration(seconds) == text


def test_runs_line_counts_every_status_when_the_table_has_one(tmp_path):
    path = tmp_path / "runs.csv"
    pd.DataFrame({"status": ["ok", "ok", "diverged", "blew up", "ok"]}).to_csv(path)
    assert console.runs_line(path) == "runs: 5 in " + tmp_path.name + \
        "/runs.csv: 3 ok, 1 blew up, 1 diverged"
    pd.DataFrame({"status": ["ok", "ok"]}).to_csv(path)
    assert console.runs_line(path).endswith("runs.csv: all ok")


def test_runs_line_without_status_names_only_what_the_table_records(tmp_path):
    path = tmp_path / "runs.csv"
    pd.DataFrame({"test_acc": [0.8, None], "diverged_at_step": [None, 120]}).to_csv(path)
    assert console.runs_line(path).endswith(": 1 diverged (loss not finite)")
    pd.DataFrame({"test_acc": [0.8, 0.7], "diverged_at_step": [None, None]}).to_csv(path)
    line = console.runs_line(path)
    assert line.endswith("runs.csv") and "ok" not in line  # no claim about the runs' fate
    assert console.runs_line(tmp_path / "missing.csv") is None


def test_architecture_line_in_the_reports_words(tmp_path):
    summary, pairwise = tmp_path / "summary.csv", tmp_path / "pairwise.csv"
    write_summary(summary)
    pd.DataFrame({"better": ["cnn_4"], "worse": ["cnn_3"], "diff": [0.009], "n_x": [10],
                  "n_y": [10], "p": [0.21], "min_p": [1e-5], "testable": [True],
                  "separated": [False]}).to_csv(pairwise, index=False)
    line = console.architecture_line(summary, pairwise)
    assert line.startswith("architectures: best mean test accuracy cnn_4 88.01 % "
                           "(95 % CI 87.00–89.00 %, 10 runs)")
    assert "against the runner-up cnn_3: not separated by the data (p = 0.21" in line
    assert "runner-up" not in console.architecture_line(summary)  # no pairwise table: no verdict


def test_architecture_line_with_few_runs_says_the_ranking_is_not_resolved(tmp_path):
    summary, pairwise = tmp_path / "summary.csv", tmp_path / "pairwise.csv"
    write_summary(summary, runs=2)
    pd.DataFrame({"better": ["cnn_4"], "worse": ["cnn_3"], "diff": [0.009], "n_x": [2],
                  "n_y": [2], "p": [None], "min_p": [1 / 3], "testable": [False],
                  "separated": [False]}).to_csv(pairwise, index=False)
    line = console.architecture_line(summary, pairwise)
    assert "2 runs: small sample" in line and "not resolved: with 2 and 2 runs" in line
    assert "p =" not in line
    write_summary(summary, runs=1, low=float("nan"), high=float("nan"))
    line = console.architecture_line(summary)
    assert "1 run: no spread, no comparison possible" in line


def test_architecture_line_without_its_columns_is_dropped(tmp_path):
    summary = tmp_path / "summary.csv"
    pd.DataFrame({"model": ["cnn_4"], "accuracy": [0.9]}).to_csv(summary, index=False)
    assert console.architecture_line(summary) is None
    assert console.architecture_line(tmp_path / "missing.csv") is None


def test_finish_lines_always_give_the_report_paths(tmp_path):
    html, pdf = tmp_path / "report.html", tmp_path / "report.pdf"
    html.write_text("<html>")
    lines = console.finish_lines([html, pdf], 125, tables=tmp_path / "no-tables")
    assert lines[0] == "Finished in 2 min 05 s."
    assert f"  report: {html.resolve()}" in lines
    assert any(str(pdf) in line and "not built" in line for line in lines)
    assert len(lines) == 3  # no tables: no headline, no error


def test_finish_lines_with_tables(tmp_path):
    tables = tmp_path / "tables"
    tables.mkdir()
    write_summary(tables / "architectures_summary.csv")
    pd.DataFrame({"status": ["ok", "stuck"]}).to_csv(tables / "runs.csv", index=False)
    html = tmp_path / "report.html"
    html.write_text("<html>")
    text = "\n".join(console.finish_lines([html], 3, tables=tables))
    assert "runs: 2 in tables/runs.csv: 1 ok, 1 stuck" in text
    assert "  architectures: best mean test accuracy cnn_4" in text
    assert "runner-up" not in text  # no pairwise table here: no verdict line


def test_failed_jobs_are_read_from_the_snakemake_log():
    jobs = console.failed_jobs(SNAKEMAKE_LOG + SNAKEMAKE_LOG)  # reported twice: listed once
    assert [(j["rule"], j["jobid"]) for j in jobs] == [("runs_table", "2"), ("train", "13")]
    assert jobs[0]["log"] == ["logs/quick/runs_table.log"]
    assert jobs[1]["output"].startswith("results/quick/runs/a/cnn_5/seed0/curves.csv, ")


def test_failure_lines_show_the_log_tail_and_how_to_resume(tmp_path):
    main_log = tmp_path / "main.log"
    main_log.write_text(SNAKEMAKE_LOG)
    job_log = tmp_path / "logs" / "quick" / "runs_table.log"
    job_log.parent.mkdir(parents=True)
    job_log.write_text("\n".join(f"line {i}" for i in range(40)) + "\nRuntimeError: boom\n")
    argv = ["/x/.venv/bin/snakemake", "--cores", "2", "--config", "preset=quick"]
    lines = console.failure_lines([str(main_log)], argv, workdir=tmp_path)
    text = "\n".join(lines)
    assert lines[0] == "Failed: 2 job(s)"
    assert "job 2: rule runs_table (output results/quick/tables/runs.csv)" in text
    assert "    | RuntimeError: boom" in text and "| line 26" in text and "| line 25" not in text
    assert "job 13: rule train (output results/quick/runs/a/cnn_5/seed0/curves.csv, ...)" in text
    assert "(no log: the job stopped before writing one)" in text
    assert "run the same command again (snakemake --cores 2 --config preset=quick)" in text
    assert "--rerun-incomplete" not in text
    (tmp_path / ".snakemake" / "incomplete").mkdir(parents=True)
    (tmp_path / ".snakemake" / "incomplete" / "cmVzdWx0cw==").write_text("")
    text = "\n".join(console.failure_lines([str(main_log)], argv, workdir=tmp_path))
    assert "snakemake --cores 2 --config preset=quick --rerun-incomplete" in text


def test_failure_lines_without_a_log():
    assert console.failure_lines([], ["snakemake"])[0] == "Failed: see the error above"


def test_watch_lines_follow_the_rule_log():
    rules = SimpleNamespace(train=SimpleNamespace(rule=SimpleNamespace(
        log=["out/logs/train/{study,a|b}/{run,[A-Za-z][\\w.-]*}/seed{seed,\\d+}.log"])))
    lines = console.watch_lines(rules)
    assert lines[0] == "Watch a train job: tail -f out/logs/train/{study}/{run}/seed{seed}.log"
    assert 'ls -t out/logs/train/*/*/seed*.log' in lines[1]
    assert console.watch_lines(SimpleNamespace()) == []


def test_safely_turns_an_error_into_one_line():
    def broken():
        raise KeyError("column")

    assert console.safely(broken) == ["(console note unavailable: KeyError: 'column')"]
