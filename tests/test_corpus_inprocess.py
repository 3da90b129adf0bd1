"""Every corpus variant judged in-process: the fast tier's twin of ``tests/test_end_to_end.py``.

No nbgrader, no Jupyter kernel, no sandbox. For each variant of ``tests/corpus/<assignment>/``:

1. the submission is built from the release notebook (``tools/corpus.py``);
2. a child process stands in for the student's kernel (forked by a fork server, itself forked once
   before any test runs, with numpy, matplotlib and the graders imported): in a scratch folder
   holding a copy of the course data, with ``reference`` unimportable (the sandbox's job in a
   real run), it runs the notebook's code cells in order, skipping what grading skips (``skip_plan``), and where each
   hidden test would run it makes that check's calls (``Check.calls``, ``run_call``) and sends
   back what they returned through the probe's JSON transport. Whatever the student's code
   patches, breaks or writes stays in the child, as it stays in the kernel;
3. here, on the grading side, ``judge_and_illustrate`` (the judge of
   ``graders.autograde.verdicts.TrustedVerdicts``) decides every test cell with the reference.

A passed cell scores its points (the source notebook's nbgrader metadata), a failed one 0.
Correct and bug variants must score the full marks less the points of the cells their header's
``expect-lost`` names, cell by cell; attacks no more, cell by cell, than their ``baseline``.
"""

from __future__ import annotations

import atexit
import functools
import importlib
import importlib.abc
import json
import os
import shutil
import signal
import sys
import tempfile
import traceback
import warnings
from multiprocessing.connection import Connection
from pathlib import Path

import nbformat
import pytest

from conftest import ASSIGNMENTS, ROOT, expected_scores, full_marks, points
from corpus import build_submission, load_variant
from graders.run.isolate import remove_tree

#: (assignment, variant name) -> variant, for every file in tests/corpus/<assignment>/
VARIANTS = {(a, p.stem): load_variant(p) for a in ASSIGNMENTS for p in sorted((ROOT / "tests" / "corpus" / a).glob("*.py"))}

#: Variants that only the sandbox makes safe to run; ``tests/test_end_to_end.py`` grades them.
NEEDS_THE_SANDBOX = {
    ("w1_cost_minimization", "attack_kill_everything"):
        "SIGKILLs every process it can see: in-process that is the test run and everyone's work on the machine",
}

#: Wall-clock limit of one variant's child (the slowest takes a few seconds).
CHILD_TIMEOUT = 120.0


class _NoReference(importlib.abc.MetaPathFinder):
    """The sandbox hides ``reference/`` from the kernel; in the child, this finder does."""

    def find_spec(self, name, path=None, target=None):
        if name == "reference" or name.startswith("reference."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


def _kernel_side(assignment: str, nb: nbformat.NotebookNode) -> dict[str, list[dict]]:
    """In the child: run the submission's cells; at each hidden test, the check's calls.

    Returns grade_id -> the test cell's outputs as the probe would leave them.
    """
    import numpy as np  # noqa: F401 - imported before the student's code can patch anything

    from graders.autograde.budget import skip_plan
    from graders.kernel.harness import Context, load_checks, run_call
    from graders.kernel.probe import MIME
    from graders.kernel.values import encode

    release = nbformat.read(ROOT / "release" / assignment / f"{assignment}.ipynb", as_version=4)
    skipped = skip_plan(nb, release)
    work = Path(tempfile.mkdtemp(prefix="calc4ml-inprocess-"))
    if (ROOT / "source" / assignment / "data").is_dir():
        shutil.copytree(ROOT / "source" / assignment / "data", work / "data")
    os.chdir(work)
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT]
    for name in [m for m in sys.modules if m == "reference" or m.startswith("reference.")]:
        del sys.modules[name]
    sys.meta_path.insert(0, _NoReference())
    os.environ["MPLBACKEND"] = "Agg"
    warnings.simplefilter("ignore")
    checks = load_checks(assignment)
    namespace: dict = {"__name__": "__main__"}
    outputs: dict[str, list[dict]] = {}
    for i, cell in enumerate(nb.cells):
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or i in skipped:
            continue
        gid = meta.get("grade_id")
        if meta.get("grade") and not meta.get("solution"):
            if gid in checks and gid not in outputs:  # nbgrader restores the test cell: its probe runs
                tmp = Path(tempfile.mkdtemp(prefix="calc4ml-probe-"))
                live: dict = {}
                calls = checks[gid].calls(Context(data_dir=Path("data"), tmp_dir=tmp))
                results = {c.key: encode(run_call(c, namespace, live)) for c in calls}
                payload = {"assignment": assignment, "grade_id": gid, "results": results}
                outputs[gid] = [{"output_type": "display_data", "data": {MIME: payload}}]
            continue
        try:
            exec(compile(cell.source, f"<cell {i} {gid or ''}>", "exec"), namespace)
        except BaseException:  # noqa: BLE001 - a failing cell does not stop the notebook (allow_errors)
            pass
    return outputs


def _preload() -> None:
    """What every child imports, imported once in the fork server (matplotlib alone is most of a child's time).

    Runs in pytest's own process (the fork server forks from it): its environment is left as it was, or
    the JupyterLab the browser tests start would inherit MPLBACKEND=Agg and show no plot."""
    previous = os.environ.get("MPLBACKEND")
    os.environ["MPLBACKEND"] = "Agg"
    try:
        import matplotlib.pyplot  # noqa: F401
    finally:
        if previous is None:
            del os.environ["MPLBACKEND"]
        else:
            os.environ["MPLBACKEND"] = previous
    import pandas  # noqa: F401

    import graders  # noqa: F401
    import graders.autograde.budget  # noqa: F401
    from graders.kernel.harness import load_checks

    for a in ASSIGNMENTS:
        load_checks(a)


def _serve(requests: Connection, replies: Connection) -> None:
    """The fork server's loop: a child forked per submission; what it sent back (nothing if it died) is the reply."""
    while True:
        try:
            assignment, nb = json.loads(requests.recv_bytes())
        except EOFError:  # pytest is done
            os._exit(0)
        read_fd, write_fd = os.pipe()
        scratch = tempfile.mkdtemp(prefix="calc4ml-inprocess-")  # the child's /tmp, removed after it
        pid = os.fork()
        if pid == 0:  # the kernel's stand-in
            tempfile.tempdir = scratch
            os.close(read_fd)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            try:
                data = json.dumps(_kernel_side(assignment, nbformat.from_dict(nb)))
            except BaseException:  # noqa: BLE001 - the harness's own fault, reported by the test
                data = json.dumps({"__error__": traceback.format_exc()})
            Connection(write_fd, readable=False).send_bytes(data.encode())
            os._exit(0)  # nothing the student's code registered runs at exit
        os.close(write_fd)
        child = Connection(read_fd, writable=False)
        data = b""
        if child.poll(CHILD_TIMEOUT):
            try:
                data = child.recv_bytes()
            except EOFError:
                pass
        else:
            os.kill(pid, signal.SIGKILL)
            data = json.dumps({"__error__": f"the variant's child ran longer than {CHILD_TIMEOUT} s"}).encode()
        child.close()
        os.waitpid(pid, 0)
        os.chdir("/")
        try:
            remove_tree(scratch)  # whatever modes the variant left
        except OSError:
            pass
        replies.send_bytes(data)


_FORK_SERVER: tuple[Connection, Connection] | None = None


def start_before_tests() -> None:
    """Fork the fork server: a process with numpy, matplotlib and the graders imported that forks one
    child per submission. ``tests/conftest.py`` calls this after collection, before any test runs,
    while pytest is single-threaded: a fork later could copy a lock another test's thread holds."""
    global _FORK_SERVER
    if _FORK_SERVER is not None:
        return
    _preload()
    req_r, req_w = os.pipe()
    rep_r, rep_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(req_w)
        os.close(rep_r)
        try:
            _serve(Connection(req_r, writable=False), Connection(rep_w, readable=False))
        finally:
            os._exit(0)
    os.close(req_r)
    os.close(rep_w)
    _FORK_SERVER = (Connection(req_w, readable=False), Connection(rep_r, writable=False))

    def stop() -> None:
        _FORK_SERVER[0].close()  # the fork server reads EOF and exits
        os.waitpid(pid, 0)

    atexit.register(stop)


def _in_child(assignment: str, nb: nbformat.NotebookNode) -> dict[str, list[dict]]:
    """Run the submission in a child of the fork server and read its outputs back as JSON."""
    start_before_tests()
    assert _FORK_SERVER is not None
    requests, replies = _FORK_SERVER
    requests.send_bytes(json.dumps([assignment, nb]).encode())
    if not replies.poll(CHILD_TIMEOUT + 30):
        raise AssertionError("the fork server did not answer")
    text = replies.recv_bytes().decode()
    # the child may die inside a solution cell (os._exit): what it sent so far is empty, and every
    # cell is then judged as one whose hidden test never ran, as when a kernel dies
    out = json.loads(text) if text else {}
    if "__error__" in out:
        raise AssertionError(f"the in-process harness failed in the child:\n{out['__error__']}")
    return out


@functools.cache
def cell_scores(assignment: str, name: str) -> dict[str, tuple[float, str | None]]:
    """grade_id -> (score, failure message or None) of ``name`` judged in-process."""
    from graders.autograde.verdicts import judge_and_illustrate
    from graders.kernel.harness import load_checks

    release = nbformat.read(ROOT / "release" / assignment / f"{assignment}.ipynb", as_version=4)
    outputs = _in_child(assignment, build_submission(release, assignment, VARIANTS[(assignment, name)]))
    reference = importlib.import_module(f"reference.{assignment}")
    data_dir = ROOT / "source" / assignment / "data"
    scores = {}
    for gid, check in load_checks(assignment).items():
        message, _ = judge_and_illustrate(check, outputs.get(gid, []), assignment, data_dir, reference)
        scores[gid] = (points(assignment)[gid] if message is None else 0.0, message)
    return scores


def _params(kinds: set[str]) -> list:
    return [pytest.param(k, marks=pytest.mark.skip(reason=NEEDS_THE_SANDBOX[k])) if k in NEEDS_THE_SANDBOX else k
            for k, v in VARIANTS.items() if v.kind in kinds]


def test_every_graded_cell_has_a_check_and_points():
    from graders.kernel.harness import load_checks

    for a in ASSIGNMENTS:
        assert set(load_checks(a)) == set(points(a)), a
        assert full_marks(a) > 0


@pytest.mark.parametrize("key", _params({"correct", "bug"}), ids="/".join)
def test_variant_scores_as_its_header_says(key):
    a, name = key
    variant = VARIANTS[key]
    scores = cell_scores(a, name)
    assert variant.expect_lost <= set(scores), f"unknown grade ids in {name}: {variant.expect_lost - set(scores)}"
    got = {gid: s for gid, (s, _) in scores.items()}
    wrong = {gid: scores[gid][1] for gid in got if got[gid] != expected_scores(a, variant.expect_lost)[gid]}
    assert not wrong, f"{name} ({variant.why}): cells scored otherwise than its header says:\n{wrong}"
    assert sum(got.values()) == full_marks(a) - sum(points(a)[g] for g in variant.expect_lost)


@pytest.mark.parametrize("key", _params({"attack"}), ids="/".join)
def test_attack_scores_no_more_than_its_baseline(key):
    a, name = key
    variant = VARIANTS[key]
    assert (a, variant.baseline) in VARIANTS, f"{name}: baseline {variant.baseline} is not in the corpus"
    scores, baseline = cell_scores(a, name), cell_scores(a, variant.baseline)
    gained = {gid: (scores[gid][0], baseline[gid][0]) for gid in scores if scores[gid][0] > baseline[gid][0]}
    assert not gained, f"{name} ({variant.why}) scored more than {variant.baseline}: {gained}"
    if variant.expect_lost:
        lost = {gid for gid, (s, _) in scores.items() if s < points(a)[gid]}
        assert variant.expect_lost <= lost, f"{name}: kept {sorted(variant.expect_lost - lost)}"
