# Config validation, presets, run tables, paths and input functions shared by all rules.
import json
import sys

sys.path.insert(0, str(Path(workflow.basedir) / "workflow" / "scripts"))
from nnstudies.config import INPUT_SHAPES, STUDIES, ConfigError, resolve, study_runs


try:
    CFG = resolve(config)
except ConfigError as err:
    raise WorkflowError(str(err))
config.clear()
config.update(CFG)  # scripts see the resolved config (preset applied)

RESULTS = CFG["results_dir"].rstrip("/")
LOGS = f"logs/{CFG['preset']}"
BENCH = f"benchmarks/{CFG['preset']}"
DATASET = CFG["data"]["dataset"]
PREPARED = f"{RESULTS}/data/{DATASET}.npz"
DATA_INFO = f"{RESULTS}/data/{DATASET}.json"
RUNS = {study: study_runs(CFG, study) for study in STUDIES}
PACKAGE = "workflow/scripts/nnstudies"
# Code a rule's results depend on: listed as input so that editing it reruns those jobs
# (Snakemake itself only tracks the rule's own script file).
TRAIN_CODE = [f"{PACKAGE}/{m}.py" for m in ("data", "models", "train", "schedule")]
ANALYSIS_CODE = [f"{PACKAGE}/{m}.py" for m in ("aggregate", "figures")]
REPORT_CODE = [f"{PACKAGE}/{m}.py" for m in ("answers", "report", "schedule", "conv")] + [
    "report/report.html.j2",
    "report/style.css",
]


wildcard_constraints:
    study="|".join(STUDIES),
    run=r"[A-Za-z][A-Za-z0-9_.-]*",
    seed=r"\d+",


def run_dir(study, name, seed):
    return f"{RESULTS}/runs/{study}/{name}/seed{seed}"


def run_files(study, kind):
    """One file of every run of a study, e.g. run_files('architectures', 'summary.json')."""
    return [f"{run_dir(study, name, seed)}/{kind}" for name, seed in RUNS[study]]


def run_spec(wildcards):
    """The run dict as canonical JSON: a change to it (layers, epochs, ...) reruns the job."""
    key = (wildcards.run, int(wildcards.seed))
    if key not in RUNS[wildcards.study]:
        raise WorkflowError(f"no run {key} in study {wildcards.study}")
    return json.dumps(RUNS[wildcards.study][key], sort_keys=True)


def reference_curves(wildcards):
    """A scheduled run reads the plateau of its first rate's constant run (same seed)."""
    run = RUNS[wildcards.study][(wildcards.run, int(wildcards.seed))]
    if not run.get("schedule"):
        return []
    return f"{run_dir(wildcards.study, run['reference'], wildcards.seed)}/curves.csv"


def adam_reference(kind):
    """The learning-rate model's runs in the architecture study (Adam), on the same seeds when
    the two studies share any, else on all of the architecture study's seeds."""
    model = CFG["learning_rates"]["model"]
    if model not in CFG["architectures"]["models"]:
        return []
    arch_seeds = CFG["architectures"]["seeds"]
    seeds = [s for s in arch_seeds if s in CFG["learning_rates"]["seeds"]] or arch_seeds
    return [f"{run_dir('architectures', model, s)}/{kind}" for s in seeds]


# What each job asks a scheduler for (Slurm): estimated from the protocol, see
# nnstudies/resources.py. A local run sets no --resources limit for them and is unchanged.
from nnstudies import resources as estimate


def _run_of(wildcards):
    return RUNS[wildcards.study][(wildcards.run, int(wildcards.seed))]


def train_mem_mb(wildcards):
    return estimate.train_mem_mb(
        _run_of(wildcards),
        CFG["data"],
        INPUT_SHAPES[DATASET],
        CFG["train"]["eval_batch"],
    )


def train_runtime(wildcards, attempt):
    """Minutes; doubles with each retry (--retries N)."""
    return estimate.train_runtime(
        _run_of(wildcards), CFG["data"], INPUT_SHAPES[DATASET], attempt
    )


LIGHT_MEM_MB = estimate.LIGHT_MEM_MB
LIGHT_RUNTIME = estimate.light_runtime(sum(len(runs) for runs in RUNS.values()))
