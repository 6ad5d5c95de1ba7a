"""Tests on copies of the test-preset run (tests/workflow_run.py) or on a fresh copy of the
repository: damaged inputs and failing jobs, a study added by its four files, the terminal
display, the lint and format checks. Apart from the shared run's folder, so that these run on
another worker while test_workflow.py's tests edit that folder."""
import gzip
import os
import shutil
import subprocess
import sys

import pytest
from claim_check import check_report
from test_data import flip_byte  # the same one-byte damage as the data tests
from workflow_run import QUICK, REPO, VENV_PYTHON, copy_repo, pristine_copy, snakemake, snapshot


def test_a_failed_job_is_named_with_its_log_and_how_to_resume(tmp_path_factory, tmp_path):
    workdir = pristine_copy(tmp_path_factory, tmp_path / "failing")
    script = workdir / "workflow" / "scripts" / "runs_table.py"
    script.write_text(script.read_text().replace(
        "runs = pd.concat", 'raise RuntimeError("made to fail")\nruns = pd.concat'))
    result = snakemake(workdir, "--cores", "1", *QUICK, "-R", "runs_table",
                       "--until", "runs_table", check=False)
    out = result.stdout + result.stderr
    assert result.returncode != 0
    failed = out[out.index("Failed: 1 job(s)"):]
    assert "rule runs_table (output results/test/tables/runs.csv)" in failed
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


def test_snakefmt_check_is_clean():
    """The Snakemake workflow catalog's formatting check, on the Snakefile and every rule file."""
    result = subprocess.run(
        [str(REPO / ".venv" / "bin" / "snakefmt"), "--check", "Snakefile", "workflow/rules"],
        cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def own_copy(tmp_path_factory, tmp_path):
    """A copy of the finished run with its own data folder (the raw files may be damaged)."""
    workdir = pristine_copy(tmp_path_factory, tmp_path / "copy")
    (workdir / "data").unlink()
    shutil.copytree(REPO / "data" / "FashionMNIST", workdir / "data" / "FashionMNIST")
    return workdir


def test_bad_inputs_stop_the_run_before_any_job_and_results_survive(tmp_path_factory, tmp_path):
    workdir = own_copy(tmp_path_factory, tmp_path)
    results = workdir / "results" / "test"
    npz = results / "data" / "fashion_mnist.npz"
    good = npz.read_bytes()
    raw = workdir / "data" / "FashionMNIST" / "raw" / "train-images-idx3-ubyte"
    cases = {"truncated prepared file": (lambda: npz.write_bytes(good[:len(good) // 2]),
                                         f"{npz.relative_to(workdir)} is corrupt"),
             "flipped byte in the prepared file": (lambda: flip_byte(npz, len(good) // 2),
                                                   f"{npz.relative_to(workdir)} is corrupt"),
             "flipped pixel in a raw file": (lambda: flip_byte(raw, 100_000),
                                             f"{raw.relative_to(workdir)} is not Fashion-MNIST"),
             "truncated raw file": (lambda: os.truncate(raw, 1_000_000), "(truncated)")}
    raw_good = raw.read_bytes()
    for case, (damage, message) in cases.items():
        damage()
        before = snapshot(results)
        result = snakemake(workdir, "--cores", "2", *QUICK, check=False)
        output = result.stdout + result.stderr
        assert result.returncode != 0, case
        assert message in output and "delete it and rerun" in output, (case, output)
        assert snapshot(results) == before, case  # no job ran, nothing was deleted
        npz.write_bytes(good)
        raw.write_bytes(raw_good)


def test_a_damaged_curve_stops_the_analysis_naming_the_file(tmp_path_factory, tmp_path):
    workdir = pristine_copy(tmp_path_factory, tmp_path / "damaged")
    curves = workdir / "results" / "test" / "runs" / "architectures" / "mlp_1" / "seed0" / (
        "curves.csv")
    lines = curves.read_text().splitlines()
    curves.write_text("\n".join(lines[:-2]) + "\n")  # the last two records lost
    result = snakemake(workdir, "--cores", "2", *QUICK, check=False)
    assert result.returncode != 0
    out = result.stdout + result.stderr
    assert f"{curves.relative_to(workdir)}: has {len(lines) - 3} records where its " \
           f"summary.json says {len(lines) - 1}" in out
    assert "--forcerun results/test/runs/architectures/mlp_1/seed0/summary.json" in out
    assert not (workdir / "results" / "test" / "tables" / "architectures_facts.json").exists()


def test_a_dataset_never_gets_another_datasets_files(tmp_path):
    (tmp_path / "fresh").mkdir()
    workdir = copy_repo(tmp_path / "fresh")  # a fresh clone, with a data folder of its own
    (workdir / "data").unlink()
    (workdir / "data").mkdir()
    foreign = tmp_path / "foreign"  # what a wrong folder holds: not MNIST's published files
    foreign.mkdir()
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                 "t10k-labels-idx1-ubyte"):
        with gzip.open(foreign / f"{name}.gz", "wb") as f:
            f.write((REPO / "data" / "FashionMNIST" / "raw" / name).read_bytes()[:5000])
    result = snakemake(workdir, "--cores", "1", "--config", "preset=test",
                       f"data={{dataset: mnist, offline_dir: {foreign}}}", check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "does not decompress to MNIST's published" in output
    assert not [p for p in (workdir / "data").rglob("*") if "MNIST" in p.parts and p.is_file()]
    # no offline copy: torchvision downloads it (and the digests check it) or it stops
    target = "data/MNIST/raw/t10k-labels-idx1-ubyte"
    result = snakemake(workdir, target, "--cores", "1", "--config", "preset=test",
                       "data={dataset: mnist}", check=False)
    output = result.stdout + result.stderr
    if result.returncode != 0:
        assert "cannot get the MNIST raw files" in output and "To get them" in output
        assert not [p for p in (workdir / "data" / "MNIST").rglob("*") if p.is_file()]
    else:  # downloaded: the digests checked it is MNIST
        assert "(the published content)" in (workdir / "results" / "test" / "logs" /
                                             "fetch_raw_mnist.log").read_text()
    assert not (workdir / "data" / "FashionMNIST").exists()
    assert not (workdir / "results" / "test" / "data").exists()  # nothing downstream ran


TINY_STUDY = '''"""A study added by its four files alone: this module, its config section, its
schema fragment and its test."""
from .. import aggregate, claims
from ..config import make_run
from ..report import Section, Shown
from .common import write_facts

NAME = "tiny"
TITLE = "Study 9: a tiny study"
ORDER = 90
CAPTION = "A tiny study."
PROTOCOL = {}
TABLES = ["runs"]
SHOWN = {"runs": Shown(columns=(("learning rate", "lr"), ("test accuracy", "test_acc")))}


def runs(cfg):
    p = cfg[NAME]
    return {(f"lr{lr:g}", s): make_run(cfg, NAME, f"lr{lr:g}", p["model"], s, p, lr=lr)
            for lr in p["lrs"] for s in p["seeds"]}


def check(cfg):
    pass


def departures(cfg):
    return []


def inputs(cfg, files):
    return {"summary": files(NAME, "summary.json"), "curves": files(NAME, "curves.csv")}


def params(cfg):
    return {"protocol": cfg[NAME]}


def figures_of(params):
    return []


def analyse(inp, out, params, info):
    runs_, _ = aggregate.load_runs(inp.summary, inp.curves, len(info["class_names"]),
                                   info["sizes"]["test"])
    runs_.to_csv(out.table("runs"), index=False)
    arms = {f"lr {lr:g}": list(g.test_acc) for lr, g in runs_.groupby("lr")}
    write_facts(out.facts, {"claims": {"rate": claims.ranking(
        arms, "Test accuracy", source="tables/tiny_runs.csv")}})


def section(facts, figs, params, info):
    sec = Section(NAME, TITLE, "One learning rate, one seed.")
    sec.add_table("Per run", "runs")
    sec.ask("Which learning rate is better?", sec.cite(facts["claims"], "rate") + ".")
    sec.summary = "Tiny: " + sec.cite(facts["claims"], "rate") + "."
    return sec
'''
TINY_SCHEMA = """type: object
additionalProperties: false
required: [model, lrs, optimizer, batch_size, epochs, record_every, seeds]
properties:
  model: {type: string}
  lrs: {type: array, items: {type: number, exclusiveMinimum: 0}, minItems: 1}
  optimizer: {const: sgd}
  batch_size: {type: integer, minimum: 1}
  epochs: {type: integer, minimum: 1}
  record_every: {type: integer, minimum: 1}
  seeds: {$ref: "#/$defs/seeds"}
"""
TINY_CONFIG = """
tiny:
  model: mlp_1
  lrs: [0.1]
  optimizer: sgd
  batch_size: 100
  epochs: 1
  record_every: 10
  seeds: [0]
"""
TINY_TEST = '''from nnstudies.studies import BY_NAME


def test_the_tiny_study_is_registered_after_the_others():
    assert list(BY_NAME)[-1] == "tiny"
'''


def test_a_study_is_added_by_its_four_files_alone(tmp_path_factory, tmp_path):
    workdir = pristine_copy(tmp_path_factory, tmp_path / "copy")
    before = {p: p.read_bytes() for p in workdir.rglob("*") if p.is_file() and not any(
        part in ("results", ".snakemake", "__pycache__") for part in p.relative_to(
            workdir).parts)}
    package = workdir / "workflow" / "scripts" / "nnstudies"
    (package / "studies" / "tiny.py").write_text(TINY_STUDY)
    (workdir / "workflow" / "schemas" / "studies" / "tiny.yaml").write_text(TINY_SCHEMA)
    with open(workdir / "config.yaml", "a") as f:
        f.write(TINY_CONFIG)
    (workdir / "tests").mkdir()
    (workdir / "tests" / "test_study_tiny.py").write_text(TINY_TEST)
    after = {p for p in workdir.rglob("*") if p.is_file() and not any(
        part in ("results", ".snakemake", "__pycache__") for part in p.relative_to(
            workdir).parts)}
    changed = {p.relative_to(workdir).as_posix() for p in after
               if p not in before or before[p] != p.read_bytes()}
    assert changed == {"workflow/scripts/nnstudies/studies/tiny.py", "config.yaml",
                       "workflow/schemas/studies/tiny.yaml", "tests/test_study_tiny.py"}
    test = subprocess.run([sys.executable, "-m", "pytest", "-q", "tests/test_study_tiny.py"],
                          cwd=workdir, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(package.parent)})
    assert test.returncode == 0, test.stdout + test.stderr
    # up to the HTML report: its PDF is the same page laid out (tested on the fixture's run)
    out = snakemake(workdir, "results/test/report/report.html", "--cores", "2", *QUICK).stderr
    assert "train tiny lr0.1 seed 0" in out
    assert "train architectures" not in out  # the other studies' runs are kept
    results = workdir / "results" / "test"
    html = (results / "report" / "report.html").read_text()
    assert '<section id="tiny">' in html and 'id="tiny-q1"' in html
    assert "<th>learning rate</th>" in html  # its table, as its declaration shows it
    assert 'href="#tiny"' in html
    found = [c for c in check_report(html, results / "tables") if c["key"] == "tiny/rate"]
    assert len(found) == 2  # the question and the summary place the same claim
    # a misspelt key of the new section is refused by its own fragment, naming the key
    with open(workdir / "config.yaml", "a") as f:
        f.write("  epoch: 3\n")
    bad = snakemake(workdir, "-n", check=False)
    assert bad.returncode != 0 and "tiny.epoch" in bad.stdout + bad.stderr
