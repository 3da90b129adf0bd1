"""A class of 30: 20 honest submissions and 10 hostile ones, graded with one command.

The honest ones must score exactly what they score in a class of their own (stock
`nbgrader autograde`), every readable hostile one must be graded, and no line of `reference/`
or of a hidden test may reach any feedback file.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import nbformat
import pytest

from conftest import ROOT, nbgrader, submit
from corpus import CORPUS, build_submission, load_variant
from graders.report.scores import cell_scores
from test_fastgrade import calc4ml
from test_hostile import _class, short_timeout_course

A = "w1_cost_minimization"
HOSTILE = ("h_badjson", "h_empty", "h_duplicate_cell", "h_deleted_tests", "h_stripped_metadata", "h_wrong_kernel",
           "h_snoop", "h_exit", "h_endless", "h_memory_bomb")
pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    alone = short_timeout_course(tmp_path_factory.mktemp("alone") / "course")
    whole = short_timeout_course(tmp_path_factory.mktemp("class30") / "course")
    release = nbformat.read(whole / "release" / A / f"{A}.ipynb", as_version=4)
    variants = [load_variant(p) for p in sorted((CORPUS / A).glob("*.py"))]
    honest = [v for v in variants if v.kind in ("correct", "bug")]
    honest = (honest * 2)[:20]  # every correct style and typical bug, a few twice
    assert len(honest) == 20
    for i, v in enumerate(honest):
        nb = build_submission(release, A, v)
        submit(alone, f"honest_{i:02d}", A, nb)
        submit(whole, f"honest_{i:02d}", A, nb)
    hostile = _class(release)
    for name in HOSTILE:
        submit(whole, name, A, hostile[name])
    nbgrader(alone, "autograde", A, "--force")
    run = calc4ml(whole, "grade", A, "--jobs", "2", check=False)  # the one command: grade and feedback
    return alone, whole, run


def test_the_class_grades_to_completion_with_one_command(graded):
    _, whole, run = graded
    readable = 30 - 2  # invalid JSON and an empty file cannot be graded; they are named
    assert f"graded {readable} of 30 submissions" in run.stdout, run.stdout + run.stderr
    for student in ("h_badjson", "h_empty"):
        assert f"FAILED {student} / {A}:" in run.stdout
    scores = cell_scores(whole, [A])
    assert len({s for (_, s, _) in scores}) == readable
    pages = list((whole / "feedback").glob(f"*/{A}/{A}.html"))
    assert len(pages) == readable


def test_honest_submissions_score_as_in_a_class_of_their_own(graded):
    alone, whole, _ = graded
    mine = {k: v for k, v in cell_scores(whole, [A]).items() if k[1].startswith("honest_")}
    theirs = cell_scores(alone, [A])
    assert len(theirs) == 20 * 7 and mine == theirs


def _secret_lines(course: Path) -> list[str]:
    """Lines of the reference and of the hidden tests that would give something away."""
    lines = [l.strip() for l in (ROOT / "reference" / f"{A}.py").read_text().splitlines()]
    source = nbformat.read(ROOT / "source" / A / f"{A}.ipynb", as_version=4)
    for cell in source.cells:
        for block in re.findall(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", cell.source, re.S):
            lines += [l.strip() for l in block.splitlines()]
    return [l for l in lines if len(l) > 20 and not l.startswith(("#", '"""'))]


def test_no_line_of_the_reference_or_hidden_tests_reaches_feedback(graded):
    _, whole, _ = graded
    secrets = _secret_lines(whole)
    assert len(secrets) > 10
    for page in (whole / "feedback").glob(f"*/{A}/*.html"):
        text = html.unescape(page.read_text())
        own = (whole / "submitted" / page.parts[-3] / A / f"{A}.ipynb").read_text()
        # what the student wrote is theirs to see (a correct solution may equal the reference)
        leaked = [l for l in secrets if l in text and json.dumps(l, ensure_ascii=False)[1:-1] not in own]
        assert not leaked, f"{page}: {leaked[:3]}"
