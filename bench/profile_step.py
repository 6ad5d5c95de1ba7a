"""Where a training step's time goes (item 2 of issue 13): one zoo model, the architectures
protocol (batch 50, Adam), channels-last as train_run trains CNNs on the CPU, one thread.

(1) torch.profiler over --steps steps: self CPU time per aten op, as a share of the step.
(2) Per conv layer, its three kernels timed alone at the step's shapes (channels-last,
    batch 50): forward, gradient w.r.t. the input, gradient w.r.t. the weights
    (aten.convolution_backward with one output at a time), each with its FLOPs
    (2 x multiply-adds x batch) and its fraction of the fp32 2048x2048 matmul rate.

    .venv/bin/python bench/profile_step.py --model cnn_4
"""
import argparse
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "workflow" / "scripts"))
sys.path.insert(0, str(ROOT / "bench"))

import torch  # noqa: E402
import yaml  # noqa: E402
from torch import nn  # noqa: E402
from torch.profiler import ProfilerActivity, profile  # noqa: E402

from machine import add_malloc_option, cpu_name, set_malloc  # noqa: E402
from bench_roofline import best_time, matmul_rate  # noqa: E402
from nnstudies import train as ours  # noqa: E402
from nnstudies.models import build_model  # noqa: E402


def main():
    cfg = yaml.safe_load(open(ROOT / "config.yaml"))
    arch = cfg["architectures"]
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default="cnn_4")
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--repeats", type=int, default=5)
    add_malloc_option(p)
    args = p.parse_args()
    torch.set_num_threads(1)
    malloc = set_malloc(args)
    batch, shape = arch["batch_size"], (1, 28, 28)
    torch.manual_seed(0)
    model = build_model(cfg["models"][args.model], shape, 10).to(memory_format=torch.channels_last)
    optimizer = ours.make_optimizer({"optimizer": arch["optimizer"], "lr": arch["lr"],
                                     "momentum": arch["momentum"]}, model.parameters())
    x, y = torch.rand(2000, *shape), torch.randint(0, 10, (2000,))
    loss_fn = nn.CrossEntropyLoss()

    def step():
        idx = torch.randint(0, 2000, (batch,))
        loss = loss_fn(model(x[idx]), y[idx])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    for _ in range(5):
        step()
    fp32, _ = matmul_rate(torch.float32, 2048, 3, 20.0)
    print(f"# {cpu_name()}; torch {torch.__version__} "
          f"({torch.backends.cpu.get_cpu_capability()}); 1 thread; {args.model}, batch {batch}; "
          f"fp32 2048 matmul {fp32:.1f} GFLOP/s (process CPU time); {malloc}")
    step_s = best_time(lambda: [step() for _ in range(args.steps)], args.repeats) / args.steps
    print(f"# step: {step_s * 1e3:.2f} ms (CPU time, best of {args.repeats} x {args.steps})\n")

    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(args.steps):
            step()
    events = [e for e in prof.key_averages() if e.self_cpu_time_total > 0]
    total = sum(e.self_cpu_time_total for e in events)
    print("| op (self CPU time) | calls/step | ms/step | share |\n|---|---:|---:|---:|")
    for e in sorted(events, key=lambda e: -e.self_cpu_time_total)[:14]:
        print(f"| {e.key} | {e.count / args.steps:.0f} | "
              f"{e.self_cpu_time_total / 1e3 / args.steps:.3f} | "
              f"{e.self_cpu_time_total / total:.1%} |")
    print(f"| (all ops) | | {total / 1e3 / args.steps:.3f} | 100% |\n")

    # per conv layer: its kernels alone
    print("| layer | in -> out | kernel | ms | GFLOP | GFLOP/s | / fp32 mm |\n"
          "|---|---|---|---:|---:|---:|---:|")
    h = x[:batch].contiguous(memory_format=torch.channels_last)
    conv_ms = 0.0
    with torch.no_grad():
        for i, m in enumerate(model):
            out = m(h)
            if isinstance(m, nn.Conv2d):
                flop = 2 * math.prod(out.shape) * m.in_channels * math.prod(m.kernel_size)
                w = m.weight
                g = torch.randn_like(out)
                args_ = (None, m.stride, m.padding, m.dilation, False, [0, 0], 1)
                kernels = {
                    "forward": lambda: m(h),
                    "grad input": lambda: torch.ops.aten.convolution_backward(
                        g, h, w, *args_, [True, False, False]),
                    "grad weight": lambda: torch.ops.aten.convolution_backward(
                        g, h, w, *args_, [False, True, False]),
                }
                for kname, fn in kernels.items():
                    fn()
                    t = best_time(lambda: [fn() for _ in range(10)], args.repeats) / 10
                    conv_ms += t * 1e3
                    print(f"| {i}: {m.in_channels}->{m.out_channels} {m.kernel_size[0]}x"
                          f"{m.kernel_size[1]} | {tuple(h.shape[1:])} -> {tuple(out.shape[1:])} "
                          f"| {kname} | {t * 1e3:.3f} | {flop / 1e9:.4f} | {flop / t / 1e9:.1f} "
                          f"| {flop / t / 1e9 / fp32:.2f} |")
            h = out
    print(f"\n# conv kernels alone: {conv_ms:.2f} ms of the {step_s * 1e3:.2f} ms step")


if __name__ == "__main__":
    main()
