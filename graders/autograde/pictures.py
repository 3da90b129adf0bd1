"""Pictures for the feedback: a student's cost curve beside the reference's, their Newton path on
the contour lines of f, a table of gradient components. Built in the grading process from the
student's results on inputs the student has (the course data); they show the student's own
numbers, never hidden expected values.

The plots are drawn by matplotlib's SVG backend on a ``Figure`` of their own (no pyplot, no Agg),
with text kept as text (``svg.fonttype: none``): a few kB and a few tens of ms of CPU each. Each
drawn series has an SVG id (``reference``, ``yours``, ``contours``) so tests can find it.
"""

from __future__ import annotations

import html
import io
import textwrap
from typing import Any, Sequence

import numpy as np

__all__ = ["cost_curves", "component_table", "contour_paths", "svg"]

#: Characters per line of a picture's title: two lines fit above a 6.4-inch axis at 10 pt.
TITLE_WIDTH = 68
#: Size of the pictures in inches.
SIZE = (6.4, 3.6)
#: Draw the costs on a log scale when the largest positive one is more than this times the smallest.
LOG_RATIO = 30
#: Below this many points "yours" is drawn with a dot at each one.
DOTS_BELOW = 40
#: At most this many decades labelled on a log axis (a descent that explodes spans 20 and more).
MAX_LOG_TICKS = 8
REFERENCE_STYLE = {"color": "#999999", "linewidth": 3, "label": "reference solution", "gid": "reference"}
YOURS_STYLE = {"color": "#d62728", "linewidth": 1.5, "label": "yours", "gid": "yours"}
#: rcParams while a picture is written: text as text, no timestamp, ids that do not change between runs.
_SVG_RC = {"svg.fonttype": "none", "svg.hashsalt": "calc4ml", "font.size": 9}


#: The plot area's margins (fractions of the figure): left for the tick labels, top for two title lines.
MARGINS = {"left": 0.11, "right": 0.975, "bottom": 0.13, "top": 0.85}


def _figure() -> tuple[Any, Any]:
    from matplotlib.figure import Figure

    fig = Figure(figsize=SIZE)  # fixed margins: a layout engine would draw the figure twice
    fig.subplots_adjust(**MARGINS)
    return fig, fig.add_subplot()


def svg(fig: Any) -> str:
    """``fig`` as an SVG element (no XML declaration or doctype: it goes inline in HTML)."""
    import matplotlib
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    out = io.StringIO()
    with matplotlib.rc_context(_SVG_RC):
        FigureCanvasSVG(fig).print_svg(out, metadata={"Date": None, "Creator": None})
    text = out.getvalue()
    return text[text.index("<svg"):]


def _title(ax: Any, title: str) -> None:
    # y given: matplotlib would otherwise measure the axis below it to place it (a quarter of the CPU)
    ax.set_title("\n".join(textwrap.wrap(title, TITLE_WIDTH)), fontsize=10, y=1.0, pad=5)


def _label(value: float, _pos: Any = None) -> str:
    return f"{value:.3g}".replace("e-0", "e-").replace("e+0", "e").replace("e+", "e")


def _finite(v: np.ndarray) -> np.ndarray:
    """``v`` with its non-finite values as NaN: matplotlib breaks a line there."""
    return np.where(np.isfinite(v), v, np.nan)


def cost_curves(yours: Sequence[float], reference: Sequence[float], *, title: str, xlabel: str = "iteration",
                x_yours: Sequence[float] | None = None, x_reference: Sequence[float] | None = None) -> dict[str, str]:
    """Two cost curves on one axis, log-scaled when they span more than ``LOG_RATIO``, as an SVG
    and a text line. A line is broken where a cost is not finite."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    ys, yr = np.asarray(yours, dtype=float), np.asarray(reference, dtype=float)
    xs = np.arange(len(ys), dtype=float) if x_yours is None else np.asarray(x_yours, dtype=float)
    xr = np.arange(len(yr), dtype=float) if x_reference is None else np.asarray(x_reference, dtype=float)
    finite = np.isfinite(ys)
    positive = np.concatenate([ys[finite & (ys > 0)], yr[np.isfinite(yr) & (yr > 0)]])
    log = bool(len(positive) and positive.max() / max(positive.min(), 1e-300) > LOG_RATIO)
    shown_ys, shown_yr = _finite(ys), _finite(yr)
    if log:  # a cost of 0 or below has no place on a log axis: a break, as for inf
        shown_ys, shown_yr = np.where(ys > 0, shown_ys, np.nan), np.where(yr > 0, shown_yr, np.nan)

    fig, ax = _figure()
    ax.plot(_finite(xr), shown_yr, **REFERENCE_STYLE)
    ax.plot(_finite(xs), shown_ys, marker="o" if len(ys) < DOTS_BELOW else None, markersize=3.5, **YOURS_STYLE)
    if log:
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(LogLocator(numticks=MAX_LOG_TICKS))
        ax.yaxis.set_minor_formatter(NullFormatter())
    ax.yaxis.set_major_formatter(FuncFormatter(_label))
    ax.xaxis.set_major_formatter(FuncFormatter(_label))
    ax.grid(alpha=0.5)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("cost (log scale)" if log else "cost")
    ax.legend(loc="upper right")
    _title(ax, title)
    last = f"{ys[finite][-1]:.4g}" if finite.any() else "not finite"
    alt = f"{title}: your cost after the last step {last}, the reference's {yr[-1]:.4g}"
    return {"image/svg+xml": svg(fig), "text/plain": alt}


def component_table(rows: Sequence[tuple[str, str, str, str, bool]], *, caption: str) -> dict[str, str]:
    """``rows`` of (component, your shape, expected shape, finding, right?) as HTML and text."""
    head = "<tr><th>gradient</th><th>your shape</th><th>expected shape</th><th>compared with finite differences</th><th></th></tr>"
    body = "".join(
        f"<tr><td><code>{html.escape(n)}</code></td><td>{html.escape(a)}</td><td>{html.escape(b)}</td>"
        f"<td>{html.escape(f)}</td><td style='color:{'#2ca02c' if ok else '#d62728'}'>{'&#10004;' if ok else '&#10008;'}</td></tr>"
        for n, a, b, f, ok in rows
    )
    table = f"<table class='calc4ml-components'><caption>{html.escape(caption)}</caption>{head}{body}</table>"
    text = caption + "\n" + "\n".join(f"  {'OK ' if ok else 'BAD'} {n}: {f}" for n, _, _, f, ok in rows)
    return {"text/html": table, "text/plain": text}


#: Grid of f evaluated for the contour picture, and its number of contour levels.
CONTOUR_GRID = 81
CONTOUR_LEVELS = 14
#: Points of "yours" farther than this many times the reference path's extent from its centre are
#: left outside the frame (a diverging method still shows where it started to go wrong).
FRAME_REACH = 3.0


def contour_paths(f, yours, reference, *, title: str) -> dict[str, str]:
    """Two paths of iterates (arrays of (x, y) points) on the contour lines of ``f``, framed on the
    reference's path (and the student's points near it), as an SVG and a text line."""
    ys = np.asarray(yours, dtype=float).reshape(-1, 2)
    rs = np.asarray(reference, dtype=float).reshape(-1, 2)
    r_ok = rs[np.all(np.isfinite(rs), axis=1)]
    lo, hi = (r_ok.min(axis=0), r_ok.max(axis=0)) if len(r_ok) else (np.array([-1.0, -1.0]), np.array([1.0, 1.0]))
    centre, half = (lo + hi) / 2, np.maximum((hi - lo) / 2, 0.5)
    with np.errstate(all="ignore"):
        near = np.all(np.isfinite(ys), axis=1) & np.all(np.abs(ys - centre) <= FRAME_REACH * half, axis=1)
    shown = np.vstack([r_ok, ys[near]]) if len(r_ok) or near.any() else np.array([[-1.0, -1.0], [1.0, 1.0]])
    lo, hi = shown.min(axis=0), shown.max(axis=0)
    span = np.maximum(hi - lo, 1e-9)
    lo, hi = lo - 0.12 * span - 0.05, hi + 0.12 * span + 0.05

    gx, gy = np.linspace(lo[0], hi[0], CONTOUR_GRID), np.linspace(lo[1], hi[1], CONTOUR_GRID)
    with np.errstate(all="ignore"):
        z = np.asarray(f(*np.meshgrid(gx, gy)), dtype=float)
    z_lo, z_hi = float(np.nanmin(z)), float(np.nanmax(z))

    fig, ax = _figure()
    if z_hi > z_lo:
        levels = z_lo + (z_hi - z_lo) * np.geomspace(2e-3, 0.9, CONTOUR_LEVELS)
        ax.contour(gx, gy, z, levels=levels, colors="#7fa7d0", linewidths=0.8).set_gid("contours")
    with np.errstate(all="ignore"):
        ax.plot(_finite(rs[:, 0]), _finite(rs[:, 1]), marker="o", markersize=6, **REFERENCE_STYLE)
        ax.plot(_finite(ys[:, 0]), _finite(ys[:, 1]), marker="o", markersize=4, **YOURS_STYLE)
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    # the legend bottom right: paths start far from the minimum, usually up and to the right of it
    ax.legend(loc="lower right")
    _title(ax, title)

    def where(path: np.ndarray) -> str:
        ok = path[np.all(np.isfinite(path), axis=1)]
        return f"({ok[-1][0]:.4g}, {ok[-1][1]:.4g})" if len(ok) else "not finite"

    alt = f"{title}: your last iterate {where(ys)}, the reference's {where(rs)}; {len(ys)} points of yours"
    return {"image/svg+xml": svg(fig), "text/plain": alt}
