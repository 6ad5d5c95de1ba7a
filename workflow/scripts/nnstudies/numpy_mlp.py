"""Study 6b (ECE421 A2): an MLP 784-H-10 in NumPy with backpropagation derived by hand.

Network: o = relu(x W1 + b1) W2 + b2, softmax over the classes, cross-entropy with the true
class (natural log, mean over the images). Rows are images (x: N x 784), so every layer is one
matrix product for the whole batch: forward x @ W1 and h @ W2, backward h.T @ d_o, d_o @ W2.T
and x.T @ d_h. Gradients (d_o = dL/do, one row per image, mean reduction):

    d_o  = (softmax(o) - onehot(y)) / N          (softmax and CE together: no 1/p term)
    dW2  = h.T @ d_o           db2 = sum_rows(d_o)
    d_h  = (d_o @ W2.T) * [z1 > 0]   (z1 = x W1 + b1; ReLU's derivative, 0 at 0 as torch)
    dW1  = x.T @ d_h           db1 = sum_rows(d_h)

Numerically safe: log-softmax subtracts each row's maximum before exp and takes the log of a
sum that is at least 1, so no log(0) and no overflow; the loss is read from log-softmax, never
from log(softmax). No autograd anywhere in the training path (torch appears only in
`autograd_gradients`, the independent check, and for the thread count).

Training as the seed (ECE421 A2): full-batch gradient descent with momentum,
v <- gamma v + alpha g, w <- w - v, velocities starting at zero. `run["reduction"]` says which
gradient g is: "sum" (the seed's code: gW2 = h (p - y)^T summed over the images, so the step
grows with the training-set size) or "mean". One step per epoch; each epoch's record holds the
training loss and accuracy of the weights before the step (the batch the gradient was taken
on) and the validation loss and accuracy after it, as the torch trainer records. A run with
`records_all_splits` also records the test loss and accuracy after each step (the seed's
Figure 3: the test curve), at the cost of one pass over the test split per step.
"""
import math
import time

import numpy as np
from threadpoolctl import threadpool_limits

from .data import SCALINGS

DTYPES = {"float32": np.float32, "float64": np.float64}
PARAMETERS = ("W1", "b1", "W2", "b2")


def init_params(n_in, hidden, n_out, seed, dtype="float32"):
    """Xavier (Glorot) normal weights, std sqrt(2 / (fan_in + fan_out)), and zero biases, from
    a generator seeded with `seed`. (The seed used 2 / (fan_in + fan_out) as the std, i.e. its
    variance, and drew the biases from the same small normal.)"""
    rng = np.random.default_rng(seed)
    dt = DTYPES[dtype]

    def weight(fan_in, fan_out):
        return rng.normal(0.0, math.sqrt(2.0 / (fan_in + fan_out)), (fan_in, fan_out)).astype(dt)

    return {"W1": weight(n_in, hidden), "b1": np.zeros(hidden, dt),
            "W2": weight(hidden, n_out), "b2": np.zeros(n_out, dt)}


def relu(z):
    return np.maximum(z, 0)


def log_softmax(o):
    """log softmax per row, safe for any finite logits (shifted by each row's maximum)."""
    shifted = o - o.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def softmax(o):
    return np.exp(log_softmax(o))


def cross_entropy(log_p, y):
    """Mean over the rows of -log p(true class); y holds class indices."""
    return float(-log_p[np.arange(len(y)), y].mean())


def forward(params, x):
    """Logits (N x classes) and the hidden layer's pre-activations (for backward)."""
    z1 = x @ params["W1"]
    z1 += params["b1"]
    return relu(z1) @ params["W2"] + params["b2"], z1


def loss_and_grads(params, x, y, reduction="mean"):
    """(loss, accuracy, {name: gradient}) of the mean cross-entropy on the batch (x, y).

    params: W1 (d x H), b1 (H), W2 (H x C), b2 (C); x: N x d floats (images are flattened);
    y: N class indices (a one-hot N x C matrix is read as its row maxima's indices).
    reduction "mean" gives the gradient of that loss; "sum" the gradient of the summed loss
    (N times larger), as the seed's update used. The loss reported is always the mean.
    """
    y = np.asarray(y)
    y = y.argmax(axis=1) if y.ndim == 2 else y
    x = x.reshape(len(x), -1)
    n = len(y)
    z1 = x @ params["W1"]
    z1 += params["b1"]
    active = z1 > 0
    h = np.maximum(z1, 0, out=z1)  # in place: z1 is not needed again, only its sign
    o = h @ params["W2"] + params["b2"]
    log_p = log_softmax(o)
    rows = np.arange(n)
    loss = float(-log_p[rows, y].mean())
    accuracy = float((o.argmax(axis=1) == y).mean())
    d_o = np.exp(log_p)           # softmax(o)
    d_o[rows, y] -= 1             # - onehot(y)
    if reduction == "mean":
        d_o /= n
    grads = {"W2": h.T @ d_o, "b2": d_o.sum(axis=0)}
    d_h = d_o @ params["W2"].T
    d_h *= active
    grads["W1"] = x.T @ d_h
    grads["b1"] = d_h.sum(axis=0)
    return loss, accuracy, grads


def evaluate(params, x, y, chunk=10_000):
    """(mean cross-entropy, accuracy) over all of x, in chunks (memory only)."""
    loss, correct = 0.0, 0
    for i in range(0, len(x), chunk):
        o, _ = forward(params, x[i:i + chunk])
        log_p = log_softmax(o)
        yy = y[i:i + chunk]
        loss += float(-log_p[np.arange(len(yy)), yy].sum())
        correct += int((o.argmax(axis=1) == yy).sum())
    return loss / len(x), correct / len(x)


def momentum_step(params, velocity, grads, lr, gamma):
    """The seed's update, in place: v <- gamma v + lr g; w <- w - v."""
    for name in PARAMETERS:
        v = velocity[name]
        v *= gamma
        v += lr * grads[name]
        params[name] -= v


def flat_images(images, scaling, dtype):
    """uint8 images (N x 28 x 28 or N x 784) -> N x 784 floats of `dtype` in the run's scaling."""
    factor, offset = SCALINGS[scaling]
    x = images.reshape(len(images), -1).astype(DTYPES[dtype])
    x *= DTYPES[dtype](factor)
    if offset:
        x += DTYPES[dtype](offset)
    return x


def curve_columns(run):
    return (["step", "epoch", "lr", "train_loss", "train_acc", "val_loss", "val_acc"]
            + (["test_loss", "test_acc"] if run.get("records_all_splits") else []))


def _threads():
    from .trainers import job_threads  # the job's train.threads (train_run.py); BLAS follows
    return job_threads() or 1


def train_run(run, data, device="cpu", eval_batch=1000, log=None, reference=None,
              precision="fp32"):
    """Train one run of the NumPy MLP; the torch trainer's interface and outputs.

    run: hidden, lr, momentum, epochs, seed, scaling, dtype ("float32" | "float64"),
    reduction ("sum" | "mean"), records_all_splits (optional: the test split in every
    record, evaluated after the step as validation). A training loss that is not finite
    stops the run: `diverged_at_step` says at which step, and there is no test result.
    `precision` (the torch trainer's bf16 evaluation) does not apply: everything runs in the
    run's dtype.
    """
    if device not in ("cpu", "auto"):
        raise ValueError(f"the NumPy MLP runs on the CPU only; train.device is {device!r}")
    started, wall_start = time.perf_counter(), time.time()
    threads = _threads()
    dtype, reduction = run.get("dtype", "float32"), run.get("reduction", "sum")
    x = flat_images(data["train_x"], run["scaling"], dtype)
    y = np.asarray(data["train_y"], dtype=np.int64)
    val_x = flat_images(data["val_x"], run["scaling"], dtype)
    val_y = np.asarray(data["val_y"], dtype=np.int64)
    test_x = flat_images(data["test_x"], run["scaling"], dtype)
    test_y = np.asarray(data["test_y"], dtype=np.int64)
    every_split = bool(run.get("records_all_splits"))  # the test split in every record too
    n_classes = int(max(data["train_y"].max(), data["test_y"].max())) + 1
    params = init_params(x.shape[1], run["hidden"], n_classes, run["seed"], dtype)
    velocity = {k: np.zeros_like(v) for k, v in params.items()}
    lr, gamma = DTYPES[dtype](run["lr"]), DTYPES[dtype](run["momentum"])
    curves, diverged_at, step = [], None, 0
    with threadpool_limits(limits=threads, user_api="blas"), np.errstate(all="ignore"):
        for epoch in range(1, run["epochs"] + 1):
            loss, acc, grads = loss_and_grads(params, x, y, reduction)
            step += 1
            if not math.isfinite(loss):
                diverged_at = step
                break
            momentum_step(params, velocity, grads, lr, gamma)
            val_loss, val_acc = evaluate(params, val_x, val_y)
            curves.append({"step": step, "epoch": epoch, "lr": run["lr"], "train_loss": loss,
                           "train_acc": acc, "val_loss": val_loss, "val_acc": val_acc})
            if every_split:  # after the step, as validation
                curves[-1]["test_loss"], curves[-1]["test_acc"] = evaluate(params, test_x,
                                                                           test_y)
            if log is not None and (epoch % 10 == 0 or epoch == run["epochs"]):
                print(f"{run.get('name', 'run')} seed {run['seed']}: epoch {epoch}, "
                      f"loss {loss:.4f}, val acc {val_acc:.4f}", file=log, flush=True)
        if diverged_at is None and not all(np.isfinite(v).all() for v in params.values()):
            diverged_at = step  # the last step left non-finite weights
        test_loss, test_acc = (evaluate(params, test_x, test_y) if diverged_at is None
                               else (None, None))
        unit_means = unit_class_means(params, test_x, test_y, n_classes)
    summary = {
        "steps": step, "steps_per_epoch": 1, "records": len(curves),
        "diverged_at_step": diverged_at, "switch_epochs": [], "first_switch_from": None,
        "test_loss": test_loss, "test_acc": test_acc,
        "final_train_acc": curves[-1]["train_acc"] if curves else None,
        "final_val_acc": curves[-1]["val_acc"] if curves else None,
        "parameters": int(sum(v.size for v in params.values())),
        "device": "cpu", "threads": threads, "dtype": dtype, "reduction": reduction,
        "train_seconds": time.perf_counter() - started,
        "started_at": wall_start, "finished_at": time.time(),
    }
    arrays = {"first_layer": params["W1"].T.copy(), "unit_class_means": unit_means}
    return curves, summary, arrays, params


def unit_class_means(params, x, y, n_classes):
    """(units, classes): mean hidden activation of each unit over each class's images."""
    _, z1 = forward(params, x)
    h = relu(z1)
    sums = np.zeros((n_classes, h.shape[1]))
    np.add.at(sums, y, h)
    counts = np.maximum(np.bincount(y, minlength=n_classes), 1)
    return (sums / counts[:, None]).T


def autograd_gradients(params, x, y, reduction="mean"):
    """The same loss's gradients by torch autograd (nn.functional), independent of the code
    above: the reference the hand-written backward pass is checked against."""
    import torch
    from torch.nn import functional as F

    t = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    logits = F.linear(F.relu(F.linear(torch.tensor(x), t["W1"].T, t["b1"])), t["W2"].T, t["b2"])
    loss = F.cross_entropy(logits, torch.tensor(y, dtype=torch.long), reduction=reduction)
    loss.backward()
    return {k: v.grad.numpy() for k, v in t.items()}


def gradient_check(params, x, y, reduction="mean"):
    """Per parameter: the largest |hand-written - autograd| and the largest |gradient|."""
    _, _, mine = loss_and_grads(params, x, y, reduction)
    ref = autograd_gradients(params, x, y, reduction)
    return [{"parameter": k, "shape": "x".join(map(str, params[k].shape)),
             "max_abs_diff": float(np.abs(mine[k].astype(np.float64) - ref[k]).max()),
             "max_abs_grad": float(np.abs(ref[k]).max())} for k in PARAMETERS]
