"""graders.report on a class graded by the stock `nbgrader autograde`.

The four fictional students of `submitted/` hand in w1 (blaise late, against a due date set with
`nbgrader db assignment add`) and w2 (emmy does not); w3 is released but not graded. Every number
below is checked against the gradebook or against the mistakes those submissions are known to
contain.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import stat
from pathlib import Path

import pandas as pd
import pytest
from nbgrader.api import Gradebook, MissingEntry

from conftest import ROOT, corpus_lost, full_marks, make_course, nbgrader, points
from graders.report import ReportData, ReportError, collect, headline, pattern, write_report
from make_fictional import STUDENTS as FICTIONAL

W1, W2, W3 = "w1_cost_minimization", "w2_linear_regression", "w3_two_layer_network"
STUDENTS = ("ada_fictional", "blaise_fictional", "carl_fictional", "emmy_fictional")
DUE_W1 = "2024-03-08 23:59:00 UTC"
#: (student, assignment) -> timestamp.txt written into the submission
TIMESTAMPS = {("ada_fictional", W1): "2024-03-01 09:00:00.000000 UTC",  # on time
              ("blaise_fictional", W1): "2024-03-10 12:00:00.000000 UTC"}  # 1 d 12 h 1 min late
#: Fraction of the score the late policy takes: 1 d 12 h late is 2 started days, 10% each.
LATE_FRACTION = {("blaise_fictional", W1): 0.2}
#: (student, assignment) pairs not handed in
MISSING = {("emmy_fictional", W2)}
#: What the fictional submissions get wrong: (student, assignment, exercise) -> points lost. Each
#: is corpus variants merged (tools/make_fictional.py): it loses what their expect-lost headers
#: name, the points the notebooks give those cells.
KNOWN_FAILURES = {(s, a, gid): points(a)[gid] for s in STUDENTS for a in (W1, W2) if (s, a) not in MISSING
                  for gid in corpus_lost(a, *FICTIONAL[s][a])}


def expected_total(student: str, assignment: str) -> float:
    """What the gradebook must hold: full marks less the known failures; 0 when not handed in."""
    if (student, assignment) in MISSING:
        return 0.0
    return full_marks(assignment) - sum(p for (s, a, _), p in KNOWN_FAILURES.items() if (s, a) == (student, assignment))

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Path:
    """A course where w1 (4 students) and w2 (3 students) are autograded; w3 only released."""
    course = make_course(tmp_path_factory.mktemp("report_course"))
    for a in (W1, W2, W3):
        nbgrader(course, "generate_assignment", a, "--force")
    for student in STUDENTS:
        for a in (W1, W2):
            if (student, a) in MISSING:
                continue  # the missing submission
            shutil.copytree(ROOT / "submitted" / student / a, course / "submitted" / student / a)
    for (student, a), stamp in TIMESTAMPS.items():
        (course / "submitted" / student / a / "timestamp.txt").write_text(stamp + "\n")
    nbgrader(course, "db", "assignment", "add", W1, f"--duedate={DUE_W1}")
    nbgrader(course, "autograde", W1)
    nbgrader(course, "autograde", W2)
    return course


@pytest.fixture(scope="module")
def report(graded, tmp_path_factory) -> dict[str, Path]:
    return write_report(graded, tmp_path_factory.mktemp("report_out"))


def gradebook_totals(course: Path) -> dict[tuple[str, str], tuple[float, float]]:
    """(student, assignment) -> (score after late penalty, max_score), straight from nbgrader."""
    totals = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for a in (W1, W2):
            max_score = gb.find_assignment(a).max_score
            for s in gb.students:
                try:
                    sub = gb.find_submission(a, s.id)
                except MissingEntry:
                    totals[(s.id, a)] = (0.0, max_score)
                else:
                    totals[(s.id, a)] = (max(0.0, sub.score - (sub.late_submission_penalty or 0.0)), max_score)
    return totals


def test_lms_grades_equal_the_gradebook(graded, report):
    lms = pd.read_csv(report["lms"])
    assert list(lms.columns) == ["student_id", "assignment", "score", "max_score", "duedate", "submitted_at",
                                 "late_penalty", "ta_overrides"]
    got = {(r.student_id, r.assignment): (r.score, r.max_score) for r in lms.itertuples()}
    assert len(lms) == len(got) == 8  # every student x graded assignment, once
    assert got == gradebook_totals(graded)
    # and the gradebook agrees with what the submissions are known to get wrong
    for (student, a), (score, max_score) in got.items():
        kept = 1 - LATE_FRACTION.get((student, a), 0.0)  # the course's late policy (graders.exchange.LatePolicy)
        assert (score, max_score) == (expected_total(student, a) * kept, full_marks(a)), (student, a)


def test_missing_submission_is_reported_not_dropped(graded, report):
    lms = pd.read_csv(report["lms"])
    emmy = lms[(lms.student_id == "emmy_fictional") & (lms.assignment == W2)]
    assert emmy[["score", "max_score"]].values.tolist() == [[0.0, full_marks(W2)]]

    data = collect(graded)
    sub = data.submissions.set_index(["student", "assignment"])
    assert not sub.loc[("emmy_fictional", W2), "submitted"]
    assert sub["submitted"].sum() == 7

    wide = pd.read_csv(report["exercise_scores"], index_col="student")
    assert wide.loc["emmy_fictional", [c for c in wide.columns if c.startswith(W2 + "/")]].isna().all()
    assert wide.loc["emmy_fictional", f"{W1}/total"] == expected_total("emmy_fictional", W1)

    summary = pd.read_csv(report["assignment_summary"]).set_index("assignment")
    assert summary.loc[W2, ["students", "submitted", "missing"]].tolist() == [4, 3, 1]
    assert summary.loc[W1, ["students", "submitted", "missing"]].tolist() == [4, 4, 0]

    page = report["html"].read_text()
    missing = page.split("<h2>Missing submissions</h2>")[1].split("<h2>")[0]
    assert "<td>emmy_fictional</td><td>w2_linear_regression</td>" in missing


def test_summary_statistics(report):
    summary = pd.read_csv(report["assignment_summary"]).set_index("assignment")
    for a in (W1, W2):  # emmy's missing w2 is not averaged in
        s = pd.Series([expected_total(student, a) * (1 - LATE_FRACTION.get((student, a), 0.0))
                       for student in STUDENTS if (student, a) not in MISSING])
        assert len(set(s)) > 2, s  # the statistics are not those of a constant
        row = summary.loc[a]
        assert row["mean"] == pytest.approx(s.mean())
        assert row["median"] == pytest.approx(s.median())
        assert row["std"] == pytest.approx(s.std())
        assert (row["min"], row["max"], row["max_score"]) == (s.min(), s.max(), full_marks(a))
    assert summary["late"].tolist() == [1, 0]
    assert list(summary.index) == [W1, W2]


def test_check_failures_count_the_known_mistakes(report):
    table = pd.read_csv(report["check_failures"])
    assert len(table) == len(points(W1)) + len(points(W2))  # every check of w1 and w2, failed or not
    for row in table.itertuples():
        known = [k for k in KNOWN_FAILURES if k[1:] == (row.assignment, row.exercise)]
        submitted = sum((s, row.assignment) not in MISSING for s in STUDENTS)
        assert (row.submitted, row.failed) == (submitted, len(known)), row
        assert row.failure_rate == pytest.approx(len(known) / submitted)
    row = table.set_index("exercise").loc["test_dLdOmega"]
    assert (row.message_1, row.count_1) == ("dLdOmega on the course data: not the slope of L.", 1)
    assert pd.isna(row.count_2) and pd.isna(row.message_2)
    # two students, two different mistakes in optimal_omega, one headline each
    row = table.set_index("exercise").loc["test_optimal_omega"]
    assert row.failed == 2 and (row.count_1, row.count_2) == (1, 1)
    assert {row.message_1, row.message_2} == {
        "optimal_omega on the course data: raised NotImplementedError",
        "optimal_omega on a hidden price series of # months: dL/domega is not zero at your omega* = #, "
        "so it is not the minimiser.",
    }


def test_failures_carry_the_graders_messages(report):
    failures = pd.read_csv(report["failures"])
    lost = {(r.student, r.assignment, r.exercise): r.max_score - r.score for r in failures.itertuples()}
    assert lost == KNOWN_FAILURES
    assert (failures["error"] == "CheckFailed").all()
    for r in failures.itertuples():
        assert r.headline == r.message.splitlines()[0]
    carl = failures.set_index(["student", "exercise"]).loc[("carl_fictional", "test_dLdOmega")]
    assert carl.headline == "dLdOmega on the course data: not the slope of L."
    assert "hint: your values are -1 times the slope" in carl.message


def test_late_submissions_from_the_gradebook(report):
    late = pd.read_csv(report["late_submissions"])
    assert late[["student", "assignment", "late_seconds", "late_by"]].values.tolist() == [
        ["blaise_fictional", W1, 129660.0, "1 d 12 h 1 min"]
    ]
    assert late.loc[0, "timestamp"] == "2024-03-10 12:00:00+00:00"
    assert late.loc[0, "duedate"] == "2024-03-08 23:59:00+00:00"
    page = report["html"].read_text()
    section = page.split("<h2>Late submissions</h2>")[1].split("<h2>")[0]
    assert "blaise_fictional" in section and "1 d 12 h 1 min" in section and "ada_fictional" not in section


def test_exercise_scores_wide(graded, report):
    wide = pd.read_csv(report["exercise_scores"], index_col="student")
    assert list(wide.index) == list(STUDENTS)
    w1_cols = [c for c in wide.columns if c.startswith(W1 + "/") and not c.endswith("/total")]
    assert [c.split("/")[1] for c in w1_cols] == [
        "test_load_prices", "test_f_of_omega", "test_L_of_omega", "test_L_of_omega_array",
        "test_dLdOmega", "test_dLdOmega_array", "test_optimal_omega",
    ]  # notebook order
    assert wide.loc["carl_fictional", f"{W1}/test_dLdOmega"] == 0.0
    assert wide.loc["ada_fictional", f"{W1}/test_dLdOmega"] == 3.0
    assert (wide[w1_cols].sum(axis=1) == wide[f"{W1}/total"]).all()
    with Gradebook(f"sqlite:///{graded / 'gradebook.db'}") as gb:
        for student in STUDENTS:
            nb = gb.find_submission_notebook(W2, W2, student) if student != "emmy_fictional" else None
            for grade in nb.grades if nb else []:
                assert wide.loc[student, f"{W2}/{grade.name}"] == grade.score


def test_default_reports_graded_assignments_only(graded):
    data = collect(graded)
    assert data.assignments == (W1, W2)
    assert data.not_graded == (W3,)
    assert data.students == STUDENTS
    assert len(data.scores) == 4 * 7 + 4 * 7
    assert collect(graded, [W2]).assignments == (W2,)


def test_html_is_self_contained(report):
    pngs = {k: p for k, p in report.items() if p.suffix == ".png"}
    assert set(pngs) == {"failure_rates", "heatmap", f"score_hist_{W1}", f"score_hist_{W2}"}
    assert {"html", "lms", "exercise_scores", "assignment_summary", "check_failures", "late_submissions"} <= set(report)
    page = report["html"].read_text()
    for key, path in pngs.items():
        data = path.read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 5000, key
        assert path.parent == report["html"].parent
        assert f'src="data:image/png;base64,{base64.b64encode(data).decode()}"' in page, key
    sources = re.findall(r'(?:src|href)="([^"]*)"', page)
    assert len(sources) == 4 and all(s.startswith("data:image/png;base64,") for s in sources)
    assert "<script" not in page.lower()


def test_html_escapes_what_students_can_put_in_messages(graded, tmp_path):
    course = tmp_path / "course"
    shutil.copytree(graded, course)
    nb_path = course / "autograded" / "carl_fictional" / W1 / f"{W1}.ipynb"
    os.chmod(nb_path, stat.S_IRUSR | stat.S_IWUSR)  # nbgrader leaves it read-only
    nb = json.loads(nb_path.read_text())
    evil = "<script>alert('pwned')</script> & <img src=x onerror=alert(1)>"
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "test_dLdOmega":
            [out] = [o for o in cell["outputs"] if o["output_type"] == "error"]
            out["evalue"] = f"dLdOmega: you returned {evil}\n  second line {evil}"
    nb_path.write_text(json.dumps(nb))

    paths = write_report(course, tmp_path / "out")
    page = paths["html"].read_text()
    assert "<script" not in page.lower() and "<img src=x" not in page
    assert "dLdOmega: you returned &lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt; &amp; &lt;img src=x" in page
    assert "second line &lt;script&gt;" in page  # the full message, escaped too
    failures = pd.read_csv(paths["failures"])
    assert f"dLdOmega: you returned {evil}" in failures["headline"].tolist()  # CSV keeps the raw text


def test_report_leaves_the_gradebook_untouched(graded, tmp_path):
    db = graded / "gradebook.db"
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    write_report(graded, tmp_path / "out", [W1])
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before


def test_errors_say_what_is_wrong_and_what_to_do(graded, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ReportError) as err:
        write_report(empty, tmp_path / "out")
    assert str(err.value) == f"no gradebook at {empty / 'gradebook.db'}: run `nbgrader autograde <assignment>` first"
    assert not (empty / "gradebook.db").exists() and not (tmp_path / "out").exists()

    fresh = tmp_path / "fresh"
    fresh.mkdir()
    with Gradebook(f"sqlite:///{fresh / 'gradebook.db'}") as gb:
        gb.add_assignment(W1)
        gb.add_student("ada_fictional")
    with pytest.raises(ReportError) as err:
        collect(fresh)
    assert str(err.value) == f"nothing graded in {fresh / 'gradebook.db'}: run `nbgrader autograde <assignment>` first"

    db = graded / "gradebook.db"
    with pytest.raises(ReportError) as err:
        collect(graded, [W1, W3])
    assert str(err.value) == f"nothing graded for {W3} in {db}: run `nbgrader autograde {W3}` first"
    with pytest.raises(ReportError) as err:
        collect(graded, ["w9_unknown"])
    assert str(err.value) == (
        f"no assignment w9_unknown in {db} (it has: {W1}, {W2}, {W3}): "
        "run `nbgrader generate_assignment w9_unknown` and `nbgrader autograde w9_unknown` first"
    )

    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "gradebook.db").write_text("not a database")
    with pytest.raises(ReportError) as err:
        collect(broken)
    assert str(err.value) == f"cannot read the gradebook at {broken / 'gradebook.db'}: " \
                             "(sqlite3.DatabaseError) file is not a database"


def test_headline_and_pattern():
    assert headline("\n  first line.\n  detail") == "first line."
    assert headline("", "NotImplementedError") == "NotImplementedError"
    assert pattern("omega* = 0.323416 at 37 months, step 1e-05 in w1 of test_f2") == \
        "omega* = # at # months, step # in w1 of test_f2"
    assert pattern("got pandas.Series: 0 102.06 1 102.58 2 95.35") == "got pandas.Series: #…"
    assert len(pattern("x " * 500)) == 200


def _failures_of(messages: dict[str, str], assignment: str, exercise: str) -> ReportData:
    """A ReportData holding one failure per student (``messages``: student -> the grader's message)."""
    from graders.kernel.checks import cause_of
    from graders.report import group_of

    students = tuple(sorted(messages))
    rows = [{"student": s, "assignment": assignment, "notebook": assignment, "exercise": exercise, "score": 0.0,
             "max_score": 1.0, "error": "CheckFailed", "headline": headline(m), "pattern": pattern(headline(m)),
             "cause": cause_of(m), "group": group_of(pattern(headline(m)), cause_of(m)), "message": m}
            for s, m in messages.items()]
    scores = pd.DataFrame([{"student": s, "assignment": assignment, "notebook": assignment, "exercise": exercise,
                            "score": 0.0, "max_score": 1.0, "submitted": True} for s in students])
    return ReportData(course_root=Path("course"), assignments=(assignment,), students=students, scores=scores,
                      submissions=pd.DataFrame(), failures=pd.DataFrame(rows),
                      exercises=pd.DataFrame([{"assignment": assignment, "notebook": assignment, "exercise": exercise,
                                               "max_score": 1.0}]), gradebook=Path("gradebook.db"))


def test_failures_are_grouped_by_the_recognised_cause():
    """Seven students reading notebook globals, with seven different numbers and two wordings,
    are one line of the report; failures without a recognised cause stay grouped by pattern."""
    from graders.kernel.checks import CAUSES, cause
    from graders.report import check_failures, what_failed_html

    recognised = cause(CAUSES["globals"], "use the arguments")
    globals_ = {f"student_{i}": (f"E on a hidden data set of {3 + i} points: exactly the same result as on the course data."
                                 if i % 2 else f"E on the course data: wrong values.\n  worst at index {i}: yours {i}.5")
                + recognised for i in range(7)}
    unrecognised = {f"other_{i}": f"E on the course data: wrong values.\n  worst at index {i}: yours {i}.25" for i in range(2)}
    assert len({pattern(headline(m)) for m in globals_.values()}) == 2  # the headlines alone would split them
    data = _failures_of({**globals_, **unrecognised}, W2, "test_E")

    row = check_failures(data).iloc[0]
    assert (row.failed, row.message_1, row.count_1) == (len(globals_) + len(unrecognised),
                                                        "cause: global variables instead of arguments", len(globals_))
    assert (row.message_2, row.count_2) == ("E on the course data: wrong values.", len(unrecognised))
    page = what_failed_html(data, check_failures(data))
    assert f"<li>{len(globals_)} students: <b>global variables instead of arguments</b>" in page
    assert f"<li>{len(unrecognised)} × <code>E on the course data: wrong values.</code>" in page
    assert page.count("<li>") == 2
