"""Reference solution of w2_linear_regression (a straight line fitted by gradient descent).

Each function is also a solution cell of ``source/w2_linear_regression/w2_linear_regression.ipynb``: change both
(``tests/test_source.py`` fails unless their syntax trees, docstring and body, are the same).
"""

import numpy as np
import pandas as pd


def load_data(path):
    """Read the CSV file at `path` into a pandas DataFrame (all columns, file order)."""
    return pd.read_csv(path)


def normalize(values):
    """(v - mean) / std with the population standard deviation (ddof=0), as a float array."""
    values = np.asarray(values, dtype=np.float64)
    return (values - np.mean(values)) / np.std(values)


def predict(m, b, X):
    """The line's predictions m * X + b."""
    return m * X + b


def E(m, b, X, Y):
    """The cost (1 / 2n) * sum((m * X + b - Y) ** 2)."""
    residual = m * X + b - Y
    return float(np.sum(residual**2) / (2 * len(X)))


def dEdm(m, b, X, Y):
    """Partial derivative of E with respect to m: (1 / n) * sum((m * X + b - Y) * X)."""
    residual = m * X + b - Y
    return float(np.mean(residual * X))


def dEdb(m, b, X, Y):
    """Partial derivative of E with respect to b: (1 / n) * sum(m * X + b - Y)."""
    residual = m * X + b - Y
    return float(np.mean(residual))


def gradient_descent(dEdm, dEdb, m, b, X, Y, learning_rate=0.001, num_iterations=1000):
    """Run num_iterations simultaneous updates of (m, b) with the gradient functions given."""
    for _ in range(num_iterations):
        m_new = m - learning_rate * dEdm(m, b, X, Y)
        b_new = b - learning_rate * dEdb(m, b, X, Y)
        m, b = m_new, b_new
    return m, b
