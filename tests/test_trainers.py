"""What each trainer writes and which rule trains it (trainers.py); a NumPy trainer's job needs
no torch."""
import subprocess
import sys
from pathlib import Path

from nnstudies.trainers import run_files, training_rule

SCRIPTS = Path(__file__).resolve().parents[1] / "workflow" / "scripts"


def test_files_and_rule_follow_the_trainer_and_what_the_run_asks():
    torch_run, numpy_run = {"name": "a"}, {"name": "b", "trainer": "numpy_mlp"}
    assert run_files(torch_run)[-1] == "model.pt" and training_rule(torch_run) == "train"
    assert run_files(numpy_run)[-1] == "model.npz"
    assert training_rule(numpy_run) == training_rule({"trainer": "linear"}) == "train_numpy"
    keeps = {"name": "lr0.1", "keep_epoch_states": True}
    assert run_files(keeps) == run_files(torch_run) + ["epoch_states.pt"]
    assert training_rule(keeps) == "train_with_epoch_states"


def test_numpy_trainers_train_without_torch():
    """torch made unimportable: the NumPy MLP, the linear classifier and everything a training
    job imports besides them still run (each such job saves about 2 s of torch import)."""
    code = f"""
import sys
sys.modules["torch"] = None  # any import of torch now raises ImportError
sys.path.insert(0, {str(SCRIPTS)!r})
import numpy as np
from nnstudies import data, logs, outputs, provenance, runfiles, trainers, linear_models
from nnstudies import numpy_mlp
rng = np.random.default_rng(0)
y = np.arange(60) % 3
x = rng.integers(0, 255, (60, 1, 4, 4)).astype(np.uint8)
d = {{f"{{p}}_x": x for p in ("train", "val", "test")}}
d.update({{f"{{p}}_y": y for p in ("train", "val", "test")}})
trainers.set_threads(1)
run = {{"name": "m", "seed": 0, "hidden": 8, "lr": 1e-3, "momentum": 0.9, "epochs": 2,
       "batch_size": 60, "scaling": "unit", "dtype": "float64", "reduction": "mean",
       "record_every": 1, "validate": True}}
numpy_mlp.train_run(run, d)
run = {{"name": "l", "seed": 0, "trainer": "linear", "lr": 0.01, "lr_decay": 1.0, "reg": 0.0,
       "epochs": 2, "batch_size": None, "scaling": "unit", "center": True, "init_std": 0.01,
       "record_every": 1}}
linear_models.train_run(run, d)
provenance.hardware()
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]


def test_a_trainers_code_list_holds_every_package_module_it_imports():
    """Editing a module a trainer imports must rerun its runs (train_code in common.smk): its
    "code" list names its own module and every nnstudies module that one imports, directly or
    through another."""
    import ast

    from nnstudies.trainers import TRAINERS

    package = SCRIPTS / "nnstudies"

    def imported(module, seen):
        tree = ast.parse((package / f"{module}.py").read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                names = [node.module] if node.module else [a.name for a in node.names]
                for name in names:
                    if (package / f"{name}.py").exists() and name not in seen:
                        seen.add(name)
                        imported(name, seen)
        return seen

    for name, trainer in TRAINERS.items():
        needed = imported(trainer["module"], {trainer["module"]})
        # the registry and the file helpers do not change what a run computes
        needed -= {"trainers", "lazy", "runfiles", "outputs", "datasets"}
        assert needed <= set(trainer["code"]), (name, sorted(needed - set(trainer["code"])))
