"""Checks a reader would make on a figure, made on the matplotlib Figure (issue 21).

* every legend entry stands for something drawn, with data, in some panel or inset;
* no two entries of a legend look alike (colour, marker and, where lines are drawn, dash);
* text prints at MIN_FONT_PT or more: the saved figure fits the print box (so it is printed
  one to one) and no visible text is smaller;
* fate markers drawn at one spot are moved apart.
"""
import numpy as np
from matplotlib.collections import PathCollection
from matplotlib.colors import to_hex
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from nnstudies import figures

NO_LINE = ("None", "none", " ", "", None)


def _colour(artist):
    if isinstance(artist, Line2D):
        if artist.get_linestyle() in NO_LINE and artist.get_marker() not in NO_LINE:
            return to_hex(artist.get_markeredgecolor())
        return to_hex(artist.get_color())
    if isinstance(artist, (Patch, Rectangle)):
        return to_hex(artist.get_facecolor())
    if isinstance(artist, PathCollection):
        return to_hex(artist.get_facecolor()[0])
    raise TypeError(type(artist))


def _marker(artist):
    if isinstance(artist, Line2D):
        marker = artist.get_marker()
        return None if marker in NO_LINE else marker
    if isinstance(artist, PathCollection):
        return "o"  # every scatter of these figures draws dots
    return None


def _dash(artist):
    if isinstance(artist, Line2D):
        ls = artist.get_linestyle()
        return None if ls in NO_LINE else ls
    return None


def legend_entries(fig):
    """[(legend, handle, label)] over the figure's own legends and every panel's."""
    legends = list(fig.legends) + [ax.get_legend() for ax in fig.axes if ax.get_legend()]
    return [(lg, h, t.get_text()) for lg in legends
            for h, t in zip(lg.legend_handles, lg.get_texts())]


def _visible_points(ax, artist):
    """How many of the artist's points lie, finite, inside the panel's limits."""
    if isinstance(artist, Line2D):
        x, y = (np.asarray(v, dtype=float) for v in artist.get_data())
    elif isinstance(artist, PathCollection):
        x, y = np.asarray(artist.get_offsets(), dtype=float).T
    elif isinstance(artist, Rectangle):
        return int(artist.get_height() > 0 and artist.get_width() > 0)
    else:
        return 0
    if artist.get_transform() != ax.transData and not isinstance(artist, PathCollection):
        # an axhline / axvline: drawn in blended coordinates, always across the panel
        return int(len(x) > 0)
    (x0, x1), (y0, y1) = sorted(ax.get_xlim()), sorted(ax.get_ylim())
    inside = (np.isfinite(x) & np.isfinite(y) & (x >= x0 - 1e-9 * abs(x0) - 1e-12)
              & (x <= x1 + 1e-9 * abs(x1) + 1e-12) & (y >= y0 - 1e-9 * abs(y0) - 1e-12)
              & (y <= y1 + 1e-9 * abs(y1) + 1e-12))
    return int(inside.sum())


def drawn(fig):
    """[(axes, artist, visible points)] for every line, dot set and bar with a point inside
    its panel."""
    out = []
    for ax in fig.axes:
        for artist in list(ax.lines) + list(ax.collections) + list(ax.patches):
            if isinstance(artist, (Line2D, PathCollection, Rectangle)) and artist.get_visible():
                n = _visible_points(ax, artist)
                if n:
                    out.append((ax, artist, n))
    return out


def _same(handle, artist):
    """Whether `artist` is drawn as the legend's `handle` shows: same colour (a KEY_COLOUR
    handle stands for any colour), marker, and dash where the handle shows a line."""
    if isinstance(handle, (Patch, Rectangle)) != isinstance(artist, (Patch, Rectangle)):
        return False
    if to_hex(figures.KEY_COLOUR) != _colour(handle) and _colour(handle) != _colour(artist):
        return False
    if _marker(handle) is not None and _marker(handle) != _marker(artist):
        return False
    if _dash(handle) is not None and _dash(handle) != _dash(artist):
        return False
    if _marker(handle) is None and _dash(handle) is None:
        return isinstance(artist, (Patch, Rectangle))
    return _dash(handle) is not None or _marker(artist) is not None


def matches(fig, handle):
    return [(ax, a, n) for ax, a, n in drawn(fig) if _same(handle, a)]


def assert_legend_drawn(fig):
    """Every legend entry has an artist drawn like it, with data inside some panel."""
    missing = [label for _, h, label in legend_entries(fig) if not matches(fig, h)]
    assert not missing, f"legend entries with nothing drawn: {missing}"


def assert_entries_distinct(fig):
    """No two entries of one legend look alike: colour and marker, and the dash when the
    artists they stand for draw lines (two or more points)."""
    by_legend = {}
    for lg, h, label in legend_entries(fig):
        lines = any(n > 1 and _dash(a) is not None for _, a, n in matches(fig, h))
        key = (_colour(h), _marker(h), _dash(h) if lines else None,
               isinstance(h, (Patch, Rectangle)))
        by_legend.setdefault(id(lg), {}).setdefault(key, []).append(label)
    alike = [labels for keys in by_legend.values() for labels in keys.values() if len(labels) > 1]
    assert not alike, f"legend entries that look alike: {alike}"


def assert_readable(fig, width=None):
    """After fit_to_print the saved figure fits its print box (printed one to one) and every
    visible text is at least MIN_FONT_PT."""
    box = figures.fit_to_print(fig) or figures._tight_box(fig)  # the area save writes
    w, h = box.width, box.height
    width = width or getattr(fig, "_nn_width", figures.PRINT_WIDTH_IN)
    assert w + 2 * figures.PAD_IN <= width + 0.02
    assert h + 2 * figures.PAD_IN <= figures.PRINT_HEIGHT_IN + 0.02
    small = sorted({(t.get_fontsize(), t.get_text()) for t in fig.findobj(
        lambda a: hasattr(a, "get_fontsize") and hasattr(a, "get_text"))
        if t.get_visible() and t.get_text().strip() and t.get_fontsize() < figures.MIN_FONT_PT})
    assert not small, f"text below {figures.MIN_FONT_PT} pt: {small[:5]}"


def assert_markers_apart(fig, gap_px=None):
    """Fate markers of a panel do not sit on one another."""
    fig.canvas.draw()
    gap_px = gap_px or 5 * fig.dpi / 72
    for ax in fig.axes:
        spots = [line.get_transform().transform((line.get_xdata()[0], line.get_ydata()[0]))
                 for line in ax.lines if line.get_gid() == "status"]
        for i in range(len(spots)):
            for j in range(i):
                assert np.hypot(*(spots[i] - spots[j])) >= gap_px, "fate markers overlap"


def assert_figure_checks(fig):
    assert_legend_drawn(fig)
    assert_entries_distinct(fig)
    assert_readable(fig)
    assert_markers_apart(fig)


def share_of_axis(ax, values):
    """The share of the panel's height the values span (log panels in log units)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    lo, hi = sorted(ax.get_ylim())
    if ax.get_yscale() == "log":
        v, lo, hi = np.log10(v[v > 0]), np.log10(lo), np.log10(hi)
    return (v.max() - v.min()) / (hi - lo)
