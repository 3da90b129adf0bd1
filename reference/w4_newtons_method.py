"""Reference solution of w4_newtons_method (Newton's method in one and two variables).

f(x, y) = x**4 + 0.8 * y**4 + 4 * x**2 + 2 * y**2 - x * y - 0.2 * x**2 * y.

Each function is also a solution cell of ``source/w4_newtons_method/w4_newtons_method.ipynb``: change both
(``tests/test_source.py`` fails unless their syntax trees, docstring and body, are the same).
"""

import numpy as np


def newtons_method_1d(dfdx, d2fdx2, x0, num_iterations=25):
    """num_iterations Newton steps x <- x - f'(x) / f''(x) from x0, with the functions given; a float."""
    x = x0
    for _ in range(num_iterations):
        x = x - dfdx(x) / d2fdx2(x)
    return float(x)


def gradient_f(x, y):
    """The gradient of f at (x, y): array([df/dx, df/dy]), derived by hand."""
    dfdx = 4 * x**3 + 8 * x - y - 0.4 * x * y
    dfdy = 3.2 * y**3 + 4 * y - x - 0.2 * x**2
    return np.array([dfdx, dfdy], dtype=np.float64)


def hessian_f(x, y):
    """The Hessian of f at (x, y): the 2 x 2 array of second partial derivatives, derived by hand."""
    d2fdx2 = 12 * x**2 + 8 - 0.4 * y
    d2fdxdy = -1 - 0.4 * x
    d2fdy2 = 9.6 * y**2 + 4
    return np.array([[d2fdx2, d2fdxdy], [d2fdxdy, d2fdy2]], dtype=np.float64)


def newtons_method_2d(grad, hessian, x0, num_iterations=25):
    """num_iterations Newton steps x <- x - H(x)^-1 grad(x) from x0, with the functions given; an array (2,)."""
    x = np.array(x0, dtype=np.float64)
    for _ in range(num_iterations):
        step = np.linalg.solve(hessian(x[0], x[1]), grad(x[0], x[1]))
        x = x - step
    return x
