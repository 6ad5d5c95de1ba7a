"""Time saving a figure as the analyses do (figures.save: PNG and SVG) against the plain way:
fit_to_print, then savefig(bbox_inches="tight") for each file.

With bbox_inches="tight", or with a layout engine (constrained layout, as the report's figures
use), every savefig first lays out and draws the figure once more to measure it. figures.save
measures the saved area once and freezes the layout, so each file is drawn once.

The figure: 2 x 3 panels of 4 curves each, constrained layout, a legend (the shape of the
studies' curve figures). Each round times `--figures` figures the plain way, then the same
number with figures.save, back to back, so both see the same machine load; the table gives
each round's seconds per figure and the ratio.

    .venv/bin/python bench/bench_figure_save.py [--rounds 3] [--figures 5]
"""
import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workflow" / "scripts"))
from nnstudies import figures  # noqa: E402


def curve_figure(rng):
    fig, axes = figures.plt.subplots(2, 3, figsize=(10, 6), layout="constrained")
    for ax in axes.flat:
        for k in range(4):
            ax.plot(np.arange(100), rng.random(100) + k, label=f"run {k}")
        ax.set(xlabel="step", ylabel="loss", title="panel")
    axes[0, 0].legend()
    return fig


def plain_save(fig, png_path, svg_path):
    figures.fit_to_print(fig)
    fig.savefig(png_path, dpi=figures.DPI, bbox_inches="tight", pad_inches=figures.PAD_IN)
    fig.savefig(svg_path, bbox_inches="tight", pad_inches=figures.PAD_IN)
    figures.plt.close(fig)


def seconds_per_figure(save, n, folder, rng):
    started = time.perf_counter()
    for _ in range(n):
        save(curve_figure(rng), folder / "f.png", folder / "f.svg")
    return (time.perf_counter() - started) / n


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--figures", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        seconds_per_figure(figures.save, 1, folder, rng)  # imports and font cache, untimed
        print("| round | plain (s per figure) | figures.save | ratio |\n|---:|---:|---:|---:|")
        for r in range(args.rounds):
            plain = seconds_per_figure(plain_save, args.figures, folder, rng)
            ours = seconds_per_figure(figures.save, args.figures, folder, rng)
            print(f"| {r + 1} | {plain:.2f} | {ours:.2f} | {ours / plain:.2f} |")


if __name__ == "__main__":
    main()
