"""`nbgrader validate` as a student runs it: on the release notebook, outside the course."""

from __future__ import annotations

import shutil

import nbformat
import pytest

from conftest import ROOT, nbgrader
from corpus import build_submission, load_variant

ASSIGNMENT = "w1_cost_minimization"
pytestmark = pytest.mark.e2e


def student_copy(tmp_path, variant=None):
    shutil.copytree(ROOT / "release" / ASSIGNMENT, tmp_path / ASSIGNMENT)
    path = tmp_path / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    nb = nbformat.read(path, as_version=4)
    if variant is not None:
        nbformat.write(build_submission(nb, ASSIGNMENT, variant), path)
    return path


def test_validate_passes_a_correct_solution(tmp_path):
    path = student_copy(tmp_path, load_variant(ROOT / "tests" / "corpus" / ASSIGNMENT / "correct_loops.py"))
    out = nbgrader(path.parent, "validate", path.name).stdout
    assert "Success! Your notebook passes all the tests." in out


def test_validate_fails_the_stub_with_a_readable_message(tmp_path):
    path = student_copy(tmp_path)
    out = nbgrader(path.parent, "validate", path.name).stdout
    assert "VALIDATION FAILED ON 7 CELL(S)!" in out
    assert "NotImplementedError" in out


def test_validate_shows_the_visible_test_message(tmp_path):
    path = student_copy(tmp_path, load_variant(ROOT / "tests" / "corpus" / ASSIGNMENT / "bug_dL_missing_2.py"))
    out = nbgrader(path.parent, "validate", path.name).stdout
    assert "VALIDATION FAILED ON 2 CELL(S)!" in out  # the derivative, and the array version built on it
    assert "CheckFailure: dLdOmega(0, [1, 3], [3, 1]): wrong value." in out
    assert "yours -2, expected -4" in out
