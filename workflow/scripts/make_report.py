"""Snakemake entry point: the HTML report (make_pdf.py pages it as a PDF), one section per
registered study, from its facts, tables and figures (nothing is computed here but sums of
recorded times)."""
import json
import logging
import sys
import time

import pandas as pd

sys.path.insert(0, snakemake.scriptdir)  # noqa: F821
from nnstudies import appendix, prose  # noqa: E402
from nnstudies.logs import to_log  # noqa: E402
from nnstudies.process import end_job  # noqa: E402
from nnstudies.provenance import (  # noqa: E402
    HARDWARE_WORDS, benchmark_table, hardware, package_versions)
from nnstudies.report import fill_tables, protocol_lines, render, table_html  # noqa: E402
from nnstudies.stats import SMALL_SAMPLE  # noqa: E402
from nnstudies.studies import REGISTRY  # noqa: E402
from nnstudies.studies.common import read_facts  # noqa: E402

smk = snakemake  # noqa: F821
to_log(smk.log[0])
started = time.time()
cfg, settings = smk.params.config, smk.params.settings
info = json.loads(open(smk.input.data_info).read())
runs = pd.read_csv(smk.input.runs)

sections, analysis_seconds, data_files = [], {}, {}
for study in REGISTRY:
    # each study's own prepared data (most share the global one): its section and the methods
    data_path = smk.input[f"{study.NAME}__data_info"]
    study_info = json.loads(open(data_path).read())
    data_files.setdefault(data_path, {"info": study_info, "studies": []})["studies"].append(
        study.NAME)
    facts = read_facts(smk.input[f"{study.NAME}__facts"])
    figures = {f: smk.input[f"{study.NAME}__figure__{f}"]
               for f in study.figures_of(settings[study.NAME])}
    # prose from the facts alone; the tables it places are rendered from the CSVs
    section = study.section(facts, figures, settings[study.NAME], study_info)
    fill_tables(section, study.SHOWN,
                lambda t, s=study.NAME: pd.read_csv(smk.input[f"{s}__table__{t}"]))
    sections.append(section)
    analysis_seconds[study.NAME] = facts.get("analysis_seconds", float("nan"))

# Wall time: training from the runs' own clocks (wall clock around the training loop),
# analysis from the facts files.
timing = []
for study in REGISTRY:
    r = runs[runs.study == study.NAME]
    timing.append({
        "study": study.NAME, "training runs": len(r),
        "training time, runs summed (h)": r.train_seconds.sum() / 3600 if len(r) else 0.0,
        "training wall span (h)": (r.finished_at.max() - r.started_at.min()) / 3600
        if len(r) else float("nan"),
        "analysis (s)": analysis_seconds[study.NAME]})
timing = pd.DataFrame(timing)
first_start = runs.started_at.min()
small = runs.groupby(["study", "name"]).size().lt(SMALL_SAMPLE).any()
notice = smk.params.departures
context = {
    "title": "Small-network training studies",
    "config": cfg,
    "data": info,
    "data_files": list(data_files.values()),
    "notice": notice,
    "small_sample": bool(small),
    "small_sample_size": SMALL_SAMPLE,
    "summary": [  # the sections' own summary lines come first (the template places them)
        f"{len(runs)} training runs ({prose.status_counts(runs.status)}); "
        f"{runs.train_seconds.sum() / 3600:.2f} hours of training (each run's own clock, "
        "summed over runs)."],
    "sections": sections,
    # every seed's asks, each linked to the element that answers it (studies' ASKED)
    "appendix": appendix.collect(REGISTRY, sections),
    "methods": {
        "protocol": protocol_lines(cfg, runs.device.dropna()),
        "timing": table_html(timing, decimals=3),
        "benchmarks": table_html(benchmark_table(smk.params.benchmark_study), decimals=4),
        "benchmark_dir": f"{cfg['results_dir'].rstrip('/')}/benchmarks",
        "versions": package_versions(),
        "training_hardware": sorted({f"{c} ({m:g} GiB of memory)" for c, m in
                                     zip(runs.cpu.fillna("unknown"), runs.memory_gb.fillna(0))}),
        "hardware": {HARDWARE_WORDS.get(k, k): v for k, v in hardware().items()},
        "threads": sorted(set(runs.threads.dropna().astype(int))),
    },
}
# The report's own build time is known only at the end: measured up to the HTML, and the whole
# run from the first training job's start (earlier invocations included, when results were
# reused) to this point.
context["methods"]["report_seconds"] = time.time() - started
context["methods"]["whole_run_hours"] = (time.time() - first_start) / 3600
render(context, smk.output.html)
logging.info("wrote %s", smk.output.html)
end_job()  # the outputs are closed: skip the interpreter's teardown (process.end_job)
