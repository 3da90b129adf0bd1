"""Hidden checks of w1_cost_minimization (inputs and judges; no expected values live here).

Every check runs on the course data and on price series made here from fixed seeds, with
other lengths and levels, so an answer hard-coded for the course data, or a function that
ignores its arguments, fails. Where an exercise usually builds on an earlier one
(``L_of_omega`` on ``f_of_omega``, the ``*_array`` functions on their scalar versions,
``optimal_omega`` on ``dLdOmega``), the judge also accepts the answer that is right *given the
student's own earlier function*: each bug costs the points of the exercise it is in, once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from graders.kernel.checks import CheckFailure, check_defined, check_returned, check_scalar, check_slope
from graders.kernel.gradcheck import rel_error
from graders.kernel.harness import Call, Check, Context, Prior, Results, fail
from graders.kernel.tolerances import EXACT_RTOL, FD_REL_ERROR, FD_STEP, FORMULA_ATOL_SCALE, FORMULA_RTOL, STATIONARY_RTOL
from graders.kernel.values import Returned

__all__ = ["CHECKS", "fresh_series", "OMEGAS", "SERIES"]

#: ω values every check visits: the corners, an interior point, and outside [0, 1]
#: (the minimiser is over all real ω).
OMEGAS = (0.0, 1.0, 0.3, -0.5, 1.7)

#: (label, seed, months) of the generated series; seed None means the course data.
SERIES = (
    ("the course data", None, None),
    ("a hidden price series of 37 months", 101, 37),
    ("a hidden price series of 5 months", 202, 5),
)


def fresh_series(seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Two price series of ``n`` months, rounded to cents, at a seed-dependent level."""
    rng = np.random.default_rng(seed)
    base = rng.uniform(20.0, 400.0)
    level = base + np.cumsum(rng.normal(0.0, 0.02 * base, n))
    a = level + rng.normal(0.0, 0.05 * base, n)
    b = rng.uniform(0.8, 1.2) * level + rng.normal(0.0, 0.03 * base, n)
    return np.round(np.abs(a), 2), np.round(np.abs(b), 2)


def _course_prices(ctx: Context) -> tuple[np.ndarray, np.ndarray]:
    df = pd.read_csv(ctx.data_dir / "prices.csv")
    return df["price_a"].to_numpy(np.float64), df["price_b"].to_numpy(np.float64)


def _series(ctx: Context):
    for label, seed, n in SERIES:
        a, b = _course_prices(ctx) if seed is None else fresh_series(seed, n)
        yield label, a, b


def _scale(a: np.ndarray, b: np.ndarray) -> float:
    """Natural size of L-like quantities for these prices (for absolute tolerance floors)."""
    return float(np.var(a) + np.var(b) + np.var(a - b)) or 1.0


def _labels(order: tuple[int, ...] | None = None) -> list[str]:
    return [f"omega={OMEGAS[i]:g}" for i in (range(len(OMEGAS)) if order is None else order)]


#: Which of the OMEGAS (by index, in order) each series' omega_array holds: the arrays differ in
#: order and length, so an *_array function that ignores its omega_array cannot pass.
ARRAY_ORDERS = ((0, 1, 2, 3, 4), (4, 3, 2, 1, 0), (2, 0, 4))


# --- load_prices ---------------------------------------------------------------------------


def _calls_load(ctx: Context) -> list[Call]:
    a, b = fresh_series(303, 53)
    dates = pd.date_range("2001-07-01", periods=a.size, freq="MS").strftime("%Y-%m-%d")
    path = ctx.tmp_dir / "other_prices.csv"
    pd.DataFrame({"date": dates, "price_a": a, "price_b": b}).to_csv(path, index=False, float_format="%.2f")
    return [
        Call("course", "load_prices", (str(ctx.data_dir / "prices.csv"),)),
        Call("other", "load_prices", (str(path),)),
    ]


def _judge_load(r: Results) -> None:
    for key, where in (("course", "data/prices.csv"), ("other", "another prices file (53 rows)")):
        got = r.student(key)
        name = f"load_prices on {where}"
        check_defined(name, got)
        if got.items is None or len(got.items) != 2:
            fail(f"{name}: expected a tuple (prices_a, prices_b), got {got.type_name}: {got.text}")
        for item, col, expected in zip(got.items, ("prices_a", "prices_b"), r.reference(key)):
            check_returned(f"{name}, {col}", item, expected, kind="array", rtol=EXACT_RTOL, atol=0.0, reveal=False)
            if item.dtype != "float64":
                fail(f"{name}, {col}: expected dtype float64, got {item.dtype}")


# --- f_of_omega ----------------------------------------------------------------------------


def _per_series_calls(func: str, ctx: Context, with_omegas: bool = True) -> list[Call]:
    calls = []
    for s, (_, a, b) in enumerate(_series(ctx)):
        if with_omegas:
            calls += [Call(f"{func}/{s}/{i}", func, (w, a, b)) for i, w in enumerate(OMEGAS)]
        else:
            calls.append(Call(f"{func}/{s}", func, (np.array([OMEGAS[i] for i in ARRAY_ORDERS[s]]), a, b)))
    return calls


def _calls_f(ctx: Context) -> list[Call]:
    return _per_series_calls("f_of_omega", ctx)


def _judge_f(r: Results) -> None:
    for s, (label, _, _) in enumerate(SERIES):
        for i, w in enumerate(OMEGAS):
            key = f"f_of_omega/{s}/{i}"
            a, b = r.call(key).args[1:]
            check_returned(
                f"f_of_omega(omega={w:g}) on {label}", r.student(key), r.reference(key), kind="array",
                rtol=FORMULA_RTOL, atol=FORMULA_ATOL_SCALE * float(np.max(np.abs(b)) + np.max(np.abs(a))), reveal=False,
            )


# --- scalar and array judges shared by L and dL/dω -----------------------------------------


def _collect_scalars(r: Results, func: str, s: int, label: str) -> np.ndarray:
    """Type-check the scalar returns of ``func`` on series ``s``; return them as an array."""
    values = []
    for i, w in enumerate(OMEGAS):
        got = r.student(f"{func}/{s}/{i}")
        check_scalar(f"{func}(omega={w:g}) on {label}", got)
        values.append(float(got.array))
    return np.array(values)


def _judge_array_func(r: Results, func: str, scalar_func: str) -> None:
    """``func`` (vectorised) must match the reference, or the student's own scalar version."""
    for s, (label, a, b) in enumerate(_series_args(r, func)):
        key = f"{func}/{s}"
        got = r.student(key)
        expected = r.reference(key)
        tol = dict(rtol=FORMULA_RTOL, atol=FORMULA_ATOL_SCALE * _scale(a, b))
        try:
            check_returned(f"{func}(omega_array) on {label}", got, expected, kind="array", reveal=False,
                           labels=_labels(ARRAY_ORDERS[s]), **tol)
        except CheckFailure:
            own = [r.student(f"{scalar_func}/{s}/{i}") for i in ARRAY_ORDERS[s]]
            if _matches_own(got, own, **tol):
                continue  # right given the student's own scalar function: its bug is charged there
            raise


def _series_args(r: Results, func: str):
    for s, (label, _, _) in enumerate(SERIES):
        _, a, b = r.call(f"{func}/{s}").args
        yield label, a, b


def _matches_own(got: Returned, own: list[Returned], *, rtol: float, atol: float) -> bool:
    if not got.is_numeric or got.array.shape != (len(own),):
        return False
    if any(not o.is_scalar for o in own):
        return False
    mine = np.array([float(o.array) for o in own])
    if not np.all(np.isfinite(mine)):
        return False
    return bool(np.all(np.abs(got.array - mine) <= atol + rtol * np.abs(mine)))


# --- L_of_omega ----------------------------------------------------------------------------


def _calls_L(ctx: Context) -> list[Call]:
    return _per_series_calls("L_of_omega", ctx) + _per_series_calls("f_of_omega", ctx)


def _judge_L(r: Results) -> None:
    for s, (label, _, _) in enumerate(SERIES):
        values = _collect_scalars(r, "L_of_omega", s, label)
        a, b = r.call(f"L_of_omega/{s}/0").args[1:]
        expected = np.array([r.reference(f"L_of_omega/{s}/{i}") for i in range(len(OMEGAS))])
        tol = dict(rtol=FORMULA_RTOL, atol=FORMULA_ATOL_SCALE * _scale(a, b))
        try:
            check_returned(
                f"L_of_omega on {label}", Returned("numpy.ndarray", values, "float64"), expected,
                kind="array", reveal=False, labels=_labels(), **tol,
            )
        except CheckFailure:
            # Right given the student's own f_of_omega? Then the bug is charged to f_of_omega.
            own_f = [r.student(f"f_of_omega/{s}/{i}") for i in range(len(OMEGAS))]
            if all(f.is_numeric and f.array.shape == a.shape for f in own_f):
                own_L = np.array([np.var(f.array) for f in own_f])
                if np.all(np.isfinite(own_L)) and np.all(np.abs(values - own_L) <= tol["atol"] + tol["rtol"] * np.abs(own_L)):
                    continue
            raise


def _calls_L_array(ctx: Context) -> list[Call]:
    return _per_series_calls("L_of_omega_array", ctx, with_omegas=False) + _per_series_calls("L_of_omega", ctx)


def _judge_L_array(r: Results) -> None:
    _judge_array_func(r, "L_of_omega_array", "L_of_omega")


# --- dLdOmega ------------------------------------------------------------------------------


def _calls_dL(ctx: Context) -> list[Call]:
    return _per_series_calls("dLdOmega", ctx) + _per_series_calls("f_of_omega", ctx)


def _own_f_derivative(r: Results, s: int, n: int) -> np.ndarray | None:
    """dL/dω of the student's own L = var(f), from their f at the OMEGAS (f is affine in ω)."""
    own = [r.student(f"f_of_omega/{s}/{i}") for i in range(len(OMEGAS))]
    if not all(f.is_numeric and f.array.shape == (n,) and np.all(np.isfinite(f.array)) for f in own):
        return None
    slope = own[OMEGAS.index(1.0)].array - own[OMEGAS.index(0.0)].array  # df/dω
    slope_c = slope - slope.mean()
    return np.array([2 * np.mean((f.array - f.array.mean()) * slope_c) for f in own])


def _judge_dL(r: Results) -> None:
    L = r.reference_module.L_of_omega
    for s, (label, _, _) in enumerate(SERIES):
        values = _collect_scalars(r, "dLdOmega", s, label)
        a, b = r.call(f"dLdOmega/{s}/0").args[1:]
        # First: is it the slope of L? Central differences of the reference L (exact for a
        # quadratic up to rounding), compared with the symmetric relative error.
        slopes = np.array([(L(w + FD_STEP, a, b) - L(w - FD_STEP, a, b)) / (2 * FD_STEP) for w in OMEGAS])
        floor = FORMULA_ATOL_SCALE * _scale(a, b)
        own = _own_f_derivative(r, s, a.size)
        if own is not None and np.all(rel_error(values, own, floor=max(floor, 1e-8)) <= FD_REL_ERROR):
            continue  # right given the student's own f_of_omega: its bug is charged there
        check_slope(f"dLdOmega on {label}", values, slopes, of="L", places=_labels(), counted="values of omega",
                    floor=max(floor, 1e-8))
        expected = np.array([r.reference(f"dLdOmega/{s}/{i}") for i in range(len(OMEGAS))])
        check_returned(
            f"dLdOmega on {label}", Returned("numpy.ndarray", values, "float64"), expected, kind="array",
            rtol=FORMULA_RTOL, atol=floor, reveal=False, labels=_labels(),
        )


def _calls_dL_array(ctx: Context) -> list[Call]:
    return _per_series_calls("dLdOmega_array", ctx, with_omegas=False) + _per_series_calls("dLdOmega", ctx)


def _judge_dL_array(r: Results) -> None:
    _judge_array_func(r, "dLdOmega_array", "dLdOmega")


# --- optimal_omega -------------------------------------------------------------------------


def _calls_opt(ctx: Context) -> list[Call]:
    calls = []
    for s, (_, a, b) in enumerate(_series(ctx)):
        calls += [
            Call(f"opt/{s}", "optimal_omega", (a, b)),
            # the student's own derivative at their optimum, and one unit further
            Call(f"own_dL/{s}", "dLdOmega", (Prior(f"opt/{s}"), a, b)),
            Call(f"own_dL_next/{s}", "dLdOmega", (Prior(f"opt/{s}", 1.0), a, b)),
        ]
    return calls


def _judge_opt(r: Results) -> None:
    for s, (label, _, _) in enumerate(SERIES):
        name = f"optimal_omega on {label}"
        got = r.student(f"opt/{s}")
        check_scalar(name, got)
        mine = float(got.array)
        a, b = r.call(f"opt/{s}").args
        ref = r.reference_module
        # dL/dω is linear in ω with slope 2 var(p_A - p_B): |dL/dω(ω)| / slope = |ω - ω*|.
        slope = ref.dLdOmega(1.0, a, b) - ref.dLdOmega(0.0, a, b)
        if not np.isfinite(mine):
            fail(f"{name}: returned {mine}, not a finite number")
        residual = abs(ref.dLdOmega(mine, a, b)) / abs(slope)
        if residual <= STATIONARY_RTOL * max(1.0, abs(mine)):
            continue
        # Right given the student's own dLdOmega (a root of it, and it is not flat)?
        own, own_next = r.student(f"own_dL/{s}"), r.student(f"own_dL_next/{s}")
        if own.is_scalar and own_next.is_scalar:
            own_slope = float(own_next.array) - float(own.array)
            if np.isfinite(own_slope) and own_slope != 0 and abs(float(own.array)) <= STATIONARY_RTOL * abs(own_slope) * max(1.0, abs(mine)):
                continue
        fail(
            f"{name}: dL/domega is not zero at your omega* = {mine:.6g}, so it is not the minimiser.\n"
            f"  distance to the minimiser, measured as |dL/domega(omega*)| / (slope of dL/domega): {residual:.3g}"
            f" (must be <= {STATIONARY_RTOL:g})"
        )


CHECKS = (
    Check("test_load_prices", "load_prices reads both columns", _calls_load, _judge_load),
    Check("test_f_of_omega", "f_of_omega, the monthly cost", _calls_f, _judge_f),
    Check("test_L_of_omega", "L_of_omega, the variance of the cost", _calls_L, _judge_L),
    Check("test_L_of_omega_array", "L_of_omega_array", _calls_L_array, _judge_L_array),
    Check("test_dLdOmega", "dLdOmega, the derivative of L", _calls_dL, _judge_dL),
    Check("test_dLdOmega_array", "dLdOmega_array", _calls_dL_array, _judge_dL_array),
    Check("test_optimal_omega", "optimal_omega, the minimiser of L", _calls_opt, _judge_opt),
)
