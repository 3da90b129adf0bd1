"""Broken and hostile submissions: each costs at most its own exercise, and never the class.

One `nbgrader autograde` run over a class mixing honest and broken notebooks (invalid JSON,
an empty file, copied, deleted and stripped cells, a wrong kernel, a dying kernel, an endless
loop, a memory bomb, an output flood, snooping and a socket), then `generate_feedback`.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from conftest import full_marks, make_course, nbgrader, points, submit
from corpus import build_submission
from graders.run.sandbox import UNSAFE_NO_PROCESS_LIMIT_ENV

A = "w1_cost_minimization"
pytestmark = pytest.mark.e2e


def _cell(nb, gid):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == gid)


def _with_optimal(nb, body: str):
    nb = copy.deepcopy(nb)
    _cell(nb, "optimal_omega").source = "def optimal_omega(prices_a, prices_b):\n" + body
    return nb


def _class(release) -> dict[str, object]:
    good = build_submission(release, A, None)
    dup = copy.deepcopy(good)
    dup.cells.append(copy.deepcopy(_cell(dup, "test_dLdOmega")))
    deleted = copy.deepcopy(good)
    deleted.cells = [c for c in deleted.cells if not c.metadata.get("nbgrader", {}).get("grade_id", "").startswith("test_")]
    stripped = copy.deepcopy(good)
    for c in stripped.cells:
        c.metadata.pop("nbgrader", None)
    kernel = copy.deepcopy(good)
    kernel.metadata["kernelspec"] = {"name": "julia-1.9", "display_name": "Julia", "language": "julia"}
    snoop = copy.deepcopy(good)
    _cell(snoop, "load_prices").source = (
        "import glob, os, socket\n"
        "for p in glob.glob('../../*/*/*.ipynb') + ['../../../gradebook.db', '../../../reference/w1_cost_minimization.py']:\n"
        "    print('SNOOP', p, os.path.exists(p))\n"
        "try:\n    open('../../../gradebook.db', 'w').write('x')\nexcept OSError as e:\n    print('WRITE', type(e).__name__)\n"
        "try:\n    socket.create_connection(('93.184.216.34', 80), timeout=2)\n    print('NET open')\n"
        "except OSError as e:\n    print('NET', e)\n"
        "try:\n    os.mknod('/tmp/disk', 0o600 | 0o060000, os.makedev(8, 0))\n    print('MKNOD done')\n"
        "except OSError as e:\n    print('MKNOD', type(e).__name__)\n" + _cell(good, "load_prices").source
    )
    giant = copy.deepcopy(good)
    _cell(giant, "load_prices").source = (
        "from IPython.display import HTML, display\n"
        "display(HTML('<td>spam</td>' * 10**6))\n" + _cell(good, "load_prices").source)
    hog = copy.deepcopy(good)
    _cell(hog, "load_prices").source = (
        "import os, signal, subprocess\n"
        "for folder in ('.', '/tmp', '/dev/shm'):\n"
        "    try:\n"
        "        for i in range(64):\n"
        "            with open(f'{folder}/hog{i}', 'wb') as f:\n"
        "                for _ in range(16):\n"
        "                    f.write(b'x' * 2**20)\n"
        "    except OSError as e:\n"
        "        print('HOG', folder, type(e).__name__)\n"
        "    for i in range(64):\n"
        "        if os.path.exists(f'{folder}/hog{i}'):\n"
        "            os.remove(f'{folder}/hog{i}')  # the probe needs room in /tmp later\n"
        "kids = []\n"
        "try:\n"
        "    for _ in range(2000):\n"
        "        kids.append(subprocess.Popen(['sleep', '30']))\n"
        "except OSError as e:\n"
        "    print('FORK', len(kids), type(e).__name__)\n"
        "for p in os.listdir('/proc'):\n"
        "    if p.isdigit() and int(p) != os.getpid():\n"
        "        try:\n            os.kill(int(p), signal.SIGKILL)\n        except OSError:\n            pass\n"
        + _cell(good, "load_prices").source)
    return {
        "h_good": good,
        "h_hog": hog,
        "h_giant_display": giant,
        "h_badjson": '{"cells": [',
        "h_empty": "",
        "h_duplicate_cell": dup,
        "h_deleted_tests": deleted,
        "h_stripped_metadata": stripped,
        "h_wrong_kernel": kernel,
        "h_snoop": snoop,
        "h_exit": _with_optimal(good, "    import os\n    os._exit(3)\n"),
        "h_endless": _with_optimal(good, "    while True:\n        pass\n"),
        "h_memory_bomb": _with_optimal(good, "    import numpy\n    return numpy.ones(10**10).sum()\n"),
        "h_flood": _with_optimal(good, "    for i in range(10**6):\n        print('spam', i)\n    return 0.32341578754678213\n"),
    }


FULL = full_marks(A)
#: full marks less what a runaway optimal_omega costs: its own points, nothing else
NO_OPTIMAL = FULL - points(A)["test_optimal_omega"]
#: expected points of every student who is graded (the notebook's points); None: refused with a clear error
EXPECTED = {
    "h_good": FULL, "h_badjson": None, "h_empty": None, "h_duplicate_cell": FULL, "h_deleted_tests": FULL,
    "h_stripped_metadata": FULL, "h_wrong_kernel": FULL, "h_snoop": FULL, "h_giant_display": FULL, "h_hog": FULL,
    "h_exit": NO_OPTIMAL, "h_endless": NO_OPTIMAL, "h_memory_bomb": NO_OPTIMAL, "h_flood": NO_OPTIMAL,
}


def short_timeout_course(path: Path) -> Path:
    """A course with w1 released and an 8 s cell timeout (keeps the endless loop short in tests)."""
    course = make_course(path)
    with open(course / "nbgrader_config.py", "a") as fh:
        fh.write("\nc.Execute.timeout = 8  # keep the endless loop short in tests\n")
    nbgrader(course, "generate_assignment", A, "--force")
    return course


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    course = short_timeout_course(tmp_path_factory.mktemp("hostile"))
    release = nbformat.read(course / "release" / A / f"{A}.ipynb", as_version=4)
    for student, nb in _class(release).items():
        submit(course, student, A, nb)
    before = {p: p.read_bytes() for p in (course / "submitted").rglob("*") if p.is_file()}
    run = nbgrader(course, "autograde", A, "--force", check=False)
    nbgrader(course, "generate_feedback", A, "--force", check=False)
    after = {p: p.read_bytes() for p in (course / "submitted").rglob("*") if p.is_file()}
    return course, run, before == after


def test_every_readable_submission_is_graded_as_expected(hostile):
    course, run, _ = hostile
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student, points in EXPECTED.items():
            if points is None:
                continue
            nb = gb.find_submission_notebook(A, A, student)
            assert nb.score == points, f"{student}: {nb.score} points, expected {points}\n{run.stderr[-3000:]}"


def test_unreadable_notebooks_are_named_to_the_instructor(hostile):
    _, run, _ = hostile
    for student in ("h_badjson", "h_empty"):
        assert f"There was an error processing assignment '{A}' for student '{student}'" in run.stderr
    assert "student h_duplicate_cell, w1_cost_minimization/w1_cost_minimization: cell 'test_dLdOmega' appears more than once" in run.stderr
    assert "student h_deleted_tests" in run.stderr and "were missing or damaged: restored from the release" in run.stderr


def test_runaway_exercises_cost_only_their_own_points(hostile):
    course, _, _ = hostile
    def verdict(student):
        nb = json.loads((course / "autograded" / student / A / f"{A}.ipynb").read_text())
        return " ".join(o.get("evalue", "") for o in _cell(nbformat.from_dict(nb), "test_optimal_omega").outputs)
    assert "KernelDied" in verdict("h_exit")
    assert "CellTimeoutError" in verdict("h_endless") or "KeyboardInterrupt" in verdict("h_endless")
    assert "MemoryError" in verdict("h_memory_bomb")
    flood = (course / "autograded" / "h_flood" / A / f"{A}.ipynb").stat().st_size
    assert flood < 1_000_000, f"the flooded notebook is {flood} bytes"
    giant = (course / "autograded" / "h_giant_display" / A / f"{A}.ipynb").stat().st_size
    assert giant < 1_000_000, f"the notebook with a 15 MB display is {giant} bytes"
    page = (course / "feedback" / "h_giant_display" / A / f"{A}.html").stat().st_size
    assert page < 2_000_000, f"its feedback is {page} bytes"


def test_sandbox_hides_the_course_the_gradebook_and_the_network(hostile):
    course, _, unchanged = hostile
    nb = json.loads((course / "autograded" / "h_snoop" / A / f"{A}.ipynb").read_text())
    printed = "".join("".join(o.get("text", "")) for c in nb["cells"] for o in c.get("outputs", []))
    seen = [line.split()[1] for line in printed.splitlines() if line.startswith("SNOOP") and line.endswith("True")]
    assert seen and all("/h_snoop/" in path for path in seen), seen  # its own notebook, nothing else
    # a write to ../../../gradebook.db lands in the sandbox's throw-away root, not in the course
    assert "NET open" not in printed and "NET " in printed
    assert "MKNOD PermissionError" in printed  # no capabilities: no raw disk to read the course from
    assert (course / "gradebook.db").read_bytes()[:15] == b"SQLite format 3"
    assert unchanged, "a submitted file changed during grading"


def test_feedback_shows_verdicts_not_hidden_tests(hostile):
    course, _, _ = hostile
    pages = list((course / "feedback").glob(f"*/{A}/*.html"))
    assert len(pages) == sum(p is not None for p in EXPECTED.values())
    for page in pages:
        text = page.read_text()
        assert "HIDDEN TESTS" not in text and "probe(" not in text and "from reference" not in text
    good = (course / "feedback" / "h_good" / A / f"{A}.html").read_text()
    assert "\u2714 optimal_omega, the minimiser of L" in good


def test_what_a_kernel_writes_stays_bounded_and_out_of_autograded(hostile):
    course, _, _ = hostile
    folder = course / "autograded" / "h_hog" / A
    written = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    assert not list(folder.glob("hog*")) and written < 5 * 2**20, sorted(p.name for p in folder.iterdir())
    nb = nbformat.read(folder / f"{A}.ipynb", as_version=4)
    printed = "".join(o.get("text", "") for o in _cell(nb, "load_prices").outputs)
    # ENOSPC at each private tmpfs's size, EAGAIN at the process limit; nothing left on the host
    assert printed.count("HOG ") == 3, printed
    if os.geteuid() == 0 and os.environ.get(UNSAFE_NO_PROCESS_LIMIT_ENV) == "1":
        print(f"process limit not checked: {UNSAFE_NO_PROCESS_LIMIT_ENV}=1 (no writable pids cgroup for a root grader)")
    else:
        assert "FORK " in printed and "BlockingIOError" in printed, printed
