"""Roofline view of the zoo: FLOPs counted from each model, achieved GFLOP/s, and the fraction
of this machine's fp32 2048x2048 matmul rate, all measured in one run on one torch thread.

Counting convention (from the layer list, nnstudies.resources.forward_macs):
  forward FLOPs per image = 2 x multiply-adds of the convolutions and fully connected layers
      (prediction layer included; biases, ReLU, max-pool, loss and optimiser not counted);
  training step = 3 x forward x batch (forward, gradient w.r.t. the input, gradient w.r.t. the
      weights; the first layer's input gradient, which is not computed, is counted too);
  validation pass = forward x validation images.
Batch, optimiser and learning rate are the architectures study's protocol, the validation size
the full data block's split (config.yaml; presets are not applied). Inputs are random images of
the dataset's shape: the arithmetic does not depend on the pixel values.

Each training step does what train_run's loop does (channels-last CNNs, gather the batch,
forward, loss, zero_grad, backward, Adam step); each validation pass is nnstudies.train.evaluate
(the oneDNN eval plan) with config train.eval_batch, in fp32 (and in bf16 with --bf16).
Times are process CPU seconds (the cores of a shared machine are mostly someone else's; --wall
for wall-clock time); every time is the minimum over --repeats; the matmuls are timed before
and after the models and the faster of the two counts (both are printed, as a check on load
from other jobs).

    .venv/bin/python bench/bench_roofline.py            # about 1-2 minutes
    .venv/bin/python bench/bench_roofline.py --quick    # smoke run: ~15 CPU-s, most of it
                                                        # importing torch and the torch._dynamo
                                                        # that Adam pulls in
"""
import argparse
import csv
import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "workflow" / "scripts"))
sys.path.insert(0, str(ROOT / "bench"))

import torch  # noqa: E402
import yaml  # noqa: E402
from torch import nn  # noqa: E402

from machine import add_malloc_option, cpu_name, set_malloc  # noqa: E402
from nnstudies import data as nndata  # noqa: E402
from nnstudies import train as ours  # noqa: E402
from nnstudies.models import build_model  # noqa: E402
from nnstudies.resources import forward_macs, split_sizes  # noqa: E402

COLUMNS = ["model", "fwd_MFLOP_per_image", "train_step_GFLOP", "train_step_ms",
           "train_GFLOPs", "train_frac_fp32_mm", "val_pass_GFLOP", "val_pass_s", "val_GFLOPs",
           "val_frac_fp32_mm", "val_bf16_s", "val_bf16_GFLOPs", "val_bf16_frac_fp32_mm"]


CLOCK = time.process_time  # or time.perf_counter with --wall


def best_time(fn, repeats, budget=None):
    """Minimum seconds of fn() over `repeats` calls (fewer when `budget` seconds are spent)."""
    best, spent = math.inf, 0.0
    for _ in range(repeats):
        t = CLOCK()
        fn()
        dt = CLOCK() - t
        best, spent = min(best, dt), spent + dt
        if budget is not None and spent > budget:
            break
    return best


def matmul_rate(dtype, size, repeats, budget):
    """GFLOP/s of a size x size matmul in dtype, and the size measured. Without bf16 hardware a
    2048 bf16 matmul can take minutes: then a smaller bf16 size (halving until one call fits in
    budget/4 seconds, as projected from a 256 probe) is measured and named. fp32: always size."""
    probe = 256
    a, b = torch.randn(probe, probe, dtype=dtype), torch.randn(probe, probe, dtype=dtype)
    a @ b
    rate = 2 * probe**3 / best_time(lambda: a @ b, 2)
    while dtype != torch.float32 and size > probe and 2 * size**3 / rate > budget / 4:
        size //= 2
    a, b = torch.randn(size, size, dtype=dtype), torch.randn(size, size, dtype=dtype)
    a @ b  # warm-up
    return 2 * size**3 / best_time(lambda: a @ b, repeats, budget) / 1e9, size


def train_step_seconds(layers, shape, n_classes, run, steps, repeats, pool=2000):
    torch.manual_seed(0)
    model = build_model(layers, shape, n_classes)
    if len(shape) == 3 and any(isinstance(m, nn.Conv2d) for m in model.modules()):
        model.to(memory_format=torch.channels_last)
    x, y = torch.rand(pool, *shape), torch.randint(0, n_classes, (pool,))
    optimizer = ours.make_optimizer(run, model.parameters())
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(0)
    batch = run["batch_size"]
    model.train()

    def steps_fn(n):
        for _ in range(n):
            idx = torch.randint(0, pool, (batch,), generator=gen)
            logits = model(x[idx])
            loss = loss_fn(logits, y[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

    steps_fn(3)  # warm-up (oneDNN primitive creation, Adam state)
    return best_time(lambda: steps_fn(steps), repeats) / steps


def main():
    cfg = yaml.safe_load(open(ROOT / "config.yaml"))
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--models", nargs="+", default=list(cfg["models"]))
    p.add_argument("--steps", type=int, default=40, help="training steps per timing")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--bf16", action="store_true",
                   help="also time the validation pass with train.precision bf16 (slow "
                        "without bf16 hardware)")
    p.add_argument("--quick", action="store_true",
                   help="smoke run: 3 steps, 1 repeat, 500 validation images, short matmuls")
    p.add_argument("--wall", action="store_true", help="time with the wall clock, not CPU time")
    p.add_argument("--csv", default=str(ROOT / "benchmarks" / "bench_roofline.csv"),
                   help="CSV output path, '-' for stdout only")
    add_malloc_option(p)
    args = p.parse_args()
    torch.set_num_threads(1)
    malloc = set_malloc(args)
    global CLOCK
    if args.wall:
        CLOCK = time.perf_counter

    arch, dcfg = cfg["architectures"], cfg["data"]
    dataset = nndata.DATASETS[dcfg["dataset"]]
    shape, n_classes = tuple(dataset.shape), dataset.n_classes
    n_val = split_sizes(dcfg)[1]
    steps, repeats, mm_budget = args.steps, args.repeats, 20.0
    if args.quick:
        n_val, steps, repeats, mm_budget = 500, 3, 1, 1.0
    run = {"optimizer": arch["optimizer"], "lr": arch["lr"], "momentum": arch["momentum"],
           "batch_size": arch["batch_size"]}
    eval_batch = cfg["train"]["eval_batch"]

    print(f"# {cpu_name()}; torch {torch.__version__} (capability "
          f"{torch.backends.cpu.get_cpu_capability()}, mkldnn bf16 "
          f"{torch.ops.mkldnn._is_mkldnn_bf16_supported()}); 1 thread; batch "
          f"{run['batch_size']} {run['optimizer']}; validation {n_val} images, eval_batch "
          f"{eval_batch}; steps {steps}, repeats {repeats}; "
          f"{'wall' if args.wall else 'process CPU'} time; {malloc}"
          + (" [--quick]" if args.quick else ""),
          flush=True)
    mm = {"fp32": [], "bf16": []}
    for dtype, key in ((torch.float32, "fp32"), (torch.bfloat16, "bf16")):
        mm[key].append(matmul_rate(dtype, 2048, max(repeats, 2), mm_budget))

    rows = []
    val_x = torch.rand(n_val, *shape)
    val_y = torch.randint(0, n_classes, (n_val,))
    for name in args.models:
        layers = cfg["models"][name]
        fwd = 2 * forward_macs(layers, shape, n_classes)
        step_flop, val_flop = 3 * fwd * run["batch_size"], fwd * n_val
        step_s = train_step_seconds(layers, shape, n_classes, run, steps, repeats)
        torch.manual_seed(0)
        model = build_model(layers, shape, n_classes)
        ours.evaluate(model, val_x[:eval_batch], val_y[:eval_batch], eval_batch)  # warm-up
        val_s = best_time(lambda: ours.evaluate(model, val_x, val_y, eval_batch), repeats)
        row = {"model": name, "fwd_MFLOP_per_image": fwd / 1e6,
               "train_step_GFLOP": step_flop / 1e9, "train_step_ms": step_s * 1e3,
               "train_GFLOPs": step_flop / step_s / 1e9,
               "val_pass_GFLOP": val_flop / 1e9, "val_pass_s": val_s,
               "val_GFLOPs": val_flop / val_s / 1e9}
        if args.bf16:
            b_s = best_time(lambda: ours.evaluate(model, val_x, val_y, eval_batch, "bf16"), 1)
            row.update(val_bf16_s=b_s, val_bf16_GFLOPs=val_flop / b_s / 1e9)
        rows.append(row)
        print(f"  {name}: step {step_s * 1e3:.2f} ms, validation {val_s:.3f} s"
              + (f", bf16 validation {row['val_bf16_s']:.3f} s" if args.bf16 else ""), flush=True)

    for dtype, key in ((torch.float32, "fp32"), (torch.bfloat16, "bf16")):
        mm[key].append(matmul_rate(dtype, 2048, max(repeats, 2), mm_budget))
    fp32 = max(r for r, _ in mm["fp32"])
    for row in rows:
        row["train_frac_fp32_mm"] = row["train_GFLOPs"] / fp32
        row["val_frac_fp32_mm"] = row["val_GFLOPs"] / fp32
        if args.bf16:
            row["val_bf16_frac_fp32_mm"] = row["val_bf16_GFLOPs"] / fp32
    for key in ("fp32", "bf16"):
        (rate, size), = [max(mm[key])]
        sizes = ", ".join(f"{r:.1f} at {s}" for r, s in mm[key])
        rows.append({"model": f"matmul {key} {size}x{size}",
                     "val_GFLOPs": rate, "val_frac_fp32_mm": rate / fp32})
        print(f"# matmul {key}: {sizes} GFLOP/s (before, after the models)")

    def cell(v, digits):
        return "" if v is None else f"{v:.{digits}f}" if isinstance(v, float) else str(v)

    print("\n| model | fwd MFLOP/img | step GFLOP | step ms | step GFLOP/s | step / fp32 mm "
          "| val GFLOP | val s | val GFLOP/s | val / fp32 mm |"
          + (" bf16 val s | bf16 val / fp32 mm |" if args.bf16 else ""))
    print("|---|" + "---:|" * (9 + 2 * args.bf16))
    for r in rows:
        g = r.get
        print(f"| {r['model']} | {cell(g('fwd_MFLOP_per_image'), 2)} | "
              f"{cell(g('train_step_GFLOP'), 3)} | {cell(g('train_step_ms'), 2)} | "
              f"{cell(g('train_GFLOPs'), 1)} | {cell(g('train_frac_fp32_mm'), 2)} | "
              f"{cell(g('val_pass_GFLOP'), 1)} | {cell(g('val_pass_s'), 3)} | "
              f"{cell(g('val_GFLOPs'), 1)} | {cell(g('val_frac_fp32_mm'), 2)} |"
              + (f" {cell(g('val_bf16_s'), 3)} | {cell(g('val_bf16_frac_fp32_mm'), 3)} |"
                 if args.bf16 else ""))
    if args.csv != "-":
        Path(args.csv).parent.mkdir(parents=True, exist_ok=True)
        with open(args.csv, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
        print(f"# written {args.csv}")


if __name__ == "__main__":
    main()
