"""Study 6a's four figures (the seed's plots), mean over seeds with a ± 1 std band; the
learning-rate figure also shows each run, whose course a mean may hide."""
from .. import prose
from ..figures import (KEY_COLOUR, PRINT_WIDTH_IN, STATUS_MARKERS, _band, _mark_status,
                       chance_lines, note, plt, status_handles)

COLOURS = [f"C{i}" for i in range(10)]  # the colour cycle, as matplotlib names it


def _curve(epochs, name):
    return epochs[epochs.name == name].sort_values("epoch")


def _pair(ax, df, metric, colour, label=None):
    """Training (solid) and validation (dashed) of one metric; `label` heads both entries."""
    if df.empty:
        return
    head = f"{label}, " if label else ""
    _band(ax, df.epoch, df[f"train_{metric}_mean"], df[f"train_{metric}_std"], color=colour,
          label=f"{head}training")
    _band(ax, df.epoch, df[f"val_{metric}_mean"], df[f"val_{metric}_std"], color=colour,
          ls="--", label=f"{head}validation")


def _legend_below(fig, axes, more=((), ()), ncol=3):
    """One legend below the panels, with every entry of `axes` once (by label) and `more`
    (handles, labels), in `ncol` columns filled top down: inside a panel a legend may cover
    a curve, wherever the curves run."""
    handles, labels = [], []
    for ax in axes:
        for h, label in zip(*ax.get_legend_handles_labels()):
            if label not in labels:
                handles.append(h)
                labels.append(label)
    handles, labels = handles + list(more[0]), labels + list(more[1])
    if handles:
        fig.legend(handles, labels, loc="outside lower center", frameon=False, fontsize=7,
                   ncol=min(len(handles), ncol))


def _panels(**kw):
    """Two panels side by side at the printed width (text in points, see figures.py)."""
    return plt.subplots(1, 2, figsize=(PRINT_WIDTH_IN, 3.0), layout="constrained", **kw)


def _finish(fig, axes):
    for ax in axes:
        ax.grid(alpha=0.3)
        ax.set_xlabel("epoch")
        ax.xaxis.get_major_locator().set_params(integer=True)
    return fig


def _classes(chance):
    """The class count behind a chance accuracy 1/C (None without one)."""
    return round(1 / chance) if chance else None


def _inside_frame(axes, epochs, xs, pad=0.1):
    """Where a vertical line at `xs` falls on the first or last epoch, widen the panels' x-axes
    to `pad` of the epochs' span beyond them: at the default margin it runs along the frame
    and the curves' ends, and reads as part of them."""
    first, last = min(epochs, default=0), max(epochs, default=0)
    if last <= first or not any(x in (first, last) for x in xs):
        return
    for ax in axes:
        ax.set_xlim(first - pad * (last - first), last + pad * (last - first))


def _shared_epochs(fig, marks):
    """Say in the caption where seeds' verticals coincide (one line stands for several)."""
    seeds = marks.seed if "seed" in marks else range(len(marks))
    by_epoch = {}
    for seed, epoch in zip(seeds, marks.min_val_loss_epoch):
        by_epoch.setdefault(int(epoch), []).append(str(int(seed)))
    shared = [f"seeds {prose.names(s)} at epoch {e}" for e, s in sorted(by_epoch.items())
              if len(s) > 1]
    if shared:
        note(fig, "verticals", "Where seeds share that epoch their verticals coincide: "
             + "; ".join(shared) + ".")


def baseline(epochs, variants, overfit, p, chance):
    """Loss and accuracy of the baseline per epoch; each seed's lowest validation loss marked,
    inside the frame; chance where the axes reach it."""
    fig, (left, right) = _panels()
    df = _curve(epochs, "baseline")
    _pair(left, df, "loss", COLOURS[0])  # one colour: the panel titles say what is drawn
    _pair(right, df, "acc", COLOURS[0])
    marks = overfit[(overfit.name == "baseline") & overfit.min_val_loss_epoch.notna()]
    for i, r in enumerate(marks.itertuples()):
        left.axvline(r.min_val_loss_epoch, color="grey", ls=":", lw=1,
                     label="lowest val. loss, per seed" if i == 0 else None)
    _inside_frame((left, right), list(df.epoch), list(marks.min_val_loss_epoch))
    _shared_epochs(fig, marks)
    left.set(ylabel="cross-entropy loss", title="loss")
    right.set(ylabel="accuracy", title="accuracy")
    _legend_below(fig, (left, right),
                  chance_lines(_classes(chance), accuracy=[right], loss=[left]))
    return _finish(fig, (left, right))


def _seed_offsets(n, gap=0.08, width=0.16):
    """Factors that set n runs of one rate in a row to the right of its mean's dot on the log
    axis (`gap` and `width` in decades), clear of the dot and of its fate marker."""
    step = min(0.05, width / max(n - 1, 1))  # within a fifth of a decade: read as its rate
    return [10 ** (gap + step * k) for k in range(n)]


def _seed_courses(ax, lr, runs, colour):
    """Each run's course at its rate: its final validation accuracy (dot) joined by a thin
    line to its best in any epoch (short dash), runs in a row right of the mean. A mean hides a run
    that learned and fell back while the others never learned (it only lifts the mean a
    little). A diverged run has no final point (its last finite record is not the last
    epoch's): its best alone. Returns (drawn, a diverged run's best drawn alone)."""
    runs = runs[runs.best_val_acc.notna()].sort_values("seed")
    if runs.empty:
        return False, False
    x = [lr * f for f in _seed_offsets(len(runs))]
    final = (runs.status != "diverged").values if "status" in runs else [True] * len(runs)
    xf = [xi for xi, f in zip(x, final) if f]
    done = runs[final]
    ax.vlines(xf, done.last_val_acc, done.best_val_acc, color=colour, lw=0.8, zorder=2)
    ax.plot(x, runs.best_val_acc, ls="none", marker="_", ms=7, mew=1.3, color=colour, zorder=3)
    ax.plot(xf, done.last_val_acc, ls="none", marker=".", ms=5, color=colour, zorder=3)
    return True, not all(final)


def rates(epochs, variants, overfit, p, chance, per_epoch=None):
    """Training accuracy per epoch for every rate (with `per_epoch`, one row per run and
    epoch: each run's curve thinly behind the mean of a rate with two or more runs); final
    validation accuracy against the rate, mean ± std and each run's final and best."""
    fig, (left, right) = _panels()
    lrs = variants[variants.role.isin(["baseline", "rate"])].sort_values("lr")
    marked = {"left": [], "right": []}  # the fates whose markers are drawn, per panel
    seeds_drawn = {"left": False, "right": False}
    best_alone = False  # a diverged run's best, with no final point beside it
    for i, r in enumerate(lrs.itertuples()):
        colour = COLOURS[i % len(COLOURS)]
        df = _curve(epochs, r.name)
        label = f"lr {r.lr:g}" + (" (baseline)" if r.role == "baseline" else "")
        if df.empty:  # nothing to draw: the caption says so (a legend entry would show nothing)
            note(fig, f"no record {r.lr:g}", f"{label}: {r.status}, no record to draw.")
            continue
        runs = per_epoch[per_epoch.name == r.name] if per_epoch is not None else None
        if runs is not None and runs.seed.nunique() > 1:  # the runs themselves, not a band
            for _, run in runs.groupby("seed"):
                run = run.sort_values("epoch")
                left.plot(run.epoch, run.train_acc, color=colour, lw=0.6, alpha=0.6, zorder=1)
            left.plot(df.epoch, df.train_acc_mean, color=colour, label=label, zorder=2)
            seeds_drawn["left"] = True
        else:
            _band(left, df.epoch, df.train_acc_mean, df.train_acc_std, color=colour,
                  label=label)
        _mark_status(left, df.epoch.iloc[-1], df.train_acc_mean.iloc[-1], r.worst_status,
                     colour)
        marked["left"].append(r.worst_status)
        if r.final_val_acc_mean == r.final_val_acc_mean:
            right.errorbar(r.lr, r.final_val_acc_mean,
                           yerr=r.final_val_acc_std if r.final_val_acc_std == r.final_val_acc_std
                           else None, fmt="o", color=colour, capsize=3, zorder=4)
            _mark_status(right, r.lr, r.final_val_acc_mean, r.worst_status, colour)
            marked["right"].append(r.worst_status)
        if "best_val_acc" in overfit:
            drawn, alone = _seed_courses(right, r.lr, overfit[overfit.name == r.name], colour)
            seeds_drawn["right"] |= drawn
            best_alone |= alone
    right.axhline(chance, color="grey", ls=":", lw=1, label="chance")
    if seeds_drawn["right"]:  # style keys: grey stands for every rate's colour
        right.plot([], [], ls="none", marker=".", ms=5, color=KEY_COLOUR,
                   label="final, per run")
        right.plot([], [], ls="none", marker="_", ms=7, mew=1.3, color=KEY_COLOUR,
                   label="best in any epoch, per run")
        note(fig, "runs right", "Right: large dots, the mean final validation accuracy over "
             "seeds; just right of it, every run's final accuracy (small dot) joined by a line "
             "to its best in any epoch (short dash), so that a run which learned and fell back "
             "is seen. A fate marker sits on a rate's mean and shows the worst fate among its "
             "runs." + (" A diverged run has no final point (its mean leaves it out): its best "
                        "alone is drawn." if best_alone else ""))
    if seeds_drawn["left"]:
        note(fig, "runs left", "Left: thin lines, each seed's run, behind their mean (thick) "
             "for a rate with two or more seeds.")
    left.set(ylabel="training accuracy (epoch mean)", title="training accuracy per rate")
    right.set(xscale="log", xlabel="learning rate", ylabel="validation accuracy",
              title="final validation accuracy (and best per run)")
    fates = [s for s in marked["left"] + marked["right"] if s in STATUS_MARKERS]
    _legend_below(fig, (left, right), status_handles(fates, fig))
    right.grid(alpha=0.3)
    return _finish(fig, (left,))


def momentum(epochs, variants, overfit, p, chance):
    """Training and validation accuracy with and without momentum; the target accuracy where
    the axis already shows it (a reference line never stretches an axis: a target every curve
    passed at once would squeeze the curves into a strip)."""
    fig, axes = _panels(sharey=True)
    name = variants.name[variants.role == "momentum"].iloc[0]
    shown = ((name, f"momentum {p['momentum_variant']:g}"),
             ("baseline", f"momentum {p['momentum']:g} (baseline)"))
    for ax, metric, title in zip(axes, ("train_acc", "val_acc"),
                                 ("training accuracy (epoch mean)", "validation accuracy")):
        for i, (n, label) in enumerate(shown):
            df = _curve(epochs, n)
            if not df.empty:
                _band(ax, df.epoch, df[f"{metric}_mean"], df[f"{metric}_std"],
                      color=COLOURS[i], label=label)
        ax.set(title=title)
    _target_line(axes[1], p["target_val_acc"])
    axes[0].set_ylabel("accuracy")
    _legend_below(fig, axes, chance_lines(_classes(chance), accuracy=list(axes)))
    return _finish(fig, axes)


def _target_line(ax, target):
    """The target validation accuracy as a dotted line where the axis already reaches it; else
    the caption says where it lies and that it is not drawn."""
    low, high = ax.get_ylim()
    words = f"target {100 * target:g} %"
    if low < target < high:
        ax.axhline(target, color="grey", ls=":", lw=1, label=words)
        ax.set_ylim(low, high)
        note(ax.figure, "target", f"Dotted: the {words} validation accuracy.")
        return
    side = "below" if target <= low else "above"
    note(ax.figure, "target", f"The {words} validation accuracy lies {side} every curve "
         "drawn: not drawn, so that the axis keeps to the curves.")


def depth(epochs, variants, overfit, p, chance):
    """One conv block against two: accuracy and loss, training solid, validation dashed;
    chance where the axes reach it."""
    fig, (left, right) = _panels()
    for i, (n, label) in enumerate((("baseline", f"one block ({p['model']})"),
                                    ("two_blocks", f"two blocks ({p['deeper_model']})"))):
        df = _curve(epochs, n)
        _pair(left, df, "acc", COLOURS[i], label)
        _pair(right, df, "loss", COLOURS[i], label)
    left.set(ylabel="accuracy", title="accuracy")
    right.set(ylabel="cross-entropy loss", title="loss")
    # a network that barely left chance (two blocks in epoch 1) is read against it
    _legend_below(fig, (left, right),
                  chance_lines(_classes(chance), accuracy=[left], loss=[right]),
                  ncol=2)  # a column per model
    return _finish(fig, (left, right))

