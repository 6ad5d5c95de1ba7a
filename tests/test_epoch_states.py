"""Epoch states (issue 24): the scheduled run continues from its reference run's saved state at
the plateau instead of training its first phase again, with the same numbers; where it cannot
(no plateau, no states, other settings) it trains that phase itself, as before."""
import io

import numpy as np
import pandas as pd
import pytest
import torch

from nnstudies import train
from nnstudies.config import resolve
from nnstudies.runfiles import RunFileError
from nnstudies.schedule import epoch_end_accuracy, plateau_epoch
from nnstudies.studies import learning_rates
from test_train import CNN, MLP, make_data, make_run

torch.set_num_threads(1)

# wall clock, and where the first phase came from: all that may differ between the two ways
NOT_COMPARED = {"train_seconds", "started_at", "finished_at", "resumed_at_epoch"}


@pytest.fixture(scope="module")
def data():
    return make_data(n_train=200)  # batch 50: 4 steps per epoch


def constant(layers, every, momentum, epochs=5):
    return make_run(layers, optimizer="sgd", lr=0.1, momentum=momentum, epochs=epochs,
                    name="lr0.1", record_every=every, keep_epoch_states=True)


def scheduled(reference_run, epochs=6, patience=1):
    return {**reference_run, "name": "schedule", "epochs": epochs, "reference": "lr0.1",
            "keep_epoch_states": False,
            "schedule": {"lrs": [0.1, 0.01, 0.001], "epochs": epochs, "min_delta": 0.01,
                         "patience": patience}}


def with_plateau_at(curves, plateau):
    """The reference's curves with a validation accuracy whose plateau (delta 0.01, patience 1)
    is `plateau`: the rule's answer, whatever the tiny network learned."""
    df = pd.DataFrame(curves)
    df["val_acc"] = [0.1 * e if e < plateau else 0.5 for e in df.epoch]
    assert plateau_epoch(epoch_end_accuracy(df), 0.01, 1) == plateau
    return df


def go(run, data, **kw):
    log = io.StringIO()
    curves, summary, arrays, model = train.train_run(run, data, log=log, **kw)
    return curves, summary, arrays, model, log.getvalue()


def through_file(tmp_path, states, reference):
    """Saved and read back as the workflow does (torch.save; weights_only load, checked)."""
    path = tmp_path / "epoch_states.pt"
    torch.save(states, path)
    return train.read_epoch_states(path, reference)


def assert_same_run(a, b):
    curves_a, summary_a, arrays_a, model_a = a[:4]
    curves_b, summary_b, arrays_b, model_b = b[:4]
    assert curves_a == curves_b  # every record, exactly
    assert ({k: v for k, v in summary_a.items() if k not in NOT_COMPARED}
            == {k: v for k, v in summary_b.items() if k not in NOT_COMPARED})
    for key in ("first_layer", "unit_class_means"):
        assert np.array_equal(arrays_a[key], arrays_b[key])
    state_a, state_b = model_a.state_dict(), model_b.state_dict()
    assert state_a.keys() == state_b.keys()
    assert all(torch.equal(state_a[k], state_b[k]) for k in state_a)


@pytest.mark.parametrize("layers,every,momentum,plateau", [
    (CNN, 3, 0.9, 3),  # records every 3 of 4 steps: a window runs on over the epoch's end
    (CNN, 4, 0.0, 1),
    (MLP, "epoch", 0.9, 4),
], ids=["cnn-window-momentum", "cnn-first-epoch", "mlp-per-epoch"])
def test_continuing_from_the_reference_state_gives_the_same_numbers(
        tmp_path, data, layers, every, momentum, plateau):
    ref_run = constant(layers, every, momentum)
    ref_curves, _, ref_arrays, _, _ = go(ref_run, data)
    assert sorted(ref_arrays["epoch_states"]["epochs"]) == [1, 2, 3, 4, 5]
    reference = with_plateau_at(ref_curves, plateau)
    states = through_file(tmp_path, ref_arrays["epoch_states"], reference)
    run = scheduled(ref_run)

    scratch = go(run, data, reference=reference)
    resumed = go(run, data, reference=reference, reference_states=states)
    assert_same_run(resumed, scratch)
    assert resumed[1]["resumed_at_epoch"] == plateau and scratch[1]["resumed_at_epoch"] is None
    assert f"continued from lr0.1's state at epoch {plateau}" in resumed[4]
    assert resumed[1]["switch_epochs"][0] == plateau
    assert resumed[1]["first_switch_from"] == "reference run"
    # the first phase is the constant run's own records, up to its plateau epoch
    assert resumed[0][:len([r for r in ref_curves if r["epoch"] <= plateau])] == \
        [r for r in ref_curves if r["epoch"] <= plateau]


def test_without_a_reference_plateau_the_scheduled_run_trains_its_first_phase(tmp_path, data):
    # two epochs with patience 2: the constant run is too short to show a plateau
    ref_run = constant(CNN, 4, 0.9, epochs=2)
    ref_curves, _, ref_arrays, _, _ = go(ref_run, data)
    reference = pd.DataFrame(ref_curves)
    states = through_file(tmp_path, ref_arrays["epoch_states"], reference)
    run = scheduled(ref_run, epochs=4, patience=2)
    scratch = go(run, data, reference=reference)
    resumed = go(run, data, reference=reference, reference_states=states)
    assert_same_run(resumed, scratch)
    assert resumed[1]["resumed_at_epoch"] is None
    assert resumed[1]["first_switch_from"] in (None, "own curve")
    assert "continued from" not in resumed[4]


def test_states_it_cannot_stand_on_make_it_train_the_first_phase(tmp_path, data):
    ref_run = constant(CNN, 4, 0.9, epochs=3)
    ref_curves, _, ref_arrays, _, _ = go(ref_run, data)
    reference = with_plateau_at(ref_curves, 2)
    run = scheduled(ref_run, epochs=4)
    scratch = go(run, data, reference=reference)
    other = dict(ref_arrays["epoch_states"], run={**ref_run, "momentum": 0.5})
    for states, why in [(train.NO_EPOCH_STATES, "kept no epoch states"),
                        (other, "differs in momentum"),
                        (dict(ref_arrays["epoch_states"], precision="bf16"),
                         "ran with another precision")]:
        resumed = go(run, data, reference=reference,
                     reference_states=through_file(tmp_path, states, reference))
        assert_same_run(resumed, scratch)
        assert resumed[1]["resumed_at_epoch"] is None
        assert f"first phase trained here: its reference run {why}" in resumed[4]


def test_only_a_run_that_keeps_them_returns_epoch_states(data):
    _, _, arrays, _, _ = go(constant(MLP, 4, 0.0, epochs=1), data)
    assert "epoch_states" in arrays
    _, _, arrays, _, _ = go({**constant(MLP, 4, 0.0, epochs=1), "keep_epoch_states": False}, data)
    assert "epoch_states" not in arrays


def test_damaged_or_foreign_epoch_states_are_refused_with_the_path(tmp_path, data):
    ref_curves, _, ref_arrays, _, _ = go(constant(MLP, 4, 0.0, epochs=2), data)
    good = tmp_path / "good.pt"
    torch.save(ref_arrays["epoch_states"], good)
    reference = pd.DataFrame(ref_curves)
    assert train.read_epoch_states(good, reference)["epochs"].keys() == {1, 2}

    cut = tmp_path / "cut" / "epoch_states.pt"
    cut.parent.mkdir()
    cut.write_bytes(good.read_bytes()[:200])
    with pytest.raises(RunFileError, match=r"cut/epoch_states.pt: is not a readable "
                                           r"epoch-states file .*Train this run again"):
        train.read_epoch_states(cut)
    pickled = tmp_path / "pickled.pt"  # an arbitrary object: refused by weights_only
    torch.save({"format": 1, "epochs": {}, "frame": reference}, pickled)
    with pytest.raises(RunFileError, match="not a readable epoch-states file"):
        train.read_epoch_states(pickled)
    for name, content, problem in [
            ("format", {"format": 99, "epochs": {}}, "not an epoch-states file of format 1"),
            ("fields", {**ref_arrays["epoch_states"],
                        "epochs": {1: {"model": {}, "epoch": 1}}}, "lacks optimizer"),
            ("epoch", {**ref_arrays["epoch_states"],
                       "epochs": {2: ref_arrays["epoch_states"]["epochs"][1]}},
             "inconsistent state at epoch 2")]:
        torch.save(content, tmp_path / f"{name}.pt")
        with pytest.raises(RunFileError, match=problem):
            train.read_epoch_states(tmp_path / f"{name}.pt")
    with pytest.raises(RunFileError, match="not those of its curves.csv"):
        train.read_epoch_states(good, reference.iloc[:-1])


@pytest.mark.parametrize("preset", ["full", "quick", "test"])
def test_the_workflow_keeps_states_on_the_reference_run_only(raw_config, preset):
    cfg = resolve({**raw_config, "preset": preset})
    runs = learning_rates.runs(cfg)
    keeping = sorted(key for key, run in runs.items() if run.get("keep_epoch_states"))
    first = learning_rates.lr_name(cfg["learning_rates"]["schedule"]["lrs"][0])
    assert keeping == sorted((first, s) for s in cfg["learning_rates"]["seeds"])
    for (name, seed), run in runs.items():
        if name == "schedule":  # the states it reads can stand for its first phase
            reference = runs[(run["reference"], seed)]
            assert train.first_phase_spec(run) == train.first_phase_spec(reference)
