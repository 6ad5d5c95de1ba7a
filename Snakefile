# Small-network training studies, end to end: data -> runs -> tables -> figures -> report.
# Run:  snakemake --cores 8              (full study, results/report/report.html)
#       snakemake --cores 2 --config preset=quick   (minutes; results/quick/report/)
from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/analysis.smk"
include: "workflow/rules/report.smk"


rule all:
    input:
        f"{RESULTS}/report/report.html",
        f"{RESULTS}/report/report.pdf",
    default_target: True
