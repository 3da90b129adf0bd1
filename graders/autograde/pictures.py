"""Pictures for the feedback: a student's cost curve beside the reference's, a table of gradient
components. Built in the grading process from the student's results on inputs the student has
(the course data); they show the student's own numbers, never hidden expected values."""

from __future__ import annotations

import html
import textwrap
from typing import Sequence

import numpy as np

__all__ = ["cost_curves", "component_table", "contour_paths"]

#: Characters per line of a picture's title: two lines fit above a 6.4-inch axis at 10 pt.
TITLE_WIDTH = 68


#: Size of the cost-curve picture in CSS pixels (6.4 x 3.6 inches at 90 dpi, as it was drawn with
#: matplotlib), and the plot area's margins: left for the cost's tick labels, top for two title lines.
SIZE = (576, 324)
MARGIN = {"left": 64, "right": 14, "top": 46, "bottom": 42}
#: Draw the costs on a log scale when the largest positive one is more than this times the smallest.
LOG_RATIO = 30
#: Below this many points "yours" is drawn with a dot at each one.
DOTS_BELOW = 40
#: At most this many decades labelled on a log axis (a descent that explodes spans 20 and more).
MAX_LOG_TICKS = 8
_FONT = 'font-family="DejaVu Sans, Verdana, sans-serif"'


def _nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """About ``count`` round values (1, 2, 2.5 or 5 times a power of ten apart) covering [lo, hi]."""
    if not hi > lo:
        return [lo]
    raw = (hi - lo) / count
    power = 10.0 ** np.floor(np.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = np.ceil(lo / step - 1e-9) * step
    return [float(v) + 0.0 for v in np.arange(first, hi + step * 1e-9, step)]  # + 0.0: no "-0" label


def _log_ticks(lo: float, hi: float) -> list[float]:
    """Ticks on a log10 axis spanning [lo, hi] (in log10 units): the decades, or 1-2-5 steps if
    fewer than two decades fit."""
    decades = [float(k) for k in range(int(np.ceil(lo - 1e-9)), int(np.floor(hi + 1e-9)) + 1)]
    if len(decades) >= 2:
        every = -(-len(decades) // MAX_LOG_TICKS)  # so that labels 11 px high never overlap
        return decades[::every]
    ticks = [float(np.log10(m) + k) for k in range(int(np.floor(lo)), int(np.ceil(hi)) + 1) for m in (1, 2, 5)]
    return [t for t in ticks if lo - 1e-9 <= t <= hi + 1e-9] or [lo, hi]


def _label(value: float) -> str:
    return f"{value:.3g}".replace("e-0", "e-").replace("e+0", "e").replace("e+", "e")


def _segments(x: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    """The runs of consecutive finite points: a line is broken where a value is not finite."""
    ok = np.isfinite(x) & np.isfinite(y)
    runs, current = [], []
    for i in range(len(x)):
        if ok[i]:
            current.append(i)
        elif current:
            runs.append(np.array(current))
            current = []
    if current:
        runs.append(np.array(current))
    return runs


def cost_curves(yours: Sequence[float], reference: Sequence[float], *, title: str, xlabel: str = "iteration",
                x_yours: Sequence[float] | None = None, x_reference: Sequence[float] | None = None) -> dict[str, str]:
    """Two cost curves on one axis, log-scaled when they span more than ``LOG_RATIO``, as an SVG
    drawn here (no matplotlib: it cost 0.17 s of CPU in every w2 submission) and a text line."""
    ys, yr = np.asarray(yours, dtype=float), np.asarray(reference, dtype=float)
    xs = np.arange(len(ys), dtype=float) if x_yours is None else np.asarray(x_yours, dtype=float)
    xr = np.arange(len(yr), dtype=float) if x_reference is None else np.asarray(x_reference, dtype=float)
    finite = np.isfinite(ys)
    positive = np.concatenate([ys[finite & (ys > 0)], yr[np.isfinite(yr) & (yr > 0)]])
    log = bool(len(positive) and positive.max() / max(positive.min(), 1e-300) > LOG_RATIO)
    with np.errstate(all="ignore"):
        ty = (lambda v: np.where(v > 0, np.log10(np.where(v > 0, v, 1.0)), np.nan)) if log else (lambda v: v)
        ys_t, yr_t = ty(ys), ty(yr)
    shown_y = np.concatenate([ys_t[np.isfinite(ys_t)], yr_t[np.isfinite(yr_t)]])
    shown_x = np.concatenate([xs[np.isfinite(ys_t) & np.isfinite(xs)], xr[np.isfinite(yr_t) & np.isfinite(xr)]])
    y_lo, y_hi = (float(shown_y.min()), float(shown_y.max())) if len(shown_y) else (0.0, 1.0)
    x_lo, x_hi = (float(shown_x.min()), float(shown_x.max())) if len(shown_x) else (0.0, 1.0)
    if y_hi - y_lo < 1e-12 * max(1.0, abs(y_hi)):
        y_lo, y_hi = y_lo - 0.5, y_hi + 0.5
    pad = 0.05 * (y_hi - y_lo)
    y_lo, y_hi = y_lo - pad, y_hi + pad
    if x_hi <= x_lo:
        x_lo, x_hi = x_lo - 0.5, x_hi + 0.5

    width, height = SIZE
    left, top = MARGIN["left"], MARGIN["top"]
    right, bottom = width - MARGIN["right"], height - MARGIN["bottom"]

    def px(x: float) -> float:
        return left + (x - x_lo) / (x_hi - x_lo) * (right - left)

    def py(y: float) -> float:
        return bottom - (y - y_lo) / (y_hi - y_lo) * (bottom - top)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           '<defs><clipPath id="calc4ml-plot"><rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}"/>'
           '</clipPath></defs>'.format(left, top, right - left, bottom - top)]
    for t in (_log_ticks(y_lo, y_hi) if log else _nice_ticks(y_lo, y_hi)):
        y = py(t)
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="#b0b0b0" stroke-opacity="0.5"/>')
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" {_FONT}>'
                   f'{html.escape(_label(10 ** t if log else t))}</text>')
    for t in _nice_ticks(x_lo, x_hi):
        x = px(t)
        out.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{bottom}" stroke="#b0b0b0" stroke-opacity="0.5"/>')
        out.append(f'<text x="{x:.1f}" y="{bottom + 15}" text-anchor="middle" font-size="11" {_FONT}>'
                   f'{html.escape(_label(t))}</text>')
    out.append(f'<rect x="{left}" y="{top}" width="{right - left}" height="{bottom - top}" fill="none" stroke="black"/>')
    your_runs = _segments(xs, ys_t)
    for x, y, runs, colour, lw in ((xr, yr_t, _segments(xr, yr_t), "#999999", 3), (xs, ys_t, your_runs, "#d62728", 1.5)):
        for run in runs:
            points = " ".join(f"{px(x[i]):.1f},{py(y[i]):.1f}" for i in run)
            out.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="{lw}" '
                       f'stroke-linejoin="round" clip-path="url(#calc4ml-plot)"/>')
    if len(ys) < DOTS_BELOW:
        out += [f'<circle cx="{px(xs[i]):.1f}" cy="{py(ys_t[i]):.1f}" r="2.5" fill="#d62728"/>'
                for run in your_runs for i in run]
    out.append(f'<rect x="{right - 156}" y="{top + 4}" width="150" height="36" fill="white" fill-opacity="0.8"/>')
    for i, (label, colour, lw) in enumerate((("reference solution", "#999999", 3), ("yours", "#d62728", 1.5))):
        y = top + 16 + 16 * i
        out.append(f'<line x1="{right - 150}" y1="{y - 4}" x2="{right - 126}" y2="{y - 4}" stroke="{colour}" '
                   f'stroke-width="{lw}"/>')
        out.append(f'<text x="{right - 120}" y="{y}" font-size="11" {_FONT}>{label}</text>')
    lines = textwrap.wrap(title, TITLE_WIDTH)
    for i, line in enumerate(lines):
        y = top - 8 - 15 * (len(lines) - 1 - i)
        out.append(f'<text x="{(left + right) / 2:.1f}" y="{y}" text-anchor="middle" font-size="12.5" {_FONT}>'
                   f'{html.escape(line)}</text>')
    out.append(f'<text x="{(left + right) / 2:.1f}" y="{height - 8}" text-anchor="middle" font-size="12" {_FONT}>'
               f'{html.escape(xlabel)}</text>')
    out.append(f'<text transform="translate(16 {(top + bottom) / 2:.1f}) rotate(-90)" text-anchor="middle" '
               f'font-size="12" {_FONT}>cost{" (log scale)" if log else ""}</text>')
    out.append("</svg>")
    last = f"{ys[finite][-1]:.4g}" if finite.any() else "not finite"
    alt = f"{title}: your cost after the last step {last}, the reference's {yr[-1]:.4g}"
    return {"image/svg+xml": "\n".join(out), "text/plain": alt}


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
    """Two paths of iterates (arrays of (x, y) points) on the contour lines of ``f``, as an SVG drawn
    here like :func:`cost_curves`, and a text line. Contours come from contourpy (matplotlib's)."""
    import contourpy

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

    width, height = SIZE
    left, top = MARGIN["left"], MARGIN["top"]
    right, bottom = width - MARGIN["right"], height - MARGIN["bottom"]

    def px(x: float) -> float:
        return left + (x - lo[0]) / (hi[0] - lo[0]) * (right - left)

    def py(y: float) -> float:
        return bottom - (y - lo[1]) / (hi[1] - lo[1]) * (bottom - top)

    gx, gy = np.linspace(lo[0], hi[0], CONTOUR_GRID), np.linspace(lo[1], hi[1], CONTOUR_GRID)
    with np.errstate(all="ignore"):
        z = np.asarray(f(*np.meshgrid(gx, gy)), dtype=float)
    z_lo, z_hi = float(np.nanmin(z)), float(np.nanmax(z))
    levels = z_lo + (z_hi - z_lo) * np.geomspace(2e-3, 0.9, CONTOUR_LEVELS) if z_hi > z_lo else []
    gen = contourpy.contour_generator(gx, gy, z)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           '<defs><clipPath id="calc4ml-plot"><rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}"/>'
           '</clipPath></defs>'.format(left, top, right - left, bottom - top)]
    for level in levels:
        for line in gen.lines(float(level)):
            points = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in line)
            out.append(f'<polyline points="{points}" fill="none" stroke="#7fa7d0" stroke-width="0.8" '
                       f'clip-path="url(#calc4ml-plot)"/>')
    for t in _nice_ticks(lo[1], hi[1]):
        out.append(f'<text x="{left - 6}" y="{py(t) + 4:.1f}" text-anchor="end" font-size="11" {_FONT}>'
                   f'{html.escape(_label(t))}</text>')
    for t in _nice_ticks(lo[0], hi[0]):
        out.append(f'<text x="{px(t):.1f}" y="{bottom + 15}" text-anchor="middle" font-size="11" {_FONT}>'
                   f'{html.escape(_label(t))}</text>')
    out.append(f'<rect x="{left}" y="{top}" width="{right - left}" height="{bottom - top}" fill="none" stroke="black"/>')
    for path, colour, lw, r in ((rs, "#999999", 3, 4.0), (ys, "#d62728", 1.5, 2.5)):
        for run in _segments(path[:, 0], path[:, 1]):
            points = " ".join(f"{px(path[i, 0]):.1f},{py(path[i, 1]):.1f}" for i in run)
            out.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="{lw}" '
                       f'stroke-linejoin="round" clip-path="url(#calc4ml-plot)"/>')
            out += [f'<circle cx="{px(path[i, 0]):.1f}" cy="{py(path[i, 1]):.1f}" r="{r}" fill="{colour}" '
                    f'clip-path="url(#calc4ml-plot)"/>' for i in run]
    # the legend bottom right: paths start far from the minimum, usually up and to the right of it
    out.append(f'<rect x="{right - 156}" y="{bottom - 40}" width="150" height="36" fill="white" fill-opacity="0.8"/>')
    for i, (label, colour, lw) in enumerate((("reference solution", "#999999", 3), ("yours", "#d62728", 1.5))):
        y = bottom - 28 + 16 * i
        out.append(f'<line x1="{right - 150}" y1="{y - 4}" x2="{right - 126}" y2="{y - 4}" stroke="{colour}" '
                   f'stroke-width="{lw}"/>')
        out.append(f'<text x="{right - 120}" y="{y}" font-size="11" {_FONT}>{label}</text>')
    lines = textwrap.wrap(title, TITLE_WIDTH)
    for i, line in enumerate(lines):
        y = top - 8 - 15 * (len(lines) - 1 - i)
        out.append(f'<text x="{(left + right) / 2:.1f}" y="{y}" text-anchor="middle" font-size="12.5" {_FONT}>'
                   f'{html.escape(line)}</text>')
    out.append(f'<text x="{(left + right) / 2:.1f}" y="{height - 8}" text-anchor="middle" font-size="12" {_FONT}>x</text>')
    out.append(f'<text transform="translate(16 {(top + bottom) / 2:.1f}) rotate(-90)" text-anchor="middle" '
               f'font-size="12" {_FONT}>y</text>')
    out.append("</svg>")

    def where(path: np.ndarray) -> str:
        ok = path[np.all(np.isfinite(path), axis=1)]
        return f"({ok[-1][0]:.4g}, {ok[-1][1]:.4g})" if len(ok) else "not finite"

    alt = f"{title}: your last iterate {where(ys)}, the reference's {where(rs)}; {len(ys)} points of yours"
    return {"image/svg+xml": "\n".join(out), "text/plain": alt}
