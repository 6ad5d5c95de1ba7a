"""Time the NumPy convolution (nnstudies.conv.conv2d) against torch and the loop reference.

Cases (float32, stride 1, no padding, no bias):
    small  x (5, 1, 28, 28)   w (8, 1, 4, 4)
    large  x (64, 16, 28, 28) w (32, 16, 3, 3)
One core for everyone: torch.set_num_threads(1), and NumPy's BLAS pinned to one thread with
threadpoolctl.threadpool_limits(1). The environment is measured as it is (OPENBLAS_CORETYPE
included, which selects the BLAS kernels); the BLAS in use is printed.

Timing: `--rounds` rounds; in each round numpy and torch are timed back to back (best of
`--inner` calls each), so both see the same machine load; a figure is the minimum over rounds.
The median of the per-round numpy/torch ratios is printed too, as a check on the noise.
conv2d_loops is timed on the first `--loop-images` images (default 2) and scaled linearly to
the whole batch (its cost is exactly linear in N: one Python iteration per output pixel).

    .venv/bin/python bench/bench_conv.py                   # the table
    .venv/bin/python bench/bench_conv.py --variants        # also the formulations not chosen
    .venv/bin/python bench/bench_conv.py --markdown        # the table as a README section
"""
import argparse
import os
import platform
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "workflow" / "scripts"))
sys.path.insert(0, str(ROOT / "bench"))

import numpy as np  # noqa: E402
import threadpoolctl  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from numpy.lib.stride_tricks import as_strided, sliding_window_view  # noqa: E402

from machine import cpu_name  # noqa: E402
from nnstudies.conv import conv2d, conv2d_loops  # noqa: E402

CASES = {"small": ((5, 1, 28, 28), (8, 1, 4, 4)), "large": ((64, 16, 28, 28), (32, 16, 3, 3))}


def minor_faults_per_call(fn, calls=10):
    """Page faults per call: torch's per-call output/scratch buffers are returned to the OS by
    glibc and faulted back in on every call, which costs milliseconds in this VM."""
    fn()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(calls):
        fn()
    return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / calls


def best_of(fn, inner):
    best = float("inf")
    for _ in range(inner):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


# --- formulations that were tried and not chosen (stride 1, no padding) ----------------------

def im2col_whole_batch(x, w):
    """One contiguous im2col copy of the whole batch, then one stacked matmul."""
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    oh, ow = h - kh + 1, wd - kw + 1
    s = x.strides
    cols = np.ascontiguousarray(as_strided(x, (n, c, kh, kw, oh, ow),
                                           (s[0], s[1], s[2], s[3], s[2], s[3])))
    return (w.reshape(o, -1) @ cols.reshape(n, c * kh * kw, oh * ow)).reshape(n, o, oh, ow)


def kernel_offset_loop(x, w):
    """Loop over the kh*kw offsets, accumulating x_shift (NHWC) @ w[:, :, i, j].T."""
    n, _, h, wd = x.shape
    o, _, kh, kw = w.shape
    oh, ow = h - kh + 1, wd - kw + 1
    xh = np.ascontiguousarray(x.transpose(0, 2, 3, 1))
    out = np.zeros((n, oh, ow, o), x.dtype)
    for i in range(kh):
        for j in range(kw):
            out += xh[:, i:i + oh, j:j + ow, :] @ w[:, :, i, j].T
    return out.transpose(0, 3, 1, 2)


def kernel_offset_full_width(x, w):
    """Loop over offsets with one big matmul each on the (C, N*H*W) image shifted by i*W+j."""
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    oh, ow = h - kh + 1, wd - kw + 1
    xt = np.ascontiguousarray(x.transpose(1, 0, 2, 3)).reshape(c, n * h * wd)
    m = n * h * wd - (kh - 1) * wd - (kw - 1)
    out = np.zeros((o, n * h * wd), x.dtype)
    tmp = np.empty((o, m), x.dtype)
    for i in range(kh):
        for j in range(kw):
            np.matmul(w[:, :, i, j], xt[:, i * wd + j:i * wd + j + m], out=tmp)
            out[:, :m] += tmp
    return out.reshape(o, n, h, wd)[:, :, :oh, :ow].transpose(1, 0, 2, 3)


def einsum_windows(x, w):
    """einsum(optimize=True) on a sliding_window_view."""
    v = sliding_window_view(x, w.shape[2:], axis=(2, 3))
    return np.einsum("nchwij,ocij->nohw", v, w, optimize=True)


def tensordot_windows(x, w):
    """tensordot on a sliding_window_view."""
    v = sliding_window_view(x, w.shape[2:], axis=(2, 3))
    return np.tensordot(v, w, axes=([1, 4, 5], [1, 2, 3])).transpose(0, 3, 1, 2)


VARIANTS = [im2col_whole_batch, kernel_offset_loop, kernel_offset_full_width, einsum_windows,
            tensordot_windows]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--inner", type=int, default=10, help="calls per round (best is kept)")
    ap.add_argument("--loop-images", type=int, default=2)
    ap.add_argument("--variants", action="store_true")
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args()

    torch.set_num_threads(1)
    threadpoolctl.threadpool_limits(1)
    blas = [f"{i['internal_api']} {i['version']} ({i.get('architecture')} kernels, "
            f"{i['num_threads']} thread(s), {Path(i['filepath']).name})"
            for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
    machine = {
        "cpu": f"{cpu_name()} ({os.cpu_count()} logical CPUs)",
        "python": platform.python_version(), "numpy": np.__version__, "torch": torch.__version__,
        "threads": f"torch {torch.get_num_threads()}, numpy BLAS pinned to 1 (threadpoolctl)",
        "numpy BLAS": "; ".join(blas) or "none found",
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE", "(unset)"),
        "MALLOC_MMAP/TRIM_THRESHOLD_": "/".join(
            os.environ.get(v, "(unset)")
            for v in ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")),
        "torch CPU capability": torch.backends.cpu.get_cpu_capability(),
    }
    for k, v in machine.items():
        print(f"{k:28s} {v}")

    rng = np.random.default_rng(0)
    rows = []
    for name, (xs, ws) in CASES.items():
        x = rng.standard_normal(xs, dtype=np.float32)
        w = rng.standard_normal(ws, dtype=np.float32)
        tx, tw = torch.from_numpy(x), torch.from_numpy(w)
        want = F.conv2d(tx, tw).numpy()
        np.testing.assert_allclose(conv2d(x, w), want, rtol=1e-4, atol=1e-4)
        with torch.no_grad():
            np_t, th_t, ratios = [], [], []
            for _ in range(args.rounds):
                a = best_of(lambda: conv2d(x, w), args.inner)
                b = best_of(lambda: F.conv2d(tx, tw), args.inner)
                np_t.append(a)
                th_t.append(b)
                ratios.append(a / b)
            faults = (minor_faults_per_call(lambda: conv2d(x, w)),
                      minor_faults_per_call(lambda: F.conv2d(tx, tw)))
        k = min(args.loop_images, xs[0])
        xk = x[:k]
        np.testing.assert_allclose(conv2d_loops(xk, w), want[:k], rtol=1e-4, atol=1e-4)
        loops = min(best_of(lambda: conv2d_loops(xk, w), 1) for _ in range(3)) * xs[0] / k
        row = {"case": f"{name} {xs}x{ws}", "numpy": min(np_t) * 1e3,
               "torch": min(th_t) * 1e3, "loops": loops * 1e3,
               "loops_note": "" if k == xs[0] else f" (N={k}, x{xs[0] / k:g})",
               "median_ratio": statistics.median(ratios), "faults": faults}
        row["ratio"] = row["numpy"] / row["torch"]
        row["speedup"] = row["loops"] / row["numpy"]
        rows.append(row)
        if args.variants:
            for fn in VARIANTS:
                np.testing.assert_allclose(fn(x, w), want, rtol=1e-4, atol=1e-4)
                t = min(best_of(lambda: fn(x, w), args.inner) for _ in range(3)) * 1e3
                row.setdefault("variants", []).append((fn.__name__, t))

    header = ("| case | numpy ms | torch ms (1 thread) | loops ms | numpy/torch "
              "| median numpy/torch per round | loops/numpy |")
    print()
    print(header)
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['case']} | {r['numpy']:.4g} | {r['torch']:.4g} | "
              f"{r['loops']:.4g}{r['loops_note']} | {r['ratio']:.2f} | {r['median_ratio']:.2f} "
              f"| {r['speedup']:.0f} |")
    print()
    for r in rows:
        print(f"minor page faults per call, {r['case']}: numpy {r['faults'][0]:.0f}, "
              f"torch {r['faults'][1]:.0f}")
    if args.variants:
        print()
        print("| case | formulation | ms | vs conv2d |")
        print("|---|---|---:|---:|")
        for r in rows:
            print(f"| {r['case']} | conv2d (chosen) | {r['numpy']:.4g} | 1.00 |")
            for fname, t in r["variants"]:
                print(f"| {r['case']} | {fname} | {t:.4g} | {t / r['numpy']:.2f} |")
    if args.markdown:
        print()
        print("Machine:")
        for k, v in machine.items():
            print(f"- {k}: {v}")


if __name__ == "__main__":
    main()
