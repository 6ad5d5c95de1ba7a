"""Time one full-protocol epoch per zoo model: the course-assignment loop vs. our train_run.

Protocol (both implementations, same model, same initial weights): 1080 Adam steps of batch 50
over the 54000 training images, and after every 10th step a validation pass over the whole
6000-image validation split in eval mode. One torch thread.

(a) baseline: torchvision.datasets.FashionMNIST + transforms.ToTensor() through
    DataLoader(Subset(train), batch_size=50, shuffle=True); validation through
    DataLoader(Subset(val), batch_size=50) under model.eval() + torch.no_grad(); num_workers=0.
(b) ours: nnstudies.train.train_run(run, data, 'cpu', eval_batch) with epochs=1 (the whole call,
    i.e. also its tensor conversion, its final test-set evaluation and unit_class_means).

Both run in a process whose glibc malloc keeps freed memory for reuse, as a workflow job's does
(process.keep_freed_memory; --default-malloc leaves it as it is, as before 2026-12-04).

With --steps N < 1080 only the first N steps (and their N/10 validations) are run, and the epoch
time is extrapolated from the time between records (each record interval is exactly 10 steps plus
one validation):  epoch = t(first record) + 107 * mean interval + t(after the last record).
With --steps 1080 the extrapolation is the measured time itself.

    .venv/bin/python bench/bench_epoch.py --steps 200 --repeats 3
"""
import argparse
import csv
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "workflow" / "scripts"))
sys.path.insert(0, str(ROOT / "bench"))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torchvision  # noqa: E402
import yaml  # noqa: E402
from torch import nn  # noqa: E402
from torch.utils.data import DataLoader, Subset  # noqa: E402
from torchvision import transforms  # noqa: E402

from machine import add_malloc_option, cpu_name, set_malloc  # noqa: E402
from nnstudies import train as ours  # noqa: E402
from nnstudies.data import prepare, stratified_take  # noqa: E402
from nnstudies.models import build_model  # noqa: E402

BATCH, EVERY, LR, SEED = 50, 10, 0.001, 0


def split_indices(train_y, val_fraction, split_seed):
    """The train/val indices that nnstudies.data.split_dataset uses (no class filter, no subset)."""
    n_classes = len(np.unique(train_y))
    rng = np.random.default_rng(split_seed)
    val = stratified_take(train_y, int(round(val_fraction * len(train_y))) // n_classes, rng)
    is_train = np.ones(len(train_y), dtype=bool)
    is_train[val] = False
    return np.flatnonzero(is_train), val


def extrapolate(marks, t_end, steps_per_epoch):
    """Epoch seconds from record times (seconds since start, one per EVERY steps) and the end."""
    records = steps_per_epoch // EVERY
    if len(marks) >= records or len(marks) < 2:
        return t_end
    interval = (marks[-1] - marks[0]) / (len(marks) - 1)
    return marks[0] + (records - 1) * interval + (t_end - marks[-1])


def baseline_epoch(layers, train_set, val_set, steps):
    """The straightforward loop; returns (seconds since start of each record, total seconds)."""
    started = time.perf_counter()
    torch.manual_seed(SEED)
    model = build_model(layers, (1, 28, 28), 10)
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    criterion = nn.CrossEntropyLoss()
    train_loader = DataLoader(train_set, batch_size=BATCH, shuffle=True, num_workers=0)
    val_loader = DataLoader(val_set, batch_size=BATCH, shuffle=False, num_workers=0)
    marks, curves = [], []
    running_loss, running_correct, seen = 0.0, 0, 0
    model.train()
    for step, (images, labels) in enumerate(train_loader, start=1):
        optimizer.zero_grad()
        outputs = model(images)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()
        running_loss += loss.item() * len(labels)
        running_correct += (outputs.argmax(1) == labels).sum().item()
        seen += len(labels)
        if step % EVERY == 0:
            model.eval()
            val_loss, val_correct = 0.0, 0
            with torch.no_grad():
                for images, labels in val_loader:
                    outputs = model(images)
                    val_loss += criterion(outputs, labels).item() * len(labels)
                    val_correct += (outputs.argmax(1) == labels).sum().item()
            model.train()
            curves.append((running_loss / seen, running_correct / seen,
                           val_loss / len(val_set), val_correct / len(val_set)))
            running_loss, running_correct, seen = 0.0, 0, 0
            marks.append(time.perf_counter() - started)
        if step >= steps:
            break
    return marks, time.perf_counter() - started, curves


def ours_epoch(layers, name, arrays, steps, eval_batch):
    """train_run with epochs=1 on the first steps*BATCH training images (all of them for 1080)."""
    data = dict(arrays)
    keep = slice(0, steps * BATCH)
    data["train_x"], data["train_y"] = arrays["train_x"][keep], arrays["train_y"][keep]
    run = {"name": name, "seed": SEED, "layers": layers, "optimizer": "adam", "lr": LR,
           "momentum": 0.0, "batch_size": BATCH, "epochs": 1, "record_every": EVERY,
           "scaling": "unit"}
    marks, val_len = [], len(arrays["val_y"])
    plain_evaluate = ours.evaluate

    def timed_evaluate(model, x, y, chunk, *precision):
        result = plain_evaluate(model, x, y, chunk, *precision)
        if len(x) == val_len and len(marks) < steps // EVERY:
            marks.append(time.perf_counter() - started)
        return result

    ours.evaluate = timed_evaluate
    try:
        with open(os.devnull, "w") as log:
            started = time.perf_counter()
            curves, summary, _, _ = ours.train_run(run, data, "cpu", eval_batch, log)
            total = time.perf_counter() - started
    finally:
        ours.evaluate = plain_evaluate
    assert summary["steps"] == steps and len(marks) == steps // EVERY, (summary, len(marks))
    return marks, total, curves


def main():
    cfg = yaml.safe_load(open(ROOT / "config.yaml"))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="+", default=list(cfg["models"]),
                        help="zoo models to time (default: all)")
    parser.add_argument("--steps", type=int, default=1080,
                        help="time the first N steps and extrapolate to the epoch (default 1080)")
    parser.add_argument("--repeats", type=int, default=1,
                        help="timings per model; the minimum counts")
    parser.add_argument("--eval-batch", type=int, default=cfg["train"]["eval_batch"],
                        help="our evaluate() chunk (default: config train.eval_batch)")
    parser.add_argument("--csv", default=str(ROOT / "benchmarks" / "bench_epoch.csv"),
                        help="CSV output path, '-' for stdout only")
    parser.add_argument("--data-root", help="folder holding FashionMNIST/raw (default: config "
                                            "data.root, where a workflow run puts it)")
    add_malloc_option(parser)
    args = parser.parse_args()
    torch.set_num_threads(1)
    malloc = set_malloc(args)

    root, dcfg = args.data_root or str(ROOT / cfg["data"]["root"]), cfg["data"]
    arrays, info = prepare(dict(root=root, dataset="fashion_mnist",
                                val_fraction=dcfg["val_fraction"], split_seed=dcfg["split_seed"]))
    steps_per_epoch = -(-len(arrays["train_y"]) // BATCH)
    steps = min(args.steps, steps_per_epoch)
    if steps < 2 * EVERY or steps % EVERY:
        parser.error(f"--steps must be a multiple of {EVERY}, at least {2 * EVERY}")

    dataset = torchvision.datasets.FashionMNIST(root, train=True, download=False,
                                                transform=transforms.ToTensor())
    train_idx, val_idx = split_indices(dataset.targets.numpy(), dcfg["val_fraction"],
                                       dcfg["split_seed"])
    # the prepared arrays carry a channel axis: (N, 1, 28, 28)
    assert np.array_equal(dataset.data.numpy()[val_idx], arrays["val_x"][:, 0])
    assert np.array_equal(dataset.data.numpy()[train_idx], arrays["train_x"][:, 0])
    train_set, val_set = Subset(dataset, train_idx), Subset(dataset, val_idx)

    print(f"# {cpu_name()}, torch {torch.__version__}, threads {torch.get_num_threads()}, "
          f"steps timed {steps}/{steps_per_epoch}, repeats {args.repeats}, "
          f"our eval_batch {args.eval_batch}, {malloc}", flush=True)
    rows = []
    for name in args.models:
        layers = cfg["models"][name]
        base, mine = [], []
        for _ in range(args.repeats):
            marks, total, _ = baseline_epoch(layers, train_set, val_set, steps)
            base.append(extrapolate(marks, total, steps_per_epoch))
            marks, total, _ = ours_epoch(layers, name, arrays, steps, args.eval_batch)
            mine.append(extrapolate(marks, total, steps_per_epoch))
            print(f"  {name}: baseline {base[-1]:.2f} s, ours {mine[-1]:.2f} s", flush=True)
        rows.append({"model": name, "baseline_s_per_epoch": round(min(base), 2),
                     "ours_s_per_epoch": round(min(mine), 2),
                     "speedup": round(min(base) / min(mine), 2),
                     "steps_timed": steps, "repeats": args.repeats})
    header = f"{'model':8} {'baseline s/epoch':>17} {'ours s/epoch':>13} {'speed-up':>9}"
    print(header)
    for r in rows:
        print(f"{r['model']:8} {r['baseline_s_per_epoch']:17.2f} {r['ours_s_per_epoch']:13.2f} "
              f"{r['speedup']:8.2f}x")
    if args.csv != "-":
        Path(args.csv).parent.mkdir(parents=True, exist_ok=True)
        with open(args.csv, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        print(f"# written {args.csv}")


if __name__ == "__main__":
    main()
