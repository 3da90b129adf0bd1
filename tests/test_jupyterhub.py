"""A term on JupyterHub, end to end: real Unix users, nbgrader's exchange, a real browser.

* ``test_bad_submissions_through_the_exchange``: students (real users, the students' env) hand in
  what is not a notebook, an empty file, 200 MB, a folder without the notebook, an assignment
  that does not exist. Each gets nbgrader's message where nbgrader gives one (at submit), the
  instructor gets one line per student from ``calc4ml collect`` and ``calc4ml grade``, and the
  student who submitted a good notebook beside them is graded as usual.
* ``test_a_term_on_jupyterhub`` (headless Chromium): a student logs into the hub, fetches w1
  from the Assignments tab, fills in the solutions, validates and submits; a second submits a
  buggy notebook; a third submits after the due date. The instructor collects, grades
  (``calc4ml grade``) and releases feedback; the students fetch it and see their scores and the
  grader's messages, the late one the penalty. A TA overrides a score in Formgrader; ``nbgrader
  export``, ``calc4ml report`` and its LMS CSV show it. Screenshots: artifacts/screenshots/hub_*.png.

Real components, started and stopped here (tests/hub.py): JupyterHub with node's
configurable-http-proxy on loopback, LocalProcessSpawner, DummyAuthenticator (tests only).
Skipped, printing why, when they cannot run (not root, no npm/proxy, no Chromium, ...).
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import nbformat
import pytest

from conftest import BIN, ROOT, make_course
from corpus import build_submission, load_variant
from hub import hub_missing, running_hub, student_env, unix_users, world_readable_tmpdir

A = "w1_cost_minimization"
NB = f"{A}.ipynb"
CORPUS = ROOT / "tests" / "corpus" / A

pytestmark = pytest.mark.e2e


def _skip_unless_hub(**kw) -> None:
    reason = hub_missing(**kw)
    if reason:
        print(f"SKIPPED (JupyterHub tests): {reason}")
        pytest.skip(reason)


def calc4ml(course: Path, exchange: Path, *args: str, check: bool = True, timeout: float = 1800) -> subprocess.CompletedProcess:
    """The instructor's command line in ``course``, the exchange at ``exchange``."""
    env = dict(os.environ, PATH=f"{BIN}:{os.environ.get('PATH', '')}", CALC4ML_EXCHANGE=str(exchange))
    proc = subprocess.run([str(BIN / "calc4ml"), *args], cwd=course, env=env, capture_output=True, text=True,
                          timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"calc4ml {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def nbgrader_as_instructor(course: Path, exchange: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PATH=f"{BIN}:{os.environ.get('PATH', '')}", CALC4ML_EXCHANGE=str(exchange))
    proc = subprocess.run([str(BIN / "nbgrader"), *args], cwd=course, env=env, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, f"nbgrader {' '.join(args)}:\n{proc.stdout}\n{proc.stderr}"
    return proc


def variant_notebook(name: str) -> nbformat.NotebookNode:
    release = nbformat.read(ROOT / "release" / A / NB, as_version=4)
    return build_submission(release, A, load_variant(CORPUS / f"{name}.py"))


def write_as(user: str, path: Path, data: bytes | str) -> None:
    """Write a file into a user's home as that user would (owned by them)."""
    import pwd

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    entry = pwd.getpwnam(user)
    os.chown(path, entry.pw_uid, entry.pw_gid)


@pytest.fixture(scope="module")
def term(tmp_path_factory):
    """A course with w1 generated, and an empty exchange, in a folder other users can enter."""
    _skip_unless_hub(instructors=False)
    base = world_readable_tmpdir("calc4ml-term-")
    course = make_course(base / "course")
    exchange = base / "exchange"
    calc4ml(course, exchange, "release", A)
    yield base, course, exchange
    import shutil

    shutil.rmtree(base, ignore_errors=True)


# --------------------------------------------------------------------------------------------


def test_bad_submissions_through_the_exchange(term, tmp_path):
    base, course, exchange = term
    out = calc4ml(course, exchange, "release", A, "--publish", "--force")
    assert f"published {A}" in out.stdout and "due 2027-01-18 23:59 UTC" in out.stdout, out.stdout
    assert oct(exchange.stat().st_mode & 0o7777) == "0o1777"
    inbound = exchange / "calc4ml" / "inbound"
    assert oct(inbound.stat().st_mode & 0o777) == "0o733", "students must not list each other's submissions"
    env = student_env()

    kinds = ("good", "notnb", "empty", "huge", "nonb", "ghost")
    with unix_users(len(kinds), prefix="bad", home_base=base) as names:
        who = dict(zip(kinds, names))
        from hub import Hub

        hub = Hub("", base, base / "none.log", list(names), [], env / "bin", exchange)  # only for run_as
        for user in names:
            out = hub.run_as(user, ["nbgrader", "fetch_assignment", A])
            assert (Path(f"{base}/{user}") / A / NB).exists(), out.stderr
        home = {k: base / u / A for k, u in who.items()}
        write_as(who["good"], home["good"] / NB, nbformat.writes(variant_notebook("correct_reference")))
        write_as(who["notnb"], home["notnb"] / NB, "my answers: omega = 0.5, the derivative is 2x\n")
        write_as(who["empty"], home["empty"] / NB, b"")
        (home["nonb"] / NB).unlink()
        write_as(who["nonb"], home["nonb"] / "homework.pdf", b"%PDF-1.4\n")
        big = home["huge"] / "data" / "outputs.npy"  # 200 MB (sparse: the size counts, not the disk)
        write_as(who["huge"], big, b"")
        os.truncate(big, 200 * 1000 * 1000)

        results = {k: hub.run_as(who[k], ["nbgrader", "submit", A], check=False) for k in ("good", "notnb", "empty", "huge", "nonb")}
        said = {k: r.stdout + r.stderr for k, r in results.items()}
        assert results["good"].returncode == 0, said["good"]
        # nbgrader refuses these at submit, with its own message to the student
        assert results["huge"].returncode != 0 and "Directory size is too big" in said["huge"], said["huge"]
        assert results["nonb"].returncode != 0 and "missing notebooks" in said["nonb"] and NB in said["nonb"], said["nonb"]
        # an assignment that was never released
        ghost_dir = base / who["ghost"] / "w9_does_not_exist"
        write_as(who["ghost"], ghost_dir / "w9_does_not_exist.ipynb", nbformat.writes(variant_notebook("correct_reference")))
        ghost = hub.run_as(who["ghost"], ["nbgrader", "submit", "w9_does_not_exist"], check=False)
        assert ghost.returncode != 0 and "w9_does_not_exist" in ghost.stdout + ghost.stderr, ghost.stdout + ghost.stderr
        fetch_ghost = hub.run_as(who["ghost"], ["nbgrader", "fetch_assignment", "w9_does_not_exist"], check=False)
        assert fetch_ghost.returncode != 0 and "not found" in (fetch_ghost.stdout + fetch_ghost.stderr).lower()
        # a student cannot read another's submission in the exchange
        peek = hub.run_as(who["notnb"], ["ls", str(inbound)], check=False)
        assert peek.returncode != 0 and who["good"] not in peek.stdout

        # the instructor: one line per submission that cannot be graded, the rest collected
        collected = calc4ml(course, exchange, "collect", A)
        text = collected.stdout
        assert f"{who['notnb']}: {A} cannot be graded: {NB}: not a notebook" in text, text
        assert f"{who['empty']}: {A} cannot be graded: {NB}: empty file" in text, text
        assert who["good"] not in text.split("\n", 1)[1], text
        assert not any(who[k] in text for k in ("huge", "nonb", "ghost")), text  # nothing of theirs arrived
        unknown = calc4ml(course, exchange, "collect", "w9_does_not_exist", check=False)
        assert unknown.returncode == 2 and "no assignment 'w9_does_not_exist'" in unknown.stderr

        graded = calc4ml(course, exchange, "grade", A, "--no-canary", check=False)
        report = graded.stdout + graded.stderr
        assert f"FAILED {who['notnb']} / {A}" in report and f"FAILED {who['empty']} / {A}" in report, report
        assert f"FAILED {who['good']}" not in report, report
        from nbgrader.api import Gradebook

        with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
            assert gb.find_submission(A, who["good"]).score == 12.0


# --------------------------------------------------------------------------------------------


def test_late_policy_and_ta_overrides_reach_the_report(tmp_path):
    """The late policy by the started day, and a formgrader override (a manual score and a
    comment in the gradebook, as formgrader stores them) in nbgrader's export and the LMS CSV."""
    from graders.exchange import late_fraction
    from graders.report import write_report

    day = 24 * 3600
    assert [late_fraction(s) for s in (0, 1, day, day + 1, 2 * day, 5 * day - 1, 6 * day, 7 * day, 7 * day + 1)] == [
        0.0, 0.1, 0.1, 0.2, 0.2, 0.5, 0.5, 0.5, 1.0]

    course = make_course(tmp_path / "course")
    exchange = tmp_path / "exchange"
    calc4ml(course, exchange, "release", A)
    due = datetime(2027, 1, 18, 23, 59, tzinfo=timezone.utc)
    stamps = {"ontime_fictional": due - timedelta(hours=1), "late3_fictional": due + timedelta(days=2, hours=1),
              "late9_fictional": due + timedelta(days=9)}
    for student, when in stamps.items():
        folder = course / "submitted" / student / A
        folder.mkdir(parents=True)
        nbformat.write(variant_notebook("correct_reference"), folder / NB)
        (folder / "timestamp.txt").write_text(when.strftime("%Y-%m-%d %H:%M:%S.%f UTC"))
    calc4ml(course, exchange, "grade", A, "--no-canary", "--no-feedback")
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:  # what formgrader writes
        grade = gb.find_grade("test_L_of_omega", NB.removesuffix(".ipynb"), A, "ontime_fictional")
        grade.manual_score = 1.0
        comment = gb.find_comment("L_of_omega", NB.removesuffix(".ipynb"), A, "ontime_fictional")  # the solution cell
        comment.manual_comment = "reviewed by hand: see the office hours"
        gb.db.commit()
    nbgrader_as_instructor(course, exchange, "export", "--to", str(tmp_path / "grades.csv"))
    export = {r["student_id"]: r for r in csv.DictReader(open(tmp_path / "grades.csv"))}
    paths = write_report(course, tmp_path / "report")
    lms = {r["student_id"]: r for r in csv.DictReader(open(paths["lms"]))}

    full = 12.0
    assert float(export["ontime_fictional"]["score"]) == float(lms["ontime_fictional"]["score"]) == full - 1.0
    assert lms["ontime_fictional"]["ta_overrides"].startswith("test_L_of_omega: 2 -> 1")
    assert "office hours" in lms["ontime_fictional"]["ta_overrides"]
    assert float(lms["late3_fictional"]["late_penalty"]) == pytest.approx(0.3 * full)  # 2 d 1 h: 3 started days
    assert float(lms["late3_fictional"]["score"]) == pytest.approx(0.7 * full)
    assert float(export["late3_fictional"]["late_submission_penalty"]) == pytest.approx(0.3 * full)
    assert float(lms["late9_fictional"]["score"]) == 0.0
    assert lms["late9_fictional"]["duedate"].startswith("2027-01-18 23:59:00")
    page = paths["html"].read_text()
    assert "TA overrides" in page and "reviewed by hand" in page
