"""The training function on a tiny synthetic dataset: records, evaluation, determinism,
divergence, returned arrays. Every run here takes well under a second on one thread."""
import io
import math

import numpy as np
import pytest
import torch
from torch import nn

from nnstudies import train
from nnstudies.models import build_model, count_parameters

torch.set_num_threads(1)

MLP = ["fc 32", "relu"]
CNN = ["conv 3x3x8", "relu", "maxpool", "conv 3x3x4", "relu", "maxpool"]


def synthetic_set(n, rng, n_classes=10):
    """Noise images with a class-coded bright band, so that a tiny network can learn them."""
    y = np.arange(n) % n_classes
    x = rng.integers(0, 120, size=(n, 1, 28, 28), dtype=np.uint8)  # (N, C, H, W)
    for c in range(n_classes):
        x[y == c, :, 2 * c + 4: 2 * c + 7, 4:24] = 255
    perm = rng.permutation(n)
    return x[perm], y[perm].astype(np.int64)


def make_data(n_train=400, n_val=100, n_test=100, n_classes=10, seed=0):
    rng = np.random.default_rng(seed)
    out = {}
    for part, n in (("train", n_train), ("val", n_val), ("test", n_test)):
        out[f"{part}_x"], out[f"{part}_y"] = synthetic_set(n, rng, n_classes)
    return out


@pytest.fixture(scope="module")
def data():
    return make_data()


def make_run(layers=MLP, **overrides):
    run = {"name": "t", "layers": list(layers), "optimizer": "adam", "lr": 1e-3, "momentum": 0.0,
           "batch_size": 50, "epochs": 2, "record_every": 10, "seed": 0, "scaling": "unit"}
    run.update(overrides)
    return run


def go(run, data, **kw):
    return train.train_run(run, data, log=io.StringIO(), **kw)


def plain_eval(model, images, labels, scaling="unit"):
    """Loss and accuracy with plain torch, independent of nnstudies.train/data."""
    low, high = {"unit": (0.0, 1.0), "symmetric": (-1.0, 1.0), "raw": (0.0, 255.0)}[scaling]
    x = torch.tensor(images, dtype=torch.float32) / 255 * (high - low) + low
    y = torch.tensor(labels)
    model.eval()
    with torch.no_grad():
        logits = model(x)
    loss = nn.functional.cross_entropy(logits, y).item()
    acc = (logits.argmax(1) == y).sum().item() / len(y)
    return loss, acc, logits


# ---------------------------------------------------------------------------- records

@pytest.mark.parametrize("layers", [MLP, CNN], ids=["mlp", "cnn"])
@pytest.mark.parametrize("n_train,epochs,every", [(400, 2, 10), (400, 2, 5), (410, 2, 4),
                                                  (400, 1, 3)])
def test_record_count_and_steps(data, layers, n_train, epochs, every):
    d = dict(data)
    if n_train != 400:
        d = make_data(n_train=n_train, seed=5)
    curves, summary, _, _ = go(make_run(layers, epochs=epochs, record_every=every), d)
    per_epoch = math.ceil(n_train / 50)
    total = per_epoch * epochs
    assert summary["steps_per_epoch"] == per_epoch
    assert summary["steps"] == total
    assert summary["diverged_at_step"] is None
    assert len(curves) == summary["records"] == total // every
    assert [r["step"] for r in curves] == [every * (i + 1) for i in range(total // every)]
    assert [r["epoch"] for r in curves] == [math.ceil(r["step"] / per_epoch) for r in curves]
    for r in curves:
        assert set(r) == {"step", "epoch", "lr", "train_loss", "train_acc", "val_loss", "val_acc"}
        assert r["train_loss"] > 0 and math.isfinite(r["train_loss"])
        assert 0 <= r["train_acc"] <= 1 and 0 <= r["val_acc"] <= 1
        # accuracies are fractions of whole examples
        assert round(r["val_acc"] * 100, 9) == round(r["val_acc"] * 100)
    assert summary["final_val_acc"] == curves[-1]["val_acc"]
    assert summary["final_train_acc"] == curves[-1]["train_acc"]


def test_window_train_accuracy_counts_whole_batches(data):
    """record_every=1: every record is one batch of 50, so train_acc is a multiple of 1/50."""
    curves, _, _, _ = go(make_run(MLP, epochs=1, record_every=1), data)
    assert len(curves) == 8
    for r in curves:
        assert abs(r["train_acc"] * 50 - round(r["train_acc"] * 50)) < 1e-9


@pytest.mark.parametrize("layers", [MLP, CNN], ids=["mlp", "cnn"])
def test_final_metrics_equal_independent_evaluation(data, layers):
    # 8 steps per epoch, record every 4: the last record is taken after the last step
    curves, summary, _, model = go(make_run(layers, epochs=2, record_every=4), data)
    assert curves[-1]["step"] == summary["steps"] == 16
    val_loss, val_acc, _ = plain_eval(model, data["val_x"], data["val_y"])
    assert curves[-1]["val_acc"] == val_acc
    assert curves[-1]["val_loss"] == pytest.approx(val_loss, rel=1e-5)
    test_loss, test_acc, _ = plain_eval(model, data["test_x"], data["test_y"])
    assert summary["test_acc"] == test_acc
    assert summary["test_loss"] == pytest.approx(test_loss, rel=1e-5)
    assert summary["parameters"] == count_parameters(model)


def test_symmetric_scaling_is_used(data):
    _, summary, _, model = go(make_run(MLP, scaling="symmetric"), data)
    test_loss, test_acc, _ = plain_eval(model, data["test_x"], data["test_y"], "symmetric")
    assert summary["test_acc"] == test_acc
    assert summary["test_loss"] == pytest.approx(test_loss, rel=1e-5)
    unit = go(make_run(MLP, scaling="unit"), data)[0]
    sym = go(make_run(MLP, scaling="symmetric"), data)[0]
    assert [r["train_loss"] for r in unit] != [r["train_loss"] for r in sym]


def test_the_tiny_network_learns(data):
    curves, summary, _, _ = go(make_run(MLP, epochs=2, record_every=1), data)
    assert summary["test_acc"] > 0.5  # chance is 0.1
    assert curves[-1]["val_acc"] > curves[0]["val_acc"] + 0.3
    assert curves[-1]["train_loss"] < curves[0]["train_loss"]


def test_eval_batch_does_not_change_results(data):
    a_curves, a_sum, _, _ = go(make_run(CNN, record_every=4), data, eval_batch=1000)
    b_curves, b_sum, _, _ = go(make_run(CNN, record_every=4), data, eval_batch=7)
    assert [r["train_loss"] for r in a_curves] == [r["train_loss"] for r in b_curves]
    assert [r["val_acc"] for r in a_curves] == [r["val_acc"] for r in b_curves]
    assert a_sum["test_acc"] == b_sum["test_acc"]
    np.testing.assert_allclose([r["val_loss"] for r in a_curves],
                               [r["val_loss"] for r in b_curves], rtol=1e-5)


# ---------------------------------------------------------------------------- determinism

@pytest.mark.parametrize("layers", [MLP, CNN], ids=["mlp", "cnn"])
def test_same_run_twice_is_bit_identical(data, layers):
    run = make_run(layers, record_every=4)
    c1, s1, a1, m1 = go(run, data)
    c2, s2, a2, m2 = go(dict(run), data)
    assert c1 == c2
    assert s1["test_acc"] == s2["test_acc"] and s1["test_loss"] == s2["test_loss"]
    for key in a1:
        assert np.array_equal(a1[key], a2[key])
    for (k1, v1), (k2, v2) in zip(m1.state_dict().items(), m2.state_dict().items()):
        assert k1 == k2 and torch.equal(v1, v2)


@pytest.mark.parametrize("layers", [MLP, CNN], ids=["mlp", "cnn"])
def test_different_seed_gives_different_run(data, layers):
    c0, _, a0, _ = go(make_run(layers, record_every=4, seed=0), data)
    c1, _, a1, _ = go(make_run(layers, record_every=4, seed=1), data)
    assert [r["train_loss"] for r in c0] != [r["train_loss"] for r in c1]
    assert not np.array_equal(a0["first_layer"], a1["first_layer"])


def test_optimizer_settings_are_used(data):
    def losses(**kw):
        return [r["train_loss"] for r in go(make_run(MLP, record_every=4, **kw), data)[0]]

    adam = losses()
    sgd = losses(optimizer="sgd", lr=0.05)
    sgd_momentum = losses(optimizer="sgd", lr=0.05, momentum=0.9)
    sgd_other_lr = losses(optimizer="sgd", lr=0.01)
    assert len({tuple(adam), tuple(sgd), tuple(sgd_momentum), tuple(sgd_other_lr)}) == 4
    opt = train.make_optimizer(make_run(optimizer="sgd", lr=0.1, momentum=0.5),
                               [nn.Parameter(torch.zeros(1))])
    assert opt.rule == "sgd" and opt.param_groups[0]["lr"] == 0.1
    assert opt.param_groups[0]["momentum"] == 0.5
    opt = train.make_optimizer(make_run(optimizer="adam", lr=0.002), [nn.Parameter(torch.zeros(1))])
    assert opt.rule == "adam" and opt.param_groups[0]["lr"] == 0.002


# ---------------------------------------------------------------------------- divergence

CNN_FC = ["conv 3x3x8", "relu", "maxpool", "fc 16"]


@pytest.mark.parametrize("layers,lr,every", [(MLP, 1e10, 2), (CNN_FC, 1e10, 2), (CNN_FC, 1e20, 2),
                                             (MLP, 1e20, 1)],
                         ids=["mlp-1e10", "cnn-1e10", "cnn-1e20", "mlp-1e20-every-step"])
def test_divergence_is_recorded_and_training_stops(data, layers, lr, every):
    """SGD with an absurd learning rate overflows to a non-finite loss within a few steps."""
    run = make_run(layers, optimizer="sgd", lr=lr, epochs=2, record_every=every)
    curves, summary, arrays, _ = go(run, data)  # returns normally
    step = summary["diverged_at_step"]
    assert step is not None
    assert step % every == 0  # detected at a record
    assert summary["steps"] == step < 16  # stopped early
    assert all(r["step"] < step for r in curves)
    assert len(curves) == summary["records"] == step // every - 1
    assert all(math.isfinite(r["train_loss"]) for r in curves)
    if curves:
        assert summary["final_train_acc"] == curves[-1]["train_acc"]
    else:
        assert summary["final_train_acc"] is None and summary["final_val_acc"] is None
    assert arrays["first_layer"].shape[0] == (32 if layers is MLP else 8)


# ---------------------------------------------------------------------------- arrays

def test_returned_arrays_mlp(data):
    _, _, arrays, model = go(make_run(MLP), data)
    assert arrays["first_layer"].shape == (32, 784)
    np.testing.assert_array_equal(arrays["first_layer"], model[1].weight.detach().numpy())
    means = arrays["unit_class_means"]
    assert means.shape == (32, 10)
    # independently: ReLU(W x + b) of the test images, averaged per class
    x = torch.tensor(data["test_x"], dtype=torch.float32).reshape(100, 784) / 255
    with torch.no_grad():
        h = torch.relu(x @ model[1].weight.T + model[1].bias).numpy()
    expected = np.stack([h[data["test_y"] == c].mean(0) for c in range(10)], axis=1)
    np.testing.assert_allclose(means, expected, rtol=1e-4, atol=1e-5)
    assert (means >= 0).all()


def test_returned_arrays_cnn(data):
    _, _, arrays, model = go(make_run(CNN), data)
    assert arrays["first_layer"].shape == (8, 1, 3, 3)
    means = arrays["unit_class_means"]
    assert means.shape == (8, 10)
    x = torch.tensor(data["test_x"], dtype=torch.float32) / 255
    conv = model[0]
    with torch.no_grad():
        h = torch.relu(nn.functional.conv2d(x, conv.weight, conv.bias)).mean(dim=(2, 3)).numpy()
    expected = np.stack([h[data["test_y"] == c].mean(0) for c in range(10)], axis=1)
    np.testing.assert_allclose(means, expected, rtol=1e-4, atol=1e-5)


def test_unit_class_means_without_activation_after_first_layer(data):
    """A first layer not followed by an activation: raw (signed) responses."""
    _, _, arrays, model = go(make_run(["fc 16", "fc 8", "relu"], epochs=1), data)
    means = arrays["unit_class_means"]
    assert means.shape == (16, 10)
    x = torch.tensor(data["test_x"], dtype=torch.float32).reshape(100, 784) / 255
    with torch.no_grad():
        h = (x @ model[1].weight.T + model[1].bias).numpy()
    expected = np.stack([h[data["test_y"] == c].mean(0) for c in range(10)], axis=1)
    np.testing.assert_allclose(means, expected, rtol=1e-4, atol=1e-5)


def test_number_of_classes_comes_from_the_labels():
    d = make_data(n_train=200, n_val=50, n_test=50, n_classes=5, seed=3)
    _, summary, arrays, model = go(make_run(MLP, epochs=1), d)
    assert list(model)[-1].out_features == 5
    assert arrays["unit_class_means"].shape == (32, 5)
    assert summary["parameters"] == 784 * 32 + 32 + 32 * 5 + 5


def test_model_matches_a_fresh_build_with_the_same_seed(data):
    """Weight initialisation is seeded: before training the model equals build_model after
    torch.manual_seed(seed); a run with lr tiny stays close to it."""
    _, _, arrays, _ = go(make_run(MLP, optimizer="sgd", lr=1e-12, epochs=1), data)
    torch.manual_seed(0)
    fresh = build_model(MLP, (1, 28, 28), 10)
    np.testing.assert_allclose(arrays["first_layer"], fresh[1].weight.detach().numpy(), atol=1e-9)


def test_pick_device():
    assert train.pick_device("cpu") == "cpu"
    assert train.pick_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="cuda"):
            train.pick_device("cuda")


# ---------------------------------------------------------------------------- plumbing

@pytest.mark.parametrize("n_train", [400, 410])
def test_record_every_epoch_records_each_epochs_last_step(data, n_train):
    d = data if n_train == 400 else make_data(n_train=n_train, seed=5)
    curves, summary, _, _ = go(make_run(MLP, epochs=3, record_every="epoch"), d)
    per_epoch = math.ceil(n_train / 50)
    assert [r["step"] for r in curves] == [per_epoch, 2 * per_epoch, 3 * per_epoch]
    assert [r["epoch"] for r in curves] == [1, 2, 3]
    # a record's training accuracy covers the whole epoch: a fraction of its n_train images
    assert all(abs(r["train_acc"] * n_train - round(r["train_acc"] * n_train)) < 1e-6
               for r in curves)


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_weight_decay_is_coupled_l2(optimizer):
    """One step with weight_decay on a zero loss moves w by lr * decay * w (SGD), and changes
    Adam's step: the decay term is added to the gradient."""
    w = nn.Parameter(torch.ones(3))
    opt = train.make_optimizer(make_run(optimizer=optimizer, lr=0.1, weight_decay=0.5), [w])
    assert opt.param_groups[0]["weight_decay"] == 0.5
    (0 * w.sum()).backward()
    opt.step()
    if optimizer == "sgd":
        assert torch.allclose(w.detach(), torch.full((3,), 1 - 0.1 * 0.5))
    else:
        assert (w.detach() < 1).all()
    default = train.make_optimizer(make_run(optimizer=optimizer), [nn.Parameter(torch.ones(1))])
    assert default.param_groups[0]["weight_decay"] == 0


def test_trainer_dispatch():
    from nnstudies.trainers import TRAINERS, trainer_code, trainer_module
    assert trainer_module(make_run()) is train
    assert trainer_module(make_run(trainer="torch")) is train
    assert "train" in trainer_code(make_run())
    for name, entry in TRAINERS.items():
        module = trainer_module({"trainer": name})
        assert callable(module.train_run) and callable(module.curve_columns)
        assert entry["module"] in entry["code"]


# ---------------------------------------------------------------------------- precision

# Largest change bf16 evaluation may make to a validation/test accuracy on this synthetic data
# (100 images each: 0.03 = 3 images). Measured: see test below and bench/README.md.
BF16_ACC_BOUND = 0.03


@pytest.mark.parametrize("layers", [MLP, CNN], ids=["mlp", "cnn"])
def test_precision_fp32_is_the_default_bit_for_bit(data, layers):
    run = make_run(layers, record_every=4)
    c1, s1, a1, _ = go(run, data)
    c2, s2, a2, _ = go(dict(run), data, precision="fp32")
    assert c1 == c2
    assert s1["test_acc"] == s2["test_acc"] and s1["test_loss"] == s2["test_loss"]
    assert s2["precision"] == "fp32"
    for key in a1:
        assert np.array_equal(a1[key], a2[key])


@pytest.mark.parametrize("layers", [MLP, CNN], ids=["mlp", "cnn"])
def test_bf16_changes_only_evaluation_within_the_bound(data, layers):
    run = make_run(layers, record_every=4)
    c32, s32, a32, m32 = go(run, data)
    c16, s16, a16, m16 = go(dict(run), data, precision="bf16")
    assert s16["precision"] == "bf16"
    # training is float32 either way: same steps, same weights
    assert [r["train_loss"] for r in c32] == [r["train_loss"] for r in c16]
    assert [r["train_acc"] for r in c32] == [r["train_acc"] for r in c16]
    for v32, v16 in zip(m32.state_dict().values(), m16.state_dict().values()):
        assert torch.equal(v32, v16)
    val_change = max(abs(a["val_acc"] - b["val_acc"]) for a, b in zip(c32, c16))
    assert val_change <= BF16_ACC_BOUND
    assert abs(s32["test_acc"] - s16["test_acc"]) <= BF16_ACC_BOUND
    np.testing.assert_allclose([r["val_loss"] for r in c16], [r["val_loss"] for r in c32],
                               rtol=0.05, atol=0.01)
    # ... and it is really another computation (bf16 rounding shows in the losses)
    assert [r["val_loss"] for r in c16] != [r["val_loss"] for r in c32]


def test_unknown_precision_is_refused(data):
    with pytest.raises(ValueError, match="precision"):
        go(make_run(MLP), data, precision="fp16")


# ---------------------------------------------------------------- L2 per layer, dropout, norms

CNN_HW5 = ["conv 3x3x4", "relu", "maxpool", "fc 16", "relu"]


def test_layer_weight_decay_selects_layers_most_specific_first():
    model = build_model(CNN_HW5, (1, 28, 28), 10)
    decays = train.layer_decays(make_run(CNN_HW5, weight_decay=0.1,
                                         layer_weight_decay={"conv": 0.5, "fc": 0.2}), model)
    assert decays == [(1, "conv", 0.5), (2, "fc", 0.2), (3, "output", 0.2)]  # fc: output too
    decays = train.layer_decays(make_run(CNN_HW5, weight_decay=0.1, layer_weight_decay={
        "fc": 0.2, "output": 0.0, "2": 0.7}), model)
    assert decays == [(1, "conv", 0.1), (2, "fc", 0.7), (3, "output", 0.0)]
    assert train.layer_decays(make_run(CNN_HW5), model) == [
        (1, "conv", 0.0), (2, "fc", 0.0), (3, "output", 0.0)]
    for bad in ({"dense": 0.1}, {"4": 0.1}, {"0": 0.1}):
        with pytest.raises(ValueError, match="select no layer"):
            train.layer_decays(make_run(CNN_HW5, layer_weight_decay=bad), model)


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_per_layer_decay_is_applied_to_each_layers_group(optimizer):
    """One step on a zero loss: SGD shrinks each layer's weights and biases by its own factor
    1 - lr * λ; without layer_weight_decay the optimiser gets model.parameters() as before."""
    torch.manual_seed(0)
    model = build_model(CNN_HW5, (1, 28, 28), 10)
    before = [p.detach().clone() for p in model.parameters()]
    run = make_run(CNN_HW5, optimizer=optimizer, lr=0.1,
                   layer_weight_decay={"conv": 0.5, "fc": 0.0, "output": 2.0})
    groups = train.param_groups(run, model)
    assert [g["layer"] for g in groups] == ["1 conv", "2 fc", "3 output"]
    assert [g["weight_decay"] for g in groups] == [0.5, 0.0, 2.0]
    assert sum(len(g["params"]) for g in groups) == len(list(model.parameters()))
    opt = train.make_optimizer(run, groups)
    (0 * sum(p.sum() for p in model.parameters())).backward()
    opt.step()
    after = list(model.parameters())
    conv_w, fc_w, out_w = after[0], after[2], after[4]
    if optimizer == "sgd":
        assert torch.allclose(conv_w, before[0] * (1 - 0.1 * 0.5))
        assert torch.allclose(after[1], before[1] * (1 - 0.1 * 0.5))  # its bias too
        assert torch.equal(fc_w, before[2])
        assert torch.allclose(out_w, before[4] * (1 - 0.1 * 2.0))
    else:
        assert not torch.equal(conv_w, before[0]) and torch.equal(fc_w, before[2])
    plain = make_run(CNN_HW5)
    assert not isinstance(train.param_groups(plain, model), list)  # model.parameters()


def test_batchnorm_parameters_keep_the_global_decay():
    model = build_model(["conv 3x3x4", "batchnorm", "relu"], (1, 28, 28), 10)
    groups = train.param_groups(make_run(weight_decay=0.3, layer_weight_decay={"conv": 0.0}),
                                model)
    assert groups[-1]["layer"] == "rest" and groups[-1]["weight_decay"] == 0.3
    assert len(groups[-1]["params"]) == 2  # the norm's scale and shift


def test_per_layer_decay_shrinks_that_layers_norm_in_training(data):
    base = go(make_run(CNN_HW5, optimizer="sgd", lr=0.05), data)[1]
    run = make_run(CNN_HW5, optimizer="sgd", lr=0.05, layer_weight_decay={"fc": 1.0})
    _, summary, _, _ = go(run, data)
    assert [w["layer"] for w in summary["weight_norms"]] == [1, 2, 3]
    assert [d["weight_decay"] for d in summary["layer_weight_decay"]] == [0.0, 1.0, 1.0]
    norms = {w["kind"]: w["norm"] for w in summary["weight_norms"]}
    base_norms = {w["kind"]: w["norm"] for w in base["weight_norms"]}
    assert norms["fc"] < 0.9 * base_norms["fc"] and norms["output"] < base_norms["output"]
    assert summary["linear_map"] is None  # relu: not one linear map


def test_dropout_is_off_in_evaluation(data):
    """The final metrics equal an independent evaluation in eval mode (dropout the identity),
    and a run with dropout 0 trains exactly as the run without the layer."""
    layers = [*CNN_HW5, "dropout 0.5"]
    _, summary, _, model = go(make_run(layers), data)
    loss, acc, _ = plain_eval(model, data["test_x"], data["test_y"])
    assert summary["test_acc"] == acc and summary["test_loss"] == pytest.approx(loss, rel=1e-5)
    model.train()
    x = torch.tensor(data["test_x"][:20], dtype=torch.float32) / 255
    with torch.no_grad():
        assert not torch.equal(model(x), model(x))  # in training mode it drops
    curves0, s0, _, _ = go(make_run([*CNN_HW5, "dropout 0"]), data)
    curves, s, _, _ = go(make_run([*CNN_HW5, "identity"]), data)
    assert curves0 == curves and s0["test_acc"] == s["test_acc"]


def test_identity_mlp_records_its_linear_map(data):
    layers = ["fc 32", "identity", "fc 16", "identity"]
    _, summary, _, model = go(make_run(layers, optimizer="sgd", lr=0.01), data)
    m = summary["linear_map"]
    assert m["matrices"] == 3 and m["same_class"] == 1.0
    assert m["max_abs_diff"] < 1e-4 * m["max_abs_logit"]
    assert m["net_acc"] == m["map_acc"] == summary["test_acc"]
    lin = go(make_run([], optimizer="sgd", lr=0.01), data)[1]["linear_map"]
    assert lin["matrices"] == 1 and lin["max_abs_diff"] < 1e-5
