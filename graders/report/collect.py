"""Collecting a report's facts: the gradebook (read-only) and the messages of the autograded
notebooks, as long tables (:class:`ReportData`); the headline pattern and cause that failures
are grouped by."""

from __future__ import annotations

import datetime as _dt
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import pandas as pd

from graders.autograde.verdicts import graded_errors
from graders.assignments import ASSIGNMENTS
from graders.kernel.checks import cause_of

if TYPE_CHECKING:
    from nbgrader.api import Gradebook

__all__ = ["ReportData", "ReportError", "collect", "headline", "pattern", "group_of", "group_text", "CAUSE_MARK",
           "NO_MESSAGE", "NO_NOTEBOOK"]

#: Headline of a lost exercise whose autograded cell holds no error output (e.g. a manual grade).
NO_MESSAGE = "(no error message in the autograded notebook)"
#: Headline of a lost exercise whose autograded notebook is missing or unreadable.
NO_NOTEBOOK = "(autograded notebook not found)"
#: Longest pattern kept (longer headlines are cut, with "…").
PATTERN_CHARS = 200

_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?![\w.])")
_RUN = re.compile(r"#(?:[\s,;]+#){2,}")


class ReportError(RuntimeError):
    """The report cannot be made; the message is one line: what is wrong and what to do."""


@dataclass
class ReportData:
    """Everything a report is made of: long tables, one row per fact.

    ``scores``: student, assignment, notebook, exercise (the grade_id), score, max_score,
    submitted — one row per student × assignment × exercise; score is NaN when the student
    submitted nothing for that assignment.

    ``submissions``: student, assignment, submitted, timestamp, duedate (UTC, NaT if none),
    late, late_seconds, raw_score (sum of the exercises), penalty (nbgrader's late penalty),
    score (max(0, raw_score − penalty), what the LMS gets; 0 if not submitted), max_score.
    ta_overrides: the scores a TA set and comments written in formgrader ("" if none).

    ``failures``: student, assignment, notebook, exercise, score, max_score, error (the
    exception name), headline (first line of the message), pattern (headline with numbers
    replaced by ``#``), cause (the recognised mistake the message names, or None), group (what
    the tables group by: ``group_of(pattern, cause)``), message (the whole text) — one row per
    exercise that lost points.

    ``exercises``: assignment, notebook, exercise, max_score, in notebook order.
    """

    course_root: Path
    assignments: tuple[str, ...]
    students: tuple[str, ...]
    scores: pd.DataFrame
    submissions: pd.DataFrame
    failures: pd.DataFrame
    exercises: pd.DataFrame
    #: The gradebook read (where the course's nbgrader_config.py puts it).
    gradebook: Path
    #: Assignments in the gradebook left out because nothing of them was graded yet.
    not_graded: tuple[str, ...] = field(default=())




def headline(message: str, ename: str = "") -> str:
    """First non-blank line of a grader's message (or the exception name if there is none)."""
    for line in (message or "").splitlines():
        if line.strip():
            return line.strip()
    return ename or NO_MESSAGE


def pattern(text: str) -> str:
    """``text`` with standalone numbers replaced by ``#`` (a run of them by one ``#…``), cut
    at ``PATTERN_CHARS`` characters: the key that groups headlines of one mistake."""
    masked = _RUN.sub("#…", _NUMBER.sub("#", text))
    return masked if len(masked) <= PATTERN_CHARS else masked[: PATTERN_CHARS - 1].rstrip() + "…"


def group_of(pattern_text: str, cause_label: str | None) -> str:
    """The key failures are grouped by: the recognised cause if the message names one, else the
    headline pattern. Causes are marked so that a headline can never pass for one."""
    return f"{CAUSE_MARK}{cause_label}" if cause_label else pattern_text


#: Prefix of a group key that is a cause label (``group_of``), not a headline pattern.
CAUSE_MARK = "cause: "


def group_text(group: str) -> tuple[bool, str]:
    """(is a cause, what to show) for a group key."""
    return (True, group[len(CAUSE_MARK):]) if group.startswith(CAUSE_MARK) else (False, group)


def _gradebook_file(root: Path) -> Path:
    """The course's SQLite gradebook, where its ``nbgrader_config.py`` puts it."""
    from graders.run.course import course_settings

    settings = course_settings(root)
    if settings.sqlite_path is None:
        raise ReportError(f"the report reads a SQLite gradebook; {root / 'nbgrader_config.py'} sets "
                          f"CourseDirectory.db_url = {settings.db_url!r}")
    return settings.sqlite_path


def _open_gradebook(db: Path) -> Gradebook:
    """The gradebook at ``db``, opened read-only (sqlite ``mode=ro``)."""
    import nbgrader
    from nbgrader.api import Gradebook
    from sqlalchemy.engine import URL

    # Read-only: Gradebook() would otherwise create tables and a course row on the way in.
    url = URL.create("sqlite", database="file:" + quote(str(db)), query={"mode": "ro", "uri": "true"})
    try:
        return Gradebook(url, course_id="")  # type: ignore[arg-type]
    except Exception as exc:  # sqlalchemy/sqlite errors: locked, corrupt, not a database
        if "readonly" in str(exc):  # Gradebook() tried to create missing tables
            raise ReportError(f"cannot read the gradebook at {db}: it lacks tables nbgrader {nbgrader.__version__} "
                              "expects: run `nbgrader db upgrade` first") from exc
        raise ReportError(f"cannot read the gradebook at {db}: {_first_line(exc)}") from exc


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _utc(value: _dt.datetime | None) -> pd.Timestamp:
    """nbgrader stores naive UTC datetimes."""
    if value is None:
        return pd.NaT
    ts = pd.Timestamp(value)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def _source_order(course_root: Path, assignment: str, notebook: str) -> list[str]:
    """grade_ids in the order of the source notebook's cells ([] if it cannot be read)."""
    path = course_root / "source" / assignment / f"{notebook}.ipynb"
    try:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError, TypeError):
        return []
    return [
        c["metadata"]["nbgrader"]["grade_id"]
        for c in cells
        if isinstance(c.get("metadata", {}).get("nbgrader"), dict) and "grade_id" in c["metadata"]["nbgrader"]
    ]


def _exercise_label(notebook: str, grade_id: str, n_notebooks: int) -> str:
    return grade_id if n_notebooks == 1 else f"{notebook}:{grade_id}"


def collect(course_root: Path, assignments: Sequence[str] | None = None) -> ReportData:
    """Read the gradebook and the autograded notebooks of the course at ``course_root``.

    ``assignments``: ids to report, in that order. By default every assignment of the
    gradebook that has at least one graded submission, in course order
    (``graders.assignments.ASSIGNMENTS`` first, then any others by name); the rest are listed
    in ``ReportData.not_graded``.

    Raises :class:`ReportError` if there is no gradebook, nothing graded, or a named
    assignment is unknown or not graded.
    """
    from nbgrader.api import MissingEntry
    from sqlalchemy.exc import SQLAlchemyError

    root = Path(course_root).resolve()
    db = _gradebook_file(root)
    if not db.is_file():
        raise ReportError(f"no gradebook at {db}: run `nbgrader autograde <assignment>` first")

    score_rows: list[dict] = []
    submission_rows: list[dict] = []
    failure_rows: list[dict] = []
    exercise_rows: list[dict] = []

    gb = _open_gradebook(db)
    try:
        known = {a.name: a for a in gb.assignments}
        students = tuple(sorted(s.id for s in gb.students))
        graded = {name for name, a in known.items() if a.submissions}
        order = [a for a in ASSIGNMENTS if a in known] + sorted(set(known) - set(ASSIGNMENTS))
        if assignments is None:
            chosen = [a for a in order if a in graded]
            if not chosen:
                raise ReportError(f"nothing graded in {db}: run `nbgrader autograde <assignment>` first")
        else:
            chosen = list(dict.fromkeys(assignments))
            if not chosen:
                raise ReportError("no assignment asked for: name one, or pass None for every graded one")
            for name in chosen:
                if name not in known:
                    listed = ", ".join(order) or "none"
                    raise ReportError(
                        f"no assignment {name} in {db} (it has: {listed}): "
                        f"run `nbgrader generate_assignment {name}` and `nbgrader autograde {name}` first"
                    )
                if name not in graded:
                    raise ReportError(f"nothing graded for {name} in {db}: run `nbgrader autograde {name}` first")

        for name in chosen:
            assignment = known[name]
            notebooks = sorted(assignment.notebooks, key=lambda n: n.name)
            # (notebook, grade_id) -> max_score, in notebook order
            cells: list[tuple[str, str, float]] = []
            for nb in notebooks:
                graded_cells = {c.name: float(c.max_score) for c in list(nb.grade_cells) + list(nb.task_cells)}
                rank = {gid: i for i, gid in enumerate(_source_order(root, name, nb.name))}
                ids = sorted(graded_cells, key=lambda g: (rank.get(g, len(rank)), list(graded_cells).index(g)))
                cells += [(nb.name, gid, graded_cells[gid]) for gid in ids]
            for nb_name, gid, max_score in cells:
                exercise_rows.append({"assignment": name, "notebook": nb_name,
                                      "exercise": _exercise_label(nb_name, gid, len(notebooks)),
                                      "max_score": max_score})
            max_total = float(assignment.max_score or 0.0)
            duedate = _utc(assignment.duedate)

            for student in students:
                try:
                    sub = gb.find_submission(name, student)
                except MissingEntry:
                    sub = None
                if sub is None:
                    submission_rows.append({
                        "student": student, "assignment": name, "submitted": False, "timestamp": pd.NaT,
                        "duedate": duedate, "late": False, "late_seconds": 0.0, "raw_score": 0.0,
                        "penalty": 0.0, "score": 0.0, "max_score": max_total, "ta_overrides": "",
                    })
                    for nb_name, gid, max_score in cells:
                        score_rows.append({"student": student, "assignment": name, "notebook": nb_name,
                                           "exercise": _exercise_label(nb_name, gid, len(notebooks)),
                                           "score": math.nan, "max_score": max_score, "submitted": False})
                    continue

                late_seconds = float(sub.total_seconds_late or 0.0)
                raw = float(sub.score or 0.0)
                penalty = float(sub.late_submission_penalty or 0.0)
                submission_rows.append({
                    "student": student, "assignment": name, "submitted": True, "timestamp": _utc(sub.timestamp),
                    "duedate": _utc(sub.duedate), "late": late_seconds > 0, "late_seconds": late_seconds,
                    "raw_score": raw, "penalty": penalty, "score": max(0.0, raw - penalty), "max_score": max_total,
                    "ta_overrides": _ta_overrides(sub),
                })
                grades = {(g.notebook.name, g.name): g for snb in sub.notebooks for g in snb.grades}
                for nb_name, gid, max_score in cells:
                    grade = grades.get((nb_name, gid))
                    score = float(grade.score) if grade is not None and grade.score is not None else 0.0
                    exercise = _exercise_label(nb_name, gid, len(notebooks))
                    score_rows.append({"student": student, "assignment": name, "notebook": nb_name,
                                       "exercise": exercise, "score": score, "max_score": max_score,
                                       "submitted": True})
                    if score >= max_score:
                        continue
                    msgs = graded_errors(root / "autograded" / student / name / f"{nb_name}.ipynb")
                    if msgs is None:
                        ename, message, head = "", "", NO_NOTEBOOK
                    elif gid not in msgs:
                        ename, message, head = "", "", NO_MESSAGE
                    else:
                        ename = msgs[gid][0][0]
                        message = "\n\n".join(evalue or en for en, evalue in msgs[gid])
                        head = headline(msgs[gid][0][1], ename)
                    failure_rows.append({"student": student, "assignment": name, "notebook": nb_name,
                                         "exercise": exercise, "score": score, "max_score": max_score,
                                         "error": ename, "headline": head, "pattern": pattern(head),
                                         "cause": cause_of(message), "group": group_of(pattern(head), cause_of(message)),
                                         "message": message})
    except SQLAlchemyError as exc:  # locked while nbgrader writes, an older schema, ...
        raise ReportError(f"cannot read the gradebook at {db}: {_first_line(exc)}") from exc
    finally:
        gb.close()

    def frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
        return pd.DataFrame(rows, columns=columns)

    submissions = frame(submission_rows, ["student", "assignment", "submitted", "timestamp", "duedate", "late",
                                          "late_seconds", "raw_score", "penalty", "score", "max_score",
                                          "ta_overrides"])
    for col in ("timestamp", "duedate"):
        submissions[col] = pd.to_datetime(submissions[col], utc=True)
    return ReportData(
        course_root=root,
        assignments=tuple(chosen),
        students=students,
        scores=frame(score_rows, ["student", "assignment", "notebook", "exercise", "score", "max_score", "submitted"]),
        submissions=submissions,
        failures=frame(failure_rows, ["student", "assignment", "notebook", "exercise", "score", "max_score",
                                      "error", "headline", "pattern", "cause", "group", "message"]),
        exercises=frame(exercise_rows, ["assignment", "notebook", "exercise", "max_score"]),
        gradebook=db,
        not_graded=tuple(a for a in order if a not in graded and a not in chosen),
    )


def _ta_overrides(sub) -> str:
    """What a TA changed in formgrader for this submission: each score set by hand that differs
    from the autograder's (``test_dLdOmega: 0 -> 3``) and each comment written, ``; ``-joined."""
    parts = []
    for snb in sorted(sub.notebooks, key=lambda n: n.name):
        for g in sorted(snb.grades, key=lambda g: g.name):
            if g.manual_score is not None and g.manual_score != g.auto_score:
                auto = "none" if g.auto_score is None else f"{g.auto_score:g}"
                parts.append(f"{g.name}: {auto} -> {g.manual_score:g}")
        for c in sorted(snb.comments, key=lambda c: c.name):
            if c.manual_comment:
                parts.append(f"{c.name} comment: {' '.join(c.manual_comment.split())[:200]}")
    return "; ".join(parts)
