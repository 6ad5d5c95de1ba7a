"""Figures of Study 6c (seed 004): curves, templates, the lr/decay sweep, GD against SGD, CNN.
Chance is drawn where an axis shows it: accuracy 1/C, the CNN's cross-entropy ln C, and the
NumPy models' squared loss at a constant output of 1/C for every class, (C − 1)/C (the level
a network that learned no class reaches by fitting the outputs' mean); every legend sits
below the panels, clear of the data."""
import math

import numpy as np

from .. import figures
from ..figures import (CHANCE_STYLE, KEY_COLOUR, PRINT_WIDTH_IN, STATUS_MARKERS, _mark_status,
                       plt)
from .assignment4_text import _change

GD_SGD = {"gd": ("full-batch GD", "C0"), "sgd": ("mini-batch SGD", "C3")}


def _chance(n_classes, accuracy=(), squared=(), constant=None):
    """Chance on the accuracy axes (figures.chance_lines) and, on the squared-loss axes, the
    loss of a constant output of 1/C for every class (`constant`, assignment4's
    constant_output_loss), each only where its axis already shows it; one legend entry
    ('chance') and one caption sentence name both. Returns (handles, labels)."""
    handles, labels = figures.chance_lines(n_classes, accuracy=accuracy)
    drawn = []
    for ax in squared if constant is not None else ():
        limits = ax.get_ylim()
        if min(limits) < constant < max(limits):
            ax.axhline(constant, **CHANCE_STYLE)
            ax.set_ylim(limits)
            drawn.append(ax)
    if not drawn:
        return handles, labels
    what = [f"accuracy 1/{n_classes} = {1 / n_classes:.3g}"] if handles and n_classes else []
    what.append(f"squared loss {constant:.4f}")
    guess = (f"a uniform guess over the {n_classes} classes, 1/{n_classes} each" if n_classes
             else "a uniform guess, 1/C for every class")
    figures.note(drawn[0].figure, "chance", "Broad pale line: chance, where a network that "
                 f"learned nothing sits ({guess}: {', '.join(what)}).")
    return [plt.Line2D([], [], **CHANCE_STYLE)], ["chance"]


def linear_figure(curve, title, n_classes=None, constant=None):
    fig, (a, b) = plt.subplots(1, 2, figsize=(PRINT_WIDTH_IN, 3.0), layout="constrained")
    for part, style in (("train", "-"), ("test", "--")):
        a.plot(curve.step, curve[f"{part}_loss"], ls=style, label=f"{part}ing" if part == "train"
               else "test")
        b.plot(curve.step, curve[f"{part}_acc"], ls=style, label=f"{part}ing" if part == "train"
               else "test")
    a.set(xlabel="iteration (full-batch update)", ylabel="squared loss + L2",
          title=f"a. loss ({title})")
    b.set(xlabel="iteration (full-batch update)", ylabel="accuracy", title="b. accuracy")
    for ax in (a, b):
        ax.grid(alpha=0.3)
    _figure_legend(fig, a, set(), _chance(n_classes, accuracy=[b], squared=[a],
                                          constant=constant))
    return fig


def _pictures(images):
    """(n, C, H, W) -> pictures for imshow: grey (n, H, W) or RGB (n, H, W, 3) on one shared
    scale (colour: the whole set mapped to [0, 1] together); and the symmetric grey limit."""
    if images.shape[1] == 3:
        lo, hi = images.min(), images.max()
        return np.transpose((images - lo) / (hi - lo if hi > lo else 1), (0, 2, 3, 1)), None
    return images[:, 0], float(np.abs(images).max()) or 1.0


def templates_figure(templates, class_means, names):
    """Row 1: the linear classifier's weight template of each class; row 2: that class's mean
    training image minus the overall mean. One colour scale per row, shared by its images."""
    n = len(names)
    fig, axes = plt.subplots(2, n, figsize=(PRINT_WIDTH_IN, 0.62 * PRINT_WIDTH_IN * 2 / n + 0.7),
                             squeeze=False, layout="constrained")
    fig.get_layout_engine().set(w_pad=0.01, h_pad=0.02, wspace=0.02, hspace=0.04)
    for row, (images, label) in enumerate(((templates, "template"),
                                           (class_means, "class mean\n− overall mean"))):
        pics, limit = _pictures(images)
        for c in range(n):
            ax = axes[row, c]
            im = ax.imshow(pics[c], cmap="RdBu_r" if limit else None,
                           vmin=-limit if limit else None, vmax=limit)
            ax.set_xticks([])
            ax.set_yticks([])
            if row == 0:
                ax.set_title(names[c], fontsize=7)
        axes[row, 0].set_ylabel(label, fontsize=7)
        if limit:
            fig.colorbar(im, ax=list(axes[row]), fraction=0.015, pad=0.01)
    return fig


def _log_ticks(ax, values):
    """Three labelled ticks (lowest, geometric middle, highest of the finite values drawn) on
    a log axis: a column whose loss moves by less than a decade (lr 1e-6) would otherwise
    carry long minor labels that squeeze five columns to nothing."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    if not len(v):
        return
    lo, hi = v.min(), v.max()
    ticks = np.geomspace(lo, hi, 3) if hi > lo else [lo]
    # the fewest significant digits (3 at least) that keep the three labels apart
    digits = next((n for n in range(3, 8) if len({f"{t:.{n}g}" for t in ticks}) == len(ticks)),
                  8)
    ax.yaxis.set_major_locator(figures.ticker.FixedLocator(ticks))
    ax.yaxis.set_minor_locator(figures.ticker.NullLocator())
    ax.yaxis.set_major_formatter(figures.ticker.FuncFormatter(
        lambda x, _: f"{x:.{digits}g}"))


def _loss_changes(ax, lines, changes):
    """Each line's change of the training loss in its own panel: every panel has its own log
    axis ticked at its own extremes, so a 0.07 % fall looks as steep as a 53 % one; the legend
    (placed where it covers least) gives the numbers, as the sweep table does."""
    if lines:
        ax.legend(lines, changes, loc="best", fontsize=7, title="loss change", title_fontsize=7,
                  handlelength=1.6, borderpad=0.3, labelspacing=0.2, framealpha=0.85)


def sweep_figure(curves, statuses, grid, name_of, seed, drop_of, n_classes=None,
                 constant=None):
    """One column per learning rate: training loss (log) and test accuracy per iteration, one
    line per decay, each loss panel stating its lines' change from the first record to the last
    finite one (`drop_of`, assignment4.loss_drop: the table's); a run that did not end ok ends
    in its marker; one legend below."""
    lrs = sorted({lr for lr, _ in grid})
    decays = sorted({d for _, d in grid}, reverse=True)
    fig, axes = plt.subplots(2, len(lrs), figsize=(PRINT_WIDTH_IN, 5.0), squeeze=False,
                             layout="constrained")
    used, legend = set(), {}
    for col, lr in enumerate(lrs):
        top, bottom = axes[0, col], axes[1, col]
        drawn, lines, changes = [], [], []
        for i, d in enumerate(decays):
            key = (name_of(lr, d), seed)
            if key not in curves:
                continue
            c = curves[key]
            finite = c[np.isfinite(c.train_loss)]
            colour = f"C{i}"
            line, = top.plot(finite.step, finite.train_loss, color=colour, label=f"decay {d:g}",
                             ls="-" if i == 0 else "--")
            legend.setdefault(f"decay {d:g}", line)
            lines.append(line)
            changes.append(_change(-drop_of(c.train_loss)))
            bottom.plot(finite.step, finite.test_acc, color=colour, ls="-" if i == 0 else "--")
            drawn += list(finite.train_loss)
            status = statuses.get(key, "ok")
            if status in STATUS_MARKERS and len(finite):
                used.add(status)
                _mark_status(top, finite.step.iloc[-1], finite.train_loss.iloc[-1], status,
                             colour)
        top.set(yscale="log", title=f"lr {lr:g}", ylabel="training loss (log)" if col == 0
                else None)
        _log_ticks(top, drawn)
        _loss_changes(top, lines, changes)
        bottom.set(xlabel="iteration", ylabel="test accuracy" if col == 0 else None)
        for ax in (top, bottom):
            ax.grid(alpha=0.3)
            ax.xaxis.set_major_locator(figures.ticker.MaxNLocator(2, integer=True))
            ax.tick_params(labelsize=7)
    chance, chance_label = _chance(n_classes, accuracy=list(axes[1]), squared=list(axes[0]),
                                   constant=constant)
    more, words = figures.status_handles(used, fig)
    fig.legend(list(legend.values()) + chance + more, list(legend) + chance_label + words,
               loc="outside lower center", ncol=len(legend) + len(chance + more),
               frameon=False)
    return fig


def _fate(ax, x, y, status, colour, used):
    """A run that did not end ok ends in its fate's marker (explained by _status_legend)."""
    if status in STATUS_MARKERS and len(x):
        used.add(status)
        _mark_status(ax, np.asarray(x)[-1], np.asarray(y)[-1], status, colour)


def _figure_legend(fig, ax, used, extra=([], [])):
    """One legend below the panels (inside, it would cover curves): the entries `ax` labelled,
    `extra` (handles, labels: the chance line) and the fate markers used."""
    handles, labels = ax.get_legend_handles_labels()
    handles, labels = handles + list(extra[0]), labels + list(extra[1])
    more, words = figures.status_handles(used, fig)
    fig.legend(handles + more, labels + words, loc="outside lower center",
               ncol=len(handles + more), frameon=False)


def gd_sgd_iterations_figure(curves, seed, target, statuses, n_classes=None, constant=None):
    fig, (a, b, c_ax) = plt.subplots(1, 3, figsize=(PRINT_WIDTH_IN, 3.1), layout="constrained")
    used = set()
    for name, (label, colour) in GD_SGD.items():
        c = curves[(name, seed)]
        per_pass = c.step.max() / max(c.epoch.max(), 1)
        a.plot(c.step / per_pass, c.train_loss, color=colour, label=label)
        b.plot(np.where(c.step > 0, c.step, 0.5), c.train_loss, color=colour, label=label)
        c_ax.plot(c.step / per_pass, c.test_acc, color=colour, label=label)
        status = statuses.get((name, seed), "ok")
        _fate(a, c.step / per_pass, c.train_loss, status, colour, used)
        _fate(c_ax, c.step / per_pass, c.test_acc, status, colour, used)
    for ax in (a, b):
        ax.axhline(target, color="grey", ls=":", lw=1, label=f"stated loss {target:.4f}")
    for ax in (a, b, c_ax):
        ax.grid(alpha=0.3)
    a.set(xlabel="passes over the training set\n(the seed's iterations)",
          ylabel="training loss (squared + L2)", title="a. training loss per pass")
    b.set(xscale="log", xlabel="parameter updates\n(log; the start drawn at 0.5)",
          ylabel="training loss", title="b. per update")
    _figure_legend(fig, a, used, _chance(n_classes, accuracy=[c_ax], squared=[a, b],
                                         constant=constant))
    c_ax.set(xlabel="passes over the training set", ylabel="test accuracy",
             title="c. test accuracy per pass")
    return fig


def gd_sgd_time_figure(curves, seed, target, statuses, n_classes=None, constant=None):
    fig, ax = plt.subplots(figsize=(PRINT_WIDTH_IN, 2.8), layout="constrained")
    used = set()
    for name, (label, colour) in GD_SGD.items():
        c = curves[(name, seed)]
        ax.plot(c.seconds, c.train_loss, color=colour, label=f"{label}, training")
        _fate(ax, c.seconds, c.train_loss, statuses.get((name, seed), "ok"), colour, used)
    ax.axhline(target, color="grey", ls=":", lw=1, label=f"stated loss {target:.4f}")
    ax.set(xlabel="training seconds (updates only, recording excluded)",
           ylabel="training loss (squared + L2)", title="Training loss against training time")
    ax.grid(alpha=0.3)
    _figure_legend(fig, ax, used, _chance(n_classes, squared=[ax], constant=constant))
    return fig


def _show_level(ax, level, margin=0.06):
    """Stretch `ax` so that `level` lies inside it, clear of its edges by `margin` of its
    height: a stuck run is read against chance, so a figure of one must show where chance lies,
    not only the run's few hundredths of range."""
    lo, hi = ax.get_ylim()
    pad = margin * (max(hi, level) - min(lo, level))
    ax.set_ylim(min(lo, level - pad), max(hi, level + pad))


def cnn_figure(runs, n_classes=None):
    """Every seed's CNN run, in its own colour: training (solid) and validation (dashed) loss
    (a) and accuracy (b) per record; a run that did not end ok ends in its fate's marker.
    Chance (1/C, ln C) is drawn where the axes show it; where a run is stuck the axes are
    stretched to show it. `runs`: {seed: (curve, status)}. One legend below the panels."""
    fig, (a, b) = plt.subplots(1, 2, figsize=(PRINT_WIDTH_IN, 3.2), layout="constrained")
    used, handles, labels, styles = set(), [], [], {"-": "training"}
    for i, (seed, (curve, status)) in enumerate(runs.items()):
        colour = f"C{i}"
        a.plot(curve.step, curve.train_loss, color=colour)
        b.plot(curve.step, curve.train_acc, color=colour)
        for ax, column in ((a, "val_loss"), (b, "val_acc")):
            if column in curve and curve[column].notna().any():
                ax.plot(curve.step, curve[column], color=colour, ls="--")
                styles["--"] = "validation"
        held = "val_acc" if "val_acc" in curve and curve.val_acc.notna().any() else "train_acc"
        _fate(a, curve.step, curve.train_loss, status, colour, used)
        _fate(b, curve.step, curve[held], status, colour, used)
        handles.append(plt.Line2D([], [], color=colour, lw=2))
        labels.append(f"seed {seed}" + ("" if status == "ok" else f" ({status})"))
    handles += [plt.Line2D([], [], color=KEY_COLOUR, ls=ls) for ls in styles]
    labels += list(styles.values())
    a.set(xlabel="step", ylabel="cross-entropy", title="a. loss")
    b.set(xlabel="step", ylabel="accuracy\n(training: since the previous record)",
          title="b. accuracy")
    if n_classes and any(status == "stuck" for _, status in runs.values()):
        _show_level(a, math.log(n_classes))
        _show_level(b, 1 / n_classes)
    chance, chance_label = figures.chance_lines(n_classes, accuracy=[b], loss=[a])
    for ax in (a, b):
        ax.grid(alpha=0.3)
    more, words = figures.status_handles(used, fig)
    entries = handles + chance + more
    fig.legend(entries, labels + chance_label + words, loc="outside lower center",
               ncol=min(len(entries), 4), frameon=False)
    return fig


def save_all(out, curves, runs_, main, seed, templates, class_means, names, grid, target,
             name_of, drop_of, constant=None):
    """Every figure of the study; `constant`: the squared loss of a constant output of 1/C
    for every class, drawn as chance on the squared-loss axes."""
    statuses = {(r.name, r.seed): r.status for r in runs_.itertuples()}
    n = len(names)
    figures.save(linear_figure(curves[(main, seed)], main, n, constant), *out.figure("linear"))
    figures.save(templates_figure(templates, class_means, names), *out.figure("templates"))
    figures.save(sweep_figure(curves, statuses, grid, name_of, seed, drop_of, n, constant),
                 *out.figure("sweep"))
    figures.save(gd_sgd_iterations_figure(curves, seed, target, statuses, n, constant),
                 *out.figure("gd_sgd_iterations"))
    figures.save(gd_sgd_time_figure(curves, seed, target, statuses, n, constant),
                 *out.figure("gd_sgd_time"))
    # every seed's CNN run: one run a seed, and their fates may differ
    cnn = {s: (curves[("cnn", s)], statuses.get(("cnn", s), "ok"))
           for (name, s) in sorted(curves) if name == "cnn"}
    figures.save(cnn_figure(cnn, n), *out.figure("cnn"))
