"""Environment faults are never charged to students (issue 14, finding 1): a course copied with
its own ``graders/`` grades as the original, and `calc4ml grade` grades the solution notebooks
first and records nothing when they do not score full marks."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from conftest import ROOT, make_course, nbgrader, submit
from corpus import CORPUS, build_submission, load_variant
from graders.report.scores import cell_scores
from test_fastgrade import calc4ml

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed")]

A = "w1_cost_minimization"


def _points(course: Path) -> dict[str, float]:
    nb = nbformat.read(course / "source" / A / f"{A}.ipynb", as_version=4)
    return {c.metadata["nbgrader"]["grade_id"]: float(c.metadata["nbgrader"]["points"])
            for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")}


def _course(tmp_path: Path, *, with_graders: bool) -> Path:
    course = make_course(tmp_path / "course")
    if with_graders:  # an instructor's copy of the whole folder, graded with the original's venv
        shutil.copytree(ROOT / "graders", course / "graders", ignore=shutil.ignore_patterns("__pycache__"))
    nbgrader(course, "generate_assignment", A, "--force")
    release = nbformat.read(course / "release" / A / f"{A}.ipynb", as_version=4)
    submit(course, "correct", A, build_submission(release, A, load_variant(CORPUS / A / "correct_loops.py")))
    return course


def test_a_course_copied_with_its_own_graders_grades_like_the_original(tmp_path: Path) -> None:
    course = _course(tmp_path, with_graders=True)
    full = {(A, "correct", gid): pts for gid, pts in _points(course).items()}
    nbgrader(course, "autograde", A, "--force")
    assert cell_scores(course, [A]) == full  # the kernel imports the graders it was given: full marks, not 0
    out = calc4ml(course, "grade", A, "--quiet", "--no-feedback")
    assert "canary: the solution notebooks of w1_cost_minimization score full marks" in out.stdout, out.stdout
    assert cell_scores(course, [A]) == full


def test_the_canary_stops_a_run_in_a_broken_environment_and_records_nothing(tmp_path: Path) -> None:
    course = _course(tmp_path, with_graders=False)
    with open(course / "nbgrader_config.py", "a") as f:
        f.write("\nc.Execute.kernel_name = 'no_such_kernel'  # a kernelspec this machine does not have\n")
    out = calc4ml(course, "grade", A, "--quiet", check=False)
    assert out.returncode == 2, out.stdout + out.stderr
    assert "nothing was graded" in out.stderr and "no_such_kernel" in out.stderr, out.stderr
    assert cell_scores(course, [A]) == {} if (course / "gradebook.db").exists() else True
    assert not (course / "autograded").exists() and not (course / "feedback").exists()
