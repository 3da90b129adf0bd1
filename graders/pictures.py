"""Pictures for the feedback: a student's cost curve beside the reference's, a table of gradient
components. Built in the grading process from the student's results on inputs the student has
(the course data); they show the student's own numbers, never hidden expected values."""

from __future__ import annotations

import base64
import html
import io
import textwrap
from typing import Sequence

import numpy as np

__all__ = ["cost_curves", "component_table", "png_bundle"]

#: Characters per line of a picture's title: two lines fit above a 6.4-inch axis at 10 pt.
TITLE_WIDTH = 68


def png_bundle(fig, alt: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """A notebook MIME bundle: the figure as PNG, and a text line where images are not shown."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    # the layout is fixed by the caller: bbox_inches="tight" would draw the figure twice, and
    # every submission of w2 gets this picture (0.13 s of its grading)
    fig.savefig(buf, format="png", dpi=90)
    return {"image/png": base64.b64encode(buf.getvalue()).decode("ascii"), "text/plain": alt}


def cost_curves(yours: Sequence[float], reference: Sequence[float], *, title: str, xlabel: str = "iteration",
                x_yours: Sequence[float] | None = None, x_reference: Sequence[float] | None = None) -> dict[str, str]:
    """Two cost curves on one log-scaled axis (a pyplot-free Figure: no global state touched)."""
    from matplotlib.figure import Figure

    ys, yr = np.asarray(yours, dtype=float), np.asarray(reference, dtype=float)
    xs = np.arange(len(ys)) if x_yours is None else np.asarray(x_yours, dtype=float)
    xr = np.arange(len(yr)) if x_reference is None else np.asarray(x_reference, dtype=float)
    fig = Figure(figsize=(6.4, 3.6))
    fig.subplots_adjust(left=0.12, right=0.97, bottom=0.14, top=0.84)
    ax = fig.add_subplot()
    ax.plot(xr, yr, color="#999999", lw=3, label="reference solution")
    finite = np.isfinite(ys)
    ax.plot(xs[finite], ys[finite], color="#d62728", lw=1.5, marker="." if len(ys) < 40 else None, label="yours")
    positive = np.concatenate([ys[finite & (ys > 0)], yr[np.isfinite(yr) & (yr > 0)]])
    if len(positive) and positive.max() / max(positive.min(), 1e-300) > 30:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("cost")
    ax.set_title("\n".join(textwrap.wrap(title, TITLE_WIDTH)), fontsize=10)
    ax.legend(frameon=False)
    ax.grid(alpha=0.3)
    last = f"{ys[finite][-1]:.4g}" if finite.any() else "not finite"
    alt = f"{title}: your cost after the last step {last}, the reference's {yr[-1]:.4g}"
    return png_bundle(fig, alt)


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
