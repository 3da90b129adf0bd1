"""Grade reports for TAs and the LMS, built with pandas from nbgrader's gradebook.

Scores, timestamps and lateness come from the gradebook through ``nbgrader.api.Gradebook``
(opened read-only: a report never changes the gradebook); the graders' messages come from the
autograded notebooks (``autograded/<student>/<assignment>/<notebook>.ipynb``), where a failed
test cell holds one ``error`` output whose text is the grader's message, first line the
headline.

``collect`` gathers three long tables (:class:`ReportData`); ``write_report`` writes::

    lms_grades.csv          student_id, assignment, score, max_score (one row per student and
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
    report.html             one self-contained page (images embedded as data URIs)

Every student in the gradebook appears for every reported assignment: one who submitted
nothing scores 0 in the LMS export and is flagged ``submitted == False`` in the tables.
Headlines are grouped with standalone numbers replaced by ``#`` (``omega* = 0.3234`` and
``omega* = 0.5`` are the same mistake): that is the ``pattern`` column. A message whose judge
recognised the mistake names its cause (a line ``cause: <label>``, see
:func:`graders.kernel.checks.cause_of`): that is the ``cause`` column, and failures with a cause are
grouped by it instead ("7 students: global variables instead of arguments"), whatever numbers
their headlines hold. ``group`` is the key used: the cause, else the pattern.
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import io
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import numpy as np
import pandas as pd

from graders.assignments import ASSIGNMENTS
from graders.kernel.checks import cause_of

if TYPE_CHECKING:
    from nbgrader.api import Gradebook

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

#: Headline of a lost exercise whose autograded cell holds no error output (e.g. a manual grade).
NO_MESSAGE = "(no error message in the autograded notebook)"
#: Headline of a lost exercise whose autograded notebook is missing or unreadable.
NO_NOTEBOOK = "(autograded notebook not found)"
#: How many of the most common headlines per check go into ``check_failures.csv``.
TOP_MESSAGES = 3

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


# --------------------------------------------------------------------------------------------
# Collecting


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


def _group_text(group: str) -> tuple[bool, str]:
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


def _messages(path: Path) -> dict[str, list[tuple[str, str]]] | None:
    """grade_id -> [(ename, evalue)] of the error outputs of graded cells; None if unreadable."""
    found: dict[str, list[tuple[str, str]]] = {}
    try:
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            meta = (cell.get("metadata") or {}).get("nbgrader") or {}
            if not (meta.get("grade") or meta.get("task")) or not meta.get("grade_id"):
                continue
            for out in cell.get("outputs") or []:
                if out.get("output_type") == "error":
                    found.setdefault(str(meta["grade_id"]), []).append(
                        (str(out.get("ename") or ""), str(out.get("evalue") or "")))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return found


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
                        "penalty": 0.0, "score": 0.0, "max_score": max_total,
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
                    msgs = _messages(root / "autograded" / student / name / f"{nb_name}.ipynb")
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
                                          "late_seconds", "raw_score", "penalty", "score", "max_score"])
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


# --------------------------------------------------------------------------------------------
# Tables


def lms_grades(data: ReportData) -> pd.DataFrame:
    """student_id, assignment, score, max_score: every student × assignment, 0 if not submitted."""
    out = data.submissions[["student", "assignment", "score", "max_score"]].rename(columns={"student": "student_id"})
    return out.reset_index(drop=True)


def exercise_scores(data: ReportData) -> pd.DataFrame:
    """Points per student (index) and ``<assignment>/<exercise>`` (columns, notebook order),
    then ``<assignment>/total`` per assignment; NaN where the student submitted nothing."""
    columns: list[str] = []
    table = pd.DataFrame(index=pd.Index(list(data.students), name="student"))
    for a in data.assignments:
        part = data.scores[data.scores["assignment"] == a]
        wide = part.pivot(index="student", columns="exercise", values="score")
        names = list(data.exercises.loc[data.exercises["assignment"] == a, "exercise"])
        for ex in names:
            table[f"{a}/{ex}"] = wide[ex].reindex(table.index).astype(float)
        subs = data.submissions[data.submissions["assignment"] == a].set_index("student")
        total = subs["raw_score"].where(subs["submitted"]).astype(float)
        table[f"{a}/total"] = total.reindex(table.index)
        columns += [f"{a}/{ex}" for ex in names] + [f"{a}/total"]
    return table[columns]


def assignment_summary(data: ReportData) -> pd.DataFrame:
    """Per assignment: students, submitted, missing, mean, median, std (ddof=1), min, max of
    the LMS score over the students who submitted, max_score, late."""
    rows = []
    for a in data.assignments:
        subs = data.submissions[data.submissions["assignment"] == a]
        got = subs.loc[subs["submitted"], "score"].astype(float)
        rows.append({
            "assignment": a,
            "students": len(subs),
            "submitted": int(subs["submitted"].sum()),
            "missing": int((~subs["submitted"]).sum()),
            "mean": got.mean(),
            "median": got.median(),
            "std": got.std(),
            "min": got.min(),
            "max": got.max(),
            "max_score": float(subs["max_score"].iloc[0]) if len(subs) else math.nan,
            "late": int(subs["late"].sum()),
        })
    return pd.DataFrame(rows, columns=["assignment", "students", "submitted", "missing", "mean", "median", "std",
                                       "min", "max", "max_score", "late"])


def check_failures(data: ReportData, top: int = TOP_MESSAGES) -> pd.DataFrame:
    """Per assignment × exercise (every check, in notebook order): submitted, failed,
    failure_rate (failed / submitted) and the ``top`` most common groups of failures
    (``message_1``, ``count_1``, ...; empty when fewer): a recognised cause as ``cause: <label>``,
    else the headline pattern."""
    rows = []
    for ex in data.exercises.itertuples(index=False):
        subs = data.scores[(data.scores["assignment"] == ex.assignment) & (data.scores["exercise"] == ex.exercise)
                           & data.scores["submitted"]]
        fails = data.failures[(data.failures["assignment"] == ex.assignment)
                              & (data.failures["exercise"] == ex.exercise)]
        n = len(subs)
        row: dict = {"assignment": ex.assignment, "exercise": ex.exercise, "max_score": ex.max_score,
                     "submitted": n, "failed": len(fails), "failure_rate": len(fails) / n if n else math.nan}
        common = fails["group"].value_counts(sort=False)
        # most frequent first; ties in order of first appearance (students alphabetical)
        ranked = sorted(common.items(), key=lambda kv: -kv[1])
        for i in range(top):
            msg, count = ranked[i] if i < len(ranked) else ("", pd.NA)
            row[f"message_{i + 1}"] = msg
            row[f"count_{i + 1}"] = count
        rows.append(row)
    columns = ["assignment", "exercise", "max_score", "submitted", "failed", "failure_rate"]
    columns += [f"{k}_{i + 1}" for i in range(top) for k in ("message", "count")]
    table = pd.DataFrame(rows, columns=columns)
    for i in range(top):
        table[f"count_{i + 1}"] = table[f"count_{i + 1}"].astype("Int64")
    return table


def _duration(seconds: float) -> str:
    minutes = int(round(seconds / 60))
    if minutes < 1:
        return f"{seconds:.0f} s"
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [f"{days} d"] * bool(days) + [f"{hours} h"] * bool(hours) + [f"{mins} min"] * bool(mins)
    return " ".join(parts) or "0 min"


def late_submissions(data: ReportData) -> pd.DataFrame:
    """Late submissions, latest first within each assignment: student, assignment, timestamp,
    duedate (with any extension), late_seconds, late_by (readable), penalty, score, max_score."""
    subs = data.submissions[data.submissions["late"]].copy()
    subs["late_by"] = [_duration(s) for s in subs["late_seconds"]]
    rank = {a: i for i, a in enumerate(data.assignments)}
    subs["_rank"] = subs["assignment"].map(rank)
    subs = subs.sort_values(["_rank", "late_seconds", "student"], ascending=[True, False, True])
    return subs[["student", "assignment", "timestamp", "duedate", "late_seconds", "late_by", "penalty", "score",
                 "max_score"]].reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Plots (matplotlib's object API with the Agg canvas: no pyplot, no global backend switch)


def _short_names(assignments: Sequence[str]) -> dict[str, str]:
    short = {a: a.split("_")[0] for a in assignments}
    return short if len(set(short.values())) == len(short) else {a: a for a in assignments}


def _png(fig) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    return buf.getvalue()


def _histogram(data: ReportData, assignment: str) -> bytes:
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


def _failure_bars(data: ReportData, table: pd.DataFrame) -> bytes:
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


def _heatmap(data: ReportData) -> bytes:
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


# --------------------------------------------------------------------------------------------
# HTML

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto; max-width: 70em;
       padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; } h2 { margin-top: 2em; border-bottom: 1px solid #ccc; } h3 { margin-bottom: .3em; }
table { border-collapse: collapse; margin: .5em 0 1em; font-size: .9em; }
th, td { border: 1px solid #ccc; padding: .25em .6em; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
th { background: #f2f2f2; }
img { max-width: 100%; height: auto; display: block; margin: .5em 0 1.5em; }
pre { white-space: pre-wrap; background: #f7f7f7; padding: .5em; margin: .2em 0 .8em; font-size: .85em; }
.muted { color: #666; }
"""


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _cell(value: object) -> str:
    if isinstance(value, (bool, np.bool_)):
        return f"<td>{'yes' if value else 'no'}</td>"
    if isinstance(value, (int, float, np.integer, np.floating)):
        text = "" if pd.isna(value) else (f"{value:.2f}" if isinstance(value, (float, np.floating)) else str(value))
        return f'<td class="num">{_e(text)}</td>'
    if value is pd.NaT or value is None:
        return "<td></td>"
    if isinstance(value, pd.Timestamp):
        return f"<td>{_e(value.strftime('%Y-%m-%d %H:%M UTC'))}</td>"
    return f"<td>{_e(value)}</td>"


def _table(frame: pd.DataFrame) -> str:
    head = "".join(f"<th>{_e(c)}</th>" for c in frame.columns)
    body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in frame.itertuples(index=False))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _img(png: bytes, alt: str) -> str:
    return f'<img alt="{_e(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}">'


def _failure_item(group: str, who: list[str]) -> str:
    """One line of "what failed, per check": a recognised cause in words, a headline pattern as code."""
    is_cause, text = _group_text(group)
    names = f' <span class="muted">({_e(", ".join(who))})</span>'
    if is_cause:
        return f"<li>{len(who)} student{'' if len(who) == 1 else 's'}: <b>{_e(text)}</b>{names}</li>"
    return f"<li>{len(who)} × <code>{_e(text)}</code>{names}</li>"


def what_failed_html(data: ReportData, checks: pd.DataFrame) -> str:
    """The report's "What failed, per check": per failed check, its failures grouped by cause
    (or headline pattern), largest group first, with who is in each."""
    parts = ["<h2>What failed, per check</h2>"]
    any_failure = False
    for a in data.assignments:
        rows = checks[(checks["assignment"] == a) & (checks["failed"] > 0)]
        if rows.empty:
            continue
        parts.append(f"<h3>{_e(a)}</h3>")
        for row in rows.itertuples(index=False):
            any_failure = True
            fails = data.failures[(data.failures["assignment"] == a) & (data.failures["exercise"] == row.exercise)]
            points = f"{row.max_score:g} point" + ("" if row.max_score == 1 else "s")
            parts.append(f"<p><b>{_e(row.exercise)}</b> ({points}): failed by {row.failed} of the "
                         f"{row.submitted} who submitted ({row.failure_rate:.0%}).</p>")
            grouped = fails.groupby("group", sort=False)["student"].agg(list)
            grouped = grouped.loc[sorted(grouped.index, key=lambda p: -len(grouped[p]))]
            items = "".join(_failure_item(g, who) for g, who in grouped.items())
            parts.append(f"<ul>{items}</ul>")
    if not any_failure:
        parts.append("<p>No check failed.</p>")
    return "\n".join(parts)


def _html(data: ReportData, summary: pd.DataFrame, checks: pd.DataFrame, late: pd.DataFrame,
          images: dict[str, tuple[str, bytes]]) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Grade report: {_e(data.course_root.name)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>Grade report: {_e(data.course_root.name)}</h1>",
        f'<p class="muted">From {_e(data.gradebook)} and the autograded notebooks, '
        f"{_e(_dt.datetime.now(_dt.timezone.utc).strftime('%Y-%m-%d %H:%M UTC'))}. "
        f"{len(data.students)} students in the gradebook.</p>",
    ]
    if data.not_graded:
        parts.append(f'<p class="muted">Not graded yet (left out): {_e(", ".join(data.not_graded))}.</p>')

    parts.append("<h2>Summary</h2>")
    parts.append(_table(summary))
    for a in data.assignments:
        parts.append(_img(images[f"score_hist_{a}"][1], f"score histogram of {a}"))

    parts.append("<h2>Checks</h2>")
    parts.append(_img(images["failure_rates"][1], "failure rate per check"))
    parts.append(_img(images["heatmap"][1], "fraction of points per exercise and student"))

    parts.append(what_failed_html(data, checks))

    parts.append("<h2>Late submissions</h2>")
    if late.empty:
        parts.append("<p>None.</p>")
    else:
        parts.append(_table(late.drop(columns=["late_seconds"])))

    missing = data.submissions[~data.submissions["submitted"]]
    parts.append("<h2>Missing submissions</h2>")
    if missing.empty:
        parts.append("<p>None.</p>")
    else:
        parts.append(_table(missing[["student", "assignment"]]))

    if not data.failures.empty:
        parts.append("<h2>Every failure message</h2>")
        for a in data.assignments:
            fails = data.failures[data.failures["assignment"] == a]
            if fails.empty:
                continue
            parts.append(f"<details><summary>{_e(a)}: {len(fails)} messages</summary>")
            for r in fails.itertuples(index=False):
                parts.append(f"<h3>{_e(r.exercise)} · {_e(r.student)}</h3><pre>{_e(r.message or r.headline)}</pre>")
            parts.append("</details>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


# --------------------------------------------------------------------------------------------
# Writing


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
        images[f"score_hist_{a}"] = (f"score_hist_{a}.png", _histogram(data, a))
    images["failure_rates"] = ("failure_rates.png", _failure_bars(data, checks))
    images["heatmap"] = ("heatmap.png", _heatmap(data))
    for key, (name, png) in images.items():
        (out / name).write_bytes(png)
        paths[key] = out / name

    page = out / "report.html"
    page.write_text(_html(data, summary, checks, late, images), encoding="utf-8")
    paths["html"] = page
    return paths
