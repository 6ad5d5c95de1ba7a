# Config validation, presets, run tables, paths and input functions shared by all rules.
import json
import re
import sys

sys.path.insert(0, str(Path(workflow.basedir) / "workflow" / "scripts"))
from nnstudies.config import (
    INPUT_SHAPES,
    ConfigError,
    check_local_device,
    prepared_name,
    resolve,
    split_settings,
    study_data,
)
from nnstudies.data import raw_paths
from nnstudies.trainers import (
    TRAINERS,
    run_files as files_of,
    trainer_code,
    trainer_name,
    training_rule,
)
from nnstudies.studies import BY_NAME, STUDIES
from nnstudies.studies.common import (
    data_departures,
    facts_path,
    figure_path,
    study_data_departures,
    table_path,
)

try:
    # What --configfile/--config set wins over the preset (precedence: see config.yaml).
    CFG = resolve(config, user=workflow.config_settings.overwrite_config)
except ConfigError as err:
    raise WorkflowError(str(err))
config.clear()
config.update(CFG)  # scripts see the resolved config (preset applied)

RESULTS = CFG["results_dir"].rstrip("/")
LOGS = f"{RESULTS}/logs"  # with the results they describe: two result folders never share one
BENCH = f"{RESULTS}/benchmarks"
DATASET = CFG["data"]["dataset"]
# One prepared file per distinct data setting: the global `data` block's, and each study's own
# where its config section has a `data:` key (see config.prepared_name).
DATA_NAME = {study: prepared_name(CFG, study) for study in STUDIES}
DATA_SETTINGS = {prepared_name(CFG): CFG["data"]}
DATA_SETTINGS.update({DATA_NAME[s]: study_data(CFG, s) for s in STUDIES})
PREPARED = f"{RESULTS}/data/{prepared_name(CFG)}.npz"
DATA_INFO = f"{RESULTS}/data/{prepared_name(CFG)}.json"


def prepared(study):
    return f"{RESULTS}/data/{DATA_NAME[study]}.npz"


def prepared_info(study):
    return f"{RESULTS}/data/{DATA_NAME[study]}.json"


# The datasets this configuration uses (the global data block's and any study's own).
DATASETS_USED = sorted({d["dataset"] for d in DATA_SETTINGS.values()})
RAW = {ds: [str(p) for p in raw_paths(CFG["data"]["root"], ds)] for ds in DATASETS_USED}


def raw_of(wildcards):
    return RAW[DATA_SETTINGS[wildcards.data]["dataset"]]


def split_of(wildcards):
    """Only what defines the split: changing the data root or scaling does not redo it."""
    return split_settings(DATA_SETTINGS[wildcards.data])


RUNS = {study: BY_NAME[study].runs(CFG) for study in STUDIES}
TRAINING = [study for study in STUDIES if RUNS[study]]
PACKAGE = "workflow/scripts/nnstudies"
# Code a rule's results depend on: listed as input so that editing it reruns those jobs
# (Snakemake itself only tracks the rule's own script file). A run's trainer (trainers.py)
# names the modules its results depend on.
TRAINER_CODE = sorted(
    {m for runs in RUNS.values() for r in runs.values() for m in trainer_code(r)}
)
TRAIN_CODE = [f"{PACKAGE}/{m}.py" for m in TRAINER_CODE]
SHARED_CODE = [
    f"{PACKAGE}/{m}.py"
    for m in (
        "aggregate",
        "claims",
        "figures",
        "stats",
        "prose",
        "report",
        "runfiles",
        "conv",
        "fundamentals",
    )
]
SHARED_CODE += TRAIN_CODE + [f"{PACKAGE}/studies/common.py"]


wildcard_constraints:
    study="|".join(STUDIES),
    data="|".join(re.escape(name) for name in DATA_SETTINGS),
    run=r"[A-Za-z][A-Za-z0-9_.-]*",
    seed=r"\d+",


def run_dir(study, name, seed):
    return f"{RESULTS}/runs/{study}/{name}/seed{seed}"


def run_files(study, kind, keys=None):
    """One file of every run of a study (or of the runs `keys`: (name, seed) pairs),
    e.g. run_files('architectures', 'summary.json'); a run whose trainer does not write that
    kind of file is named (trainers.py declares what each writes)."""
    keys = list(RUNS[study]) if keys is None else keys  # [] is no run, not every run
    for key in keys:
        if kind not in files_of(RUNS[study][key]):
            raise WorkflowError(
                f"{study} reads {kind} of run {key[0]} seed {key[1]}, whose trainer "
                f"writes only {', '.join(files_of(RUNS[study][key]))} (trainers.py)"
            )
    return [f"{run_dir(study, name, seed)}/{kind}" for name, seed in keys]


def _training_rules():
    """{name: {files, runs: {study: [run names]}, gpu}}, one training rule per set of
    per-run files (a rule declares its outputs once for all its jobs). Each rule's wildcards
    are limited to its own runs (run_constraint)."""
    rules_ = {}
    for study, runs in RUNS.items():
        for (name, _), run in runs.items():
            trainer = TRAINERS[trainer_name(run)]
            spec = rules_.setdefault(
                training_rule(run),
                {"files": files_of(run), "runs": {}, "gpu": trainer["gpu"]},
            )
            if spec["files"] != files_of(run):  # one rule name, one set of files
                raise WorkflowError(
                    f"the runs of {training_rule(run)} write {spec['files']} and "
                    f"{files_of(run)} (trainers.py)"
                )
            spec["runs"].setdefault(study, set()).add(name)
    return rules_


TRAINING_RULES = _training_rules()


def run_constraint(runs):
    """A regex for the {run} wildcard that matches exactly these (study, run) pairs: each name
    only behind its own study's folder (a lookbehind), since two studies may use one run name
    with different trainers (hw5's lr0.1 and learning_rates' lr0.1)."""
    return "|".join(
        f"(?<={re.escape(study)}/)(?:{'|'.join(sorted(map(re.escape, names)))})"
        for study, names in sorted(runs.items())
    )


def study_files(study):
    """A study's module and the files it is split into (studies/<study>_*.py)."""
    folder = Path(workflow.basedir) / PACKAGE / "studies"
    extra = sorted(f"{PACKAGE}/studies/{p.name}" for p in folder.glob(f"{study}_*.py"))
    return [f"{PACKAGE}/studies/{study}.py"] + extra


def study_code(study):
    """The package files a study's analysis and section depend on."""
    return SHARED_CODE + study_files(study)


def analysis_outputs(study):
    """Named outputs of a study's analysis: table_<name>, png_<name>, svg_<name>, facts."""
    study_module = BY_NAME[study]
    out = {f"table_{t}": table_path(RESULTS, study, t) for t in study_module.TABLES}
    for name in study_module.figures_of(study_module.params(CFG)):
        out[f"png_{name}"] = report(
            figure_path(RESULTS, study, name),
            caption="../../report/captions/study.rst",  # renders params.caption
            category=study_module.TITLE,
        )
        out[f"svg_{name}"] = figure_path(RESULTS, study, name, "svg")
    out["facts"] = facts_path(RESULTS, study)
    return out


def report_inputs():
    """Every study's facts file, data description, tables and figures, named <study>__facts,
    <study>__data_info, <study>__table__<name> and <study>__figure__<name>: what the report
    reads."""
    named = {}
    for study in STUDIES:
        study_module = BY_NAME[study]
        named[f"{study}__facts"] = facts_path(RESULTS, study)
        named[f"{study}__data_info"] = prepared_info(study)
        for t in study_module.TABLES:
            named[f"{study}__table__{t}"] = table_path(RESULTS, study, t)
        for f in study_module.figures_of(study_module.params(CFG)):
            named[f"{study}__figure__{f}"] = figure_path(RESULTS, study, f)
    return named


def benchmark_files():
    """Snakemake's benchmark file of every training and analysis job, as {path: study}: the
    report's methods aggregate them per study (what the jobs cost, start-up included).
    """
    files = {}
    for study in STUDIES:
        for name, seed in RUNS[study]:
            files[f"{BENCH}/train/{study}/{name}/seed{seed}.tsv"] = study
        files[f"{BENCH}/analyse_{study}.tsv"] = study
    return files


def run_spec(wildcards):
    """The run dict as canonical JSON: a change to it (layers, epochs, ...) reruns the job."""
    key = (wildcards.run, int(wildcards.seed))
    if key not in RUNS[wildcards.study]:
        raise WorkflowError(f"no run {key} in study {wildcards.study}")
    return json.dumps(RUNS[wildcards.study][key], sort_keys=True)


def train_data(wildcards):
    return prepared(wildcards.study)


def train_code(wildcards):
    """The package modules this run's trainer depends on (editing one reruns its runs only)."""
    run = RUNS[wildcards.study][(wildcards.run, int(wildcards.seed))]
    return [f"{PACKAGE}/{m}.py" for m in trainer_code(run)]


def reference_curves(wildcards):
    """A scheduled run reads the plateau of its first rate's constant run (same seed)."""
    run = RUNS[wildcards.study][(wildcards.run, int(wildcards.seed))]
    if not run.get("schedule"):
        return []
    return f"{run_dir(wildcards.study, run['reference'], wildcards.seed)}/curves.csv"


def reference_states(wildcards):
    """... and continues from that run's state at the plateau (epoch states, train.py)."""
    curves = reference_curves(wildcards)
    return str(Path(curves).with_name("epoch_states.pt")) if curves else []


def departures():
    """Every way this configuration departs from the assignments' protocol (the report's notice)."""
    return data_departures(CFG) + [
        d
        for s in STUDIES
        for d in study_data_departures(CFG, s, getattr(BY_NAME[s], "SEED_DATA", None))
        + BY_NAME[s].departures(CFG)
    ]


# What each job asks a scheduler for (Slurm): estimated from the protocol, see
# nnstudies/resources.py. A local run sets no --resources limit for them and is unchanged.
from nnstudies import resources as estimate


def _run_of(wildcards):
    return RUNS[wildcards.study][(wildcards.run, int(wildcards.seed))]


def _data_of(wildcards):
    """The study's data settings and its image shape."""
    d = study_data(CFG, wildcards.study)
    return d, INPUT_SHAPES[d["dataset"]]


def train_mem_mb(wildcards):
    return estimate.train_mem_mb(
        _run_of(wildcards), *_data_of(wildcards), CFG["train"]["eval_batch"]
    )


def train_runtime(wildcards, attempt):
    """Minutes; doubles with each retry (--retries N)."""
    return estimate.train_runtime(_run_of(wildcards), *_data_of(wildcards), attempt)


LIGHT_MEM_MB = estimate.LIGHT_MEM_MB
LIGHT_RUNTIME = estimate.light_runtime(sum(len(runs) for runs in RUNS.values()))
