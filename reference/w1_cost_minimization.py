"""Reference solution of w1_cost_minimization (minimum-variance purchasing).

Each function is also a solution cell of ``source/w1_cost_minimization/w1_cost_minimization.ipynb``: change both
(``tests/test_source.py`` fails unless their syntax trees, docstring and body, are the same).
"""

import numpy as np
import pandas as pd


def load_prices(path):
    """Read the CSV at `path`; return (prices_a, prices_b) as 1-D float64 arrays in file order."""
    df = pd.read_csv(path)
    prices_a = df["price_a"].to_numpy(dtype=np.float64)
    prices_b = df["price_b"].to_numpy(dtype=np.float64)
    return prices_a, prices_b


def f_of_omega(omega, prices_a, prices_b):
    """Monthly cost of buying a fraction omega from A and 1 - omega from B."""
    return omega * prices_a + (1 - omega) * prices_b


def L_of_omega(omega, prices_a, prices_b):
    """Population variance of the monthly cost f(omega)."""
    f = f_of_omega(omega, prices_a, prices_b)
    return float(np.mean((f - np.mean(f)) ** 2))


def L_of_omega_array(omega_array, prices_a, prices_b):
    """L at each omega of omega_array, as a 1-D array."""
    return np.array([L_of_omega(omega, prices_a, prices_b) for omega in omega_array], dtype=np.float64)


def dLdOmega(omega, prices_a, prices_b):
    """dL/domega = 2 * mean((f - mean f) * (p_A - p_B)), derived by the chain rule."""
    d = prices_a - prices_b
    f = prices_b + omega * d
    return float(2 * np.mean((f - np.mean(f)) * (d - np.mean(d))))


def dLdOmega_array(omega_array, prices_a, prices_b):
    """dL/domega at each omega of omega_array, as a 1-D array."""
    return np.array([dLdOmega(omega, prices_a, prices_b) for omega in omega_array], dtype=np.float64)


def optimal_omega(prices_a, prices_b):
    """The omega where dL/domega = 0: cov(p_B, p_B - p_A) / var(p_A - p_B)."""
    d = prices_a - prices_b
    d_c = d - np.mean(d)
    b_c = prices_b - np.mean(prices_b)
    return float(-np.mean(b_c * d_c) / np.mean(d_c**2))
