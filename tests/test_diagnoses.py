"""Recognised mistakes, judged in-process (seconds, not the minutes of the end-to-end run).

Each corpus variant with ``expect-message`` headers is run here the way the probe runs it in a
kernel (its functions, the reference's for the other cells, the notebook's data globals), its
results cross the same JSON transport, and the trusted judges decide. ``tests/test_end_to_end.py``
grades the same variants with the stock ``nbgrader autograde`` and asserts the same messages;
``tests/test_corpus_inprocess.py`` scores every variant, with or without messages, in-process.
"""

from __future__ import annotations

import inspect
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import ASSIGNMENTS, ROOT
from corpus import load_variant
from graders.kernel.checks import CAUSES, CheckFailure, cause_of
from graders.kernel.harness import Context, Results, load_checks, run_call
from graders.kernel.values import decode, encode

VARIANTS = {(a, p.stem): load_variant(p) for a in ASSIGNMENTS for p in sorted((ROOT / "tests" / "corpus" / a).glob("*.py"))}
WITH_MESSAGES = [k for k, v in VARIANTS.items() if v.expect_messages]


def _notebook_globals(assignment: str) -> dict:
    """What the release notebook defines before the exercises that a learner's function may read."""
    import importlib

    ns: dict = {"np": np, "pd": pd}
    data = ROOT / "source" / assignment / "data"
    if assignment == "w2_linear_regression":
        penguins = pd.read_csv(data / "penguins.csv")
        ns.update(penguins=penguins, x_mm=penguins["flipper_length_mm"].to_numpy(dtype=float),
                  y_g=penguins["body_mass_g"].to_numpy(dtype=float))
    if assignment == "w3_two_layer_network":
        from graders.assignments.w3_two_layer_network import make_blobs

        ns["X_train"], ns["Y_train"] = make_blobs(400, seed=0)
    reference = importlib.import_module(f"reference.{assignment}")
    for name, fn in inspect.getmembers(reference, inspect.isfunction):
        exec(compile(inspect.getsource(fn), f"<reference {name}>", "exec"), ns)
    return ns


def judge_variant(assignment: str, name: str) -> dict[str, str | None]:
    """grade_id -> the failure message (None: pass) for every check of ``assignment``."""
    import importlib

    ns = _notebook_globals(assignment)
    for gid, source in VARIANTS[(assignment, name)].segments.items():
        exec(compile(source, f"<{name} {gid}>", "exec"), ns)
    reference = importlib.import_module(f"reference.{assignment}")
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        ctx = Context(data_dir=ROOT / "source" / assignment / "data", tmp_dir=Path(tmp))
        for gid, check in load_checks(assignment).items():
            calls = check.calls(ctx)
            live: dict = {}
            with np.errstate(all="ignore"):
                student = {c.key: decode(encode(run_call(c, ns, live))) for c in calls}
            try:
                check.judge(Results(calls, student, reference))
                out[gid] = None
            except CheckFailure as exc:
                out[gid] = str(exc)
    return out


@pytest.mark.parametrize("key", WITH_MESSAGES, ids="/".join)
def test_variant_gets_its_message_and_loses_exactly_its_exercises(key):
    variant = VARIANTS[key]
    verdicts = judge_variant(*key)
    lost = {gid for gid, message in verdicts.items() if message is not None}
    assert lost == variant.expect_lost, {gid: verdicts[gid] for gid in lost ^ variant.expect_lost}
    for gid, text in variant.expect_messages:
        assert text in (verdicts[gid] or ""), f"{key[1]} {gid}:\n{verdicts[gid]}"


def test_every_cause_label_has_a_variant_that_shows_it():
    shown = {cause_of("  " + text) for v in VARIANTS.values() for _, text in v.expect_messages}
    missing = set(CAUSES.values()) - shown
    assert not missing, f"cause labels no corpus variant expects: {sorted(missing)}"


def test_cause_lines_are_parsed_in_one_place():
    from graders.kernel.checks import cause

    message = "E on a hidden data set of 37 points: wrong values." + cause(CAUSES["globals"], "use X and Y")
    assert cause_of(message) == "global variables instead of arguments"
    assert cause_of("E: wrong values.\n  hint: your values are 2 times the expected ones") is None
