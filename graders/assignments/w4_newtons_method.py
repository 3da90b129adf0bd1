"""Hidden checks of w4_newtons_method (inputs and judges; no expected values live here).

``gradient_f`` and ``hessian_f`` are compared at hidden points with central differences of the
course's f (and of the reference gradient, for the Hessian) and with the reference; a wrong
component is named, with the term of f whose contribution looks wrong when one term explains
the error at every point.

``newtons_method_1d`` and ``newtons_method_2d`` are graded on their own: they are always called
with derivative functions made here (a non-diagonal quadratic, where one Newton step lands on the
minimum; functions that are not the course's; the course f through central differences, so that
this module, which the kernel can read, never spells out the exercise's derivatives), and those
functions record where they are called. A wrong method gets a message that says what happened:
functions never called, a fixed step size, the ratio upside down, H times the gradient, one step
off, num_iterations ignored, a step k times Newton's, linear instead of quadratic convergence.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from graders.kernel.checks import check_defined, check_returned, check_scalar, mismatch_message, ratio_hint, ratio_phrase
from graders.kernel.gradcheck import rel_error
from graders.kernel.harness import Call, Check, Context, Recorder, Results, fail
from graders.kernel.tolerances import (
    FD_HESSIAN_STEP,
    FD_REL_ERROR,
    FD_STEP,
    FORMULA_ATOL_SCALE,
    FORMULA_RTOL,
    ITERATE_RTOL,
    QUADRATIC_RATIO_FACTOR,
)
from graders.kernel.values import Returned

__all__ = ["CHECKS", "course_f", "PointRecorder", "POINTS", "RUNS_1D", "RUNS_2D"]


def course_f(x: float, y: float) -> float:
    """f(x, y) as the spec states it."""
    return x**4 + 0.8 * y**4 + 4 * x**2 + 2 * y**2 - x * y - 0.2 * x**2 * y


def _point(args: tuple[Any, ...]) -> tuple[float, float]:
    if len(args) >= 2:
        return float(args[0]), float(args[1])
    v = np.asarray(args[0], dtype=np.float64).ravel()
    return (float(v[0]), np.nan) if v.size == 1 else (float(v[0]), float(v[1]))


class PointRecorder(Recorder):
    """A :class:`~graders.kernel.harness.Recorder` that also reads ``f'(x)`` (one argument) and
    ``grad(v)`` (one array of two coordinates) as well as ``grad(x, y)``."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.count += 1
        if len(self.points) < self.keep:
            try:
                self.points.append(_point(args))
            except Exception:
                self.points.append((np.nan, np.nan))
        return self.fn(*args, **kwargs)


def _xy(args: tuple[Any, ...]) -> tuple[float, float]:
    """(x, y) from ``(x, y)`` or from one array ``(v,)``."""
    if len(args) == 1:
        v = np.asarray(args[0], dtype=np.float64).ravel()
        return float(v[0]), float(v[1])
    return float(args[0]), float(args[1])


# --- functions of one variable (f' and f'' given to newtons_method_1d) ----------------------


def _quad_d1(x):  # f(x) = 3 (x - 1.7)^2 + 2: one Newton step lands on 1.7
    return 6.0 * (x - 1.7)


def _quad_d2(x):
    return 6.0


def _exp_d1(x):  # f(x) = e^x - 2x, minimum at ln 2
    return np.exp(x) - 2.0


def _exp_d2(x):
    return np.exp(x)


def _cubic_d1(x):  # f(x) = x^4/4 + x^2/2 - 2x, strictly convex, minimum at 1
    return x**3 + x - 2.0


def _cubic_d2(x):
    return 3.0 * x**2 + 1.0


_C4 = -0.6


def _quartic_d1(x):  # f(x) = (x + 0.6)^4: Newton contracts by exactly 2/3 a step (linear convergence)
    return 4.0 * (x - _C4) ** 3


def _quartic_d2(x):
    return 12.0 * (x - _C4) ** 2


# --- functions of two variables (grad and hessian given to newtons_method_2d) ---------------


def _q_grad(*args):  # Q = 2(x-1)^2 + 3(y+2)^2 + 1.5(x-1)(y+2): non-diagonal, minimum (1, -2)
    x, y = _xy(args)
    return np.array([4.0 * (x - 1.0) + 1.5 * (y + 2.0), 6.0 * (y + 2.0) + 1.5 * (x - 1.0)])


def _q_hessian(*args):
    return np.array([[4.0, 1.5], [1.5, 6.0]])


def _c_grad(*args):  # C = cosh(x - 0.5) + cosh(y + 0.3) + (x - y)^2 / 2: coupled, convex
    x, y = _xy(args)
    return np.array([np.sinh(x - 0.5) + (x - y), np.sinh(y + 0.3) - (x - y)])


def _c_hessian(*args):
    x, y = _xy(args)
    return np.array([[np.cosh(x - 0.5) + 1.0, -1.0], [-1.0, np.cosh(y + 0.3) + 1.0]])


_P_A = np.array([[1.0, 0.5], [-0.3, 1.0]])
_P_C = np.array([0.5, -1.0])


def _p_grad(*args):  # P = sum(u^4), u = A (v - c): Newton contracts v - c by exactly 2/3 a step
    u = _P_A @ (np.array(_xy(args)) - _P_C)
    return _P_A.T @ (4.0 * u**3)


def _p_hessian(*args):
    u = _P_A @ (np.array(_xy(args)) - _P_C)
    return _P_A.T @ np.diag(12.0 * u**2) @ _P_A


def _f_grad(*args):
    """The gradient of the course f by central differences (not the exercise's formula)."""
    x, y = _xy(args)
    h = FD_STEP
    return np.array([(course_f(x + h, y) - course_f(x - h, y)) / (2 * h),
                     (course_f(x, y + h) - course_f(x, y - h)) / (2 * h)])


def _f_hessian(*args):
    """The Hessian of the course f by central differences of :func:`_f_grad`, symmetrised."""
    x, y = _xy(args)
    s = FD_HESSIAN_STEP
    cols = [(_f_grad(x + s, y) - _f_grad(x - s, y)) / (2 * s), (_f_grad(x, y + s) - _f_grad(x, y - s)) / (2 * s)]
    H = np.column_stack(cols)
    return (H + H.T) / 2


#: name -> (first derivative, second derivative, description)
FUNCTIONS: dict[str, tuple[Callable[..., Any], Callable[..., Any], str]] = {
    "quad1": (_quad_d1, _quad_d2, "a parabola"),
    "exp": (_exp_d1, _exp_d2, "f(x) = e^x - 2x"),
    "cubic": (_cubic_d1, _cubic_d2, "f(x) = x^4/4 + x^2/2 - 2x"),
    "quartic1": (_quartic_d1, _quartic_d2, "f(x) = (x + 0.6)^4"),
    "quad2": (_q_grad, _q_hessian, "a non-diagonal quadratic"),
    "cosh": (_c_grad, _c_hessian, "a coupled sum of cosh"),
    "quartic2": (_p_grad, _p_hessian, "a rotated quartic"),
    "course": (_f_grad, _f_hessian, "the course's f"),
}

#: Call points kept for the picture and the convergence check (the longest kept run has 10 steps).
PATH_POINTS = 11

#: (key, function, x0, num_iterations or None for the default, points kept) -- in the order judged
RUNS_1D = (
    ("zero", "exp", 2.5, 0, 4),
    ("quad", "quad1", -4.0, 1, 4),
    ("exp", "exp", 1.5, 3, 4),
    ("converge", "cubic", 3.0, 6, PATH_POINTS),
    ("default", "quartic1", 2.0, None, 4),
    ("seven", "quartic1", -3.0, 7, 4),
)
RUNS_2D = (
    ("zero", "quad2", (0.5, -0.25), 0, 4),
    ("quad", "quad2", (3.0, 4.0), 1, 4),
    ("cosh", "cosh", (2.0, -1.5), 3, 4),
    ("converge", "cosh", (-1.0, 2.0), 6, PATH_POINTS),
    ("course_two", "course", (-2.5, 3.0), 2, 4),
    ("course", "course", (4.0, 4.0), 10, PATH_POINTS),
    ("default", "quartic2", (2.0, 1.0), None, 4),
    ("four", "quartic2", (-1.0, 3.0), 4, 4),
)
#: The run whose path the feedback picture shows (the lesson's start on the course f).
PICTURE_RUN = "course"


def _describe_run(func: str, x0: Any, n: int | None) -> str:
    start = f"{x0:g}" if np.ndim(x0) == 0 else f"({x0[0]:g}, {x0[1]:g})"
    its = "the default num_iterations" if n is None else f"{n} iteration{'' if n == 1 else 's'}"
    return f"{its} on {FUNCTIONS[func][2]} from {start}"


def _calls_newton(name: str, runs: tuple) -> Callable[[Context], list[Call]]:
    def calls(ctx: Context) -> list[Call]:
        out = []
        for key, func, x0, n, keep in runs:
            d1, d2, _ = FUNCTIONS[func]
            start = x0 if np.ndim(x0) == 0 else np.array(x0, dtype=np.float64)
            kwargs = {} if n is None else {"num_iterations": n}
            out.append(Call(key, name, (PointRecorder(d1, keep), PointRecorder(d2, keep), start), kwargs=kwargs,
                            view="with_recorders"))
        return out

    return calls


# --- gradient_f and hessian_f ---------------------------------------------------------------

#: Hidden points: both signs, small and large, x and y of different sizes.
POINTS = ((1.0, -2.0), (-1.5, 0.7), (2.3, 3.1), (-0.4, -2.6), (0.3, 0.5), (6.0, -4.5))
#: The six terms of f as a message names them, with their values (the formula of f, public).
TERMS = {
    "x⁴": lambda x, y: x**4,
    "0.8y⁴": lambda x, y: 0.8 * y**4,
    "4x²": lambda x, y: 4 * x**2,
    "2y²": lambda x, y: 2 * y**2,
    "−xy": lambda x, y: -x * y,
    "−0.2x²y": lambda x, y: -0.2 * x**2 * y,
}
#: A residual counts as one term's doing when it is that term's contribution times a constant to
#: this relative accuracy (the contributions are central differences, good to ~1e-7 relative).
TERM_FIT = 1e-4


def _contribution(component: str, term: str, x: float, y: float) -> float:
    """One term's share of one derivative of f at (x, y), by central differences of that term alone
    (so that this module, which the kernel can read, holds no derivative of f)."""
    t, h, s = TERMS[term], FD_STEP, FD_HESSIAN_STEP
    if component == "dx":
        return (t(x + h, y) - t(x - h, y)) / (2 * h)
    if component == "dy":
        return (t(x, y + h) - t(x, y - h)) / (2 * h)
    if component == "dxx":
        return (t(x + s, y) - 2 * t(x, y) + t(x - s, y)) / s**2
    if component == "dyy":
        return (t(x, y + s) - 2 * t(x, y) + t(x, y - s)) / s**2
    return (t(x + s, y + s) - t(x + s, y - s) - t(x - s, y + s) + t(x - s, y - s)) / (4 * s**2)


def _term_hint(component: str, residual: np.ndarray) -> str | None:
    """If ``residual`` (yours minus the derivative, at every point) is a multiple of one term's
    contribution, say what happened to that term."""
    if not np.all(np.isfinite(residual)) or not np.any(residual):
        return None
    norm = float(np.linalg.norm(residual))
    for term in TERMS:
        t = np.array([_contribution(component, term, x, y) for x, y in POINTS])
        if np.linalg.norm(t) < 1e-3:
            continue  # this term does not enter this derivative
        c = float(residual @ t / (t @ t))
        if np.linalg.norm(residual - c * t) > TERM_FIT * norm:
            continue
        for value, what in ((-1.0, "looks missing"), (-2.0, "has the wrong sign"), (1.0, "is counted twice")):
            if abs(c - value) < 1e-3:
                return f"the {term} term's contribution {what}"
        return f"the {term} term's contribution looks about {1 + c:.3g} times what it should be"
    return None


def _calls_points(func: str) -> Callable[[Context], list[Call]]:
    def calls(ctx: Context) -> list[Call]:
        return [Call(f"{func}/{i}", func, (x, y)) for i, (x, y) in enumerate(POINTS)]

    return calls


def _where(i: int) -> str:
    return f"(x, y) = ({POINTS[i][0]:g}, {POINTS[i][1]:g})"


def _numeric(got: Returned, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """The returned value as a float array of ``shape``: a numpy array, or a list/tuple that converts."""
    check_defined(name, got)
    if not got.is_numeric or got.dtype in ("bool", "bool_"):
        fail(f"{name}: expected a numpy array of shape {shape}, got {got.type_name}: {got.text}")
    if got.array.shape != shape:
        fail(f"{name}: expected shape {shape}, got shape {got.array.shape}")
    return got.array


def _component_failure(func: str, label: str, component: str, values: np.ndarray, slopes: np.ndarray,
                       truth: np.ndarray, against: str) -> str | None:
    """The message for one wrong component (``values`` against central differences ``slopes``)."""
    errors = rel_error(values, slopes, floor=1.0)
    bad = ~(errors <= FD_REL_ERROR)
    if not np.any(bad):
        return None
    worst = int(np.nanargmax(np.where(np.isfinite(errors), errors, np.inf)))
    hint = _term_hint(component, values - truth)
    if hint is None:
        hint = ratio_phrase(ratio_hint(values[bad], truth[bad]), f"{label}", exact=False)
    return (f"{func}: {label} is off at {int(bad.sum())} of {len(POINTS)} points"
            + (f": {hint}." if hint else ".")
            + f"\n  compared with central differences of {against} (step {FD_STEP:g}); relative error must be"
            f" <= {FD_REL_ERROR:g}\n  worst at {_where(worst)}: yours {values[worst]:.6g}, relative error"
            f" {errors[worst]:.3g}")


def _judge_gradient(r: Results) -> None:
    got = np.array([_numeric(r.student(f"gradient_f/{i}"), f"gradient_f{POINTS[i]}", (2,)) for i in range(len(POINTS))])
    h = FD_STEP
    fd = np.array([[(course_f(x + h, y) - course_f(x - h, y)) / (2 * h),
                    (course_f(x, y + h) - course_f(x, y - h)) / (2 * h)] for x, y in POINTS])
    truth = np.array([r.reference(f"gradient_f/{i}") for i in range(len(POINTS))])
    if np.all(np.isfinite(got)) and np.allclose(got[:, ::-1], truth, rtol=1e-9, atol=1e-9):
        fail("gradient_f: the two components are swapped: return [∂f/∂x, ∂f/∂y], in that order.")
    messages = [m for j, (label, comp) in enumerate((("∂f/∂x", "dx"), ("∂f/∂y", "dy")))
                if (m := _component_failure("gradient_f", label, comp, got[:, j], fd[:, j], truth[:, j], "f"))]
    if messages:
        fail("\n".join(messages))
    for i, (x, y) in enumerate(POINTS):
        scale = (1 + max(abs(x), abs(y))) ** 3
        check_returned(f"gradient_f at {_where(i)}", Returned("numpy.ndarray", got[i], "float64"), truth[i], kind="array",
                       rtol=FORMULA_RTOL, atol=FORMULA_ATOL_SCALE * scale, reveal=False, labels=["∂f/∂x", "∂f/∂y"])


_ENTRIES = (((0, 0), "∂²f/∂x²", "dxx"), ((0, 1), "∂²f/∂x∂y", "dxy"), ((1, 0), "∂²f/∂y∂x", "dxy"), ((1, 1), "∂²f/∂y²", "dyy"))


def _judge_hessian(r: Results) -> None:
    got = np.array([_numeric(r.student(f"hessian_f/{i}"), f"hessian_f{POINTS[i]}", (2, 2)) for i in range(len(POINTS))])
    grad = r.reference_module.gradient_f
    h = FD_STEP
    fd = np.array([np.column_stack([(grad(x + h, y) - grad(x - h, y)) / (2 * h), (grad(x, y + h) - grad(x, y - h)) / (2 * h)])
                   for x, y in POINTS])
    truth = np.array([r.reference(f"hessian_f/{i}") for i in range(len(POINTS))])
    messages = [m for (i, j), label, comp in _ENTRIES
                if (m := _component_failure("hessian_f", label, comp, got[:, i, j], fd[:, i, j], truth[:, i, j],
                                            "the gradient of f"))]
    with np.errstate(all="ignore"):
        asym = np.abs(got[:, 0, 1] - got[:, 1, 0]) > 1e-12 * (1 + np.abs(got[:, 0, 1]) + np.abs(got[:, 1, 0]))
    if np.any(asym):
        k = int(np.argmax(asym))
        messages.insert(0, f"hessian_f: not symmetric at {int(asym.sum())} of {len(POINTS)} points (at {_where(k)}: your "
                        f"∂²f/∂x∂y is {got[k, 0, 1]:.6g} but ∂²f/∂y∂x is {got[k, 1, 0]:.6g}); the mixed partial "
                        "derivatives of a smooth f are equal, so H[0, 1] == H[1, 0].")
    if messages:
        fail("\n".join(messages))
    for i, (x, y) in enumerate(POINTS):
        scale = (1 + max(abs(x), abs(y))) ** 2
        check_returned(f"hessian_f at {_where(i)}", Returned("numpy.ndarray", got[i], "float64"), truth[i], kind="array",
                       rtol=FORMULA_RTOL, atol=FORMULA_ATOL_SCALE * scale, reveal=False)


# --- Newton's method: simulations of the right and of typical wrong steps -------------------


def _step_1d(rule: str, d1: Callable, d2: Callable, x: float) -> float:
    g, h = d1(x), d2(x)
    return {"newton": x - g / h, "inverted": x - h / g, "product": x - g * h, "uphill": x + g / h}[rule]


def _step_2d(rule: str, grad: Callable, hessian: Callable, x: np.ndarray, h0: np.ndarray) -> np.ndarray:
    g, H = np.asarray(grad(x[0], x[1]), dtype=float), np.asarray(hessian(x[0], x[1]), dtype=float)
    if rule == "newton":
        return x - np.linalg.solve(H, g)
    if rule == "product":
        return x - H @ g
    if rule == "diagonal":
        return x - g / np.diag(H)
    if rule == "uphill":
        return x + np.linalg.solve(H, g)
    if rule == "frozen":  # the Hessian of the start, never re-evaluated
        return x - np.linalg.solve(h0, g)
    raise ValueError(rule)


def _simulate(call: Call, rule: str, n: int, two_d: bool) -> np.ndarray:
    """Where ``n`` steps of ``rule`` lead from the call's start (NaN when the rule breaks down)."""
    d1, d2, x0 = call.args[0].fn, call.args[1].fn, call.args[2]
    try:
        with np.errstate(all="ignore"):
            if two_d:
                x = np.array(x0, dtype=np.float64)
                h0 = np.asarray(d2(x[0], x[1]), dtype=float)
                for _ in range(n):
                    x = _step_2d(rule, d1, d2, x, h0)
                return x
            x = float(x0)
            for _ in range(n):
                x = float(_step_1d(rule, d1, d2, x))
            return np.array(x)
    except (ArithmeticError, np.linalg.LinAlgError, ValueError):
        return np.full(2 if two_d else (), np.nan)


def _close(got: np.ndarray, expected: np.ndarray) -> bool:
    with np.errstate(all="ignore"):
        scale = np.maximum(1.0, np.abs(expected))
        return bool(np.all(np.isfinite(got)) and np.all(np.isfinite(expected))
                    and np.all(np.abs(got - expected) <= ITERATE_RTOL * scale))


def _its(n: int) -> str:
    return f"{n} iteration{'' if n == 1 else 's'}"


def _iterations(call: Call) -> int:
    return int(call.kwargs.get("num_iterations", 25))


#: Newton's step in one variable, as messages write it.
NEWTON_1D = "f'(x) / f''(x)"

WRONG_RULES_1D = (
    ("inverted", "the ratio is upside down: Newton's step is f'(x) / f''(x), not f''(x) / f'(x)"),
    ("product", "you multiplied f'(x) by f''(x): Newton's step divides, x - f'(x) / f''(x)"),
    ("uphill", "your step goes the wrong way: x - f'(x) / f''(x), with a minus"),
)
WRONG_RULES_2D = (
    ("product", "you multiplied the gradient by the Hessian (H·∇f): Newton's step is H⁻¹∇f, the s that solves "
                "H s = ∇f (np.linalg.solve(H, g), or np.linalg.inv(H) @ g)"),
    ("diagonal", "you divided each gradient component by the Hessian's diagonal entry, which ignores ∂²f/∂x∂y: "
                 "use the whole inverse, H⁻¹∇f"),
    ("uphill", "your step goes the wrong way: x - H⁻¹∇f, with a minus"),
    ("frozen", "the Hessian of the start was used at every step: evaluate hessian at the current point in each "
               "iteration"),
)


def _path(log: np.ndarray, result: np.ndarray, n: int, two_d: bool) -> np.ndarray:
    """The iterates: the distinct points where the first derivative was evaluated (repeats at one
    point dropped), then the result if all ``n`` iterates were recorded."""
    pts = log[1:].reshape(-1, 2)[: int(log[0])]
    pts = pts if two_d else pts[:, :1]
    out: list[np.ndarray] = []
    for p in pts:
        if not out or not np.array_equal(p, out[-1], equal_nan=True):
            out.append(np.array(p, dtype=float))
    out = out[:n]
    if len(out) == n:
        last = np.atleast_1d(np.asarray(result, dtype=float))
        if not out or not np.array_equal(last, out[-1], equal_nan=True):
            out.append(last)
    return np.array(out).reshape(-1, 2 if two_d else 1)


def _fixed_step(call: Call, path: np.ndarray, two_d: bool) -> float | None:
    """alpha if every step of the path is -alpha times the gradient there (at least two steps)."""
    if len(path) < 3 or not np.all(np.isfinite(path)):
        return None
    d1 = call.args[0].fn
    alphas = []
    with np.errstate(all="ignore"):
        for a, b in zip(path[:-1], path[1:]):
            g = np.atleast_1d(np.asarray(d1(a[0], a[1]) if two_d else d1(a[0]), dtype=float))
            step = b - a
            k = int(np.argmax(np.abs(g)))
            if g[k] == 0:
                return None
            alpha = -step[k] / g[k]
            if np.linalg.norm(step + alpha * g) > 1e-6 * (np.linalg.norm(step) + 1e-300):
                return None
            alphas.append(alpha)
    alphas = np.array(alphas)
    if np.all(np.abs(alphas - alphas[0]) <= 1e-6 * abs(alphas[0])) and alphas[0] != 0:
        return float(alphas[0])
    return None


def _diagnose(r: Results, key: str, name: str, result: np.ndarray, logs: tuple[np.ndarray, np.ndarray],
              expected: np.ndarray, two_d: bool) -> str:
    call = r.call(key)
    n = _iterations(call)
    names = ("grad", "hessian") if two_d else ("dfdx", "d2fdx2")
    counts = [int(log[0]) for log in logs]
    for other in (n - 1, n + 1):
        if other >= 0 and _close(result, _simulate(call, "newton", other, two_d)):
            return f"{name}: your result is what {_its(other)} {'gives' if other == 1 else 'give'}, not {n}: one step off?"
    if n > 0 and 0 in counts:
        unused = " and ".join(f for f, c in zip(names, counts) if c == 0)
        plural = " and " in unused
        text = (f"{name}: the function{'s' if plural else ''} passed in as {unused} {'were' if plural else 'was'} never "
                "called. Use the functions given as arguments, not global ones.")
        if counts[0] > 0:  # the first derivative only: a fixed step size?
            alpha = _fixed_step(call, _path(logs[0], result, n, two_d), two_d)
            seen = f" (every step of yours is about {alpha:.3g} times the {'gradient' if two_d else 'derivative'})" \
                if alpha is not None else ""
            text += (f" Newton's step is {'H⁻¹∇f' if two_d else NEWTON_1D}, not a fixed step size times the "
                     f"{'gradient' if two_d else 'derivative'}{seen}: that would be gradient descent.")
        return text
    for rule, why in WRONG_RULES_2D if two_d else WRONG_RULES_1D:
        if n > 0 and _close(result, _simulate(call, rule, n, two_d)):
            return f"{name}: {why}."
    for other in range(0, 101):
        if abs(other - n) > 1 and _close(result, _simulate(call, "newton", other, two_d)):
            return f"{name}: your result is what {_its(other)} {'gives' if other == 1 else 'give'}, not {n}: is num_iterations used?"
    x0 = np.asarray(call.args[2], dtype=float)
    path = _path(logs[0], result, n, two_d)
    alpha = _fixed_step(call, path, two_d)
    if alpha is not None and not _close(result, expected):
        return (f"{name}: every step is a fixed multiple (about {alpha:.3g}) of the "
                f"{'gradient' if two_d else 'derivative'}: that is gradient descent with a fixed step size. Newton's "
                f"step is {'H⁻¹∇f' if two_d else NEWTON_1D}.")
    if n == 1:
        yours, newton = np.atleast_1d(result - x0), np.atleast_1d(expected - x0)
        k = float(yours @ newton / (newton @ newton)) if np.any(newton) else np.nan
        if np.isfinite(k) and np.linalg.norm(yours - k * newton) <= 1e-6 * np.linalg.norm(newton):
            return (f"{name}: your step is {k:.3g} times Newton's step: "
                    f"{'x - H⁻¹∇f' if two_d else 'x - ' + NEWTON_1D} needs no step size or other factor.")
    text = mismatch_message("result", result, expected, rtol=ITERATE_RTOL, atol=0.0, reveal=False,
                            labels=["x", "y"] if two_d else None)
    detail = "\n".join(text.splitlines()[1:]) if text else ""
    return f"{name}: wrong result.\n{detail}"


def _quadratic(r: Results, key: str, name: str, result: np.ndarray, log: np.ndarray, two_d: bool) -> str | None:
    """Near the minimum, e_{k+1} / e_k^2 must stay bounded (within a factor of the reference's)."""
    call = r.call(key)
    n = _iterations(call)
    minimum = _simulate(call, "newton", 60, two_d)
    _, ref_log, _ = r.reference(key)
    ratios = []
    for path in (_path(log, result, n, two_d), _path(np.asarray(ref_log), r.reference(key)[0], n, two_d)):
        e = np.linalg.norm(path - np.atleast_1d(minimum), axis=1)
        with np.errstate(all="ignore"):
            q = [e[k + 1] / e[k] ** 2 for k in range(len(e) - 1) if e[k + 1] > 1e-9 and e[k] > 0]
        ratios.append(max(q) if q else 0.0)
    if not ratios[0] <= QUADRATIC_RATIO_FACTOR * ratios[1] + 1e-12:
        return (f"{name}: your iterates do not converge quadratically: an error ratio e(k+1)/e(k)² reached "
                f"{ratios[0]:.3g} (Newton's error squares at every step near the minimum).")
    return None


def _newton_result(got: Returned, name: str, two_d: bool) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    check_defined(name, got)
    if got.items is None or len(got.items) != 3:
        fail(f"{name}: could not read the result ({got.type_name})")
    result, log1, log2 = got.items
    if two_d:
        value = _numeric(result, name, (2,))
    else:
        check_scalar(name, result)
        value = result.array
    return value, (log1.array, log2.array)


def _judge_newton(func: str, runs: tuple, two_d: bool) -> Callable[[Results], None]:
    def judge(r: Results) -> None:
        for key, f_name, x0, n, _keep in runs:
            name = f"{func}, {_describe_run(f_name, x0, n)}"
            result, logs = _newton_result(r.student(key), name, two_d)
            expected = np.asarray(r.reference(key)[0], dtype=np.float64)
            if not _close(result, expected):
                fail(_diagnose(r, key, name, result, logs, expected, two_d))
            if key == "converge":
                message = _quadratic(r, key, name, result, logs[0], two_d)
                if message:
                    fail(message)

    return judge


def _picture_2d(r: Results) -> dict[str, str] | None:
    """The student's path on the contour of f from the lesson's start, beside the reference's."""
    from graders.autograde.pictures import contour_paths

    got = r.student(PICTURE_RUN)
    if got.items is None or len(got.items) != 3 or not got.items[1].is_numeric:
        return None
    n = _iterations(r.call(PICTURE_RUN))
    result = got.items[0].array if got.items[0].is_numeric and got.items[0].array.shape == (2,) else np.full(2, np.nan)
    yours = _path(got.items[1].array, result, n, True)
    ref_value, ref_log, _ = r.reference(PICTURE_RUN)
    theirs = _path(np.asarray(ref_log), np.asarray(ref_value), n, True)
    return contour_paths(course_f, yours, theirs,
                         title=f"newtons_method_2d on the course's f from (4, 4), {n} iterations: your iterates and the reference's")


CHECKS = (
    Check("test_newtons_method_1d", "newtons_method_1d, graded with derivatives we give it",
          _calls_newton("newtons_method_1d", RUNS_1D), _judge_newton("newtons_method_1d", RUNS_1D, False)),
    Check("test_gradient_f", "gradient_f, the gradient of f", _calls_points("gradient_f"), _judge_gradient),
    Check("test_hessian_f", "hessian_f, the Hessian of f", _calls_points("hessian_f"), _judge_hessian),
    Check("test_newtons_method_2d", "newtons_method_2d, graded with gradients and Hessians we give it",
          _calls_newton("newtons_method_2d", RUNS_2D), _judge_newton("newtons_method_2d", RUNS_2D, True),
          picture=_picture_2d),
)
