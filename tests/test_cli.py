"""`calc4ml`: one clear line on bad input, and `release --check` that notices a stale release."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from conftest import ROOT, make_course, nbgrader
from test_fastgrade import calc4ml


@pytest.fixture()
def bare_course(tmp_path: Path) -> Path:
    course = make_course(tmp_path / "course")
    shutil.copytree(ROOT / "release", course / "release")
    return course


def _error(proc) -> str:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr  # one line, no traceback
    return lines[0]


def test_unknown_assignment_names_the_known_ones(bare_course: Path) -> None:
    err = _error(calc4ml(bare_course, "grade", "w9_nothing", check=False))
    assert err == ("calc4ml: error: no assignment 'w9_nothing' in source/ "
                   "(known: w1_cost_minimization, w2_linear_regression, w3_two_layer_network, w4_newtons_method)")


def test_empty_submitted_folder_says_what_to_do(bare_course: Path) -> None:
    (bare_course / "submitted").mkdir()
    err = _error(calc4ml(bare_course, "grade", "w1_cost_minimization", check=False))
    assert err == (f"calc4ml: error: {bare_course / 'submitted'} is empty: collect submissions into "
                   "submitted/<student>/<assignment>/ first")


def test_unknown_student_is_refused(bare_course: Path) -> None:
    shutil.copytree(ROOT / "submitted" / "ada_fictional", bare_course / "submitted" / "ada_fictional")
    err = _error(calc4ml(bare_course, "grade", "w1_cost_minimization", "--student", "zed", check=False))
    assert err == ("calc4ml: error: no submission of student 'zed' for w1_cost_minimization in submitted/ "
                   "(1 students have one, e.g. ada_fictional)")


def test_not_a_course_folder(tmp_path: Path) -> None:
    err = _error(calc4ml(tmp_path, "release", check=False))
    assert err == f"calc4ml: error: {tmp_path} has no nbgrader_config.py: run calc4ml in the course folder or pass --course DIR"


def test_report_before_grading_says_to_grade_first(bare_course: Path) -> None:
    err = _error(calc4ml(bare_course, "report", check=False))
    assert err.startswith("calc4ml: error: no gradebook at ") and "nbgrader autograde" in err


@pytest.mark.e2e
def test_release_check_finds_a_stale_release(bare_course: Path) -> None:
    a = "w1_cost_minimization"
    ok = calc4ml(bare_course, "release", a, "--check")
    assert f"release/ is in sync with source/ for {a}" in ok.stdout
    path = bare_course / "release" / a / f"{a}.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells[0].source += "\nedited by hand"
    nbformat.write(nb, path)
    stale = calc4ml(bare_course, "release", a, "--check", check=False)
    assert stale.returncode == 1
    assert f"{a}: release/{a}/{a}.ipynb differs from what source/ generates" in stale.stdout
    calc4ml(bare_course, "release", a)
    assert calc4ml(bare_course, "release", a, "--check").returncode == 0


@pytest.mark.e2e
def test_grade_writes_feedback_in_its_workers_and_resume_says_what_it_regrades(bare_course: Path) -> None:
    import json

    from graders.run.fastgrade import JOURNAL

    a = "w1_cost_minimization"
    nbgrader(bare_course, "generate_assignment", a, "--force")  # the gradebook knows the assignment
    shutil.copytree(ROOT / "submitted" / "ada_fictional", bare_course / "submitted" / "ada_fictional")
    html = bare_course / "feedback" / "ada_fictional" / a / f"{a}.html"
    out = calc4ml(bare_course, "grade", a, "--quiet", "--jobs", "1")
    assert html.exists(), out.stdout
    assert f"feedback of 1 submissions written to {bare_course / 'feedback'} by the grading workers" in out.stdout
    # the worker that graded it wrote it, and journaled that it did
    [entry] = [json.loads(line) for line in (bare_course / JOURNAL).read_text().splitlines()]
    assert entry["success"] and entry["feedback"] is True and set(entry["course"]) == {
        "graders", "reference", "release", "config"}
    # unchanged: --resume skips it; the configuration changed: --resume grades it again and says why
    html.unlink()
    skipped = calc4ml(bare_course, "grade", a, "--quiet", "--jobs", "1", "--resume")
    assert "1 already graded, skipped (--resume)" in skipped.stdout and "regraded" not in skipped.stdout
    config = bare_course / "nbgrader_config.py"
    config.write_text(config.read_text() + "\n# edited after grading\n")
    regraded = calc4ml(bare_course, "grade", a, "--quiet", "--jobs", "1", "--resume", "--no-feedback")
    assert "graded 1 of 1 submissions" in regraded.stdout, regraded.stdout
    assert "1 regraded because config changed since they were graded (--resume)" in regraded.stdout
    assert not html.exists() and "feedback of" not in regraded.stdout  # --no-feedback
    helptext = calc4ml(bare_course, "grade", "--help").stdout
    assert "--no-feedback" in helptext and "nbgrader_config.py changed" in helptext
