"""Grade reports for TAs and the LMS, built with pandas from nbgrader's gradebook.

Scores, timestamps and lateness come from the gradebook through ``nbgrader.api.Gradebook``
(opened read-only: a report never changes the gradebook); the graders' messages come from the
autograded notebooks (``autograded/<student>/<assignment>/<notebook>.ipynb``), where a failed
test cell holds one ``error`` output whose text is the grader's message, first line the
headline.

``collect`` gathers three long tables (:class:`ReportData`); ``write_report`` writes::

    lms_grades.csv          student_id, assignment, score, max_score, duedate, submitted_at,
                            late_penalty, ta_overrides (one row per student and
                            assignment; a missing submission is 0; late penalties applied)
    exercise_scores.csv     points per student (rows) and <assignment>/<exercise> (columns),
                            blank where the student submitted nothing
    assignment_summary.csv  per assignment: students, submitted, missing, mean, median, std,
                            min, max, max_score, late
    check_failures.csv      per assignment and exercise: failure rate, n failed, the three most
                            common headlines with their counts
    late_submissions.csv    who handed in late, by how much
    failures.csv            every lost exercise with its headline and full message
    score_hist_<assignment>.png, failure_rates.png, heatmap.png
    report.html             one self-contained page (images embedded as data URIs), from the
                            Jinja2 templates in templates/

Every student in the gradebook appears for every reported assignment: one who submitted
nothing scores 0 in the LMS export and is flagged ``submitted == False`` in the tables.
Headlines are grouped with standalone numbers replaced by ``#`` (``omega* = 0.3234`` and
``omega* = 0.5`` are the same mistake): that is the ``pattern`` column. A message whose judge
recognised the mistake names its cause (a line ``cause: <label>``, see
:func:`graders.kernel.checks.cause_of`): that is the ``cause`` column, and failures with a cause are
grouped by it instead ("7 students: global variables instead of arguments"), whatever numbers
their headlines hold. ``group`` is the key used: the cause, else the pattern.

The work is split by job: :mod:`.collect` (the gradebook and the messages, as long tables),
:mod:`.tables` (the CSVs' tables), :mod:`.plots` (PNG), :mod:`.page` (the HTML); this module
writes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from graders.report.collect import (NO_MESSAGE, NO_NOTEBOOK, ReportData, ReportError, collect, group_of, headline,
                                    pattern)
from graders.report.page import render, what_failed_html
from graders.report.plots import failure_bars, heatmap, histogram
from graders.report.tables import assignment_summary, check_failures, exercise_scores, late_submissions, lms_grades

__all__ = [
    "ReportData",
    "ReportError",
    "collect",
    "write_report",
    "lms_grades",
    "exercise_scores",
    "assignment_summary",
    "check_failures",
    "late_submissions",
    "headline",
    "pattern",
    "group_of",
    "what_failed_html",
    "NO_MESSAGE",
    "NO_NOTEBOOK",
]



def write_report(course_root: Path, out_dir: Path, assignments: Sequence[str] | None = None) -> dict[str, Path]:
    """Collect (see :func:`collect`) and write every table, plot and ``report.html`` to
    ``out_dir`` (created if needed; existing files of the same names are replaced).

    Returns the paths by name: ``html``, ``lms`` (lms_grades.csv), ``exercise_scores``,
    ``assignment_summary``, ``check_failures``, ``late_submissions``, ``failures``,
    ``failure_rates`` and ``heatmap`` (PNG), and ``score_hist_<assignment>`` (PNG) for each
    assignment reported.
    """
    data = collect(course_root, assignments)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}

    def csv(key: str, name: str, frame: pd.DataFrame, index: bool = False) -> None:
        path = out / name
        frame.to_csv(path, index=index)
        paths[key] = path

    summary = assignment_summary(data)
    checks = check_failures(data)
    late = late_submissions(data)
    csv("lms", "lms_grades.csv", lms_grades(data))
    csv("exercise_scores", "exercise_scores.csv", exercise_scores(data), index=True)
    csv("assignment_summary", "assignment_summary.csv", summary)
    csv("check_failures", "check_failures.csv", checks)
    csv("late_submissions", "late_submissions.csv", late)
    csv("failures", "failures.csv", data.failures.drop(columns=["notebook"]))

    images: dict[str, tuple[str, bytes]] = {}
    for a in data.assignments:
        images[f"score_hist_{a}"] = (f"score_hist_{a}.png", histogram(data, a))
    images["failure_rates"] = ("failure_rates.png", failure_bars(data, checks))
    images["heatmap"] = ("heatmap.png", heatmap(data))
    for key, (name, png) in images.items():
        (out / name).write_bytes(png)
        paths[key] = out / name

    page = out / "report.html"
    page.write_text(render(data, summary, checks, late, images), encoding="utf-8")
    paths["html"] = page
    return paths
