"""Figures a reader can read (issue 21), on hand-made curves: every series the legend names is
drawn and told apart, outliers do not flatten the others, zeros on a log axis are drawn at its
floor, text prints at 7 pt or more, and captions say what this run's figure drew."""
import matplotlib
import matplotlib.collections
import numpy as np
import pandas as pd
import pytest

from figure_check import (assert_entries_distinct, assert_figure_checks, assert_legend_drawn,
                          assert_readable, legend_entries, share_of_axis)
from handmade import run_dict, tiny_png, write_run
from nnstudies import aggregate, figures
from nnstudies.studies import assignment4_figures, ece421, hw5_figures

matplotlib.use("Agg")
LN10 = float(np.log(10))


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    figures.plt.close("all")


def _curve(loss, grad, n=10):
    steps = np.arange(10, 10 * n + 1, 10)
    return pd.DataFrame({"step": steps, "epoch": 1, "lr": 0.01,
                         "train_loss": np.broadcast_to(loss, n).astype(float),
                         "train_acc": 0.5, "grad_norm": np.broadcast_to(grad, n).astype(float)})


def _activation_tables(tmp_path, spec, scaling="unit"):
    summaries, curves = [], []
    for (model, act), (loss, grad, acc) in spec.items():
        name = f"{model}-{act}-{scaling}"
        paths = write_run(tmp_path / name, run_dict("activations", name, model, activation=act,
                                                    scaling=scaling), _curve(loss, grad), acc)
        summaries.append(paths[0])
        curves.append(paths[1])
    _, _, variants, curves = aggregate.variant_tables(summaries, curves, 10, 2000)
    return variants, curves


# The issue's picture: one blown-up run (loss to 1e12), cnn_5 ReLU falling to 1.16, three runs
# stuck at ln 10 with their markers at one spot, two ReLU gradients exactly zero.
ISSUE = {("mlp_1", "relu"): (np.linspace(2.3, 1.3, 10), 0.0, 0.6),
         ("mlp_1", "sigmoid"): (np.geomspace(2.3, 1e12, 10), np.geomspace(1, 1e9, 10), 0.1),
         ("cnn_3", "relu"): (LN10, 0.0, 0.1),
         ("cnn_3", "sigmoid"): (LN10, 1e-3, 0.1),
         ("cnn_5", "relu"): (np.linspace(2.3, 1.16, 10), np.linspace(0.1, 0.3, 10), 0.6),
         ("cnn_5", "sigmoid"): (LN10, 1e-4, 0.1)}
MODELS = ["mlp_1", "cnn_3", "cnn_5"]


def _panel(fig, row, model):
    top = [ax for ax in fig.axes if ax.get_title() == model][0]
    if row == 0:
        return top
    col = [ax for ax in fig.axes if ax.get_title()].index(top)
    return [ax for ax in fig.axes if not ax.get_title()][col]


def _line(ax, colour, dash):
    return [line for line in ax.lines if line.get_gid() != "status"
            and matplotlib.colors.to_hex(line.get_color()) == matplotlib.colors.to_hex(colour)
            and line.get_linestyle() == dash][0]


def test_activation_figure_keeps_every_series_visible(tmp_path):
    variants, curves = _activation_tables(tmp_path, ISSUE)
    assert set(variants.worst_status) == {"ok", "blew up", "stuck"}
    fig = figures.activation_figure(curves, variants, "unit", MODELS)
    assert_figure_checks(fig)  # legend drawn and distinct, 7 pt, stuck markers apart
    relu, sigmoid = figures.ACTIVATION_STYLE["relu"], figures.ACTIVATION_STYLE["sigmoid"]
    # the blown-up run does not flatten cnn_5 ReLU's fall: it spans most of the loss axis
    cnn5 = _panel(fig, 0, "cnn_5")
    assert share_of_axis(cnn5, _line(cnn5, *relu).get_ydata()) > 0.6
    # ... it is drawn on the edge, its largest value written in its panel
    mlp1 = _panel(fig, 0, "mlp_1")
    blown = _line(mlp1, *sigmoid).get_ydata()
    lo, hi = mlp1.get_ylim()
    assert np.all((blown >= lo) & (blown <= hi)) and blown.max() > 2.3
    # ... on the edge, as the caption says: at the panel's top, not below it (clipped to the
    # range's top while the axis leaves a band above it drew it inside the panel)
    assert blown.max() == pytest.approx(hi, rel=1e-9)
    marker = [line for line in mlp1.lines if line.get_marker() == "^"][0]
    assert marker.get_ydata()[0] == pytest.approx(hi, rel=1e-9)  # its fate marker with it
    grad = _line(_panel(fig, 1, "mlp_1"), *sigmoid).get_ydata()
    assert grad.max() == pytest.approx(_panel(fig, 1, "mlp_1").get_ylim()[1], rel=1e-9)
    assert any(t.get_text().startswith("↑ sigmoid: up to 1e12") for t in mlp1.texts)
    # zeros on the log axis: drawn on the dotted floor line, inside the panel
    grad = _panel(fig, 1, "cnn_3")
    floor = [line for line in grad.lines if line.get_linestyle() == ":"][0].get_ydata()[0]
    assert np.allclose(_line(grad, *relu).get_ydata(), floor)
    assert grad.get_ylim()[0] < floor
    # two stuck runs of cnn_3 end at one spot: two markers, moved apart
    assert len([line for line in _panel(fig, 0, "cnn_3").lines if line.get_gid() == "status"]) == 2
    notes = " ".join(figures.notes_of(fig))
    assert "exactly zero" in notes and "(↑)" in notes and "triangle, run blew up" in notes
    assert ("No band: one run per curve (a mean over one seed is that run), or runs that "
            "agree exactly.") in notes


def test_activation_figure_without_any_regular_run(tmp_path):
    spec = {("mlp_1", "relu"): (np.geomspace(2.3, 1e9, 10), np.geomspace(1, 1e6, 10), 0.1),
            ("mlp_1", "sigmoid"): (np.geomspace(2.3, 1e5, 10), np.geomspace(1, 1e3, 10), 0.1)}
    variants, curves = _activation_tables(tmp_path, spec, "raw")
    fig = figures.activation_figure(curves, variants, "raw", ["mlp_1"])
    assert_figure_checks(fig)
    top = _panel(fig, 0, "mlp_1")
    assert share_of_axis(top, _line(top, *figures.ACTIVATION_STYLE["sigmoid"]).get_ydata()) > 0.3


def _lr_tables(seeds):
    rows, frames = [], []
    for i, (name, lr, fate) in enumerate((("lr_0.1", 0.1, "ok"), ("lr_1000", 1000, "blew up"),
                                          ("lr_1e4", 1e4, "diverged"),
                                          ("schedule", np.nan, "ok"))):
        step = np.arange(10, 301, 10)
        loss = {"blew up": np.geomspace(2.3, 1e12, 30), "diverged": np.full(30, np.nan)}.get(
            fate, np.linspace(2.3, 0.5, 30))
        std = np.full(30, 0.05 if seeds > 1 else np.nan)
        frames.append(pd.DataFrame({"name": name, "step": step, "train_loss_mean": loss,
                                    "train_loss_std": std, "val_acc_std": std,
                                    "val_acc_mean": np.clip(1 - loss / 2.6, 0.1, 1)}))
        rows.append({"name": name, "lr": lr, "status": fate, "worst_status": fate})
    return pd.DataFrame(rows), pd.concat(frames, ignore_index=True)


@pytest.mark.parametrize("seeds", [1, 2])
def test_learning_rate_figure_clips_a_blow_up_and_says_what_the_band_is(seeds):
    variants, curves = _lr_tables(seeds)
    fig = figures.learning_rate_figure(curves, variants, 100, {0: [2]})
    assert_figure_checks(fig)
    first = fig.axes[0]  # lr 0.1: its fall is not flattened by lr 1000's 1e12
    assert share_of_axis(first, first.lines[0].get_ydata()) > 0.4
    notes = figures.notes_of(fig)
    assert ("Shaded band: ± 1 standard deviation over seeds." in notes) == (seeds > 1)
    one_run = ("No band: one run per curve (a mean over one seed is that run), or runs that "
               "agree exactly.")
    assert (one_run in notes) == (seeds == 1)
    assert any("(↑)" in n for n in notes)
    # a run with no finite loss has no marker, so no legend entry, and says so in its panel
    assert "run diverged" not in [label for _, _, label in legend_entries(fig)]
    assert [t.get_text() for t in fig.axes[2].texts] == ["no finite value\nrecorded"]


@pytest.mark.parametrize("switches, expected", [
    ({0: [2], 1: [2], 2: [2]}, {2: "switch, all 3 seeds"}),
    ({0: [2], 1: [2]}, {2: "switch, both seeds"}),
    ({0: [2], 1: [3], 2: [2]}, {2: "switch, seeds 0, 2", 3: "switch, seed 1"}),
    ({0: [1], 1: [2], 2: [3], 3: [4]}, {1: "switch (a seed's)"})])  # too many to tell apart
def test_learning_rate_figure_draws_one_switch_line_per_epoch_with_its_seeds(switches, expected):
    """Seeds that switched at the same epoch share one dotted line and one legend entry (three
    lines on top of each other with three entries was what the figure drew)."""
    variants, curves = _lr_tables(3)
    fig = figures.learning_rate_figure(curves, variants, 100, switches)
    assert_figure_checks(fig)
    bottom = _schedule_bottom(fig, variants)
    lines = [ln for ln in bottom.lines if ln.get_label().startswith("switch")]
    assert {ln.get_xdata()[0]: ln.get_label() for ln in lines} == expected
    assert [t.get_text() for t in bottom.get_legend().get_texts()] == list(expected.values())


def _schedule_bottom(fig, variants):
    """The scheduled run's validation panel (bottom row, its column)."""
    column = list(variants.name).index("schedule")
    return [ax for ax in fig.axes if ax.get_subplotspec().rowspan.start == 1
            and ax.get_subplotspec().colspan.start == column][0]


def test_ece421_training_and_validation_points_differ_with_one_epoch():
    """One epoch: each setting's training and validation values are single points; they had
    one colour and one marker (issue 21)."""
    table = pd.DataFrame({"l2": [0.0, 0.5], "worst_status": ["ok", "stuck"]})
    stats_ = pd.concat([pd.DataFrame({
        "name": ece421.cnn_name(l2), "epoch": [1], "train_loss_mean": [0.6 + l2],
        "train_loss_std": [np.nan], "val_loss_mean": [0.5 + l2], "val_loss_std": [np.nan],
        "train_acc_mean": [0.8 - l2 / 5], "train_acc_std": [np.nan],
        "val_acc_mean": [0.85 - l2 / 5], "val_acc_std": [np.nan]}) for l2 in (0.0, 0.5)])
    fig = ece421.curves_figure(stats_, table, "l2", "L2 {:g}")
    assert_figure_checks(fig)
    labels = [label for _, _, label in legend_entries(fig)]
    assert "L2 0 training" in labels and "L2 0 validation" in labels and "run stuck" in labels


def _ece421_one_epoch(std, runs=2, with_final_point=2):
    """The CNN's curves of review D: one record per run (one epoch), two λ, `std` over seeds."""
    table = pd.DataFrame({"l2": [0.0, 0.05], "worst_status": ["ok", "ok"], "runs": runs,
                          "with_final_point": with_final_point})
    stats_ = pd.concat([pd.DataFrame({
        "name": ece421.cnn_name(l2), "epoch": [1], "train_loss_mean": [0.637 + l2],
        "train_loss_std": [std], "val_loss_mean": [0.514 + l2], "val_loss_std": [std],
        "train_acc_mean": [0.756 - l2], "train_acc_std": [std],
        "val_acc_mean": [0.807 - l2], "val_acc_std": [std]}) for l2 in (0.0, 0.05)])
    return ece421.curves_figure(stats_, table, "l2", "L2 {:g}")


def test_ece421_one_epoch_shows_its_spread_as_error_bars_side_by_side():
    """Review D, finding 10: with one record per run the caption promised a shaded band of
    zero width. The spread over seeds is an error bar, each series beside the others at the
    one epoch so that no bar covers another, and the caption says so; runs that agree
    exactly draw none and the caption promises none."""
    fig = _ece421_one_epoch(0.006)
    assert_figure_checks(fig)
    notes = " ".join(figures.notes_of(fig))
    assert "Shaded band" not in notes
    assert "rror bar: ± 1 standard deviation over seeds." in notes
    assert "side by side around epoch 1" in notes
    for ax in fig.axes:
        xs = [float(line.get_xdata()[0]) for line in ax.lines if line.get_gid() != "status"
              and len(line.get_xdata()) == 1 and line.get_marker() not in ("", "None", "_")]
        assert len(xs) == 4 and len(set(xs)) == 4, xs  # two λ, training and validation
        assert all(0.5 < x < 1.5 for x in xs)
        bars = [c for c in ax.collections
                if isinstance(c, matplotlib.collections.LineCollection)]
        heights = [abs(seg[1][1] - seg[0][1]) for c in bars for seg in c.get_segments()]
        assert len(heights) == 4 and min(heights) > 0  # a bar per series, each with width
    same = " ".join(figures.notes_of(_ece421_one_epoch(0.0)))
    assert "band" not in same.lower().replace("no band", "") and "rror bar" not in same
    assert "No band" in same


def test_ece421_curves_say_a_diverged_seed_leaves_the_mean():
    notes = " ".join(figures.notes_of(_ece421_one_epoch(0.006, runs=3,
                                                         with_final_point=[3, 2])))
    assert "A diverged run stops early: after it, its setting's curve is the mean over the " \
        "seeds still running (L2 0.05: 2 of 3 at the end)." in notes


def test_reliability_figure_explains_bars_and_dots():
    edges = np.linspace(0, 1, 6)
    bins = pd.DataFrame([{"model": m, "bin_low": lo, "bin_high": lo + 0.2,
                          "confidence": lo + 0.1, "accuracy": lo + 0.05, "count": 10 + k}
                         for m in ("mlp_1", "cnn_3") for k, lo in enumerate(edges[:-1])])
    fig = figures.reliability_figure(bins)
    assert_figure_checks(fig)
    assert any("area ∝ images" in label for _, _, label in legend_entries(fig))


def test_performance_figure():
    rows = []
    for k, m in enumerate(("mlp_1", "cnn_3", "cnn_5")):
        for step in range(10, 201, 10):
            rows.append({"model": m, "step": step,
                         "train_loss_mean": 2.3 / (1 + step / 50 * (k + 1)),
                         "train_loss_std": 0.02, "train_acc_mean": 0.5 + step / 1000,
                         "train_acc_std": 0.01, "val_acc_mean": 0.45 + step / 1000,
                         "val_acc_std": 0.01})
    curves = pd.DataFrame(rows)
    summary = pd.DataFrame({"model": ["mlp_1", "cnn_3", "cnn_5"],
                            "final_train_acc_mean": [0.7, 0.72, 0.6],
                            "test_acc_mean": [0.68, 0.7, 0.1],
                            "test_acc_ci_high": [0.7, 0.73, 0.12],
                            "not_ok": [0, 0, 1], "status": ["ok", "ok", "stuck"]})
    fig = figures.performance_figure(curves, summary, ["mlp_1", "cnn_3", "cnn_5"])
    assert_figure_checks(fig)
    assert "Shaded band: ± 1 standard deviation over seeds." in figures.notes_of(fig)


@pytest.mark.parametrize("shape", [(32, 784), (16, 1, 3, 3)])
def test_weights_figure_prints_at_half_width_with_7_pt_labels(shape):
    weights = np.random.default_rng(0).normal(size=shape)
    fig = figures.weights_figure(weights, "mlp_1: first-layer weights of its best run (seed 1, "
                                 "test accuracy 75.85 %)", (1, 28, 28))
    assert_readable(fig)
    w = figures._tight_box(fig).width
    assert figures.HALF_WIDTH_IN - 0.3 <= w + 2 * figures.PAD_IN <= figures.HALF_WIDTH_IN + 0.02
    cols = min(8, shape[0])  # the pictures are tiles of one image, eight to a row
    mosaic = fig.axes[0].get_window_extent()
    assert mosaic.width / fig.dpi / cols > 0.3  # each picture at least 0.3 in (7.6 mm) wide
    numbers = [t.get_text() for t in fig.axes[0].texts]
    assert numbers == [str(i) for i in range(shape[0])]  # every unit numbered


def test_feature_map_figure_is_readable():
    rng = np.random.default_rng(0)
    fig = figures.feature_map_figure(rng.random((5, 28, 28)), rng.random((5, 8, 25, 25)),
                                     [f"kernel number {k}" for k in range(8)])
    assert_readable(fig)


def _hw5_tables():
    names = [("baseline", "baseline", 0.01, "ok"), ("lr_1", "rate", 1.0, "diverged"),
             ("lr_1e-05", "rate", 1e-5, "stuck"), ("momentum", "momentum", 0.01, "ok"),
             ("two_blocks", "depth", 0.01, "ok")]
    frames = [pd.DataFrame({"name": n, "epoch": [1, 2, 3], "train_acc_mean": [0.5, 0.6, 0.7],
                            "train_acc_std": 0.01, "val_acc_mean": [0.45, 0.55, 0.6],
                            "val_acc_std": 0.01, "train_loss_mean": [1.2, 0.9, 0.7],
                            "train_loss_std": 0.02, "val_loss_mean": [1.3, 1.0, 1.1],
                            "val_loss_std": 0.02})
              for n, _, _, fate in names if fate != "diverged"]  # a diverged run: no record
    variants = pd.DataFrame([{"name": n, "role": r, "lr": lr, "status": fate,
                              "worst_status": fate, "final_val_acc_mean": np.nan
                              if fate == "diverged" else 0.6, "final_val_acc_std": 0.01}
                             for n, r, lr, fate in names])
    overfit = pd.DataFrame({"name": ["baseline", "baseline"], "min_val_loss_epoch": [2, 2]})
    p = {"momentum_variant": 0.9, "momentum": 0.0, "target_val_acc": 0.7, "model": "hw5_cnn",
         "deeper_model": "hw5_cnn2"}
    return pd.concat(frames, ignore_index=True), variants, overfit, p


@pytest.mark.parametrize("draw", ["baseline", "rates", "momentum", "depth"])
def test_hw5_figures(draw):
    fig = getattr(hw5_figures, draw)(*_hw5_tables(), 0.1)
    assert_figure_checks(fig)
    if draw == "rates":  # the run with no record is said in the caption, not in the legend
        assert "lr 1: diverged, no record to draw." in figures.notes_of(fig)


def _lines_under_legends(fig, samples=60):
    """The labels (or gids) of the lines some legend's box covers, each line sampled along its
    segments: a two-epoch curve has only its ends as points."""
    fig.canvas.draw()
    legends = list(fig.legends) + [ax.get_legend() for ax in fig.axes if ax.get_legend()]
    boxes = [lg.get_window_extent() for lg in legends]
    covered = []
    for ax in fig.axes:
        for line in ax.lines:
            x, y = (np.asarray(v, dtype=float) for v in line.get_data())
            if len(x) < 2 or not np.isfinite(x).all() or not np.isfinite(y).all():
                continue
            t = np.linspace(0, 1, samples)[:, None]
            xs = (x[:-1] + t * (x[1:] - x[:-1])).ravel()
            ys = (y[:-1] + t * (y[1:] - y[:-1])).ravel()
            points = line.get_transform().transform(np.column_stack([xs, ys]))
            if any(box.contains(px, py) for box in boxes for px, py in points):
                covered.append(line.get_label())
    return covered


def _hw5_variant_d_epochs():
    """Variant D's one block against two (2 epochs): the one-block losses run along the
    bottom right of the loss panel, where a legend inside it sat."""
    rows = [("baseline", 1, 1.2396, 0.5795, 0.9199, 0.6167),
            ("baseline", 2, 0.8416, 0.6625, 0.7545, 0.6992),
            ("two_blocks", 1, 1.5813, 0.3173, 1.5333, 0.4958),
            ("two_blocks", 2, 1.3924, 0.5538, 1.2037, 0.5675)]
    return pd.DataFrame([{"name": n, "epoch": e, "train_loss_mean": tl, "train_loss_std": 0.02,
                          "train_acc_mean": ta, "train_acc_std": 0.01, "val_loss_mean": vl,
                          "val_loss_std": 0.03, "val_acc_mean": va, "val_acc_std": 0.03}
                         for n, e, tl, ta, vl, va in rows])


@pytest.mark.parametrize("draw", ["baseline", "rates", "momentum", "depth"])
def test_hw5_legends_cover_no_curve(draw):
    """Variant D's depth figure hid the one-block validation loss under its legend: every
    Study 6a figure keeps its legend clear of its curves (below the panels)."""
    epochs, variants, overfit, p = _hw5_tables()
    if draw == "depth":
        epochs = _hw5_variant_d_epochs()
    fig = getattr(hw5_figures, draw)(epochs, variants, overfit, p, 0.1)
    assert_figure_checks(fig)
    assert not _lines_under_legends(fig)


def _chance_levels(ax):
    return [round(float(line.get_ydata()[0]), 4) for line in ax.lines
            if line.get_color() == figures.CHANCE_STYLE["color"]]


def test_hw5_depth_figure_draws_chance_where_its_axes_reach_it():
    """Variant D's two blocks start at a training loss of 1.58, just under ln 5 = 1.609, inside
    the loss axis: the level is drawn there (and named), so that a reader sees the network
    barely left chance in epoch 1; the accuracy axis (from 0.3) does not reach 1/5."""
    epochs, variants, overfit, p = _hw5_tables()
    fig = hw5_figures.depth(_hw5_variant_d_epochs(), variants, overfit, p, 0.2)
    assert_figure_checks(fig)
    accuracy, loss = fig.axes
    assert _chance_levels(loss) == [round(float(np.log(5)), 4)]
    assert _chance_levels(accuracy) == []
    assert loss.get_ylim()[0] < np.log(5) < loss.get_ylim()[1]
    assert "chance" in [label for _, _, label in legend_entries(fig)]
    assert any("loss ln 5 = 1.609" in n for n in figures.notes_of(fig))
    assert not _lines_under_legends(fig)


@pytest.mark.parametrize("target, drawn", [(0.3, False), (0.58, True)])
def test_hw5_momentum_target_never_stretches_the_axis(target, drawn):
    """Variant E: every run passed the 70 % target at epoch 1, about 97 %; the dotted target
    line stretched the accuracy axis down to 0.70 and squeezed two curves a point apart into
    its top strip. The target is drawn only where the axis already reaches it; elsewhere the
    caption says where it lies."""
    epochs, variants, overfit, p = _hw5_tables()
    alone = hw5_figures.momentum(epochs, variants, overfit, {**p, "target_val_acc": 0.55}, 0.1)
    limits = alone.axes[1].get_ylim()
    fig = hw5_figures.momentum(epochs, variants, overfit, {**p, "target_val_acc": target}, 0.1)
    assert_figure_checks(fig)
    dotted = [line for line in fig.axes[1].lines if line.get_linestyle() == ":"]
    assert bool(dotted) == drawn
    assert fig.axes[1].get_ylim() == pytest.approx(limits)  # the axis keeps to the curves
    notes = " ".join(figures.notes_of(fig))
    if drawn:
        assert "Dotted: the target 58 % validation accuracy." in notes
    else:
        assert "The target 30 % validation accuracy lies below every curve drawn: not drawn" \
            in notes
        assert "target 30 %" not in [label for _, _, label in legend_entries(fig)]


def test_hw5_baseline_verticals_sit_inside_the_frame_and_coinciding_seeds_are_said():
    """Variant D: both seeds' lowest validation loss at the last epoch (2). At the default
    margin the two verticals ran along the frame and the curves' ends; they are drawn inside
    it, and the caption says that one line stands for both seeds."""
    epochs, variants, _, p = _hw5_tables()
    overfit = pd.DataFrame({"name": "baseline", "seed": [0, 1], "min_val_loss_epoch": [3, 3]})
    fig = hw5_figures.baseline(epochs, variants, overfit, p, 0.1)
    assert_figure_checks(fig)
    loss = fig.axes[0]
    verticals = [line for line in loss.lines if line.get_linestyle() == ":"]
    low, high = loss.get_xlim()
    assert verticals and all(high - line.get_xdata()[0] >= 0.1 * (3 - 1) - 1e-9
                             for line in verticals)
    assert fig.axes[1].get_xlim() == (low, high)  # both panels keep the same epochs
    assert "Where seeds share that epoch their verticals coincide: seeds 0 and 1 at epoch 3." \
        in figures.notes_of(fig)


def test_assignment4_gd_sgd_figures():
    curve = pd.DataFrame({"step": np.arange(0, 21), "epoch": np.arange(0, 21),
                          "seconds": np.linspace(0, 2, 21), "train_loss": np.linspace(1, 0.9, 21),
                          "test_acc": np.linspace(0.1, 0.3, 21)})
    curves = {("gd", 0): curve, ("sgd", 0): curve.assign(step=curve.step * 10,
                                                          train_loss=curve.train_loss + 0.01)}
    statuses = {("sgd", 0): "stuck"}
    for fig in (assignment4_figures.gd_sgd_iterations_figure(curves, 0, 0.92, statuses),
                assignment4_figures.gd_sgd_time_figure(curves, 0, 0.92, statuses)):
        assert_figure_checks(fig)


def test_legend_check_catches_an_entry_with_nothing_drawn():
    fig, ax = figures.plt.subplots(figsize=(4, 3))
    ax.plot([1, 2], [1, 2], color="C0", label="drawn")
    ax.plot([], [], color="C1", label="no record")
    ax.legend()
    with pytest.raises(AssertionError, match="no record"):
        assert_legend_drawn(fig)
    fig, ax = figures.plt.subplots(figsize=(4, 3))
    ax.plot([1], [1], color="C0", marker="o", label="training")
    ax.plot([1], [2], color="C0", marker="o", ls="--", label="validation")
    ax.legend()
    with pytest.raises(AssertionError, match="look alike"):
        assert_entries_distinct(fig)


def test_caption_adds_what_the_saved_figure_drew(tmp_path):
    variants, curves = _activation_tables(tmp_path, ISSUE)
    fig = figures.activation_figure(curves, variants, "unit", MODELS)
    png, svg = tmp_path / "a.png", tmp_path / "a.svg"
    figures.save(fig, png, svg)
    text = figures.caption(png, "Inputs in [0, 1].")
    assert text.startswith("Inputs in [0, 1]. ") and "drawn on the dotted line" in text
    assert figures.caption(tiny_png(tmp_path), "Base.") == "Base."
    assert figures.caption(tmp_path / "missing.png", "Base.") == "Base."


def test_assignment4_linear_sweep_templates_and_cnn_figures():
    steps = np.arange(0, 61)
    curve = pd.DataFrame({"step": steps, "epoch": steps, "train_loss": np.linspace(1, 0.7, 61),
                          "test_loss": np.linspace(1, 0.75, 61),
                          "train_acc": np.linspace(0.1, 0.7, 61),
                          "test_acc": np.linspace(0.1, 0.65, 61),
                          "val_acc": np.linspace(0.1, 0.6, 61)})
    assert_figure_checks(assignment4_figures.linear_figure(curve, "linear"))
    grid = [(lr, d) for lr in (0.1, 0.01) for d in (1.0, 0.999)]
    name_of = "lr{}_decay{}".format
    curves = {(name_of(lr, d), 0): curve.assign(train_loss=np.geomspace(1, 1e50, 61))
              if lr == 0.1 else curve for lr, d in grid}
    statuses = {(name_of(0.1, d), 0): "blew up" for d in (1.0, 0.999)}
    from nnstudies.studies.assignment4 import loss_drop
    assert_figure_checks(assignment4_figures.sweep_figure(curves, statuses, grid, name_of, 0,
                                                          loss_drop))
    assert_figure_checks(assignment4_figures.cnn_figure({0: (curve, "stuck")}, 10))
    rng = np.random.default_rng(0)
    names = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
             "Sneaker", "Bag", "Ankle boot"]
    assert_readable(assignment4_figures.templates_figure(rng.normal(size=(10, 1, 28, 28)),
                                                        rng.normal(size=(10, 1, 28, 28)), names))


def _boxes_overlap(a, b):
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def test_assignment4_cnn_figure_draws_every_seed_and_chance_clear_of_its_legend():
    """Variant D's CNN: seed 0 stuck (accuracy 0.21-0.24, loss 1.609-1.615), seed 1 ok. Both
    runs are drawn; chance (1/5 and ln 5) is drawn, the stuck run's axes stretched to show it;
    the legend sits below the panels, covering no curve (inside, it hid the training
    accuracy's minimum)."""
    steps = np.arange(10, 101, 10)
    stuck = pd.DataFrame({"step": steps, "train_loss": np.linspace(1.6115, 1.613, 10),
                          "train_acc": [0.234, 0.218, 0.216, 0.206, 0.23, 0.238, 0.216, 0.226,
                                        0.218, 0.236],
                          "val_loss": np.linspace(1.6112, 1.6107, 10),
                          "val_acc": np.linspace(0.222, 0.243, 10)})
    ok = stuck.assign(train_loss=stuck.train_loss - 0.004, train_acc=stuck.train_acc + 0.1,
                      val_loss=stuck.val_loss - 0.003, val_acc=stuck.val_acc + 0.11)
    fig = assignment4_figures.cnn_figure({0: (stuck, "stuck"), 1: (ok, "ok")}, 5)
    assert_figure_checks(fig)
    loss, acc = fig.axes
    colours = {matplotlib.colors.to_hex(line.get_color()) for line in acc.lines
               if line.get_gid() != "status" and len(line.get_xdata()) > 1}
    assert {matplotlib.colors.to_hex(c) for c in ("C0", "C1")} <= colours  # both seeds
    levels = {round(float(line.get_ydata()[0]), 4) for ax in fig.axes for line in ax.lines
              if line.get_color() == figures.CHANCE_STYLE["color"]}
    assert levels == {0.2, round(np.log(5), 4)}
    low, high = acc.get_ylim()
    assert low < 0.2 - 0.01 * (high - low)  # chance clear of the axis' edge
    assert not any(ax.get_legend() for ax in fig.axes) and len(fig.legends) == 1
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels[:2] == ["seed 0 (stuck)", "seed 1"] and "chance" in labels
    fig.canvas.draw()
    box = fig.legends[0].get_window_extent()
    assert not any(_boxes_overlap(box, ax.get_window_extent()) for ax in fig.axes)
    assert "accuracy 1/5 = 0.2, loss ln 5 = 1.609" in " ".join(figures.notes_of(fig))


def test_assignment4_accuracy_panels_draw_chance():
    steps = np.arange(0, 21)
    curve = pd.DataFrame({"step": steps, "epoch": steps, "seconds": np.linspace(0, 2, 21),
                          "train_loss": np.linspace(1, 0.8, 21),
                          "test_loss": np.linspace(1, 0.82, 21),
                          "train_acc": np.linspace(0.15, 0.7, 21),
                          "test_acc": np.linspace(0.15, 0.65, 21)})
    curves = {("gd", 0): curve, ("sgd", 0): curve.assign(test_acc=0.2)}
    for fig in (assignment4_figures.linear_figure(curve, "linear", 5),
                assignment4_figures.gd_sgd_iterations_figure(curves, 0, 0.9, {}, 5)):
        assert_figure_checks(fig)
        assert "chance" in [t.get_text() for t in fig.legends[0].get_texts()]
        assert not any(ax.get_legend() for ax in fig.axes)
        assert any(line.get_color() == figures.CHANCE_STYLE["color"] for ax in fig.axes
                   for line in ax.lines)


def test_assignment4_squared_loss_panels_draw_a_constant_outputs_loss():
    """Review D2 (back2 6): variant D's GD ends at 0.7972, just under the squared loss of a
    constant output 1/5 for every class (0.8000), SGD at 0.8202, above it. Every squared-loss
    panel whose axis shows 0.8000 draws it as chance (one legend entry with accuracy's 1/C),
    and the caption gives its value; a panel whose axis does not reach it draws nothing."""
    steps = np.arange(0, 21)
    gd = pd.DataFrame({"step": steps, "epoch": steps, "seconds": np.linspace(0, 0.45, 21),
                       "train_loss": np.linspace(1.08, 0.7972, 21),
                       "test_loss": np.linspace(1.08, 0.7971, 21),
                       "train_acc": np.linspace(0.2, 0.42, 21),
                       "test_acc": np.linspace(0.2, 0.406, 21)})
    sgd = gd.assign(step=gd.step * 11, train_loss=np.linspace(1.08, 0.8202, 21), test_acc=0.2)
    curves = {("gd", 0): gd, ("sgd", 0): sgd}
    statuses = {("sgd", 0): "stuck"}

    def levels(ax):
        return [round(float(line.get_ydata()[0]), 4) for line in ax.lines
                if line.get_color() == figures.CHANCE_STYLE["color"]]

    iterations = assignment4_figures.gd_sgd_iterations_figure(curves, 0, 0.8547, statuses, 5,
                                                              constant=0.8)
    time = assignment4_figures.gd_sgd_time_figure(curves, 0, 0.8547, statuses, 5, constant=0.8)
    linear = assignment4_figures.linear_figure(gd, "linear", 5, constant=0.8)
    for fig, loss_axes, acc_axes in ((iterations, iterations.axes[:2], iterations.axes[2:]),
                                     (time, time.axes, []), (linear, linear.axes[:1],
                                                             linear.axes[1:])):
        assert_figure_checks(fig)
        assert all(levels(ax) == [0.8] for ax in loss_axes)
        assert all(levels(ax) == [0.2] for ax in acc_axes)
        labels = [t.get_text() for t in fig.legends[0].get_texts()]
        assert labels.count("chance") == 1
        note = " ".join(figures.notes_of(fig))
        assert "a uniform guess over the 5 classes, 1/5 each: " in note
        assert "squared loss 0.8000" in note
    assert "accuracy 1/5 = 0.2, squared loss 0.8000" in " ".join(figures.notes_of(iterations))
    # the axis ends above the level: no line, and the caption does not name it
    high = {k: c.assign(train_loss=c.train_loss + 0.1, test_loss=c.test_loss + 0.1)
            for k, c in curves.items()}
    fig = assignment4_figures.gd_sgd_time_figure(high, 0, 0.95, statuses, 5, constant=0.8)
    assert not levels(fig.axes[0]) and "squared loss" not in " ".join(figures.notes_of(fig))
    assert "chance" not in [t.get_text() for t in fig.legends[0].get_texts()]
    # the sweep's log loss panels too, where they reach it
    grid = [(0.03, 1.0), (0.003, 1.0)]
    name_of = "lr{}_decay{}".format
    sweep = {(name_of(lr, d), 0): gd.assign(train_loss=np.geomspace(1.0, 0.4 if lr > 0.01
                                                                      else 0.9, 21))
             for lr, d in grid}
    from nnstudies.studies.assignment4 import loss_drop
    fig = assignment4_figures.sweep_figure(sweep, {}, grid, name_of, 0, loss_drop, 5, 0.8)
    assert_figure_checks(fig)
    assert levels(fig.axes[0]) == [] and levels(fig.axes[1]) == [0.8]  # lr 0.003, lr 0.03


def _hw5_runs():
    """Two seeds per rate as in the quick report: at lr 1 seed 1 reaches 58 % validation
    accuracy at epoch 1 and falls back to chance, seed 2 never leaves chance; their mean
    training accuracy (0.19 at epoch 1) hides it."""
    courses = {"baseline": ([0.50, 0.69], [0.51, 0.70], [0.62, 0.67], [0.63, 0.68]),
               "lr_1e-05": ([0.10, 0.10], [0.10, 0.10], [0.10, 0.10], [0.10, 0.10]),
               "lr_1": ([0.28, 0.10], [0.10, 0.10], [0.5833, 0.10], [0.10, 0.10])}
    per_epoch = pd.concat([pd.DataFrame({"name": n, "seed": seed, "epoch": [1, 2],
                                         "train_acc": c[seed - 1], "val_acc": c[seed + 1]})
                           for n, c in courses.items() for seed in (1, 2)], ignore_index=True)
    epochs = per_epoch.groupby(["name", "epoch"], as_index=False).agg(
        train_acc_mean=("train_acc", "mean"), train_acc_std=("train_acc", "std"))
    last = per_epoch[per_epoch.epoch == 2]
    overfit = per_epoch.groupby(["name", "seed"], as_index=False).agg(
        best_val_acc=("val_acc", "max")).merge(last[["name", "seed", "val_acc"]]).rename(
        columns={"val_acc": "last_val_acc"})
    finals = last.groupby("name").val_acc.agg(["mean", "std"])
    variants = pd.DataFrame([{"name": n, "role": role, "lr": lr, "status": fate,
                              "worst_status": fate, "final_val_acc_mean": finals.loc[n, "mean"],
                              "final_val_acc_std": finals.loc[n, "std"]}
                             for n, role, lr, fate in (("baseline", "baseline", 0.01, "ok"),
                                                       ("lr_1e-05", "rate", 1e-5, "stuck"),
                                                       ("lr_1", "rate", 1.0, "stuck"))])
    return epochs, variants, overfit, per_epoch


def test_hw5_rates_figure_shows_each_run_a_mean_would_hide(tmp_path):
    epochs, variants, overfit, per_epoch = _hw5_runs()
    for runs in (None, per_epoch):  # the figure as the workflow calls it, and with each run
        fig = hw5_figures.rates(epochs, variants, overfit, {}, 0.1, per_epoch=runs)
        assert_figure_checks(fig)
        left, right = fig.axes
        # right: lr 1's seed 1, best 58 % in an epoch, is drawn; the mean final (10 %) is not it
        bests = [y for line in right.lines if line.get_marker() == "_"
                 for y in line.get_ydata()]
        assert 0.5833 in bests
        notes = " ".join(figures.notes_of(fig))
        assert "best in any epoch" in notes
        # left, with each run: lr 1's seed 1 at 0.28 (its mean, 0.19, alone hid it)
        thin = [line for line in left.lines
                if line.get_linewidth() < 1 and line.get_gid() != "status"]
        assert bool(thin) == (runs is not None)
        if runs is not None:
            assert any(line.get_ydata()[0] == 0.28 for line in thin)
            assert "thin lines, each seed's run" in notes
    figures.save(fig, tmp_path / "rates.png", tmp_path / "rates.svg")


@pytest.mark.parametrize("low, high, plain", [(1.4, 1.85, True), (0.2, 3, True),
                                              (40, 300, True), (1e-8, 10, False),
                                              (1e3, 1e6, False)])
def test_log_axis_labels_are_plain_numbers_within_its_usual_range(low, high, plain):
    """A narrow log axis reads 1.6, not 1.6×10⁰; one that reaches past 0.001 or 10,000 keeps
    its powers of ten on every label (no mix of both on one axis)."""
    fig, ax = figures.plt.subplots()
    ax.set_yscale("log")
    ax.plot([0, 1], [low, high])
    ax.set_ylim(low, high)
    figures.fit_to_print(fig)
    labels = [t.get_text() for t in ax.get_yticklabels() + ax.get_yticklabels(minor=True)
              if t.get_text()]
    figures.plt.close(fig)
    assert labels
    powers = [label for label in labels if "10^" in label]
    assert (not powers) if plain else len(powers) == len(labels), labels


@pytest.mark.parametrize("n_classes, drawn", [
    (10, "accuracy 1/10 = 0.1, loss ln 10 = 2.303"), (2, "loss ln 2 = 0.693"), (None, None)])
def test_learning_rate_figure_draws_chance_where_its_axes_show_it(n_classes, drawn):
    """A stuck run sits at the uniform guess's loss ln C and at accuracy 1/C: the figure draws
    those levels where its axes already reach them, never stretching an axis for them (ln 2
    = 0.69 lies within the losses here, 1/2 above the accuracies the panels show)."""
    variants, curves = _lr_tables(2)
    curves["val_acc_mean"] = np.clip(curves.val_acc_mean, 0.05, 0.3)
    plain = figures.learning_rate_figure(curves, variants, 100, {0: [2]})
    limits = [ax.get_ylim() for ax in plain.axes]
    fig = figures.learning_rate_figure(curves, variants, 100, {0: [2]}, n_classes)
    assert_figure_checks(fig)
    assert [ax.get_ylim() for ax in fig.axes] == limits
    labels = [label for _, _, label in legend_entries(fig)]
    assert labels.count("chance") == (1 if drawn else 0)
    notes = [n for n in figures.notes_of(fig) if "chance" in n]
    assert notes == ([f"Broad pale line: chance, where a network that learned nothing sits (a "
                      f"uniform guess over the {n_classes} classes: {drawn})."] if drawn else [])
    levels = {round(ln.get_ydata()[0], 4) for ax in fig.axes for ln in ax.lines
              if ln.get_color() == figures.CHANCE_STYLE["color"]}
    if n_classes == 2:
        assert round(np.log(2), 4) in levels and 0.5 not in levels


@pytest.mark.parametrize("smallest", [0.0458, 2.9e-7, 1.0, 12.0, 0.03])
def test_zero_floor_is_a_number_its_legend_prints_exactly(smallest):
    """Zeros on a log axis sit below a third of the smallest positive value, at a value the
    legend's "drawn at {floor:.1g}" writes exactly (0.0153 printed as 0.02 was 30 % off)."""
    floor = figures._log_floor(np.array([0.0, smallest, 5 * smallest]))
    assert 0 < floor <= smallest / 3 * (1 + 1e-12)
    assert float(f"{floor:.1g}") == floor


@pytest.mark.parametrize("x, std, drawn, note", [
    ([1, 2, 3], [0.1, 0.1, 0.1], "band", "Shaded band: ± 1 standard deviation over seeds."),
    ([1], [0.1], "bar", "Error bar: ± 1 standard deviation over seeds."),
    ([1, 2, 3], [0.0, 0.0, 0.0], None, "No band: one run per curve (a mean over one seed is "
     "that run), or runs that agree exactly.")])
def test_a_curve_shows_its_spread_only_where_it_has_width(x, std, drawn, note):
    """A spread over one x is an error bar (a band there has no width: the ECE421 CNN's one
    record per run was promised a band nobody could see); a zero spread draws nothing and the
    caption says so."""
    fig, ax = figures.plt.subplots()
    line = figures._band(ax, np.array(x), np.full(len(x), 0.5), np.array(std), color="C0")
    fills = [c for c in ax.collections if isinstance(c, matplotlib.collections.PolyCollection)]
    assert len(fills) == (1 if drawn == "band" else 0)
    assert len(ax.containers) == (1 if drawn == "bar" else 0)
    assert (line.get_marker() == "o") == (len(x) == 1)  # one point: a dot, not an empty line
    assert any(n.endswith(note) for n in figures.notes_of(fig)), figures.notes_of(fig)


def test_reliability_bins_of_a_few_images_are_outlines():
    """A bin of 1 or 3 test images (of 9,990) drawn as a full bar outweighed the bins that
    hold the test set: it is an outline, named in the legend and the caption."""
    bins = pd.DataFrame({"model": "m", "bin_low": [0.25, 0.5, 0.75], "bin_high": [0.5, 0.75, 1.0],
                         "accuracy": [1.0, 0.6, 0.95], "confidence": [0.4, 0.6, 0.9],
                         "count": [3, 500, 9487]})
    fig = figures.reliability_figure(bins)
    assert_figure_checks(fig)
    bars = [p for p in fig.axes[0].patches if p.get_height() > 0]
    filled = {round(p.get_x(), 2): p.get_facecolor()[3] > 0 for p in bars}
    assert filled == {0.25: False, 0.5: True, 0.75: True}
    assert "bin of fewer than 20 images" in [label for _, _, label in legend_entries(fig)]
    assert any("fewer than 20 test images" in n for n in figures.notes_of(fig))


def test_a_band_on_a_log_axis_stops_above_zero():
    """Mean 0.05 with a standard deviation of 0.08: on a log axis the band's lower edge would
    be negative, drawn as a strip down to whatever the axis reaches; it stops at half the
    mean, and the caption says so."""
    fig, ax = figures.plt.subplots()
    ax.set_yscale("log")
    figures._band(ax, np.arange(5), np.full(5, 0.05), np.full(5, 0.08), color="C0")
    low = ax.collections[0].get_paths()[0].vertices[:, 1]
    assert low.min() == pytest.approx(0.025)
    notes = figures.notes_of(fig)
    assert "half the mean" in notes[-1] and "Shaded band" in notes[-2]  # the band, then its cut


def test_a_rate_whose_runs_ended_differently_is_drawn_run_by_run():
    """lr 0.2: one run learned, two stuck at chance; their mean (a line near 0.55 with a stuck
    marker where no run ended) is a level no run reached: each run is drawn with its own
    marker at its own end, and the caption says so."""
    variants, curves = _lr_tables(3)
    step = np.arange(10, 301, 10)
    good = pd.DataFrame({"step": step, "train_loss": np.linspace(1.0, 0.1, 30),
                         "val_acc": np.linspace(0.4, 0.98, 30)})
    stuck = pd.DataFrame({"step": step, "train_loss": np.full(30, 1.0986),
                          "val_acc": np.full(30, 1 / 3)})
    runs = {("lr_0.1", 0): ("stuck", stuck), ("lr_0.1", 1): ("ok", good),
            ("lr_0.1", 2): ("stuck", stuck)}
    fig = figures.learning_rate_figure(curves, variants, 100, {0: [2]}, 3, runs=runs)
    assert_figure_checks(fig)
    bottom = fig.axes[len(variants)]  # lr 0.1's validation panel
    lines = [ln for ln in bottom.lines if ln.get_gid() != "status"
             and ln.get_color() != figures.CHANCE_STYLE["color"]]
    assert sorted(round(ln.get_ydata()[-1], 2) for ln in lines) == [0.33, 0.33, 0.98]
    markers = [ln.get_ydata()[0] for ln in bottom.lines if ln.get_gid() == "status"]
    assert markers and all(abs(m - 1 / 3) < 0.01 for m in markers)  # at the stuck runs' ends
    assert any("lr 0.1: seed 0 stuck, seed 1 ok, seed 2 stuck" in n
               for n in figures.notes_of(fig))
