"""Write the fictional students' submissions under submitted/ (for `make demo`).

Each student is one or more corpus variants merged (tests/corpus/<assignment>/): the class
has one perfect submission and a few with the mistakes students really make.

    python tools/make_fictional.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

from corpus import Variant, build_submission, load_variant  # noqa: E402

#: student id -> {assignment: [corpus variants merged, later ones win]}
STUDENTS = {
    "ada_fictional": {"w1_cost_minimization": ["correct_vectorised_npvar"],
                      "w2_linear_regression": ["correct_matrix_form"],
                      "w3_two_layer_network": ["correct_dot_stable_inplace"],
                      "w4_newtons_method": ["correct_inv_while_loops"]},
    "blaise_fictional": {"w1_cost_minimization": ["correct_loops", "bug_ddof1"],
                         "w2_linear_regression": ["correct_loops", "bug_normalize_ddof1", "bug_gd_sequential"],
                         "w3_two_layer_network": ["bug_no_sigmoid_derivative"],
                         "w4_newtons_method": ["correct_explicit_inverse_lists", "bug_hess_asymmetric"]},
    "carl_fictional": {"w1_cost_minimization": ["bug_dL_sign", "bug_optimal_hardcoded"],
                       "w2_linear_regression": ["bug_dEdm_sign", "bug_E_sum"],
                       "w3_two_layer_network": ["bug_bias_not_averaged", "bug_predict_int"],
                       "w4_newtons_method": ["bug_grad_missing_xy", "bug_2d_product"]},
    "emmy_fictional": {"w1_cost_minimization": ["correct_matrix_and_warnings", "bug_load_series", "bug_optimal_stub"],
                       "w2_linear_regression": ["correct_chatty", "bug_gd_uphill"],
                       "w3_two_layer_network": ["correct_noisy", "bug_cost_summed"],
                       "w4_newtons_method": ["correct_chatty_columns", "bug_1d_fixed_step"]},
}


def merged(assignment: str, names: list[str]) -> Variant:
    segments: dict[str, str] = {}
    for name in names:
        segments.update(load_variant(ROOT / "tests" / "corpus" / assignment / f"{name}.py").segments)
    return Variant(name="+".join(names), kind="mixed", expect_lost=set(), baseline=None, why="", segments=segments)


def main() -> None:
    for student, assignments in STUDENTS.items():
        for assignment, names in assignments.items():
            release = nbformat.read(ROOT / "release" / assignment / f"{assignment}.ipynb", as_version=4)
            nb = build_submission(release, assignment, merged(assignment, names))
            out = ROOT / "submitted" / student / assignment / f"{assignment}.ipynb"
            out.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, out)
            print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
