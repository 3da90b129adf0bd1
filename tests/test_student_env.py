"""The students' environment: a fresh venv built from ``student/requirements.txt``.

* Its helper package (``calc4ml-student``) holds the grading side's own helper modules, taken from
  ``graders/`` when it is built (``student/setup.py``): byte for byte the same files, so
  ``assert_close`` says the same there as here.
* Every release notebook, filled with the reference solutions, passes ``nbgrader validate`` run
  from that env (its own Python kernel): the visible tests run there as written; the plain w1
  release fails validation at its first ``NotImplementedError``.
* Nothing of the grading side is importable there: not ``reference``, not the judges
  (``graders.assignments``, ``graders.autograde.verdicts``), not the hidden tests' probe
  (``graders.kernel.probe``), nor the sandbox; ``graders`` is the helper package, nothing else.

The env is built once (about a minute) by ``tests/hub.py``'s ``student_env`` and shared with the
JupyterHub tests. Skipped, saying why, when it cannot be built (no network to the package index).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from conftest import ROOT
from corpus import build_submission, load_variant

ASSIGNMENTS = ("w1_cost_minimization", "w2_linear_regression", "w3_two_layer_network", "w4_newtons_method")
NOT_FOR_STUDENTS = ("reference", "reference.w1_cost_minimization", "graders.assignments", "graders.autograde",
                    "graders.autograde.verdicts", "graders.kernel.probe", "graders.kernel.harness", "graders.run",
                    "graders.run.sandbox", "graders.exchange", "graders.cli")

def test_student_package_exports_the_helpers_only():
    init = (ROOT / "student" / "src" / "graders" / "__init__.py").read_text()
    code = init.split('"""', 2)[2]
    assert "assignments" not in code and "autograde" not in code and "probe" not in code


@pytest.mark.e2e
def test_the_student_package_ships_the_graders_own_helpers(env):
    site = next((env / "lib").glob("python3*/site-packages")) / "graders"
    shipped = sorted(str(p.relative_to(site)) for p in site.rglob("*.py"))
    assert shipped == ["__init__.py", "coursedata.py", "kernel/__init__.py", "kernel/checks.py", "kernel/gradcheck.py",
                       "kernel/tolerances.py", "kernel/values.py"]
    for rel in shipped[1:]:
        assert (site / rel).read_bytes() == (ROOT / "graders" / rel).read_bytes(), rel


def test_student_requirements_pin_what_the_course_is_graded_with():
    lock = {line.split("==")[0].lower(): line.split("==")[1] for line in (ROOT / "requirements.lock").read_text().split()
            if "==" in line}
    pins = {}
    for line in (ROOT / "student" / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if "==" in line:
            name, version = line.split("==")
            pins[name.lower()] = version
    assert {"numpy", "pandas", "matplotlib", "nbgrader", "jupyterlab"} <= set(pins)
    assert {n: lock.get(n) for n in pins} == pins


@pytest.fixture(scope="module")
def env() -> Path:
    from hub import student_env

    try:
        return student_env()
    except subprocess.CalledProcessError as exc:
        pytest.skip(f"the student environment could not be built from student/requirements.txt ({exc}); "
                    "pip needs the package index")


def _student_run(env: Path, cmd: list[str], cwd: Path, tmp: Path, **kw) -> subprocess.CompletedProcess:
    """``cmd`` with the students' env first on PATH and nothing of this machine's Jupyter or
    Python set-up (own data, config and IPython folders; no PYTHONPATH)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "JUPYTER", "VIRTUAL_ENV"))}
    clean.update(PATH=f"{env / 'bin'}:/usr/bin:/bin", JUPYTER_DATA_DIR=str(tmp / "data"),
                 JUPYTER_CONFIG_DIR=str(tmp / "config"), IPYTHONDIR=str(tmp / "ipython"), HOME=str(tmp))
    return subprocess.run(cmd, cwd=cwd, env=clean, capture_output=True, text=True, timeout=900, **kw)


@pytest.mark.e2e
def test_nothing_of_the_grading_side_is_importable(env, tmp_path):
    probe = (
        "import importlib, json, sys\n"
        "import graders\n"
        "out = {'graders': graders.__file__, 'exports': sorted(graders.__all__), 'python': sys.executable}\n"
        f"for name in {NOT_FOR_STUDENTS!r}:\n"
        "    try:\n"
        "        importlib.import_module(name); out[name] = 'importable'\n"
        "    except ImportError as exc:\n"
        "        out[name] = 'missing'\n"
        "from graders.coursedata import make_blobs\n"
        "print(json.dumps(out))\n"
    )
    proc = _student_run(env, ["python", "-c", probe], tmp_path, tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["python"].startswith(str(env)), out
    assert out["graders"].startswith(str(env / "lib")), f"graders came from {out['graders']}, not the student env"
    assert {n: out[n] for n in NOT_FOR_STUDENTS} == dict.fromkeys(NOT_FOR_STUDENTS, "missing")
    assert "assert_close" in out["exports"] and "gradient_check" in out["exports"]
    # nothing installed that grades: no calc4ml-course distribution, no reference source anywhere in the env
    dists = _student_run(env, ["python", "-m", "pip", "list", "--format=json"], tmp_path, tmp_path)
    names = {d["name"].lower() for d in json.loads(dists.stdout)}
    assert "calc4ml-student" in names and "calc4ml-course" not in names
    site = next((env / "lib").glob("python3*/site-packages"))
    leaked = [p for p in site.rglob("*.py") if "def optimal_omega" in p.read_text(errors="replace")
              or "TrustedVerdicts" in p.read_text(errors="replace")]
    assert leaked == []


@pytest.mark.e2e
def test_assert_close_says_what_the_grader_says(env, tmp_path):
    code = ("import numpy as np\nfrom graders import assert_close\n"
            "try:\n    assert_close(np.array([1.0, 2.0, 6.0]), np.array([1.0, 2.0, 3.0]), name='f(x)')\n"
            "except AssertionError as exc:\n    print(exc)\n")
    student = _student_run(env, ["python", "-c", code], tmp_path, tmp_path)
    here = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert student.returncode == 0 and "f(x): wrong value" in student.stdout, student.stderr
    assert student.stdout == here.stdout


@pytest.mark.e2e
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_visible_tests_pass_in_the_student_env(env, tmp_path, assignment):
    work = tmp_path / assignment
    shutil.copytree(ROOT / "release" / assignment, work)
    release = nbformat.read(work / f"{assignment}.ipynb", as_version=4)
    solved = build_submission(release, assignment, load_variant(ROOT / "tests" / "corpus" / assignment / "correct_reference.py"))
    nbformat.write(solved, work / f"{assignment}.ipynb")
    proc = _student_run(env, ["nbgrader", "validate", f"{assignment}.ipynb"], work, tmp_path)
    assert "Success! Your notebook passes all the tests." in proc.stdout, f"{proc.stdout}\n{proc.stderr}"


@pytest.mark.e2e
def test_the_fetched_release_fails_validation_at_the_first_exercise(env, tmp_path):
    a = "w1_cost_minimization"
    work = tmp_path / a
    shutil.copytree(ROOT / "release" / a, work)
    proc = _student_run(env, ["nbgrader", "validate", f"{a}.ipynb"], work, tmp_path)
    assert "VALIDATION FAILED" in proc.stdout and "NotImplementedError" in proc.stdout, proc.stdout + proc.stderr
