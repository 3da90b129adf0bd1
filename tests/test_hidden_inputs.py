"""Every argument of every graded function is varied by some hidden check (course-spec.md).

A function that ignores an argument (a learning rate fixed inside, a hard-coded hidden size,
the notebook's data instead of X) returns the right answer whenever every hidden call passes
that argument's one value. This test reads each graded function's parameters from the
reference module's signature, binds every hidden call's arguments to them (defaults filled
in), and fails for each parameter that takes fewer than two different values.
"""

from __future__ import annotations

import importlib
import inspect
import tempfile
from pathlib import Path

import numpy as np
import pytest

from conftest import ASSIGNMENTS, ROOT
from graders.kernel.harness import Call, Prior, Recorder, load_checks


def fingerprint(value) -> object:
    """A hashable stand-in for an argument's value (arrays by shape and bytes, functions by identity)."""
    if isinstance(value, np.ndarray):
        return ("array", value.shape, str(value.dtype), value.tobytes())
    if isinstance(value, dict):
        return ("dict", tuple(sorted((k, fingerprint(v)) for k, v in value.items())))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(fingerprint(v) for v in value))
    if isinstance(value, Recorder):
        return ("function", value.fn.__module__, value.fn.__qualname__)
    if isinstance(value, Prior):
        return ("prior", value.key, value.offset)  # another call's result: differs with that call
    if callable(value):
        return ("function", getattr(value, "__module__", ""), getattr(value, "__qualname__", repr(value)))
    return (type(value).__name__, repr(value))


def graded_functions(assignment: str) -> dict[str, inspect.Signature]:
    """name -> signature of every function the assignment's reference module defines."""
    module = importlib.import_module(f"reference.{assignment}")
    return {name: inspect.signature(fn) for name, fn in inspect.getmembers(module, inspect.isfunction)
            if fn.__module__ == module.__name__}


def unvaried(signatures: dict[str, inspect.Signature], calls: list[Call]) -> list[str]:
    """``function.parameter`` for each parameter that no two calls give different values
    (a function never called counts as not varied at all)."""
    seen: dict[str, dict[str, set]] = {f: {p: set() for p in sig.parameters} for f, sig in signatures.items()}
    for call in calls:
        if call.func not in signatures:
            continue
        bound = signatures[call.func].bind(*call.args, **dict(call.kwargs))
        bound.apply_defaults()
        for param, value in bound.arguments.items():
            seen[call.func][param].add(fingerprint(value))
    return [f"{f}.{p}" for f, params in seen.items() for p, values in params.items() if len(values) < 2]


def hidden_calls(assignment: str, tmp: Path) -> list[Call]:
    from graders.kernel.harness import Context

    ctx = Context(data_dir=ROOT / "source" / assignment / "data", tmp_dir=tmp)
    return [call for check in load_checks(assignment).values() for call in check.calls(ctx)]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_argument_of_every_graded_function_is_varied(assignment, tmp_path):
    missing = unvaried(graded_functions(assignment), hidden_calls(assignment, tmp_path))
    assert not missing, f"{assignment}: no hidden check varies {', '.join(missing)}"


def test_the_enumeration_finds_an_argument_left_at_its_default():
    """The check itself can fail: nn_model called only with the default learning rate (as before issue 20)."""
    signatures = graded_functions("w3_two_layer_network")
    X, Y = np.zeros((2, 5)), np.zeros((1, 5))
    calls = [Call("a", "nn_model", (X, Y, 2), {"num_iterations": 1, "seed": 1}),
             Call("b", "nn_model", (X + 1, Y + 1, 3), {"num_iterations": 2, "seed": 2, "learning_rate": 1.2})]
    found = [m for m in unvaried({"nn_model": signatures["nn_model"]}, calls)]
    assert found == ["nn_model.learning_rate"]
    assert unvaried({"predict": signatures["predict"]}, []) == ["predict.X", "predict.parameters"]
