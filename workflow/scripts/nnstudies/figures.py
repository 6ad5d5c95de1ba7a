"""Matplotlib figures of the studies; every figure is saved as PNG and SVG."""
import math

import matplotlib
import numpy as np

from .lazy import lazy_import

matplotlib.use("Agg")  # files only, never a window
plt = lazy_import("matplotlib.pyplot")


def save(fig, png_path, svg_path):
    fig.savefig(png_path, dpi=150, bbox_inches="tight")
    fig.savefig(svg_path, bbox_inches="tight")
    plt.close(fig)


def _band(ax, x, mean, std, **style):
    line, = ax.plot(x, mean, **style)
    if std is not None and np.isfinite(std).any():
        ax.fill_between(x, mean - std, mean + std, color=line.get_color(), alpha=0.15, lw=0)
    return line


def performance_figure(curves, summary, models):
    """The 2x2 figure of the architecture study (mean over seeds, band = +- 1 std).

    a: training loss vs step; b: training (solid) and validation (dashed) accuracy vs step;
    c: test vs final training accuracy, one point per model; d: validation vs training accuracy
    along training, with the diagonal where they would be equal.
    """
    fig, axes = plt.subplots(2, 2, figsize=(12, 9))
    (a, b), (c, d) = axes
    colours = dict(zip(models, plt.rcParams["axes.prop_cycle"].by_key()["color"] * 3))
    for model in models:
        df = curves[curves.model == model]
        col = colours[model]
        _band(a, df.step, df.train_loss_mean, df.train_loss_std, color=col, label=model)
        _band(b, df.step, df.train_acc_mean, df.train_acc_std, color=col, label=model)
        _band(b, df.step, df.val_acc_mean, df.val_acc_std, color=col, ls="--")
        d.plot(df.train_acc_mean, df.val_acc_mean, color=col, lw=1, label=model)
        row = summary[summary.model == model].iloc[0]
        has_ci = np.isfinite(row.test_acc_ci_high)
        yerr = row.test_acc_ci_high - row.test_acc_mean if has_ci else None
        c.errorbar(row.final_train_acc_mean, row.test_acc_mean, yerr=yerr, fmt="o", color=col,
                   capsize=3, label=model)
        if row.not_ok:  # a model with a run that did not end ok: its worst fate, ringed
            worst = next(s for s in STATUS_MARKERS if s in row.status)
            _mark_status(c, row.final_train_acc_mean, row.test_acc_mean, worst, col)
    a.set(xlabel="step", ylabel="training loss", title="a. training loss", yscale="log")
    b.set(xlabel="step", ylabel="accuracy",
          title="b. training (solid) and validation (dashed) accuracy")
    c.set(xlabel="final training accuracy", ylabel="test accuracy (95 % CI)",
          title="c. test vs training accuracy")
    d.set(xlabel="training accuracy", ylabel="validation accuracy",
          title="d. validation vs training accuracy during training")
    for ax in (c, d):
        lo = min(ax.get_xlim()[0], ax.get_ylim()[0])
        hi = max(ax.get_xlim()[1], ax.get_ylim()[1])
        ax.plot([lo, hi], [lo, hi], color="grey", lw=0.8, ls=":", label="equal")
    for ax in axes.flat:
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    _status_legend(c, [s for s in STATUS_MARKERS if summary.status.str.contains(s).any()],
                   fontsize=8)
    fig.tight_layout()
    return fig


def weights_figure(weights, title, image_shape):
    """First-layer weights as grey pictures on one shared, symmetric colour scale.

    Fully connected units are reshaped to the input image; conv filters are kh x kw pictures
    (channel 0 when the input has several channels).
    """
    if weights.ndim == 2:
        pictures = weights.reshape(len(weights), *image_shape)
    else:
        pictures = weights[:, 0]
    n = len(pictures)
    cols = min(8, n)
    rows = math.ceil(n / cols)
    limit = np.abs(pictures).max()
    fig, axes = plt.subplots(rows, cols, figsize=(1.4 * cols, 1.4 * rows + 0.6), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < n:
            image = ax.imshow(pictures[i], cmap="gray", vmin=-limit, vmax=limit)
            ax.set_title(str(i), fontsize=7)
    fig.suptitle(title, fontsize=10)
    fig.colorbar(image, ax=axes, shrink=0.6, label="weight")
    return fig


# How a curve that did not end ok is marked at its last point, with a legend entry each.
STATUS_MARKERS = {"diverged": "X", "blew up": "^", "stuck": "o"}


def _mark_status(ax, x, y, status, colour):
    if status in STATUS_MARKERS:
        ax.plot([x], [y], marker=STATUS_MARKERS[status], ms=9, mew=1.5, mfc="none",
                color=colour, ls="none")


def _status_legend(ax, statuses, **legend):
    """Add one legend entry per marker used, saying what it means."""
    handles, labels = ax.get_legend_handles_labels()
    for status, marker in STATUS_MARKERS.items():
        if status in set(statuses):
            handles.append(plt.Line2D([], [], marker=marker, mfc="none", color="k", ls="none"))
            labels.append(f"run {status}")
    ax.legend(handles, labels, **legend)


def _floored(values, ax_floor):
    """Values for a log axis: zeros (which a log axis drops) drawn at the axis floor."""
    values = np.asarray(values, dtype=float)
    return np.where(values > 0, values, ax_floor)


def _log_floor(*series):
    positive = np.concatenate([np.asarray(s, dtype=float)[np.asarray(s, dtype=float) > 0]
                               for s in series] or [np.array([1.0])])
    return positive.min() / 3 if len(positive) else 1e-8


def activation_figure(curves, variants, scaling, models):
    """Study 4, one input scaling: training loss (left) and first-layer gradient norm (right)
    against step; ReLU solid, sigmoid dashed, one colour per model; a marker at the end of a
    curve whose runs did not end ok; gradient norms of exactly zero drawn at the axis floor."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5))
    colours = dict(zip(models, plt.rcParams["axes.prop_cycle"].by_key()["color"] * 3))
    styles = {"relu": "-", "sigmoid": "--", "tanh": ":"}
    shown = variants[variants.scaling == scaling]
    here = curves[curves.name.isin(shown.name)]
    floor = _log_floor(here.grad_norm_mean) if len(here) else 1e-8
    zeros = False
    for _, v in shown.iterrows():
        df = curves[curves.name == v["name"]]
        if df.empty:
            continue
        style = dict(color=colours[v["model"]], ls=styles[v["activation"]],
                     label=f"{v['model']} {v['activation']}")
        _band(left, df.step, df.train_loss_mean, df.train_loss_std, **style)
        grad = _floored(df.grad_norm_mean, floor)
        zeros |= bool((df.grad_norm_mean <= 0).any())
        right.plot(df.step, grad, **style)
        _mark_status(left, df.step.iloc[-1], df.train_loss_mean.iloc[-1], v["worst_status"],
                     style["color"])
        _mark_status(right, df.step.iloc[-1], grad[-1], v["worst_status"], style["color"])
    left.set(xlabel="step", ylabel="training loss", yscale="log", title="training loss")
    right.set(xlabel="step", ylabel="‖∂loss/∂W₁‖ (Frobenius)", yscale="log",
              title="gradient magnitude, first layer"
              + (" (zeros drawn at the bottom edge)" if zeros else ""))
    if zeros:
        right.axhline(floor, color="grey", lw=0.6, ls=":")
    for ax in (left, right):
        ax.grid(alpha=0.3)
    _status_legend(left, shown.worst_status, fontsize=7, ncol=2)
    fig.suptitle(f"Activation functions, inputs scaled '{scaling}' (ReLU solid, sigmoid dashed)")
    fig.tight_layout()
    return fig


def learning_rate_figure(curves, variants, steps_per_epoch, switches=None):
    """Study 5: one column per constant learning rate and one for the scheduled run; training
    loss (top) and validation accuracy (bottom) against epoch. The scheduled run's switch epochs
    (per seed) are dotted verticals; a marker ends a curve whose runs did not end ok."""
    names = list(variants.name)
    fig, axes = plt.subplots(2, len(names), figsize=(3.6 * len(names), 6.4), squeeze=False,
                             sharey="row")
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, (_, v) in enumerate(variants.iterrows()):
        top, bottom = axes[0, i], axes[1, i]
        df = curves[curves.name == v["name"]]
        colour = colours[i % len(colours)]
        title = "scheduled" if v["name"] == "schedule" else f"lr {v['lr']:g}"
        top.set_title(title + ("" if v["status"] == "ok" else f" ({v['status']})"))
        if not df.empty:
            epoch = df.step / steps_per_epoch
            _band(top, epoch, df.train_loss_mean, df.train_loss_std, color=colour,
                  label="training loss")
            _band(bottom, epoch, df.val_acc_mean, df.val_acc_std, color=colour,
                  label="validation accuracy")
            for ax, y in ((top, df.train_loss_mean), (bottom, df.val_acc_mean)):
                _mark_status(ax, epoch.iloc[-1], y.iloc[-1], v["worst_status"], colour)
        if v["name"] == "schedule":
            for k, (seed, epochs) in enumerate(sorted((switches or {}).items())):
                for j, e in enumerate(epochs):
                    for ax in (top, bottom):
                        ax.axvline(e, color="k", ls=":", lw=1,
                                   label=f"switch (seed {seed})" if j == 0 and k < 3 else None)
            if not any((switches or {}).values()):
                bottom.text(0.5, 0.05, "no switch: no plateau found", transform=bottom.transAxes,
                            ha="center", fontsize=8)
        top.set(yscale="log", xlabel="epoch")
        bottom.set(xlabel="epoch")
        for ax in (top, bottom):
            ax.grid(alpha=0.3)
        _status_legend(bottom, [v["worst_status"]], fontsize=7, loc="best")
    axes[0, 0].set_ylabel("training loss")
    axes[1, 0].set_ylabel("validation accuracy")
    fig.tight_layout()
    return fig


def reliability_figure(bins):
    """Study 1: reliability diagram per model (accuracy against mean confidence per bin, pooled
    over seeds); the diagonal is perfect calibration, marker area ~ number of test images."""
    models = list(dict.fromkeys(bins.model))
    fig, axes = plt.subplots(1, len(models), figsize=(3.2 * len(models), 3.4), squeeze=False)
    for ax, model in zip(axes.flat, models):
        b = bins[(bins.model == model) & (bins["count"] > 0)]
        ax.plot([0, 1], [0, 1], color="grey", lw=0.8, ls=":")
        ax.bar(b.bin_low, b.accuracy, width=b.bin_high - b.bin_low, align="edge",
               alpha=0.35, edgecolor="k", lw=0.5)
        ax.scatter(b.confidence, b.accuracy, s=8 + 200 * b["count"] / b["count"].sum(), zorder=3)
        ax.set(xlim=(0, 1), ylim=(0, 1), xlabel="confidence (top-class probability)",
               title=model)
        ax.grid(alpha=0.3)
    axes.flat[0].set_ylabel("accuracy")
    fig.tight_layout()
    return fig


def feature_map_figure(images, maps, kernel_names):
    """Study 2: input images (first column) and their maps under every kernel of the bank;
    one row per image, one column per kernel, each map normalised to its own range."""
    n_images, n_kernels = maps.shape[:2]
    fig, axes = plt.subplots(n_images, n_kernels + 1, figsize=(1.5 * (n_kernels + 1),
                                                                1.6 * n_images + 0.4))
    for i in range(n_images):
        axes[i, 0].imshow(images[i], cmap="gray")
        for k in range(n_kernels):
            m = maps[i, k]
            span = m.max() - m.min()
            axes[i, k + 1].imshow((m - m.min()) / span if span else m * 0, cmap="gray",
                                  vmin=0, vmax=1)
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0, 0].set_title("input", fontsize=8)
    for k, name in enumerate(kernel_names):
        axes[0, k + 1].set_title(name, fontsize=8)
    fig.tight_layout()
    return fig
