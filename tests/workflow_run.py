"""The test suite's real workflow run (the test preset), made once per test session and shared
by the test files that read it, also when ./test.sh runs them on several pytest-xdist workers:
the first worker to ask makes it under a file lock in the session's base folder, the others
wait for it and use the same folder. A copy of it, made before any test can edit the run's
folder, is what tests that damage or extend a run start from (`pristine_copy`)."""
import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = [sys.executable, "-m", "snakemake"]
QUICK = ["--config", "preset=test"]
VENV_PYTHON = REPO / ".venv" / "bin" / "python"


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


def run_sh(workdir, *args):
    """The README's command, output to a pipe (not a terminal)."""
    return subprocess.run(["./run.sh", *args], cwd=workdir, capture_output=True, text=True,
                          env={**os.environ, "CORES": "2"}, stdin=subprocess.DEVNULL)


def session_base(tmp_path_factory):
    """The folder all workers of this session share (each xdist worker's base is below it)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def finished_run(tmp_path_factory):
    """(working directory, console output) of the finished test-preset run, made by
    `./run.sh --config preset=test` where the repository has its `.venv` (as ./test.sh makes
    it), else by this interpreter's snakemake."""
    base = session_base(tmp_path_factory)
    workdir, console = base / "workflow", base / "workflow-console.txt"
    failed = base / "workflow-failed.txt"
    with open(base / "workflow.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # held while the run is made; others wait here
        if failed.exists():
            raise AssertionError(failed.read_text())
        if not console.exists():
            workdir.mkdir()
            copy_repo(workdir)
            result = (run_sh(workdir, *QUICK) if (workdir / ".venv").exists()
                      else snakemake(workdir, "--cores", "2", *QUICK, check=False))
            if result.returncode != 0:
                failed.write_text(f"the test-preset run failed:\n{result.stdout}\n"
                                  f"{result.stderr}")
                raise AssertionError(failed.read_text())
            shutil.copytree(workdir, base / "pristine", symlinks=True)
            console.write_text(result.stdout + result.stderr)
    return workdir, console.read_text()


def pristine_copy(tmp_path_factory, dest):
    """A copy of the finished run as it was made, whatever other tests do to its folder."""
    finished_run(tmp_path_factory)
    shutil.copytree(session_base(tmp_path_factory) / "pristine", dest, symlinks=True)
    return dest


def snapshot(folder):
    """Every file under `folder`: its modification time and bytes."""
    return {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in folder.rglob("*") if p.is_file()}
