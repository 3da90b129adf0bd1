"""The corpus graded end to end by the stock `nbgrader autograde` with the course config.

Every correct variant scores full marks; every bug loses exactly the test cells it names;
every attack scores no more, cell by cell, than the same code without the tampering.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from conftest import ROOT, nbgrader
from corpus import build_submission, load_variant

ASSIGNMENT = "w1_cost_minimization"
CORPUS = ROOT / "tests" / "corpus" / ASSIGNMENT
VARIANTS = {p.stem: load_variant(p) for p in sorted(CORPUS.glob("*.py"))}

pytestmark = pytest.mark.e2e


def cell_scores(course: Path, student: str) -> dict[str, tuple[float, float]]:
    """(score, max) of every autograded test cell, read through nbgrader's own Gradebook API."""
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        nb = gb.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, student)
        return {g.name: (float(g.score), float(g.max_score)) for g in nb.grades if g.cell_type == "code"}


@pytest.fixture(scope="module")
def graded(course: Path) -> dict[str, dict[str, tuple[float, float]]]:
    release = nbformat.read(course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    for name, variant in VARIANTS.items():
        folder = course / "submitted" / name / ASSIGNMENT
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(build_submission(release, ASSIGNMENT, variant), folder / f"{ASSIGNMENT}.ipynb")
    nbgrader(course, "autograde", ASSIGNMENT, "--force")
    nbgrader(course, "generate_feedback", ASSIGNMENT, "--force")
    return {name: cell_scores(course, name) for name in VARIANTS}


def verdict_messages(course: Path, student: str) -> dict[str, str]:
    nb = json.loads((course / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text())
    out = {}
    for cell in nb["cells"]:
        gid = cell["metadata"].get("nbgrader", {}).get("grade_id")
        errors = [o["evalue"] for o in cell.get("outputs", []) if o["output_type"] == "error"]
        if gid and errors:
            out[gid] = errors[-1]
    return out


def test_corpus_has_every_kind():
    kinds = {v.kind for v in VARIANTS.values()}
    assert kinds == {"correct", "bug", "attack"}
    assert sum(v.kind == "correct" for v in VARIANTS.values()) >= 4


@pytest.mark.parametrize("name", [n for n, v in VARIANTS.items() if v.kind != "attack"])
def test_correct_and_bug_variants_lose_exactly_their_exercises(graded, name):
    scores = graded[name]
    variant = VARIANTS[name]
    assert scores, f"{name} was not graded"
    assert variant.expect_lost <= set(scores), f"unknown grade ids in {name}: {variant.expect_lost - set(scores)}"
    lost = {gid for gid, (score, maximum) in scores.items() if score < maximum}
    partial = {gid: s for gid, s in scores.items() if 0 < s[0] < s[1]}
    assert not partial, f"{name}: partial credit {partial}"
    assert lost == variant.expect_lost, f"{name} ({variant.why}): lost {sorted(lost)}, expected {sorted(variant.expect_lost)}"


@pytest.mark.parametrize("name", [n for n, v in VARIANTS.items() if v.kind == "attack"])
def test_attacks_gain_nothing(graded, name):
    variant = VARIANTS[name]
    baseline = graded[variant.baseline]
    scores = graded[name]
    gained = {gid: (scores[gid][0], baseline[gid][0]) for gid in scores if scores[gid][0] > baseline[gid][0]}
    assert not gained, f"{name} ({variant.why}) scored more than {variant.baseline}: {gained}"
    assert sum(s for s, _ in scores.values()) <= sum(s for s, _ in baseline.values())


def test_bug_messages_teach_without_revealing(graded, course):
    sign = verdict_messages(course, "bug_dL_sign")["test_dLdOmega"]
    assert "dLdOmega on the course data: not the slope of L." in sign
    assert "hint: your values are -1 times the slope" in sign
    two = verdict_messages(course, "bug_dL_missing_2")["test_dLdOmega"]
    assert "hint: your values are 0.5 times the slope (a missing factor 2?)" in two
    hard = verdict_messages(course, "bug_optimal_hardcoded")["test_optimal_omega"]
    assert hard.startswith("optimal_omega on a hidden price series of 37 months: dL/domega is not zero at your omega* = 0.323416")
    series = verdict_messages(course, "bug_load_series")["test_load_prices"]
    assert "load_prices on data/prices.csv, prices_a: expected a numpy array, got pandas.Series" in series
    stub = verdict_messages(course, "bug_optimal_stub")["test_optimal_omega"]
    assert "NotImplementedError" in stub
    ddof = verdict_messages(course, "bug_ddof1")["test_L_of_omega"]
    assert "L_of_omega on the course data: wrong values." in ddof
    assert "worst at index 4 (omega=1.7): yours 125.263\n" in ddof
    assert "hint: your values are about 1.02 times the expected ones (off by a constant factor)" in ddof
    assert not re.search(r"expected -?\d", ddof)  # no reference value shown


def test_stderr_and_prints_kept_but_free(graded, course):
    nb = json.loads((course / "autograded" / "correct_matrix_and_warnings" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text())
    cell = next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "test_dLdOmega")
    text = "".join(_text(o) for o in cell["outputs"])
    assert "debug: computing the derivative" in text and "[stderr]" in text
    assert all(o["output_type"] != "error" for o in cell["outputs"])


def _text(output: dict) -> str:
    text = output.get("text", "")
    return "".join(text) if isinstance(text, list) else text


def test_sandbox_hides_reference_and_source(graded, course):
    nb = json.loads((course / "autograded" / "attack_import_reference" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text())
    printed = "".join(_text(o) for c in nb["cells"] for o in c.get("outputs", []))
    assert "READ" not in printed  # the source notebook was never found
    assert graded["attack_import_reference"]["test_dLdOmega"][0] == 0  # nor the reference


def test_feedback_holds_no_reference_code(graded, course):
    reference_src = (ROOT / "reference" / f"{ASSIGNMENT}.py").read_text()
    secret_lines = [l.strip() for l in reference_src.splitlines() if l.strip().startswith("return ") and len(l.strip()) > 25]
    assert secret_lines
    for html in (course / "feedback").rglob("*.html"):
        text = html.read_text()
        student = html.relative_to(course / "feedback").parts[0]
        submitted = (course / "submitted" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text()
        for line in secret_lines:
            if json.dumps(line)[1:-1] in submitted:
                continue  # the corpus builds on the reference: this student wrote that line too
            assert line not in text, f"{html} shows reference code: {line}"
