"""Matplotlib figures of the studies; every figure is saved as PNG and SVG.

Figures are drawn at the size they are printed: at most PRINT_WIDTH_IN x PRINT_HEIGHT_IN
(HALF_WIDTH_IN for two side by side), text in points (at least MIN_FONT_PT), saved at DPI
pixels per inch, which the report's style sheet prints one to one (image-resolution), so a
7-pt label is 7 pt on paper. `save` shrinks a figure that is larger (its text keeps its size)
and writes into the PNG the sentences its caption needs about what was drawn in this run
(bands, clipped outliers, zeros on a log axis, fate markers): `caption` reads them back.
"""
import math
import textwrap

import numpy as np

from .lazy import lazy_import

DPI = 150                 # report/style.css: figure img { image-resolution: 150dpi }
PRINT_WIDTH_IN = 6.8      # the A4 text column (210 mm - 2 x 14 mm margin - body padding)
HALF_WIDTH_IN = 3.3       # a figure of size "half": two side by side
PRINT_HEIGHT_IN = 7.0     # report/style.css: figure img { max-height: 178mm }
MIN_FONT_PT = 7
PAD_IN = 0.04             # the margin savefig leaves around the tight bounding box
NOTES_KEY = "nnstudies caption notes"


def _configure():
    """Matplotlib's settings for these figures, before pyplot is first imported (the
    workflow's planning imports this module and never draws: matplotlib is not loaded then)."""
    import matplotlib
    matplotlib.use("Agg")  # files only, never a window
    matplotlib.rcParams.update({
        "font.size": 8, "axes.titlesize": 8.5, "axes.labelsize": 8, "xtick.labelsize": 7.5,
        "ytick.labelsize": 7.5, "legend.fontsize": 7.5, "figure.titlesize": 9,
        "legend.title_fontsize": 7.5, "lines.linewidth": 1.3, "lines.markersize": 4.5})


plt = lazy_import("matplotlib.pyplot", before=_configure)
patches = lazy_import("matplotlib.patches")
ticker = lazy_import("matplotlib.ticker")
transforms = lazy_import("matplotlib.transforms")


def _notes(fig):
    """The figure's caption notes: {key: sentence}, in the order they were made."""
    if not hasattr(fig, "_nn_notes"):
        fig._nn_notes = {}
    return fig._nn_notes


def note(fig, key, sentence):
    """Say in the figure's caption what was drawn (one sentence per key, the last one wins)."""
    _notes(fig)[key] = sentence


def notes_of(fig):
    """The caption sentences of a figure, bands and markers included."""
    found = dict(_notes(fig))
    cut = found.pop("band cut", None)  # said after the band it qualifies
    bands = {"band": 0, "bar": 0, "none": 0, **getattr(fig, "_nn_bands", {})}
    spread = " and ".join(what for what, key in (("shaded band", "band"), ("error bar", "bar"))
                          if bands[key]).capitalize()
    if spread and bands["none"]:
        found.setdefault("band", f"{spread}: ± 1 standard deviation over seeds, drawn only "
                         "where a curve has two or more runs that differ.")
    elif spread:
        found.setdefault("band", f"{spread}: ± 1 standard deviation over seeds.")
    elif bands["none"]:
        found.setdefault("band", "No band: one run per curve (a mean over one seed is that "
                         "run), or runs that agree exactly.")
    return list(found.values()) + ([cut] if cut else [])


def caption(png_path, text):
    """`text` followed by what the saved figure says it drew (see `save`); `text` alone when
    the file has no notes (or is missing)."""
    try:
        from PIL import Image
        with Image.open(png_path) as image:
            extra = image.text.get(NOTES_KEY, "")
    except (OSError, ValueError):
        extra = ""
    return " ".join([text.rstrip()] + [line for line in extra.splitlines() if line])


def _tight_box(fig):
    """The figure's bounding box (inches) as bbox_inches='tight' finds it, before the pad."""
    fig.canvas.draw()
    return fig.get_tightbbox(fig.canvas.get_renderer())


def _plain_log_labels(fig):
    """A log axis whose view lies within 0.001 to 10,000 labelled in plain numbers (1.6, 0.05,
    300): matplotlib's default writes a narrow axis's ticks as 1.6×10⁰. A wider axis keeps
    its powers of ten throughout. The same ticks are labelled; only their text changes."""
    class PlainLogFormatter(ticker.LogFormatterSciNotation):
        def __call__(self, x, pos=None):
            label = super().__call__(x, pos)
            lo, hi = sorted(self.axis.get_view_interval())
            return f"{x:.4g}" if label and 1e-3 <= lo and hi < 1e4 else label

    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if axis.get_scale() != "log":
                continue
            for minor in (False, True):
                old = axis.get_minor_formatter() if minor else axis.get_major_formatter()
                if type(old) is ticker.LogFormatterSciNotation:  # the default, not one set
                    new = PlainLogFormatter(old._base, labelOnlyBase=old.labelOnlyBase)
                    (axis.set_minor_formatter if minor else axis.set_major_formatter)(new)


def fit_to_print(fig, width=None, height=PRINT_HEIGHT_IN):
    """Shrink the figure until its saved (tight) size fits the print box; text keeps its size
    in points, so it prints at its nominal size. Overlapping fate markers are moved apart.
    Returns the figure's tight box (inches) as it now stands, or None when it changed after
    it was last measured (save then measures it again)."""
    _plain_log_labels(fig)
    width = (width or getattr(fig, "_nn_width", PRINT_WIDTH_IN)) - 2 * PAD_IN
    height -= 2 * PAD_IN
    for _ in range(4):
        box = _tight_box(fig)
        if box.width <= width + 0.01 and box.height <= height + 0.01:
            break
        fw, fh = fig.get_size_inches()
        fig.set_size_inches(max(fw - max(box.width - width, 0) - 0.02, 1.0),
                            max(fh - max(box.height - height, 0) - 0.02, 1.0))
        if fig.get_layout_engine() is None:
            fig.tight_layout()
        box = None
    if _separate_markers(fig):
        box = None
    return box


def save(fig, png_path, svg_path):
    box = fit_to_print(fig)
    notes = "\n".join(notes_of(fig))
    # The saved area measured once and the layout frozen: with bbox_inches="tight" or a layout
    # engine, every savefig first lays out and draws the figure once more to measure it, so
    # each figure was laid out about five times (bench/README.md, "Drawing a figure once").
    # fit_to_print's last measurement is that area unless the figure changed since.
    box = (box or _tight_box(fig)).padded(PAD_IN)
    fig.set_layout_engine(None)  # the axes keep the positions the last layout gave them
    fig.savefig(png_path, dpi=DPI, bbox_inches=box, metadata={NOTES_KEY: notes})
    fig.savefig(svg_path, bbox_inches=box)
    plt.close(fig)


def _band(ax, x, mean, std, **style):
    """A mean curve with its ± 1 std band where the std is known (two or more runs); the
    figure's caption notes say which. A curve of one point is a dot, its spread an error bar
    (a band over one x has no width)."""
    mean = np.asarray(mean, dtype=float)
    single = np.isfinite(mean).sum() == 1
    if single:
        style = {"marker": "o", "ms": 4, **style}
    line, = ax.plot(x, mean, **style)
    bands = ax.figure.__dict__.setdefault("_nn_bands", {"band": 0, "bar": 0, "none": 0})
    spread = None if std is None else np.asarray(std, dtype=float)
    # a spread of zero (runs that agree to the last bit) draws nothing: the caption says so
    if spread is None or not (np.isfinite(spread) & (spread > 0)).any():
        bands["none"] += 1
    elif single:
        at = np.isfinite(mean)
        below = spread[at]
        if ax.get_yscale() == "log":  # as a band on a log axis: at most down to half the mean
            below = np.minimum(below, mean[at] / 2)
        ax.errorbar(np.asarray(x)[at], mean[at], yerr=[below, spread[at]],
                    color=line.get_color(), ls="none", capsize=3, lw=1)
        bands["bar"] += 1
    else:
        low = mean - spread
        if ax.get_yscale() == "log" and (low[np.isfinite(low)] < mean[np.isfinite(low)] / 2
                                         ).any():
            # on a log axis a band that reaches zero, or near it, runs down a decade or more
            # below every run: it stops at half the mean there
            low = np.maximum(low, mean / 2)
            note(ax.figure, "band cut", "On a log axis the band's lower edge stops at half "
                 "the mean (one standard deviation below it would reach zero or near it).")
        ax.fill_between(x, low, mean + spread, color=line.get_color(), alpha=0.15, lw=0)
        bands["band"] += 1
    return line


KEY_COLOUR = "0.35"  # a legend entry in this grey is a style key: it stands for every colour


def _train_x(row):
    """Panel c's training accuracy: the final model scored on the training split where the
    summary has it, else the last record's running mean."""
    scored = getattr(row, "final_model_train_acc_mean", float("nan"))
    return scored if scored == scored else row.final_train_acc_mean


def performance_figure(curves, summary, models, n_classes=None):
    """The 2x2 figure of the architecture study (mean over seeds, band = +- 1 std where there
    are two or more seeds).

    a: training loss vs step; b: training (solid) and validation (dashed) accuracy vs step;
    c: test vs training accuracy (the final model's, where scored), one point per model; d:
    validation vs training accuracy
    along training, with the diagonal where they would be equal. One legend for the figure:
    the models' colours, the line styles, the diagonal, the fate markers and, given
    `n_classes`, the chance levels (loss ln C in a, accuracy 1/C in b).
    """
    fig, axes = plt.subplots(2, 2, figsize=(PRINT_WIDTH_IN, 6.2), layout="constrained")
    (a, b), (c, d) = axes
    a.set_yscale("log")  # before the bands: one that would reach below zero is cut there
    colours = dict(zip(models, plt.rcParams["axes.prop_cycle"].by_key()["color"] * 3))
    for model in models:
        df = curves[curves.model == model]
        col = colours[model]
        _band(a, df.step, df.train_loss_mean, df.train_loss_std, color=col)
        _band(b, df.step, df.train_acc_mean, df.train_acc_std, color=col)
        _band(b, df.step, df.val_acc_mean, df.val_acc_std, color=col, ls="--")
        d.plot(df.train_acc_mean, df.val_acc_mean, color=col, lw=1)
        row = summary[summary.model == model].iloc[0]
        has_ci = np.isfinite(row.test_acc_ci_high)
        yerr = row.test_acc_ci_high - row.test_acc_mean if has_ci else None
        c.errorbar(_train_x(row), row.test_acc_mean, yerr=yerr, fmt="o", color=col,
                   capsize=3)
        if row.not_ok:  # a model with a run that did not end ok: its worst fate, ringed
            worst = next(s for s in STATUS_MARKERS if s in row.status)
            _mark_status(c, _train_x(row), row.test_acc_mean, worst)
    a.set(xlabel="step", ylabel="training loss", title="a. training loss", yscale="log")
    b.set(xlabel="step", ylabel="accuracy", title="b. training and validation accuracy")
    scored = "final_model_train_acc_mean" in summary
    c.set(xlabel="final model's training accuracy" if scored else
          "training accuracy (running mean, last record)",
          ylabel="test accuracy (95 % CI)",
          title="c. test vs training accuracy")
    d.set(xlabel="training accuracy", ylabel="validation accuracy",
          title="d. validation vs training accuracy")
    # at most 5 ticks: a narrow range (96.8-98.4 %) otherwise crowds its labels together
    c.xaxis.set_major_locator(ticker.MaxNLocator(5))
    for ax in (c, d):
        lo = min(ax.get_xlim()[0], ax.get_ylim()[0])
        hi = max(ax.get_xlim()[1], ax.get_ylim()[1])
        ax.plot([lo, hi], [lo, hi], color="grey", lw=0.8, ls=":")
    for ax in axes.flat:
        ax.grid(alpha=0.3)
    handles = [plt.Line2D([], [], color=colours[m], lw=2) for m in models]
    labels = list(models)
    handles += [plt.Line2D([], [], color=KEY_COLOUR, ls="-"),
                plt.Line2D([], [], color=KEY_COLOUR, ls="--"),
                plt.Line2D([], [], color="grey", lw=0.8, ls=":")]
    labels += ["training (b)", "validation (b)", "equal (c, d)"]
    chance, chance_label = chance_lines(n_classes, accuracy=[b], loss=[a])
    handles, labels = handles + chance, labels + chance_label
    statuses = [s for s in STATUS_MARKERS if summary.status.str.contains(s).any()]
    more, words = status_handles(statuses, fig)
    fig.legend(handles + more, labels + words, loc="outside upper center",
               ncol=min(len(handles + more), 6), frameon=False)
    return fig


def weights_figure(weights, title, image_shape):
    """First-layer weights as grey pictures on one shared, symmetric colour scale, at half the
    text width (two such figures side by side); unit numbers in 7 pt.

    Fully connected units are reshaped to the input image; conv filters are kh x kw pictures
    (channel 0 when the input has several channels). The pictures are tiles of one image, eight
    to a row, with the unit numbers in the gaps above them: one axes, where a grid of axes (one
    per unit) took matplotlib's layout 20 s to draw for 100 units.
    """
    # (units, C, H, W) either way: a unit's weights as an image, or a filter; channel 0
    pictures = (weights.reshape(len(weights), *image_shape) if weights.ndim == 2
                else weights)[:, 0]
    n, h, w = pictures.shape
    cols = min(8, n)
    rows = math.ceil(n / cols)
    limit = np.abs(pictures).max() or 1.0
    side = (HALF_WIDTH_IN - 0.55) / cols  # inches per picture (0.55: the colour bar)
    gap_w = max(1, round(0.08 * w))       # between pictures, in the pictures' pixels
    gap_h = math.ceil(0.14 / side * h)    # above each picture: room for its 7-pt number
    mosaic = np.full((rows * (gap_h + h), cols * (w + gap_w) - gap_w), np.nan)
    for i, picture in enumerate(pictures):
        top, left = (i // cols) * (gap_h + h) + gap_h, (i % cols) * (w + gap_w)
        mosaic[top:top + h, left:left + w] = picture
    height = cols * side * mosaic.shape[0] / mosaic.shape[1] + 0.45  # + title
    fig, ax = plt.subplots(figsize=(HALF_WIDTH_IN, height), layout="constrained")
    fig._nn_width = HALF_WIDTH_IN
    fig.get_layout_engine().set(w_pad=0.01, h_pad=0.01)
    cmap = plt.get_cmap("gray").with_extremes(bad="white")  # the gaps
    image = ax.imshow(mosaic, cmap=cmap, vmin=-limit, vmax=limit, interpolation="nearest")
    ax.axis("off")
    for i in range(n):
        x = (i % cols) * (w + gap_w) + (w - 1) / 2
        y = (i // cols) * (gap_h + h) + gap_h - 0.5  # the top edge of picture i
        ax.annotate(str(i), (x, y), xytext=(0, 1), textcoords="offset points",
                    ha="center", va="bottom", fontsize=MIN_FONT_PT)
    fig.suptitle(textwrap.fill(title, 58), fontsize=7.5)
    bar = fig.colorbar(image, ax=ax, shrink=0.8, aspect=25, pad=0.02)
    bar.set_label("weight", fontsize=7.5)
    bar.ax.tick_params(labelsize=7)
    return fig


# How a curve that did not end ok is marked at its last point, with a legend entry each.
STATUS_MARKERS = {"diverged": "X", "blew up": "^", "stuck": "o"}


STATUS_COLOUR = "k"  # one colour for every fate marker: the marker's shape says the fate


def _mark_status(ax, x, y, status, colour=None):
    """The fate marker of a run that did not end ok, at (x, y), open and black (the curve it
    ends has the colour); markers that would overlap are moved apart when the figure is
    saved (`_separate_markers`). `colour` is accepted for the callers' sake and ignored."""
    if status in STATUS_MARKERS and np.isfinite(x) and np.isfinite(y):
        ax.plot([x], [y], marker=STATUS_MARKERS[status], ms=8, mew=1.3, mfc="none",
                color=STATUS_COLOUR, ls="none", gid="status", zorder=5, clip_on=False)


MARKER_NAMES = {"X": "cross", "^": "triangle", "o": "circle"}


def status_handles(statuses, fig=None):
    """Legend handles and labels, one per fate marker used, saying what it means; with `fig`,
    only the fates whose marker is drawn in it (a run with no finite record has none), and
    the figure's caption notes say it too."""
    used = set(statuses)
    if fig is not None:
        drawn = {line.get_marker() for ax in fig.axes for line in ax.lines
                 if line.get_gid() == "status"}
        used = {s for s in used if STATUS_MARKERS.get(s) in drawn}
    handles, labels = [], []
    for status, marker in STATUS_MARKERS.items():
        if status in used:
            handles.append(plt.Line2D([], [], marker=marker, mfc="none", ms=7, mew=1.3,
                                      color=STATUS_COLOUR, ls="none"))
            labels.append(f"run {status}")
    if fig is not None and labels:
        note(fig, "markers", "Open black markers (legend): " + "; ".join(
            f"{MARKER_NAMES[STATUS_MARKERS[s]]}, run {s}" for s in STATUS_MARKERS
            if s in used) + ".")
    return handles, labels


def _status_legend(ax, statuses, **legend):
    """Add one legend entry per marker used, saying what it means."""
    handles, labels = ax.get_legend_handles_labels()
    more, words = status_handles(statuses, ax.figure)
    if handles or more:
        ax.legend(handles + more, labels + words, **legend)


# a broad pale line behind the curves: told apart from every dotted or dashed key
CHANCE_STYLE = dict(color="0.8", ls="-", lw=2.6, zorder=0.5)


def chance_lines(n_classes, accuracy=(), loss=()):
    """The levels a run that learned nothing sits at: accuracy 1/C on the `accuracy` axes, the
    uniform guess's loss ln C on the `loss` axes, each drawn only where its axis already shows
    it (a reference line never stretches an axis); the caption notes give the values. Returns
    the legend handle and label ([], [] when none was drawn or without a class count)."""
    if not n_classes:
        return [], []
    drawn, fig = [], None
    for axes, level, what in (
            (accuracy, 1 / n_classes, f"accuracy 1/{n_classes} = {1 / n_classes:.3g}"),
            (loss, math.log(n_classes), f"loss ln {n_classes} = {math.log(n_classes):.3f}")):
        for ax in axes:
            limits = ax.get_ylim()
            if min(limits) < level < max(limits):
                ax.axhline(level, **CHANCE_STYLE)
                ax.set_ylim(limits)
                drawn.append(what)
                fig = ax.figure
    if not drawn:
        return [], []
    note(fig, "chance", "Broad pale line: chance, where a network that learned nothing sits "
         f"(a uniform guess over the {n_classes} classes: "
         + ", ".join(dict.fromkeys(drawn)) + ").")
    return [plt.Line2D([], [], **CHANCE_STYLE)], ["chance"]


def _separate_markers(fig, gap_pt=7.0):
    """Fate markers drawn on the same spot (two runs stuck at the same loss at the same step)
    are shifted sideways, gap_pt apart, so that each stays visible. True if any moved."""
    moved = False
    for ax in fig.axes:
        marks = [line for line in ax.lines if line.get_gid() == "status"]
        placed = []
        for line in marks:
            x, y = ax.transData.transform((line.get_xdata()[0], line.get_ydata()[0]))
            shift = 0.0
            while any(abs(x + shift * fig.dpi / 72 - px) < gap_pt * fig.dpi / 72 * 0.9
                      and abs(y - py) < gap_pt * fig.dpi / 72 * 0.9 for px, py in placed):
                shift -= gap_pt  # to the left: the curve's end is the right-most point
            if shift:
                line.set_transform(ax.transData + transforms.ScaledTranslation(shift / 72, 0,
                                                                    fig.dpi_scale_trans))
                moved = True
            placed.append((x + shift * fig.dpi / 72, y))
    return moved


def _floored(values, ax_floor):
    """Values for a log axis: zeros (which a log axis drops) drawn at the axis floor."""
    values = np.asarray(values, dtype=float)
    return np.where(values > 0, values, ax_floor)


def _log_floor(*series):
    """Where a log axis draws zeros: below a third of the smallest positive value, at a
    one-digit number (0.01, 3e-05), so that the legend's "drawn at" prints it exactly."""
    positive = np.concatenate([np.asarray(s, dtype=float)[np.asarray(s, dtype=float) > 0]
                               for s in series] or [np.array([1.0])])
    if not len(positive):
        return 1e-8
    third = positive.min() / 3
    power = 10.0 ** math.floor(math.log10(third))
    return float(f"{math.floor(third / power * (1 + 1e-12)) * power:.0e}")


# Runs whose values are the explosion's: they may leave the range of the others, which they
# must not flatten (see _axis_range).
OUTLIER_FATES = ("blew up", "diverged")


def _finite(series, log):
    values = np.concatenate([np.asarray(s, dtype=float).ravel() for s in series] or [[]])
    values = values[np.isfinite(values)]
    return values[values > 0] if log else values


def _axis_range(regular, outliers, log=False, reach=None):
    """Axis limits (lo, hi) and whether some values lie beyond them (to be drawn on the edge).

    The range is set by the bulk of the `regular` series: their smallest value and, for the
    top, each series' upper quartile (a run's first, transient records do not set it). Every
    other value, an outlier series' (a run that blew up) or a regular one's, widens the range
    while it stays within `reach` of it (a multiple of the range's span; on a log axis a
    factor), else the axis stops and the value is drawn on its edge. None when there is
    nothing to draw."""
    reg = [v for v in (_finite([s], log) for s in regular) if len(v)]
    out = _finite(list(regular) + list(outliers), log)
    if not reg:  # no regular run: the outliers are the whole picture
        reg = [v for v in (_finite([s], log) for s in outliers) if len(v)]
    if not reg:
        return None
    lo = min(v.min() for v in reg)
    hi = max(np.quantile(v, 0.75, method="lower") if len(v) >= 4 else v.max() for v in reg)
    if log:
        reach = reach or 100.0
        pad = max((hi / lo) ** 0.06, 1.15)
        lo, hi = lo / pad, hi * pad
        keep = out[(out <= hi * reach) & (out >= lo / reach)]
        if len(keep):
            lo, hi = min(lo, keep.min() / pad), max(hi, keep.max() * pad)
    else:
        reach = reach or 1.0
        span = hi - lo if hi > lo else max(abs(hi), 1.0)
        lo, hi = lo - 0.06 * span, hi + 0.06 * span
        keep = out[(out <= hi + reach * span) & (out >= lo - reach * span)]
        if len(keep):
            pad = 0.06 * (max(hi, keep.max()) - min(lo, keep.min()))
            lo, hi = min(lo, keep.min() - pad), max(hi, keep.max() + pad)
    return lo, hi, bool(((out > hi) | (out < lo)).any())


def _beyond(values, found):
    """Whether some finite value lies outside `found`: (lo, hi, ...) from _axis_range or
    _axis_limits."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    return bool(found) and bool(((v > found[1]) | (v < found[0])).any())


def _clip_to(values, lo, hi):
    """Values drawn on the axis edge where they leave [lo, hi] (NaN stays a gap); [lo, hi]
    are the axis limits as set (`_axis_limits`), so that the edge is the panel's frame."""
    return np.clip(np.asarray(values, dtype=float), lo, hi)


def _say_clipped(ax, items, log):
    """Write, at the top of a panel, the most extreme value of each clipped series, in its
    colour: [(label, colour, values)]."""
    lines = []
    for label, colour, values in items:
        v = _finite([values], log)
        if len(v):
            lines.append((f"{label}: up to {v.max():.2g}".replace("e+", "e"), colour))
    for i, (text, colour) in enumerate(lines):
        ax.text(0.02, 0.985 - 0.075 * i, "↑ " + text, transform=ax.transAxes, ha="left",
                va="top", fontsize=7, color=colour, zorder=6,  # legible over the curves
                bbox=dict(facecolor="white", edgecolor="none", alpha=0.8, pad=0.5))


def _headroom(lo, hi, log, share=0.14):
    """An axis top that leaves a band above `hi` for the values written
    there (↑) over the curves."""
    if log:
        return hi * (hi / lo) ** (share / (1 - share))
    return hi + (hi - lo) * share / (1 - share)


def _axis_limits(found, log):
    """The axis limits (lo, top) for a range from _axis_range: with values beyond it, the top
    leaves a band for their written values, and the clipped values are drawn at that top
    (the frame), not at the range's `hi` inside the panel. None when there is no range."""
    if not found:
        return None
    lo, hi, cut = found
    return lo, _headroom(lo, hi, log) if cut else hi


ACTIVATION_STYLE = {"relu": ("C0", "-"), "sigmoid": ("C3", "--"), "tanh": ("C2", ":")}


def activation_figure(curves, variants, scaling, models, n_classes=None):
    """Study 4, one input scaling, small multiples: one column per model, training loss (top,
    linear) and first-layer gradient norm (bottom, log) against step, one line per activation
    (its own colour and dash); a fate marker at the end of a curve whose runs did not end ok.
    Runs that blew up or diverged do not set the axes when they would flatten the others:
    beyond the others' range they are drawn on the panel's edge, their largest value written
    there. Gradient norms of exactly zero are drawn on a dotted floor line. Given
    `n_classes`, the uniform guess's loss ln C is a dotted grey line."""
    shown = variants[variants.scaling == scaling]
    models_here = [m for m in models if (shown.model == m).any()] or list(
        dict.fromkeys(shown.model))
    acts = [a for a in ACTIVATION_STYLE if (shown.activation == a).any()]
    n = max(len(models_here), 1)
    fig, axes = plt.subplots(2, n, figsize=(PRINT_WIDTH_IN, 4.3), squeeze=False,
                             sharey="row", layout="constrained")
    series = []  # (model, activation, status, frame)
    for _, v in shown.iterrows():
        df = curves[curves.name == v["name"]]
        if not df.empty:
            series.append((v["model"], v["activation"], v["worst_status"], df))

    def split(column):
        regular = [df[column] for _, _, st, df in series if st not in OUTLIER_FATES]
        outliers = [df[column] for _, _, st, df in series if st in OUTLIER_FATES]
        return regular, outliers

    # a linear loss axis unless the losses that set it span orders of magnitude (every run
    # blew up, say)
    body = _axis_range(split("train_loss_mean")[0] or split("train_loss_mean")[1], [], log=True)
    loss_log = bool(body) and body[1] / body[0] > 30
    loss_range = _axis_range(*split("train_loss_mean"), log=loss_log, reach=3 if loss_log else 1)
    grads = [df.grad_norm_mean for *_, df in series]
    floor = _log_floor(*grads) if series else 1e-8
    zeros = any(bool((g <= 0).any()) for g in grads)
    regular, outliers = split("grad_norm_mean")
    grad_range = _axis_range([_floored(g, floor) for g in regular],
                             [_floored(g, floor) for g in outliers], log=True, reach=10)
    loss_limits = _axis_limits(loss_range, loss_log)
    grad_limits = _axis_limits(grad_range, True)
    clipped = {"loss": [], "grad": []}
    for col, model in enumerate(models_here):
        top, bottom = axes[0, col], axes[1, col]
        for m, act, status, df in series:
            if m != model:
                continue
            colour, dash = ACTIVATION_STYLE[act]
            style = dict(color=colour, ls=dash, lw=1.6 if dash == "-" else 1.3,
                         zorder=3 if dash == "-" else 4)
            loss = np.asarray(df.train_loss_mean, dtype=float)
            grad = _floored(df.grad_norm_mean, floor)
            if loss_log:
                loss = np.where(loss > 0, loss, np.nan)
            loss_cut, grad_cut = _beyond(loss, loss_limits), _beyond(grad, grad_limits)
            if loss_cut:
                clipped["loss"].append((top, act, colour, loss))
                loss = _clip_to(loss, *loss_limits)
            if grad_cut:
                clipped["grad"].append((bottom, act, colour, grad))
                grad = _clip_to(grad, *grad_limits)
            # a clipped series is drawn whole on the frame (not half hidden by it), no band
            on_edge = dict(style, clip_on=False)
            if loss_cut:
                top.plot(df.step, loss, **on_edge)
            else:
                top.set_yscale("log" if loss_log else "linear")  # before the band (see _band)
                _band(top, df.step, loss, df.train_loss_std, **style)
            bottom.plot(df.step, grad, **(on_edge if grad_cut else style))
            last = np.flatnonzero(np.isfinite(loss))
            if len(last):
                _mark_status(top, df.step.iloc[last[-1]], loss[last[-1]], status)
            _mark_status(bottom, df.step.iloc[-1], grad[-1], status)
        top.set_title(model)
        top.set_yscale("log" if loss_log else "linear")
        bottom.set(xlabel="step", yscale="log")
        if zeros:
            bottom.axhline(floor, color="grey", lw=0.8, ls=":", zorder=1)
        for ax in (top, bottom):
            ax.grid(alpha=0.3)
    for key, log in (("loss", loss_log), ("grad", True)):
        for ax in {id(a): a for a, *_ in clipped[key]}.values():
            _say_clipped(ax, [(act, c, vals) for a, act, c, vals in clipped[key] if a is ax],
                         log)
    for row, limits in enumerate((loss_limits, grad_limits)):
        if limits:  # shared by the row
            axes[row, 0].set_ylim(*limits)
    axes[0, 0].set_ylabel("training loss")
    axes[1, 0].set_ylabel("‖∂loss/∂W₁‖ (Frobenius)")
    handles = [plt.Line2D([], [], color=ACTIVATION_STYLE[a][0], ls=ACTIVATION_STYLE[a][1],
                          lw=1.6 if ACTIVATION_STYLE[a][1] == "-" else 1.3) for a in acts]
    labels = [("ReLU" if a == "relu" else a) for a in acts]
    if zeros:
        handles.append(plt.Line2D([], [], color="grey", lw=0.8, ls=":"))
        labels.append(f"gradient exactly 0, drawn at {floor:.1g}")
    chance, chance_label = chance_lines(n_classes, loss=axes[0])
    handles, labels = handles + chance, labels + chance_label
    more, words = status_handles([st for *_, st, _ in series], fig)
    fig.legend(handles + more, labels + words, loc="outside upper center",
               ncol=len(handles + more), frameon=False)
    note(fig, "scales", f"Loss on a {'log' if loss_log else 'linear'} axis, gradient norm on "
         "a log axis.")
    if zeros:
        note(fig, "zeros", "A gradient norm of exactly zero, which a log axis cannot show, "
             f"is drawn on the dotted line at {floor:.1g}.")
    if clipped["loss"] or clipped["grad"]:
        note(fig, "clipped", "The axes are set by the bulk of the runs that ended ok or "
             "stuck; values far beyond (a run that blew up, a run's first records) are drawn "
             "on the panel's edge, the largest written in the panel (↑).")
    return fig


# the scheduled run's switch lines, one style per switch epoch (colour and dash both differ:
# a legend tells vertical lines apart by either)
SWITCH_STYLES = (("k", ":"), ("0.5", "-."), ("saddlebrown", "--"))


def learning_rate_figure(curves, variants, steps_per_epoch, switches=None, n_classes=None,
                         runs=None):
    """Study 5: one column per constant learning rate and one for the scheduled run; training
    loss (top, log) and validation accuracy (bottom) against epoch. The scheduled run's switch
    epochs are verticals, one per epoch at which a seed switched, labelled with its seeds; a
    marker ends a curve whose runs did not end ok. A variant that blew up or diverged does not
    set the shared loss axis when it would flatten the others: beyond their range it is drawn
    on the panel's edge, its largest value written there. Given `n_classes`, the chance
    levels (loss ln C, accuracy 1/C) are drawn. Given `runs` ({(name, seed): (fate, curve)}),
    a variant whose runs ended with different fates is drawn run by run, each ending at its
    own marker: the mean of a run that learned and runs stuck at chance is a level no run
    reached."""
    names = list(variants.name)
    runs = runs or {}
    split = {}  # variant: [(seed, fate, curve)] where its runs' fates differ
    for (name, seed), (fate, df) in sorted(runs.items(), key=lambda r: (r[0][0], r[0][1])):
        split.setdefault(name, []).append((seed, fate, df))
    split = {n: rs for n, rs in split.items() if len({f for _, f, _ in rs}) > 1}
    fig, axes = plt.subplots(2, len(names), figsize=(PRINT_WIDTH_IN, 4.6), squeeze=False,
                             sharey="row", layout="constrained")
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    frames = [curves[curves.name == v["name"]] for _, v in variants.iterrows()]
    fates = list(variants.worst_status)
    loss_range = _axis_range(
        [df.train_loss_mean for df, st in zip(frames, fates) if st not in OUTLIER_FATES],
        [df.train_loss_mean for df, st in zip(frames, fates) if st in OUTLIER_FATES], log=True,
        reach=3)
    cut = bool(loss_range and loss_range[2])
    limits = _axis_limits(loss_range, True)  # clipped values on the frame, not inside it
    for i, (_, v) in enumerate(variants.iterrows()):
        top, bottom = axes[0, i], axes[1, i]
        df = frames[i]
        colour = colours[i % len(colours)]
        title = "scheduled" if v["name"] == "schedule" else f"lr {v['lr']:g}"
        # a mixed fate ("ok 1/3, stuck 2/3") on its own line: a panel is narrower than it
        top.set_title(title + ("" if v["status"] == "ok" else f"\n({v['status']})"),
                      fontsize=9)
        if v["name"] in split:
            top.set_yscale("log")
            for seed, fate, run in split[v["name"]]:
                epoch = run.step / steps_per_epoch
                loss = np.asarray(run.train_loss, dtype=float)
                if _beyond(loss, limits):
                    _say_clipped(top, [("loss", colour, loss)], True)
                    loss = _clip_to(loss, *limits)
                for ax, y in ((top, loss), (bottom, np.asarray(run.val_acc, dtype=float))):
                    ax.plot(epoch, y, color=colour, lw=1, clip_on=ax is not top)
                    last = np.flatnonzero(np.isfinite(y))
                    if len(last):
                        _mark_status(ax, epoch.iloc[last[-1]], y[last[-1]], fate)
            note(fig, "split", "Drawn run by run, each ending at its own marker, where a "
                 "variant's runs ended differently (" + "; ".join(
                     ("scheduled" if n == "schedule" else
                      f"lr {variants.set_index('name').lr[n]:g}") + ": "
                     + ", ".join(f"seed {seed} {fate}" for seed, fate, _ in rs)
                     for n, rs in split.items()) + "): a mean over a run that learned and "
                 "runs stuck at chance is a level no run reached.")
        elif df.empty:
            for ax in (top, bottom):
                ax.text(0.5, 0.5, "no record", transform=ax.transAxes, ha="center",
                        va="center", fontsize=7)
        else:
            epoch = df.step / steps_per_epoch
            loss = np.asarray(df.train_loss_mean, dtype=float)
            if _beyond(loss, limits):
                _say_clipped(top, [("loss", colour, loss)], True)
                loss = _clip_to(loss, *limits)
                top.plot(epoch, loss, color=colour, clip_on=False)
            else:
                top.set_yscale("log")  # before the band: cut where it would reach below zero
                _band(top, epoch, loss, df.train_loss_std, color=colour)
            _band(bottom, epoch, df.val_acc_mean, df.val_acc_std, color=colour)
            for ax, y in ((top, loss), (bottom, np.asarray(df.val_acc_mean, dtype=float))):
                last = np.flatnonzero(np.isfinite(y))
                if len(last):
                    _mark_status(ax, epoch.iloc[last[-1]], y[last[-1]], v["worst_status"])
                else:
                    ax.text(0.5, 0.5, "no finite value\nrecorded", transform=ax.transAxes,
                            ha="center", va="center", fontsize=7)
        if v["name"] == "schedule":
            # one line per distinct switch epoch, labelled with the seeds that switched there
            # (seeds switching at the same epoch would draw lines on top of each other)
            at = {}
            for seed, epochs in sorted((switches or {}).items(), key=lambda x: int(x[0])):
                for e in epochs:
                    at.setdefault(e, []).append(str(seed))
            # each in its own style; past SWITCH_STYLES epochs, one black dotted style and one
            # entry (the section lists each seed's switches)
            for k, (e, seeds) in enumerate(sorted(at.items())):
                label = ("switch, both seeds" if len(seeds) == len(switches) == 2 else
                         f"switch, all {len(seeds)} seeds" if len(seeds) == len(switches) > 2
                         else f"switch, seed{'s' if len(seeds) > 1 else ''} {', '.join(seeds)}")
                if len(at) > len(SWITCH_STYLES):
                    colour, dash = SWITCH_STYLES[0]
                    label = "switch (a seed's)" if k == 0 else None
                else:
                    colour, dash = SWITCH_STYLES[k]
                for ax in (top, bottom):
                    ax.axvline(e, color=colour, ls=dash, lw=1,
                               label=label if ax is bottom else None)
            if at:
                bottom.legend(loc="lower right", fontsize=7)
            else:
                bottom.text(0.5, 0.05, "no switch:\nno plateau found",
                            transform=bottom.transAxes, ha="center", fontsize=7)
        top.set(yscale="log")
        bottom.set(xlabel="epoch")
        for ax in (top, bottom):
            ax.grid(alpha=0.3)
    if limits:
        axes[0, 0].set_ylim(*limits)
    axes[0, 0].set_ylabel("training loss")
    axes[1, 0].set_ylabel("validation accuracy")
    chance, chance_label = chance_lines(n_classes, accuracy=axes[1], loss=axes[0])
    handles, labels = status_handles(fates + [f for rs in split.values() for _, f, _ in rs], fig)
    handles, labels = chance + handles, chance_label + labels
    if handles:
        fig.legend(handles, labels, loc="outside lower center", ncol=len(handles),
                   frameon=False)
    if cut:
        note(fig, "clipped", "The shared loss axis is set by the variants that did not blow "
             "up or diverge; a loss far beyond their range is drawn on the panel's edge, the "
             "largest written in its panel (↑).")
    return fig


SPARSE_BIN = 20  # images: a reliability bin below this is drawn as an outline only


def reliability_figure(bins):
    """Study 1: reliability diagram per model (accuracy against mean confidence per bin, pooled
    over seeds); the diagonal is perfect calibration, marker area ~ number of test images. One
    legend for the figure says what bars, dots and diagonal are."""
    models = list(dict.fromkeys(bins.model))
    cols = min(len(models), 5)
    rows = math.ceil(len(models) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(PRINT_WIDTH_IN, 1.75 * rows + 0.9),
                             squeeze=False, sharey=True, layout="constrained")
    sparse_drawn = full_drawn = False
    for ax, model in zip(axes.flat, models):
        b = bins[(bins.model == model) & (bins["count"] > 0)]
        ax.plot([0, 1], [0, 1], color="grey", lw=0.8, ls=":")
        # a bin of a few images says little (its accuracy's standard error is over 10 points):
        # an outline, so that it does not outweigh the bins that hold the test set
        sparse = b["count"] < SPARSE_BIN
        sparse_drawn |= bool(sparse.any())
        full_drawn |= bool((~sparse).any())
        for few, face in ((False, dict(color="C0", alpha=0.35)),
                          (True, dict(facecolor="none", ls="--"))):
            part = b[sparse == few]
            ax.bar(part.bin_low, part.accuracy, width=part.bin_high - part.bin_low,
                   align="edge", edgecolor="k", lw=0.5, **face)
        ax.scatter(b.confidence, b.accuracy, s=4 + 120 * b["count"] / b["count"].sum(),
                   color="C1", zorder=3)
        ax.set(xlim=(0, 1), ylim=(0, 1), xlabel="confidence", title=model)
        ax.set_xticks([0, 0.5, 1])
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(models):]:
        ax.axis("off")
    for ax in axes[:, 0]:
        ax.set_ylabel("accuracy")
    handles = [plt.Line2D([], [], color="C1", marker="o", ls="none", ms=5),
               plt.Line2D([], [], color="grey", lw=0.8, ls=":")]
    labels = ["same, at the bin's mean confidence (area ∝ images)", "perfect calibration"]
    if full_drawn:
        handles.insert(0, patches.Patch(facecolor="C0", alpha=0.35, edgecolor="k", lw=0.5))
        labels.insert(0, "accuracy of the bin")
    if sparse_drawn:
        handles.append(patches.Patch(facecolor="none", edgecolor="k", lw=0.5, ls="--"))
        labels.append(f"bin of fewer than {SPARSE_BIN} images")
        note(fig, "sparse", f"A dashed outline is a bin of fewer than {SPARSE_BIN} test images "
             "(pooled over seeds): its accuracy rests on too few images to read.")
    fig.legend(handles, labels, loc="outside lower center", ncol=min(len(handles), 3),
               frameon=False)
    return fig


def feature_map_figure(images, maps, kernel_names):
    """Study 2: input images (first column) and their maps under every kernel of the bank;
    one row per image, one column per kernel, each map normalised to its own range."""
    n_images, n_kernels = maps.shape[:2]
    side = PRINT_WIDTH_IN / (n_kernels + 1)
    fig, axes = plt.subplots(n_images, n_kernels + 1, squeeze=False, layout="constrained",
                             figsize=(PRINT_WIDTH_IN, side * n_images + 0.35))
    fig.get_layout_engine().set(w_pad=0.01, h_pad=0.01, wspace=0.02, hspace=0.02)
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
    axes[0, 0].set_title("input", fontsize=7.5)
    for k, name in enumerate(kernel_names):
        axes[0, k + 1].set_title(textwrap.fill(name, 12), fontsize=7.5)
    return fig
