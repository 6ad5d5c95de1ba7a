"""What the terminal says when the workflow ends: the finish line and the failure note.

Called from the Snakefile's onstart/onsuccess/onerror handlers. Every function returns lines of
plain text (no colour: the caller's logger decides). A table or column that is missing only
drops its line, so a finished workflow always ends with the report's paths; the Snakefile calls
every function through `safely`, so that nothing here can fail a finished workflow.
"""
import re
import shlex
from pathlib import Path

import numpy as np

from . import claims, prose
from .lazy import lazy_import

pd = lazy_import("pandas")

LOG_TAIL = 15  # lines of a failed job's log shown on the console


def duration(seconds):
    """'42 s', '3 min 05 s', '2 h 07 min'."""
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def _read_csv(path):
    try:
        return pd.read_csv(path)
    except Exception:  # noqa: BLE001 - a missing or malformed table only drops its line
        return None


def runs_line(runs_csv):
    """'runs: 26 in tables/runs.csv: 24 ok, 2 diverged', or None without the table.

    Uses the `status` column when present; otherwise counts the runs with a divergence step
    and names no other fate (the table does not record it)."""
    runs = _read_csv(runs_csv)
    if runs is None:
        return None
    line = f"runs: {len(runs)} in {Path(runs_csv).parent.name}/{Path(runs_csv).name}"
    if "status" in runs.columns:
        counts = runs["status"].fillna("unknown").astype(str).value_counts()
        order = ["ok"] + sorted(s for s in counts.index if s != "ok")
        parts = [f"{counts[s]} {s}" for s in order if s in counts.index]
        if counts.get("ok", 0) == len(runs):
            return f"{line}: all ok"
        return f"{line}: " + ", ".join(parts)
    if "diverged_at_step" in runs.columns:
        diverged = int(runs["diverged_at_step"].notna().sum())
        if diverged:
            return f"{line}: {diverged} diverged (loss not finite)"
    return line


def architecture_line(summary_csv, pairwise_csv=None):
    """The best architecture by mean test accuracy with its interval, and whether the data
    separate it from the runner-up, in the report's own words (prose.interval,
    claims.verdict_words),
    or None without the table."""
    summary = _read_csv(summary_csv)
    needed = {"model", "test_acc_mean", "test_acc_ci_low", "test_acc_ci_high", "runs"}
    if summary is None or not needed <= set(summary.columns) or summary.empty:
        return None
    best = summary.sort_values("test_acc_mean", ascending=False, ignore_index=True).iloc[0]
    if not np.isfinite(best["test_acc_mean"]):
        return None
    line = (f"architectures: best mean test accuracy {best['model']} "
            + prose.interval(best["test_acc_mean"], best["test_acc_ci_low"],
                             best["test_acc_ci_high"], int(best["runs"])))
    pairwise = _read_csv(pairwise_csv) if pairwise_csv else None
    if pairwise is not None and {"better", "worse", "testable"} <= set(pairwise.columns):
        row = pairwise[pairwise.better == best["model"]]
        if len(row):
            line += (f"\n  against the runner-up {row.iloc[0]['worse']}: "
                     + claims.verdict_words(row.iloc[0]))
    return line


def finish_lines(report_paths, seconds, tables=None, tables_used_after=None):
    """The finish line of a successful run: wall time, report paths, headline numbers.

    `tables` is the results' tables folder. A report older than `tables_used_after` (a file
    it was built from) or missing is said to be so: a run of another target can end here."""
    lines = [f"Finished in {duration(seconds)}."]
    for path in report_paths:
        path = Path(path)
        if not path.exists():
            lines.append(f"  report: {path} not built by this run (run without a target to "
                         "build it)")
            continue
        note = ""
        try:
            if tables_used_after and path.stat().st_mtime < Path(tables_used_after).stat().st_mtime:
                note = " (older than its tables: run without a target to rebuild it)"
        except OSError:
            pass
        lines.append(f"  report: {path.resolve()}{note}")
    if tables is not None:
        tables = Path(tables)
        for line in (runs_line(tables / "runs.csv"),
                     architecture_line(tables / "architectures_summary.csv",
                                       tables / "architectures_pairwise.csv")):
            if line:
                lines.extend(f"  {part}" for part in line.split("\n"))
    return lines


ERROR_BLOCK = re.compile(r"^Error in rule (?P<rule>\S+?):\s*$")
FIELD = re.compile(r"^\s+(?P<key>[\w-]+): (?P<value>.*)$")


def failed_jobs(log_text):
    """[{'rule', 'jobid', 'output', 'log': [paths], 'message'}] from Snakemake's main log, in
    the order they failed (a job reported twice is listed once)."""
    jobs, current = [], None
    for line in log_text.splitlines():
        match = ERROR_BLOCK.match(line)
        if match:
            current = {"rule": match["rule"], "log": []}
            jobs.append(current)
            continue
        field = FIELD.match(line) if current is not None else None
        if field is None:
            current = None
            continue
        key, value = field["key"], field["value"]
        if key == "log":
            value = value.replace("(check log file(s) for error details)", "").strip()
            current["log"] = [p.strip() for p in value.split(", ") if p.strip()]
        elif key in ("jobid", "output", "message"):
            current[key] = value
    unique = {}
    for job in jobs:
        unique.setdefault((job["rule"], job.get("jobid"), job.get("output")), job)
    return list(unique.values())


def tail(path, lines=LOG_TAIL):
    try:
        text = Path(path).read_text(errors="replace").splitlines()
    except FileNotFoundError:
        return ["(no log: the job stopped before writing one)"]
    except OSError as err:
        return [f"(cannot read: {err.strerror})"]
    return text[-lines:] if text else ["(empty)"]


def failure_lines(snakemake_logs, argv, workdir="."):
    """The failure note: each failed job, the last lines of its log, how to resume.

    `snakemake_logs` are the main log files Snakemake passes to onerror; `argv` is the
    command line (sys.argv) the user ran."""
    text = ""
    for path in snakemake_logs or []:
        try:
            text += Path(path).read_text(errors="replace") + "\n"
        except OSError:
            pass
    jobs = failed_jobs(text)
    lines = ["Failed:" + (f" {len(jobs)} job(s)" if jobs else " see the error above")]
    for job in jobs[:5]:
        what = f"rule {job['rule']}"
        if job.get("output"):
            what += f" (output {job['output'].split(', ')[0]}"
            what += ", ...)" if ", " in job["output"] else ")"
        lines.append(f"  job {job.get('jobid', '?')}: {what}")
        if not job["log"]:
            lines.append("    (the rule writes no log: its error is in the Snakemake output "
                         "above)")
        for log in job["log"]:
            lines.append(f"    last lines of {log}:")
            lines.extend(f"    | {line}" for line in tail(Path(workdir) / log))
    if len(jobs) > 5:
        lines.append(f"  ... and {len(jobs) - 5} more (see the Snakemake log)")
    command = shlex.join(["snakemake", *[a for a in argv[1:]]])
    incomplete = Path(workdir) / ".snakemake" / "incomplete"
    if incomplete.is_dir() and any(incomplete.iterdir()):
        lines.append("  resume: jobs were interrupted and left incomplete files; after fixing "
                     f"the cause run: {command} --rerun-incomplete")
    else:
        lines.append(f"  resume: fix the cause and run the same command again ({command}); "
                     "finished jobs are kept, only the failed ones and what depends on them "
                     "run")
    if snakemake_logs:
        lines.append(f"  Snakemake log: {', '.join(str(p) for p in snakemake_logs)}")
    return lines


def log_pattern(pattern):
    """A rule's log pattern as a reader wants it: 'logs/train/{study}/seed{seed}.log', without
    the wildcard constraints Snakemake adds ('{study,a|b}')."""
    return re.sub(r"\{(\w+),[^{}]*\}", r"{\1}", str(pattern))


def watch_lines(rules, rule="train"):
    """Where a long job writes its progress, from the rule's own `log:` (so it follows the
    rule wherever its logs are moved); nothing when the rule or its log is missing."""
    proxy = getattr(rules, rule, None)
    logs = list(getattr(getattr(proxy, "rule", None), "log", None) or [])
    if not logs:
        return []
    pattern = log_pattern(logs[0])
    newest = re.sub(r"\{\w+\}", "*", pattern)
    return [f"Watch a {rule} job: tail -f {pattern}",
            f'  the newest one: tail -f "$(ls -t {newest} | head -1)"']


def safely(function, *args, **kwargs):
    """Call a console function; on any error, one line saying so instead of a traceback."""
    try:
        return function(*args, **kwargs)
    except Exception as err:  # noqa: BLE001 - the console note must never fail the workflow
        return [f"(console note unavailable: {type(err).__name__}: {err})"]
