"""Every kind of per-run file, damaged, stops the analysis naming the file and how to redo it."""
import numpy as np
import pandas as pd
import pytest
import torch

from handmade import run_dict, write_run
from nnstudies import aggregate
from nnstudies.runfiles import RunFileError, curves_csv, load_array, read_curves, read_summary
from nnstudies.studies.common import load_weights


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


CURVE_VALUES = [0, 1, 338, 2**40, 0.0, 1.0, 0.1, 1e-05, 0.0001, 2.5e-7, 1e16, 123456789.25,
                2.294153103298611, 0.11592592592592593, 1 / 3, float("inf"), -float("inf"),
                float("nan"), None, np.float64(0.1), np.float64(1e-30), np.int64(7),
                np.float32(0.1), np.float32(2.4274409)]


@pytest.mark.parametrize("seed", range(40))
def test_curves_csv_writes_what_pandas_writes(seed):
    """The training jobs write curves.csv without pandas (0.2 s of start-up each); the bytes
    must stay those pandas wrote, for every mix of value types a column can hold (integers
    only, integers and floats, missing values, numpy scalars, inf and NaN)."""
    rng = np.random.default_rng(seed)
    columns = ["step", "epoch", "lr", "train_loss", "val_acc"]
    kinds = {c: rng.choice(["int", "float", "any"]) for c in columns}

    def value(kind):
        if kind == "int":
            return int(rng.integers(0, 10**6))
        if kind == "float":
            return float(rng.choice([rng.random(), rng.random() * 10.0 ** rng.integers(-8, 17)]))
        return CURVE_VALUES[rng.integers(len(CURVE_VALUES))]

    records = []
    for _ in range(int(rng.integers(0, 6))):
        record = {c: value(kinds[c]) for c in columns if rng.random() > 0.1}
        records.append(record)
    assert curves_csv(records, columns) == pd.DataFrame(records, columns=columns).to_csv(
        index=False)


def test_curves_csv_of_a_run_without_records_is_its_header():
    assert curves_csv([], ["step", "train_loss"]) == "step,train_loss\n"


@pytest.mark.parametrize("records", [[{"a": np.float32(0.1)}, {"a": np.float32(2.5)}],
                                     [{"a": np.float32(0.1)}, {"a": 0.2}]])
def test_curves_csv_keeps_float32_as_pandas_does(records):
    assert curves_csv(records, ["a"]) == pd.DataFrame(records, columns=["a"]).to_csv(index=False)


@pytest.mark.parametrize("value", [True, "x"])
def test_curves_csv_refuses_what_is_not_a_number(value):
    with pytest.raises(ValueError, match="curve column 'a' holds values other than numbers"):
        curves_csv([{"a": 1.0}, {"a": value}], ["a"])
