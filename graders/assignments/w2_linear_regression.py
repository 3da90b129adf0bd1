"""Hidden checks of w2_linear_regression (inputs and judges; no expected values live here).

``gradient_descent`` is graded on its own: it is always called with gradient functions made
here (central differences of the public cost E, or the gradient of another objective), never
with the student's ``dEdm``/``dEdb``, and those functions record where they were called so a
wrong descent gets a message that says what happened (uphill, one step off, sequential
updates, ignored arguments).
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd

from graders.kernel.checks import (CAUSES, CheckFailure, cause, check_defined, check_returned, check_scalar, check_slope,
                                   ignored_argument, ratio_hint)
from graders.kernel.harness import Call, Check, Context, Recorder, Results, fail
from graders.kernel.tolerances import (DIAGNOSIS_RTOL, EXACT_RTOL, FD_STEP, FORMULA_ATOL_SCALE, FORMULA_RTOL,
                                       ROUNDING_ATOL)
from graders.kernel.values import Returned

__all__ = ["CHECKS", "DATA_FILE", "INPUT", "TARGET", "fresh_xy", "cost", "fd_gradients", "other_gradients"]

DATA_FILE = "penguins.csv"
INPUT = "flipper_length_mm"
TARGET = "body_mass_g"

#: Trajectories of two correct descents differ only by rounding, amplified at most by the
#: number of steps (<= 1000 here, contracting or mildly expanding): 1e-7 relative to the size
#: of the parameters leaves 10^5 of margin over observed differences (~1e-12).
TRAJECTORY_RTOL = 1e-7
#: After enough steps at a good rate the descent must sit on the least-squares line.
CONVERGENCE_TOL = 1e-6


def fresh_xy(seed: int, n: int, *, slope: float, intercept: float, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """A noisy straight line of ``n`` points (hidden inputs, other sizes and scales)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.0, scale, n)
    y = slope * x + intercept + rng.normal(0.0, 0.1 * abs(slope) * scale + 0.1, n)
    return x, y


def cost(m: float, b: float, X: np.ndarray, Y: np.ndarray) -> float:
    """E(m, b) as the spec states it: (1/2n) sum((mX + b - Y)^2)."""
    r = m * np.asarray(X, dtype=np.float64) + b - np.asarray(Y, dtype=np.float64)
    return float(r @ r / (2 * r.size))


def _fd_dm(m, b, X, Y):
    return (cost(m + FD_STEP, b, X, Y) - cost(m - FD_STEP, b, X, Y)) / (2 * FD_STEP)


def _fd_db(m, b, X, Y):
    return (cost(m, b + FD_STEP, X, Y) - cost(m, b - FD_STEP, X, Y)) / (2 * FD_STEP)


def fd_gradients(keep: int = 4) -> tuple[Recorder, Recorder]:
    """Recording gradient functions of E by central differences (not the analytic formula)."""
    return Recorder(_fd_dm, keep), Recorder(_fd_db, keep)


def fd_gradients_path() -> tuple[Recorder, Recorder]:
    """The same, keeping every point of a 300-step run: the student's path, for the feedback's cost curve."""
    return fd_gradients(keep=CURVE_POINTS)


#: Points of the descent path kept for the feedback picture (the "converge" run has 300 steps).
CURVE_POINTS = 301


def _q_dm(m, b, X, Y):
    return 2.0 * (m - 3.0) + b


def _q_db(m, b, X, Y):
    return 4.0 * (b + 1.0) + m


def other_gradients() -> tuple[Recorder, Recorder]:
    """Gradient of Q(m, b) = (m-3)^2 + 2(b+1)^2 + m b, which has nothing to do with X and Y."""
    return Recorder(_q_dm), Recorder(_q_db)


def _course(ctx: Context) -> tuple[np.ndarray, np.ndarray]:
    df = pd.read_csv(ctx.data_dir / DATA_FILE)
    return df[INPUT].to_numpy(np.float64), df[TARGET].to_numpy(np.float64)


def _normalized(v: np.ndarray) -> np.ndarray:
    return (v - v.mean()) / v.std()


#: (label, seed, n, slope, intercept, scale); seed None is the course data
DATASETS = (
    ("the course data", None, None, None, None, None),
    ("a hidden data set of 37 points", 11, 37, -2.5, 40.0, 10.0),
    ("a hidden data set of 3 points", 12, 3, 0.7, -1.0, 1.0),
)


def _datasets(ctx: Context):
    for label, seed, n, slope, intercept, scale in DATASETS:
        if seed is None:
            yield label, *_course(ctx)
        else:
            yield label, *fresh_xy(seed, n, slope=slope, intercept=intercept, scale=scale)


#: (m, b) points where cost and gradients are evaluated
POINTS = ((0.0, 0.0), (1.0, -2.0), (-0.3, 5.0), (0.05, 7.0))


def _labels() -> list[str]:
    return [f"(m, b) = ({m:g}, {b:g})" for m, b in POINTS]


def _same(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    return (a is not None and b is not None and np.shape(a) == np.shape(b)
            and bool(np.allclose(a, b, rtol=EXACT_RTOL, atol=0.0, equal_nan=True)))


def _check_not_globals(func: str, args: str, label: str, mine: np.ndarray | None, mine_course: np.ndarray | None,
                       expected: np.ndarray, expected_course: np.ndarray) -> None:
    """Fail when ``func`` returned on other data exactly what it returned on the course data (where
    the answers differ): it computes with notebook variables, not with its arguments."""
    if _same(mine, mine_course) and not _same(expected, expected_course):
        fail(f"{func} on {label}: exactly the same result as on the course data, although the data passed in differ."
             + cause(CAUSES["globals"], f"{func} must compute with its arguments {args}, not with variables of the "
                     "notebook (such as x_mm, y_g or X_norm): check the names inside the function"))


# --- load_data -----------------------------------------------------------------------------


def _calls_load(ctx: Context) -> list[Call]:
    x, y = fresh_xy(21, 41, slope=3.0, intercept=2.0, scale=100.0)
    path = ctx.tmp_dir / "other.csv"
    pd.DataFrame({"id": np.arange(1, 42), INPUT: np.round(x, 1), TARGET: np.round(y, 1)}).to_csv(path, index=False)
    return [
        Call("course", "load_data", (str(ctx.data_dir / DATA_FILE),), view="dataframe"),
        Call("other", "load_data", (str(path),), view="dataframe"),
    ]


def _judge_load(r: Results) -> None:
    for key, where in (("course", f"data/{DATA_FILE}"), ("other", "another CSV file (41 rows, 3 columns)")):
        got, (columns, values) = r.student(key), r.reference(key)
        name = f"load_data on {where}"
        check_defined(name, got)
        if got.items is None:  # the view made a DataFrame (columns, values): anything else is not one
            fail(f"{name}: expected a pandas DataFrame, got {got.type_name}: {got.text}")
        if got.items is None or len(got.items) != 2:
            fail(f"{name}: expected a pandas DataFrame, got {got.type_name}")
        got_columns = got.items[0].text.strip("'\"")
        if got_columns != columns:
            fail(f"{name}: expected the columns {columns.split('|')}, got {got_columns.split('|')}")
        check_returned(f"{name}, values", got.items[1], values, kind="array", rtol=EXACT_RTOL, atol=0.0, reveal=False)


# --- normalize -----------------------------------------------------------------------------


def _calls_normalize(ctx: Context) -> list[Call]:
    calls = []
    for i, (_, x, y) in enumerate(_datasets(ctx)):
        calls += [Call(f"x/{i}", "normalize", (x,)), Call(f"y/{i}", "normalize", (y,))]
    return calls


def _array_of(got: Returned) -> np.ndarray | None:
    return got.array if got.is_numeric else None


def _judge_normalize(r: Results) -> None:
    for i, (label, *_rest) in enumerate(DATASETS):
        for which in ("x", "y"):
            key = f"{which}/{i}"
            got, expected = r.student(key), r.reference(key)
            name = f"normalize({'X' if which == 'x' else 'Y'} of {label})"
            if i > 0:
                _check_not_globals("normalize", "(values)", f"{'X' if which == 'x' else 'Y'} of {label}", _array_of(got),
                                   _array_of(r.student(f"{which}/0")), expected, r.reference(f"{which}/0"))
            try:
                check_returned(name, got, expected, kind="array", rtol=FORMULA_RTOL, atol=ROUNDING_ATOL, reveal=False)
            except CheckFailure as exc:
                n = expected.size
                ratio = ratio_hint(got.array, expected) if got.is_numeric and got.array.shape == expected.shape else None
                if ratio is not None and n > 1 and abs(ratio - np.sqrt((n - 1) / n)) < DIAGNOSIS_RTOL:
                    raise CheckFailure(f"{exc}\n  (that is the sample standard deviation, ddof=1: use the population one, ddof=0)") from None
                raise


# --- predict, E, gradients -----------------------------------------------------------------


def _calls_grid(func: str, ctx: Context) -> list[Call]:
    calls = []
    for i, (_, x, y) in enumerate(_datasets(ctx)):
        for j, (m, b) in enumerate(POINTS):
            args = (m, b, x) if func == "predict" else (m, b, x, y)
            calls.append(Call(f"{func}/{i}/{j}", func, args))
    return calls


def _judge_predict(r: Results) -> None:
    for i, (label, *_rest) in enumerate(DATASETS):
        for j, (m, b) in enumerate(POINTS):
            key = f"predict/{i}/{j}"
            x = r.call(key).args[2]
            if i > 0:
                _check_not_globals("predict", "(m, b, X)", f"X of {label}, (m, b) = ({m:g}, {b:g})", _array_of(r.student(key)),
                                   _array_of(r.student(f"predict/0/{j}")), r.reference(key), r.reference(f"predict/0/{j}"))
            check_returned(f"predict(m={m:g}, b={b:g}, X of {label})", r.student(key), r.reference(key), kind="array",
                           rtol=FORMULA_RTOL, atol=FORMULA_ATOL_SCALE * (1 + abs(m) * np.max(np.abs(x)) + abs(b)), reveal=False)


def _scalars(r: Results, func: str, i: int, label: str) -> np.ndarray:
    values = []
    for j, (m, b) in enumerate(POINTS):
        got = r.student(f"{func}/{i}/{j}")
        check_scalar(f"{func}(m={m:g}, b={b:g}) on {label}", got)
        values.append(float(got.array))
    return np.array(values)


def _scalars_everywhere(r: Results, func: str) -> list[np.ndarray]:
    """The student's values of ``func`` at the POINTS, per data set; fails on other data if they
    repeat what ``func`` returned on the course data."""
    values = [_scalars(r, func, i, label) for i, (label, *_rest) in enumerate(DATASETS)]
    course = np.array([r.reference(f"{func}/0/{j}") for j in range(len(POINTS))])
    for i, (label, *_rest) in enumerate(DATASETS[1:], start=1):
        expected = np.array([r.reference(f"{func}/{i}/{j}") for j in range(len(POINTS))])
        _check_not_globals(func, "(m, b, X, Y)", label, values[i], values[0], expected, course)
    return values


def _judge_E(r: Results) -> None:
    everywhere = _scalars_everywhere(r, "E")
    for i, (label, *_rest) in enumerate(DATASETS):
        values = everywhere[i]
        expected = np.array([r.reference(f"E/{i}/{j}") for j in range(len(POINTS))])
        n = r.call(f"E/{i}/0").args[2].size
        try:
            check_returned(f"E on {label}", Returned("numpy.ndarray", values, "float64"), expected, kind="array",
                           rtol=FORMULA_RTOL, atol=ROUNDING_ATOL, reveal=False, labels=_labels())
        except CheckFailure as exc:
            ratio = ratio_hint(values, expected)
            for factor, why in ((2 * n, "a sum instead of the mean, and no 1/2"), (n, "a sum instead of a mean: E has 1/(2n)")):
                if ratio is not None and n > 1 and abs(ratio - factor) < DIAGNOSIS_RTOL * factor:
                    raise CheckFailure(f"{exc}\n  ({why}?)") from None
            if ratio is not None and abs(ratio - 2.0) < DIAGNOSIS_RTOL * 2.0:
                raise CheckFailure(f"{exc}" + cause(CAUSES["mse_scaling"], "E is the mean squared error divided by 2, "
                                                    "(1/(2n)) * sum((m*X + b - Y)**2): the 1/2 of 1/(2n) is missing")) from None
            raise


def _judge_gradient(func: str, partial: Callable[..., float]) -> Callable[[Results], None]:
    def judge(r: Results) -> None:
        everywhere = _scalars_everywhere(r, func)
        for i, (label, *_rest) in enumerate(DATASETS):
            values = everywhere[i]
            x, y = r.call(f"{func}/{i}/0").args[2:]
            slopes = np.array([partial(m, b, x, y) for m, b in POINTS])
            var = "m" if func == "dEdm" else "b"
            formula = "(1/n) * sum((m*X + b - Y) * X)" if func == "dEdm" else "(1/n) * sum(m*X + b - Y)"
            mse = cause(CAUSES["mse_scaling"], f"the derivative of the mean squared error (1/n) * sum(...**2); E has "
                        f"1/(2n), whose 1/2 cancels the 2 from the square: {func} = {formula}")
            check_slope(f"{func} on {label}", values, slopes, of="E", along=var, places=_labels(), counted="points",
                        floor=1e-9, causes={2.0: mse})
            expected = np.array([r.reference(f"{func}/{i}/{j}") for j in range(len(POINTS))])
            check_returned(f"{func} on {label}", Returned("numpy.ndarray", values, "float64"), expected, kind="array",
                           rtol=FORMULA_RTOL, atol=ROUNDING_ATOL, reveal=False, labels=_labels())

    return judge


# --- gradient_descent ----------------------------------------------------------------------

#: (key, description, gradients, m0, b0, learning_rate, num_iterations, data)
#: data: "course" (normalised course data) or "fresh" (hidden set, normalised)
RUNS = (
    ("zero", "0 iterations", fd_gradients, 0.5, -0.5, 0.1, 0, "course"),
    ("one", "1 iteration", fd_gradients, 0.0, 0.0, 0.1, 1, "course"),
    ("short", "7 iterations from (2, 3) at rate 0.3", fd_gradients, 2.0, 3.0, 0.3, 7, "fresh"),
    ("slow", "1000 iterations at rate 0.001", fd_gradients, 0.0, 0.0, 0.001, 1000, "course"),
    ("diverge", "12 iterations at rate 2.5 (diverges)", fd_gradients, 0.1, 0.1, 2.5, 12, "fresh"),
    ("other", "5 iterations with the gradient of another function", other_gradients, 0.0, 0.0, 0.1, 5, "fresh"),
    ("converge", "300 iterations at rate 0.1", fd_gradients_path, 0.0, 0.0, 0.1, 300, "course"),
)


def _calls_gd(ctx: Context) -> list[Call]:
    x, y = _course(ctx)
    fx, fy = fresh_xy(31, 50, slope=1.5, intercept=-4.0, scale=20.0)
    data = {"course": (_normalized(x), _normalized(y)), "fresh": (_normalized(fx), _normalized(fy))}
    calls = []
    for key, _, grads, m0, b0, lr, n, which in RUNS:
        dm, db = grads()
        X, Y = data[which]
        calls.append(Call(key, "gradient_descent", (dm, db, m0, b0, X, Y),
                          kwargs={"learning_rate": lr, "num_iterations": n}, view="with_recorders"))
    return calls


def _gd_result(got: Returned, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    check_defined(name, got)
    if got.items is None or len(got.items) != 3:
        fail(f"{name}: could not read the result ({got.type_name})")
    result, log_m, log_b = got.items
    if not result.is_numeric or result.array.shape != (2,):
        fail(f"{name}: expected (m, b), two numbers, got {result.type_name}: {result.text}")
    return result.array, log_m.array, log_b.array


def _diagnose(r: Results, key: str, desc: str, result: np.ndarray, log_m: np.ndarray, log_b: np.ndarray,
              expected: np.ndarray) -> str:
    call = r.call(key)
    _, _, m0, b0, X, Y = call.args
    n = call.kwargs["num_iterations"]
    lr = call.kwargs["learning_rate"]
    calls_m, calls_b = int(log_m[0]), int(log_b[0])
    pts_m, pts_b = log_m[1:].reshape(-1, 2), log_b[1:].reshape(-1, 2)
    name = f"gradient_descent, {desc}"
    for other in (n - 1, n + 1):
        if other >= 0:
            m_o, b_o = _run_reference(r, call, other)
            if np.allclose(result, [m_o, b_o], rtol=TRAJECTORY_RTOL, atol=ROUNDING_ATOL):
                return f"{name}: your result is what {other} iterations give, not {n}: one step off?"
    if n > 0 and (calls_m == 0 or calls_b == 0):
        unused = " and ".join(f for f, c in (("dEdm", calls_m), ("dEdb", calls_b)) if c == 0)
        return f"{name}: the gradient function{'s' if ' and ' in unused else ''} passed in as {unused} {'were' if ' and ' in unused else 'was'} never called. Use the functions given as arguments, not global ones."
    if n > 0 and calls_m >= 1 and calls_b >= 1 and not np.array_equal(pts_m[0], pts_b[0], equal_nan=True):
        which = "sequential_b" if np.array_equal(pts_m[0], [m0, b0]) else "sequential_m"
        return (f"{name}: the first step evaluated dEdm at (m, b) = ({pts_m[0][0]:.6g}, {pts_m[0][1]:.6g}) but dEdb at "
                f"({pts_b[0][0]:.6g}, {pts_b[0][1]:.6g}): one parameter was updated before the other's gradient was "
                "computed. Compute both gradients at the current (m, b), then update both (a simultaneous update)."
                + cause(CAUSES[which], "keep the new value in another variable (m_new = ...) until both gradients "
                        "are computed, or compute both gradients first"))
    ignored = _ignored_argument(r, call, name, result)
    if ignored:
        return ignored
    if n >= 1 and calls_m >= 1 and np.isfinite(result).all():
        start = float(np.hypot(*_grad_at(call, m0, b0)))
        if n == 1 and start > 0:
            e0 = _objective(call, m0, b0)
            e1 = _objective(call, *result)
            if e1 > e0:
                return f"{name}: the cost rose after the first step (from {e0:.6g} to {e1:.6g}): step against the gradient, m - rate * dE/dm."
    if n >= 1 and calls_m not in (n, 0) and calls_m % n != 0:
        return f"{name}: the gradient functions were called {calls_m} times for num_iterations={n}: one step off?"
    mism = check_message(result, expected)
    return f"{name}: wrong (m, b).\n{mism}"


#: What a gradient_descent that ignores an argument uses instead: the default, or a rate of the lesson.
IGNORED_VALUES = {"learning_rate": (0.001, 0.01, 0.1, 0.5), "num_iterations": (1000,)}
GD_DEFAULTS = {"learning_rate": 0.001, "num_iterations": 1000}


def _ignored_argument(r: Results, call: Call, name: str, result: np.ndarray) -> str | None:
    """The message when the result is the run with one argument replaced by a value fixed inside."""
    for arg, values in IGNORED_VALUES.items():
        for value in values:
            if value == call.kwargs[arg]:
                continue
            with np.errstate(all="ignore"):
                m_o, b_o = _run_reference(r, call, **{arg: value})
            if np.isfinite([m_o, b_o]).all() and np.allclose(result, [m_o, b_o], rtol=TRAJECTORY_RTOL, atol=ROUNDING_ATOL):
                note = " (the default)" if value == GD_DEFAULTS[arg] else ""
                return (f"{name}: your (m, b) is what {arg}={value:g}{note} gives, not {arg}={call.kwargs[arg]:g}."
                        + cause(ignored_argument(arg), f"use the {arg} passed in, not a number fixed inside the function"))
    return None


def check_message(result: np.ndarray, expected: np.ndarray) -> str:
    from graders.kernel.checks import mismatch_message

    text = mismatch_message("(m, b)", result, expected, rtol=TRAJECTORY_RTOL, atol=ROUNDING_ATOL, reveal=False, labels=["m", "b"])
    return "\n".join(text.splitlines()[1:]) if text else ""


def _grad_at(call: Call, m: float, b: float) -> tuple[float, float]:
    dm, db = call.args[0].fn, call.args[1].fn
    X, Y = call.args[4], call.args[5]
    return dm(m, b, X, Y), db(m, b, X, Y)


def _objective(call: Call, m: float, b: float) -> float:
    X, Y = call.args[4], call.args[5]
    if call.args[0].fn is _q_dm:
        return (m - 3.0) ** 2 + 2 * (b + 1.0) ** 2 + m * b
    return cost(m, b, X, Y)


def _run_reference(r: Results, call: Call, iterations: int | None = None, learning_rate: float | None = None,
                   num_iterations: int | None = None) -> tuple[float, float]:
    dm, db = call.args[0].fn, call.args[1].fn
    _, _, m0, b0, X, Y = call.args
    iterations = num_iterations if num_iterations is not None else iterations
    return r.reference_module.gradient_descent(
        dm, db, m0, b0, X.copy(), Y.copy(),
        learning_rate=call.kwargs["learning_rate"] if learning_rate is None else learning_rate,
        num_iterations=call.kwargs["num_iterations"] if iterations is None else iterations)


#: The reference's costs along its descent for the picture, by the descent's inputs: the same for
#: every submission, so computed once per process.
_REFERENCE_COSTS: dict[tuple, list[float]] = {}


def _reference_costs(r: Results, call: Call) -> list[float]:
    dm, db = call.args[0].fn, call.args[1].fn
    _, _, m, b, X, Y = call.args
    rate, n = call.kwargs["learning_rate"], call.kwargs["num_iterations"]
    key = (dm, db, m, b, rate, n, X.tobytes(), Y.tobytes())
    if key not in _REFERENCE_COSTS:
        E, costs = r.reference_module.E, []
        with np.errstate(all="ignore"):
            for _ in range(n):
                costs.append(float(E(m, b, X, Y)))
                m, b = m - rate * dm(m, b, X, Y), b - rate * db(m, b, X, Y)
        _REFERENCE_COSTS[key] = costs
    return _REFERENCE_COSTS[key]


def _picture_gd(r: Results) -> dict[str, str] | None:
    """The student's cost along their own path on the course data, beside the reference's."""
    from graders.autograde.pictures import cost_curves

    got = r.student("converge")
    if got.items is None or len(got.items) != 3 or not got.items[1].is_numeric:
        return None
    log_m = got.items[1].array
    path = log_m[1:].reshape(-1, 2)
    path = path[: min(int(log_m[0]), len(path))]
    call = r.call("converge")
    X, Y = call.args[4], call.args[5]
    E = r.reference_module.E
    with np.errstate(all="ignore"):
        yours = [float(E(pm, pb, X, Y)) if np.isfinite([pm, pb]).all() else np.nan for pm, pb in path]
    if not yours:
        return None
    return cost_curves(yours, _reference_costs(r, call), title="gradient_descent on the course data (normalised), rate 0.1: "
                       "E where your descent evaluated the gradient")


def _judge_gd(r: Results) -> None:
    for key, desc, *_rest in RUNS:
        name = f"gradient_descent, {desc}"
        result, log_m, log_b = _gd_result(r.student(key), name)
        (m_ref, b_ref), _, _ = r.reference(key)
        expected = np.array([m_ref, b_ref], dtype=np.float64)
        scale = max(1.0, float(np.max(np.abs(expected))))
        if np.all(np.abs(result - expected) <= TRAJECTORY_RTOL * scale):
            continue
        fail(_diagnose(r, key, desc, result, log_m, log_b, expected))
    # convergence to the least-squares line (trusted np.polyfit on the same normalised data)
    call = r.call("converge")
    X, Y = call.args[4], call.args[5]
    slope, intercept = np.polyfit(X, Y, 1)
    result, _, _ = _gd_result(r.student("converge"), "gradient_descent")
    if np.max(np.abs(result - [slope, intercept])) > CONVERGENCE_TOL:
        fail(f"gradient_descent, 300 iterations at rate 0.1: did not reach the least-squares line (off by {np.max(np.abs(result - [slope, intercept])):.3g}).")


CHECKS = (
    Check("test_load_data", "load_data reads the whole CSV", _calls_load, _judge_load),
    Check("test_normalize", "normalize, with the population std", _calls_normalize, _judge_normalize),
    Check("test_predict", "predict, the line's values", lambda ctx: _calls_grid("predict", ctx), _judge_predict),
    Check("test_E", "E, the cost", lambda ctx: _calls_grid("E", ctx), _judge_E),
    Check("test_dEdm", "dEdm, the partial derivative along m", lambda ctx: _calls_grid("dEdm", ctx), _judge_gradient("dEdm", _fd_dm)),
    Check("test_dEdb", "dEdb, the partial derivative along b", lambda ctx: _calls_grid("dEdb", ctx), _judge_gradient("dEdb", _fd_db)),
    Check("test_gradient_descent", "gradient_descent, graded with gradients we give it", _calls_gd, _judge_gd,
          picture=_picture_gd),
)
