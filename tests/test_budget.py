"""Budgets that do not depend on the machine's load (graders/autograde/budget.py, graders/autograde/execute.py).

* lesson cells tagged ``skip-when-grading`` in the release are not run while grading, unless
  the student changed them or a later cell needs what they assign; the tag is checked by
  ``calc4ml release --check``;
* each cell's budget is CPU time of the kernel's process tree, not wall time: a spinning cell
  is stopped with a message saying so, a sleeping one is not;
* the per-example-loop two-layer network scores full under ``nbgrader autograde`` while other
  processes saturate every core.
"""

from __future__ import annotations

import concurrent.futures
import copy
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from traitlets.config import Config

from conftest import ASSIGNMENTS, BIN, ROOT, make_course, nbgrader, submit
from corpus import CORPUS, build_submission, load_variant
from graders.autograde import budget
from graders.autograde.budget import SKIP_TAG, bound_names, read_names, skip_plan, skip_tag_problems, tree_cpu_seconds
from graders.autograde.execute import CPU_EXCEEDED, NOT_RUN_TEXT, ResilientExecute
from graders.autograde.repair import repair_notebook

needs_bwrap = pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed (make install)")


def _code(cid: str, source: str, *, tag: bool = False, nbgrader_meta: dict | None = None) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    cell.id = cid
    if tag:
        cell.metadata["tags"] = [SKIP_TAG]
    if nbgrader_meta:
        cell.metadata["nbgrader"] = {"schema_version": 3, "locked": False, "grade": False, "solution": False, **nbgrader_meta,
                                     "grade_id": cid}
    return cell


def _nb(*cells: nbformat.NotebookNode) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    return nb


# ---------------------------------------------------------------------------------------------
# which names a cell assigns and reads; the release check


def test_bound_and_read_names():
    src = ("import numpy as np, os.path\nfrom math import pi as PI\nx, (y, *z) = 1, (2, 3)\nfor i in range(3):\n    w = i\n"
           "def f(a):\n    local = a\n    return local + g\nclass C: pass\nwith open('f') as fh: pass\nD[0] = 1\nE.attr += 1\n"
           "if (n := 3): pass\n")
    assert bound_names(src) == {"np", "os", "PI", "x", "y", "z", "i", "w", "f", "C", "fh", "D", "E", "n"}
    reads = read_names(src)
    assert {"g", "range", "open", "D", "E"} <= reads
    assert "a" not in reads and "local" not in reads  # a function's parameters and locals are its own
    assert read_names("x += 1") == {"x"}
    assert read_names("def f():\n    k = 0\n    k += 1") == set()  # the function's own k
    assert read_names("def f():\n    global k\n    k += 1", deferred=True) == {"k"}
    assert read_names("def f(y):\n    return y + top\nz = 1", deferred=True) == {"top"}
    assert bound_names("from numpy import *") is None
    assert read_names("print(globals()['secret'])") is None  # any name
    assert read_names("probe('w1', 'test', globals())", dynamic=False) == {"probe", "globals"}
    assert bound_names("%time x = 1") is not None  # IPython syntax is read as the kernel runs it
    assert read_names("def broken(:") == set()  # cannot run, so reads nothing


def test_release_check_refuses_a_tagged_cell_whose_names_a_later_cell_reads():
    nb = _nb(
        _code("imports", "import numpy as np"),
        _code("plot", "import matplotlib.pyplot as plt\nplt.plot([1, 2])", tag=True),
        _code("data", "prices = np.arange(3)\nprint(prices)", tag=True),
        _code("f", "def f(x):\n    return x + prices.sum()", nbgrader_meta={"solution": True}),
    )
    problems = skip_tag_problems(nb)
    assert len(problems) == 1, problems
    assert "cell data (#3)" in problems[0] and "prices" in problems[0] and "cell f (#4)" in problems[0]
    nb.cells[2].metadata["tags"] = []
    assert skip_tag_problems(nb) == []
    nb.cells[3].metadata["tags"] = [SKIP_TAG]  # a solution cell cannot be skipped
    assert any("cell f (#4) is a solution or test cell" in p for p in skip_tag_problems(nb))


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_course_notebooks_tag_their_plots_and_trainings_soundly(assignment):
    nb = nbformat.read(ROOT / "release" / assignment / f"{assignment}.ipynb", as_version=4)
    tagged = [c for c in nb.cells if SKIP_TAG in c.metadata.get("tags", [])]
    assert tagged, f"{assignment}: no lesson cell is tagged {SKIP_TAG}"
    assert skip_tag_problems(nb) == []


@pytest.mark.e2e
def test_calc4ml_release_check_names_a_bad_tag(tmp_path):
    course = make_course(tmp_path / "course")
    a = "w1_cost_minimization"
    shutil.copytree(ROOT / "release" / a, course / "release" / a)
    env = dict(os.environ, PATH=f"{BIN}:{os.environ.get('PATH', '')}")
    check = [str(BIN / "calc4ml"), "--course", str(course), "release", "--check", a]
    good = subprocess.run(check, env=env, capture_output=True, text=True, timeout=600)
    assert good.returncode == 0, good.stdout + good.stderr
    # tag the lesson cell that loads the prices the later test cells read, in source/ and release/
    for folder in ("source", "release"):
        path = course / folder / a / f"{a}.ipynb"
        nb = nbformat.read(path, as_version=4)
        cell = next(c for c in nb.cells if c.cell_type == "code" and c.source.startswith("prices_a, prices_b = load_prices"))
        cell.metadata["tags"] = [SKIP_TAG]
        nbformat.write(nb, path)
    bad = subprocess.run(check, env=env, capture_output=True, text=True, timeout=600)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert f"is tagged {SKIP_TAG} but assigns" in bad.stdout and cell.id in bad.stdout and "prices_a" in bad.stdout, bad.stdout


# ---------------------------------------------------------------------------------------------
# which submitted cells are skipped

RELEASE = _nb(
    _code("imports", "import math"),
    _code("f", "def f(x):\n    raise NotImplementedError()", nbgrader_meta={"solution": True}),
    _code("test_f", "assert f(1) == 2", nbgrader_meta={"grade": True, "locked": True, "points": 1}),
    _code("demo", "demo_value = f(10)\nprint('LESSON RAN', demo_value)", tag=True),
    _code("sweep", "for k in range(3):\n    print('SWEEP', f(k))", tag=True),
)


def _submitted(**sources: str) -> nbformat.NotebookNode:
    nb = copy.deepcopy(RELEASE)
    for cell in nb.cells:
        cell.metadata.pop("tags", None)  # what a student's editor may do: the release decides
        if cell.id == "f":
            cell.source = "def f(x):\n    return x + 1"
        if cell.id in sources:
            cell.source = sources[cell.id]
    return nb


def test_unchanged_tagged_lesson_cells_are_skipped():
    assert skip_plan(_submitted(), RELEASE) == {3, 4}
    assert skip_plan(_submitted(), None) == set()


def test_an_edited_lesson_cell_runs():
    assert skip_plan(_submitted(demo="demo_value = f(10)\nprint('mine', demo_value)"), RELEASE) == {4}


def test_a_lesson_cell_a_later_cell_needs_runs():
    nb = _submitted(f="def f(x):\n    return x + 1 + 0 * demo_value")  # the solution reads the demo's name
    assert skip_plan(nb, RELEASE) == {4}
    nb = _submitted()
    nb.cells.append(_code("mine", "print(globals().get('demo_value'))"))  # reads any name
    assert skip_plan(nb, RELEASE) == set()


def test_a_function_of_its_own_does_not_need_the_lesson():
    nb = _submitted(f="def f(demo_value):\n    return demo_value + 1")  # a parameter, not the demo's name
    assert skip_plan(nb, RELEASE) == {3, 4}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_tagged_lesson_cell_is_skipped_for_every_corpus_variant(assignment):
    release = nbformat.read(ROOT / "release" / assignment / f"{assignment}.ipynb", as_version=4)
    tagged = sorted(c.id for c in release.cells if SKIP_TAG in c.metadata.get("tags", []))
    for path in sorted((CORPUS / assignment).glob("*.py")):  # none edits a lesson cell or uses its names
        nb = build_submission(release, assignment, load_variant(path))
        assert sorted(nb.cells[i].id for i in skip_plan(nb, release)) == tagged, path.stem


def test_a_tag_added_by_the_student_does_nothing():
    nb = _submitted()
    nb.cells.append(_code("mine", "print('MINE')", tag=True))
    nb.cells[0].metadata["tags"] = [SKIP_TAG]
    assert skip_plan(nb, RELEASE) == {3, 4}


def test_repair_keeps_the_ids_of_lesson_cells():
    release = copy.deepcopy(RELEASE)
    for cell in release.cells:
        if cell.id in ("f", "test_f"):
            cell.metadata["nbgrader"]["grade_id"] = cell.id
    submitted = _submitted()
    clash = _code("test_f", "print('a student cell with a test cell id')")
    submitted.cells.insert(4, clash)
    repaired, _ = repair_notebook(submitted, release)
    ids = [c.id for c in repaired.cells]
    assert "demo" in ids and "sweep" in ids and "imports" in ids
    assert len(set(ids)) == len(ids), ids


# ---------------------------------------------------------------------------------------------
# CPU time of a process tree


@pytest.mark.e2e
def test_tree_cpu_counts_children_and_grandchildren(tmp_path):
    script = tmp_path / "spin.py"
    script.write_text(
        "import subprocess, sys, time\n"
        "t = time.process_time()\n"
        "while time.process_time() - t < 1.0: pass\n"
        "if int(sys.argv[1]) > 0:\n"
        "    child = subprocess.Popen([sys.executable, sys.argv[0], str(int(sys.argv[1]) - 1)])\n"
        "    time.sleep(2.0)  # while it is still running, then reaped\n"
        "    child.wait()\n"
        "time.sleep(0.5)\n"
    )
    proc = subprocess.Popen([sys.executable, str(script), "2"])
    readings = []
    while proc.poll() is None:
        readings.append(tree_cpu_seconds(proc.pid) or 0.0)
        time.sleep(0.05)
    assert max(readings) > 2.7, max(readings)  # its own second, its child's and its grandchild's
    assert tree_cpu_seconds(proc.pid) is None  # reaped: gone


# ---------------------------------------------------------------------------------------------
# ResilientExecute in the grading sandbox


def _execute(tmp_path: Path, nb: nbformat.NotebookNode, release: nbformat.NotebookNode | None = None,
             manager: str = "graders.run.sandbox.SandboxedKernelManager") -> tuple[nbformat.NotebookNode, ResilientExecute]:
    course = tmp_path / "course"
    work = course / "submitted" / "s" / "a1"
    work.mkdir(parents=True)
    if release is not None:
        (course / "release" / "a1").mkdir(parents=True)
        nbformat.write(release, course / "release" / "a1" / "a1.ipynb")
    config = Config()
    config.CourseDirectory.root = str(course)
    config.ResilientExecute.kernel_manager_class = manager
    config.ResilientExecute.timeout = 60
    execute = ResilientExecute(config=config)
    resources = {"metadata": {"path": str(work)}, "nbgrader": {"assignment": "a1", "notebook": "a1", "student": "s"}}
    # a thread of its own: nbclient runs its own event loop (and playwright may hold this one's)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(execute.preprocess, nb, resources).result()
    return nb, execute


def _text(cell) -> str:
    return "".join(o.get("text", "") + o.get("evalue", "") for o in cell.outputs)


@needs_bwrap
def test_skipped_lesson_cells_do_not_run_and_edited_ones_do(tmp_path):
    release = copy.deepcopy(RELEASE)
    release.cells[4].source = "import time\nt = time.process_time()\nwhile time.process_time() - t < 60: pass\nprint('SWEEP RAN')"
    nb = _submitted(demo="demo_value = f(10)  # my own line\nprint('LESSON RAN', demo_value)")
    nb.cells[4].source = release.cells[4].source
    nb.cells.append(_code("mine", "print('MINE RAN')", tag=True))
    start = time.monotonic()
    nb, execute = _execute(tmp_path, nb, release)
    assert time.monotonic() - start < 40, "the 60 s sweep ran"
    cells = {c.id: c for c in nb.cells}
    assert [o.get("text") for o in cells["sweep"].outputs] == [NOT_RUN_TEXT]
    assert cells["sweep"].execution_count is None and "sweep" not in execute.cpu_seconds
    assert "LESSON RAN 11" in _text(cells["demo"])  # edited: it runs
    assert "MINE RAN" in _text(cells["mine"])  # the student's tag does nothing
    assert not any(o.output_type == "error" for o in cells["test_f"].outputs)


@pytest.mark.e2e
@needs_bwrap
def test_cpu_budget_stops_a_spinning_cell_but_not_a_sleeping_one(tmp_path, monkeypatch):
    monkeypatch.setattr(budget, "CELL_CPU_FLOOR", 2.0)
    monkeypatch.setattr(budget, "KILL_GRACE", 2.0)
    nb = _nb(
        _code("sleeps", "import time\ntime.sleep(5)\nprint('SLEPT')"),
        _code("spins", "print('spinning')\nwhile True:\n    pass"),
        _code("after", "print('AFTER', 6 * 7)"),
        _code("stubborn", "while True:\n    try:\n        while True:\n            pass\n    except KeyboardInterrupt:\n        pass"),
        _code("last", "print('LAST', 6 * 7)"),
    )
    start = time.monotonic()
    nb, execute = _execute(tmp_path, nb)
    cells = {c.id: c for c in nb.cells}
    assert time.monotonic() - start < 50
    assert "SLEPT" in _text(cells["sleeps"]) and not any(o.output_type == "error" for o in cells["sleeps"].outputs)
    assert execute.cpu_seconds["sleeps"] < 1.0  # 5 s of wall time, almost no CPU
    errors = [o for o in cells["spins"].outputs if o.output_type == "error"]
    assert [e.ename for e in errors] == [CPU_EXCEEDED], cells["spins"].outputs
    assert "this cell used more than 2 s of CPU time" in errors[0].evalue
    assert "spinning" in _text(cells["spins"])  # what it printed before is kept
    assert 2.0 <= execute.cpu_seconds["spins"] < 6, execute.cpu_seconds
    assert "AFTER 42" in _text(cells["after"])  # the interrupt did not leak into the next cell
    stubborn = [o for o in cells["stubborn"].outputs if o.output_type == "error"]
    assert [e.ename for e in stubborn] == [CPU_EXCEEDED] and "kernel was restarted" in stubborn[0].evalue
    assert "LAST 42" in _text(cells["last"])


@pytest.mark.e2e
@needs_bwrap
def test_cpu_budget_of_a_kernel_forked_by_the_fork_server(tmp_path, monkeypatch):
    from graders.run.fastgrade import ForkServer, ForkServerKernelManager

    monkeypatch.setattr(budget, "CELL_CPU_FLOOR", 2.0)
    fork_server = ForkServer()
    monkeypatch.setattr(ForkServerKernelManager, "fork_server", fork_server)
    try:
        nb = _nb(_code("sleeps", "import time\ntime.sleep(3)\nprint('SLEPT')"),
                 _code("spins", "while True:\n    pass"), _code("after", "print('AFTER')"))
        nb, execute = _execute(tmp_path, nb, manager="graders.run.fastgrade.ForkServerKernelManager")
    finally:
        fork_server.close()
    cells = {c.id: c for c in nb.cells}
    assert "SLEPT" in _text(cells["sleeps"]) and execute.cpu_seconds["sleeps"] < 1.0
    assert [o.ename for o in cells["spins"].outputs if o.output_type == "error"] == [CPU_EXCEEDED]
    assert "AFTER" in _text(cells["after"])


# ---------------------------------------------------------------------------------------------
# the slow correct solution on a saturated machine


@pytest.mark.e2e
def test_per_example_loops_score_full_while_every_core_is_busy(tmp_path):
    a = "w3_two_layer_network"
    course = make_course(tmp_path / "course")
    nbgrader(course, "generate_assignment", a, "--force")
    release = nbformat.read(course / "release" / a / f"{a}.ipynb", as_version=4)
    submit(course, "loops", a, build_submission(release, a, load_variant(CORPUS / a / "correct_per_example_loops.py")))
    full = sum(c.metadata["nbgrader"]["points"] for c in release.cells if c.metadata.get("nbgrader", {}).get("grade"))
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(os.cpu_count() or 2)]
    try:
        run = nbgrader(course, "autograde", a, "--force", check=False)
    finally:
        for p in spinners:
            p.kill()
            p.wait()
    assert run.returncode == 0, run.stderr[-3000:]
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        score = gb.find_submission_notebook(a, a, "loops").score
    graded = nbformat.read(course / "autograded" / "loops" / a / f"{a}.ipynb", as_version=4)
    problems = [f"{c.id}: {o.get('ename')}: {o.get('evalue', '')[:200]}" for c in graded.cells
                for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert score == full, f"{score} of {full}: {problems}\n{run.stderr[-3000:]}"
    assert not problems, problems
    skipped = [c.id for c in graded.cells if any(o.get("text") == NOT_RUN_TEXT for o in c.get("outputs", []))]
    assert sorted(skipped) == sorted(c.id for c in release.cells if SKIP_TAG in c.metadata.get("tags", [])), skipped
