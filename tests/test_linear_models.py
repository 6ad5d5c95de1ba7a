"""Seed 004's NumPy models: hand gradients against finite differences, and the trainer's records."""
import numpy as np
import pytest

from nnstudies import linear_models as lm


def numeric_grad(params, key, x, y, reg, eps=1e-6):
    grad = np.zeros_like(params[key])
    it = np.nditer(params[key], flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = params[key][i]
        params[key][i] = old + eps
        up, _ = lm.loss_and_grads(params, x, y, reg)
        params[key][i] = old - eps
        down, _ = lm.loss_and_grads(params, x, y, reg)
        params[key][i] = old
        grad[i] = (up - down) / (2 * eps)
    return grad


@pytest.mark.parametrize("kind,hidden", [("linear", None), ("two_layer", 5)])
def test_gradients_match_finite_differences(kind, hidden):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((7, 6))
    y = lm.one_hot(rng.integers(0, 4, 7), 4, np.float64)
    params = lm.init_params(kind, 6, 4, hidden, std=0.5, rng=rng, dtype=np.float64)
    for key in params:  # non-zero biases, so that their gradients are exercised too
        params[key] += 0.1 * rng.standard_normal(params[key].shape)
    reg = 0.05  # large enough that the L2 term's gradient matters
    _, grads = lm.loss_and_grads(params, x, y, reg)
    assert set(grads) == set(params)
    for key in params:
        num = numeric_grad(params, key, x, y, reg)
        assert np.max(np.abs(grads[key] - num)) < 1e-7 * max(1.0, np.max(np.abs(num))), key


def test_loss_is_the_seeds_formula():
    """sum of squared errors / N + reg * sum w^2 (biases not penalised)."""
    rng = np.random.default_rng(2)
    x = rng.standard_normal((5, 3))
    y = lm.one_hot(np.array([0, 1, 2, 0, 1]), 3, np.float64)
    p = lm.init_params("linear", 3, 3, std=1.0, rng=rng, dtype=np.float64)
    p["b1"] += 1.0
    loss, _ = lm.loss_and_grads(p, x, y, 0.1)
    expected = np.sum((x @ p["w1"] + p["b1"] - y) ** 2) / 5 + 0.1 * np.sum(p["w1"] ** 2)
    assert loss == pytest.approx(expected)


def test_sigmoid_is_stable():
    z = np.array([-1000.0, 0.0, 1000.0])
    assert np.allclose(lm.sigmoid(z), [0.0, 0.5, 1.0])


def tiny_data(n_per_class=20, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    def split(n):
        y = np.repeat(np.arange(classes), n)
        x = rng.integers(0, 60, (len(y), 1, 4, 4)).astype(np.uint8)
        x[np.arange(len(y)), 0, y, :] = 250  # class c: row c bright
        return x, y.astype(np.int64)
    out = {}
    for part, n in (("train", n_per_class), ("val", 5), ("test", 10)):
        out[f"{part}_x"], out[f"{part}_y"] = split(n)
    return out


def run_of(kind, **kw):
    run = {"trainer": kind, "name": kind, "seed": 0, "scaling": "unit", "lr": 0.01,
           "lr_decay": 0.999, "reg": 5e-6, "batch_size": None, "epochs": 30,
           "record_every": 1, "init_std": 1e-5, "hidden": 8 if kind == "two_layer" else None,
           "center": True, "validate": True}
    run.update(kw)
    return run


def test_linear_gradient_descent_learns_and_records():
    data = tiny_data()
    run = run_of("linear", lr=0.05, epochs=40)
    curves, summary, arrays, model = lm.train_run(run, data)
    assert [c["step"] for c in curves] == list(range(41))
    assert set(curves[0]) == set(lm.curve_columns(run))
    assert curves[0]["train_loss"] == pytest.approx(1.0, abs=1e-3)  # scores ~ 0 at the start
    assert curves[-1]["train_loss"] < 0.8 and summary["test_acc"] == 1.0
    assert curves[1]["lr"] == pytest.approx(0.05) and curves[2]["lr"] == pytest.approx(0.05 * 0.999)
    seconds = [c["seconds"] for c in curves]
    assert seconds[0] == 0 and all(b >= a for a, b in zip(seconds, seconds[1:]))
    assert arrays["first_layer"].shape == (3, 1, 4, 4)  # one template per class, C x H x W
    assert summary["parameters"] == 16 * 3 + 3 and summary["steps_per_epoch"] == 1
    assert arrays["unit_class_means"].shape == (3, 3)
    # each template lights up the row of its class
    for c in range(3):
        assert arrays["first_layer"][c, 0].mean(1).argmax() == c


def test_minibatch_sgd_steps_and_decay_per_pass():
    data = tiny_data()  # 60 training images
    run = run_of("two_layer", batch_size=20, epochs=3, record_every=2, lr=0.1, lr_decay=0.5)
    curves, summary, _, _ = lm.train_run(run, data)
    assert summary["steps"] == 9 and summary["steps_per_epoch"] == 3
    assert [c["step"] for c in curves] == [0, 2, 4, 6, 8, 9]
    assert [c["epoch"] for c in curves] == [0, 1, 2, 2, 3, 3]
    assert [c["lr"] for c in curves][1:] == pytest.approx([0.1, 0.05, 0.05, 0.025, 0.025])
    assert summary["parameters"] == 16 * 8 + 8 + 8 * 3 + 3


def test_divergence_is_recorded_not_raised():
    data = tiny_data()
    curves, summary, _, _ = lm.train_run(run_of("linear", lr=50.0, epochs=200, init_std=1.0),
                                         data)
    assert summary["diverged_at_step"] is not None and summary["test_acc"] is None
    assert len(curves) <= summary["diverged_at_step"] + 1
    # the record after the last step overflowed: it is not kept, so the run's files read back
    # as a diverged run's (runfiles.read_curves refuses a non-finite training loss)
    assert all(np.isfinite(c["train_loss"]) for c in curves)
    assert summary["records"] == len(curves) and np.isfinite(summary["final_train_loss"])


def test_colour_templates_keep_channels():
    data = tiny_data()
    for part in ("train", "val", "test"):
        data[f"{part}_x"] = np.repeat(data[f"{part}_x"], 3, axis=1)  # (N, 3, H, W)
    _, _, arrays, _ = lm.train_run(run_of("linear", epochs=2), data)
    assert arrays["first_layer"].shape == (3, 3, 4, 4)


def test_the_torch_only_settings_are_accepted_and_ignored():
    data = tiny_data()
    _, summary, _, _ = lm.train_run(run_of("linear", epochs=2), data, device="cuda",
                                    precision="bf16")
    assert summary["device"] == "cpu"
