"""Staged numeric checks: defined -> returned -> type -> shape -> finite -> values.

Each stage stops at the first problem with one message that names the quantity. The value
stage reports the tolerance, how many entries mismatch, the worst one, and the largest
absolute and relative errors, like ``numpy.testing.assert_allclose``. The staged messages are
built here (:func:`check_returned`, :func:`mismatch_message`, and the named stages
:func:`check_defined` and :func:`check_scalar`), as is the finite-difference judge of a
derivative (:func:`check_slope`); the per-assignment judges in ``graders.assignments`` add
diagnoses of their own (a swapped pair, one step off, a term that looks missing).

Messages of hidden checks (``reveal=False``) show the student's values but never the
expected ones; visible checks on public, hand-made inputs may show both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal, Sequence

import numpy as np

from graders.kernel.gradcheck import rel_error
from graders.kernel.tolerances import FD_REL_ERROR, FD_STEP, VISIBLE_ATOL, VISIBLE_RTOL
from graders.kernel.values import Returned, describe

__all__ = [
    "CheckFailure",
    "Mismatch",
    "compare",
    "mismatch_message",
    "ratio_phrase",
    "check_returned",
    "check_defined",
    "check_scalar",
    "check_slope",
    "assert_close",
    "ratio_hint",
    "CAUSES",
    "cause",
    "cause_of",
    "ignored_argument",
    "built_on",
    "check_labels",
]


class CheckFailure(AssertionError):
    """A check failed; ``str(exc)`` is the message the student sees."""


@dataclass(frozen=True)
class Mismatch:
    """How far ``actual`` is from ``expected`` under ``|a - e| <= atol + rtol * |e|``."""

    count: int  # entries outside the tolerance
    total: int
    worst_index: tuple[int, ...]  # index of the largest excess over the tolerance
    max_abs_error: float
    max_rel_error: float
    worst_actual: float
    worst_expected: float
    ratio: float | None  # actual/expected if that ratio is the same at every mismatch


def compare(actual: np.ndarray, expected: np.ndarray, *, rtol: float, atol: float) -> Mismatch | None:
    """Return ``None`` when all entries are within tolerance, else a :class:`Mismatch`."""
    a = np.asarray(actual, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    with np.errstate(all="ignore"):
        abs_err = np.abs(a - e)
        allowed = atol + rtol * np.abs(e)
        both_nan = np.isnan(a) & np.isnan(e)
        same_inf = np.isinf(a) & np.isinf(e) & (np.sign(a) == np.sign(e))
        ok = (abs_err <= allowed) | both_nan | same_inf
    if bool(np.all(ok)):
        return None
    with np.errstate(all="ignore"):
        excess = np.where(ok, -np.inf, np.nan_to_num(abs_err - allowed, nan=np.inf, posinf=np.inf))
        rel_err = np.where(e != 0, abs_err / np.abs(e), np.where(abs_err == 0, 0.0, np.inf))
    bad = ~ok
    flat = int(np.argmax(excess.ravel()))
    worst = np.unravel_index(flat, a.shape) if a.ndim else ()
    return Mismatch(
        count=int(bad.sum()),
        total=int(a.size),
        worst_index=tuple(int(i) for i in worst),
        max_abs_error=float(np.max(np.where(bad, abs_err, 0.0))),
        max_rel_error=float(np.max(np.where(bad, rel_err, 0.0))),
        worst_actual=float(a.ravel()[flat]),
        worst_expected=float(e.ravel()[flat]),
        ratio=ratio_hint(a[bad], e[bad]),
    )


_TELLING_RATIOS = (-1.0, 2.0, 0.5, -2.0, -0.5)


def ratio_hint(actual: np.ndarray, expected: np.ndarray) -> float | None:
    """The common factor actual/expected over the given entries, if there is one."""
    a = np.asarray(actual, dtype=np.float64).ravel()
    e = np.asarray(expected, dtype=np.float64).ravel()
    if a.size == 0 or not np.all(np.isfinite(a)) or not np.all(np.isfinite(e)) or np.any(e == 0):
        return None
    r = a / e
    if not (np.all(np.abs(r - r[0]) <= 1e-6 * max(1.0, abs(r[0]))) and r[0] != 1.0):
        return None
    # One entry always has "a common ratio": report it only if it is a telling one.
    if r.size == 1 and not any(abs(r[0] - nice) <= 1e-6 for nice in _TELLING_RATIOS):
        return None
    return float(r[0])


def ratio_phrase(ratio: float | None, what: str, *, exact: bool) -> str | None:
    """Say that the student's values are a constant multiple of ``what``.

    Telling factors (-1, 2, 1/2, ...) are named exactly. Any other factor is shown to 3
    significant digits only when ``exact`` is false (hidden checks), so that the message
    cannot be divided back into the reference values.
    """
    if ratio is None:
        return None
    for nice, why in ((-1.0, " (a sign error?)"), (2.0, " (an extra factor 2?)"), (0.5, " (a missing factor 2?)"),
                      (-2.0, " (a sign error and a factor 2?)"), (-0.5, " (a sign error and a factor 2?)")):
        if abs(ratio - nice) <= 1e-6:
            return f"your values are {nice:g} times {what}{why}"
    if exact:
        return f"your values are {ratio:.6g} times {what}"
    return f"your values are about {ratio:.3g} times {what} (off by a constant factor)"


def _fmt(x: float) -> str:
    return f"{x:.6g}"


def _where(index: tuple[int, ...], labels: Sequence[str] | None) -> str:
    if not index:
        return ""
    if labels is not None and len(index) == 1 and index[0] < len(labels):
        return f" at index {index[0]} ({labels[index[0]]})"
    return f" at index {index[0] if len(index) == 1 else index}"


def mismatch_message(
    name: str,
    actual: Any,
    expected: Any,
    *,
    rtol: float,
    atol: float,
    reveal: bool,
    labels: Sequence[str] | None = None,
) -> str | None:
    """The value-stage message, or ``None`` when ``actual`` matches ``expected``."""
    m = compare(np.asarray(actual), np.asarray(expected), rtol=rtol, atol=atol)
    if m is None:
        return None
    lines = [f"{name}: wrong value{'s' if m.total > 1 else ''}."]
    lines.append(f"  tolerance: |yours - expected| <= atol + rtol*|expected|, rtol={rtol:.1e}, atol={atol:.1e}")
    if m.total > 1:
        lines.append(f"  mismatched: {m.count} of {m.total} entries")
    where = _where(m.worst_index, labels)
    if reveal:
        lines.append(f"  worst{where}: yours {_fmt(m.worst_actual)}, expected {_fmt(m.worst_expected)}")
    else:
        lines.append(f"  worst{where}: yours {_fmt(m.worst_actual)}")
    lines.append(f"  max absolute error {m.max_abs_error:.3g}, max relative error {m.max_rel_error:.3g}")
    hint = ratio_phrase(m.ratio, "the expected ones", exact=reveal)
    if hint:
        lines.append(f"  hint: {hint}")
    return "\n".join(lines)


Kind = Literal["scalar", "array", "bool_array"]


def check_returned(
    name: str,
    got: Returned,
    expected: Any,
    *,
    kind: Kind,
    rtol: float,
    atol: float,
    reveal: bool,
    labels: Sequence[str] | None = None,
    stop_after: Literal["shape"] | None = None,
) -> None:
    """Run the stages on one returned value; raise :class:`CheckFailure` at the first problem.

    With ``expected=None`` only the defined, returned and type stages run; with
    ``stop_after="shape"`` the finite and value stages are skipped.
    """
    __tracebackhide__ = True
    exp = None if expected is None else np.asarray(expected, dtype=np.float64)
    check_defined(name, got)
    # stage 3: type
    if kind == "scalar":
        if not got.is_numeric or got.array.ndim != 0 or got.dtype in ("bool", "bool_"):
            shape = f" of shape {tuple(got.array.shape)}" if got.is_numeric and got.array.ndim else ""
            raise CheckFailure(
                f"{name}: expected a single number (a float), got {got.type_name}{shape}: {got.text}"
            )
        if exp is None:
            return
    else:
        if got.type_name != "numpy.ndarray" or not got.is_numeric:
            hint = "; .to_numpy() turns it into one" if got.type_name.startswith("pandas.") else ""
            raise CheckFailure(f"{name}: expected a numpy array, got {got.type_name}: {got.text}{hint}")
        is_bool = got.dtype in ("bool", "bool_")
        if kind == "bool_array" and not is_bool:
            raise CheckFailure(f"{name}: expected an array of booleans, got dtype {got.dtype}")
        if kind == "array" and is_bool:
            raise CheckFailure(f"{name}: expected an array of numbers, got an array of booleans")
        if exp is None:
            return
        # stage 4: shape
        if got.array.shape != exp.shape:
            raise CheckFailure(f"{name}: expected shape {exp.shape}, got shape {got.array.shape}")
        if stop_after == "shape":
            return
    actual = got.array
    # stage 5: finite
    bad = ~np.isfinite(actual) & np.isfinite(exp)
    if bool(np.any(bad)):
        first = tuple(int(i) for i in np.argwhere(bad)[0]) if actual.ndim else ()
        raise CheckFailure(
            f"{name}: {int(bad.sum())} of {actual.size} entries are NaN or infinite"
            f"{_where(first, labels)} where a finite number was expected"
            " (a division by zero, log of 0, or an overflow?)"
        )
    # stage 6: values
    message = mismatch_message(name, actual, exp, rtol=rtol, atol=atol, reveal=reveal, labels=labels)
    if message is not None:
        raise CheckFailure(message)


def check_defined(name: str, got: Returned) -> None:
    """The first two stages: the function is defined, and the call returned (did not raise)."""
    __tracebackhide__ = True
    # stage 1: defined
    if got.missing:
        raise CheckFailure(f"{name}: the function is not defined. Run the cell that defines it and keep its def line.")
    # stage 2: returned
    if got.error is not None:
        raise CheckFailure(f"{name}: raised {got.error}")


def check_scalar(name: str, got: Returned) -> None:
    """The first three stages for a single number: defined, returned, a float (no value compared)."""
    __tracebackhide__ = True
    check_returned(name, got, None, kind="scalar", rtol=0, atol=0, reveal=False)


def check_slope(
    name: str,
    values: np.ndarray,
    slopes: np.ndarray,
    *,
    of: str,
    places: Sequence[str],
    counted: str,
    floor: float,
    along: str | None = None,
    causes: dict[float, str] | None = None,
) -> None:
    """Judge ``values`` of a derivative against central differences ``slopes`` of ``of`` (taken
    with step ``FD_STEP``) at ``places``, by the symmetric relative error of
    :func:`graders.kernel.gradcheck.rel_error` (``floor`` in the derivative's units); raise
    :class:`CheckFailure` saying it is not the slope if any is over ``FD_REL_ERROR``. The
    message shows the student's value at the worst place, never the slope there; a ratio that is
    the same at every mismatch is named, and ``causes`` adds a cause for a given ratio."""
    __tracebackhide__ = True
    errors = rel_error(values, slopes, floor=floor)
    bad = errors > FD_REL_ERROR
    if not np.any(bad):
        return
    worst = int(np.argmax(errors))
    ratio = ratio_hint(values[bad], slopes[bad])
    phrase = ratio_phrase(ratio, "the slope", exact=False)
    extra = "".join(text for r, text in (causes or {}).items() if ratio is not None and abs(ratio - r) < 1e-6)
    raise CheckFailure(
        f"{name}: not the slope of {of}{f' along {along}' if along else ''}.\n"
        f"  compared with central differences of {of} (step {FD_STEP:g}); relative error must be <= {FD_REL_ERROR:g}\n"
        f"  mismatched: {int(bad.sum())} of {len(values)} {counted}\n"
        f"  worst at {places[worst]}: yours {values[worst]:.6g}, relative error {errors[worst]:.3g}"
        + (f"\n  hint: {phrase}" if phrase else "") + extra
    )


def assert_close(
    actual: Any,
    expected: Any,
    *,
    name: str,
    rtol: float = VISIBLE_RTOL,
    atol: float = VISIBLE_ATOL,
) -> None:
    """Visible-test helper: ``actual`` must match the public ``expected`` value.

    A scalar ``expected`` demands a single number; an array ``expected`` demands a numpy
    array of that shape. Raises :class:`CheckFailure` with a message for the student.
    """
    __tracebackhide__ = True
    exp = np.asarray(expected)
    if exp.dtype == bool:
        kind: Kind = "bool_array"
    else:
        kind = "scalar" if exp.ndim == 0 else "array"
    check_returned(name, describe(actual), exp, kind=kind, rtol=rtol, atol=atol, reveal=True)


# --- recognised mistakes ----------------------------------------------------------------------

#: Stable labels of the mistakes a judge recognises from the numbers alone. A message that
#: names one carries a line "  cause: <label>" (written by :func:`cause`, read back by
#: :func:`cause_of`, the one place that parses it), so that ``calc4ml report`` groups seven
#: students with seven different numbers under one cause.
CAUSES = {
    "globals": "global variables instead of arguments",
    "mse_scaling": "mean squared error scaling (1/n) instead of 1/(2n)",
    "legacy_rng": "np.random.seed + np.random.randn instead of default_rng(seed)",
    "uniform_draw": "a uniform draw instead of a normal one",
    "missing_scale": "the x0.01 scale is missing",
    "one_output": "cost right only for one output unit",
    "cost_sign": "cost without the minus sign",
    "cost_no_1_minus_y": "cost without the (1 - Y) term",
    "sequential_b": "b updated with the new m (not a simultaneous update)",
    "sequential_m": "m updated with the new b (not a simultaneous update)",
}

_CAUSE_LINE = re.compile(r"^  cause: (.+?)\s*$", re.M)


def ignored_argument(arg: str) -> str:
    """The cause label of a function that ignores its argument ``arg``."""
    return f"ignores its {arg} argument"


def built_on(block: str) -> str:
    """The cause label of a composed function that loses points through the student's ``block``."""
    return f"built on a wrong {block}"


def cause(label: str, hint: str) -> str:
    """The lines a message ends with when the judge recognised the mistake: its label, then what to do.

    ``label`` is a value of :data:`CAUSES` (or from :func:`ignored_argument`/:func:`built_on`);
    the hint must not contain expected values of hidden checks.
    """
    return f"\n  cause: {label}\n  hint: {hint}"


def cause_of(message: str) -> str | None:
    """The cause label a message names (see :func:`cause`), or ``None``."""
    found = _CAUSE_LINE.search(message or "")
    return found.group(1) if found else None


def check_labels(name: str, got: Returned, expected: Any, *, reveal: bool) -> None:
    """``got`` must hold the labels ``expected`` (booleans): as booleans, or as 0/1 integers or floats.

    ``(A2 > 0.5)``, ``(A2 > 0.5).astype(int)`` and ``np.round(A2)`` all pass; probabilities,
    other numbers and wrong labels fail with a message that says which.
    """
    __tracebackhide__ = True
    exp = np.asarray(expected, dtype=np.float64)
    if got.missing or got.error is not None:
        check_returned(name, got, None, kind="scalar", rtol=0, atol=0, reveal=reveal)
    if got.type_name != "numpy.ndarray" or not got.is_numeric:
        raise CheckFailure(f"{name}: expected a numpy array of labels, got {got.type_name}: {got.text}")
    if got.array.shape != exp.shape:
        raise CheckFailure(f"{name}: expected shape {exp.shape}, got shape {got.array.shape}")
    values = got.array
    not_label = ~np.isin(values, (0.0, 1.0))
    if bool(np.any(not_label)):
        first = float(values[not_label].ravel()[0])
        how = (" (probabilities? compare A2 with 0.5 to get labels)" if bool(np.all((values >= 0) & (values <= 1)))
               else "")
        raise CheckFailure(f"{name}: expected labels (booleans, or 0/1 as integers or floats), "
                           f"got {int(not_label.sum())} of {values.size} entries that are neither 0 nor 1, "
                           f"such as {first:.6g}{how}")
    message = mismatch_message(name, values, exp, rtol=0.0, atol=0.0, reveal=reveal)
    if message is not None:
        raise CheckFailure(message.replace(": wrong values.", ": wrong labels.", 1))
