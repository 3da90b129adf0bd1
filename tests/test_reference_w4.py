"""reference.w4_newtons_method proven by means that do not trust it: central differences of f, the
minimum found by a fine search, quadratic convergence, minima known in closed form."""

from __future__ import annotations

import numpy as np
import pytest

from graders import gradient_check
from graders.assignments import w4_newtons_method as checks
from reference import w4_newtons_method as ref

#: Points where the derivatives are checked: the hidden ones and others.
POINTS = list(checks.POINTS) + [(0.0, 0.0), (-3.0, 2.0), (0.05, -0.01), (2.5, 25.0)]


def _f_at(v: np.ndarray) -> float:
    return checks.course_f(v[0], v[1])


@pytest.mark.parametrize("x,y", POINTS)
def test_gradient_is_the_slope_of_f(x, y):
    result = gradient_check(_f_at, ref.gradient_f(x, y), np.array([x, y]), n_samples=None, floor=1.0)
    assert result.ok, result


@pytest.mark.parametrize("x,y", POINTS)
def test_hessian_is_the_slope_of_the_gradient_and_symmetric(x, y):
    H = ref.hessian_f(x, y)
    assert H.shape == (2, 2) and H[0, 1] == H[1, 0]
    for row in range(2):
        result = gradient_check(lambda v: ref.gradient_f(v[0], v[1])[row], H[row], np.array([x, y]),
                                n_samples=None, floor=1.0)
        assert result.ok, (row, result)


def test_the_minimum_of_f_is_where_newton_goes():
    """A fine grid search, refined twice, finds the same minimum as Newton's method from (4, 4)."""
    centre, half = np.zeros(2) + 1.0, 6.0
    for _ in range(3):
        xs = np.linspace(centre[0] - half, centre[0] + half, 801)
        ys = np.linspace(centre[1] - half, centre[1] + half, 801)
        X, Y = np.meshgrid(xs, ys)
        Z = checks.course_f(X, Y)
        i = np.unravel_index(np.argmin(Z), Z.shape)
        centre, half = np.array([X[i], Y[i]]), half / 50
    newton = ref.newtons_method_2d(ref.gradient_f, ref.hessian_f, np.array([4.0, 4.0]))
    assert np.max(np.abs(newton - centre)) < 2 * half
    assert np.linalg.norm(ref.gradient_f(*newton)) < 1e-12
    assert np.all(np.linalg.eigvalsh(ref.hessian_f(*newton)) > 0)  # a minimum, not a saddle


def test_newton_2d_converges_quadratically_on_f():
    x_star = ref.newtons_method_2d(ref.gradient_f, ref.hessian_f, np.array([4.0, 4.0]), num_iterations=40)
    errors = [np.linalg.norm(ref.newtons_method_2d(ref.gradient_f, ref.hessian_f, np.array([4.0, 4.0]), num_iterations=k) - x_star)
              for k in range(12)]
    near = [(a, b) for a, b in zip(errors, errors[1:]) if a < 0.5 and b > 1e-13]
    assert len(near) >= 2
    assert all(b / a**2 < 5.0 for a, b in near), near  # e_{k+1} <= M e_k^2
    assert all(b < 0.2 * a for a, b in near)  # and far faster than any linear rate seen in this course


def test_newton_1d_reaches_known_minima_and_counts_its_steps():
    assert ref.newtons_method_1d(lambda x: np.exp(x) - 2, np.exp, 1.0) == pytest.approx(np.log(2), abs=1e-15)
    assert ref.newtons_method_1d(lambda x: 6 * (x - 1.7), lambda x: 6.0, -4.0, num_iterations=1) == pytest.approx(1.7, abs=1e-15)
    assert ref.newtons_method_1d(lambda x: 1 / x, lambda x: 1.0, 5.0, num_iterations=0) == 5.0
    # (x + 0.6)^4: each step multiplies x + 0.6 by exactly 2/3, so the count of steps shows
    d1, d2 = checks.FUNCTIONS["quartic1"][:2]
    for n in (0, 1, 7, 25):
        assert ref.newtons_method_1d(d1, d2, 2.0, num_iterations=n) == pytest.approx(-0.6 + 2.6 * (2 / 3) ** n, rel=1e-12)
    assert ref.newtons_method_1d(d1, d2, 2.0) == ref.newtons_method_1d(d1, d2, 2.0, num_iterations=25)


def test_the_graders_functions_are_what_their_comments_say():
    """One Newton step lands on the quadratic's minimum; the rotated quartic contracts by 2/3; the
    grader's central-difference derivatives of f agree with the reference's formulas."""
    g, H = checks.FUNCTIONS["quad2"][:2]
    one = ref.newtons_method_2d(g, H, np.array([3.0, 4.0]), num_iterations=1)
    np.testing.assert_allclose(one, [1.0, -2.0], atol=1e-14)
    assert H(0.0, 0.0)[0, 1] != 0  # not diagonal
    g, H = checks.FUNCTIONS["quartic2"][:2]
    for n in (0, 4, 25):
        np.testing.assert_allclose(ref.newtons_method_2d(g, H, np.array([2.0, 1.0]), num_iterations=n),
                                   [0.5, -1.0] + (2 / 3) ** n * (np.array([2.0, 1.0]) - [0.5, -1.0]), rtol=1e-12, atol=1e-15)
    g, H = checks.FUNCTIONS["cosh"][:2]
    x = ref.newtons_method_2d(g, H, np.array([-1.0, 2.0]), num_iterations=30)
    assert np.linalg.norm(g(*x)) < 1e-14 and np.all(np.linalg.eigvalsh(H(*x)) > 0)
    g, H = checks.FUNCTIONS["course"][:2]
    for x, y in POINTS:  # rounding of central differences: eps |f| / step
        size = 1.0 + abs(checks.course_f(x, y))
        np.testing.assert_allclose(g(x, y), ref.gradient_f(x, y), rtol=1e-8, atol=1e-9 * size)
        np.testing.assert_allclose(H(x, y), ref.hessian_f(x, y), rtol=1e-5, atol=1e-5 + 1e-7 * size)


def test_the_grader_module_holds_no_derivative_of_f():
    """The kernel can read graders.assignments.w4_newtons_method: it must not spell out the answers."""
    from pathlib import Path

    text = Path(checks.__file__).read_text()
    for formula in ("4 * x**3", "3.2 * y**3", "12 * x**2", "9.6 * y**2", "0.4 * x * y", "-1 - 0.4 * x"):
        assert formula not in text, formula
