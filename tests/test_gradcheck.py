"""graders.kernel.gradcheck: central differences, symmetric relative error, input restored."""

from __future__ import annotations

import numpy as np
import pytest

from graders import gradient_check, numerical_gradient, rel_error


def quartic(x: np.ndarray) -> float:
    flat = x.ravel()
    return float(np.sum(x**4) + flat[0] * flat[-1])


def quartic_grad(x: np.ndarray) -> np.ndarray:
    g = 4 * x**3
    flat, gflat = x.ravel(), g.reshape(-1)
    gflat[0] += flat[-1]
    gflat[-1] += flat[0]
    return g


def test_correct_gradient_passes_and_input_is_restored():
    x = np.random.default_rng(0).normal(size=(4, 5))
    before = x.copy()
    result = gradient_check(quartic, quartic_grad(x), x, n_samples=8, seed=1)
    assert result.ok and result.checked == 8 and result.max_rel_error < 1e-6
    np.testing.assert_array_equal(x, before)


def test_wrong_gradient_reports_the_worst_coordinate():
    x = np.random.default_rng(0).normal(size=6)
    wrong = quartic_grad(x)
    wrong[3] *= 2
    result = gradient_check(quartic, wrong, x, n_samples=None)
    assert not result.ok and result.failed == 1 and result.worst_index == (3,)
    assert result.max_rel_error == pytest.approx(0.5, rel=1e-4)


def test_sampling_is_seeded():
    x = np.random.default_rng(0).normal(size=50)
    a = gradient_check(quartic, quartic_grad(x) * 1.01, x, n_samples=5, seed=7)
    b = gradient_check(quartic, quartic_grad(x) * 1.01, x, n_samples=5, seed=7)
    assert a == b


def test_rel_error_is_symmetric_with_a_floor():
    assert rel_error(1.0, 2.0) == rel_error(2.0, 1.0) == 0.5
    assert rel_error(0.0, 0.0) == 0.0
    assert rel_error(1e-12, 0.0) < 1e-7  # both below the floor: measured against the floor
    assert rel_error(1e-12, 0.0, floor=1e-12) == 1.0


def test_numerical_gradient_needs_float64():
    with pytest.raises(TypeError):
        numerical_gradient(quartic, np.arange(3))
