"""Per-study training time from Snakemake's benchmark files of a measured run (issue 13,
item 4), with the extrapolation to the full preset's seeds.

    .venv/bin/snakemake --cores N --config preset=measure          # one seed per configuration
    .venv/bin/python bench/study_times.py results/measure/benchmarks  # the table

Per study: training jobs, the sum of their wall seconds (`s`) and CPU seconds (`cpu_time`),
the longest job, and the wall sum scaled to the seeds config.yaml's full preset runs per
configuration (seeds measured -> the most seeds any `seeds` list in the study's block names;
studies without one are not scaled). The wall sum is what one core needs when the jobs run one
after another on an otherwise idle core; `cpu_time` is only a lower bound: Snakemake samples it
every 30 s once a job has run 15 s, and misses the interval in which the job ends. The wall
time of the whole invocation on N cores is Snakemake's own (`Elapsed time` at the end of its
output), to be written next to it.
"""
import argparse
import sys
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]


def seeds_in(block):
    """The longest `seeds` list anywhere in a study's config block (ece421 has two)."""
    if not isinstance(block, dict):
        return 0
    own = len(block["seeds"]) if isinstance(block.get("seeds"), list) else 0
    return max([own] + [seeds_in(v) for v in block.values()])


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("benchmarks",
                   help="the run's benchmarks folder, e.g. results/measure/benchmarks")
    p.add_argument("--config", default=str(ROOT / "config.yaml"))
    args = p.parse_args()
    cfg = yaml.safe_load(open(args.config))
    rows = []
    for tsv in sorted(Path(args.benchmarks, "train").glob("*/*/seed*.tsv")):
        study = tsv.relative_to(Path(args.benchmarks, "train")).parts[0]
        b = pd.read_csv(tsv, sep="\t").iloc[-1]
        rows.append({"study": study, "run": tsv.parent.name, "seed": tsv.stem,
                     "s": float(b["s"]), "cpu_time": float(b["cpu_time"])})
    if not rows:
        sys.exit(f"no train benchmark files under {args.benchmarks}/train")
    jobs = pd.DataFrame(rows)
    table = []
    for study, g in jobs.groupby("study"):
        seeds_run = g.groupby("run").seed.nunique().max()
        full_seeds = seeds_in(cfg.get(study)) or seeds_run
        scale = full_seeds / seeds_run
        table.append({"study": study, "jobs": len(g), "seeds measured": seeds_run,
                      "wall h (sum)": g.s.sum() / 3600, "CPU h (sum)": g.cpu_time.sum() / 3600,
                      "longest job min": g.s.max() / 60, "full seeds": full_seeds,
                      "wall h at full seeds": g.s.sum() * scale / 3600})
    table = pd.DataFrame(table)
    total = table.select_dtypes("number").sum()
    total["longest job min"] = table["longest job min"].max()
    total["seeds measured"] = total["full seeds"] = float("nan")
    table.loc[len(table)] = {"study": "all", **total.to_dict()}
    print(table.to_markdown(index=False, floatfmt=".2f"))


if __name__ == "__main__":
    main()
