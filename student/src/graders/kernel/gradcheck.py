# Copied from graders/kernel/gradcheck.py by tools/student_package.py: edit the original, then run it.
"""Finite-difference gradient checks (after CS231n's notes).

Central differences in float64 on a seeded sample of coordinates, a symmetric relative error,
the input restored after every probe, and the worst error returned with its index.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from graders.kernel.tolerances import FD_REL_ERROR, FD_STEP

__all__ = ["rel_error", "numerical_gradient", "GradCheck", "gradient_check"]

#: Denominator floor of the relative error: where both numbers are smaller than this, their
#: difference is measured against the floor instead (a zero gradient must match a zero
#: gradient, and central differences of a zero slope return rounding noise of about
#: eps * |f| / h ~ 1e-11 for the course's O(1) costs, far below 1e-4 * FD_REL_ERROR).
#: It is in the gradient's units: pass ``floor=`` for quantities on other scales.
REL_ERROR_FLOOR = 1e-4


def rel_error(a: np.ndarray | float, b: np.ndarray | float, *, floor: float = REL_ERROR_FLOOR) -> np.ndarray:
    """Symmetric relative error |a - b| / max(|a|, |b|, floor), elementwise."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return np.abs(a - b) / np.maximum(np.maximum(np.abs(a), np.abs(b)), floor)


def numerical_gradient(
    f: Callable[[np.ndarray], float],
    x: np.ndarray,
    *,
    h: float = FD_STEP,
    indices: list[tuple[int, ...]] | None = None,
) -> np.ndarray:
    """Central differences (f(x+h e_i) - f(x-h e_i)) / 2h at ``indices`` (all by default).

    ``x`` must be a float64 array; it is perturbed in place and restored exactly.
    Entries not in ``indices`` are NaN in the result.
    """
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        raise TypeError("numerical_gradient needs a float64 numpy array")
    grad = np.full(x.shape, np.nan)
    if indices is None:
        indices = [tuple(int(i) for i in ix) for ix in np.ndindex(*x.shape)]
    for ix in indices:
        old = x[ix]
        try:
            x[ix] = old + h
            f_plus = float(f(x))
            x[ix] = old - h
            f_minus = float(f(x))
        finally:
            x[ix] = old
        grad[ix] = (f_plus - f_minus) / (2.0 * h)
    return grad


@dataclass(frozen=True)
class GradCheck:
    """Outcome of :func:`gradient_check`."""

    max_rel_error: float
    worst_index: tuple[int, ...]
    checked: int
    failed: int  # coordinates whose relative error exceeds the tolerance
    tolerance: float

    @property
    def ok(self) -> bool:
        return self.failed == 0


def gradient_check(
    f: Callable[[np.ndarray], float],
    analytic: np.ndarray,
    x: np.ndarray,
    *,
    h: float = FD_STEP,
    n_samples: int | None = 20,
    seed: int = 0,
    tolerance: float = FD_REL_ERROR,
    floor: float = REL_ERROR_FLOOR,
) -> GradCheck:
    """Compare ``analytic`` (the claimed gradient of ``f`` at ``x``) with central differences.

    ``n_samples`` coordinates are drawn with a seeded generator (all when ``None`` or when the
    array is small). ``x`` is left unchanged.
    """
    x = np.asarray(x, dtype=np.float64)
    analytic = np.asarray(analytic, dtype=np.float64)
    if analytic.shape != x.shape:
        raise ValueError(f"gradient shape {analytic.shape} differs from the input shape {x.shape}")
    all_ix = [tuple(int(i) for i in ix) for ix in np.ndindex(*x.shape)]
    if n_samples is not None and n_samples < len(all_ix):
        rng = np.random.default_rng(seed)
        chosen = rng.choice(len(all_ix), size=n_samples, replace=False)
        indices = [all_ix[i] for i in sorted(chosen)]
    else:
        indices = all_ix
    work = x.copy()
    numeric = numerical_gradient(f, work, h=h, indices=indices)
    errors = np.array([rel_error(analytic[ix], numeric[ix], floor=floor) for ix in indices], dtype=np.float64)
    worst = int(np.argmax(errors)) if errors.size else 0
    return GradCheck(
        max_rel_error=float(errors[worst]) if errors.size else 0.0,
        worst_index=indices[worst] if indices else (),
        checked=len(indices),
        failed=int(np.sum(errors > tolerance)),
        tolerance=tolerance,
    )
