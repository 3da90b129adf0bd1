"""Hidden checks split in two halves: calls run in the student's kernel, verdicts here.

An assignment module (``graders.assignments.<assignment>``) declares, per test cell
``grade_id``, a :class:`Check`: which calls to make (:class:`Call`, built by
``calls(ctx)``) and a ``judge`` that decides pass/fail from what the student's functions
returned. The same ``calls`` function runs on both sides:

* in the kernel, :func:`graders.kernel.probe.probe` calls the student's functions and ships what
  they returned as plain numbers (``graders.kernel.values``);
* in the grading process, :class:`graders.autograde.verdicts.TrustedVerdicts` rebuilds the very same
  inputs, calls the reference on them, and runs ``judge``.

Inputs are public (seeded generators in this package); the expected values never exist in
the kernel, so nothing the student's code does there can make a wrong answer pass.
"""

from __future__ import annotations

import copy
import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np

from graders.kernel.checks import CheckFailure
from graders.kernel.values import Returned, describe

__all__ = ["Call", "Prior", "Context", "Check", "Results", "Recorder", "VIEWS", "load_checks", "run_call"]


@dataclass(frozen=True)
class Prior:
    """An argument that is the float value a previous call returned, plus ``offset``."""

    key: str
    offset: float = 0.0


@dataclass(frozen=True)
class Call:
    key: str  # unique within a check
    func: str  # the graded function's name in the notebook
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    #: name of a function in :data:`VIEWS` that turns (return value, arguments as passed)
    #: into plain data on both sides, e.g. a DataFrame into (columns, values)
    view: str | None = None


def _view_dataframe(value: Any, args: tuple[Any, ...]) -> Any:
    import pandas as pd

    if not isinstance(value, pd.DataFrame):
        return value
    numeric = value.apply(pd.to_numeric, errors="coerce")
    return ("|".join(map(str, value.columns)), numeric.to_numpy(dtype=np.float64, na_value=np.nan))


def _view_with_recorders(value: Any, args: tuple[Any, ...]) -> Any:
    """The return value, then what each recording function passed in saw."""
    logs = [a.summary() for a in args if isinstance(a, Recorder)]
    return (value, *logs)


def _pick(mapping: Any, keys: list[str]) -> tuple[Any, ...]:
    if not isinstance(mapping, dict):
        return (mapping,)  # not a dict: the judge reports the type
    return tuple(mapping[k] if k in mapping else f"<missing key {k}>" for k in keys)


def view(name: str) -> Callable[[Any, tuple[Any, ...]], Any]:
    """The view function called ``name``; ``dict:a,b`` picks keys, ``first_and_dict:a,b`` a pair's dict."""
    if name.startswith("dict:"):
        keys = name[5:].split(",")
        return lambda value, args: _pick(value, keys)
    if name.startswith("first_and_dict:"):
        keys = name[15:].split(",")

        def first_and_dict(value: Any, args: tuple[Any, ...]) -> Any:
            if not isinstance(value, tuple) or len(value) != 2:
                return value
            return (value[0], *_pick(value[1], keys))

        return first_and_dict
    return VIEWS[name]


VIEWS: dict[str, Callable[[Any, tuple[Any, ...]], Any]] = {
    "dataframe": _view_dataframe,
    "with_recorders": _view_with_recorders,
}


class Recorder:
    """A function passed to the student's code that records where it was called.

    ``summary()`` is a float array: [number of calls, then the first ``keep`` call points
    (the first two positional arguments of each call), NaN-padded].
    """

    def __init__(self, fn: Callable[..., Any], keep: int = 4) -> None:
        self.fn = fn
        self.keep = keep
        self.count = 0
        self.points: list[tuple[float, float]] = []

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.count += 1
        if len(self.points) < self.keep:
            try:
                self.points.append((float(args[0]), float(args[1])))
            except Exception:
                self.points.append((np.nan, np.nan))
        return self.fn(*args, **kwargs)

    def summary(self) -> np.ndarray:
        pts = np.full((self.keep, 2), np.nan)
        if self.points:
            pts[: len(self.points)] = self.points
        return np.concatenate([[float(self.count)], pts.ravel()])


@dataclass(frozen=True)
class Context:
    """Where the course data lives on this side, and a scratch folder for files calls need."""

    data_dir: Path
    tmp_dir: Path


@dataclass(frozen=True)
class Check:
    grade_id: str
    title: str
    calls: Callable[[Context], list[Call]]
    judge: Callable[["Results"], None]
    #: Optional illustration for the feedback (pass or fail): a MIME bundle such as
    #: ``{"image/svg+xml": <svg>, "text/plain": ...}`` built from the student's results on
    #: inputs the student has (the course data), never from hidden values.
    picture: Callable[["Results"], dict[str, str] | None] | None = None


class Results:
    """What the judge sees: the student's returns by key, and the reference's on demand."""

    def __init__(self, calls: list[Call], student: Mapping[str, Returned], reference: Any) -> None:
        self._calls = {c.key: c for c in calls}
        self._student = student
        self.reference_module = reference
        self._ref_cache: dict[str, Any] = {}

    def call(self, key: str) -> Call:
        return self._calls[key]

    def student(self, key: str) -> Returned:
        return self._student[key]

    def reference(self, key: str) -> Any:
        """The reference's return value for the same call (computed once, on copied inputs)."""
        if key not in self._ref_cache:
            call = self._calls[key]
            args = copy.deepcopy(_resolve(call.args, self._student, lambda r: float(r.array)))
            fn = getattr(self.reference_module, call.func)
            value = fn(*args, **copy.deepcopy(dict(call.kwargs)))
            self._ref_cache[key] = view(call.view)(value, args) if call.view else value
        return self._ref_cache[key]


def _resolve(args: tuple[Any, ...], priors: Mapping[str, Any], as_float: Callable[[Any], float]) -> tuple[Any, ...]:
    out = []
    for a in args:
        if isinstance(a, Prior):
            out.append(as_float(priors[a.key]) + a.offset)
        else:
            out.append(a)
    return tuple(out)


def load_checks(assignment: str) -> dict[str, Check]:
    module = importlib.import_module(f"graders.assignments.{assignment}")
    return {c.grade_id: c for c in module.CHECKS}


class _Skipped(Exception):
    pass


def run_call(call: Call, namespace: Mapping[str, Any], live: dict[str, Any]) -> Returned:
    """Call the student's function for ``call`` (in the kernel) and describe what it returned.

    ``live`` holds earlier calls' live return values, for :class:`Prior` arguments.
    """
    fn = namespace.get(call.func)
    if fn is None or not callable(fn):
        return Returned(type_name="NoneType", missing=True)

    def as_float(value: Any) -> float:
        try:
            return float(value)
        except Exception as exc:
            raise _Skipped(f"needs a number from {call.func} first") from exc

    try:
        args = _resolve(call.args, live, as_float)
    except (_Skipped, KeyError) as exc:
        return Returned(type_name="NoneType", error=f"NotRun: {exc}")
    args = copy.deepcopy(args)
    try:
        value = fn(*args, **copy.deepcopy(dict(call.kwargs)))
    except KeyboardInterrupt:
        raise  # a timeout: let the cell stop
    except BaseException as exc:  # SystemExit included: it is the student's function failing
        detail = str(exc).strip()
        error = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
        return Returned(type_name=type(exc).__name__, error=error[:500])
    live[call.key] = value
    try:
        if call.view:
            value = view(call.view)(value, args)
        return describe(value)
    except Exception as exc:
        return Returned(type_name="?", error=f"the returned value could not be read ({type(exc).__name__})")


def fail(message: str) -> None:
    """Raise the student-facing failure (helper for judges)."""
    __tracebackhide__ = True
    raise CheckFailure(message)
