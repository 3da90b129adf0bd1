# Copied from graders/coursedata.py by tools/student_package.py: edit the original, then run it.
"""Course data made from fixed seeds, which the notebooks and the graders both call.

Shipped to students too (``student/``): it holds no reference and no hidden check.
"""

from __future__ import annotations

import numpy as np

__all__ = ["make_blobs"]


def make_blobs(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Four Gaussian blobs at the corners of a square; opposite corners share a label (XOR).

    Returns X of shape (2, n) and Y of shape (1, n) with 0/1 entries.
    """
    rng = np.random.default_rng(seed)
    corners = np.array([[1.5, 1.5], [-1.5, -1.5], [1.5, -1.5], [-1.5, 1.5]])
    which = rng.integers(0, 4, n)
    X = (corners[which] + rng.normal(0.0, 0.6, (n, 2))).T
    Y = (which < 2).astype(np.float64).reshape(1, n)
    return X, Y
