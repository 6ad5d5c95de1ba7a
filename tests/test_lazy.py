"""Planning the workflow stays light. Snakemake imports the package on every call (dry runs
too) and again in every cluster job before its script starts; torch, pandas, scipy.stats,
matplotlib.pyplot and jinja2 take seconds to import, so they load only when a job uses them."""
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HEAVY = ["torch", "pandas", "scipy.stats", "matplotlib", "jinja2"]

# What workflow/rules/common.smk does while Snakemake parses the workflow: resolve the config
# (preset included) and ask every study for its runs, inputs, settings, figures, departures
# and every run for its resource estimates.
PLAN = """
import sys
sys.path.insert(0, "workflow/scripts")
import yaml
from nnstudies import console, resources
from nnstudies.config import INPUT_SHAPES, resolve, study_data
from nnstudies.studies import BY_NAME, STUDIES
from nnstudies.studies.common import study_data_departures
from nnstudies.trainers import trainer_code

raw = yaml.safe_load(open("config.yaml"))
for cfg in (resolve(raw), resolve({**raw, "preset": "quick"})):
    for name in STUDIES:
        study = BY_NAME[name]
        study.inputs(cfg, lambda *args, **kwargs: [])
        study.figures_of(study.params(cfg))
        study.departures(cfg) + study_data_departures(cfg, name)
        data = study_data(cfg, name)
        for run in study.runs(cfg).values():
            trainer_code(run)
            resources.train_runtime(run, data, INPUT_SHAPES[data["dataset"]])
loaded = [m for m in HEAVY if m in sys.modules]
print("loaded:", loaded)
"""


def test_planning_the_workflow_loads_no_heavy_library():
    out = subprocess.run([sys.executable, "-c", f"HEAVY = {HEAVY!r}\n" + PLAN], cwd=REPO,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "loaded: []"


def test_a_lazy_module_loads_on_first_use():
    code = ("import sys; sys.path.insert(0, 'workflow/scripts');"
            "from nnstudies import stats; kind = lambda: 'scipy.stats' in sys.modules;"
            "print(kind()); print(stats.mean_ci([1.0, 2.0, 3.0])[2] > 0, kind())")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "True", "True"]


def test_a_library_that_looks_for_torch_does_not_load_it():
    """scipy.stats imports torch at its own import when it finds it in sys.modules (array API
    support): a lazy torch must not be found there."""
    code = ("import sys; sys.path.insert(0, 'workflow/scripts');"
            "from nnstudies import models; import scipy.stats;"
            "print('torch' in sys.modules, models.torch.nn.Linear(2, 1).weight.shape[1],"
            " 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "2", "True"]
