"""The report's HTML page, rendered from the Jinja2 templates in ``templates/`` (autoescaped: a
student's message cannot put markup or a script in the page). Python prepares what the page
shows (formatted cells, grouped failures, images as data URIs); the templates lay it out."""

from __future__ import annotations

import base64
import datetime as _dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from graders.report.collect import ReportData, group_text

__all__ = ["render", "what_failed_html"]

TEMPLATES = Path(__file__).parent / "templates"


_ENV: Any = None


def _env() -> Any:
    global _ENV
    if _ENV is None:
        import jinja2

        _ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                                  undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    return _ENV


def _cell(value: object) -> tuple[str, str]:
    """(CSS class, text) of one table cell: yes/no, numbers to two decimals on the right, UTC times."""
    if isinstance(value, (bool, np.bool_)):
        return "", "yes" if value else "no"
    if isinstance(value, (int, float, np.integer, np.floating)):
        text = "" if pd.isna(value) else (f"{value:.2f}" if isinstance(value, (float, np.floating)) else str(value))
        return "num", text
    if value is pd.NaT or value is None:
        return "", ""
    if isinstance(value, pd.Timestamp):
        return "", value.strftime("%Y-%m-%d %H:%M UTC")
    return "", str(value)


def _table(frame: pd.DataFrame) -> dict[str, Any] | None:
    """``frame`` as the template's table (None if it has no rows)."""
    if frame.empty:
        return None
    return {"columns": list(frame.columns), "rows": frame.astype(object).map(_cell).to_numpy().tolist()}


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _what_failed(data: ReportData, checks: pd.DataFrame) -> list[tuple[str, list[dict[str, Any]]]]:
    sections = []
    for a in data.assignments:
        rows = checks[(checks["assignment"] == a) & (checks["failed"] > 0)]
        shown = []
        for row in rows.itertuples(index=False):
            fails = data.failures[(data.failures["assignment"] == a) & (data.failures["exercise"] == row.exercise)]
            grouped = fails.groupby("group", sort=False)["student"].agg(list)
            grouped = grouped.loc[sorted(grouped.index, key=lambda p: -len(grouped[p]))]
            shown.append({
                "exercise": row.exercise, "failed": row.failed, "submitted": row.submitted,
                "points": f"{row.max_score:g} point" + ("" if row.max_score == 1 else "s"),
                "rate": f"{row.failure_rate:.0%}",
                "groups": [(*group_text(g), who) for g, who in grouped.items()],
            })
        if shown:
            sections.append((a, shown))
    return sections


def what_failed_html(data: ReportData, checks: pd.DataFrame) -> str:
    """The report's "What failed, per check": per failed check, its failures grouped by cause
    (or headline pattern), largest group first, with who is in each."""
    return _env().get_template("what_failed.html.j2").render(sections=_what_failed(data, checks))


def render(data: ReportData, summary: pd.DataFrame, checks: pd.DataFrame, late: pd.DataFrame,
           images: dict[str, tuple[str, bytes]]) -> str:
    """report.html: ``images`` by key (``score_hist_<assignment>``, ``failure_rates``, ``heatmap``)
    as (file name, PNG)."""
    missing = data.submissions.loc[~data.submissions["submitted"], ["student", "assignment"]]
    messages = []
    for a in data.assignments:
        fails = data.failures[data.failures["assignment"] == a]
        if not fails.empty:
            messages.append((a, [(r.exercise, r.student, r.message or r.headline) for r in fails.itertuples(index=False)]))
    return _env().get_template("report.html.j2").render(
        course=data.course_root.name,
        gradebook=str(data.gradebook),
        made=_dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        n_students=len(data.students),
        not_graded=list(data.not_graded),
        summary=_table(summary),
        histograms=[(_data_uri(images[f"score_hist_{a}"][1]), f"score histogram of {a}") for a in data.assignments],
        failure_rates=_data_uri(images["failure_rates"][1]),
        heatmap=_data_uri(images["heatmap"][1]),
        sections=_what_failed(data, checks),
        late=_table(late.drop(columns=["late_seconds"])),
        overrides=_table(data.submissions.loc[data.submissions["ta_overrides"].fillna("") != "",
                                              ["student", "assignment", "ta_overrides", "score", "max_score"]]),
        missing=_table(missing),
        messages=messages,
    ) + "\n"
