"""reference.w1_cost_minimization proven by means that do not trust it."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import ROOT
from graders import gradient_check
from graders.assignments.w1_cost_minimization import fresh_series
from reference import w1_cost_minimization as ref

PRICES = ROOT / "source" / "w1_cost_minimization" / "data" / "prices.csv"
SERIES = [ref.load_prices(PRICES)] + [fresh_series(seed, n) for seed, n in ((1, 48), (2, 7), (3, 200))]


def test_load_prices_reads_the_course_file():
    a, b = ref.load_prices(PRICES)
    assert a.dtype == b.dtype == np.float64 and a.shape == b.shape and a.size >= 48
    first = PRICES.read_text().splitlines()[1].split(",")
    assert (a[0], b[0]) == (float(first[1]), float(first[2]))


@pytest.mark.parametrize("a,b", SERIES)
def test_L_is_the_population_variance(a, b):
    for w in (-1.0, 0.0, 0.4, 1.0, 2.5):
        f = w * a + (1 - w) * b
        assert ref.L_of_omega(w, a, b) == pytest.approx(np.var(f), rel=1e-12)
    np.testing.assert_allclose(ref.L_of_omega_array(np.array([0.0, 1.0]), a, b), [np.var(b), np.var(a)], rtol=1e-12)


@pytest.mark.parametrize("a,b", SERIES)
def test_derivative_matches_finite_differences(a, b):
    for w in (-0.7, 0.0, 0.3, 1.0, 1.9):
        result = gradient_check(lambda x: ref.L_of_omega(x[0], a, b), np.array([ref.dLdOmega(w, a, b)]), np.array([w]))
        assert result.ok, result


@pytest.mark.parametrize("a,b", SERIES)
def test_optimum_beats_a_fine_search_and_derivative_changes_sign(a, b):
    w = ref.optimal_omega(a, b)
    grid = np.linspace(w - 2, w + 2, 40001)
    values = ref.L_of_omega_array(grid, a, b)
    assert ref.L_of_omega(w, a, b) <= values.min() + 1e-9 * values.min()
    assert abs(grid[np.argmin(values)] - w) <= 1e-4
    assert ref.dLdOmega(w - 1e-3, a, b) < 0 < ref.dLdOmega(w + 1e-3, a, b)
