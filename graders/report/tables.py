"""The report's tables (pandas), each from the long tables of :class:`ReportData`."""

from __future__ import annotations

import math

import pandas as pd

from graders.report.collect import ReportData

__all__ = ["lms_grades", "exercise_scores", "assignment_summary", "check_failures", "late_submissions", "TOP_MESSAGES"]

#: How many of the most common headlines per check go into ``check_failures.csv``.
TOP_MESSAGES = 3


def lms_grades(data: ReportData) -> pd.DataFrame:
    """student_id, assignment, score, max_score: every student × assignment, 0 if not submitted;
    then what decided the score beyond the autograder: duedate (UTC, with any extension),
    submitted_at, late_penalty (points off under the late policy) and ta_overrides (scores a TA
    set and comments written in formgrader, see ``ta_overrides`` in :class:`ReportData`)."""
    subs = data.submissions
    out = subs[["student", "assignment", "score", "max_score", "duedate", "timestamp", "penalty", "ta_overrides"]].rename(
        columns={"student": "student_id", "timestamp": "submitted_at", "penalty": "late_penalty"})
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


