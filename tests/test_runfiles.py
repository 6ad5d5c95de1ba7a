"""Every kind of per-run file, damaged, stops the analysis naming the file and how to redo it."""
import numpy as np
import pandas as pd
import pytest
import torch

from handmade import run_dict, write_run
from nnstudies import aggregate
from nnstudies.runfiles import RunFileError, load_array, read_curves, read_summary
from nnstudies.studies.concepts import load_weights


@pytest.fixture
def run(tmp_path):
    curve = pd.DataFrame({"step": [10, 20, 30, 40], "epoch": 1, "lr": 0.1,
                          "train_loss": [2.0, 1.5, 1.2, 1.0], "train_acc": 0.5,
                          "val_loss": 1.0, "val_acc": [0.3, 0.4, 0.5, 0.6]})
    folder = tmp_path / "runs" / "architectures" / "mlp_1" / "seed0"
    summary, curves = write_run(folder, run_dict("architectures", "mlp_1", "mlp_1"), curve, 0.6)
    np.save(folder / "first_layer.npy", np.ones((32, 784)))
    torch.save({"w": torch.ones(3)}, folder / "model.pt")
    return folder


def redo_hint(err, folder):
    text = str(err.value)
    assert f"--forcerun {folder / 'summary.json'}" in text and f"delete {folder}/" in text
    return text


def truncate(path, keep):
    path.write_bytes(path.read_bytes()[:keep])


def test_intact_files_read_back(run):
    summary = read_summary(run / "summary.json")
    assert len(read_curves(run / "curves.csv", summary)) == 4
    assert load_array(run / "first_layer.npy").shape == (32, 784)
    runs, _ = aggregate.load_runs([run / "summary.json"], [run / "curves.csv"], 10, 2000)
    assert list(runs.status) == ["ok"]


def test_a_truncated_summary_is_named(run):
    truncate(run / "summary.json", 60)
    with pytest.raises(RunFileError, match="summary.json: is not complete JSON") as err:
        aggregate.load_runs([run / "summary.json"], [run / "curves.csv"], 10, 2000)
    redo_hint(err, run)


@pytest.mark.parametrize("cut, problem", [
    (lambda text: "\n".join(text.splitlines()[:3]) + "\n", "has 2 records where its "
                                                          "summary.json says 4"),
    (lambda text: text[:text.rindex("\n", 0, len(text) - 1) + 8], "curves.csv: has"),
    (lambda text: "", "curves.csv: cannot be parsed"),
])
def test_a_truncated_curve_is_named_not_read_as_a_shorter_run(run, cut, problem):
    path = run / "curves.csv"
    path.write_text(cut(path.read_text()))
    with pytest.raises(RunFileError, match=problem) as err:
        aggregate.load_runs([run / "summary.json"], [path], 10, 2000)
    redo_hint(err, run)


def test_a_curve_with_a_missing_loss_is_named(run):
    path = run / "curves.csv"
    curves = pd.read_csv(path)
    curves.loc[2, "train_loss"] = np.nan
    curves.to_csv(path, index=False)
    with pytest.raises(RunFileError, match="not finite at step 30"):
        read_curves(path, read_summary(run / "summary.json"))


@pytest.mark.parametrize("name", ["first_layer.npy", "unit_class_means.npy"])
def test_a_truncated_array_is_named(run, name):
    np.save(run / name, np.ones((8, 10)))
    truncate(run / name, 100)
    with pytest.raises(RunFileError, match=f"{name}: is not a complete .npy array") as err:
        load_array(run / name)
    redo_hint(err, run)


def test_a_truncated_model_is_named(run):
    truncate(run / "model.pt", 50)
    with pytest.raises(RuntimeError, match="model.pt is not a readable state dict"):
        load_weights(run / "model.pt")
