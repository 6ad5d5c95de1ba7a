"""Seed 004's hand-written models in NumPy: a linear classifier and a two-layer sigmoid network.

Both minimise the squared error on one-hot targets plus an L2 term,
    L = (1/N) sum_n ||f(x_n) - y_n||^2 + reg * (sum of squared weights, biases excluded),
as the seed wrote it, by full-batch gradient descent (batch_size null) or mini-batch SGD (N is
then the batch), the learning rate multiplied by `lr_decay` after every pass over the training
set (the seed's "iteration": one update for gradient descent, steps_per_epoch updates for SGD).
Plain NumPy, no autograd: the gradients are written out below and checked against finite
differences in tests/test_linear_models.py. Trainer names "linear" and "two_layer"
(nnstudies/trainers.py); the interface is nnstudies.train's (train_run, curve_columns).

Every `record_every` updates (and at step 0 and the last step) a record holds the objective and
accuracy on the whole training split, the validation split and the test split, and `seconds`:
the training time so far, counting the updates (and the shuffles) but not the recording.
"""
import math
import time

import numpy as np

from .data import SCALINGS


def sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # = 1 / (1 + exp(-z)), without overflow


def init_params(kind, d_in, n_classes, hidden=None, std=1e-5, rng=None, dtype=np.float32):
    """Weights ~ N(0, std^2), biases 0: {'w1', 'b1'} (linear) or {'w1', 'b1', 'w2', 'b2'}."""
    rng = rng if rng is not None else np.random.default_rng(0)
    if kind == "linear":
        shapes = {"w1": (d_in, n_classes)}
    else:
        shapes = {"w1": (d_in, hidden), "w2": (hidden, n_classes)}
    params = {}
    for name, shape in shapes.items():
        params[name] = (std * rng.standard_normal(shape)).astype(dtype)
        params["b" + name[1:]] = np.zeros(shape[1], dtype=dtype)
    return params


def forward(params, x):
    """(scores, hidden activations or None)."""
    if "w2" not in params:
        return x @ params["w1"] + params["b1"], None
    h = sigmoid(x @ params["w1"] + params["b1"])
    return h @ params["w2"] + params["b2"], h


def penalty(params, reg):
    return reg * sum(float(np.sum(params[k].astype(np.float64) ** 2))
                     for k in params if k.startswith("w"))


def loss_and_grads(params, x, y_onehot, reg):
    """The objective on (x, y) and its gradient with respect to every parameter, by hand."""
    n = len(x)
    scores, h = forward(params, x)
    diff = scores - y_onehot
    loss = float(np.sum(diff.astype(np.float64) ** 2)) / n + penalty(params, reg)
    d_scores = (2.0 / n) * diff
    grads = {}
    if h is None:
        grads["w1"] = (d_scores.T @ x).T + 2 * reg * params["w1"]
        grads["b1"] = d_scores.sum(0)
        return loss, grads
    grads["w2"] = (d_scores.T @ h).T + 2 * reg * params["w2"]
    grads["b2"] = d_scores.sum(0)
    d_z = (d_scores @ params["w2"].T) * h * (1 - h)
    grads["w1"] = (d_z.T @ x).T + 2 * reg * params["w1"]
    grads["b1"] = d_z.sum(0)
    return loss, grads


def one_hot(labels, n_classes, dtype=np.float32):
    out = np.zeros((len(labels), n_classes), dtype=dtype)
    out[np.arange(len(labels)), labels] = 1
    return out


def evaluate(params, x, labels, n_classes, reg, chunk=10000):
    """(objective, accuracy) on the whole of (x, labels), in chunks."""
    sq, correct = 0.0, 0
    for i in range(0, len(x), chunk):
        scores, _ = forward(params, x[i:i + chunk])
        target = one_hot(labels[i:i + chunk], n_classes, scores.dtype)
        sq += float(np.sum((scores - target).astype(np.float64) ** 2))
        correct += int((scores.argmax(1) == labels[i:i + chunk]).sum())
    return sq / len(x) + penalty(params, reg), correct / len(x)


def inputs(data, scaling, center):
    """Flattened float32 inputs of every split; with `center`, the training split's mean image
    (after scaling) subtracted from all of them. Returns ({part: x}, mean image or None)."""
    factor, offset = SCALINGS[scaling]
    out = {part: data[f"{part}_x"].reshape(len(data[f"{part}_x"]), -1).astype(np.float32)
           * np.float32(factor) + np.float32(offset) for part in ("train", "val", "test")}
    mean = None
    if center:
        mean = out["train"].mean(0)
        for part in out:
            out[part] -= mean
    return out, mean


def curve_columns(run):
    return (["step", "epoch", "lr", "seconds", "train_loss", "train_acc"]
            + (["val_loss", "val_acc"] if run.get("validate", True) else [])
            + ["test_loss", "test_acc"])


def parameter_count(params):
    return int(sum(p.size for p in params.values()))


def _threads():
    from .trainers import job_threads  # the job's thread count (set by train_run.py)
    return job_threads()


def _limit_threads(threads):
    """Limit NumPy's BLAS to the job's threads where threadpoolctl is there (else a no-op)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        import contextlib
        return contextlib.nullcontext()
    return threadpool_limits(limits=threads)


def train_run(run, data, device="cpu", eval_batch=1000, log=None, reference=None,
              precision="fp32"):
    """Train one run of the linear or two-layer model; (curves, summary, arrays, model).
    NumPy on the CPU in float32 whatever `device` and `precision` (train.precision) say."""
    threads = _threads()
    with _limit_threads(threads), np.errstate(over="ignore", invalid="ignore"):
        return _train(run, data, eval_batch, log, threads)


def _train(run, data, eval_batch, log, threads):
    started, wall_start = time.perf_counter(), time.time()
    kind = run["trainer"]
    n_classes = int(max(data["train_y"].max(), data["test_y"].max())) + 1
    x, mean = inputs(data, run["scaling"], run.get("center", False))
    labels = {part: data[f"{part}_y"] for part in ("train", "val", "test")}
    y = one_hot(labels["train"], n_classes)
    rng = np.random.default_rng(run["seed"])
    params = init_params(kind, x["train"].shape[1], n_classes, run.get("hidden"),
                         run["init_std"], rng)
    reg, lr, decay = run["reg"], run["lr"], run["lr_decay"]
    n = len(y)
    batch = run.get("batch_size") or n
    steps_per_epoch = math.ceil(n / batch)
    every, validate = run["record_every"], run.get("validate", True)
    total = steps_per_epoch * run["epochs"]
    parts = ["train"] + (["val"] if validate else []) + ["test"]
    curves, step, train_time, diverged_at = [], 0, 0.0, None
    chunk = max(eval_batch, 1)

    def record(epoch):
        row = {"step": step, "epoch": epoch, "lr": lr, "seconds": train_time}
        for part in parts:
            row[f"{part}_loss"], row[f"{part}_acc"] = evaluate(
                params, x[part], labels[part], n_classes, reg, chunk)
        if log is not None:
            print(f"step {step}/{total} epoch {epoch} lr {lr:.3g} {train_time:.1f} s: "
                  f"train loss {row['train_loss']:.4f} acc {row['train_acc']:.4f}, "
                  f"test acc {row['test_acc']:.4f}", file=log, flush=True)
        finite = math.isfinite(row["train_loss"])
        if finite:  # a diverged run ends at its last finite record (runfiles.read_curves)
            curves.append(row)
        return finite

    record(0)
    for epoch in range(1, run["epochs"] + 1):
        tick = time.perf_counter()
        order = rng.permutation(n) if batch < n else None
        for start in range(0, n, batch):
            if order is None:
                xb, yb = x["train"], y
            else:
                idx = order[start:start + batch]
                xb, yb = x["train"][idx], y[idx]
            loss, grads = loss_and_grads(params, xb, yb, reg)
            if not math.isfinite(loss):
                diverged_at = step + 1
                break
            for key, g in grads.items():
                params[key] -= np.asarray(lr, dtype=params[key].dtype) * g
            step += 1
            if step % every == 0 or step == total:
                train_time += time.perf_counter() - tick
                finite = record(epoch)
                tick = time.perf_counter()
                if not finite:
                    diverged_at = step
                    break
        if diverged_at is not None:
            break
        lr *= decay
        train_time += time.perf_counter() - tick

    test_loss, test_acc = ((None, None) if diverged_at is not None else
                           evaluate(params, x["test"], labels["test"], n_classes, reg, chunk))
    last = curves[-1]
    summary = {
        "steps": step, "steps_per_epoch": steps_per_epoch, "records": len(curves),
        "diverged_at_step": diverged_at, "switch_epochs": [], "first_switch_from": None,
        "test_loss": test_loss, "test_acc": test_acc,
        "final_train_acc": last["train_acc"], "final_val_acc": last.get("val_acc"),
        "final_train_loss": last["train_loss"], "loss": "squared error on one-hot + L2",
        "parameters": parameter_count(params), "device": "cpu", "threads": threads,
        "train_seconds": time.perf_counter() - started, "update_seconds": train_time,
        "started_at": wall_start, "finished_at": time.time(),
    }
    shape = tuple(data["train_x"].shape[1:])
    scores, h = forward(params, x["test"])
    hidden = scores if h is None else h  # the first layer's units: scores, or sigmoid units
    means = np.stack([hidden[labels["test"] == c].mean(0) if (labels["test"] == c).any()
                      else np.zeros(hidden.shape[1]) for c in range(n_classes)], axis=1)
    arrays = {"first_layer": params["w1"].T.reshape(-1, *shape).copy(),
              "unit_class_means": means}
    model = {**params, **({"mean_image": mean} if mean is not None else {})}
    return curves, summary, arrays, model
