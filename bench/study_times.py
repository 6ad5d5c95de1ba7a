"""Per-study training time from Snakemake's benchmark files of a measured run (issue 13,
item 4), and what the full preset would take on 1, 2 and 8 cores.

    .venv/bin/snakemake --cores N --config preset=measure          # one seed per configuration
    .venv/bin/python bench/study_times.py results/measure/benchmarks  # the tables

First table, the measured run per study: training jobs, the sum of their wall seconds (`s`)
and CPU seconds (`cpu_time`), the longest job. The wall sum is what one core needs when the
jobs run one after another; `cpu_time` is only a lower bound: Snakemake samples it every 30 s
once a job has run 15 s, and misses the interval in which the job ends. The wall time of the
measured invocation on N cores is Snakemake's own (`Elapsed time` at the end of its output).

Second table, an estimate for the full preset (config.yaml's `preset`, or --preset): every
training job the workflow would run there (the studies' own run lists, so the seeds and the
scheduled run's wait for its reference run are the workflow's), each timed by the mean measured
wall time of the run of the same name (a scheduled run measured when it still trained its
first phase itself is cut to its continuation from the reference run's state, read from its
summary.json under --runs: issue 24), placed on N single-thread cores by a list schedule that
starts, whenever a core is free, the ready job heading the longest remaining chain (Snakemake
keeps to that order only where --prioritize names the chain). It leaves out data preparation
and the analysis jobs (seconds to a minute each) and assumes that a job runs beside others as
fast as it ran when measured. The last row runs every study in one invocation.
"""
import argparse
import heapq
import json
import sys
from collections import defaultdict
from functools import cache
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "workflow" / "scripts"))

from nnstudies.config import resolve  # noqa: E402
from nnstudies.studies import BY_NAME, STUDIES  # noqa: E402


def measured_jobs(benchmarks):
    """One row per training job: study, run, seed, wall and CPU seconds."""
    rows = []
    for tsv in sorted(Path(benchmarks, "train").glob("*/*/seed*.tsv")):
        study = tsv.relative_to(Path(benchmarks, "train")).parts[0]
        b = pd.read_csv(tsv, sep="\t").iloc[-1]
        rows.append({"study": study, "run": tsv.parent.name, "seed": tsv.stem,
                     "s": float(b["s"]), "cpu_time": float(b["cpu_time"])})
    if not rows:
        sys.exit(f"no train benchmark files under {benchmarks}/train")
    return pd.DataFrame(rows)


def continuation_seconds(measured, runs_dir, scheduled):
    """The measured jobs' mean wall seconds per (study, run), with each scheduled run's cut to
    what it costs now that it continues from its reference run's state at the plateau (issue
    24): a run measured before that (its summary.json has no `resumed_at_epoch`) trained its
    first phase itself, so its time is scaled by the share of its steps after the first switch
    (per-step cost is the same in every phase: one model, one record interval). Returns the
    seconds and notes on the scheduled runs whose summary.json is not there to tell."""
    rows, notes = [], []
    for row in measured.itertuples():
        s = row.s
        if (row.study, row.run) in scheduled:
            path = Path(runs_dir, row.study, row.run, row.seed, "summary.json")
            if not path.exists():
                notes.append(f"{row.study} {row.run} {row.seed}: timed as measured (no {path} "
                             "to tell whether it trained its first phase itself)")
            else:
                summary = json.loads(path.read_text())
                if ("resumed_at_epoch" not in summary
                        and summary.get("first_switch_from") == "reference run"):
                    first = summary["switch_epochs"][0] * summary["steps_per_epoch"]
                    s *= 1 - first / summary["steps_trained"]
        rows.append((row.study, row.run, s))
    seconds = pd.DataFrame(rows, columns=["study", "run", "s"])
    return seconds.groupby(["study", "run"]).s.mean().to_dict(), notes


def full_jobs(cfg, study, seconds):
    """{(study, run, seed): (seconds, the job it waits for or None)} for every training job the
    resolved config runs in `study`, timed by `seconds[(study, run)]`; None when a run of the
    study was not measured."""
    jobs = {}
    for (run, seed), spec in BY_NAME[study].runs(cfg).items():
        if (study, run) not in seconds:
            return None
        waits = (study, spec["reference"], seed) if spec.get("reference") else None
        jobs[(study, run, seed)] = (seconds[(study, run)], waits)
    return jobs


def wall_on(jobs, cores):
    """Wall seconds of `jobs` on `cores` single-thread cores: whenever a core is free, start
    the ready job with the most work chained behind it (itself and the jobs waiting for it)."""
    after = defaultdict(list)
    for key, (_, waits) in jobs.items():
        if waits in jobs:
            after[waits].append(key)

    @cache
    def chain(key):
        return jobs[key][0] + max((chain(k) for k in after[key]), default=0.0)

    ready = [k for k, (_, waits) in jobs.items() if waits not in jobs]
    running, now, free = [], 0.0, cores
    while ready or running:
        ready.sort(key=chain)
        while free and ready:
            key = ready.pop()
            heapq.heappush(running, (now + jobs[key][0], key))
            free -= 1
        now, done = heapq.heappop(running)
        free += 1
        ready += after[done]
    return now


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("benchmarks",
                   help="the run's benchmarks folder, e.g. results/measure/benchmarks")
    p.add_argument("--config", default=str(ROOT / "config.yaml"))
    p.add_argument("--preset", help="the preset to estimate (default: the config's `preset`)")
    p.add_argument("--cores", type=int, nargs="+", default=[1, 2, 8])
    p.add_argument("--runs", help="the run's runs folder, for the scheduled runs' summary.json "
                                  "(default: beside the benchmarks folder)")
    args = p.parse_args()
    measured = measured_jobs(args.benchmarks)

    table = measured.groupby("study").agg(
        jobs=("s", "size"), **{"wall h (sum)": ("s", "sum"), "CPU h (sum)": ("cpu_time", "sum"),
                               "longest job min": ("s", "max")})
    table[["wall h (sum)", "CPU h (sum)"]] /= 3600
    table["longest job min"] /= 60
    total = table.sum()
    total["longest job min"] = table["longest job min"].max()
    table.loc["all"] = total
    print(table.reset_index().to_markdown(index=False, floatfmt=".2f"))

    raw = yaml.safe_load(open(args.config))
    if args.preset:
        raw["preset"] = args.preset
    cfg = resolve(raw)
    scheduled = {(study, run) for study in STUDIES
                 for (run, _), spec in BY_NAME[study].runs(cfg).items() if spec.get("schedule")}
    seconds, notes = continuation_seconds(
        measured, args.runs or Path(args.benchmarks).parent / "runs", scheduled)
    for note in notes:
        print(note, file=sys.stderr)
    per_study = {}
    for study in STUDIES:
        jobs = full_jobs(cfg, study, seconds)
        if jobs is None:
            if study in set(measured.study):
                print(f"{study}: left out of the estimate: some of its runs were not measured",
                      file=sys.stderr)
        elif jobs:
            per_study[study] = jobs
    if not per_study:
        sys.exit("no study has all its runs measured: nothing to estimate")
    per_study["all (one invocation)"] = {k: v for jobs in per_study.values()
                                         for k, v in jobs.items()}
    estimate = pd.DataFrame(
        [{"study": study, f"jobs ({raw['preset']} preset)": len(jobs),
          **{f"{n} core{'s' * (n > 1)} h": wall_on(jobs, n) / 3600 for n in args.cores}}
         for study, jobs in per_study.items()])
    print(f"\nEstimated wall time of the {raw['preset']} preset's training jobs, from the "
          "measured jobs:\n")
    print(estimate.to_markdown(index=False, floatfmt=".2f"))


if __name__ == "__main__":
    main()
