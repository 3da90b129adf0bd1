"""The report's plots as PNG: matplotlib's object API with the Agg canvas (no pyplot, no global
backend switch)."""

from __future__ import annotations

import io
from typing import Sequence

import numpy as np
import pandas as pd

from graders.report.collect import ReportData

__all__ = ["histogram", "failure_bars", "heatmap"]



def _short_names(assignments: Sequence[str]) -> dict[str, str]:
    short = {a: a.split("_")[0] for a in assignments}
    return short if len(set(short.values())) == len(short) else {a: a for a in assignments}


def _png(fig) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    return buf.getvalue()


def histogram(data: ReportData, assignment: str) -> bytes:
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    subs = data.submissions[data.submissions["assignment"] == assignment]
    got = subs.loc[subs["submitted"], "score"].astype(float).to_numpy()
    max_score = float(subs["max_score"].iloc[0])
    fig = Figure(figsize=(6.4, 3.6))
    ax = fig.add_subplot()
    if max_score <= 40 and float(max_score).is_integer():
        bins = np.arange(-0.5, max_score + 1.5, 1.0)
    else:
        bins = np.linspace(0, max(max_score, got.max(initial=0.0)), 21)
    ax.hist(got, bins=bins, color="#4c72b0", edgecolor="white")
    if len(got):
        ax.axvline(got.mean(), color="#c44e52", linestyle="--", linewidth=1.5, label=f"mean {got.mean():.2f}")
        ax.legend(loc="best", frameon=False)
    ax.set_xlim(bins[0], bins[-1])
    counts, _ = np.histogram(got, bins=bins)
    ax.set_ylim(0, counts.max(initial=0) * 1.2 + 0.5)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(f"score (out of {max_score:g})")
    ax.set_ylabel("students")
    missing = int((~subs["submitted"]).sum())
    note = f", {missing} missing" if missing else ""
    ax.set_title(f"{assignment}: {len(got)} submitted{note}")
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def failure_bars(data: ReportData, table: pd.DataFrame) -> bytes:
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    short = _short_names(data.assignments)
    labels = [f"{short[a]}  {e}" for a, e in zip(table["assignment"], table["exercise"])]
    rates = table["failure_rate"].fillna(0.0).to_numpy()
    colours = ["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860"]
    by_assignment = {a: colours[i % len(colours)] for i, a in enumerate(data.assignments)}
    n = len(table)
    fig = Figure(figsize=(7.5, 1.2 + 0.32 * n))
    ax = fig.add_subplot()
    y = np.arange(n)
    ax.barh(y, rates, color=[by_assignment[a] for a in table["assignment"]], height=0.7)
    for yi, rate, failed, submitted in zip(y, rates, table["failed"], table["submitted"]):
        ax.text(min(rate, 1.0) + 0.01, yi, f"{failed}/{submitted}", va="center", fontsize=8)
    ax.set_yticks(y, labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 1.12)
    ax.set_xticks(np.linspace(0, 1, 6), [f"{v:.0%}" for v in np.linspace(0, 1, 6)])
    ax.set_xlabel("students who lost the points of this check (of those who submitted)")
    ax.set_title("Failure rate per check")
    ax.spines[["top", "right"]].set_visible(False)
    if len(data.assignments) > 1:
        ax.legend(handles=[Patch(color=c, label=a) for a, c in by_assignment.items()], loc="lower right",
                  fontsize=8, frameon=False)
    return _png(fig)


def heatmap(data: ReportData) -> bytes:
    from matplotlib import colormaps
    from matplotlib.figure import Figure

    short = _short_names(data.assignments)
    ex = data.exercises
    labels = [f"{short[a]}  {e}" for a, e in zip(ex["assignment"], ex["exercise"])]
    students = list(data.students)
    frac = np.full((len(ex), len(students)), np.nan)
    text = np.full(frac.shape, "", dtype=object)
    index = {(a, e): i for i, (a, e) in enumerate(zip(ex["assignment"], ex["exercise"]))}
    col = {s: j for j, s in enumerate(students)}
    for r in data.scores.itertuples(index=False):
        i, j = index[(r.assignment, r.exercise)], col[r.student]
        if r.submitted:
            frac[i, j] = r.score / r.max_score if r.max_score else 1.0
            text[i, j] = f"{r.score:g}/{r.max_score:g}"
        else:
            text[i, j] = "–"
    n_ex, n_st = frac.shape
    width = min(40.0, 3.8 + 0.55 * n_st)
    fig = Figure(figsize=(width, 1.4 + 0.3 * n_ex))
    ax = fig.add_subplot()
    cmap = colormaps["RdYlGn"].with_extremes(bad="#d9d9d9")
    im = ax.imshow(np.ma.masked_invalid(frac), cmap=cmap, vmin=0, vmax=1, aspect="auto", interpolation="nearest")
    ax.set_yticks(np.arange(n_ex), labels, fontsize=8)
    if n_st <= 80:
        ax.set_xticks(np.arange(n_st), students, rotation=60, ha="right", rotation_mode="anchor", fontsize=8)
    else:
        ax.set_xticks([])
    ax.set_xlabel(f"students ({n_st}; grey: not submitted)")
    if n_st <= 25:
        for i in range(n_ex):
            for j in range(n_st):
                ax.text(j, i, text[i, j], ha="center", va="center", fontsize=7, color="black")
    # lines between assignments
    bounds = [i for i in range(1, n_ex) if ex["assignment"].iloc[i] != ex["assignment"].iloc[i - 1]]
    for b in bounds:
        ax.axhline(b - 0.5, color="white", linewidth=3)
    ax.set_title("Fraction of each exercise's points")
    fig.colorbar(im, ax=ax, fraction=0.04 if n_st > 8 else 0.08, pad=0.02, label="fraction of points")
    return _png(fig)


