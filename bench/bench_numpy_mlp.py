"""Time one full-batch training step of the ECE421 MLP 784-H-10, several ways, side by side.

One step = forward pass, cross-entropy, gradients of the summed loss (the seed's), and the
momentum update v <- 0.99 v + 1e-5 g, w <- w - v, on the same N images. Every variant runs on
ONE thread (BLAS limited by threadpoolctl, torch.set_num_threads(1)), alternating, R repeats;
the minimum per variant is kept.

  vectorised float32   nnstudies.numpy_mlp (rows are images: one matmul per layer and pass)
  vectorised float64   the same in float64
  seed's code shape    float64, columns are images, softmax through np.apply_along_axis per
                       image, the hidden pre-activation recomputed for each use (np.heaviside),
                       as in the seed's optimize()
  per-image loop       float64, forward and backward one image at a time (vectors), gradients
                       summed; timed on --loop-images images and scaled to N
  torch float32        the same network as nn.Linear layers, autograd, torch.optim.SGD with
                       momentum (the same update up to the velocity's scale)

The gradients of the seed-shape and loop variants are checked against the vectorised ones.

    .venv/bin/python bench/bench_numpy_mlp.py                      # < 1 min: H 1000, 5,000 images
    .venv/bin/python bench/bench_numpy_mlp.py --hidden 2000 --images 54000 --repeats 2
"""
import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "workflow" / "scripts"))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from nnstudies import numpy_mlp as mlp  # noqa: E402

LR, GAMMA = 1e-5, 0.99


def images(n, path):
    """n Fashion-MNIST training images (the prepared file) or, without it, random ones."""
    if path and Path(path).exists():
        data = np.load(path)
        return data["train_x"][:n], data["train_y"][:n].astype(np.int64), "Fashion-MNIST images"
    rng = np.random.default_rng(0)
    return (rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), rng.integers(0, 10, n),
            "random images (no prepared file)")


def vectorised(params, velocity, x, y):
    _, _, grads = mlp.loss_and_grads(params, x, y, "sum")
    mlp.momentum_step(params, velocity, grads, LR, GAMMA)
    return grads


def seed_shape(state, xt, yt):
    """The seed's optimize() loop body: columns are images; W as (in, out), b as columns."""
    def compute_layer(x, w, b):
        return np.matmul(np.transpose(w), x) + b

    def softmax(o):
        o = o - np.max(o)
        return np.divide(np.exp(o), np.sum(np.exp(o)))

    wh, bh, wo, bo = state["Wh"], state["bh"], state["Wo"], state["bo"]
    h = np.maximum(compute_layer(xt, wh, bh), 0)
    o = compute_layer(h, wo, bo)
    p = np.apply_along_axis(softmax, 0, o)
    state["loss"] = -np.mean(yt * np.log(p))
    g_wo = np.matmul(h, np.transpose(p - yt))
    g_bo = np.sum(np.transpose(p - yt), 0, keepdims=True)
    g_wh = np.matmul(xt, np.transpose(np.multiply(
        np.heaviside(compute_layer(xt, wh, bh), 0), np.matmul(wo, p - yt))))
    g_bh = np.sum(np.transpose(np.multiply(
        np.heaviside(compute_layer(xt, wh, bh), 0), np.matmul(wo, p - yt))), 0, keepdims=True)
    for name, g in (("Wh", g_wh), ("bh", g_bh.T), ("Wo", g_wo), ("bo", g_bo.T)):
        state["v" + name] = GAMMA * state["v" + name] + LR * g
        state[name] = state[name] - state["v" + name]
    return {"W1": g_wh, "b1": g_bh.ravel(), "W2": g_wo, "b2": g_bo.ravel()}


def per_image(params, velocity, x, y):
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    for xi, yi in zip(x, y):
        z = xi @ params["W1"] + params["b1"]
        h = np.maximum(z, 0)
        o = h @ params["W2"] + params["b2"]
        e = np.exp(o - o.max())
        d_o = e / e.sum()
        d_o[yi] -= 1
        grads["W2"] += np.outer(h, d_o)
        grads["b2"] += d_o
        d_h = (params["W2"] @ d_o) * (z > 0)
        grads["W1"] += np.outer(xi, d_h)
        grads["b1"] += d_h
    mlp.momentum_step(params, velocity, grads, LR, GAMMA)
    return grads


def torch_step(model, optimizer, x, y):
    loss = torch.nn.functional.cross_entropy(model(x), y, reduction="sum")
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()


def cpu_name():
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        return next(line.split(":", 1)[1].strip() for line in out.splitlines()
                    if line.startswith("Model name"))
    except (OSError, StopIteration):
        return "unknown CPU"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--hidden", type=int, default=1000)
    ap.add_argument("--images", type=int, default=5_000)
    ap.add_argument("--loop-images", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--data", default=str(ROOT / "results" / "data" / "fashion_mnist.npz"))
    args = ap.parse_args()
    torch.set_num_threads(1)
    raw, y, source = images(args.images, args.data)
    x32 = mlp.flat_images(raw, "unit", "float32")
    x64 = mlp.flat_images(raw, "unit", "float64")
    n_loop = min(args.loop_images, args.images)
    yt = np.eye(10)[y].T
    base = mlp.init_params(784, args.hidden, 10, 0, "float64")

    def fresh(dtype):
        p = {k: v.astype(dtype) for k, v in base.items()}
        return p, {k: np.zeros_like(v) for k, v in p.items()}

    seed_state = {"Wh": base["W1"].copy(), "bh": base["b1"][:, None].copy(),
                  "Wo": base["W2"].copy(), "bo": base["b2"][:, None].copy(),
                  "vWh": 0.0, "vbh": 0.0, "vWo": 0.0, "vbo": 0.0}
    model = torch.nn.Sequential(torch.nn.Linear(784, args.hidden), torch.nn.ReLU(),
                                torch.nn.Linear(args.hidden, 10))
    with torch.no_grad():
        for layer, w, b in ((model[0], "W1", "b1"), (model[2], "W2", "b2")):
            layer.weight.copy_(torch.from_numpy(base[w].T.astype(np.float32)))
            layer.bias.copy_(torch.from_numpy(base[b].astype(np.float32)))
    optimizer = torch.optim.SGD(model.parameters(), lr=LR, momentum=GAMMA)
    tx, ty = torch.from_numpy(x32), torch.from_numpy(y)
    p32, v32 = fresh(np.float32)
    p64, v64 = fresh(np.float64)
    pl, vl = fresh(np.float64)
    variants = {
        "vectorised float32": lambda: vectorised(p32, v32, x32, y),
        "vectorised float64": lambda: vectorised(p64, v64, x64, y),
        "seed's code shape (float64)": lambda: seed_shape(seed_state, x64.T, yt),
        f"per-image loop (float64, {n_loop} images, scaled)":
            lambda: per_image(pl, vl, x64[:n_loop], y[:n_loop]),
        "torch float32, autograd": lambda: torch_step(model, optimizer, tx, ty),
    }
    # the first step from the same weights: the gradients must agree
    ref = mlp.loss_and_grads(fresh(np.float64)[0], x64, y, "sum")[2]
    ref_loop = mlp.loss_and_grads(fresh(np.float64)[0], x64[:n_loop], y[:n_loop], "sum")[2]
    best = {name: float("inf") for name in variants}
    checked = {}
    with threadpool_limits(limits=1, user_api="blas"):
        for repeat in range(args.repeats):
            for name, step in variants.items():
                start = time.perf_counter()
                grads = step()
                best[name] = min(best[name], time.perf_counter() - start)
                if repeat == 0 and name.startswith(("seed", "per-image")):
                    want = ref if name.startswith("seed") else ref_loop
                    checked[name] = max(float(np.abs(grads[k] - want[k]).max() /
                                              np.abs(want[k]).max()) for k in want)
    scale = args.images / n_loop
    best = {k: v * (scale if k.startswith("per-image") else 1) for k, v in best.items()}
    ours = best["vectorised float32"]
    print(f"CPU: {cpu_name()}; one thread; numpy {np.__version__}, torch {torch.__version__}")
    print(f"One full-batch step of MLP 784-{args.hidden}-10 on {args.images:,} {source}; "
          f"minimum of {args.repeats} repeats\n")
    print("| variant | s per step | relative to vectorised float32 |")
    print("|---|---:|---:|")
    for name, seconds in best.items():
        print(f"| {name} | {seconds:.3f} | {seconds / ours:.2f}x |")
    for name, rel in checked.items():
        print(f"\ngradient check, {name} against vectorised float64: max relative "
              f"difference {rel:.1e}")


if __name__ == "__main__":
    main()
