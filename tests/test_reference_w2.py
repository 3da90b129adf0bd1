"""reference.w2_linear_regression proven by means that do not trust it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import ROOT
from graders import gradient_check
from graders.assignments.w2_linear_regression import cost, fresh_xy
from reference import w2_linear_regression as ref

DATA = ROOT / "source" / "w2_linear_regression" / "data" / "penguins.csv"


def course_xy():
    df = pd.read_csv(DATA)
    return df["flipper_length_mm"].to_numpy(float), df["body_mass_g"].to_numpy(float)


SETS = [course_xy(), fresh_xy(1, 20, slope=2.0, intercept=1.0, scale=5.0), fresh_xy(2, 3, slope=-1.0, intercept=0.0, scale=1.0)]


def test_course_data_is_real_and_linear_enough():
    x, y = course_xy()
    assert x.size == 342 and not np.isnan(x).any() and not np.isnan(y).any()
    assert np.corrcoef(x, y)[0, 1] > 0.85
    assert list(ref.load_data(DATA).columns) == ["flipper_length_mm", "body_mass_g"]


@pytest.mark.parametrize("x,y", SETS)
def test_normalize_has_mean_0_and_population_std_1(x, y):
    z = ref.normalize(x)
    assert abs(z.mean()) < 1e-12 and abs(z.std(ddof=0) - 1) < 1e-12


@pytest.mark.parametrize("x,y", SETS)
def test_E_is_the_spec_cost_and_gradients_match_finite_differences(x, y):
    X, Y = ref.normalize(x), ref.normalize(y)
    for m, b in ((0.0, 0.0), (1.3, -0.4), (-2.0, 3.0)):
        assert ref.E(m, b, X, Y) == pytest.approx(np.sum((m * X + b - Y) ** 2) / (2 * X.size), rel=1e-12)
        grad = np.array([ref.dEdm(m, b, X, Y), ref.dEdb(m, b, X, Y)])
        result = gradient_check(lambda p: cost(p[0], p[1], X, Y), grad, np.array([m, b]))
        assert result.ok, result


@pytest.mark.parametrize("x,y", SETS)
def test_descent_reaches_the_least_squares_line(x, y):
    X, Y = ref.normalize(x), ref.normalize(y)
    m, b = ref.gradient_descent(ref.dEdm, ref.dEdb, 0.0, 0.0, X, Y, learning_rate=0.1, num_iterations=500)
    (slope, intercept), *_ = np.linalg.lstsq(np.column_stack([X, np.ones_like(X)]), Y, rcond=None)
    assert abs(m - slope) < 1e-9 and abs(b - intercept) < 1e-9


def test_descent_updates_simultaneously():
    calls = []

    def dm(m, b, X, Y):
        calls.append(("m", m, b))
        return 1.0

    def db(m, b, X, Y):
        calls.append(("b", m, b))
        return 1.0

    assert ref.gradient_descent(dm, db, 0.0, 0.0, None, None, 0.5, 1) == (-0.5, -0.5)
    assert calls == [("m", 0.0, 0.0), ("b", 0.0, 0.0)]
    assert ref.gradient_descent(dm, db, 2.0, 3.0, None, None, 0.5, 0) == (2.0, 3.0)
