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

from conftest import ROOT, expected_scores, nbgrader, points
from corpus import build_submission, load_variant

from conftest import ASSIGNMENTS

#: (assignment, variant name) -> variant, for every file in tests/corpus/<assignment>/
VARIANTS = {
    (a, p.stem): load_variant(p) for a in ASSIGNMENTS for p in sorted((ROOT / "tests" / "corpus" / a).glob("*.py"))
}
ASSIGNMENT = "w1_cost_minimization"

pytestmark = pytest.mark.e2e


def cell_scores(course: Path, student: str, assignment: str = ASSIGNMENT) -> dict[str, tuple[float, float]]:
    """(score, max) of every autograded test cell, read through nbgrader's own Gradebook API."""
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        nb = gb.find_submission_notebook(assignment, assignment, student)
        return {g.name: (float(g.score), float(g.max_score)) for g in nb.grades if g.cell_type == "code"}


@pytest.fixture(scope="module")
def graded(course: Path) -> dict[tuple[str, str], dict[str, tuple[float, float]]]:
    """Every corpus variant submitted as a student named after it, graded by stock nbgrader."""
    for assignment in ASSIGNMENTS:
        release = nbformat.read(course / "release" / assignment / f"{assignment}.ipynb", as_version=4)
        for (a, name), variant in VARIANTS.items():
            if a != assignment:
                continue
            folder = course / "submitted" / name / assignment
            folder.mkdir(parents=True, exist_ok=True)
            nbformat.write(build_submission(release, assignment, variant), folder / f"{assignment}.ipynb")
        nbgrader(course, "autograde", assignment, "--force")
        nbgrader(course, "generate_feedback", assignment, "--force")
    return {(a, name): cell_scores(course, name, a) for (a, name) in VARIANTS}


def autograded_nb(course: Path, student: str, assignment: str = ASSIGNMENT) -> dict:
    return json.loads((course / "autograded" / student / assignment / f"{assignment}.ipynb").read_text())


def verdict_messages(course: Path, student: str, assignment: str = ASSIGNMENT) -> dict[str, str]:
    nb = autograded_nb(course, student, assignment)
    out = {}
    for cell in nb["cells"]:
        gid = cell["metadata"].get("nbgrader", {}).get("grade_id")
        errors = [o["evalue"] for o in cell.get("outputs", []) if o["output_type"] == "error"]
        if gid and errors:
            out[gid] = errors[-1]
    return out


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_corpus_has_every_kind(assignment):
    mine = [v for (a, _), v in VARIANTS.items() if a == assignment]
    assert {v.kind for v in mine} == {"correct", "bug", "attack"}
    assert sum(v.kind == "correct" for v in mine) >= 4


@pytest.mark.parametrize("key", [k for k, v in VARIANTS.items() if v.kind != "attack"], ids="/".join)
def test_correct_and_bug_variants_lose_exactly_their_exercises(graded, key):
    scores = graded[key]
    variant = VARIANTS[key]
    name = key[1]
    assert scores, f"{name} was not graded"
    assert variant.expect_lost <= set(scores), f"unknown grade ids in {name}: {variant.expect_lost - set(scores)}"
    lost = {gid for gid, (score, maximum) in scores.items() if score < maximum}
    partial = {gid: s for gid, s in scores.items() if 0 < s[0] < s[1]}
    assert not partial, f"{name}: partial credit {partial}"
    assert lost == variant.expect_lost, f"{name} ({variant.why}): lost {sorted(lost)}, expected {sorted(variant.expect_lost)}"
    # and the points are the notebook's: each cell scores its points or 0, as the header says
    assert {gid: s for gid, (s, _) in scores.items()} == expected_scores(key[0], variant.expect_lost)
    assert {gid: m for gid, (_, m) in scores.items()} == expected_scores(key[0])


@pytest.mark.parametrize("key", [k for k, v in VARIANTS.items() if v.kind == "attack"], ids="/".join)
def test_attacks_gain_nothing(graded, key):
    variant = VARIANTS[key]
    baseline = graded[(key[0], variant.baseline)]
    scores = graded[key]
    name = key[1]
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
    assert "a Series named 'price_b' of 60 values of dtype float64; .to_numpy() turns it into one" in series
    stub = verdict_messages(course, "bug_optimal_stub")["test_optimal_omega"]
    assert "NotImplementedError" in stub
    ddof = verdict_messages(course, "bug_ddof1")["test_L_of_omega"]
    assert "L_of_omega on the course data: wrong values." in ddof
    assert "worst at index 4 (omega=1.7): yours 125.263\n" in ddof
    assert "hint: your values are about 1.02 times the expected ones (off by a constant factor)" in ddof
    assert not re.search(r"expected -?\d", ddof)  # no reference value shown


def test_stderr_and_prints_kept_but_free(graded, course):
    nb = autograded_nb(course, "correct_matrix_and_warnings")
    cell = next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "test_dLdOmega")
    text = "".join(_text(o) for o in cell["outputs"])
    assert "debug: computing the derivative" in text and "[stderr]" in text
    assert all(o["output_type"] != "error" for o in cell["outputs"])


def _text(output: dict) -> str:
    text = output.get("text", "")
    return "".join(text) if isinstance(text, list) else text


def test_sandbox_hides_reference_and_source(graded, course):
    nb = autograded_nb(course, "attack_import_reference")
    printed = "".join(_text(o) for c in nb["cells"] for o in c.get("outputs", []))
    assert "READ" not in printed  # the source notebook was never found
    assert graded[(ASSIGNMENT, "attack_import_reference")]["test_dLdOmega"][0] == 0  # nor the reference


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_feedback_holds_no_reference_code(graded, course, assignment):
    reference_src = (ROOT / "reference" / f"{assignment}.py").read_text()
    secret_lines = [l.strip() for l in reference_src.splitlines() if l.strip().startswith("return ") and len(l.strip()) > 25]
    assert secret_lines
    for html in (course / "feedback").glob(f"*/{assignment}/*.html"):
        text = html.read_text()
        student = html.relative_to(course / "feedback").parts[0]
        submitted = (course / "submitted" / student / assignment / f"{assignment}.ipynb").read_text()
        assert "HIDDEN TESTS" not in text and "probe(" not in text, f"{html} shows hidden test source"
        for line in secret_lines:
            if json.dumps(line)[1:-1] in submitted:
                continue  # the corpus builds on the reference: this student wrote that line too
            assert line not in text, f"{html} shows reference code: {line}"


@pytest.mark.parametrize("key", [k for k, v in VARIANTS.items() if v.kind == "correct"], ids="/".join)
def test_correct_variants_pass_every_visible_test(graded, course, key):
    nb = autograded_nb(course, key[1], key[0])
    notes = [_text(o) for c in nb["cells"] for o in c.get("outputs", []) if "a visible test in this cell failed" in _text(o)]
    assert not notes, notes


def test_w2_descent_messages_say_what_happened(graded, course):
    a = "w2_linear_regression"
    seq = verdict_messages(course, "bug_gd_sequential", a)["test_gradient_descent"]
    # on centred data dE/db does not depend on m, so only the coupled objective reveals the order
    assert seq.startswith("gradient_descent, 5 iterations with the gradient of another function: "
                          "the first step evaluated dEdm at (m, b) = (0, 0) but dEdb at (")
    assert "(a simultaneous update)" in seq
    up = verdict_messages(course, "bug_gd_uphill", a)["test_gradient_descent"]
    assert up.startswith("gradient_descent, 1 iteration: the cost rose after the first step (from ")
    short = verdict_messages(course, "bug_gd_one_short", a)["test_gradient_descent"]
    assert short == "gradient_descent, 1 iteration: your result is what 0 iterations give, not 1: one step off?"
    ign = verdict_messages(course, "bug_gd_ignores_functions", a)["test_gradient_descent"]
    assert "the gradient functions passed in as dEdm and dEdb were never called" in ign
    ddof = verdict_messages(course, "bug_normalize_ddof1", a)["test_normalize"]
    assert ddof.endswith("(that is the sample standard deviation, ddof=1: use the population one, ddof=0)")
    esum = verdict_messages(course, "bug_E_sum", a)["test_E"]
    assert esum.endswith("(a sum instead of a mean: E has 1/(2n)?)")
    half = verdict_messages(course, "bug_E_no_half", a)["test_E"]
    assert half.endswith("\n  cause: mean squared error scaling (1/n) instead of 1/(2n)\n"
                         "  hint: E is the mean squared error divided by 2, (1/(2n)) * sum((m*X + b - Y)**2): the 1/2 of 1/(2n) is missing")
    sign = verdict_messages(course, "bug_dEdm_sign", a)["test_dEdm"]
    assert "dEdm on the course data: not the slope of E along m." in sign and "-1 times the slope (a sign error?)" in sign
    # the author's own descent, fed their wrong dEdm in the visible test, keeps its points
    assert graded[(a, "bug_dEdm_sign")]["test_gradient_descent"] == (points(a)["test_gradient_descent"],) * 2


def test_w3_backprop_messages_name_the_gradient(graded, course):
    a = "w3_two_layer_network"
    no_deriv = verdict_messages(course, "bug_no_sigmoid_derivative", a)["test_backward_propagation"]
    assert no_deriv.startswith("backward_propagation with (n_x, n_h, n_y, m) = (3, 4, 1, 4): compared with finite differences of the cost\n  dW1: wrong values")
    assert "dW2 and db2 are right, so the error is in the hidden layer (dZ1): did you multiply by the derivative of the sigmoid?" in no_deriv
    bias = verdict_messages(course, "bug_bias_not_averaged", a)["test_backward_propagation"]
    assert "db1: 4 times the gradient: average over the m = 4 examples (divide by m)" in bias
    assert "db2: 4 times the gradient" in bias and "dW1" not in bias
    transposed = verdict_messages(course, "bug_transposed_dW1", a)["test_backward_propagation"]
    assert "dW1: shape (3, 4), expected (4, 3) (the transpose: check the order of the matrix product)" in transposed
    summed = verdict_messages(course, "bug_cost_summed", a)["test_compute_cost"]
    assert summed.endswith("(summed over the examples instead of averaged: divide by m)")
    adds = verdict_messages(course, "bug_update_adds", a)["test_update_parameters"]
    assert adds.endswith("your step goes along the gradient, uphill: subtract learning_rate * gradient")
    reinit = verdict_messages(course, "bug_reinit_in_loop", a)["test_nn_model"]
    assert reinit.endswith("the parameters after 2 iterations equal those after 1: are they re-initialised inside the loop?")
    # labels as 0/1 integers or floats are labels (course-spec): full marks, no message
    for name in ("correct_predict_int", "correct_predict_round"):
        assert graded[(a, name)]["test_predict"][0] == graded[(a, name)]["test_predict"][1] > 0
        assert "test_predict" not in verdict_messages(course, name, a)


@pytest.mark.parametrize("key", [k for k, v in VARIANTS.items() if v.expect_messages], ids="/".join)
def test_recognised_mistakes_are_named_in_the_feedback(graded, course, key):
    """Each ``expect-message`` of a corpus variant is in the verdict and in the feedback page it reads."""
    import html

    assignment, name = key
    verdicts = verdict_messages(course, name, assignment)
    page = html.unescape((course / "feedback" / name / assignment / f"{assignment}.html").read_text())
    for gid, text in VARIANTS[key].expect_messages:
        assert text in verdicts.get(gid, ""), f"{name} {gid}: {verdicts.get(gid)!r}"
        assert text in page, f"{name}: the feedback page lacks {text!r}"


def _display(course, student: str, assignment: str, grade_id: str) -> dict:
    nb = autograded_nb(course, student, assignment)
    cell = next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id)
    shown = [o for o in cell["outputs"] if o["output_type"] == "display_data"]
    assert len(shown) == 1, cell["outputs"]
    return {k: "".join(v) if isinstance(v, list) else v for k, v in shown[0]["data"].items()}


def test_feedback_pictures_show_the_students_own_numbers(graded, course):
    """The descent's cost curve (pass or fail) and the table of gradient components."""
    curve = _display(course, "correct_reference", "w2_linear_regression", "test_gradient_descent")
    assert curve["image/svg+xml"].startswith("<svg ")  # matplotlib's, inline: the two lines have ids
    assert curve["image/svg+xml"].count('<g id="yours">') == curve["image/svg+xml"].count('<g id="reference">') == 1
    assert curve["text/plain"].startswith("gradient_descent on the course data (normalised), rate 0.1")
    uphill = _display(course, "bug_gd_uphill", "w2_linear_regression", "test_gradient_descent")
    assert "your cost after the last step" in uphill["text/plain"]
    assert uphill["text/plain"] != curve["text/plain"]  # the student's own curve, not the reference's
    table = _display(course, "bug_no_sigmoid_derivative", "w3_two_layer_network", "test_backward_propagation")
    lines = table["text/plain"].splitlines()
    assert lines[0].startswith("backward_propagation with (n_x, n_h, n_y, m) = (3, 4, 1, 4): your gradients against finite differences")
    assert [l.split()[:2] for l in lines[1:]] == [["BAD", "dW1:"], ["BAD", "db1:"], ["OK", "dW2:"], ["OK", "db2:"]]
    assert "<table class='calc4ml-components'><caption>" in table["text/html"]


def test_w4_newton_messages_say_what_happened(graded, course):
    a = "w4_newtons_method"
    shown = {name: verdict_messages(course, name, a) for (aa, name) in VARIANTS if aa == a}
    inverted = shown["bug_1d_inverted"]["test_newtons_method_1d"]
    assert inverted == ("newtons_method_1d, 1 iteration on a parabola from -4: the ratio is upside down: "
                        "Newton's step is f'(x) / f''(x), not f''(x) / f'(x).")
    fixed = shown["bug_1d_fixed_step"]["test_newtons_method_1d"]
    assert "the function passed in as d2fdx2 was never called" in fixed and "gradient descent" in fixed
    assert shown["bug_1d_one_extra"]["test_newtons_method_1d"].endswith(
        "your result is what 1 iteration gives, not 0: one step off?")
    assert shown["bug_1d_default_10"]["test_newtons_method_1d"] == (
        "newtons_method_1d, the default num_iterations on f(x) = (x + 0.6)^4 from 2: your result is what 10 "
        "iterations give, not 25: is num_iterations used?")
    # the non-diagonal quadratic, where one right step lands on the minimum, tells the wrong steps apart
    assert "you multiplied the gradient by the Hessian (H·∇f)" in shown["bug_2d_product"]["test_newtons_method_2d"]
    assert "ignores ∂²f/∂x∂y" in shown["bug_2d_diagonal"]["test_newtons_method_2d"]
    assert "your step is 0.5 times Newton's step" in shown["bug_2d_damped"]["test_newtons_method_2d"]
    assert shown["bug_2d_one_short"]["test_newtons_method_2d"].endswith("your result is what 0 iterations give, not 1: one step off?")
    assert ("the functions passed in as grad and hessian were never called"
            in shown["bug_2d_global_functions"]["test_newtons_method_2d"])
    fixed2 = shown["bug_2d_fixed_step"]["test_newtons_method_2d"]
    assert "the function passed in as hessian was never called" in fixed2 and "gradient descent" in fixed2
    assert "the Hessian of the start was used at every step" in shown["bug_2d_frozen_hessian"]["test_newtons_method_2d"]
    # gradient and Hessian: the wrong component named, with the term, never the expected value
    xy = shown["bug_grad_missing_xy"]["test_gradient_f"]
    assert xy.startswith("gradient_f: ∂f/∂x is off at 6 of 6 points: the −xy term's contribution looks missing.")
    assert "relative error" in xy and "expected" not in xy
    assert shown["bug_grad_swapped"]["test_gradient_f"].startswith("gradient_f: the two components are swapped")
    asym = shown["bug_hess_asymmetric"]["test_hessian_f"]
    assert asym.startswith("hessian_f: not symmetric at 6 of 6 points")
    assert "∂²f/∂y∂x is off at 6 of 6 points: the −0.2x²y term's contribution looks missing." in asym
    assert "∂²f/∂x∂y is off" not in asym  # the right one is not blamed
    assert shown["bug_hess_missing_constant"]["test_hessian_f"].startswith(
        "hessian_f: ∂²f/∂x² is off at 6 of 6 points: the 4x² term's contribution looks missing.")
    assert "-1 times ∂²f/∂x∂y (a sign error?)" in shown["bug_hess_mixed_sign"]["test_hessian_f"]
    # each exercise on its own: a wrong Hessian does not cost newtons_method_2d, whose visible test uses it
    assert graded[(a, "bug_hess_missing_constant")]["test_newtons_method_2d"] == (points(a)["test_newtons_method_2d"],) * 2


def test_w4_feedback_draws_the_students_newton_path(graded, course):
    a = "w4_newtons_method"
    right = _display(course, "correct_reference", a, "test_newtons_method_2d")
    assert right["image/svg+xml"].startswith("<svg ") and right["image/svg+xml"].count('<g id="yours">') == 1
    assert right["text/plain"].startswith("newtons_method_2d on the course's f from (4, 4), 10 iterations")
    wrong = _display(course, "bug_2d_fixed_step", a, "test_newtons_method_2d")
    assert "your last iterate (0.5254, 0.8331)" in wrong["text/plain"]  # its own path, not the reference's
    assert wrong["image/svg+xml"] != right["image/svg+xml"]
