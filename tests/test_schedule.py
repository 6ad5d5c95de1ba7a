"""The gradient study's recorded norm, the plateau rule and the scheduled learning rate."""
import copy

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from nnstudies.models import build_model, first_layer
from nnstudies.schedule import describe_rule, epoch_end_accuracy, plateau_epoch
from test_train import CNN, go, make_data, make_run

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def data():
    return make_data(n_train=200)


# --- gradient norm -----------------------------------------------------------------------------

def test_recorded_gradient_norm_is_the_weight_step_over_lr(data):
    """For plain SGD, ||w_k - w_(k+1)|| / lr = ||grad||: the norm recorded at step 2 of one run
    equals the first-layer step between the models left after 1 and after 2 steps."""
    lr = 0.05
    full = {k: v for k, v in data.items()}
    full["train_x"], full["train_y"] = data["train_x"][:50], data["train_y"][:50]
    # batch = whole training set: every step sees the same images, whatever the shuffle
    run = make_run(CNN, optimizer="sgd", lr=lr, batch_size=50, record_every=1,
                   record_grad=True, validate=False)
    _, _, after_one, _ = go({**run, "epochs": 1}, full)
    curves, _, after_two, _ = go({**run, "epochs": 2}, full)
    step = np.linalg.norm(after_one["first_layer"] - after_two["first_layer"]) / lr
    assert [r["step"] for r in curves] == [1, 2]
    assert curves[1]["grad_norm"] == pytest.approx(step, rel=1e-4)
    assert curves[1]["grad_norm"] != pytest.approx(curves[0]["grad_norm"], rel=1e-3)


def test_recorded_gradient_norm_matches_autograd_on_the_initial_model(data):
    full = {k: v for k, v in data.items()}
    full["train_x"], full["train_y"] = data["train_x"][:50], data["train_y"][:50]
    run = make_run(CNN, optimizer="sgd", lr=0.01, batch_size=50, epochs=1, record_every=1,
                   record_grad=True, validate=False)
    curves, _, _, _ = go(run, full)
    torch.manual_seed(run["seed"])
    model = build_model(CNN, (1, 28, 28), 10)
    x = torch.tensor(full["train_x"], dtype=torch.float32) / 255
    nn.functional.cross_entropy(model(x), torch.tensor(full["train_y"])).backward()
    assert curves[0]["grad_norm"] == pytest.approx(first_layer(model).weight.grad.norm().item(),
                                                   rel=1e-4)
    assert "val_acc" not in curves[0]  # validate=False records no validation


# --- plateau rule ------------------------------------------------------------------------------

def curve(values):
    return dict(enumerate(values, start=1))


@pytest.mark.parametrize("values, delta, patience, after, expected", [
    ([0.5, 0.6, 0.7, 0.7, 0.7], 0.001, 2, 0, 3),      # flat after epoch 3
    ([0.5, 0.6, 0.7, 0.8, 0.9], 0.001, 2, 0, None),   # still rising: no plateau
    ([0.5, 0.7, 0.6, 0.65, 0.8], 0.0, 2, 0, 2),       # a dip does not count as progress
    ([0.5, 0.7, 0.6, 0.65, 0.8], 0.0, 3, 0, None),    # ... but 0.8 within 3 epochs does
    ([0.5, 0.6, 0.61, 0.62, 0.63], 0.02, 1, 0, 2),    # improvements below delta are a plateau
    ([0.5, 0.5, 0.5, 0.6, 0.6, 0.6], 0.0, 1, 3, 4),   # only epochs after `after` count
    ([0.5, 0.5], 0.0, 3, 0, None),                    # too short to judge
])
def test_plateau_rule_on_hand_made_curves(values, delta, patience, after, expected):
    assert plateau_epoch(curve(values), delta, patience, after) == expected


def test_the_rule_prints_its_threshold_in_points_as_the_report_prints_accuracy():
    """min_delta is a fraction; the report writes accuracies in %, so 0.01 reads "1 point"."""
    assert describe_rule(0.01, 1) == (
        "the first epoch after which the best end-of-epoch validation accuracy so far (since the "
        "start or the last switch) is not beaten by more than 1 point at the end of the next "
        "epoch")
    assert describe_rule(0.005, 2).endswith(
        "not beaten by more than 0.5 points at the end of any of the next 2 epochs")
    assert "by more than 7 points" in describe_rule(0.07, 1)
    assert "is not beaten at the end of the next epoch" in describe_rule(0.0, 1)


def test_epoch_end_accuracy_takes_the_last_record_of_each_epoch():
    df = pd.DataFrame({"epoch": [1, 1, 2, 2], "val_acc": [0.1, 0.2, 0.3, 0.4]})
    assert epoch_end_accuracy(df) == {1: 0.2, 2: 0.4}


# --- scheduled learning rate -------------------------------------------------------------------

def scheduled(min_delta, patience=1, epochs=5):
    # 200 training images, batch 50: 4 steps per epoch, one record at each epoch's end
    return make_run(CNN, optimizer="sgd", lr=0.1, epochs=epochs, name="schedule", record_every=4,
                    schedule={"lrs": [0.1, 0.01, 0.001], "epochs": epochs,
                              "min_delta": min_delta, "patience": patience})


def reference_curves(values):
    return pd.DataFrame({"epoch": range(1, len(values) + 1), "val_acc": values})


def lr_by_epoch(curves):
    df = pd.DataFrame(curves)
    return df.groupby("epoch").lr.agg(lambda s: sorted(set(s))).to_dict()


def test_schedule_switches_at_the_epochs_the_rule_gives(data):
    # reference: plateau after epoch 2 (0.6 -> 0.6); then min_delta 1 makes every epoch a
    # plateau, so the second switch comes one epoch (patience) after the first.
    run = scheduled(min_delta=1.0)
    ref = reference_curves([0.3, 0.6, 0.6, 0.6])
    assert plateau_epoch(epoch_end_accuracy(ref), 1.0, 1) == 1
    curves, summary, _, _ = go(run, data, reference=ref)
    assert summary["switch_epochs"] == [1, 2]
    assert lr_by_epoch(curves) == {1: [0.1], 2: [0.01], 3: [0.001], 4: [0.001], 5: [0.001]}
    steps = [r["step"] for r in curves]
    assert steps == list(range(4, summary["steps"] + 1, 4))  # continuous after the rewind
    assert summary["steps"] == 5 * summary["steps_per_epoch"]


def test_schedule_retrains_from_scratch_and_matches_the_constant_run_before_the_switch(data):
    ref = reference_curves([0.3, 0.5, 0.5, 0.5])  # plateau after epoch 2 with delta 0.01
    constant, _, _, _ = go({**scheduled(0.01), "schedule": None, "epochs": 2}, data)
    curves, summary, _, _ = go(scheduled(0.01), data, reference=ref)
    assert summary["switch_epochs"][0] == 2
    head = [r for r in curves if r["epoch"] <= 2]
    assert head == constant


def test_without_a_reference_plateau_the_first_switch_comes_from_its_own_curve(data):
    ref = reference_curves([0.1])  # too short to show a plateau
    curves, summary, _, _ = go(scheduled(1.0, epochs=3), data, reference=ref)
    # min_delta 1: every epoch of its own curve is a plateau, so it switches after epoch 1
    assert summary["switch_epochs"] == [1, 2]
    assert summary["first_switch_from"] == "own curve"
    assert lr_by_epoch(curves) == {1: [0.1], 2: [0.01], 3: [0.001]}


def test_no_plateau_anywhere_keeps_the_first_rate(data):
    # two epochs with patience 2: neither the reference nor its own curve can show a plateau
    ref = reference_curves([0.1, 0.2])
    curves, summary, _, _ = go(scheduled(0.0, patience=2, epochs=2), data, reference=ref)
    assert summary["switch_epochs"] == [] and summary["first_switch_from"] is None
    assert {r["lr"] for r in curves} == {0.1}


def test_second_switch_follows_the_plateau_of_the_second_phase(data):
    """With patience 1 and delta 0, the second switch is the first epoch of phase 2 whose next
    epoch brings no gain: recompute it from an uninterrupted phase-2 run."""
    ref = reference_curves([0.3, 0.6, 0.6])
    run = scheduled(0.0, epochs=5)
    curves, summary, _, _ = go(run, data, reference=ref)
    first = summary["switch_epochs"][0]
    assert first == 2
    # phase 2 uninterrupted: the same weights and order as the scheduled run, 0.01 to the end
    explore = copy.deepcopy(run)
    explore["schedule"] = {**run["schedule"], "lrs": [0.1, 0.01]}
    phase2, _, _, _ = go(explore, data, reference=ref)
    expected = plateau_epoch(epoch_end_accuracy(pd.DataFrame(phase2)), 0.0, 1, after=first)
    assert summary["switch_epochs"][1:] == ([expected] if expected and expected < 5 else [])
