# Small-network training studies, end to end: data -> runs -> tables -> figures -> report.
# Run:  snakemake --cores 8              (full study, results/report/report.html)
#       snakemake --cores 2 --config preset=quick   (minutes; results/quick/report/)
import sys
import time

from snakemake.utils import min_version

min_version("9.0")

STARTED = time.time()


configfile: "config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/analysis.smk"
include: "workflow/rules/report.smk"


from nnstudies import console  # noqa: E402 (common.smk puts the package on the path)

REPORT = [f"{RESULTS}/report/report.html", f"{RESULTS}/report/report.pdf"]


rule all:
    default_target: True
    input:
        REPORT,


# Before any job: a device the local executor cannot use stops the run (nothing is touched);
# then the console: where to watch a training job, and a finish line (or a failure note).
onstart:
    if workflow.local_exec:
        try:
            check_local_device(CFG)
        except ConfigError as err:
            raise WorkflowError(str(err))
    for line in console.safely(console.watch_lines, rules):
        logger.info(line)


onsuccess:
    for line in console.safely(
        console.finish_lines,
        REPORT,
        time.time() - STARTED,
        tables=f"{RESULTS}/tables",
        tables_used_after=f"{RESULTS}/tables/runs.csv",
    ):
        logger.info(line)


onerror:
    for line in console.safely(console.failure_lines, log, sys.argv):
        logger.error(line)
